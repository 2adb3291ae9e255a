"""Sorting, searching, set operations and counting: sort, argsort, lexsort, partition,
searchsorted, digitize, unique and the set routines, isin, bincount and histogram.

Everything is built from lax.sort (plus cumsum, gather and scatter-add), so it traces. The
functions whose output size depends on the data (unique, the set routines, bincount) need
concrete input, or a static ``size``/``length`` under jit, as in JAX."""
from __future__ import annotations

import operator
from typing import NamedTuple

import numpy as np

from jaxlite._src import core
from jaxlite._src import dtypes
from jaxlite._src.lax import lax
from jaxlite._src.lax.structural import _take_along_axis
from jaxlite._src.numpy import reductions, ufuncs, util
from jaxlite._src.numpy.creation import asarray
from jaxlite._src.numpy.errors import AxisError
from jaxlite._src.numpy.shape_ops import concatenate, ravel

__all__ = [
    "sort", "argsort", "lexsort", "sort_complex", "partition", "argpartition", "searchsorted",
    "digitize", "unique", "unique_all", "unique_counts", "unique_inverse", "unique_values",
    "union1d", "intersect1d", "setdiff1d", "isin", "bincount", "histogram",
    "histogram_bin_edges",
]

_int = np.dtype(np.int32)


def _move_last(x, axis):
  perm = tuple(i for i in range(x.ndim) if i != axis) + (axis,)
  return lax.transpose(x, perm)


def _move_back(x, axis):
  perm = list(range(x.ndim - 1))
  perm.insert(axis, x.ndim - 1)
  return lax.transpose(x, tuple(perm))


def _iota_like(x, axis, dtype=_int):
  return lax.broadcasted_iota(dtype, x.shape, axis)


def _take1d(x, indices):
  """``x[indices]`` for a 1-D ``x`` (indices in range)."""
  flat = lax.reshape(indices, (indices.size,))
  return lax.reshape(_take_along_axis(x, flat, 0), indices.shape)


def _not(x):
  return lax.bitwise_not(x)


# ---------------------------------------------------------------------------
# sort, argsort, lexsort, partition

def _sort_axis(name, a, axis):
  util.check_arraylike(name, a)
  a = asarray(a)
  if axis is None:
    return ravel(a), 0
  axis = operator.index(axis)
  if a.ndim == 0:  # (util.canonicalize_axis lets 0-d arrays through)
    raise AxisError(f"axis {axis} is out of bounds for array of dimension 0")
  return a, util.canonicalize_axis(axis, a.ndim, f"jnp.{name}")


def _check_kind_order(name, kind, order):
  if kind is not None:
    raise TypeError(f"'kind' argument to {name} is not supported. Use stable=True or "
                    "stable=False to specify sort stability.")
  if order is not None:
    raise TypeError(f"'order' argument to {name} is not supported.")


def sort(a, axis=-1, *, kind=None, order=None, stable=True, descending=False):
  """Sorted copy of ``a`` along ``axis`` (flattened if None); NaNs sort last."""
  _check_kind_order("sort", kind, order)
  a, axis = _sort_axis("sort", a, axis)
  out = lax.sort(a, dimension=axis, is_stable=stable)
  return lax.rev(out, (axis,)) if descending else out


def argsort(a, axis=-1, *, kind=None, order=None, stable=True, descending=False, dtype=None):
  """Indices that sort ``a`` along ``axis``; a stable descending sort keeps equal entries in
  their original order."""
  _check_kind_order("argsort", kind, order)
  a, axis = _sort_axis("argsort", a, axis)
  dt = dtypes.check_user_dtype_supported(dtype, "argsort") or _int
  iota = _iota_like(a, axis, dt)
  if descending and stable:
    # Reversed input, stably sorted, then reversed back: ties end up in ascending index order.
    _, perm = lax.sort((lax.rev(a, (axis,)), lax.rev(iota, (axis,))), dimension=axis,
                       is_stable=True)
    return lax.rev(perm, (axis,))
  _, perm = lax.sort((a, iota), dimension=axis, is_stable=stable)
  return lax.rev(perm, (axis,)) if descending else perm


