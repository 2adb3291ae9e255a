"""Shape manipulation, products and casts: reshape, transpose, squeeze, broadcast_to,
stack, concatenate, matmul, dot, astype, clip, round."""
from __future__ import annotations

import operator

import numpy as np

from jaxlite._src import core
from jaxlite._src import dtypes
from jaxlite._src.lax import lax
from jaxlite._src.numpy import util
from jaxlite._src.numpy.creation import asarray


def reshape(a, shape=None, order="C", *, newshape=None, copy=None):
  if newshape is not None:
    shape = newshape
  if order != "C":
    raise NotImplementedError("jnp.reshape only supports order='C'.")
  util.check_arraylike("reshape", a)
  a = asarray(a)
  if isinstance(shape, (int, np.integer)) or (hasattr(shape, "__index__") and not
                                               isinstance(shape, (tuple, list))):
    shape = (shape,)
  shape = [core.concrete_or_error(operator.index, d, "The shape argument of jnp.reshape")
           for d in shape]
  size = a.size
  if shape.count(-1) > 1:
    raise ValueError("can only specify one unknown dimension")
  if -1 in shape:
    known = int(np.prod([d for d in shape if d != -1], dtype=np.int64))
    if known == 0 or size % known:
      raise TypeError(f"cannot reshape array of shape {a.shape} (size {size}) into shape "
                      f"{tuple(shape)}")
    shape[shape.index(-1)] = size // known
  if int(np.prod(shape, dtype=np.int64)) != size:
    raise TypeError(f"cannot reshape array of shape {a.shape} (size {size}) into shape "
                    f"{tuple(shape)} (size {int(np.prod(shape, dtype=np.int64))})")
  return lax.reshape(a, tuple(shape))


def ravel(a, order="C"):
  a = asarray(a)
  return reshape(a, (a.size,), order)


def transpose(a, axes=None):
  util.check_arraylike("transpose", a)
  a = asarray(a)
  nd = a.ndim
  axes = tuple(range(nd))[::-1] if axes is None else tuple(
      util.canonicalize_axis(ax, nd, "jnp.transpose") for ax in axes)
  if sorted(axes) != list(range(nd)):
    raise ValueError(f"axes {axes} don't match array of dimension {nd}")
  return lax.transpose(a, axes)


def matrix_transpose(x, /):
  x = asarray(x)
  if x.ndim < 2:
    raise ValueError(f"x must be at least two-dimensional for matrix_transpose; got ndim={x.ndim}")
  perm = tuple(range(x.ndim - 2)) + (x.ndim - 1, x.ndim - 2)
  return lax.transpose(x, perm)


def squeeze(a, axis=None):
  util.check_arraylike("squeeze", a)
  a = asarray(a)
  if axis is None:
    dims = tuple(i for i, d in enumerate(a.shape) if d == 1)
  else:
    dims = util.canonicalize_axes(axis, a.ndim, "jnp.squeeze")
    for d in dims:
      if a.shape[d] != 1:
        raise ValueError("cannot select an axis to squeeze out which has size not equal to "
                         f"one, got shape={a.shape} and dimensions={dims}")
  return lax.squeeze(a, dims)


def expand_dims(a, axis):
  util.check_arraylike("expand_dims", a)
  a = asarray(a)
  axes = (axis,) if isinstance(axis, int) else tuple(axis)
  nd_out = a.ndim + len(axes)
  axes = tuple(sorted(util.canonicalize_axis(ax, nd_out, "jnp.expand_dims") for ax in axes))
  return lax.expand_dims(a, axes)


