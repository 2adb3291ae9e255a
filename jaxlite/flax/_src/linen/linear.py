"""``flax.linen`` linear layers: Dense, DenseGeneral, Einsum, Conv*, Embed."""
import math
from collections.abc import Iterable, Sequence

import numpy as np
import opt_einsum

import jaxlite
import jaxlite.numpy as jnp
from jaxlite import lax
from jaxlite.flax._src.linen import initializers
from jaxlite.flax._src.linen.dtypes import promote_dtype
from jaxlite.flax._src.linen.module import Module, compact, merge_param
from jaxlite.flax._src.conv_padding import wrap_circular_overhang

__all__ = ["DenseGeneral", "Dense", "Einsum", "Conv", "ConvLocal", "ConvTranspose", "Embed",
           "canonicalize_padding"]

default_kernel_init = initializers.lecun_normal()
default_embed_init = initializers.variance_scaling(1.0, "fan_in", "normal", out_axis=0)


def _normalize_axes(axes, ndim):
  return tuple(sorted(ax if ax >= 0 else ndim + ax for ax in axes))


def _canonicalize_tuple(x):
  return tuple(x) if isinstance(x, Iterable) else (x,)


def _pick(cls_attr, fn_attr, default):
  if cls_attr is not None:
    return cls_attr()
  return fn_attr if fn_attr is not None else default


class DenseGeneral(Module):
  """A linear map over several input ``axis`` to several output ``features``."""
  features: int | Sequence[int]
  axis: int | Sequence[int] = -1
  batch_dims: Sequence[int] = ()
  use_bias: bool = True
  dtype: object = None
  param_dtype: object = jnp.float32
  kernel_init: object = default_kernel_init
  bias_init: object = initializers.zeros_init()
  precision: object = None
  promote_dtype: object = promote_dtype
  dot_general: object = None
  dot_general_cls: object = None

  @compact
  def __call__(self, inputs):
    features = _canonicalize_tuple(self.features)
    axis = _canonicalize_tuple(self.axis)
    batch_dims = _canonicalize_tuple(self.batch_dims)
    if batch_dims:
      max_dim = np.max(batch_dims)
      if set(batch_dims) != set(range(max_dim + 1)):
        raise ValueError("batch_dims %s must be consecutive leading dimensions starting "
                         "from 0." % str(batch_dims))
    ndim = inputs.ndim
    n_batch_dims = len(batch_dims)
    axis = _normalize_axes(axis, ndim)
    batch_dims = _normalize_axes(batch_dims, ndim)
    n_axis, n_features = len(axis), len(features)

    # The initializer sees the 2-D (fan_in, fan_out) shape, so variance scaling uses
    # the true fans; the result is reshaped to the kernel's shape.
    def kernel_init_wrap(rng, shape, dtype=jnp.float32):
      flat_shape = (int(np.prod(shape[:n_batch_dims]) *
                        np.prod(shape[n_batch_dims:n_axis + n_batch_dims])),
                    int(np.prod(shape[-n_features:])))
      return jnp.reshape(self.kernel_init(rng, flat_shape, dtype), shape)

    batch_shape = tuple(inputs.shape[ax] for ax in batch_dims)
    expanded_batch_shape = tuple(inputs.shape[ax] if ax in batch_dims else 1
                                 for ax in range(inputs.ndim) if ax not in axis)
    kernel_shape = tuple(inputs.shape[ax] for ax in axis) + features
    kernel = self.param("kernel", kernel_init_wrap, batch_shape + kernel_shape,
                        self.param_dtype)
    batch_ind = tuple(range(n_batch_dims))
    contract_ind = tuple(range(n_batch_dims, n_axis + n_batch_dims))
    bias = None
    if self.use_bias:
      def bias_init_wrap(rng, shape, dtype=jnp.float32):
        flat_shape = (int(np.prod(shape[:n_batch_dims]) * np.prod(shape[-n_features:])),)
        return jnp.reshape(self.bias_init(rng, flat_shape, dtype), shape)
      bias = self.param("bias", bias_init_wrap, batch_shape + features, self.param_dtype)
    inputs, kernel, bias = self.promote_dtype(inputs, kernel, bias, dtype=self.dtype)
    dot_general = _pick(self.dot_general_cls, self.dot_general, lax.dot_general)
    out = dot_general(inputs, kernel, ((axis, contract_ind), (batch_dims, batch_ind)),
                      precision=self.precision)
    if self.use_bias:
      out += jnp.reshape(bias, expanded_batch_shape + features)
    return out