def lexsort(keys, axis=-1):
  """Indices that sort by the last key, then the one before it, and so on."""
  keys = tuple(keys)
  if not keys:
    raise TypeError("need sequence of keys with len > 0 in lexsort")
  util.check_arraylike("lexsort", *keys)
  keys = [asarray(k) for k in keys]
  if len({k.shape for k in keys}) > 1:
    raise ValueError("all keys need to be the same shape")
  if keys[0].ndim == 0:
    return lax.full((), 0, _int)
  axis = util.canonicalize_axis(operator.index(axis), keys[0].ndim, "jnp.lexsort")
  iota = _iota_like(keys[0], axis)
  return lax.sort((*keys[::-1], iota), dimension=axis, num_keys=len(keys))[-1]


def sort_complex(a):
  """``a`` sorted (by real part, then imaginary part) as a complex array."""
  util.check_arraylike("sort_complex", a)
  a = sort(a, axis=0)
  return util.convert_to(a, dtypes.complex_dtype_for(a.dtype), False)


def _partition_parts(name, a, kth, axis):
  util.check_arraylike(name, a)
  a = asarray(a)
  axis = util.canonicalize_axis(operator.index(axis), a.ndim, f"jnp.{name}")
  n = a.shape[axis]
  kth = util.canonicalize_axis(operator.index(kth), n, f"jnp.{name}")
  return _move_last(a, axis), axis, n, kth


def partition(a, kth, axis=-1):
  """``a`` with the ``kth`` smallest entry at position ``kth`` along ``axis``, the smaller
  ones before it (ascending) and the others after it (descending, as JAX's top_k gives)."""
  arr, axis, n, kth = _partition_parts("partition", a, kth, axis)
  bottom = lax.neg(lax.top_k(lax.neg(arr), kth + 1)[0])
  top = lax.top_k(arr, n - kth - 1)[0]
  return _move_back(lax.concatenate([bottom, top], arr.ndim - 1), axis)


def argpartition(a, kth, axis=-1):
  """Indices that partition ``a`` (see ``partition``); the indices after position ``kth``
  come in increasing order."""
  arr, axis, n, kth = _partition_parts("argpartition", a, kth, axis)
  last = arr.ndim - 1
  order = lax.top_k(lax.neg(arr), n)[1]  # every index, smallest entry first
  bottom = lax.slice_in_dim(order, 0, kth + 1, axis=last)
  top = lax.sort(lax.slice_in_dim(order, kth + 1, n, axis=last), dimension=last)
  return _move_back(lax.concatenate([bottom, top], last), axis)


# ---------------------------------------------------------------------------
# searchsorted, digitize

_SEARCH_METHODS = ["compare_all", "scan", "scan_unrolled", "sort"]


def _check_search_method(method):
  if method not in _SEARCH_METHODS:
    raise ValueError(f"invalid argument method={method!r}, expected one of {_SEARCH_METHODS}")


def _count_below(sorted_a, query, side):
  """For each query, how many entries of the 1-D ``sorted_a`` sort before it (before equal
  ones too for side='right'). One stable sort of both together: queries go in front of equal
  entries (left) or behind them (right); each counts the entries of ``a`` before it."""
  n, m = sorted_a.shape[0], query.shape[0]
  from_a = [lax.full((n,), 1, _int)]
  from_q = [lax.full((m,), 0, _int)]
  if side == "left":
    values, tags = concatenate([query, sorted_a]), concatenate(from_q + from_a)
  else:
    values, tags = concatenate([sorted_a, query]), concatenate(from_a + from_q)
  iota = lax.iota(_int, n + m)
  _, tags, perm = lax.sort((values, tags, iota), num_keys=1)
  before = lax.sub(lax.cumsum(tags), tags)
  _, before = lax.sort((perm, before), num_keys=1)  # back to the concatenated order
  return lax.slice_in_dim(before, 0, m) if side == "left" else lax.slice_in_dim(before, n, n + m)