def broadcast_to(array, shape):
  util.check_arraylike("broadcast_to", array)
  array = asarray(array)
  if isinstance(shape, int):
    shape = (shape,)
  shape = tuple(core.concrete_or_error(operator.index, d, "The shape argument of "
                                       "jnp.broadcast_to") for d in shape)
  in_shape = util.shape(array)
  if in_shape == shape:
    return array
  nd = len(shape)
  if len(in_shape) > nd or any(d not in (1, s) for d, s in zip(in_shape[::-1], shape[::-1])):
    raise ValueError(f"Incompatible shapes for broadcasting: {in_shape} and requested shape "
                     f"{shape}")
  squeeze_dims = tuple(i for i, d in enumerate(in_shape) if d == 1 and shape[nd - len(in_shape) + i] != 1)
  if squeeze_dims:
    array = lax.reshape(array, tuple(d for i, d in enumerate(in_shape) if i not in squeeze_dims))
  kept = tuple(nd - len(in_shape) + i for i in range(len(in_shape)) if i not in squeeze_dims)
  return lax.broadcast_in_dim(array, shape, kept)


def broadcast_arrays(*args):
  shape = np.broadcast_shapes(*(util.shape(a) for a in args))
  return [broadcast_to(a, shape) for a in args]


def stack(arrays, axis=0, out=None, dtype=None):
  if not len(arrays):
    raise ValueError("Need at least one array to stack.")
  arrays = [asarray(a) for a in arrays]
  shape0 = arrays[0].shape
  for a in arrays[1:]:
    if a.shape != shape0:
      raise ValueError("All input arrays must have the same shape.")
  axis = util.canonicalize_axis(axis, len(shape0) + 1, "jnp.stack")
  expanded = [lax.expand_dims(a, (axis,)) for a in arrays]
  return concatenate(expanded, axis=axis, dtype=dtype)


def concatenate(arrays, axis=0, dtype=None):
  if not len(arrays):
    raise ValueError("Need at least one array to concatenate.")
  arrays = util.promote_dtypes(*[asarray(a) for a in arrays])
  if dtype is not None:
    dt = dtypes.check_user_dtype_supported(dtype, "concatenate")
    arrays = [util.convert_to(a, dt, False) for a in arrays]
  if axis is None:
    arrays = [ravel(a) for a in arrays]
    axis = 0
  nd = arrays[0].ndim
  if nd == 0:
    raise ValueError("Zero-dimensional arrays cannot be concatenated.")
  axis = util.canonicalize_axis(axis, nd, "jnp.concatenate")
  if len(arrays) == 1:
    return arrays[0]
  return lax.concatenate(arrays, axis)


def astype(x, dtype, /, *, copy=False, device=None):
  util.check_arraylike("astype", x)
  dt = dtypes.check_user_dtype_supported(dtype, "astype")
  x = asarray(x)
  if x.dtype == dt and not getattr(x, "weak_type", False):
    return x
  return util.convert_to(x, dt, False)


def matmul(a, b, *, precision=None, preferred_element_type=None):
  """Matrix product with NumPy's broadcasting of leading (batch) dimensions."""
  util.check_arraylike("matmul", a, b)
  a, b = util.promote_dtypes(a, b)
  for i, x in enumerate((a, b)):
    if x.ndim == 0:
      raise ValueError(f"matmul input operand {i} must have ndim at least 1, but it has ndim 0")
  pet = dtypes.canonicalize_dtype(preferred_element_type) if preferred_element_type else a.dtype
  kw = dict(precision=precision, preferred_element_type=pet)
  if b.ndim == 1:  # contract the last axis of a with the vector
    return lax.dot_general(a, b, (((a.ndim - 1,), (0,)), ((), ())), **kw)
  if a.ndim == 1:  # contract the vector with the second-to-last axis of b
    return lax.dot_general(a, b, (((0,), (b.ndim - 2,)), ((), ())), **kw)
  return _batched_matmul(a, b, kw)