class Dense(Module):
  """``inputs @ kernel + bias`` over the last axis (params ``kernel``, ``bias``)."""
  features: int
  use_bias: bool = True
  dtype: object = None
  param_dtype: object = jnp.float32
  precision: object = None
  kernel_init: object = default_kernel_init
  bias_init: object = initializers.zeros_init()
  promote_dtype: object = promote_dtype
  dot_general: object = None
  dot_general_cls: object = None

  @compact
  def __call__(self, inputs):
    kernel = self.param("kernel", self.kernel_init, (jnp.shape(inputs)[-1], self.features),
                        self.param_dtype)
    bias = None
    if self.use_bias:
      bias = self.param("bias", self.bias_init, (self.features,), self.param_dtype)
    inputs, kernel, bias = self.promote_dtype(inputs, kernel, bias, dtype=self.dtype)
    dot_general = _pick(self.dot_general_cls, self.dot_general, lax.dot_general)
    y = dot_general(inputs, kernel, (((inputs.ndim - 1,), (0,)), ((), ())),
                    precision=self.precision)
    if bias is not None:
      y += jnp.reshape(bias, (1,) * (y.ndim - 1) + (-1,))
    return y


class Einsum(Module):
  """``einsum(einsum_str, inputs, kernel) + bias`` with a kernel of the given ``shape``."""
  shape: Sequence[int]
  einsum_str: str | None = None
  use_bias: bool = True
  dtype: object = None
  param_dtype: object = jnp.float32
  precision: object = None
  kernel_init: object = default_kernel_init
  bias_init: object = initializers.zeros_init()
  promote_dtype: object = promote_dtype
  preferred_element_type: object = None

  @compact
  def __call__(self, inputs, einsum_str=None):
    einsum_str = merge_param("einsum_str", self.einsum_str, einsum_str).replace(" ", "")
    if "->" not in einsum_str:
      raise ValueError('`einsum_str` equation must be explicit and include "->".')
    if einsum_str.count(",") != 1:
      raise ValueError("`einsum_str` equation must have exactly two operands and therefore, "
                       "exactly one comma character, instead of "
                       f"{einsum_str.count(',')}")
    kernel = self.param("kernel", self.kernel_init, self.shape, self.param_dtype)
    bias = None
    if self.use_bias:
      bias_shape, broadcasted_bias_shape = self._get_bias_shape(einsum_str, inputs, kernel)
      bias = self.param("bias", self.bias_init, bias_shape, self.param_dtype)
    inputs, kernel, bias = self.promote_dtype(inputs, kernel, bias, dtype=self.dtype)
    y = jnp.einsum(einsum_str, inputs, kernel, precision=self.precision,
                   preferred_element_type=self.preferred_element_type)
    if bias is not None:
      y += jnp.reshape(bias, broadcasted_bias_shape)
    return y

  def _get_bias_shape(self, einsum_str, lhs, rhs):
    """The bias covers the kernel axes that survive into the output."""
    operands_str, result_str, _ = opt_einsum.parser.parse_einsum_input(
        (einsum_str, np.empty(lhs.shape, np.float32), np.empty(rhs.shape, np.float32)))
    rhs_dict = {c: i for i, c in enumerate(operands_str.split(",")[1])}
    assert len(rhs_dict) == len(self.shape)
    broadcasted_bias_shape = [1] * len(result_str)
    bias_shape = []
    for i, c in enumerate(result_str):
      if c in rhs_dict:
        broadcasted_bias_shape[i] = self.shape[rhs_dict[c]]
        bias_shape.append(self.shape[rhs_dict[c]])
    return bias_shape, broadcasted_bias_shape


