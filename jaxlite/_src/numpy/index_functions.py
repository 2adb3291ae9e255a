"""The index functions of jnp: take, take_along_axis, put_along_axis, nonzero, argwhere,
flatnonzero, unravel_index, ravel_multi_index, ix_, indices and the diagonal/triangle index
helpers. Imported (and re-exported) by indexing.py, whose machinery they use."""
from __future__ import annotations

import operator

import numpy as np

from jaxlite._src import core
from jaxlite._src import dtypes
from jaxlite._src import errors
from jaxlite._src.array import ArrayImpl
from jaxlite._src.lax import elementwise as ew
from jaxlite._src.lax import shapes
from jaxlite._src.lax import slicing
from jaxlite._src.lax.slicing import GatherScatterMode
from jaxlite._src.numpy import util
from jaxlite._src.numpy.creation import asarray
from jaxlite._src.numpy.indexing import _INDEX_DTYPE, _IndexUpdateRef, _normalize

__all__ = [
    "take", "take_along_axis", "put_along_axis", "nonzero", "argwhere", "flatnonzero",
    "unravel_index", "ravel_multi_index", "ix_", "indices", "diag_indices",
    "diag_indices_from", "tril_indices", "triu_indices", "tril_indices_from",
    "triu_indices_from",
]


def _jit(name, **kwargs):
  """``jit`` with the function name JAX's jaxprs show for these functions."""
  from jaxlite._src.jit import jit

  def wrap(f):
    f.__name__ = f.__qualname__ = name
    return jit(f, **kwargs)
  return wrap


def take(a, indices, axis=None, out=None, mode=None, unique_indices=False,
         indices_are_sorted=False, fill_value=None):
  """``jnp.take``: elements of ``a`` at ``indices`` along ``axis`` (flattened if None).
  Out-of-bounds indices read ``fill_value`` (NaN...) unless ``mode`` is 'clip' or 'wrap'."""
  util.check_arraylike("take", a, indices)
  return _take(a, indices, None if axis is None else operator.index(axis), out, mode,
               unique_indices=unique_indices, indices_are_sorted=indices_are_sorted,
               fill_value=fill_value)


@_jit("_take", static_argnames=("axis", "mode", "unique_indices", "indices_are_sorted",
                                 "fill_value"))
def _take(a, indices, axis=None, out=None, mode=None, unique_indices=False,
          indices_are_sorted=False, fill_value=None):
  if out is not None:
    raise NotImplementedError("The 'out' argument to jnp.take is not supported.")
  a, indices = asarray(a), asarray(indices)
  if axis is None:
    a = shapes.reshape(a, (a.size,))
    axis = 0
  else:
    axis = util.canonicalize_axis(axis, a.ndim, "take")
  size = a.shape[axis]
  if mode is None or mode == "fill":
    gather_mode = GatherScatterMode.FILL_OR_DROP
    from jaxlite._src.numpy.ufuncs import where
    indices = where(indices < 0, indices + size, indices)
  elif mode == "raise":
    raise NotImplementedError("The 'raise' mode to jnp.take is not supported.")
  elif mode == "wrap":
    indices = indices % size
    gather_mode = GatherScatterMode.PROMISE_IN_BOUNDS
  elif mode == "clip":
    gather_mode = GatherScatterMode.CLIP
  else:
    raise ValueError(f"Invalid mode '{mode}' for np.take")
  slice_sizes = list(a.shape)
  if size == 0:
    if indices.size != 0:
      raise IndexError("Cannot do a non-empty jnp.take() from an empty axis.")
    return a
  if indices.size == 0:
    return shapes.full(tuple(slice_sizes[:axis]) + indices.shape + tuple(slice_sizes[axis + 1:]),
                       0, a.dtype)
  slice_sizes[axis] = 1
  nd = indices.ndim
  dnums = slicing.GatherDimensionNumbers(
      offset_dims=tuple(range(axis)) + tuple(range(axis + nd, a.ndim + nd - 1)),
      collapsed_slice_dims=(axis,), start_index_map=(axis,))
  return slicing.gather(a, shapes.expand_dims(indices, (nd,)), dnums, tuple(slice_sizes),
                        mode=gather_mode, unique_indices=unique_indices,
                        indices_are_sorted=indices_are_sorted, fill_value=fill_value)


