"""Normalization layers: BatchNorm, LayerNorm, RMSNorm, GroupNorm, InstanceNorm.

Statistics follow Flax's arithmetic: computed in at least float32, variance by the "fast"
formula ``E[x^2] - E[x]^2`` clipped at 0 unless ``use_fast_variance=False``."""
from __future__ import annotations

import typing as tp
from types import MappingProxyType

from jaxlite import lax
from jaxlite import numpy as jnp
from jaxlite.flax._src.nnx.module import Module, first_from
from jaxlite.flax._src.nnx.nn import dtypes, initializers
from jaxlite.flax._src.nnx.nn.linear import feature_error
from jaxlite.flax._src.nnx.pytreelib import data
from jaxlite.flax._src.nnx.variablelib import BatchStat, Param

_NO_METADATA = MappingProxyType({})


def _canonicalize_axes(rank, axes):
  if not isinstance(axes, tp.Iterable):
    axes = (axes,)
  return tuple(sorted({rank + a if a < 0 else a for a in axes}))


def _abs_sq(x):
  if jnp.issubdtype(x.dtype, jnp.complexfloating):
    return lax.square(lax.real(x)) + lax.square(lax.imag(x))
  return lax.square(x)


def _compute_stats(x, axes, dtype, axis_name=None, axis_index_groups=None, use_mean=True,
                   use_fast_variance=True, mask=None):
  if axis_name is not None:
    raise NotImplementedError("axis_name (cross-device statistics) is not supported by "
                              "jaxlite: there is a single device.")
  dtype = jnp.promote_types(jnp.result_type(x) if dtype is None else dtype, jnp.float32)
  x = jnp.asarray(x, dtype)
  axes = _canonicalize_axes(x.ndim, axes)

  def mean(v):
    return v.mean(axes, where=mask)

  if use_mean:
    if use_fast_variance:
      mu, mu2 = mean(x), mean(_abs_sq(x))
      var = jnp.maximum(0.0, mu2 - _abs_sq(mu))
    else:
      mu = mean(x)
      var = mean(_abs_sq(x - jnp.expand_dims(mu, axes)))
  else:
    var = mean(_abs_sq(x))
    mu = jnp.zeros_like(var)
  return mu, var


def _normalize(x, mean, var, scale, bias, reduction_axes, feature_axes, dtype, epsilon):
  reduction_axes = _canonicalize_axes(x.ndim, reduction_axes)
  feature_axes = _canonicalize_axes(x.ndim, feature_axes)
  stats_shape = [1 if a in reduction_axes else d for a, d in enumerate(x.shape)]
  mean = mean.reshape(stats_shape)
  var = var.reshape(stats_shape)
  feature_shape = [x.shape[a] if a in feature_axes else 1 for a in range(x.ndim)]
  y = x - mean
  mul = lax.rsqrt(var + epsilon)
  args = [x]
  if scale is not None:
    scale = scale.reshape(feature_shape)
    mul *= scale
    args.append(scale)
  y *= mul
  if bias is not None:
    bias = bias.reshape(feature_shape)
    y += bias
    args.append(bias)
  return jnp.asarray(y, dtypes.canonicalize_dtype(*args, dtype=dtype))


def _scale_and_bias(layer, feature_shape, use_scale, use_bias, scale_init, bias_init,
                    param_dtype, rngs, scale_metadata, bias_metadata):
  if use_scale:
    layer.scale = Param(scale_init(rngs.params(), feature_shape, param_dtype), **scale_metadata)
  else:
    layer.scale = data(None)
  if use_bias is not None:
    if use_bias:
      layer.bias = Param(bias_init(rngs.params(), feature_shape, param_dtype), **bias_metadata)
    else:
      layer.bias = data(None)


def _value(v):
  return v[...] if v is not None else None


def _check_feature_axes(layer, x, feature_axes, num_features):
  size = 1
  for a in feature_axes:
    size *= x.shape[a]
  if size != num_features:
    raise feature_error(f"{type(layer).__name__}(num_features={num_features})", num_features,
                        x.shape, f" The feature axes {feature_axes} have total size {size}.")