def searchsorted(a, v, side="left", sorter=None, *, method="scan"):
  """Where ``v`` would be inserted into the sorted 1-D ``a`` to keep it sorted (NaNs last)."""
  util.check_arraylike("searchsorted", a, v)
  if side not in ("left", "right"):
    raise ValueError(f"invalid argument side={side!r}, expected 'left' or 'right'")
  _check_search_method(method)
  a, v = util.promote_dtypes(asarray(a), asarray(v))
  if a.ndim != 1:
    raise ValueError("a should be 1-dimensional")
  if sorter is not None:
    sorter = asarray(sorter)
    if not dtypes.is_integer(sorter.dtype):
      raise TypeError(f"Indexer must have integer or boolean type, got indexer with type "
                      f"{sorter.dtype.name}")
    a = _take1d(a, sorter)
  counts = _count_below(a, ravel(v), side)
  return lax.reshape(counts, v.shape)


def digitize(x, bins, right=False, *, method=None):
  """Index of the bin of each ``x`` (bins increasing or decreasing)."""
  util.check_arraylike("digitize", x, bins)
  right = core.concrete_or_error(bool, right, "right argument of jnp.digitize()")
  method = "scan" if method is None else method
  _check_search_method(method)
  bins = asarray(bins)
  if bins.ndim != 1:
    raise ValueError(f"digitize: bins must be a 1-dimensional array; got bins={bins!r}")
  x = asarray(x)
  if bins.shape[0] == 0:
    return lax.full(x.shape, 0, _int)
  side = "left" if right else "right"
  increasing = searchsorted(bins, x, side=side, method=method)
  decreasing = lax.sub(np.array(bins.shape[0], _int),
                       searchsorted(lax.rev(bins, (0,)), x, side=side, method=method))
  rising = lax.ge(lax.slice_in_dim(bins, bins.shape[0] - 1, bins.shape[0]),
                  lax.slice_in_dim(bins, 0, 1))
  return ufuncs.where(lax.reshape(rising, ()), increasing, decreasing)


# ---------------------------------------------------------------------------
# unique and set routines

def _concrete_size(size, x, context):
  """``size`` as an int; when None, ``x`` must be concrete (outside of jit)."""
  if size is None:
    core.concrete_or_error(None, x, context)
    return None
  return core.concrete_or_error(operator.index, size, "The error arose for the size argument")


def _compact(keep, operands, size, fills):
  """The entries of each 1-D operand where ``keep``, in order, in ``size`` slots; slots past
  the kept ones get that operand's fill. Also returns the number kept."""
  n = keep.shape[0]
  packed = lax.sort((_not(keep), *operands), num_keys=1)[1:]
  count = reductions.sum(keep, dtype=_int)
  if size is None:
    size = int(count)
  out = []
  for x, fill in zip(packed, fills):
    x = lax.slice_in_dim(x, 0, min(size, n)) if size <= n else \
        lax.pad(x, np.zeros((), x.dtype), ((0, size - n, 0),))
    if fill is not None:
      x = ufuncs.where(lax.lt(lax.iota(_int, size), count), x, fill)
    out.append(x)
  return out, count


def _adjacent_differ(cols, equal_nan):
  """Per sorted position after the first: does it differ from the one before?"""
  differ = None
  for c in cols:
    n = c.shape[0]
    hi, lo = lax.slice_in_dim(c, 1, n), lax.slice_in_dim(c, 0, n - 1)
    d = lax.ne(hi, lo)
    if equal_nan and dtypes.is_inexact(c.dtype):
      d = lax.bitwise_and(d, _not(lax.bitwise_and(lax.ne(hi, hi), lax.ne(lo, lo))))
    differ = d if differ is None else lax.bitwise_or(differ, d)
  return differ