def _conv_dimension_numbers(input_shape):
  """Channels-last: NH..C inputs, H..IO kernels."""
  ndim = len(input_shape)
  lhs_spec = (0, ndim - 1) + tuple(range(1, ndim - 1))
  rhs_spec = (ndim - 1, ndim - 2) + tuple(range(0, ndim - 2))
  return lax.ConvDimensionNumbers(lhs_spec, rhs_spec, lhs_spec)


def canonicalize_padding(padding, rank):
  """'SAME'-style strings as is; ints and int pairs as a list of (low, high)."""
  if isinstance(padding, str):
    return padding
  if isinstance(padding, int):
    return [(padding, padding)] * rank
  if isinstance(padding, Sequence) and len(padding) == rank:
    new_pad = []
    for p in padding:
      if isinstance(p, int):
        new_pad.append((p, p))
      elif isinstance(p, tuple) and len(p) == 2:
        new_pad.append(p)
      else:
        break
    if len(new_pad) == rank:
      return new_pad
  raise ValueError(f"Invalid padding format: {padding}, should be str, int, or a sequence of "
                   f"len {rank} where each element is an int or pair of ints.")


def _conv_local(lhs, rhs, strides, padding, filter_shape, lhs_dilation, rhs_dilation, dn,
                precision):
  """A convolution with a separate kernel per output position (lax's *_local op).

  Patches are gathered by a grouped convolution with a one-hot kernel, then contracted
  with the per-position kernel.
  """
  lhs_spec, rhs_spec, out_spec = dn
  spatial_size = math.prod(filter_shape)
  n_channels = lhs.shape[lhs_spec[1]]
  eye = jnp.eye(spatial_size, dtype=lhs.dtype)
  one_hot = lax.broadcast_in_dim(eye, (n_channels, spatial_size, spatial_size), (1, 2))
  one_hot = lax.reshape(one_hot, (n_channels * spatial_size, 1, *filter_shape))
  one_hot = jnp.moveaxis(one_hot, (0, 1), (rhs_spec[0], rhs_spec[1]))
  patches = lax.conv_general_dilated(
      lhs, one_hot, strides, padding, lhs_dilation=lhs_dilation, rhs_dilation=rhs_dilation,
      dimension_numbers=dn, feature_group_count=n_channels,
      precision=None if precision is None else (precision, lax.Precision.DEFAULT))
  lhs_b_dims = out_spec[2:]
  rhs_b_dims = rhs_spec[2:]
  rhs_b_dims = [rhs_b_dims[i] for i in sorted(range(len(rhs_b_dims)),
                                              key=lambda k: lhs_b_dims[k])]
  lhs_b_dims = sorted(lhs_b_dims)
  dims = (([out_spec[1]], [rhs_spec[1]]), (lhs_b_dims, rhs_b_dims))
  out = lax.dot_general(patches, rhs, dimension_numbers=dims, precision=precision)
  return jnp.moveaxis(out, (-2, -1), (out_spec[0], out_spec[1]))


