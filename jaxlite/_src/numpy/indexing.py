"""NumPy indexing: ``x[idx]`` and ``x.at[idx].op(...)`` (the index functions of jnp, such
as take and nonzero, are in index_functions.py and exported from here).

Indexing lowers to lax as JAX does: a static ``slice`` when every index is static, a
``dynamic_slice`` for scalar traced indices, and ``gather``/``scatter`` otherwise. Integer
indices out of bounds clamp when reading and are dropped when updating. Eager calls on
concrete arrays take a NumPy shortcut with the same results, since loops of ``x[i]`` and
``x.at[i].set(v)`` are common and primitive dispatch would dominate them."""
from __future__ import annotations

import operator
import types
import warnings
from collections.abc import Sequence

import numpy as np

from jaxlite._src import core
from jaxlite._src import dtypes
from jaxlite._src import errors
from jaxlite._src.array import ArrayImpl
from jaxlite._src.core import Tracer
from jaxlite._src.lax import elementwise as ew
from jaxlite._src.lax import shapes
from jaxlite._src.lax import structural
from jaxlite._src.lax import slicing
from jaxlite._src.lax.slicing import GatherScatterMode
from jaxlite._src.numpy import util
from jaxlite._src.numpy.creation import asarray


_NONE, _ELLIPSIS, _SLICE, _INT, _BOOL, _ARRAY = "none", "ellipsis", "slice", "int", "bool", "array"
_INDEX_DTYPE = np.dtype(np.int32)
_state = core._state
_eval_trace = core.eval_trace


# ---------------------------------------------------------------------------
# Parsing an index against a shape

def _is_int_scalar(i):
  return isinstance(i, (int, np.integer)) and not isinstance(i, (bool, np.bool_))


def _is_bool_index(i):
  if isinstance(i, list):
    return bool(i) and all(isinstance(e, (bool, np.bool_)) for e in i)
  if isinstance(i, (ArrayImpl, Tracer, np.ndarray)):
    return i.dtype == np.bool_
  try:
    return core.get_aval(i).dtype == np.bool_
  except TypeError:
    return False


def _index_type(i):
  if i is None:
    return _NONE
  if i is Ellipsis:
    return _ELLIPSIS
  if isinstance(i, slice):
    return _SLICE
  if _is_int_scalar(i):
    return _INT
  if _is_bool_index(i):
    return _BOOL
  if isinstance(i, (ArrayImpl, Tracer, np.ndarray)):
    if dtypes.issubdtype(i.dtype, np.integer):
      return _ARRAY
    raise TypeError(f"Indexer must have integer or boolean type, got indexer with type {i.dtype}")
  if isinstance(i, str):
    raise TypeError(f"JAX does not support string indexing; got idx={i!r}")
  if isinstance(i, Sequence):
    if not i:
      return _ARRAY
    dt = asarray(i).dtype
    if dtypes.issubdtype(dt, np.integer):
      return _ARRAY
    raise TypeError(f"Indexer must have integer or boolean type, got indexer with type {dt}")
  if isinstance(i, (float, complex, np.generic)):
    raise TypeError("Indexer must have integer or boolean type, got indexer with type "
                    f"{np.dtype(type(i))}")
  raise IndexError("only integers, slices (`:`), ellipsis (`...`), newaxis (`None`) and "
                   f"integer or boolean arrays are valid indices. Got {i}")


def _as_tuple(idx):
  if isinstance(idx, tuple):
    return idx
  if isinstance(idx, Sequence) and not isinstance(idx, str):
    # NumPy's heuristics for non-tuple sequences are ambiguous; JAX refuses them all.
    multi = any(isinstance(i, (np.ndarray, ArrayImpl, Tracer)) and np.ndim(i) != 0
                or isinstance(i, (Sequence, slice)) or i is Ellipsis or i is None for i in idx)
    hint = "arr[tuple(seq)]" if multi else "arr[array(seq)]"
    raise TypeError("Using a non-tuple sequence for multidimensional indexing is not allowed; "
                    f"use `{hint}` instead of `arr[seq]`. See "
                    "https://github.com/jax-ml/jax/issues/4564 for more information.")
  return (idx,)