def _unique_columns(cols, n, size, fill_value, equal_nan):
  """Unique rows of the columns ``cols`` (each 1-D of length ``n > 0``): the unique columns,
  first-occurrence indices, inverse and counts, each in ``size`` slots (None: as many as
  there are unique rows)."""
  iota = lax.iota(_int, n)
  if cols:
    *sorted_cols, perm = lax.sort((*cols, iota), num_keys=len(cols))
    differ = _adjacent_differ(sorted_cols, equal_nan)
  else:  # zero-width rows are all equal
    sorted_cols, perm = [], iota
    differ = lax.full((n - 1,), False, np.bool_)
  starts = concatenate([lax.full((1,), True, np.bool_), differ])
  group = lax.sub(lax.cumsum(lax.convert_element_type(starts, _int)), np.ones((), _int))
  _, inverse = lax.sort((perm, group), num_keys=1)
  (start_pos, *packed), count = _compact(starts, [iota, perm, *sorted_cols], size,
                                         [None] * (len(cols) + 2))
  size = start_pos.shape[0]
  slot = lax.iota(_int, size)
  valid = lax.lt(slot, count)
  first = lambda x: lax.slice_in_dim(x, 0, min(1, size))  # noqa: E731
  # A group's count: where the next group starts (n after the last group) minus its start.
  next_start = ufuncs.where(lax.lt(lax.add(slot, np.ones((), _int)), count),
                            _shifted(start_pos, n), np.array(n, _int))
  counts = ufuncs.where(valid, lax.sub(next_start, start_pos), np.zeros((), _int))
  index = ufuncs.where(valid, packed[0], first(packed[0]))
  values = []
  for c in packed[1:]:
    fill = first(c) if fill_value is None else asarray(fill_value, dtype=c.dtype)
    values.append(ufuncs.where(valid, c, fill))
  return values, index, inverse, counts


def _shifted(x, end):
  """``x[1:]`` followed by ``end``."""
  n = x.shape[0]
  return lax.pad(lax.slice_in_dim(x, 1, n), np.array(end, x.dtype), ((0, 1, 0),))


def unique(ar, return_index=False, return_inverse=False, return_counts=False, axis=None, *,
           equal_nan=True, size=None, fill_value=None, sorted=True):  # noqa: A002
  """The sorted unique entries of ``ar`` (rows/slices along ``axis``), optionally with
  first-occurrence indices, the inverse mapping and counts. Under jit, ``size`` fixes the
  output length: extra slots get ``fill_value`` (default: the smallest unique value)."""
  util.check_arraylike("unique", ar)
  size = _concrete_size(size, ar, "The error arose for the first argument of jnp.unique(). To "
                        "make jnp.unique() compatible with JIT and other transforms, you can "
                        "specify a concrete value for the size argument, which will determine "
                        "the output size.")
  ar = asarray(ar)
  if axis is None:
    in_shape = ar.shape
    x = ravel(ar)
    cols = [x]
  else:
    axis = util.canonicalize_axis(operator.index(axis), ar.ndim, "jnp.unique")
    moved = lax.transpose(ar, (axis,) + tuple(i for i in range(ar.ndim) if i != axis))
    slice_shape = moved.shape[1:]
    x = lax.reshape(moved, (moved.shape[0], int(np.prod(slice_shape, dtype=np.int64))))
    cols = [lax.reshape(lax.slice_in_dim(x, j, j + 1, axis=1), (x.shape[0],))
            for j in range(x.shape[1])]
  n = x.shape[0]
  if n == 0 or size == 0:
    values, index, inverse, counts = _unique_of_nothing(x, size, fill_value)
  else:
    values, index, inverse, counts = _unique_columns(cols, n, size, fill_value, equal_nan)
    if axis is None:
      values, inverse = values[0], lax.reshape(inverse, in_shape)
    else:
      rows = [lax.expand_dims(v, (1,)) for v in values]
      m = index.shape[0]
      values = lax.reshape(concatenate(rows, axis=1) if rows else lax.full((m, 0), 0, ar.dtype),
                           (m,) + slice_shape)
      values = lax.transpose(values, _inverse_perm((axis,) + tuple(i for i in range(ar.ndim)
                                                                   if i != axis)))
  outs = [values]
  if return_index:
    outs.append(index)
  if return_inverse:
    outs.append(inverse)
  if return_counts:
    outs.append(counts)
  return tuple(outs) if len(outs) > 1 else values


