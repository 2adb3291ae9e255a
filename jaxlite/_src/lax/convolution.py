"""conv_general_dilated: n-d convolution with strides, padding, dilations and groups.

The NumPy implementation pads the input in its own memory layout, views both operands
channels-last and hands them to ``window_kernels.conv_channels_last``, which picks a matrix
product formulation per call. Transposes and batching are written in terms of the
primitive itself, as in JAX."""
from __future__ import annotations

import operator
from typing import NamedTuple, Sequence, Union

import numpy as np

from jaxlite._src import core
from jaxlite._src import dtypes
from jaxlite._src.core import ShapedArray
from jaxlite._src.interpreters import ad, batching
from jaxlite._src.interpreters.ad import Zero
from jaxlite._src.lax.window_kernels import (
    conv_channels_last, dilate_and_pad, dilate_dim, stride_dim)

__all__ = [
    "ConvDimensionNumbers",
    "ConvGeneralDilatedDimensionNumbers",
    "conv",
    "conv_dimension_numbers",
    "conv_general_dilated",
    "conv_general_dilated_p",
    "conv_general_permutations",
    "conv_general_shape_tuple",
    "conv_shape_tuple",
    "conv_transpose",
    "conv_transpose_shape_tuple",
    "conv_with_general_padding",
    "padtype_to_pads",
]


class ConvDimensionNumbers(NamedTuple):
  """Which dimensions are batch, feature and spatial: ``lhs_spec`` is (batch, feature,
  spatial...), ``rhs_spec`` (out feature, in feature, spatial...), ``out_spec`` like lhs."""
  lhs_spec: Sequence[int]
  rhs_spec: Sequence[int]
  out_spec: Sequence[int]


ConvGeneralDilatedDimensionNumbers = Union[tuple[str, str, str], ConvDimensionNumbers, None]


# ---------------------------------------------------------------------------
# Padding modes