def _static_slice_entries(s, position):
  def entry(e):
    if e is None or isinstance(e, int):
      return e
    if isinstance(e, Tracer) and e.to_concrete_value() is None:
      raise IndexError(f"Slice entries must be static integers. Got {s} at position {position}")
    return operator.index(core.concrete_value(e))
  return slice(entry(s.start), entry(s.stop), entry(s.step))


def _parse(idx, shape):
  """``[index, type, consumed axes]`` for every entry of ``idx``; slices made static."""
  idx = _as_tuple(idx)
  types = [_index_type(i) for i in idx]
  counts = [0 if t in (_NONE, _ELLIPSIS) else util.ndim(i) if t == _BOOL else 1
            for i, t in zip(idx, types)]
  ellipses = [n for n, t in enumerate(types) if t == _ELLIPSIS]
  if len(ellipses) > 1:
    raise IndexError("an index can only have a single ellipsis ('...')")
  total = sum(counts)
  if total > len(shape):
    raise IndexError(f"Too many indices: array is {len(shape)}-dimensional, but {total} were "
                     "indexed")
  if ellipses:
    counts[ellipses[0]] = len(shape) - total
  items, axis = [], 0
  for n, (i, t, c) in enumerate(zip(idx, types, counts)):
    if t == _SLICE:
      i = _static_slice_entries(i, n)
    items.append([i, t, tuple(range(axis, axis + c))])
    axis += c
  return items


def _expand_ellipses(items, ndim):
  out, used = [], 0
  for i, t, axes in items:
    used += len(axes)
    if t == _ELLIPSIS:
      out.extend([slice(None), _SLICE, (a,)] for a in axes)
    else:
      out.append([i, t, axes])
  out.extend([slice(None), _SLICE, (a,)] for a in range(used, ndim))
  return out


def _mode(mode):
  return None if mode is None else GatherScatterMode.from_any(mode)


def _size0_error(axis):
  return IndexError(f"index is out of bounds for axis {axis} with size 0")


# ---------------------------------------------------------------------------
# x[idx]

def getitem(arr, idx):
  """``arr[idx]`` with JAX's semantics (used by ``Array.__getitem__``)."""
  if type(arr) is ArrayImpl and _state.trace is _eval_trace:
    np_idx = _basic_numpy_index(idx, arr._value.shape, clamp=True)
    if np_idx is not None:
      return ArrayImpl(np.asarray(arr._value[np_idx]), arr.weak_type)
  return rewriting_take(arr, idx)


def _basic_numpy_index(idx, shape, clamp):
  """``idx`` as a NumPy index when it has only integers, slices of Python integers, None
  and one Ellipsis; else None. Integers out of bounds are clamped (``clamp``, as JAX's
  reads do) or give None. The quick check every eager ``x[i]``, ``x[a:b]`` and
  ``x.at[i].set(v)`` goes through."""
  entries = idx if type(idx) is tuple else (idx,)
  ndim = len(shape)
  used = sum(e is not None and e is not Ellipsis for e in entries)
  if used > ndim:
    return None
  out, axis, seen_ellipsis = [], 0, False
  for e in entries:
    t = type(e)
    if e is None:
      out.append(e)
      continue
    if e is Ellipsis:
      if seen_ellipsis:
        return None
      seen_ellipsis = True
      axis += ndim - used
      out.append(e)
      continue
    if t is slice:
      if not all(v is None or type(v) is int for v in (e.start, e.stop, e.step)):
        return None
      out.append(e)
    elif t is int or isinstance(e, np.integer) or (t is ArrayImpl and e._value.ndim == 0
                                                   and e._value.dtype.kind in "iu"):
      size = shape[axis]
      if size == 0:
        return None
      i = int(e)
      i = i + size if i < 0 else i
      if not 0 <= i < size:
        if not clamp:
          return None
        i = 0 if i < 0 else size - 1
      out.append(i)
    else:
      return None
    axis += 1
  return tuple(out)