class BatchNorm(Module):
  """Normalize with batch statistics while training (updating running averages with
  ``momentum``), with the running averages when ``use_running_average``."""

  def __init__(self, num_features: int, *, use_running_average=False, axis: int = -1,
               momentum: float = 0.99, epsilon: float = 1e-5, dtype=None,
               param_dtype=jnp.float32, use_bias: bool = True, use_scale: bool = True,
               bias_init=initializers.zeros_init(), scale_init=initializers.ones_init(),
               axis_name=None, axis_index_groups=None, use_fast_variance: bool = True,
               promote_dtype=dtypes.promote_dtype, rngs, bias_metadata=_NO_METADATA,
               scale_metadata=_NO_METADATA):
    feature_shape = (num_features,)
    self.mean = BatchStat(jnp.zeros(feature_shape, jnp.float32))
    self.var = BatchStat(jnp.ones(feature_shape, jnp.float32))
    _scale_and_bias(self, feature_shape, use_scale, use_bias, scale_init, bias_init,
                    param_dtype, rngs, scale_metadata, bias_metadata)
    self.num_features = num_features
    self.use_running_average = use_running_average
    self.axis = axis
    self.momentum = momentum
    self.epsilon = epsilon
    self.dtype = dtype
    self.param_dtype = param_dtype
    self.use_bias = use_bias
    self.use_scale = use_scale
    self.axis_name = axis_name
    self.axis_index_groups = axis_index_groups
    self.use_fast_variance = use_fast_variance
    self.promote_dtype = promote_dtype

  def __call__(self, x, use_running_average=None, *, mask=None):
    use_running_average = first_from(
        use_running_average, self.use_running_average,
        error_msg="No `use_running_average` argument was provided to BatchNorm. Consider one "
        "of the following options:\n\n1. Pass `use_running_average` to the BatchNorm "
        "constructor:\n\n  self.bn = nnx.BatchNorm(..., use_running_average=True/False)\n\n2. "
        "Pass `use_running_average` to the BatchNorm __call__:\n\n  self.bn(x, "
        "use_running_average=True/False)\n")
    x = jnp.asarray(x)
    feature_axes = _canonicalize_axes(x.ndim, self.axis)
    _check_feature_axes(self, x, feature_axes, self.num_features)
    reduction_axes = tuple(i for i in range(x.ndim) if i not in feature_axes)
    x, mean, var, scale, bias = self.promote_dtype(
        (x, self.mean[...], self.var[...], _value(self.scale), _value(self.bias)),
        dtype=self.dtype)
    if not use_running_average:
      mean, var = _compute_stats(x, reduction_axes, dtype=self.dtype, axis_name=self.axis_name,
                                 use_fast_variance=self.use_fast_variance, mask=mask)
      m = self.momentum
      self.mean[...] = lax.stop_gradient(m * self.mean[...] + (1 - m) * mean)
      self.var[...] = lax.stop_gradient(m * self.var[...] + (1 - m) * var)
    return _normalize(x, mean, var, scale, bias, reduction_axes, feature_axes, self.dtype,
                      self.epsilon)

  def set_view(self, use_running_average=None):
    if use_running_average is not None:
      self.use_running_average = use_running_average