def padtype_to_pads(in_shape, window_shape, window_strides, padding):
  """(low, high) pads per dimension for the padding modes 'VALID', 'SAME', 'SAME_LOWER'."""
  if not isinstance(padding, str):
    raise TypeError(f"Unknown padding type: {padding}.")
  mode = padding.upper()
  if mode not in ("VALID", "SAME", "SAME_LOWER"):
    raise RuntimeError("Unrecognized padding type: expected 'VALID', 'SAME', or 'SAME_LOWER', "
                       f"got {padding}.")
  if mode == "VALID":
    return [(0, 0)] * len(in_shape)
  pads = []
  for d, w, s in zip(in_shape, window_shape, window_strides):
    d, w, s = int(d), int(w), int(s)
    total = max(0, (-(-d // s) - 1) * s + w - d)
    # An odd total puts the extra element at the end for SAME, at the start for SAME_LOWER.
    small, big = total // 2, total - total // 2
    pads.append((small, big) if mode == "SAME" else (big, small))
  return pads


# ---------------------------------------------------------------------------
# Dimension numbers

def conv_general_permutations(dimension_numbers):
  """(lhs, rhs, out) permutations for string dimension numbers like ('NCHW', 'OIHW', 'NCHW')."""
  lhs_spec, rhs_spec, out_spec = dimension_numbers
  charpairs = (("N", "C"), ("O", "I"), ("N", "C"))
  for i, (a, b) in enumerate(charpairs):
    if not dimension_numbers[i].count(a) == dimension_numbers[i].count(b) == 1:
      raise TypeError(f"convolution dimension_numbers[{i}] must contain the characters '{a}' "
                      f"and '{b}' exactly once, got {dimension_numbers[i]}.")
    if len(dimension_numbers[i]) != len(set(dimension_numbers[i])):
      raise TypeError(f"convolution dimension_numbers[{i}] cannot have duplicate characters, "
                      f"got {dimension_numbers[i]}.")
  spatial = [set(s) - set(c) for s, c in zip(dimension_numbers, charpairs)]
  if not spatial[0] == spatial[1] == spatial[2]:
    raise TypeError("convolution dimension_numbers elements must each have the same set of "
                    f"spatial characters, got {tuple(dimension_numbers)}.")

  def perm(spec, chars):
    # Spatial dimensions are ordered as they appear in the kernel spec.
    sdims = sorted((i for i, c in enumerate(spec) if c not in chars),
                   key=lambda i: rhs_spec.index(spec[i]))
    return (spec.index(chars[0]), spec.index(chars[1])) + tuple(sdims)

  return tuple(perm(s, c) for s, c in zip(dimension_numbers, charpairs))


def conv_dimension_numbers(lhs_shape, rhs_shape, dimension_numbers) -> ConvDimensionNumbers:
  """Canonical ConvDimensionNumbers from None, a ConvDimensionNumbers or three strings."""
  if isinstance(dimension_numbers, ConvDimensionNumbers):
    return dimension_numbers
  if len(lhs_shape) != len(rhs_shape):
    raise TypeError(f"convolution requires lhs and rhs ndim to be equal, got {len(lhs_shape)} "
                    f"and {len(rhs_shape)}.")
  if dimension_numbers is None:
    iota = tuple(range(len(lhs_shape)))
    return ConvDimensionNumbers(iota, iota, iota)
  if not isinstance(dimension_numbers, (list, tuple)):
    raise TypeError("convolution dimension_numbers must be tuple/list or None, got "
                    f"{type(dimension_numbers)}.")
  if len(dimension_numbers) != 3:
    raise TypeError("convolution dimension_numbers list/tuple must be length 3, got "
                    f"{len(dimension_numbers)}.")
  if not all(isinstance(s, str) for s in dimension_numbers):
    raise TypeError("convolution dimension_numbers elements must be strings, got "
                    f"{tuple(map(type, dimension_numbers))}.")
  for i, s in enumerate(dimension_numbers):
    if len(s) != len(lhs_shape):
      raise TypeError(f"convolution dimension_numbers[{i}] must have len equal to the ndim of "
                      f"lhs and rhs, got {len(s)} for lhs and rhs shapes {tuple(lhs_shape)} "
                      f"and {tuple(rhs_shape)}.")
  return ConvDimensionNumbers(*conv_general_permutations(dimension_numbers))


# ---------------------------------------------------------------------------
# Shape and dtype rules

def conv_shape_tuple(lhs_shape, rhs_shape, strides, pads, batch_group_count=1):
  """Output shape of a conv whose operands are in (N, C, spatial...) / (O, I, spatial...)."""
  if isinstance(pads, str):
    pads = padtype_to_pads(lhs_shape[2:], rhs_shape[2:], strides, pads)
  if len(pads) != len(lhs_shape) - 2:
    raise TypeError(f"Wrong number of explicit pads for convolution: expected "
                    f"{len(lhs_shape) - 2}, got {len(pads)}.")
  padded = [d + lo + hi for d, (lo, hi) in zip(lhs_shape[2:], pads)]
  if any(p < 0 for p in padded):
    raise ValueError("Negative padding is larger than the size of the corresponding dimension: "
                     f"got padding={tuple(map(tuple, pads))} for lhs_shape[2:]="
                     f"{tuple(lhs_shape[2:])}")
  space = tuple(stride_dim(p, k, s) for p, k, s in zip(padded, rhs_shape[2:], strides))
  return (lhs_shape[0] // batch_group_count, rhs_shape[0]) + space


def conv_general_shape_tuple(lhs_shape, rhs_shape, window_strides, padding, dimension_numbers):
  lhs_perm, rhs_perm, out_perm = conv_general_permutations(dimension_numbers)
  out = conv_shape_tuple(tuple(np.take(lhs_shape, lhs_perm)), tuple(np.take(rhs_shape, rhs_perm)),
                         window_strides, padding)
  return tuple(int(d) for d in np.take(out, np.argsort(out_perm)))


def conv_transpose_shape_tuple(lhs_shape, rhs_shape, window_strides, padding, dimension_numbers):
  lhs_perm, rhs_perm, out_perm = conv_general_permutations(dimension_numbers)
  lhs_t = [int(d) for d in np.take(lhs_shape, lhs_perm)]
  rhs_t = [int(d) for d in np.take(rhs_shape, rhs_perm)]
  if isinstance(padding, str):
    padding = [_conv_transpose_padding(k, s, padding) for k, s in zip(rhs_t[2:], window_strides)]
  space = [(i - 1) * s - k + 2 + lo + hi
           for i, k, s, (lo, hi) in zip(lhs_t[2:], rhs_t[2:], window_strides, padding)]
  out = (lhs_t[0], rhs_t[0]) + tuple(space)
  return tuple(int(d) for d in np.take(out, np.argsort(out_perm)))


def _conv_shape_rule(lhs, rhs, window_strides, padding, lhs_dilation, rhs_dilation,
                     dimension_numbers, feature_group_count, batch_group_count):
  if len(lhs.shape) != len(rhs.shape):
    raise ValueError("conv_general_dilated lhs and rhs must have the same number of dimensions, "
                     f"but got {lhs.shape} and {rhs.shape}.")
  lhs_spec, rhs_spec, _ = dimension_numbers
  if not feature_group_count > 0:
    raise ValueError("conv_general_dilated feature_group_count must be a positive integer, "
                     f"got {feature_group_count}.")
  in_features = lhs.shape[lhs_spec[1]]
  quot, rem = divmod(in_features, feature_group_count)
  if rem:
    raise ValueError("conv_general_dilated feature_group_count must divide lhs feature dimension "
                     f"size, but {feature_group_count} does not divide {in_features}.")
  if quot != rhs.shape[rhs_spec[1]]:
    raise ValueError("conv_general_dilated lhs feature dimension size divided by "
                     "feature_group_count must equal the rhs input feature dimension size, but "
                     f"{in_features} // {feature_group_count} != {rhs.shape[rhs_spec[1]]}.")
  out_features = rhs.shape[rhs_spec[0]]
  if out_features % feature_group_count:
    raise ValueError("conv_general_dilated rhs output feature dimension size must be a multiple "
                     f"of feature_group_count, but {out_features} is not a multiple of "
                     f"{feature_group_count}.")
  if not batch_group_count > 0:
    raise ValueError("conv_general_dilated batch_group_count must be a positive integer, "
                     f"got {batch_group_count}.")
  batch = lhs.shape[lhs_spec[0]]
  if batch_group_count > 1 and batch % batch_group_count:
    raise ValueError("conv_general_dilated batch_group_count must divide lhs batch dimension "
                     f"size, but {batch_group_count} does not divide {batch}.")
  if out_features % batch_group_count:
    raise ValueError("conv_general_dilated rhs output feature dimension size must be a multiple "
                     f"of batch_group_count, but {out_features} is not a multiple of "
                     f"{batch_group_count}.")
  if batch_group_count > 1 and feature_group_count > 1:
    raise ValueError("At most one of batch_group_count and feature_group_count may be > 1, got "
                     f"batch_group_count={batch_group_count} and "
                     f"feature_group_count={feature_group_count}")
  if len(rhs_spec) - 2 != len(window_strides):
    raise ValueError("conv_general_dilated window and window_strides must have the same number "
                     f"of dimensions, but got {len(rhs_spec) - 2} and {len(window_strides)}")
  lhs_t = [lhs.shape[i] for i in lhs_spec]
  rhs_t = [rhs.shape[i] for i in rhs_spec]
  lhs_t[2:] = [dilate_dim(d, k) for d, k in zip(lhs_t[2:], lhs_dilation)]
  rhs_t[2:] = [dilate_dim(d, k) for d, k in zip(rhs_t[2:], rhs_dilation)]
  out_t = conv_shape_tuple(lhs_t, rhs_t, window_strides, padding, batch_group_count)
  out_spec = dimension_numbers[2]
  return tuple(out_t[i] for i in np.argsort(out_spec))


def _check_preferred_type(input_dtype, preferred):
  if dtypes.issubdtype(input_dtype, np.integer) and dtypes.issubdtype(preferred, np.floating):
    pass  # integer inputs may accumulate into any float type
  else:
    for kind in (np.integer, np.floating, np.complexfloating):
      if dtypes.issubdtype(input_dtype, kind) and not dtypes.issubdtype(preferred, kind):
        raise TypeError("Input type is incompatible with `preferred_element_type`. The "
                        "compatible combinations of (input_type, preferred_element_type) are "
                        "(integral, integral), (integral, floating), (floating, floating), "
                        "(complex, complex.")
    if dtypes.issubdtype(input_dtype, np.signedinteger) and \
        not dtypes.issubdtype(preferred, np.signedinteger):
      raise TypeError("`preferred_element_type` must have the same signedness as the original "
                      "type.")
  if np.dtype(preferred).itemsize < np.dtype(input_dtype).itemsize:
    raise TypeError("`preferred_element_type` must not be narrower than the original type.")


def _conv_abstract_eval(lhs, rhs, *, window_strides, padding, lhs_dilation, rhs_dilation,
                        dimension_numbers, feature_group_count, batch_group_count, precision=None,
                        preferred_element_type=None, out_sharding=None):
  shape = _conv_shape_rule(lhs, rhs, window_strides, padding, lhs_dilation, rhs_dilation,
                           dimension_numbers, feature_group_count, batch_group_count)
  for i, aval in enumerate((lhs, rhs)):
    if not (dtypes.issubdtype(aval.dtype, np.number) or aval.dtype == np.bool_):
      raise TypeError(f"conv_general_dilated does not accept dtype {aval.dtype.name} at position "
                      f"{i}. Accepted dtypes at position {i} are subtypes of bool, number.")
  if lhs.dtype != rhs.dtype:
    raise TypeError("lax.conv_general_dilated requires arguments to have the same dtypes, got "
                    f"{lhs.dtype.name}, {rhs.dtype.name}.")
  dtype = lhs.dtype
  if preferred_element_type is not None:
    _check_preferred_type(dtype, preferred_element_type)
    dtype = preferred_element_type
  return ShapedArray(shape, dtype, lhs.weak_type and rhs.weak_type)


# ---------------------------------------------------------------------------
# NumPy implementation

def _compute_dtype(in_dtype, out_dtype):
  """The dtype the matmul runs in: BLAS floats for floats, int64 for integers (the cast back
  to a narrower integer wraps as XLA does), int32 for bool (then tested != 0)."""
  for dt in (out_dtype, in_dtype):
    if dtypes.is_complex(dt):
      return np.dtype(np.complex128) if np.dtype(dt).itemsize > 8 else np.dtype(np.complex64)
  if dtypes.is_floating(out_dtype):
    return np.dtype(np.float64) if np.dtype(out_dtype) == np.float64 else np.dtype(np.float32)
  if np.dtype(out_dtype) == np.bool_:
    return np.dtype(np.int32)
  return np.dtype(np.int64)


def _conv_impl(lhs, rhs, *, window_strides, padding, lhs_dilation, rhs_dilation,
               dimension_numbers, feature_group_count, batch_group_count, precision=None,
               preferred_element_type=None, out_sharding=None):
  lhs_spec, rhs_spec, out_spec = dimension_numbers
  nsp = len(lhs_spec) - 2
  out_dtype = lhs.dtype if preferred_element_type is None else np.dtype(preferred_element_type)
  compute = _compute_dtype(lhs.dtype, out_dtype)
  # Padding in the operand's own layout keeps the copy streaming through memory; the
  # channels-last arrangements are views.
  x = dilate_and_pad(lhs.astype(compute, copy=False), lhs_spec[2:], lhs_dilation, padding, 0,
                     slot="conv_lhs")
  x = np.transpose(x, (lhs_spec[0], *lhs_spec[2:], lhs_spec[1]))
  w = np.transpose(rhs, (*rhs_spec[2:], rhs_spec[1], rhs_spec[0])).astype(compute, copy=False)
  out = conv_channels_last(x, w, window_strides, rhs_dilation, feature_group_count,
                           batch_group_count)
  perm = [0] * (nsp + 2)
  perm[out_spec[0]], perm[out_spec[1]] = 0, nsp + 1
  for i, d in enumerate(out_spec[2:]):
    perm[d] = i + 1
  out = np.transpose(out, perm)
  if out_dtype == np.bool_:
    return out != 0
  return out.astype(out_dtype, copy=False)


conv_general_dilated_p = core.Primitive("conv_general_dilated")
conv_general_dilated_p.def_impl(_conv_impl)
conv_general_dilated_p.def_abstract_eval(_conv_abstract_eval)


# ---------------------------------------------------------------------------
# User-facing functions

def _shape(x):
  return core.get_aval(x).shape


def _canonicalize_precision(precision):
  if precision is None:
    return None
  if isinstance(precision, (list, tuple)) and len(precision) == 2:
    return tuple(precision)
  return (precision, precision)


def conv_general_dilated(lhs, rhs, window_strides, padding, lhs_dilation=None, rhs_dilation=None,
                         dimension_numbers=None, feature_group_count=1, batch_group_count=1,
                         precision=None, preferred_element_type=None, out_sharding=None):
  """General n-d convolution with optional lhs (transposed conv) and rhs (atrous) dilation."""
  lhs_shape, rhs_shape = _shape(lhs), _shape(rhs)
  dnums = conv_dimension_numbers(lhs_shape, rhs_shape, dimension_numbers)
  if lhs_dilation is None:
    lhs_dilation = (1,) * (len(lhs_shape) - 2)
  elif isinstance(padding, str) and any(d != 1 for d in lhs_dilation):
    raise ValueError("String padding is not implemented for transposed convolution using this "
                     "op. Please either exactly specify the required padding or use "
                     "conv_transpose.")
  if rhs_dilation is None:
    rhs_dilation = (1,) * (len(rhs_shape) - 2)
  if isinstance(padding, str):
    lhs_sp = [lhs_shape[i] for i in dnums.lhs_spec[2:]]
    window = [dilate_dim(rhs_shape[i], d) for i, d in zip(dnums.rhs_spec[2:], rhs_dilation)]
    padding = padtype_to_pads(lhs_sp, window, window_strides, padding)
  else:
    try:
      padding = tuple((operator.index(lo), operator.index(hi)) for lo, hi in padding)
    except (ValueError, TypeError) as e:
      raise ValueError("padding argument to conv_general_dilated should be a string or a "
                       f"sequence of (low, high) pairs, got {padding}") from e
  if preferred_element_type is not None:
    preferred_element_type = dtypes.check_user_dtype_supported(preferred_element_type,
                                                               "conv_general_dilated")
  return conv_general_dilated_p.bind(
      lhs, rhs, window_strides=tuple(int(s) for s in window_strides),
      padding=tuple((int(lo), int(hi)) for lo, hi in padding),
      lhs_dilation=tuple(int(d) for d in lhs_dilation),
      rhs_dilation=tuple(int(d) for d in rhs_dilation), dimension_numbers=dnums,
      feature_group_count=int(feature_group_count), batch_group_count=int(batch_group_count),
      precision=_canonicalize_precision(precision),
      preferred_element_type=preferred_element_type, out_sharding=None)


def conv(lhs, rhs, window_strides, padding, precision=None, preferred_element_type=None):
  """``conv_general_dilated`` with NCHW/OIHW/NCHW layouts and no dilation."""
  return conv_general_dilated(lhs, rhs, window_strides, padding, precision=precision,
                              preferred_element_type=preferred_element_type)


def conv_with_general_padding(lhs, rhs, window_strides, padding, lhs_dilation, rhs_dilation,
                              precision=None, preferred_element_type=None):
  return conv_general_dilated(lhs, rhs, window_strides, padding, lhs_dilation=lhs_dilation,
                              rhs_dilation=rhs_dilation, precision=precision,
                              preferred_element_type=preferred_element_type)


def _conv_transpose_padding(k, s, padding):
  """(before, after) padding of one dimension of a transposed conv whose forward conv used
  ``padding`` (a mode string or an explicit pair)."""
  if padding == "SAME":
    total = k + s - 2
    before = k - 1 if s > k - 1 else -(-total // 2)
  elif padding == "VALID":
    total = k + s - 2 + max(k - s, 0)
    before = k - 1
  elif isinstance(padding, tuple):
    before, after = (k - p - 1 for p in padding)
    total = before + after
  else:
    raise ValueError(f"Invalid padding mode: {padding}")
  return before, total - before


def conv_transpose(lhs, rhs, strides, padding, rhs_dilation=None, dimension_numbers=None,
                   transpose_kernel=False, precision=None, preferred_element_type=None,
                   use_consistent_padding=False):
  """A fractionally strided convolution (the "deconvolution" of Keras' Conv2DTranspose)."""
  from jaxlite._src.lax import lax
  lhs_shape, rhs_shape = _shape(lhs), _shape(rhs)
  assert len(lhs_shape) == len(rhs_shape) and len(lhs_shape) >= 2
  ndims = len(lhs_shape)
  if dimension_numbers is None:
    defaults = {2: ("NC", "IO", "NC"), 3: ("NHC", "HIO", "NHC"), 4: ("NHWC", "HWIO", "NHWC"),
                5: ("NHWDC", "HWDIO", "NHWDC")}
    if ndims not in defaults:
      raise ValueError("No 4+ dimensional dimension_number defaults.")
    dimension_numbers = defaults[ndims]
  dn = conv_dimension_numbers(lhs_shape, rhs_shape, dimension_numbers)
  kernel_sdims = [rhs_shape[i] for i in dn.rhs_spec[2:]]
  if rhs_dilation is None:
    rhs_dilation = (1,) * (ndims - 2)
  if use_consistent_padding or (isinstance(padding, str) and padding in ("SAME", "VALID")):
    per_dim = [padding] * len(strides) if isinstance(padding, str) else padding
    pads = tuple(_conv_transpose_padding(dilate_dim(k, r), s, p)
                 for k, r, s, p in zip(kernel_sdims, rhs_dilation, strides, per_dim))
  else:
    pads = padding
  if transpose_kernel:
    rhs = lax.rev(rhs, tuple(dn.rhs_spec[2:]))
    perm = list(range(ndims))
    perm[dn.rhs_spec[0]], perm[dn.rhs_spec[1]] = dn.rhs_spec[1], dn.rhs_spec[0]
    rhs = lax.transpose(rhs, perm)
  return conv_general_dilated(lhs, rhs, (1,) * (ndims - 2), pads, strides, rhs_dilation, dn,
                              precision=precision, preferred_element_type=preferred_element_type)


# ---------------------------------------------------------------------------
# Differentiation. The conv is bilinear; each transpose is another conv (see the padding
# helpers for where the cotangent's windows line up with the operand).

def _vjp_lhs_padding(in_shape, window, strides, out_shape, padding, lhs_dilation, rhs_dilation):
  pads = []
  for d, k, s, o, (lo, _), ld, rd in zip(in_shape, window, strides, out_shape, padding,
                                         lhs_dilation, rhs_dilation):
    k_eff = dilate_dim(k, rd)
    before = k_eff - lo - 1
    after = dilate_dim(d, ld) + k_eff - 1 - dilate_dim(o, s) - before
    pads.append((before, after))
  return pads


def _vjp_rhs_padding(in_shape, window, strides, out_shape, padding, lhs_dilation, rhs_dilation):
  pads = []
  for d, k, s, o, (lo, _), ld, rd in zip(in_shape, window, strides, out_shape, padding,
                                         lhs_dilation, rhs_dilation):
    after = dilate_dim(o, s) - dilate_dim(d, ld) + dilate_dim(k, rd) - lo - 1
    pads.append((lo, after))
  return pads


def _swap_spec(spec):
  return (spec[1], spec[0]) + tuple(spec[2:])


def _reshape_axis_into(src, dst, x):
  """Merge axis ``src`` into axis ``dst`` (numbered after removing ``src``), ``src`` major."""
  from jaxlite._src.lax.shapes import reshape
  shape = _shape(x)
  perm = [i for i in range(len(shape)) if i != src]
  perm.insert(dst, src)
  new_shape = [shape[i] for i in range(len(shape)) if i != src]
  new_shape[dst] *= shape[src]
  return reshape(x, new_shape, dimensions=perm)


def _reshape_axis_out_of(src, size1, x):
  """Split axis ``src`` into (size1, rest)."""
  from jaxlite._src.lax.shapes import reshape
  shape = list(_shape(x))
  shape[src:src + 1] = [size1, shape[src] // size1]
  return reshape(x, shape)


def _convert(x, dtype):
  from jaxlite._src.lax.elementwise import convert_element_type
  return x if core.get_aval(x).dtype == dtype else convert_element_type(x, dtype)


def _conv_transpose_lhs(g, lhs_aval, rhs, *, window_strides, padding, lhs_dilation,
                        rhs_dilation, dimension_numbers, feature_group_count, batch_group_count,
                        precision, preferred_element_type):
  from jaxlite._src.lax import lax
  lhs_spec, rhs_spec, out_spec = dimension_numbers
  rhs_shape = _shape(rhs)
  if feature_group_count > 1 or batch_group_count > 1:
    # Move the groups from the kernel's output features to its input features.
    rhs = _reshape_axis_out_of(rhs_spec[0], max(feature_group_count, batch_group_count), rhs)
    rhs = _reshape_axis_into(rhs_spec[0], rhs_spec[1], rhs)
  groups = max(feature_group_count, batch_group_count)
  trans_dn = ConvDimensionNumbers(out_spec, _swap_spec(rhs_spec), lhs_spec)
  pads = _vjp_lhs_padding([lhs_aval.shape[i] for i in lhs_spec[2:]],
                          [rhs_shape[i] for i in rhs_spec[2:]], window_strides,
                          [_shape(g)[i] for i in out_spec[2:]], padding, lhs_dilation,
                          rhs_dilation)
  flipped = _convert(lax.rev(rhs, tuple(rhs_spec[2:])), core.get_aval(g).dtype)
  out = conv_general_dilated(g, flipped, window_strides=lhs_dilation, padding=pads,
                             lhs_dilation=window_strides, rhs_dilation=rhs_dilation,
                             dimension_numbers=trans_dn, feature_group_count=groups,
                             batch_group_count=1, precision=precision,
                             preferred_element_type=preferred_element_type)
  out = _convert(out, lhs_aval.dtype)
  if batch_group_count > 1:
    out = _reshape_axis_out_of(lhs_spec[1], batch_group_count, out)
    out = _reshape_axis_into(lhs_spec[1], lhs_spec[0], out)
  return out


def _conv_transpose_rhs(g, lhs, rhs_aval, *, window_strides, padding, lhs_dilation,
                        rhs_dilation, dimension_numbers, feature_group_count, batch_group_count,
                        precision, preferred_element_type):
  if int(np.prod(_shape(g), dtype=np.int64)) == 0:
    return Zero(rhs_aval)
  lhs_spec, rhs_spec, out_spec = dimension_numbers
  # Feature groups of the forward conv become batch groups of this one, and vice versa.
  trans_dn = ConvDimensionNumbers(_swap_spec(lhs_spec), _swap_spec(out_spec),
                                  _swap_spec(rhs_spec))
  pads = _vjp_rhs_padding([_shape(lhs)[i] for i in lhs_spec[2:]],
                          [rhs_aval.shape[i] for i in rhs_spec[2:]], window_strides,
                          [_shape(g)[i] for i in out_spec[2:]], padding, lhs_dilation,
                          rhs_dilation)
  out = conv_general_dilated(_convert(lhs, core.get_aval(g).dtype), g,
                             window_strides=rhs_dilation, padding=pads,
                             lhs_dilation=lhs_dilation, rhs_dilation=window_strides,
                             dimension_numbers=trans_dn, feature_group_count=batch_group_count,
                             batch_group_count=feature_group_count, precision=precision,
                             preferred_element_type=preferred_element_type)
  return _convert(out, rhs_aval.dtype)


def _conv_transpose_rule(ct, lhs, rhs, *, out_sharding=None, **params):
  if type(ct) is Zero:
    return [None, None]
  if ad.is_undefined_primal(lhs):
    return [_conv_transpose_lhs(ct, lhs.aval, rhs, **params), None]
  return [None, _conv_transpose_rhs(ct, lhs, rhs.aval, **params)]


ad.defjvp(conv_general_dilated_p,
          lambda g, lhs, rhs, **params: conv_general_dilated_p.bind(g, rhs, **params),
          lambda g, lhs, rhs, **params: conv_general_dilated_p.bind(lhs, g, **params))
ad.primitive_transposes[conv_general_dilated_p] = _conv_transpose_rule


# ---------------------------------------------------------------------------
# Batching: the vmapped axis is folded into the batch dimension, or into the feature
# groups when both operands carry it (each example gets its own kernel).

def _conv_batch_rule(vals, dims, **params):
  lhs, rhs = vals
  lhs_bdim, rhs_bdim = dims
  lhs_spec, rhs_spec, out_spec = params["dimension_numbers"]
  fgc, bgc = params["feature_group_count"], params["batch_group_count"]
  bind = conv_general_dilated_p.bind
  size = _shape(lhs)[lhs_bdim] if lhs_bdim is not None else _shape(rhs)[rhs_bdim]
  if size == 0:
    from jaxlite._src.lax.shapes import full
    lhs_aval, rhs_aval = core.get_aval(lhs), core.get_aval(rhs)
    unbatched = [a.update(shape=tuple(s for i, s in enumerate(a.shape) if i != d))
                 if d is not None else a for a, d in ((lhs_aval, lhs_bdim), (rhs_aval, rhs_bdim))]
    aval = _conv_abstract_eval(*unbatched, **params)
    return full((0,) + aval.shape, 0, aval.dtype), 0

  if lhs_bdim is not None and rhs_bdim is not None:
    if bgc > 1:
      new_lhs = _reshape_axis_into(lhs_bdim, lhs_spec[0], lhs)
      params = dict(params, batch_group_count=bgc * size)
    else:
      new_lhs = _reshape_axis_into(lhs_bdim, lhs_spec[1], lhs)
      params = dict(params, feature_group_count=fgc * size)
    out = bind(new_lhs, _reshape_axis_into(rhs_bdim, rhs_spec[0], rhs), **params)
    return _reshape_axis_out_of(out_spec[1], size, out), out_spec[1]

  if lhs_bdim is not None:
    if bgc == 1:
      out = bind(_reshape_axis_into(lhs_bdim, lhs_spec[0], lhs), rhs, **params)
    else:
      # Keep the batch groups outermost: (groups, vmap, batch / groups).
      new_lhs = _reshape_axis_out_of(lhs_spec[0] + int(lhs_bdim <= lhs_spec[0]), bgc, lhs)
      new_lhs = _reshape_axis_into(lhs_bdim + int(lhs_spec[0] < lhs_bdim), lhs_spec[0] + 1,
                                   new_lhs)
      new_lhs = _reshape_axis_into(lhs_spec[0], lhs_spec[0], new_lhs)
      out = bind(new_lhs, rhs, **params)
    return _reshape_axis_out_of(out_spec[0], size, out), out_spec[0]

  if fgc == 1 and bgc == 1:
    out = bind(lhs, _reshape_axis_into(rhs_bdim, rhs_spec[0], rhs), **params)
    return _reshape_axis_out_of(out_spec[1], size, out), out_spec[1]
  # Groups must stay outermost in the kernel's output features: (groups, vmap, per group).
  groups = max(fgc, bgc)
  new_rhs = _reshape_axis_out_of(rhs_spec[0] + int(rhs_bdim <= rhs_spec[0]), groups, rhs)
  new_rhs = _reshape_axis_into(rhs_bdim + int(rhs_spec[0] < rhs_bdim), rhs_spec[0] + 1, new_rhs)
  new_rhs = _reshape_axis_into(rhs_spec[0], rhs_spec[0], new_rhs)
  out = bind(lhs, new_rhs, **params)
  out = _reshape_axis_out_of(out_spec[1], groups, out)
  out = _reshape_axis_out_of(out_spec[1] + 1, size, out)
  return _reshape_axis_into(out_spec[1], out_spec[1] + 1, out), out_spec[1]


batching.primitive_batchers[conv_general_dilated_p] = _conv_batch_rule
