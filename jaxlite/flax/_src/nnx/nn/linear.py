"""Dense and convolutional layers: Linear, LinearGeneral, Einsum, Conv, ConvTranspose, Embed.

Parameters are drawn in Flax's order (kernel, then bias, each from ``rngs.params()``) with
Flax's default initializers, so the same seed gives Flax's weights."""
from __future__ import annotations

import math
import typing as tp
from types import MappingProxyType

from jaxlite import lax
from jaxlite import numpy as jnp
from jaxlite.flax._src.nnx.module import Module, first_from
from jaxlite.flax._src.nnx.nn import dtypes, initializers
from jaxlite.flax._src.nnx.pytreelib import data
from jaxlite.flax._src.nnx.variablelib import Param, VariableMetadata
from jaxlite.flax._src.conv_padding import wrap_circular_overhang

default_kernel_init = initializers.lecun_normal()
default_bias_init = initializers.zeros_init()
default_embed_init = initializers.variance_scaling(1.0, "fan_in", "normal", out_axis=0)
_NO_METADATA = MappingProxyType({})


def feature_error(layer, expected, shape, detail=""):
  """The error for an input whose feature dimension does not fit the layer."""
  return TypeError(f"{layer} expected an input whose last dimension is {expected}, got an "
                   f"input of shape {tuple(shape)}.{detail}")


def _check_features(layer, name, expected, inputs):
  got = inputs.shape[-1] if inputs.ndim else None
  if got != expected:
    raise feature_error(
        f"{type(layer).__name__}({name}={expected})", expected, inputs.shape,
        f" (dot_general requires contracting dimensions to have the same shape, got "
        f"({got},) and ({expected},).)")


def canonicalize_padding(padding, rank):
  if isinstance(padding, str):
    return padding
  if isinstance(padding, int):
    return [(padding, padding)] * rank
  if isinstance(padding, tp.Sequence) and len(padding) == rank:
    pads = []
    for p in padding:
      if isinstance(p, int):
        pads.append((p, p))
      elif isinstance(p, tuple) and len(p) == 2:
        pads.append(p)
      else:
        break
    if len(pads) == rank:
      return pads
  raise ValueError(f"Invalid padding format: {padding}, should be str, int, or a sequence of "
                   f"len {rank} where each element is an int or pair of ints.")


def _conv_dimension_numbers(input_shape):
  """Channels-last (N, spatial..., C) inputs, (spatial..., in, out) kernels."""
  ndim = len(input_shape)
  lhs = (0, ndim - 1) + tuple(range(1, ndim - 1))
  rhs = (ndim - 1, ndim - 2) + tuple(range(0, ndim - 2))
  return lax.ConvDimensionNumbers(lhs, rhs, lhs)


def _normalize_axes(axes, ndim):
  return tuple(sorted(ax if ax >= 0 else ndim + ax for ax in axes))


def _as_tuple(x):
  return tuple(x) if isinstance(x, tp.Iterable) else (x,)


def _bias_or_none(layer):
  return layer.bias[...] if layer.bias is not None else None


def _reshape_init(init, shape, flat_shape):
  def wrapped(rng, _shape, dtype):
    value = init(rng, flat_shape, dtype)
    if isinstance(value, VariableMetadata):
      value.raw_value = jnp.reshape(value.raw_value, shape)
      return value
    return jnp.reshape(value, shape)
  return wrapped


class Linear(Module):
  """``y = x @ kernel + bias`` over the last axis of ``x``."""

  def __init__(self, in_features: int, out_features: int, *, use_bias: bool = True,
               dtype=None, param_dtype=jnp.float32, precision=None,
               kernel_init=default_kernel_init, bias_init=default_bias_init,
               dot_general=lax.dot_general, promote_dtype=dtypes.promote_dtype,
               preferred_element_type=None, rngs, kernel_metadata=_NO_METADATA,
               bias_metadata=_NO_METADATA):
    self.kernel = Param(kernel_init(rngs.params(), (in_features, out_features), param_dtype),
                        **kernel_metadata)
    if use_bias:
      self.bias = Param(bias_init(rngs.params(), (out_features,), param_dtype),
                        **bias_metadata)
    else:
      self.bias = data(None)
    self.in_features = in_features
    self.out_features = out_features
    self.use_bias = use_bias
    self.dtype = dtype
    self.param_dtype = param_dtype
    self.precision = precision
    self.dot_general = dot_general
    self.promote_dtype = promote_dtype
    self.preferred_element_type = preferred_element_type

  def __call__(self, inputs, out_sharding=None):
    _check_features(self, "in_features", self.in_features, jnp.asarray(inputs))
    inputs, kernel, bias = self.promote_dtype((inputs, self.kernel[...], _bias_or_none(self)),
                                              dtype=self.dtype)
    kwargs = {}
    if self.preferred_element_type is not None:
      kwargs["preferred_element_type"] = self.preferred_element_type
    y = self.dot_general(inputs, kernel, (((inputs.ndim - 1,), (0,)), ((), ())),
                         precision=self.precision, **kwargs)
    if bias is not None:
      y += jnp.reshape(bias, (1,) * (y.ndim - 1) + (-1,))
    return y