def rewriting_take(arr, idx, *, indices_are_sorted=False, unique_indices=False, mode=None,
                   fill_value=None, normalize_indices=True):
  shape = util.shape(arr)
  items = _parse(idx, shape)
  mode = _mode(mode)
  if type(arr) is ArrayImpl and _state.trace is _eval_trace and mode in (
      None, GatherScatterMode.PROMISE_IN_BOUNDS, GatherScatterMode.CLIP):
    np_idx = _numpy_index(items, shape, normalize_indices, clamp=True)
    if np_idx is not None:
      return ArrayImpl(np.asarray(arr._value[np_idx]), arr.weak_type)
  arr = asarray(arr)
  out = _static_take(arr, items, mode, normalize_indices)
  if out is None:
    out = _dynamic_take(arr, items, mode, normalize_indices)
  if out is None:
    out = _gather_take(arr, items, indices_are_sorted, unique_indices, mode, fill_value,
                       normalize_indices)
  return out


def _numpy_index(items, shape, normalize, clamp):
  """The NumPy index doing what parsed ``items`` do in JAX when all are concrete, or None.
  Integer indices out of bounds are clamped into range (reads) or give None (updates,
  which drop them: left to the general path)."""
  out, adv_shapes = [], []
  for i, t, axes in items:
    if t in (_NONE, _ELLIPSIS, _SLICE):
      out.append(i)
    elif t == _INT:
      size = shape[axes[0]]
      if size == 0:
        raise _size0_error(axes[0])
      i = int(i) + (size if normalize and i < 0 else 0)
      if not 0 <= i < size and not clamp:
        return None
      out.append(min(max(i, 0), size - 1))
      adv_shapes.append(())
    elif t == _ARRAY:
      size = shape[axes[0]]
      if isinstance(i, Tracer) or size == 0:
        return None
      v = np.asarray(i._value if type(i) is ArrayImpl else i)
      if v.size == 0:
        v = v.astype(_INDEX_DTYPE)
      elif v.min() < 0 or v.max() >= size:
        if normalize and v.dtype.kind != "u":
          v = np.where(v < 0, v + size, v)
        if clamp:
          v = np.clip(v, 0, size - 1)
        elif v.min() < 0 or v.max() >= size:
          return None
      out.append(v)
      adv_shapes.append(v.shape)
    else:  # boolean masks; scalar ones place their new axis differently in NumPy
      if isinstance(i, Tracer) or not axes or np.shape(i) != tuple(shape[a] for a in axes):
        return None
      mask = np.asarray(i._value if type(i) is ArrayImpl else i)
      adv_shapes.extend([(int(np.count_nonzero(mask)),)] * mask.ndim)
      out.append(mask)
  if len(adv_shapes) > 1:
    _broadcast_shape(adv_shapes)  # JAX's error for index arrays that do not broadcast
  return tuple(out)


def _static_take(arr, items, mode, normalize):
  """``arr[idx]`` as slice/rev/squeeze/expand_dims when every index is static, or None."""
  if mode not in (None, GatherScatterMode.PROMISE_IN_BOUNDS, GatherScatterMode.CLIP):
    return None
  shape = arr.shape
  for i, t, axes in items:
    if t not in (_INT, _ELLIPSIS, _SLICE, _NONE):
      return None
    if t == _INT and mode != GatherScatterMode.CLIP:
      j = int(i) + (shape[axes[0]] if normalize and i < 0 else 0)
      if not 0 <= j < shape[axes[0]]:
        return None  # JAX falls back to dynamic_slice, which clamps
  starts, limits, strides, rev, squeeze, newaxis = [], [], [], [], [], []
  for i, t, axes in _expand_ellipses(items, len(shape)):
    if t == _NONE:
      newaxis.append(len(starts) - len(squeeze) + len(newaxis))
      continue
    axis, = axes
    size = shape[axis]
    if t == _INT:
      if size == 0:
        raise _size0_error(axis)
      j = int(i) + (size if normalize and i < 0 else 0)
      j = min(max(j, 0), size - 1)
      starts.append(j), limits.append(j + 1), strides.append(1), squeeze.append(axis)
      continue
    start, stop, step = i.indices(size)
    if step < 0:
      # Read the same elements with a positive step, then reverse them.
      first = min(size, stop + 1 + abs(start - stop - 1) % -step)
      starts.append(first), limits.append(max(first, start + 1)), strides.append(-step)
      rev.append(axis)
    else:
      starts.append(start), limits.append(max(start, stop)), strides.append(step)
  out = arr
  if any(s != 0 or l != d or st != 1 for s, l, st, d in zip(starts, limits, strides, shape)):
    out = slicing.slice(out, starts, limits, None if all(s == 1 for s in strides) else strides)
  return _rev_squeeze_expand(out, rev, squeeze, newaxis)