def take_along_axis(arr, indices, axis=-1, mode=None, fill_value=None, *,
                    wrap_negative_indices=None):
  """``jnp.take_along_axis``: ``arr`` read at ``indices`` along ``axis``, the other axes
  matched up (broadcasting size-1 axes of either)."""
  util.check_arraylike("take_along_axis", arr, indices)
  return _take_along_axis(arr, indices, axis, mode, fill_value,
                          wrap_negative_indices=wrap_negative_indices)


@_jit("take_along_axis", static_argnames=("axis", "mode", "fill_value", "wrap_negative_indices"))
def _take_along_axis(arr, indices, axis=-1, mode=None, fill_value=None, *,
                     wrap_negative_indices=None):
  a, indices = asarray(arr), asarray(indices)
  if not dtypes.issubdtype(indices.dtype, np.integer):
    raise TypeError(f"take_along_axis indices must be of integer type, got {indices.dtype}")
  if axis is None:
    if indices.ndim != 1:
      raise ValueError(f"take_along_axis indices must be 1D if axis=None, got shape "
                       f"{indices.shape}")
    a, axis = shapes.reshape(a, (a.size,)), 0
  if a.ndim != indices.ndim:
    raise ValueError("indices and arr must have the same number of dimensions; "
                     f"{indices.ndim} vs. {a.ndim}")
  axis = util.canonicalize_axis(axis, a.ndim, "take_along_axis")
  idx_shape = indices.shape
  arr_shape = a.shape[:axis] + (1,) + a.shape[axis + 1:]
  out_shape = np.broadcast_shapes(idx_shape, arr_shape)
  size = a.shape[axis]
  if size == 0:
    return shapes.full(out_shape, 0, a.dtype)
  if wrap_negative_indices is None:
    wrap_negative_indices = mode != "promise_in_bounds"
  if indices.dtype != _INDEX_DTYPE and indices.dtype.itemsize <= 4:
    indices = ew.convert_element_type(indices, _INDEX_DTYPE)
  if wrap_negative_indices:
    indices = _normalize(indices, size)
  index_dims = [i for i, s in enumerate(idx_shape) if i == axis or s != 1]
  indices = shapes.reshape(indices, tuple(out_shape[i] for i in index_dims) + (1,))
  slice_sizes, offset_dims, start_index_map, collapsed = [], [], [], []
  operand_batching, indices_batching, squeezed = [], [], []
  new_i = j = 0
  # Each axis of arr is gathered along (axis), taken whole (index size 1), squeezed away
  # (arr size 1 against a longer index axis), or paired up as a batching dimension.
  for i in range(a.ndim):
    if i == axis:
      slice_sizes.append(1), start_index_map.append(new_i), collapsed.append(new_i)
      new_i += 1
      j += 1
    elif idx_shape[i] == 1:
      offset_dims.append(i), slice_sizes.append(arr_shape[i])
      new_i += 1
    elif arr_shape[i] == 1:
      squeezed.append(i)
      j += 1
    else:
      slice_sizes.append(0 if arr_shape[i] == 0 else 1)
      operand_batching.append(new_i), indices_batching.append(j)
      new_i += 1
      j += 1
  a = shapes.squeeze(a, tuple(squeezed))
  dnums = slicing.GatherDimensionNumbers(
      offset_dims=tuple(offset_dims), collapsed_slice_dims=tuple(collapsed),
      start_index_map=tuple(start_index_map), operand_batching_dims=tuple(operand_batching),
      start_indices_batching_dims=tuple(indices_batching))
  return slicing.gather(a, indices, dnums, tuple(slice_sizes),
                        mode="fill" if mode is None else mode, fill_value=fill_value)