class LayerNorm(Module):
  """Normalize each example over its last axis (``reduction_axes``)."""

  def __init__(self, num_features: int, *, epsilon: float = 1e-6, dtype=None,
               param_dtype=jnp.float32, use_bias: bool = True, use_scale: bool = True,
               bias_init=initializers.zeros_init(), scale_init=initializers.ones_init(),
               reduction_axes=-1, feature_axes=-1, axis_name=None, axis_index_groups=None,
               use_fast_variance: bool = True, promote_dtype=dtypes.promote_dtype, rngs,
               bias_metadata=_NO_METADATA, scale_metadata=_NO_METADATA):
    _scale_and_bias(self, (num_features,), use_scale, use_bias, scale_init, bias_init,
                    param_dtype, rngs, scale_metadata, bias_metadata)
    self.num_features = num_features
    self.epsilon = epsilon
    self.dtype = dtype
    self.param_dtype = param_dtype
    self.use_bias = use_bias
    self.use_scale = use_scale
    self.reduction_axes = reduction_axes
    self.feature_axes = feature_axes
    self.axis_name = axis_name
    self.axis_index_groups = axis_index_groups
    self.use_fast_variance = use_fast_variance
    self.promote_dtype = promote_dtype

  def __call__(self, x, *, mask=None):
    x = jnp.asarray(x)
    if self.scale is not None or self.bias is not None:
      _check_feature_axes(self, x, _canonicalize_axes(x.ndim, self.feature_axes),
                          self.num_features)
    x, scale, bias = self.promote_dtype((x, _value(self.scale), _value(self.bias)),
                                        dtype=self.dtype)
    mean, var = _compute_stats(x, self.reduction_axes, self.dtype, self.axis_name,
                               use_fast_variance=self.use_fast_variance, mask=mask)
    return _normalize(x, mean, var, scale, bias, self.reduction_axes, self.feature_axes,
                      self.dtype, self.epsilon)


class RMSNorm(Module):
  """Scale each example by the root mean square over ``reduction_axes`` (no centering)."""

  def __init__(self, num_features: int, *, epsilon: float = 1e-6, dtype=None,
               param_dtype=jnp.float32, use_scale: bool = True, scale_init=initializers.ones,
               reduction_axes=-1, feature_axes=-1, axis_name=None, axis_index_groups=None,
               use_fast_variance: bool = True, promote_dtype=dtypes.promote_dtype, rngs,
               scale_metadata=_NO_METADATA):
    _scale_and_bias(self, (num_features,), use_scale, None, scale_init, None, param_dtype,
                    rngs, scale_metadata, None)
    self.num_features = num_features
    self.epsilon = epsilon
    self.dtype = dtype
    self.param_dtype = param_dtype
    self.use_scale = use_scale
    self.reduction_axes = reduction_axes
    self.feature_axes = feature_axes
    self.axis_name = axis_name
    self.axis_index_groups = axis_index_groups
    self.use_fast_variance = use_fast_variance
    self.promote_dtype = promote_dtype

  def __call__(self, x, mask=None):
    x = jnp.asarray(x)
    if self.scale is not None:
      _check_feature_axes(self, x, _canonicalize_axes(x.ndim, self.feature_axes),
                          self.num_features)
    x, scale = self.promote_dtype((x, _value(self.scale)), dtype=self.dtype)
    mean, var = _compute_stats(x, self.reduction_axes, self.dtype, self.axis_name,
                               use_mean=False, use_fast_variance=self.use_fast_variance,
                               mask=mask)
    return _normalize(x, mean, var, scale, None, self.reduction_axes, self.feature_axes,
                      self.dtype, self.epsilon)