def _inverse_perm(perm):
  return tuple(int(i) for i in np.argsort(perm))


def _unique_of_nothing(x, size, fill_value):
  """unique() of no entries, or into no slots (where JAX gives empty indices too)."""
  empty = lax.full((0,), 0, _int)
  if not size:
    return lax.full((0,) + x.shape[1:], 0, x.dtype), empty, empty, empty
  if fill_value is None:
    raise ValueError("jnp.unique: for zero-sized input with nonzero size argument, fill_value "
                     "must be specified")
  return lax.full((size,) + x.shape[1:], fill_value, x.dtype), empty, empty, empty


class _UniqueAllResult(NamedTuple):
  values: object
  indices: object
  inverse_indices: object
  counts: object


class _UniqueCountsResult(NamedTuple):
  values: object
  counts: object


class _UniqueInverseResult(NamedTuple):
  values: object
  inverse_indices: object


def unique_all(x, /, *, size=None, fill_value=None):
  """Array-API unique: values, first indices, inverse indices and counts."""
  return _UniqueAllResult(*unique(x, True, True, True, size=size, fill_value=fill_value,
                                  equal_nan=False))


def unique_counts(x, /, *, size=None, fill_value=None):
  """Array-API unique values and their counts."""
  return _UniqueCountsResult(*unique(x, return_counts=True, size=size, fill_value=fill_value,
                                     equal_nan=False))


def unique_inverse(x, /, *, size=None, fill_value=None):
  """Array-API unique values and the inverse indices (shaped like ``x``)."""
  return _UniqueInverseResult(*unique(x, return_inverse=True, size=size,
                                      fill_value=fill_value, equal_nan=False))


def unique_values(x, /, *, size=None, fill_value=None):
  """Array-API unique values."""
  return unique(x, size=size, fill_value=fill_value, equal_nan=False)


def union1d(ar1, ar2, *, size=None, fill_value=None):
  """Sorted unique values present in either array."""
  util.check_arraylike("union1d", ar1, ar2)
  if size is None:
    core.concrete_or_error(None, ar1, "The error arose in union1d()")
    core.concrete_or_error(None, ar2, "The error arose in union1d()")
  joined = concatenate([ravel(asarray(ar1)), ravel(asarray(ar2))])
  return unique(joined, size=size, fill_value=fill_value)


def setdiff1d(ar1, ar2, assume_unique=False, *, size=None, fill_value=None):
  """Values of ``ar1`` (unique and sorted unless ``assume_unique``) not in ``ar2``; extra
  ``size`` slots get ``fill_value`` (default 0)."""
  util.check_arraylike("setdiff1d", ar1, ar2)
  size = _concrete_size(size, ar1, "The error arose in setdiff1d()")
  arr1, arr2 = ravel(asarray(ar1)), ravel(asarray(ar2))
  fill = np.zeros((), arr1.dtype) if fill_value is None else asarray(fill_value, arr1.dtype)
  n = arr1.shape[0]
  if n == 0:
    return lax.full((size or 0,), fill, arr1.dtype)
  if assume_unique:
    valid = lax.full((n,), True, np.bool_)
  else:
    arr1, _, _, counts = _unique_columns([arr1], n, n, None, True)
    arr1 = arr1[0]
    valid = lax.gt(counts, np.zeros((), _int))
  keep = lax.bitwise_and(valid, isin(arr1, arr2, invert=True))
  (out,), _ = _compact(keep, [arr1], size, [fill])
  return out