def _rev_squeeze_expand(out, rev, squeeze, newaxis):
  """What follows a (dynamic) slice: negative steps, integer indices and None."""
  if rev:
    out = structural.rev(out, tuple(rev))
  if squeeze:
    out = shapes.squeeze(out, tuple(squeeze))
  if newaxis:
    out = shapes.expand_dims(out, tuple(newaxis))
  return out


def _dynamic_take(arr, items, mode, normalize):
  """``arr[idx]`` as dynamic_slice when the only non-static indices are scalars, or None."""
  if mode not in (None, GatherScatterMode.PROMISE_IN_BOUNDS, GatherScatterMode.CLIP):
    return None
  for i, t, axes in items:
    if t == _BOOL or t == _ARRAY and (isinstance(i, Sequence) or np.shape(i) != ()) or \
        t == _SLICE and i.step not in (None, 1, -1):
      return None
  shape = arr.shape
  starts, sizes, rev, squeeze, newaxis = [], [], [], [], []
  trivial = True
  for i, t, axes in _expand_ellipses(items, len(shape)):
    if t == _NONE:
      newaxis.append(len(starts) - len(squeeze) + len(newaxis))
      continue
    axis, = axes
    size = shape[axis]
    if t in (_INT, _ARRAY):
      if size == 0:
        raise _size0_error(axis)
      trivial = False
      starts.append(asarray(i) if t == _ARRAY else np.asarray(i, _INDEX_DTYPE))
      sizes.append(1)
      squeeze.append(axis)
      continue
    trivial = trivial and i == slice(None)
    start, stop, step = i.indices(size)
    if step < 0:
      first = stop + 1 + abs(start - stop - 1) % -step
      starts.append(first), sizes.append(max(0, start + 1 - first)), rev.append(axis)
    else:
      starts.append(start), sizes.append(max(0, stop - start))
  out = arr
  if not trivial:
    multi = len(starts) > 1  # then dynamic_slice needs start indices of one dtype
    starts = [(ew.convert_element_type(s, _INDEX_DTYPE) if multi else s)
              if isinstance(s, (Tracer, ArrayImpl)) else np.asarray(s, _INDEX_DTYPE)
              for s in starts]
    out = slicing.dynamic_slice(out, starts, sizes, allow_negative_indices=normalize)
  return _rev_squeeze_expand(out, rev, squeeze, newaxis)


# ---------------------------------------------------------------------------
# Indices as one gather (or scatter)

def _expand_bool_indices(items, shape):
  """Concrete boolean masks replaced by the integer arrays of their True positions."""
  out = []
  for position, (i, t, axes) in enumerate(items):
    if t != _BOOL:
      out.append([i, t, axes])
      continue
    if isinstance(i, Tracer) and i.to_concrete_value() is None:
      raise errors.NonConcreteBooleanIndexError(i)
    value = np.asarray(core.concrete_value(i))
    if value.ndim == 0:
      out.append([bool(value), t, ()])
      continue
    expected = [shape[a] for a in axes]
    if not all(s in (0, e) for s, e in zip(value.shape, expected)):
      raise IndexError("boolean index did not match shape of indexed array in index "
                       f"{position}: got {value.shape}, expected {expected}")
    out.extend([w.astype(_INDEX_DTYPE), _ARRAY, (a,)] for w, a in zip(np.nonzero(value), axes))
  return out


def _normalize(i, size):
  """Negative array indices counted from the end (staged like JAX: lt, add, select_n)."""
  i = asarray(i)
  if dtypes.issubdtype(i.dtype, np.unsignedinteger):
    return i
  return ew.select(ew.lt(i, np.asarray(0, i.dtype)), ew.add(i, np.asarray(size, i.dtype)), i)