def put_along_axis(arr, indices, values, axis, inplace=True, *, mode=None):
  """``jnp.put_along_axis`` with ``inplace=False``: a copy of ``arr`` with ``values``
  written at ``indices`` along ``axis``."""
  if inplace:
    raise ValueError("jax.numpy.put_along_axis cannot modify arrays in-place, because JAX "
                     "arraysare immutable. Pass inplace=False to instead return an updated "
                     "array.")
  util.check_arraylike("put_along_axis", arr, indices, values)
  return _put_along_axis(arr, indices, values, axis, False, mode=mode)


@_jit("put_along_axis", static_argnames=("axis", "inplace", "mode"))
def _put_along_axis(arr, indices, values, axis, inplace=True, *, mode=None):
  arr, indices, values = asarray(arr), asarray(indices), asarray(values)
  original_shape = arr.shape
  if axis is None:
    arr, axis = shapes.reshape(arr, (arr.size,)), 0
  if arr.ndim != indices.ndim:
    raise ValueError("put_along_axis arguments 'arr' and 'indices' must have same ndim. Got "
                     f"arr.ndim={arr.ndim} and indices.ndim={indices.ndim}.")
  from jaxlite._src.numpy.shape_ops import broadcast_to
  try:
    values = broadcast_to(values, indices.shape)
  except ValueError:
    raise ValueError("put_along_axis argument 'values' must be broadcastable to 'indices'. "
                     f"Got values.shape={values.shape} and indices.shape={indices.shape}.")
  axis = util.canonicalize_axis(axis, arr.ndim, "put_along_axis")
  idx = list(_grid(arr.shape, _INDEX_DTYPE, sparse=True))
  idx[axis] = indices
  return shapes.reshape(_IndexUpdateRef(arr, tuple(idx)).set(values, mode=mode),
                        original_shape)


def _fill_tuple(fill_value, ndim):
  fills = fill_value if isinstance(fill_value, tuple) else (fill_value,) * ndim
  if any(np.shape(f) != () for f in fills):
    raise ValueError(f"fill_value must be a scalar or a tuple of length {ndim}; got "
                     f"{fill_value}")
  return fills


def nonzero(a, *, size=None, fill_value=None):
  """``jnp.nonzero``: the indices of the non-zero elements, one array per axis. Under a
  transformation ``size`` must be given: the result is cut or padded (with ``fill_value``,
  default 0) to that length."""
  util.check_arraylike("nonzero", a)
  arr = asarray(a)
  if arr.ndim == 0:
    raise ValueError("Calling nonzero on 0d arrays is not allowed. Use "
                     "jnp.atleast_1d(scalar).nonzero() instead.")
  value = core.concrete_value(arr)
  if size is None and value is None:
    raise errors.ConcretizationTypeError(
        arr, "The size argument of jnp.nonzero must be statically specified to use "
        "jnp.nonzero within JAX transformations.")
  if size is not None:
    size = core.concrete_or_error(operator.index, size, "The size argument of jnp.nonzero")
  fills = _fill_tuple(0 if fill_value is None else fill_value, arr.ndim)
  if value is not None and all(core.concrete_value(f) is not None for f in fills):
    found = np.nonzero(np.asarray(value))
    n = len(found[0]) if size is None else size
    out = []
    for f, ix in zip(fills, found):
      dt = dtypes.result_type(_INDEX_DTYPE, f) if fill_value is not None else _INDEX_DTYPE
      col = np.full(n, np.asarray(core.concrete_value(f)), dt)
      col[:min(n, len(ix))] = ix[:n]
      out.append(ArrayImpl(col))
    return tuple(out)
  return _traced_nonzero(arr, size, fills if fill_value is not None else None)