def _batched_matmul(a, b, kw):
  """Matrices with leading batch dimensions, as JAX lowers them: a batch dimension both
  operands have with the same size is a dot_general batch dimension; one that only one
  operand has (absent or of size 1 in the other) is a free dimension of that operand, so
  ``(B, M, K) @ (K, N)`` is one plain GEMM rather than B products with a broadcast ``b``."""
  nb = max(a.ndim, b.ndim) - 2
  a_dims = (None,) * (nb - a.ndim + 2) + a.shape[:-2]
  b_dims = (None,) * (nb - b.ndim + 2) + b.shape[:-2]
  batch, a_free, b_free, a_squeeze, b_squeeze, both = [], [], [], [], [], []
  a_batch, b_batch = [], []
  for i, (da, db) in enumerate(zip(a_dims, b_dims)):
    if da == 1 and db == 1:  # squeezed from both, put back in the result
      a_squeeze.append(len(batch) + len(a_free) + len(a_squeeze))
      b_squeeze.append(len(batch) + len(b_free) + len(b_squeeze))
      both.append(i)
    elif da is None or (db is not None and da == 1):
      if da == 1:  # a's size-1 dimension goes; b's dimension (or b's absence) stays
        a_squeeze.append(len(batch) + len(a_free) + len(a_squeeze))
      b_free.append(i)
    elif db is None or db == 1:
      if db == 1:
        b_squeeze.append(len(batch) + len(b_free) + len(b_squeeze))
      a_free.append(i)
    elif da == db:
      a_batch.append(len(batch) + len(a_free))
      b_batch.append(len(batch) + len(b_free))
      batch.append(i)
    else:
      raise ValueError(f"Incompatible types for matmul arguments: {core.get_aval(a).str_short()}"
                       f" and {core.get_aval(b).str_short()}")
  a = lax.squeeze(a, a_squeeze)
  b = lax.squeeze(b, b_squeeze)
  out = lax.dot_general(a, b, (((a.ndim - 1,), (b.ndim - 2,)), (tuple(a_batch), tuple(b_batch))),
                        **kw)
  # dot_general orders its result batch, a's free, b's free dimensions; put them back.
  order = batch + a_free + [nb] + b_free + [nb + 1]
  out = lax.transpose(out, np.argsort(order))
  return lax.expand_dims(out, both) if both else out


def dot(a, b, *, precision=None, preferred_element_type=None):
  """NumPy's dot: scalars multiply, vectors contract, N-D contracts last with second-to-last."""
  util.check_arraylike("dot", a, b)
  a, b = util.promote_dtypes(a, b)
  pet = dtypes.canonicalize_dtype(preferred_element_type) if preferred_element_type else a.dtype
  if a.ndim == 0 or b.ndim == 0:
    return lax.mul(a, b)
  contract_b = 0 if b.ndim == 1 else b.ndim - 2
  return lax.dot_general(a, b, (((a.ndim - 1,), (contract_b,)), ((), ())), precision=precision,
                         preferred_element_type=pet)


def vdot(a, b, *, precision=None, preferred_element_type=None):
  a, b = ravel(asarray(a)), ravel(asarray(b))
  if dtypes.is_complex(a.dtype):
    a = lax.conj(a)
  return dot(a, b, precision=precision, preferred_element_type=preferred_element_type)


def clip(arr=None, /, min=None, max=None, *, a=None, a_min=None, a_max=None):  # noqa: A002
  if arr is None:
    arr = a
  if min is None:
    min = a_min  # noqa: A001
  if max is None:
    max = a_max  # noqa: A001
  util.check_arraylike("clip", arr)
  from jaxlite._src.numpy.ufuncs import maximum, minimum
  if min is not None:
    arr = maximum(min, arr)
  if max is not None:
    arr = minimum(max, arr)
  return asarray(arr)


def round(a, decimals=0, out=None):  # noqa: A001
  util.check_arraylike("round", a)
  a = asarray(a)
  if dtypes.is_integer(a.dtype) or dtypes.is_bool(a.dtype):
    return a
  if decimals == 0:
    return lax.round(a, lax.RoundingMethod.TO_NEAREST_EVEN)
  factor = np.array(10.0 ** decimals, a.dtype)
  return lax.div(lax.round(lax.mul(a, factor), lax.RoundingMethod.TO_NEAREST_EVEN), factor)


around = round


def copy(a, order=None):
  return lax.copy(asarray(a))


def size(a, axis=None):
  s = util.shape(a)
  return int(np.prod(s, dtype=np.int64)) if axis is None else s[axis]


def shape(a):
  return util.shape(a)


def ndim(a):
  return util.ndim(a)