def _broadcast_shape(shape_list):
  try:
    return np.broadcast_shapes(*shape_list)
  except ValueError:
    raise ValueError(f"Incompatible shapes for broadcasting: shapes={list(shape_list)}") from None


def _broadcast_all(arrays):
  shape = _broadcast_shape([util.shape(a) for a in arrays])
  out = []
  for a in arrays:
    s = util.shape(a)
    out.append(a if s == shape else shapes.broadcast_in_dim(
        a, shape, tuple(range(len(shape) - len(s), len(shape)))))
  return out, shape


def _index_to_gather(shape, items, normalize):
  """The single gather (or scatter) doing the indexing: its indices, dimension numbers and
  slice sizes, and the reshaping around it (JAX's lowering, for any mix of index types)."""
  positions = [n for n, (_, t, _) in enumerate(items) if t in (_ARRAY, _INT)]
  contiguous = all(b - a == 1 for a, b in zip(positions, positions[1:]))
  items = _expand_ellipses(items, len(shape))
  scalar_bool_dims = [n for n, (_, t, _) in enumerate(items) if t == _BOOL]
  # A scalar boolean adds an axis of size 1 (True) or 0 (False) indexed by arange, inserted
  # at the position of the index in the shape, as JAX does.
  shape = list(shape)
  expanded, axis = [], 0
  for n, (i, t, axes) in enumerate(items):
    if t == _BOOL:
      shape.insert(n, 1)
      expanded.append([np.arange(int(i), dtype=_INDEX_DTYPE), _ARRAY, (axis,)])
      axis += 1
    else:
      expanded.append([i, t, tuple(range(axis, axis + len(axes)))])
      axis += len(axes)
  items = expanded
  for item in items:
    i, t, axes = item
    if t == _INT and normalize and i < 0:
      item[0] = i + shape[axes[0]]
    elif t == _ARRAY and normalize:
      item[0] = _normalize(i, shape[axes[0]])
  # With an integer array among them, all integer indices form one advanced index (NumPy's
  # rules): their broadcast shape goes where they stand, or in front if they are apart.
  adv_items = []
  if any(t == _ARRAY and np.ndim(i) > 0 for i, t, _ in items):
    non_none = [(n, i, t) for n, (i, t, _) in enumerate(items) if t != _NONE]
    adv_items = [(n, x_axis, i) for x_axis, (n, i, t) in enumerate(non_none)
                 if t in (_ARRAY, _INT)]
  adv_positions = [n for n, _, _ in adv_items]
  x_axis = y_axis = collapsed_y_axis = 0
  offset_dims, collapsed, start_index_map = [], [], []
  gather_indices, gather_indices_shape = [], []
  slice_shape, newaxis_dims, reversed_y_dims, gather_slice_shape = [], [], [], []
  for n, (i, t, axes) in enumerate(items):
    if adv_items and n == (adv_positions[0] if contiguous else 0):
      arrays, adv_shape = _broadcast_all([asarray(a) for _, _, a in adv_items])
      start = len(gather_indices_shape)
      gather_indices.extend((ew.convert_element_type(a, _INDEX_DTYPE), start) for a in arrays)
      gather_indices_shape.extend(adv_shape)
      start_index_map.extend(j for _, j, _ in adv_items)
      collapsed.extend(j for _, j, _ in adv_items)
      slice_shape.extend(adv_shape)
      y_axis += len(adv_shape)
      collapsed_y_axis += len(adv_shape)
    if n in adv_positions:
      x_axis += 1
      gather_slice_shape.append(1)
      continue
    if t in (_INT, _ARRAY):  # a scalar index, not part of advanced indexing
      if shape[x_axis] == 0:
        raise _size0_error(x_axis)
      gather_indices.append((np.asarray(i, _INDEX_DTYPE) if t == _INT else
                             ew.convert_element_type(i, _INDEX_DTYPE), len(gather_indices_shape)))
      collapsed.append(x_axis)
      gather_slice_shape.append(1)
      start_index_map.append(x_axis)
      x_axis += 1
    elif t == _NONE:
      slice_shape.append(1)
      newaxis_dims.append(y_axis)
      y_axis += 1
    else:
      start, stop, step = i.indices(shape[x_axis])
      size = len(range(start, stop, step))
      slice_shape.append(size)
      if step == 1:
        if size != shape[x_axis]:
          gather_indices.append((np.asarray(start, _INDEX_DTYPE), len(gather_indices_shape)))
          start_index_map.append(x_axis)
        gather_slice_shape.append(size)
        offset_dims.append(collapsed_y_axis)
      else:
        idx = ew.add(np.asarray(start, _INDEX_DTYPE),
                     ew.mul(np.asarray(step, _INDEX_DTYPE), shapes.iota(_INDEX_DTYPE, size)))
        if step < 0:
          reversed_y_dims.append(collapsed_y_axis)
          idx = structural.rev(idx, (0,))
        gather_slice_shape.append(1)
        gather_indices.append((idx, len(gather_indices_shape)))
        start_index_map.append(x_axis)
        gather_indices_shape.append(size)
        collapsed.append(x_axis)
      collapsed_y_axis += 1
      y_axis += 1
      x_axis += 1
  if not gather_indices:
    indices = np.zeros((0,), _INDEX_DTYPE)
  elif len(gather_indices) == 1:
    g, _ = gather_indices[0]
    indices = shapes.expand_dims(g, (util.ndim(g),))
  else:
    full = tuple(gather_indices_shape) + (1,)
    indices = structural.concatenate(
        [shapes.broadcast_in_dim(g, full, tuple(range(s, s + util.ndim(g))))
         for g, s in gather_indices], len(gather_indices_shape))
  dnums = slicing.GatherDimensionNumbers(offset_dims=tuple(offset_dims),
                                         collapsed_slice_dims=tuple(sorted(collapsed)),
                                         start_index_map=tuple(start_index_map))
  return types.SimpleNamespace(
      slice_shape=tuple(slice_shape), gather_slice_shape=tuple(gather_slice_shape),
      indices=indices, dnums=dnums, unique=not adv_items, reversed_y_dims=tuple(reversed_y_dims),
      newaxis_dims=tuple(newaxis_dims), scalar_bool_dims=tuple(scalar_bool_dims))