class _Conv(Module):
  features: int
  kernel_size: int | Sequence[int]
  strides: object = 1
  padding: object = "SAME"
  input_dilation: object = 1
  kernel_dilation: object = 1
  feature_group_count: int = 1
  use_bias: bool = True
  mask: object = None
  dtype: object = None
  param_dtype: object = jnp.float32
  precision: object = None
  kernel_init: object = default_kernel_init
  bias_init: object = initializers.zeros_init()
  promote_dtype: object = promote_dtype
  conv_general_dilated: object = None
  conv_general_dilated_cls: object = None

  @property
  def shared_weights(self):
    raise NotImplementedError

  @compact
  def __call__(self, inputs):
    kernel_size = ((self.kernel_size,) if isinstance(self.kernel_size, int)
                   else tuple(self.kernel_size))

    def maybe_broadcast(x):
      if x is None:
        x = 1
      return (x,) * len(kernel_size) if isinstance(x, int) else tuple(x)

    # Any number of batch axes (or none) is flattened into one for the convolution.
    num_batch_dimensions = inputs.ndim - (len(kernel_size) + 1)
    if num_batch_dimensions != 1:
      input_batch_shape = inputs.shape[:num_batch_dimensions]
      inputs = jnp.reshape(inputs, (-1,) + inputs.shape[num_batch_dimensions:])
    strides = maybe_broadcast(self.strides)
    input_dilation = maybe_broadcast(self.input_dilation)
    kernel_dilation = maybe_broadcast(self.kernel_dilation)
    padding_lax = canonicalize_padding(self.padding, len(kernel_size))
    if padding_lax in ("CIRCULAR", "REFLECT"):
      dilated = [(k - 1) * d + 1 for k, d in zip(kernel_size, kernel_dilation)]
      pads = [(0, 0)] + [((k - 1) // 2, k // 2) for k in dilated] + [(0, 0)]
      mode = {"CIRCULAR": "wrap", "REFLECT": "reflect"}[padding_lax]
      inputs = jnp.pad(inputs, pads, mode=mode)
      padding_lax = "VALID"
    elif padding_lax == "CAUSAL":
      if len(kernel_size) != 1:
        raise ValueError("Causal padding is only implemented for 1D convolutions.")
      left_pad = kernel_dilation[0] * (kernel_size[0] - 1)
      inputs = jnp.pad(inputs, [(0, 0), (left_pad, 0), (0, 0)])
      padding_lax = "VALID"
    dimension_numbers = _conv_dimension_numbers(inputs.shape)
    in_features = jnp.shape(inputs)[-1]
    conv = _pick(self.conv_general_dilated_cls, self.conv_general_dilated,
                 lax.conv_general_dilated)
    if self.shared_weights:
      assert in_features % self.feature_group_count == 0
      kernel_shape = kernel_size + (in_features // self.feature_group_count, self.features)
    else:
      if self.feature_group_count != 1:
        raise NotImplementedError("`lax.conv_general_dilated_local` does not support "
                                  "`feature_group_count != 1`, got "
                                  f"`{self.feature_group_count}`.")
      conv_output_shape = jaxlite.eval_shape(
          lambda lhs, rhs: conv(lhs=lhs, rhs=rhs, window_strides=strides, padding=padding_lax,
                                dimension_numbers=dimension_numbers,
                                lhs_dilation=input_dilation, rhs_dilation=kernel_dilation),
          inputs, jaxlite.ShapeDtypeStruct(kernel_size + (in_features, self.features),
                                           inputs.dtype)).shape
      kernel_shape = conv_output_shape[1:-1] + (int(np.prod(kernel_size)) * in_features,
                                                self.features)
    if self.mask is not None and self.mask.shape != kernel_shape:
      raise ValueError("Mask needs to have the same shape as weights. Shapes are: "
                       f"{self.mask.shape}, {kernel_shape}")
    kernel = self.param("kernel", self.kernel_init, kernel_shape, self.param_dtype)
    if self.mask is not None:
      kernel *= self.mask
    bias = None
    if self.use_bias:
      bias_shape = (self.features,) if self.shared_weights else conv_output_shape[1:]
      bias = self.param("bias", self.bias_init, bias_shape, self.param_dtype)
    inputs, kernel, bias = self.promote_dtype(inputs, kernel, bias, dtype=self.dtype)
    if self.shared_weights:
      y = conv(inputs, kernel, strides, padding_lax, lhs_dilation=input_dilation,
               rhs_dilation=kernel_dilation, dimension_numbers=dimension_numbers,
               feature_group_count=self.feature_group_count, precision=self.precision)
    else:
      y = _conv_local(inputs, kernel, strides, padding_lax, kernel_size, input_dilation,
                      kernel_dilation, dimension_numbers, self.precision)
    if self.use_bias:
      y += bias.reshape((1,) * (y.ndim - bias.ndim) + bias.shape)
    if num_batch_dimensions != 1:
      y = jnp.reshape(y, input_batch_shape + y.shape[1:])
    return y


class Conv(_Conv):
  """Convolution over channels-last inputs (kernel ``(*kernel_size, in, features)``)."""

  @property
  def shared_weights(self):
    return True


class ConvLocal(_Conv):
  """Locally connected layer: a convolution with unshared weights per position."""

  @property
  def shared_weights(self):
    return False


class ConvTranspose(Module):
  """Transposed convolution (``lax.conv_transpose``), channels last."""
  features: int
  kernel_size: int | Sequence[int]
  strides: object = None
  padding: object = "SAME"
  kernel_dilation: object = None
  use_bias: bool = True
  mask: object = None
  dtype: object = None
  param_dtype: object = jnp.float32
  precision: object = None
  kernel_init: object = default_kernel_init
  bias_init: object = initializers.zeros_init()
  transpose_kernel: bool = False
  promote_dtype: object = promote_dtype
  preferred_element_type: object = None

  @compact
  def __call__(self, inputs):
    kernel_size = ((self.kernel_size,) if isinstance(self.kernel_size, int)
                   else tuple(self.kernel_size))

    def maybe_broadcast(x):
      if x is None:
        x = 1
      return (x,) * len(kernel_size) if isinstance(x, int) else tuple(x)

    num_batch_dimensions = inputs.ndim - (len(kernel_size) + 1)
    if num_batch_dimensions != 1:
      input_batch_shape = inputs.shape[:num_batch_dimensions]
      inputs = jnp.reshape(inputs, (-1,) + inputs.shape[num_batch_dimensions:])
    strides = maybe_broadcast(self.strides)
    kernel_dilation = maybe_broadcast(self.kernel_dilation)
    in_features = jnp.shape(inputs)[-1]
    if self.transpose_kernel:
      kernel_shape = kernel_size + (self.features, in_features)
    else:
      kernel_shape = kernel_size + (in_features, self.features)
    if self.mask is not None and self.mask.shape != kernel_shape:
      raise ValueError("Mask needs to have the same shape as weights. Shapes are: "
                       f"{self.mask.shape}, {kernel_shape}")
    kernel = self.param("kernel", self.kernel_init, kernel_shape, self.param_dtype)
    if self.mask is not None:
      kernel *= self.mask
    padding_lax = canonicalize_padding(self.padding, len(kernel_size))
    if padding_lax == "CIRCULAR":
      padding_lax = "VALID"
    bias = None
    if self.use_bias:
      bias = self.param("bias", self.bias_init, (self.features,), self.param_dtype)
    inputs, kernel, bias = self.promote_dtype(inputs, kernel, bias, dtype=self.dtype)
    y = lax.conv_transpose(inputs, kernel, strides, padding_lax, rhs_dilation=kernel_dilation,
                           transpose_kernel=self.transpose_kernel, precision=self.precision,
                           preferred_element_type=self.preferred_element_type)
    if self.padding == "CIRCULAR":
      y = wrap_circular_overhang(y, jnp.shape(inputs)[1:-1], strides, self.transpose_kernel)
    if self.use_bias:
      y += jnp.reshape(bias, (1,) * (y.ndim - 1) + (-1,))
    if num_batch_dimensions != 1:
      y = jnp.reshape(y, input_batch_shape + y.shape[1:])
    return y


class Embed(Module):
  """A lookup table ``embedding`` of shape ``(num_embeddings, features)``."""
  num_embeddings: int
  features: int
  dtype: object = None
  param_dtype: object = jnp.float32
  embedding_init: object = default_embed_init
  promote_dtype: object = promote_dtype

  def setup(self):
    self.embedding = self.param("embedding", self.embedding_init,
                                (self.num_embeddings, self.features), self.param_dtype)

  def __call__(self, inputs):
    if not jnp.issubdtype(inputs.dtype, jnp.integer):
      raise ValueError("Input type must be an integer or unsigned integer.")
    (embedding,) = self.promote_dtype(self.embedding, dtype=self.dtype, inexact=False)
    if self.num_embeddings == 1:
      return jnp.broadcast_to(embedding, inputs.shape + (self.features,))
    return jnp.take(embedding, inputs, axis=0)

  def attend(self, query):
    """Inner products of ``query`` with every embedding (for tied output layers)."""
    query, embedding = self.promote_dtype(query, self.embedding, dtype=self.dtype)
    return jnp.dot(query, embedding.T)