def _traced_nonzero(arr, size, fills):
  from jaxlite._src.numpy import creation, reductions_extra
  from jaxlite._src.numpy.ufuncs import where
  if arr.size == 0 or size == 0:
    return tuple(creation.zeros(size, _INDEX_DTYPE) for _ in arr.shape)
  mask = shapes.reshape(arr if arr.dtype == np.bool_ else arr != 0, (arr.size,))
  # The k-th True is at the number of positions whose running count of Trues is below k.
  counts = reductions_extra.cumsum(mask, dtype=_INDEX_DTYPE)
  bins = _IndexUpdateRef(creation.zeros(size, _INDEX_DTYPE), counts).add(1)
  flat = reductions_extra.cumsum(bins)
  strides = np.cumprod(arr.shape[::-1])[::-1] // arr.shape
  out = tuple((flat // int(s)) % d for s, d in zip(strides, arr.shape))
  if fills is not None:
    missing = creation.arange(size) >= mask.sum()
    out = tuple(where(missing, f, o) for f, o in zip(fills, out))
  return out


def flatnonzero(a, *, size=None, fill_value=None):
  from jaxlite._src.numpy.shape_ops import ravel
  return nonzero(ravel(a), size=size, fill_value=fill_value)[0]


def argwhere(a, *, size=None, fill_value=None):
  """``jnp.argwhere``: the indices of the non-zero elements as rows of a matrix."""
  util.check_arraylike("argwhere", a)
  a = asarray(a)
  from jaxlite._src.numpy.shape_ops import stack
  cols = nonzero(shapes.reshape(a, (1,)) if a.ndim == 0 else a, size=size,
                 fill_value=fill_value)
  result = stack(cols, axis=1)
  if a.ndim == 0:
    return shapes.reshape(result[:0], (result.shape[0], 0))
  return result


def unravel_index(indices, shape):
  """``jnp.unravel_index``: flat indices as coordinates; out-of-bounds ones are clamped."""
  util.check_arraylike("unravel_index", indices)
  i = asarray(indices)
  try:
    shape = list(shape)
  except TypeError:
    shape = [shape]
  if any(np.ndim(s) != 0 for s in shape):
    raise ValueError("unravel_index: shape should be a scalar or 1D sequence.")
  from jaxlite._src.numpy.ufuncs import where
  out = [0] * len(shape)
  for k in reversed(range(len(shape))):
    i, out[k] = i // shape[k], i % shape[k]
  too_big = i > 0
  too_small = asarray(False) if dtypes.issubdtype(i.dtype, np.unsignedinteger) else i < -1
  return tuple(where(too_big, s - 1, where(too_small, 0, o)) for s, o in zip(shape, out))


def ravel_multi_index(multi_index, dims, mode="raise", order="C", *, dtype=None):
  """``jnp.ravel_multi_index``: coordinates as flat indices."""
  if len(multi_index) != len(dims):
    raise ValueError(f"len(multi_index)={len(multi_index)} != len(dims)={len(dims)}")
  dims = tuple(core.concrete_or_error(operator.index, d, "in `dims` argument of "
                                      "ravel_multi_index().") for d in dims)
  util.check_arraylike("ravel_multi_index", *multi_index)
  index = [asarray(i) for i in multi_index]
  dtype = dtypes.result_type(int, *index) if dtype is None else \
      dtypes.canonicalize_dtype(np.dtype(dtype))
  if not dtypes.issubdtype(dtype, np.integer):
    raise ValueError(f"dtype={dtype} is not an integer type.")
  if int(np.prod(dims)) - 1 > dtypes.iinfo(dtype).max:
    raise ValueError(f"jnp.ravel_multi_index: dtype={dtype} not large enough to hold "
                     f"flattened index for dims={dims}. Use the dtype argument to pass a "
                     "suitable dtype (e.g. dtype=np.min_scalar_type(prod(dims))).")
  for i in index:
    if mode == "raise":
      core.concrete_or_error(None, i, "The error occurred because ravel_multi_index was "
                             "jit-compiled with mode='raise'. Use mode='wrap' or mode='clip' "
                             "instead.")
    if not dtypes.issubdtype(i.dtype, np.integer):
      raise TypeError("only int indices permitted")
  if mode == "raise":
    if any(np.any((np.asarray(core.concrete_value(i)) < 0) |
                  (np.asarray(core.concrete_value(i)) >= d)) for i, d in zip(index, dims)):
      raise ValueError("invalid entry in coordinates array")
  elif mode == "clip":
    from jaxlite._src.numpy.shape_ops import clip
    index = [clip(i, 0, d - 1) for i, d in zip(index, dims)]
  elif mode == "wrap":
    index = [i % d for i, d in zip(index, dims)]
  elif mode != "ignore":
    raise ValueError(f"invalid mode={mode!r}. Expected 'raise', 'wrap', 'clip', or 'ignore'.")
  if order == "F":
    strides = np.cumprod((1,) + dims[:-1])
  elif order == "C":
    strides = np.cumprod((1,) + dims[1:][::-1])[::-1]
  else:
    raise ValueError(f"invalid order={order!r}. Expected 'C' or 'F'")
  result = asarray(0, dtype=dtype)
  for i, s in zip(index, strides):
    result = result + i.astype(dtype) * int(s)
  return result


def ix_(*args):
  """``jnp.ix_``: 1-D index arrays reshaped to index an open mesh."""
  util.check_arraylike("ix", *args)
  n = len(args)
  out = []
  for k, a in enumerate(args):
    a = asarray(a)
    if a.ndim != 1:
      raise ValueError(f"Arguments to jax.numpy.ix_ must be 1-dimensional, got shape {a.shape}")
    if a.dtype == np.bool_:
      raise NotImplementedError("Boolean arguments to jax.numpy.ix_ are not implemented")
    shape = [1] * n
    shape[k] = a.shape[0]
    out.append(shapes.full(shape, 0, _INDEX_DTYPE) if a.size == 0 else
               shapes.broadcast_in_dim(a, tuple(shape), (k,)))
  return tuple(out)


def indices(dimensions, dtype=None, sparse=False):
  """``jnp.indices``: the coordinate grids of an array of shape ``dimensions``."""
  dt = dtypes.check_user_dtype_supported(int if dtype is None else dtype, "indices")
  dims = tuple(core.concrete_or_error(operator.index, d, "dimensions argument of jnp.indices")
               for d in dimensions)
  out = _grid(dims, dt, sparse)
  if sparse:
    return out
  from jaxlite._src.numpy.shape_ops import stack
  return stack(out, 0) if out else asarray([], dtype=dt)


def _grid(dims, dt, sparse):
  return tuple(shapes.broadcast_in_dim(shapes.iota(dt, d), (1,) * k + (d,) + (1,) * (
      len(dims) - k - 1) if sparse else tuple(dims), (k,)) for k, d in enumerate(dims))


def diag_indices(n, ndim=2):
  n = core.concrete_or_error(operator.index, n, "'n' argument of jnp.diag_indices()")
  ndim = core.concrete_or_error(operator.index, ndim, "'ndim' argument of jnp.diag_indices()")
  if n < 0:
    raise ValueError(f"n argument to diag_indices must be nonnegative, got {n}")
  if ndim < 0:
    raise ValueError(f"ndim argument to diag_indices must be nonnegative, got {ndim}")
  return (shapes.iota(_INDEX_DTYPE, n),) * ndim


def diag_indices_from(arr):
  util.check_arraylike("diag_indices_from", arr)
  shape = util.shape(arr)
  if len(shape) < 2:
    raise ValueError("input array must be at least 2-d")
  if len(set(shape)) != 1:
    raise ValueError("All dimensions of input must be of equal length")
  return diag_indices(shape[0], ndim=len(shape))


def _tri_indices(fn, name, n, k, m):
  n = core.concrete_or_error(operator.index, n, f"n argument of jnp.{name}")
  k = core.concrete_or_error(operator.index, k, f"k argument of jnp.{name}")
  m = n if m is None else core.concrete_or_error(operator.index, m, f"m argument of jnp.{name}")
  return tuple(ArrayImpl(i.astype(_INDEX_DTYPE)) for i in fn(n, k, m))


def tril_indices(n, k=0, m=None):
  return _tri_indices(np.tril_indices, "tril_indices", n, k, m)


def triu_indices(n, k=0, m=None):
  return _tri_indices(np.triu_indices, "triu_indices", n, k, m)


def _tri_from(fn, arr, k):
  shape = util.shape(arr)
  if len(shape) != 2:
    raise ValueError("Only 2-D inputs are accepted")
  return fn(shape[0], k=k, m=shape[1])


def tril_indices_from(arr, k=0):
  return _tri_from(tril_indices, arr, k)


def triu_indices_from(arr, k=0):
  return _tri_from(triu_indices, arr, k)