def _gather_take(arr, items, indices_are_sorted, unique_indices, mode, fill_value, normalize):
  items = _expand_bool_indices(items, arr.shape)
  plan = _index_to_gather(arr.shape, items, normalize)
  if fill_value is not None:
    fill_value = core.concrete_or_error(None, fill_value, "fill_value argument to indexed get()")
    if np.ndim(fill_value) != 0:
      raise ValueError("fill_value argument to indexed get() must be a scalar")
    fill_value = np.asarray(fill_value).item()
  y = arr
  if plan.scalar_bool_dims:
    y = shapes.expand_dims(y, plan.scalar_bool_dims)
  if 0 in plan.slice_shape:
    return shapes.full(plan.slice_shape, 0, y.dtype)
  if 0 not in util.shape(plan.indices):
    y = slicing.gather(y, plan.indices, plan.dnums, plan.gather_slice_shape,
                       unique_indices=unique_indices or plan.unique,
                       indices_are_sorted=indices_are_sorted or plan.unique, mode=mode,
                       fill_value=fill_value)
  if plan.reversed_y_dims:
    y = structural.rev(y, plan.reversed_y_dims)
  return shapes.expand_dims(y, plan.newaxis_dims) if plan.newaxis_dims else y


# ---------------------------------------------------------------------------
# x.at[idx].op(y)

def _numpy_update(x, np_idx, y, ufunc, advanced):
  """``x.at[idx].op(y)`` on the NumPy buffer at NumPy index ``np_idx`` (whose integers are
  in bounds) when ``y`` is concrete and needs no promotion, or None."""
  if isinstance(y, (Tracer, list, tuple)) or dtypes.result_type(x, y) != x.dtype:
    return None
  out = x._value.copy()
  target = out[np_idx]
  try:  # Python ints out of the dtype's range raise, as in JAX
    value = y._value if type(y) is ArrayImpl else np.asarray(y, None if isinstance(
        y, (np.ndarray, np.generic)) else out.dtype)
  except OverflowError:
    return None
  if value.dtype != out.dtype:
    value = value.astype(out.dtype)
  if value.ndim and value.shape != np.shape(target):
    try:  # JAX broadcasts the values to the indexed shape (NumPy's assignment allows more)
      value = np.broadcast_to(value, np.shape(target))
    except ValueError:
      return None
  if ufunc is _replace:
    out[np_idx] = value
  elif advanced:
    ufunc.at(out, np_idx, value)  # repeated indices accumulate
  else:
    out[np_idx] = ufunc(target, value)
  return ArrayImpl(out, x.weak_type)