class LinearGeneral(Module):
  """A linear map over several axes at once, with optional batch axes."""

  def __init__(self, in_features, out_features, *, axis=-1, batch_axis=MappingProxyType({}),
               use_bias: bool = True, dtype=None, param_dtype=jnp.float32,
               kernel_init=default_kernel_init, bias_init=default_bias_init, precision=None,
               promote_dtype=dtypes.promote_dtype, dot_general=None, dot_general_cls=None,
               preferred_element_type=None, rngs, kernel_metadata=_NO_METADATA,
               bias_metadata=_NO_METADATA):
    self.in_features = _as_tuple(in_features)
    self.out_features = _as_tuple(out_features)
    self.axis = _as_tuple(axis)
    self.batch_axis = dict(batch_axis)
    self.use_bias = use_bias
    self.dtype = dtype
    self.param_dtype = param_dtype
    self.precision = precision
    self.dot_general = dot_general
    self.dot_general_cls = dot_general_cls
    self.promote_dtype = promote_dtype
    self.preferred_element_type = preferred_element_type
    if len(self.in_features) != len(self.axis):
      raise ValueError("in_features and axis must have the same length. Got "
                       f"{self.in_features} and {self.axis}.")
    if batch_axis:
      dims = tuple(batch_axis.keys())
      if set(dims) != set(range(max(dims) + 1)):
        raise ValueError(f"batch_dims {dims} must be consecutive leading dimensions starting "
                         "from 0.")
    n_batch, n_in = len(self.batch_axis), len(self.in_features)
    batch_shape = tuple(self.batch_axis.values())
    kernel_shape = (*batch_shape, *self.in_features, *self.out_features)
    # The kernel is drawn as a 2-D (fan_in, fan_out) matrix, then reshaped: the fans
    # seen by the initializer are the flattened ones.
    flat = (int(math.prod(kernel_shape[:n_batch]) * math.prod(kernel_shape[n_batch:n_batch +
                                                                           n_in])),
            int(math.prod(self.out_features)))
    self.kernel = Param(_reshape_init(kernel_init, kernel_shape, flat)(
        rngs.params(), kernel_shape, param_dtype), **kernel_metadata)
    if use_bias:
      bias_shape = (*batch_shape, *self.out_features)
      self.bias = Param(_reshape_init(bias_init, bias_shape, (int(math.prod(bias_shape)),))(
          rngs.params(), bias_shape, param_dtype), **bias_metadata)
    else:
      self.bias = data(None)

  def __call__(self, inputs, out_sharding=None):
    inputs = jnp.asarray(inputs)
    ndim = inputs.ndim
    axis = _normalize_axes(self.axis, ndim)
    got = tuple(inputs.shape[a] for a in axis)
    if got != self.in_features:
      raise feature_error(f"LinearGeneral(in_features={self.in_features}, axis={self.axis})",
                          self.in_features, inputs.shape,
                          f" The axes {axis} have sizes {got}.")
    n_batch = len(self.batch_axis)
    batch_axis = _normalize_axes(tuple(self.batch_axis.keys()), ndim)
    expanded_batch_shape = tuple(inputs.shape[a] if a in batch_axis else 1
                                 for a in range(ndim) if a not in axis)
    inputs, kernel, bias = self.promote_dtype((inputs, self.kernel[...], _bias_or_none(self)),
                                              dtype=self.dtype)
    if self.dot_general_cls is not None:
      dot_general = self.dot_general_cls()
    else:
      dot_general = self.dot_general or lax.dot_general
    kwargs = {}
    if self.preferred_element_type is not None:
      kwargs["preferred_element_type"] = self.preferred_element_type
    batch_ind = tuple(range(n_batch))
    contract_ind = tuple(range(n_batch, n_batch + len(axis)))
    out = dot_general(inputs, kernel, ((axis, contract_ind), (batch_axis, batch_ind)),
                      precision=self.precision, **kwargs)
    if bias is not None:
      out += jnp.reshape(bias, (*expanded_batch_shape, *self.out_features))
    return out