class GroupNorm(Module):
  """Normalize over groups of channels (and the spatial axes) of each example."""

  def __init__(self, num_features: int, num_groups=32, group_size=None, *,
               epsilon: float = 1e-6, dtype=None, param_dtype=jnp.float32,
               use_bias: bool = True, use_scale: bool = True,
               bias_init=initializers.zeros_init(), scale_init=initializers.ones_init(),
               reduction_axes=None, axis_name=None, axis_index_groups=None,
               use_fast_variance: bool = True, promote_dtype=dtypes.promote_dtype, rngs,
               bias_metadata=_NO_METADATA, scale_metadata=_NO_METADATA):
    self.feature_axis = -1
    if (num_groups is None) == (group_size is None):
      raise ValueError("Either `num_groups` or `group_size` should be specified. If "
                       "`group_size` is to be specified, pass `num_groups=None` as argument to "
                       "override the default `num_groups` value of 32.")
    if group_size is not None:
      if num_features % group_size != 0:
        raise ValueError(f"Number of features ({num_features}) is not multiple of the group "
                         f"size ({group_size}).")
      self.num_groups = num_features // group_size
      self.group_size = group_size
    else:
      if not isinstance(num_groups, int) or num_groups <= 0 or num_features % num_groups:
        raise ValueError(f"Number of groups ({num_groups}) does not divide the number of "
                         f"channels ({num_features}).")
      self.num_groups = num_groups
      self.group_size = num_features // num_groups
    _scale_and_bias(self, (num_features,), use_scale, use_bias, scale_init, bias_init,
                    param_dtype, rngs, scale_metadata, bias_metadata)
    self.num_features = num_features
    self.epsilon = epsilon
    self.dtype = dtype
    self.param_dtype = param_dtype
    self.use_bias = use_bias
    self.use_scale = use_scale
    self.reduction_axes = reduction_axes
    self.axis_name = axis_name
    self.axis_index_groups = axis_index_groups
    self.use_fast_variance = use_fast_variance
    self.promote_dtype = promote_dtype

  def __call__(self, x, *, mask=None):
    x = jnp.asarray(x)
    _check_feature_axes(self, x, (x.ndim - 1,), self.num_features)
    reduction_axes = self.reduction_axes
    if reduction_axes is None:
      reduction_axes = list(range(1, x.ndim - 1)) + [-1]
    reduction_axes = _canonicalize_axes(x.ndim, reduction_axes)
    group_shape = x.shape[:-1] + (self.num_groups, self.group_size)
    if mask is not None:
      mask = mask.reshape(mask.shape[:-1] + (self.num_groups, self.group_size))
    x, scale, bias = self.promote_dtype((x, _value(self.scale), _value(self.bias)),
                                        dtype=self.dtype)
    mean, var = _compute_stats(x.reshape(group_shape), list(reduction_axes[:-1]) + [-1],
                               self.dtype, self.axis_name,
                               use_fast_variance=self.use_fast_variance, mask=mask)
    mean = jnp.repeat(mean, self.group_size, axis=1)
    var = jnp.repeat(var, self.group_size, axis=1)
    return _normalize(x, mean, var, scale, bias, reduction_axes[:-1], (self.feature_axis,),
                      self.dtype, self.epsilon)


class InstanceNorm(Module):
  """Normalize each example and channel over the spatial axes."""

  def __init__(self, num_features: int, *, epsilon: float = 1e-6, dtype=None,
               param_dtype=jnp.float32, use_bias: bool = True, use_scale: bool = True,
               bias_init=initializers.zeros, scale_init=initializers.ones, feature_axes=-1,
               axis_name=None, axis_index_groups=None, use_fast_variance: bool = True,
               promote_dtype=dtypes.promote_dtype, rngs, bias_metadata=_NO_METADATA,
               scale_metadata=_NO_METADATA):
    _scale_and_bias(self, (num_features,), use_scale, use_bias, scale_init, bias_init,
                    param_dtype, rngs, scale_metadata, bias_metadata)
    self.num_features = num_features
    self.epsilon = epsilon
    self.dtype = dtype
    self.param_dtype = param_dtype
    self.use_bias = use_bias
    self.use_scale = use_scale
    self.feature_axes = feature_axes
    self.axis_name = axis_name
    self.axis_index_groups = axis_index_groups
    self.use_fast_variance = use_fast_variance
    self.promote_dtype = promote_dtype

  def __call__(self, x, *, mask=None):
    x = jnp.asarray(x)
    feature_axes = _canonicalize_axes(x.ndim, self.feature_axes)
    if 0 in feature_axes:
      raise ValueError("The channel axes cannot include the leading dimension as this is "
                       "assumed to be the batch axis.")
    reduction_axes = [i for i in range(1, x.ndim) if i not in feature_axes]
    x, scale, bias = self.promote_dtype((x, _value(self.scale), _value(self.bias)),
                                        dtype=self.dtype)
    mean, var = _compute_stats(x, reduction_axes, self.dtype, self.axis_name,
                               use_fast_variance=self.use_fast_variance, mask=mask)
    return _normalize(x, mean, var, scale, bias, reduction_axes, feature_axes, self.dtype,
                      self.epsilon)