def intersect1d(ar1, ar2, assume_unique=False, return_indices=False, *, size=None,
                fill_value=None):
  """Sorted values present in both arrays; with ``return_indices`` also where each first
  occurs in either. Extra ``size`` slots get ``fill_value`` (default: the first value) and
  index fills of the array lengths."""
  util.check_arraylike("intersect1d", ar1, ar2)
  size = _concrete_size(size, ar1, "The error arose in intersect1d()")
  arr1, arr2 = util.promote_dtypes(ravel(asarray(ar1)), ravel(asarray(ar2)))
  n1, n2 = arr1.shape[0], arr2.shape[0]
  values = concatenate([arr1, arr2])
  tags = concatenate([lax.full((n1,), 0, _int), lax.full((n2,), 1, _int)])
  where_from = concatenate([lax.iota(_int, n1), lax.iota(_int, n2)])
  # Sort by value, then source, then index: descending for ar1 (so its first occurrence is
  # last before ar2's entries) and ascending for ar2.
  order = ufuncs.where(lax.eq(tags, np.zeros((), _int)), lax.neg(where_from), where_from)
  values, tags, _, where_from = lax.sort((values, tags, order, where_from), num_keys=3)
  n = n1 + n2
  if n < 2:
    empty = lax.full((0,), 0, _int)
    out = lax.full((size or 0,), 0 if fill_value is None else fill_value, arr1.dtype)
    return (out, empty, empty) if return_indices else out
  hi = lambda x: lax.slice_in_dim(x, 1, n)  # noqa: E731
  lo = lambda x: lax.slice_in_dim(x, 0, n - 1)  # noqa: E731
  # Where an entry of ar2 follows an equal entry of ar1, that value is in both.
  both = lax.bitwise_and(lax.eq(hi(values), lo(values)), lax.lt(lo(tags), hi(tags)))
  fills = [None if fill_value is None else asarray(fill_value, arr1.dtype),
           np.array(n1, _int), np.array(n2, _int)]
  (common, idx1, idx2), count = _compact(both, [lo(values), lo(where_from), hi(where_from)],
                                         size, fills)
  if fill_value is None and common.shape[0]:
    common = ufuncs.where(lax.lt(lax.iota(_int, common.shape[0]), count), common,
                          lax.slice_in_dim(common, 0, 1))
  return (common, idx1, idx2) if return_indices else common


def isin(element, test_elements, assume_unique=False, invert=False, *, method="auto"):
  """Whether each entry of ``element`` occurs in ``test_elements`` (NaN never does)."""
  if method not in ("compare_all", "binary_search", "sort", "auto"):
    raise ValueError(f"method={method!r} is not implemented; options are 'compare_all', "
                     "'binary_search', 'sort', and 'auto'")
  util.check_arraylike("isin", element, test_elements)
  element, tests = util.promote_dtypes(asarray(element), ravel(asarray(test_elements)))
  m = tests.shape[0]
  if m == 0:
    found = lax.full(element.shape, False, np.bool_)
  else:
    tests = lax.sort(tests)
    flat = ravel(element)
    pos = lax.min(_count_below(tests, flat, "left"), np.array(m - 1, _int))
    found = lax.reshape(lax.eq(_take1d(tests, pos), flat), element.shape)
  return _not(found) if invert else found


# ---------------------------------------------------------------------------
# Counting

def _scatter_add(length, indices, updates):
  """A length-``length`` vector summing ``updates`` at ``indices`` (out of range dropped)."""
  dnums = lax.ScatterDimensionNumbers(update_window_dims=(), inserted_window_dims=(0,),
                                      scatter_dims_to_operand_dims=(0,))
  zeros = lax.full((length,), 0, updates.dtype)
  return lax.scatter_add(zeros, lax.expand_dims(indices, (1,)), updates, dnums,
                         mode=lax.GatherScatterMode.FILL_OR_DROP)