class Einsum(Module):
  """``y = einsum(einsum_str, x, kernel) + bias`` with a learned kernel."""

  def __init__(self, einsum_str: str, kernel_shape, bias_shape=None, *, dtype=None,
               param_dtype=jnp.float32, precision=None, kernel_init=default_kernel_init,
               bias_init=default_bias_init, promote_dtype=dtypes.promote_dtype,
               einsum_op=jnp.einsum, preferred_element_type=None, rngs,
               kernel_metadata=_NO_METADATA, bias_metadata=_NO_METADATA):
    einsum_str = einsum_str.replace(" ", "")
    self._einsum_str_check(einsum_str)
    self.kernel = Param(kernel_init(rngs.params(), kernel_shape, param_dtype),
                        **kernel_metadata)
    if bias_shape is not None:
      self.bias = Param(bias_init(rngs.params(), bias_shape, param_dtype), **bias_metadata)
    else:
      self.bias = data(None)
    self.einsum_str = einsum_str
    self.kernel_shape = kernel_shape
    self.bias_shape = bias_shape
    self.dtype = dtype
    self.param_dtype = param_dtype
    self.precision = precision
    self.promote_dtype = promote_dtype
    self.einsum_op = einsum_op
    self.preferred_element_type = preferred_element_type

  def __call__(self, inputs, einsum_str=None, out_sharding=None):
    einsum_str = first_from(einsum_str, self.einsum_str, error_msg=(
        "No `einsum_str` argument was provided to Einsum\n        as either a __call__ "
        "argument, or class attribute.")).replace(" ", "")
    self._einsum_str_check(einsum_str)
    inputs, kernel, bias = self.promote_dtype((inputs, self.kernel[...], _bias_or_none(self)),
                                              dtype=self.dtype)
    kwargs = {}
    if self.preferred_element_type is not None:
      kwargs["preferred_element_type"] = self.preferred_element_type
    y = self.einsum_op(einsum_str, inputs, kernel, precision=self.precision, **kwargs)
    if bias is not None:
      y += jnp.reshape(bias, self._broadcasted_bias_shape(einsum_str, inputs, kernel))
    return y

  def _broadcasted_bias_shape(self, einsum_str, lhs, rhs):
    """The bias broadcast to the output: kernel dimensions kept, every other axis 1."""
    operands, result = einsum_str.split("->")
    lhs_spec, rhs_spec = operands.split(",")
    free = [c for c in "ZYXWVUTSRQPONMLKJIHGFEDCBA" if c not in einsum_str]
    if "..." in rhs_spec:
      rhs_spec = rhs_spec.replace("...", "".join(free[:rhs.ndim - len(rhs_spec) + 3]))
    n_ellipsis = lhs.ndim - len(lhs_spec) + 3 if "..." in lhs_spec else 0
    result = result.replace("...", "".join(free[:n_ellipsis]))
    position = {c: i for i, c in enumerate(rhs_spec)}
    return [self.kernel_shape[position[c]] if c in position else 1 for c in result]

  def _einsum_str_check(self, einsum_str):
    if "->" not in einsum_str:
      raise ValueError('`einsum_str` equation must be explicit and include "->".')
    if einsum_str.count(",") != 1:
      raise ValueError("`einsum_str` equation must have exactly two operands and therefore, "
                       "exactly one comma character, instead of "
                       f"{einsum_str.count(',')}")


def _broadcast_to_rank(x, rank):
  if x is None:
    x = 1
  if isinstance(x, int):
    return (x,) * rank
  return tuple(x)


