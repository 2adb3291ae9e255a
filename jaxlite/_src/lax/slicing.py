"""Slicing primitives: slice, dynamic_slice, dynamic_update_slice and gather (the scatters
are in scatter.py and exported from here too).

Gathers and scatters share one NumPy kernel (``_window_starts``): the start of every window
is computed per batch position of the indices, out-of-bounds starts are clamped or masked
as XLA does for the mode, and one fancy-indexing operation moves all the data."""
from __future__ import annotations

import enum
import functools
from typing import NamedTuple, Sequence

import numpy as np

from jaxlite._src import core
from jaxlite._src import dtypes
from jaxlite._src.compiler.codegen_rules import defexpr
from jaxlite._src.core import ShapedArray
from jaxlite._src.interpreters import ad, batching
from jaxlite._src.interpreters.ad import Zero
from jaxlite._src.jit import jit
from jaxlite._src.lax import elementwise as ew
from jaxlite._src.lax import shapes
from jaxlite._src.lax import structural
from jaxlite._src.lax.utils import as_tuple_of_ints, check_same_dtypes

__all__ = [
    "GatherDimensionNumbers", "GatherScatterMode", "ScatterDimensionNumbers",
    "slice", "slice_p", "slice_in_dim", "index_in_dim",
    "dynamic_slice", "dynamic_slice_p", "dynamic_slice_in_dim", "dynamic_index_in_dim",
    "dynamic_update_slice", "dynamic_update_slice_p", "dynamic_update_slice_in_dim",
    "dynamic_update_index_in_dim", "gather", "gather_p",
    # re-exported from scatter.py
    "scatter", "scatter_p", "scatter_add", "scatter_add_p", "scatter_sub", "scatter_sub_p",
    "scatter_mul", "scatter_mul_p", "scatter_min", "scatter_min_p", "scatter_max",
    "scatter_max_p", "scatter_apply",
]

_builtin_slice = slice


def _shape(x):
  return tuple(x.shape) if hasattr(x, "shape") else np.shape(x)


def _dtype(x):
  return core.get_aval(x).dtype


# ---------------------------------------------------------------------------
# Dimension numbers and modes

class GatherDimensionNumbers(NamedTuple):
  """How operand, start indices and output dimensions of a gather correspond (XLA's
  Gather with the index vector always the last dimension of the indices)."""
  offset_dims: tuple[int, ...]
  collapsed_slice_dims: tuple[int, ...]
  start_index_map: tuple[int, ...]
  operand_batching_dims: tuple[int, ...] = ()
  start_indices_batching_dims: tuple[int, ...] = ()


class ScatterDimensionNumbers(NamedTuple):
  """The scatter counterpart of GatherDimensionNumbers (XLA's Scatter)."""
  update_window_dims: Sequence[int]
  inserted_window_dims: Sequence[int]
  scatter_dims_to_operand_dims: Sequence[int]
  operand_batching_dims: Sequence[int] = ()
  scatter_indices_batching_dims: Sequence[int] = ()


def _canon_dnums(cls, dnums):
  return cls(*(tuple(int(d) for d in field) for field in dnums))


class GatherScatterMode(enum.Enum):
  """Out-of-bounds handling: CLIP clamps windows into range; FILL_OR_DROP fills gathered
  windows that are partly out of bounds and drops such scattered windows;
  PROMISE_IN_BOUNDS does what is cheapest (gathers clamp, scatters drop)."""
  CLIP = enum.auto()
  FILL_OR_DROP = enum.auto()
  PROMISE_IN_BOUNDS = enum.auto()
  ONE_HOT = enum.auto()

  @staticmethod
  def from_any(s):
    if isinstance(s, GatherScatterMode):
      return s
    named = {"clip": GatherScatterMode.CLIP, None: GatherScatterMode.FILL_OR_DROP,
             "fill": GatherScatterMode.FILL_OR_DROP, "drop": GatherScatterMode.FILL_OR_DROP,
             "promise_in_bounds": GatherScatterMode.PROMISE_IN_BOUNDS,
             "one_hot": GatherScatterMode.ONE_HOT}
    if (s is None or isinstance(s, str)) and s in named:
      return named[s]
    raise ValueError(f'Unknown gather mode "{s}"')


# ---------------------------------------------------------------------------
# slice

slice_p = core.Primitive("slice")


def _slice_impl(x, *, start_indices, limit_indices, strides):
  if not x.ndim:
    return x
  steps = strides or (1,) * x.ndim
  return x[tuple(map(_builtin_slice, start_indices, limit_indices, steps))]