def bincount(x, weights=None, minlength=0, *, length=None):
  """Number of occurrences (or summed ``weights``) of each value 0, 1, ... in ``x``; negative
  values count as 0. Under jit ``length`` must be given (values >= length are dropped)."""
  util.check_arraylike("bincount", x)
  x = asarray(x)
  if not (dtypes.is_integer(x.dtype) or x.dtype == np.bool_):
    raise TypeError(f"x argument to bincount must have an integer type; got {x.dtype.name}")
  if x.ndim != 1:
    raise ValueError("only 1-dimensional input supported.")
  minlength = core.concrete_or_error(operator.index, minlength,
                                     "The error occurred because of argument 'minlength' of "
                                     "jnp.bincount.")
  if length is None:
    values = core.concrete_or_error(np.asarray, x, "The error occurred because of argument "
                                    "'x' of jnp.bincount. To avoid this error, pass a static "
                                    "`length` argument.")
    length = max(minlength, int(values.max()) + 1 if values.size else 0)
  else:
    length = core.concrete_or_error(operator.index, length, "The error occurred because of "
                                    "argument 'length' of jnp.bincount.")
  if weights is None:
    updates = lax.full(x.shape, 1, dtypes.default_int_dtype())
  else:
    updates = asarray(weights)
    if updates.shape != x.shape:
      raise ValueError(f"type of weights must match type of x. Got x shape {x.shape} and "
                       f"weights shape {updates.shape}")
  indices = lax.max(lax.convert_element_type(x, _int), np.zeros((), _int))
  return _scatter_add(length, indices, updates)


def histogram_bin_edges(a, bins=10, range=None, weights=None):  # noqa: A002
  """Bin edges: ``bins`` itself when it is 1-D, else ``bins`` equal bins over ``range``
  (default: the data's span, widened by 0.5 each way when it is a single value)."""
  if isinstance(bins, str):
    raise TypeError(f"asarray: expected ArrayLike, got {bins} of type {type(bins)}.")
  util.check_arraylike("histogram_bin_edges", a, bins)
  arr = asarray(a)
  dt = dtypes.to_inexact_dtype(arr.dtype)
  if np.ndim(bins) == 1:
    return asarray(bins, dtype=dt)
  count = core.concrete_or_error(operator.index, bins, "bins argument of histogram_bin_edges")
  if range is None:
    lo, hi = reductions.min(arr), reductions.max(arr)
  else:
    bounds = asarray(range, dtype=dt)
    if bounds.shape != (2,):
      raise ValueError(f"`range` must be either None or a sequence of scalars, got {bounds}")
    lo, hi = (lax.reshape(lax.slice_in_dim(bounds, i, i + 1), ()) for i in (0, 1))
  lo, hi = util.convert_to(lo, dt, False), util.convert_to(hi, dt, False)
  flat = lax.eq(lo, hi)
  half = np.array(0.5, dt)
  lo = ufuncs.where(flat, lax.sub(lo, half), lo)
  hi = ufuncs.where(flat, lax.add(hi, half), hi)
  step = lax.div(lax.iota(dt, count), np.array(count, dt))
  inner = lax.add(lax.mul(lo, lax.sub(np.ones((), dt), step)), lax.mul(hi, step))
  return concatenate([inner, lax.expand_dims(hi, (0,))])


def histogram(a, bins=10, range=None, weights=None, density=None):  # noqa: A002
  """Counts (or summed ``weights``) of the flattened ``a`` per bin, and the bin edges. Bins
  include their left edge, the last one its right edge too."""
  util.check_arraylike("histogram", a)
  a = asarray(a)
  if weights is None:
    (a,) = util.promote_dtypes_inexact(ravel(a))
    weights = lax.full(a.shape, 1, a.dtype)
  else:
    util.check_arraylike("histogram", weights)
    weights = asarray(weights)
    if weights.shape != a.shape:
      raise ValueError("weights should have the same shape as a.")
    a, weights = util.promote_dtypes_inexact(ravel(a), ravel(weights))
  edges = histogram_bin_edges(a, bins, range, weights)
  k = edges.shape[0]
  index = searchsorted(edges, a, side="right")
  on_last_edge = lax.eq(a, lax.reshape(lax.slice_in_dim(edges, k - 1, k), ()))
  index = ufuncs.where(on_last_edge, np.array(k - 1, _int), index)
  counts = lax.slice_in_dim(_scatter_add(k, index, weights), 1, k)
  if density:
    widths = lax.sub(lax.slice_in_dim(edges, 1, k), lax.slice_in_dim(edges, 0, k - 1))
    counts = lax.div(lax.div(counts, widths), reductions.sum(counts))
  return counts, edges