class Conv(Module):
  """N-D convolution over channels-last inputs ``(batch..., spatial..., features)``."""

  def __init__(self, in_features: int, out_features: int, kernel_size, strides=1, *,
               padding="SAME", input_dilation=1, kernel_dilation=1,
               feature_group_count: int = 1, use_bias: bool = True, mask=None, dtype=None,
               param_dtype=jnp.float32, precision=None, kernel_init=default_kernel_init,
               bias_init=default_bias_init, conv_general_dilated=lax.conv_general_dilated,
               promote_dtype=dtypes.promote_dtype, preferred_element_type=None, rngs,
               kernel_metadata=_NO_METADATA, bias_metadata=_NO_METADATA):
    kernel_size = (kernel_size,) if isinstance(kernel_size, int) else tuple(kernel_size)
    kernel_shape = kernel_size + (in_features // feature_group_count, out_features)
    self.kernel_shape = kernel_shape
    self.kernel = Param(kernel_init(rngs.params(), kernel_shape, param_dtype),
                        **kernel_metadata)
    if use_bias:
      self.bias = Param(bias_init(rngs.params(), (out_features,), param_dtype),
                        **bias_metadata)
    else:
      self.bias = data(None)
    self.in_features = in_features
    self.out_features = out_features
    self.kernel_size = kernel_size
    self.strides = strides
    self.padding = padding
    self.input_dilation = input_dilation
    self.kernel_dilation = kernel_dilation
    self.feature_group_count = feature_group_count
    self.use_bias = use_bias
    self.mask = mask
    self.dtype = dtype
    self.param_dtype = param_dtype
    self.precision = precision
    self.conv_general_dilated = conv_general_dilated
    self.promote_dtype = promote_dtype
    self.preferred_element_type = preferred_element_type

  def __call__(self, inputs, out_sharding=None):
    inputs = jnp.asarray(inputs)
    kernel_size = self.kernel_size
    rank = len(kernel_size)
    if inputs.ndim < rank + 1 or inputs.shape[-1] != self.in_features:
      raise feature_error(f"Conv(in_features={self.in_features}, kernel_size={kernel_size})",
                          self.in_features, inputs.shape,
                          f" Inputs must have {rank} spatial dimension(s) followed by "
                          "features, with batch dimensions in front.")
    num_batch = inputs.ndim - (rank + 1)
    if num_batch != 1:
      input_batch_shape = inputs.shape[:num_batch]
      inputs = jnp.reshape(inputs, (-1,) + inputs.shape[num_batch:])
    strides = _broadcast_to_rank(self.strides, rank)
    input_dilation = _broadcast_to_rank(self.input_dilation, rank)
    kernel_dilation = _broadcast_to_rank(self.kernel_dilation, rank)
    padding = canonicalize_padding(self.padding, rank)
    if padding in ("CIRCULAR", "REFLECT"):
      dilated = [(k - 1) * d + 1 for k, d in zip(kernel_size, kernel_dilation)]
      pads = [(0, 0)] + [((k - 1) // 2, k // 2) for k in dilated] + [(0, 0)]
      inputs = jnp.pad(inputs, pads, mode={"CIRCULAR": "wrap", "REFLECT": "reflect"}[padding])
      padding = "VALID"
    elif padding == "CAUSAL":
      if rank != 1:
        raise ValueError("Causal padding is only implemented for 1D convolutions.")
      inputs = jnp.pad(inputs, [(0, 0), (kernel_dilation[0] * (kernel_size[0] - 1), 0), (0, 0)])
      padding = "VALID"
    if self.mask is not None and self.mask.shape != self.kernel_shape:
      raise ValueError("Mask needs to have the same shape as weights. Shapes are: "
                       f"{self.mask.shape}, {self.kernel_shape}")
    kernel = self.kernel[...]
    if self.mask is not None:
      kernel *= self.mask
    inputs, kernel, bias = self.promote_dtype((inputs, kernel, _bias_or_none(self)),
                                              dtype=self.dtype)
    kwargs = {}
    if self.preferred_element_type is not None:
      kwargs["preferred_element_type"] = self.preferred_element_type
    y = self.conv_general_dilated(
        inputs, kernel, strides, padding, lhs_dilation=input_dilation,
        rhs_dilation=kernel_dilation, dimension_numbers=_conv_dimension_numbers(inputs.shape),
        feature_group_count=self.feature_group_count, precision=self.precision, **kwargs)
    if self.use_bias:
      y += bias.reshape((1,) * (y.ndim - bias.ndim) + bias.shape)
    if num_batch != 1:
      y = jnp.reshape(y, input_batch_shape + y.shape[1:])
    return y


class ConvTranspose(Module):
  """Transposed (fractionally strided) convolution over channels-last inputs."""

  def __init__(self, in_features: int, out_features: int, kernel_size, strides=None, *,
               padding="SAME", kernel_dilation=None, use_bias: bool = True, mask=None,
               dtype=None, param_dtype=jnp.float32, precision=None,
               kernel_init=default_kernel_init, bias_init=default_bias_init,
               transpose_kernel: bool = False, promote_dtype=dtypes.promote_dtype,
               preferred_element_type=None, rngs, kernel_metadata=_NO_METADATA,
               bias_metadata=_NO_METADATA):
    kernel_size = (kernel_size,) if isinstance(kernel_size, int) else tuple(kernel_size)
    self.kernel_size = kernel_size
    self.in_features = in_features
    self.out_features = out_features
    self.strides = strides
    self.padding = padding
    self.kernel_dilation = kernel_dilation
    self.use_bias = use_bias
    self.mask = mask
    self.dtype = dtype
    self.param_dtype = param_dtype
    self.precision = precision
    self.transpose_kernel = transpose_kernel
    self.promote_dtype = promote_dtype
    self.preferred_element_type = preferred_element_type
    io = (out_features, in_features) if transpose_kernel else (in_features, out_features)
    self.kernel_shape = kernel_size + io
    self.kernel = Param(kernel_init(rngs.params(), self.kernel_shape, param_dtype),
                        **kernel_metadata)
    if use_bias:
      self.bias = Param(bias_init(rngs.params(), (out_features,), param_dtype),
                        **bias_metadata)
    else:
      self.bias = data(None)

  def __call__(self, inputs):
    inputs = jnp.asarray(inputs)
    kernel_size = self.kernel_size
    rank = len(kernel_size)
    if inputs.ndim < rank + 1 or inputs.shape[-1] != self.in_features:
      raise feature_error(
          f"ConvTranspose(in_features={self.in_features}, kernel_size={kernel_size})",
          self.in_features, inputs.shape)
    num_batch = inputs.ndim - (rank + 1)
    if num_batch != 1:
      input_batch_shape = inputs.shape[:num_batch]
      inputs = jnp.reshape(inputs, (-1,) + inputs.shape[num_batch:])
    strides = _broadcast_to_rank(self.strides, rank)
    kernel_dilation = _broadcast_to_rank(self.kernel_dilation, rank)
    if self.mask is not None and self.mask.shape != self.kernel_shape:
      raise ValueError("Mask needs to have the same shape as weights. Shapes are: "
                       f"{self.mask.shape}, {self.kernel_shape}")
    kernel = self.kernel[...]
    if self.mask is not None:
      kernel *= self.mask
    padding = canonicalize_padding(self.padding, rank)
    if padding == "CIRCULAR":
      padding = "VALID"
    inputs, kernel, bias = self.promote_dtype((inputs, kernel, _bias_or_none(self)),
                                              dtype=self.dtype)
    y = lax.conv_transpose(inputs, kernel, strides, padding, rhs_dilation=kernel_dilation,
                           transpose_kernel=self.transpose_kernel, precision=self.precision,
                           preferred_element_type=self.preferred_element_type)
    if self.padding == "CIRCULAR":
      y = wrap_circular_overhang(y, jnp.shape(inputs)[1:-1], strides, self.transpose_kernel)
    if self.use_bias:
      y += jnp.reshape(bias, (1,) * (y.ndim - 1) + (-1,))
    if num_batch != 1:
      y = jnp.reshape(y, input_batch_shape + y.shape[1:])
    return y


class Embed(Module):
  """A lookup table of ``num_embeddings`` vectors; ``attend`` scores queries against it."""

  def __init__(self, num_embeddings: int, features: int, *, dtype=None,
               param_dtype=jnp.float32, embedding_init=default_embed_init,
               promote_dtype=dtypes.promote_dtype, rngs, embedding_metadata=_NO_METADATA):
    self.embedding = Param(embedding_init(rngs.params(), (num_embeddings, features),
                                          param_dtype), **embedding_metadata)
    self.num_embeddings = num_embeddings
    self.features = features
    self.dtype = dtype or self.embedding.dtype
    self.param_dtype = param_dtype
    self.promote_dtype = promote_dtype

  def __call__(self, inputs, out_sharding=None):
    inputs = jnp.asarray(inputs)
    if not jnp.issubdtype(inputs.dtype, jnp.integer):
      raise ValueError("Input type must be an integer or unsigned integer.")
    embedding, = self.promote_dtype((self.embedding[...],), dtype=self.dtype, inexact=False)
    if self.num_embeddings == 1:
      return jnp.broadcast_to(embedding, inputs.shape + (self.features,))
    return jnp.take(embedding, inputs, axis=0)

  def attend(self, query, out_sharding=None):
    query = jnp.asarray(query)
    if query.shape[-1] != self.features:
      raise feature_error(f"Embed(features={self.features}).attend", self.features,
                          query.shape)
    query, embedding = self.promote_dtype((query, self.embedding[...]), dtype=self.dtype)
    return jnp.dot(query, embedding.T)