def scatter_update(x, idx, y, scatter_op, ufunc, indices_are_sorted, unique_indices, mode=None,
                   normalize_indices=True):
  """``x`` with ``scatter_op`` applied at ``x[idx]``; ``ufunc(old, new)`` is its NumPy
  equivalent for the eager shortcut (None: no shortcut)."""
  shape = util.shape(x)
  mode = _mode(mode)
  eager = type(x) is ArrayImpl and _state.trace is _eval_trace and ufunc is not None and \
      mode in (None, GatherScatterMode.FILL_OR_DROP)
  if eager and normalize_indices:
    np_idx = _basic_numpy_index(idx, shape, clamp=False)
    out = None if np_idx is None else _numpy_update(x, np_idx, y, ufunc, advanced=False)
    if out is not None:
      return out
  items = _parse(idx, shape)
  if eager:
    np_idx = _numpy_index(items, shape, normalize_indices, clamp=False)
    advanced = any(t in (_ARRAY, _BOOL) for _, t, _ in items)
    out = None if np_idx is None else _numpy_update(x, np_idx, y, ufunc, advanced)
    if out is not None:
      return out
  x = asarray(x)
  if type(y) is int and dtypes.issubdtype(x.dtype, np.integer) and \
      dtypes.iinfo(x.dtype).min <= y <= dtypes.iinfo(x.dtype).max:
    y = asarray(y, dtype=x.dtype)
  else:
    y = asarray(y)
  items = _expand_bool_indices(items, shape)
  dtype, weak = x.dtype, x.weak_type
  if dtypes.result_type(y, x) != dtype:
    warnings.warn("scatter inputs have incompatible types: cannot safely cast value from "
                  f"dtype={y.dtype} to dtype={dtype} with jax_numpy_dtype_promotion=standard. "
                  "In future JAX releases this will result in an error.", FutureWarning)
  plan = _index_to_gather(shape, items, normalize_indices)
  if 0 in plan.slice_shape:
    return x
  x, y = util.promote_dtypes(x, y)
  from jaxlite._src.numpy.shape_ops import broadcast_to
  y = broadcast_to(y, plan.slice_shape)
  if plan.newaxis_dims:
    y = shapes.squeeze(y, plan.newaxis_dims)
  if plan.reversed_y_dims:
    y = structural.rev(y, plan.reversed_y_dims)
  if plan.scalar_bool_dims:
    x = shapes.expand_dims(x, plan.scalar_bool_dims)
  dn = plan.dnums
  dnums = slicing.ScatterDimensionNumbers(
      update_window_dims=dn.offset_dims, inserted_window_dims=dn.collapsed_slice_dims,
      scatter_dims_to_operand_dims=dn.start_index_map)
  out = scatter_op(x, plan.indices, y, dnums, indices_are_sorted=plan.unique or indices_are_sorted,
                   unique_indices=plan.unique or unique_indices, mode=mode)
  if plan.scalar_bool_dims:
    out = shapes.squeeze(out, plan.scalar_bool_dims)
  return util.convert_to(out, dtype, weak)


def _replace(old, new):
  return new


class _IndexUpdateHelper:
  """``x.at``: index it to get the updater of those positions."""
  __slots__ = ("array",)

  def __init__(self, array):
    self.array = array

  def __getitem__(self, index):
    return _IndexUpdateRef(self.array, index)

  def __repr__(self):
    return f"_IndexUpdateHelper({self.array!r})"