def _slice_abstract_eval(x, *, start_indices, limit_indices, strides):
  starts, limits = start_indices, limit_indices
  if x.ndim != len(starts):
    raise TypeError("slice start_indices must have length equal to the number of dimensions "
                    f"of the operand, got indices {starts} for operand shape {x.shape}.")
  if len(starts) != len(limits):
    raise TypeError("slice limit_indices must have the same length as start_indices, got "
                    f"start_indices {starts} and limit_indices {limits}.")
  if any(l > d for l, d in zip(limits, x.shape)):
    raise TypeError("slice limit_indices must be less than or equal to operand shape, got "
                    f"limit_indices {limits} for operand shape {x.shape}.")
  if any(s < 0 for s in starts):
    raise TypeError("slice start_indices must be greater than or equal to zero, got "
                    f"start_indices of {starts}.")
  if any(l < s for s, l in zip(starts, limits)):
    raise TypeError("slice limit_indices must be greater than or equal to start_indices, got "
                    f"start_indices {starts} and limit_indices {limits}.")
  sizes = [l - s for s, l in zip(starts, limits)]
  if strides is not None:
    if len(strides) != x.ndim:
      raise TypeError("slice strides must have length equal to the number of dimensions of "
                      f"the operand, got strides {strides} for operand shape {x.shape}.")
    if any(st <= 0 for st in strides):
      raise TypeError(f"slice strides must be positive, got {strides}")
    sizes = [0 if n == 0 else (n - 1) // st + 1 for n, st in zip(sizes, strides)]
  return ShapedArray(tuple(sizes), x.dtype, x.weak_type)


slice_p.def_impl(_slice_impl)
slice_p.def_abstract_eval(_slice_abstract_eval)


def slice(operand, start_indices, limit_indices, strides=None):  # noqa: A001 - JAX's name
  """``lax.slice``: the static window ``start:limit:stride`` of every dimension."""
  return slice_p.bind(
      operand, start_indices=as_tuple_of_ints("slice", start_indices, "start_indices"),
      limit_indices=as_tuple_of_ints("slice", limit_indices, "limit_indices"),
      strides=None if strides is None else as_tuple_of_ints("slice", strides, "strides"))


def _slice_transpose(ct, x, *, start_indices, limit_indices, strides):
  if type(ct) is Zero:
    return [None]
  strides = strides or (1,) * len(start_indices)
  # Padding puts every element back at its place, with stride-1 zeros in between.
  config = tuple((s, d - (s if n == 0 else s + 1 + (n - 1) * st), st - 1) for s, d, n, st in
                 zip(start_indices, x.aval.shape, _shape(ct), strides))
  return [structural.pad(ct, np.array(0, _dtype(ct)), config)]


def _slice_batch(vals, dims, *, start_indices, limit_indices, strides):
  (x,), (d,) = vals, dims
  starts, limits = list(start_indices), list(limit_indices)
  starts.insert(d, 0)
  limits.insert(d, _shape(x)[d])
  if strides is not None:
    strides = list(strides)
    strides.insert(d, 1)
  return slice(x, starts, limits, strides), d


def _slice_expr(args, *, start_indices, limit_indices, strides):
  if not start_indices:
    return None
  steps = strides or (1,) * len(start_indices)
  window = ", ".join(f"{s}:{l}:{st}" for s, l, st in zip(start_indices, limit_indices, steps))
  return f"{args[0]}[{window},]"


ad.deflinear2(slice_p, _slice_transpose)
batching.primitive_batchers[slice_p] = _slice_batch
defexpr(slice_p, _slice_expr)


def slice_in_dim(operand, start_index, limit_index, stride=1, axis=0):
  """``lax.slice_in_dim``: ``operand[..., start:limit:stride]`` along ``axis``."""
  shape, axis = _shape(operand), int(axis)
  size = shape[axis]
  start = 0 if start_index is None else int(start_index)
  limit = size if limit_index is None else int(limit_index)
  starts, limits, strides = [0] * len(shape), list(shape), [1] * len(shape)
  starts[axis] = start + size if start < 0 else start
  limits[axis] = limit + size if limit < 0 else limit
  strides[axis] = int(stride)
  return slice(operand, starts, limits, strides)


def index_in_dim(operand, index, axis=0, keepdims=True):
  """``lax.index_in_dim``: ``operand[..., index]`` along ``axis``, static ``index``."""
  index, axis = int(index), int(axis)
  size = _shape(operand)[axis]
  wrapped = index + size if index < 0 else index
  if not 0 <= wrapped < size:
    raise IndexError(f"index {index} is out of bounds for axis {axis} with size {size}")
  out = slice_in_dim(operand, wrapped, wrapped + 1, 1, axis)
  return out if keepdims else shapes.squeeze(out, (axis,))


# ---------------------------------------------------------------------------
# dynamic_slice and dynamic_update_slice

def _clamped_window(starts, shape, sizes):
  # XLA moves a window that would overrun the operand back inside it.
  return tuple(_builtin_slice(s, s + n) for s, n in
               ((min(max(int(s), 0), d - n), n) for s, d, n in zip(starts, shape, sizes)))


def _check_index_operands(name, indices):
  if any(i.ndim != 0 for i in indices):
    raise TypeError(f"start_indices arguments to {name} must be scalars, got indices "
                    f"{tuple(indices)}")
  if any(i.dtype != indices[0].dtype or not dtypes.issubdtype(i.dtype, np.integer)
         for i in indices):
    sep = ": " if name == "dynamic_slice" else " "
    raise TypeError(f"index arguments to {name} must be integers of the same type, got{sep}"
                    + ", ".join(i.dtype.name for i in indices))


dynamic_slice_p = core.Primitive("dynamic_slice")


def _dynamic_slice_abstract_eval(x, *starts, slice_sizes):
  if len(starts) != x.ndim or len(slice_sizes) != x.ndim:
    raise TypeError(f"dynamic_slice needs one start index and one slice size per operand "
                    f"dimension, got {len(starts)} and {len(slice_sizes)} for operand shape "
                    f"{x.shape}.")
  if any(n > d for n, d in zip(slice_sizes, x.shape)):
    raise TypeError("slice slice_sizes must be less than or equal to operand shape, got "
                    f"slice_sizes {tuple(slice_sizes)} for operand shape {x.shape}.")
  if any(n < 0 for n in slice_sizes):
    raise TypeError("slice slice_sizes must be greater than or equal to zero, got "
                    f"slice_sizes of {tuple(slice_sizes)}.")
  if starts:
    _check_index_operands("dynamic_slice", starts)
  return ShapedArray(tuple(slice_sizes), x.dtype, x.weak_type)


dynamic_slice_p.def_impl(lambda x, *starts, slice_sizes:
                         x[_clamped_window(starts, x.shape, slice_sizes)])
dynamic_slice_p.def_abstract_eval(_dynamic_slice_abstract_eval)
dynamic_slice_p.weak_type_rule = lambda flags, **_: flags[0]


def _normalize_starts(operand, start_indices, allow_negative_indices):
  """Starts counted from the end when negative (where allowed), as in JAX."""
  shape = _shape(operand)
  if not isinstance(start_indices, (list, tuple)):
    if np.ndim(start_indices) != 1:
      raise ValueError(f"Slice indices must be a 1D sequence, got {_shape(start_indices)}")
    start_indices = list(start_indices)
  if len(start_indices) != len(shape):
    raise ValueError("Length of slice indices must match number of operand dimensions "
                     f"({len(start_indices)} vs {shape})")
  if isinstance(allow_negative_indices, bool):
    allow_negative_indices = [allow_negative_indices] * len(shape)
  out = []
  for i, d, neg_ok in zip(start_indices, shape, allow_negative_indices):
    if isinstance(i, (int, np.integer)) and not isinstance(i, (bool, np.bool_)):
      if i < 0 and not neg_ok:
        raise ValueError(f"Index {i} is out of bounds for dimension {d} if "
                         "allow_negative_indices=False")
      out.append(np.asarray(i + d if i < 0 else i, dtypes.canonicalize_dtype(np.asarray(i).dtype)))
    elif neg_ok and not dtypes.issubdtype(_dtype(i), np.unsignedinteger):
      dt = _dtype(i)
      out.append(ew.select_n(ew.lt(i, np.asarray(0, dt)), i, ew.add(i, np.asarray(d, dt))))
    else:
      out.append(i)
  return out


def dynamic_slice(operand, start_indices, slice_sizes, *, allow_negative_indices=True):
  """``lax.dynamic_slice``: a window of static size at (possibly traced) start indices.
  A window that would overrun the operand is moved back inside it."""
  starts = _normalize_starts(operand, start_indices, allow_negative_indices)
  sizes = as_tuple_of_ints("dynamic_slice", slice_sizes, "slice_sizes")
  return dynamic_slice_p.bind(operand, *starts, slice_sizes=sizes)


def _dynamic_slice_jvp(primals, tangents, *, slice_sizes):
  x, *starts = primals
  out = dynamic_slice_p.bind(x, *starts, slice_sizes=slice_sizes)
  if type(tangents[0]) is Zero:
    return out, Zero.from_primal_value(out)
  return out, dynamic_slice_p.bind(tangents[0], *starts, slice_sizes=slice_sizes)


def _dynamic_slice_transpose(ct, x, *starts, slice_sizes):
  if type(ct) is Zero:
    return [None] * (1 + len(starts))
  zeros = shapes.full(x.aval.shape, 0, x.aval.dtype)
  return [dynamic_update_slice_p.bind(zeros, ct, *starts)] + [None] * len(starts)


def _stack_starts(starts, dims):
  """One (batch, n) index array from n scalar starts, some batched: the gather form of a
  batched dynamic slice."""
  size = next((_shape(s)[d] for s, d in zip(starts, dims) if d is not None), None)
  if size is None:
    return _concat([shapes.broadcast(s, (1,)) for s in starts], 0), None
  return _concat([shapes.broadcast_in_dim(s, (size, 1), () if d is None else (0,))
                  for s, d in zip(starts, dims)], 1), 0


def _concat(arrays, dim):
  return arrays[0] if len(arrays) == 1 else structural.concatenate(arrays, dim)


def _dynamic_slice_batch(vals, dims, *, slice_sizes):
  everything = tuple(range(len(slice_sizes)))
  dnums = GatherDimensionNumbers(offset_dims=everything, collapsed_slice_dims=(),
                                 start_index_map=everything)
  index, index_dim = _stack_starts(vals[1:], dims[1:])
  return _gather_batch([vals[0], index], [dims[0], index_dim], dimension_numbers=dnums,
                       slice_sizes=slice_sizes, unique_indices=True, indices_are_sorted=True,
                       mode=GatherScatterMode.CLIP, fill_value=None)


ad.primitive_jvps[dynamic_slice_p] = _dynamic_slice_jvp
ad.primitive_transposes[dynamic_slice_p] = _dynamic_slice_transpose
batching.primitive_batchers[dynamic_slice_p] = _dynamic_slice_batch


dynamic_update_slice_p = core.Primitive("dynamic_update_slice")


def _dynamic_update_slice_impl(x, update, *starts):
  out = x.copy()
  out[_clamped_window(starts, x.shape, update.shape)] = update
  return out


def _dynamic_update_slice_abstract_eval(x, update, *starts):
  if x.ndim != update.ndim:
    raise TypeError("dynamic_update_slice update must have the same rank as operand, got "
                    f"update shape {update.shape} for operand shape {x.shape}.")
  if x.ndim != len(starts):
    raise TypeError("dynamic_update_slice start_indices must have length equal to the rank "
                    f"of operand, got indices {tuple(starts)} for operand shape {x.shape}.")
  if any(u > d for u, d in zip(update.shape, x.shape)):
    raise TypeError("dynamic_update_slice update shape must be smaller than operand shape, "
                    f"got update shape {update.shape} for operand shape {x.shape}.")
  if starts:
    _check_index_operands("dynamic_update_slice", starts)
  check_same_dtypes("dynamic_update_slice", x, update)
  return ShapedArray(x.shape, x.dtype, x.weak_type and update.weak_type)


dynamic_update_slice_p.def_impl(_dynamic_update_slice_impl)
dynamic_update_slice_p.def_abstract_eval(_dynamic_update_slice_abstract_eval)
dynamic_update_slice_p.weak_type_rule = lambda flags, **_: flags[0] and flags[1]


def dynamic_update_slice(operand, update, start_indices, *, allow_negative_indices=True):
  """``lax.dynamic_update_slice``: ``operand`` with ``update`` written at the start indices
  (moved back inside the operand when it would overrun it)."""
  starts = _normalize_starts(operand, start_indices, allow_negative_indices)
  return dynamic_update_slice_p.bind(operand, update, *starts)


def _dynamic_update_slice_jvp(primals, tangents):
  x, update, *starts = primals
  out = dynamic_update_slice_p.bind(x, update, *starts)
  if type(tangents[0]) is Zero and type(tangents[1]) is Zero:
    return out, Zero.from_primal_value(out)
  gx, gu = map(ad.instantiate_zeros, tangents[:2])
  return out, dynamic_update_slice_p.bind(gx, gu, *starts)


def _dynamic_update_slice_transpose(ct, x, update, *starts):
  none = [None] * len(starts)
  if type(ct) is Zero:
    return [None, None] + none
  u_undef = ad.is_undefined_primal(update)
  u_shape = update.aval.shape if u_undef else _shape(update)
  x_ct = dynamic_update_slice_p.bind(ct, shapes.full(u_shape, 0, _dtype(ct)), *starts) \
      if ad.is_undefined_primal(x) else None
  u_ct = dynamic_slice_p.bind(ct, *starts, slice_sizes=u_shape) if u_undef else None
  return [x_ct, u_ct] + none


def _dynamic_update_slice_batch(vals, dims):
  u_shape = list(_shape(vals[1]))
  if dims[1] is not None:
    del u_shape[dims[1]]
  everything = tuple(range(len(u_shape)))
  dnums = ScatterDimensionNumbers(update_window_dims=everything, inserted_window_dims=(),
                                  scatter_dims_to_operand_dims=everything)
  index, index_dim = _stack_starts(vals[2:], dims[2:])
  return _scatter_batch(scatter_p, [vals[0], index, vals[1]], [dims[0], index_dim, dims[1]],
                        dimension_numbers=dnums, indices_are_sorted=True, unique_indices=True,
                        mode=GatherScatterMode.CLIP, update_jaxpr=None, update_consts=())


ad.primitive_jvps[dynamic_update_slice_p] = _dynamic_update_slice_jvp
ad.primitive_transposes[dynamic_update_slice_p] = _dynamic_update_slice_transpose
batching.primitive_batchers[dynamic_update_slice_p] = _dynamic_update_slice_batch


def _in_dim(operand, start_index, axis, allow_negative_indices):
  ndim = len(_shape(operand))
  starts = [np.asarray(0, _dtype(start_index))] * ndim
  starts[axis] = start_index
  allow = [False] * ndim
  allow[axis] = allow_negative_indices
  return starts, allow


def dynamic_slice_in_dim(operand, start_index, slice_size, axis=0, *,
                         allow_negative_indices=True):
  axis = int(axis)
  sizes = list(_shape(operand))
  sizes[axis] = int(slice_size)
  starts, allow = _in_dim(operand, start_index, axis, allow_negative_indices)
  return dynamic_slice(operand, starts, sizes, allow_negative_indices=allow)


@functools.partial(jit, static_argnames=("axis", "keepdims", "allow_negative_indices"))
def dynamic_index_in_dim(operand, index, axis=0, keepdims=True, *, allow_negative_indices=True):
  out = dynamic_slice_in_dim(operand, index, 1, axis,
                             allow_negative_indices=allow_negative_indices)
  return out if keepdims else shapes.squeeze(out, (int(axis),))


def dynamic_update_slice_in_dim(operand, update, start_index, axis, *,
                                allow_negative_indices=True):
  starts, allow = _in_dim(operand, start_index, int(axis), allow_negative_indices)
  return dynamic_update_slice(operand, update, starts, allow_negative_indices=allow)


@functools.partial(jit, static_argnames=("axis", "allow_negative_indices"))
def dynamic_update_index_in_dim(operand, update, index, axis, *, allow_negative_indices=True):
  if len(_shape(update)) != len(_shape(operand)):
    update = shapes.expand_dims(update, (int(axis),))
  return dynamic_update_slice_in_dim(operand, update, index, axis,
                                     allow_negative_indices=allow_negative_indices)


# ---------------------------------------------------------------------------
# The shared gather/scatter kernel

def _window_starts(indices, operand_shape, window, start_index_map, operand_batching_dims,
                   indices_batching_dims, clamp):
  """Per operand dimension, the start of each window (int arrays broadcastable to the
  batch shape of ``indices``), and a mask of the windows fully in bounds (None: all are).
  Dimensions without an entry start at 0."""
  batch_shape = indices.shape[:-1]
  starts, in_bounds = {}, None
  for j, d in enumerate(start_index_map):
    s = indices[..., j].astype(np.int64)
    hi = operand_shape[d] - window[d]
    if not clamp:
      ok = (s >= 0) & (s <= hi)
      in_bounds = ok if in_bounds is None else in_bounds & ok
    starts[d] = np.clip(s, 0, max(hi, 0))
  for od, idim in zip(operand_batching_dims, indices_batching_dims):
    shape = [1] * len(batch_shape)
    shape[idim] = batch_shape[idim]
    starts[od] = np.arange(batch_shape[idim]).reshape(shape)
  return starts, in_bounds


def _index_arrays(starts, window, dims, nb):
  """Fancy indices over ``dims``, of shape (batch..., window of each of dims...)."""
  out = []
  for k, d in enumerate(dims):
    s = np.asarray(starts.get(d, 0))
    s = s.reshape(s.shape + (1,) * len(dims)) if s.ndim else s
    if window[d] != 1:
      s = s + np.arange(window[d]).reshape((1,) * (nb + k) + (-1,) + (1,) * (len(dims) - k - 1))
    out.append(s)
  return out


def _gather_out_shape(indices_shape, dnums, slice_sizes):
  dropped = set(dnums.collapsed_slice_dims) | set(dnums.operand_batching_dims)
  window = iter(s for i, s in enumerate(slice_sizes) if i not in dropped)
  batch = iter(indices_shape[:-1])
  rank = len(dnums.offset_dims) + len(indices_shape) - 1
  return tuple(next(window) if i in dnums.offset_dims else next(batch) for i in range(rank))


def _default_fill(dtype):
  for kind, value in ((np.inexact, np.nan), (np.signedinteger, lambda: dtypes.iinfo(dtype).min),
                      (np.unsignedinteger, lambda: dtypes.iinfo(dtype).max), (np.bool_, True)):
    if dtypes.issubdtype(dtype, kind):
      return value() if callable(value) else value
  raise ValueError(f"Unsupported dtype for gather fill_value {dtype}")


# ---------------------------------------------------------------------------
# gather

gather_p = core.Primitive("gather")


def _gather_impl(operand, indices, *, dimension_numbers, slice_sizes, unique_indices,
                 indices_are_sorted, mode, fill_value):
  dn = dimension_numbers
  out_shape = _gather_out_shape(indices.shape, dn, slice_sizes)
  if 0 in out_shape:
    return np.zeros(out_shape, operand.dtype)
  fill = mode == GatherScatterMode.FILL_OR_DROP
  starts, in_bounds = _window_starts(indices, operand.shape, slice_sizes, dn.start_index_map,
                                     dn.operand_batching_dims, dn.start_indices_batching_dims,
                                     clamp=not fill)
  batch_shape = indices.shape[:-1]
  nb = len(batch_shape)
  # Dimensions without a start index are plain slices; the rest are fancy-indexed.
  indexed = sorted(starts)
  plain = [d for d in range(operand.ndim) if d not in starts]
  x = operand[tuple(_builtin_slice(0, slice_sizes[d]) if d in plain else _builtin_slice(None)
                    for d in range(operand.ndim))]
  if indexed:
    if indexed != list(range(len(indexed))):
      x = np.transpose(x, indexed + plain)
    y = x[tuple(_index_arrays(starts, slice_sizes, indexed, nb))]
    y = np.broadcast_to(y, batch_shape + y.shape[nb:])
  else:
    y = np.broadcast_to(x, batch_shape + x.shape)
  # y has axes (batch..., indexed dims..., plain dims...): drop the size-1 collapsed and
  # batching dims and move the window dims to offset_dims.
  order = indexed + plain
  dropped = set(dn.collapsed_slice_dims) | set(dn.operand_batching_dims)
  kept = [d for d in order if d not in dropped]
  y = y.reshape(batch_shape + tuple(slice_sizes[d] for d in kept))
  windows, batches = iter(sorted(kept)), iter(range(nb))
  perm = [nb + kept.index(next(windows)) if i in dn.offset_dims else next(batches)
          for i in range(len(out_shape))]
  if perm != sorted(perm):
    y = np.transpose(y, perm)
  if fill and in_bounds is not None:
    value = _default_fill(operand.dtype) if fill_value is None else fill_value
    mask = np.expand_dims(np.broadcast_to(in_bounds, batch_shape), tuple(dn.offset_dims))
    y = np.where(mask, y, np.asarray(value).astype(operand.dtype))
  return y


def _check_dims(op, name, dims, rank=None, ordered=True):
  if ordered and list(dims) != sorted(dims):
    raise TypeError(f"{name} in {op} op must be sorted; got {tuple(dims)}")
  if len(set(dims)) != len(dims):
    raise TypeError(f"{name} in {op} op must not repeat; got: {tuple(dims)}.")
  bad = [d for d in dims if rank is not None and not 0 <= d < rank]
  if bad:
    raise TypeError(f"Invalid {name} set in {op} op; valid range is [0, {rank}); got: {bad[0]}.")


def _check_common(op, operand, indices, inserted, inserted_name, index_map, index_map_name,
                  operand_batching, indices_batching, indices_batching_name):
  """The checks gather and scatter share (as XLA's shape inference makes them)."""
  if not dtypes.issubdtype(indices.dtype, np.integer):
    raise ValueError("indices must have an integer type")
  if indices.ndim < 1:
    raise TypeError(f"{op.capitalize()} index leaf dimension must be within [0, rank(indices) "
                    f"+ 1). rank(indices) is {indices.ndim} and {op} index leaf dimension is "
                    f"{indices.ndim - 1}.")
  if len(index_map) != indices.shape[-1]:
    raise TypeError(f"{op.capitalize()} op has {len(index_map)} elements in {index_map_name} "
                    f"and the bound of dimension index_vector_dim={indices.ndim - 1} of indices "
                    f"is {indices.shape[-1]}. These two numbers must be equal"
                    + ("." if op == "gather" else ""))
  for i, d in enumerate(index_map):
    if not 0 <= d < operand.ndim:
      prefix = "Invalid start_index_map; domain" if op == "gather" else \
          "Invalid scatter_dims_to_operand_dims mapping; domain"
      raise TypeError(f"{prefix} is [0, {operand.ndim}), got: {i}->{d}.")
  _check_dims(op, index_map_name, index_map, ordered=False)
  _check_dims(op, inserted_name, inserted, operand.ndim)
  _check_dims(op, "operand_batching_dims", operand_batching, operand.ndim)
  for other, other_name in ((inserted, inserted_name), (index_map, index_map_name)):
    if set(other) & set(operand_batching):
      raise TypeError(f"{other_name} and operand_batching_dims in {op} op must be disjoint; "
                      f"got: {tuple(other)} and {tuple(operand_batching)}.")
  _check_dims(op, indices_batching_name, indices_batching, indices.ndim, ordered=False)
  if indices.ndim - 1 in indices_batching:
    raise TypeError(f"{op.capitalize()} op cannot have the index vector dimension as a "
                    f"batching dimension; got {tuple(indices_batching)}.")
  if len(operand_batching) != len(indices_batching):
    raise TypeError(f"{op.capitalize()} op requires equal numbers of operand_batching_dims "
                    f"and {indices_batching_name}, got {tuple(operand_batching)} and "
                    f"{tuple(indices_batching)}.")
  op_shape = tuple(operand.shape[i] for i in operand_batching)
  idx_shape = tuple(indices.shape[i] for i in indices_batching)
  if op_shape != idx_shape:
    raise TypeError(f"{op.capitalize()} op requires operand batching dimensions and indices "
                    f"batching dimensions to have the same shape, got {op_shape} and "
                    f"{idx_shape}.")


def _gather_abstract_eval(operand, indices, *, dimension_numbers, slice_sizes,
                          unique_indices, indices_are_sorted, mode, fill_value):
  dn = dimension_numbers
  _check_common("gather", operand, indices, dn.collapsed_slice_dims, "collapsed_slice_dims",
                dn.start_index_map, "start_index_map", dn.operand_batching_dims,
                dn.start_indices_batching_dims, "start_indices_batching_dims")
  out_rank = len(dn.offset_dims) + indices.ndim - 1
  _check_dims("gather", "offset_dims", dn.offset_dims)
  for i, d in enumerate(dn.offset_dims):
    if not 0 <= d < out_rank:
      raise TypeError(f"Offset dimension {i} in gather op is out of bounds; got {d}, but "
                      f"should have been in [0, {out_rank})")
  if len(slice_sizes) != operand.ndim:
    raise TypeError(f"Gather op must have one slice size for every input dimension; got: "
                    f"len(slice_sizes)={len(slice_sizes)}, input_shape.rank={operand.ndim}")
  if len(slice_sizes) != (len(dn.offset_dims) + len(dn.collapsed_slice_dims)
                          + len(dn.operand_batching_dims)):
    raise TypeError("All components of the offset index in a gather op must either be a "
                    f"offset dimension or explicitly collapsed/batching; got len(slice_sizes)="
                    f"{len(slice_sizes)}, output_slice_sizes={tuple(dn.offset_dims)}, "
                    f"collapsed_slice_dims={tuple(dn.collapsed_slice_dims)}, "
                    f"operand_batching_dims={tuple(dn.operand_batching_dims)}.")
  for i, (s, d) in enumerate(zip(slice_sizes, operand.shape)):
    if indices.size and not 0 <= s <= d:
      raise TypeError(f"Slice size at index {i} in gather op is out of range, must be within "
                      f"[0, {d} + 1), got {s}.")
  for what, dims, limit in (("collapse slice dims with bound 1", dn.collapsed_slice_dims, 1),
                            ("have operand batching dims with bound 0/1",
                             dn.operand_batching_dims, 2)):
    for i, d in enumerate(dims):
      if slice_sizes[d] > 1 or limit == 1 and slice_sizes[d] != 1:
        raise TypeError(f"Gather op can only {what}, but bound is {slice_sizes[d]} for index "
                        f"{d} at position {i}.")
  return ShapedArray(_gather_out_shape(indices.shape, dn, slice_sizes), operand.dtype,
                     operand.weak_type)


gather_p.def_impl(_gather_impl)
gather_p.def_abstract_eval(_gather_abstract_eval)
gather_p.weak_type_rule = lambda flags, **_: flags[0]


def gather(operand, start_indices, dimension_numbers, slice_sizes, *, unique_indices=False,
           indices_are_sorted=False, mode=None, fill_value=None):
  """``lax.gather`` (XLA's Gather). ``mode`` defaults to PROMISE_IN_BOUNDS (windows clamped
  into range); under FILL_OR_DROP, windows partly out of bounds read ``fill_value`` (NaN,
  the smallest signed / largest unsigned integer or True by default)."""
  mode = GatherScatterMode.from_any(GatherScatterMode.PROMISE_IN_BOUNDS if mode is None
                                    else mode)
  if mode != GatherScatterMode.FILL_OR_DROP:
    fill_value = None
  elif fill_value is None:
    fill_value = _default_fill(_dtype(operand))
  return gather_p.bind(operand, start_indices,
                       dimension_numbers=_canon_dnums(GatherDimensionNumbers, dimension_numbers),
                       slice_sizes=as_tuple_of_ints("gather", slice_sizes, "slice_sizes"),
                       unique_indices=bool(unique_indices),
                       indices_are_sorted=bool(indices_are_sorted), mode=mode,
                       fill_value=fill_value)


def _gather_transpose(ct, operand, indices, *, dimension_numbers, slice_sizes, unique_indices,
                      indices_are_sorted, mode, fill_value):
  if type(ct) is Zero:
    return [None, None]
  dn = dimension_numbers
  sdn = ScatterDimensionNumbers(dn.offset_dims, dn.collapsed_slice_dims, dn.start_index_map,
                                dn.operand_batching_dims, dn.start_indices_batching_dims)
  zeros = shapes.full(operand.aval.shape, 0, _dtype(ct))
  return [scatter_add(zeros, indices, ct, sdn, unique_indices=unique_indices,
                      indices_are_sorted=indices_are_sorted, mode=mode), None]


def _shift(dims):
  return tuple(d + 1 for d in dims)


def _gather_batch(vals, dims, *, dimension_numbers, slice_sizes, unique_indices,
                  indices_are_sorted, mode, fill_value):
  (operand, indices), (o_dim, i_dim) = vals, dims
  dn = dimension_numbers
  flags = dict(unique_indices=unique_indices, indices_are_sorted=indices_are_sorted)
  if i_dim is None:  # the batch axis is one more window dimension, in front
    operand = batching.moveaxis(operand, o_dim, 0)
    slice_sizes = (_shape(operand)[0],) + tuple(slice_sizes)
    dn = GatherDimensionNumbers((0,) + _shift(dn.offset_dims), _shift(dn.collapsed_slice_dims),
                                _shift(dn.start_index_map), _shift(dn.operand_batching_dims),
                                dn.start_indices_batching_dims)
  elif o_dim is None:  # one more batch dimension of the indices
    indices = batching.moveaxis(indices, i_dim, 0)
    dn = dn._replace(offset_dims=_shift(dn.offset_dims),
                     start_indices_batching_dims=_shift(dn.start_indices_batching_dims))
    flags = dict(unique_indices=False, indices_are_sorted=False)
  else:  # both batched: pair the two batch axes up as batching dimensions
    operand = batching.moveaxis(operand, o_dim, 0)
    indices = batching.moveaxis(indices, i_dim, 0)
    slice_sizes = (min(_shape(operand)[0], 1),) + tuple(slice_sizes)
    dn = GatherDimensionNumbers(_shift(dn.offset_dims), _shift(dn.collapsed_slice_dims),
                                _shift(dn.start_index_map), (0,) + _shift(dn.operand_batching_dims),
                                (0,) + _shift(dn.start_indices_batching_dims))
  return gather_p.bind(operand, indices, dimension_numbers=dn, slice_sizes=tuple(slice_sizes),
                       mode=mode, fill_value=fill_value, **flags), 0


ad.defjvp(gather_p, lambda g, operand, indices, *, dimension_numbers, slice_sizes, mode, **kw:
          gather(g, indices, dimension_numbers, slice_sizes, mode=mode, fill_value=0,
                 unique_indices=kw["unique_indices"],
                 indices_are_sorted=kw["indices_are_sorted"]), None)
ad.primitive_transposes[gather_p] = _gather_transpose
batching.primitive_batchers[gather_p] = _gather_batch


def _gather_expr(args, in_avals, out_avals, *, dimension_numbers, slice_sizes, mode, **_):
  """Generated code for the gather of ``x[int_array]`` and ``jnp.take``: one ``np.take``."""
  dn, (operand, indices) = dimension_numbers, in_avals
  nb = indices.ndim - 1
  if len(dn.start_index_map) != 1 or dn.collapsed_slice_dims != dn.start_index_map or \
      dn.operand_batching_dims or nb == 0 or mode == GatherScatterMode.FILL_OR_DROP:
    return None
  d = dn.start_index_map[0]
  full = tuple(1 if i == d else s for i, s in enumerate(operand.shape))
  if tuple(slice_sizes) != full or operand.shape[d] == 0 or \
      tuple(dn.offset_dims) != tuple(range(d)) + tuple(range(d + nb, nb + operand.ndim - 1)):
    return None
  return f"np.take({args[0]}, np.clip({args[1]}[..., 0], 0, {operand.shape[d] - 1}), axis={d})"


defexpr(gather_p, _gather_expr, with_avals=True)


# The scatters live in their own module, which builds on the kernel and gather above; it is
# imported here so that gather's transpose and jax.lax find them.
from jaxlite._src.lax.scatter import *  # noqa: E402,F401,F403
from jaxlite._src.lax.scatter import _scatter_batch  # noqa: E402