class _IndexUpdateRef:
  """``x.at[idx]``: each method returns the updated copy of ``x``; repeated indices
  accumulate for add/multiply/min/max and keep one update for set."""
  __slots__ = ("array", "index")

  def __init__(self, array, index):
    self.array = array
    self.index = index

  def __repr__(self):
    return f"_IndexUpdateRef({self.array!r}, {self.index!r})"

  def get(self, *, indices_are_sorted=False, unique_indices=False, mode=None, fill_value=None,
          out_sharding=None, wrap_negative_indices=True):
    return rewriting_take(self.array, self.index, indices_are_sorted=indices_are_sorted,
                          unique_indices=unique_indices, mode=mode, fill_value=fill_value,
                          normalize_indices=wrap_negative_indices)

  def _update(self, values, op, ufunc, indices_are_sorted, unique_indices, mode,
              wrap_negative_indices):
    return scatter_update(self.array, self.index, values, op, ufunc, indices_are_sorted,
                          unique_indices, mode, wrap_negative_indices)

  def set(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None,
          out_sharding=None, wrap_negative_indices=True):
    return self._update(values, slicing.scatter, _replace, indices_are_sorted, unique_indices,
                        mode, wrap_negative_indices)

  def add(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None,
          out_sharding=None, wrap_negative_indices=True):
    return self._update(values, slicing.scatter_add, np.add, indices_are_sorted,
                        unique_indices, mode, wrap_negative_indices)

  def subtract(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None,
               out_sharding=None, wrap_negative_indices=True):
    return self._update(values, slicing.scatter_sub, np.subtract, indices_are_sorted,
                        unique_indices, mode, wrap_negative_indices)

  def multiply(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None,
               out_sharding=None, wrap_negative_indices=True):
    return self._update(values, slicing.scatter_mul, np.multiply, indices_are_sorted,
                        unique_indices, mode, wrap_negative_indices)

  mul = multiply

  def divide(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None,
             out_sharding=None, wrap_negative_indices=True):
    from jaxlite._src.numpy import ufuncs
    return self._elementwise_with_ones(ufuncs.divide, values, indices_are_sorted,
                                       unique_indices, mode, wrap_negative_indices)

  def power(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None,
            out_sharding=None, wrap_negative_indices=True):
    from jaxlite._src.numpy import ufuncs
    return self._elementwise_with_ones(ufuncs.power, values, indices_are_sorted,
                                       unique_indices, mode, wrap_negative_indices)

  def _elementwise_with_ones(self, ufunc, values, indices_are_sorted, unique_indices, mode,
                             wrap_negative_indices):
    """``ufunc(array, ones.at[idx].multiply(values))``: how JAX divides and raises to powers
    at indices (1 is the identity of both where nothing is indexed)."""
    from jaxlite._src.numpy import creation
    operand = _IndexUpdateRef(creation.ones_like(self.array), self.index).multiply(
        values, indices_are_sorted=indices_are_sorted, unique_indices=unique_indices,
        mode=mode, wrap_negative_indices=wrap_negative_indices)
    return ufunc(self.array, operand)

  def min(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None,
          out_sharding=None, wrap_negative_indices=True):
    return self._update(values, slicing.scatter_min, np.minimum, indices_are_sorted,
                        unique_indices, mode, wrap_negative_indices)

  def max(self, values, *, indices_are_sorted=False, unique_indices=False, mode=None,
          out_sharding=None, wrap_negative_indices=True):
    return self._update(values, slicing.scatter_max, np.maximum, indices_are_sorted,
                        unique_indices, mode, wrap_negative_indices)

  def apply(self, func, *, indices_are_sorted=False, unique_indices=False, mode=None,
            wrap_negative_indices=True):
    def op(x, indices, y, dnums, **kwargs):
      return slicing.scatter_apply(x, indices, func, dnums, update_shape=util.shape(y),
                                   **kwargs)
    zero = shapes.full((), 0, core.get_aval(self.array).dtype)
    return scatter_update(self.array, self.index, zero, op, None, indices_are_sorted,
                          unique_indices, mode, wrap_negative_indices)


def make_at(arr):
  """The ``x.at`` property."""
  return _IndexUpdateHelper(arr)


# take, nonzero & co. live in index_functions.py (built on the machinery above); jnp and the
# Array methods find them here.
from jaxlite._src.numpy.index_functions import *  # noqa: E402,F401,F403
from jaxlite._src.numpy.index_functions import __all__  # noqa: E402,F401
