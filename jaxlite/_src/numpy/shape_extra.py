"""Arranging arrays: moveaxis, swapaxes, atleast_*d, stacking, splitting, tile, repeat,
flips, roll, rot90."""
from __future__ import annotations

import builtins
import operator

import numpy as np

from jaxlite._src import core
from jaxlite._src.lax import lax
from jaxlite._src.numpy import util
from jaxlite._src.numpy.creation import asarray
from jaxlite._src.numpy.shape_ops import concatenate, reshape, transpose

__all__ = ["moveaxis", "swapaxes", "rollaxis", "atleast_1d", "atleast_2d", "atleast_3d",
           "hstack", "vstack", "dstack", "column_stack", "row_stack", "split", "array_split",
           "hsplit", "vsplit", "dsplit", "tile", "repeat", "flip", "fliplr", "flipud", "roll",
           "rot90", "resize", "append", "insert", "delete", "trim_zeros", "unstack", "permute_dims",
           "concat"]


def _static_int(x, what):
  return core.concrete_or_error(operator.index, x, what)


def moveaxis(a, source, destination):
  a = asarray(a)
  src = util.canonicalize_axes(source if isinstance(source, (tuple, list)) else [source], a.ndim,
                               "jnp.moveaxis")
  dst = util.canonicalize_axes(destination if isinstance(destination, (tuple, list))
                               else [destination], a.ndim, "jnp.moveaxis")
  if len(src) != len(dst):
    raise ValueError("Inconsistent number of elements: "
                     f"{len(src)} vs {len(dst)}")
  perm = [i for i in range(a.ndim) if i not in src]
  for d, s in sorted(zip(dst, src)):
    perm.insert(d, s)
  return lax.transpose(a, tuple(perm))


def swapaxes(a, axis1, axis2):
  a = asarray(a)
  perm = list(range(a.ndim))
  i = util.canonicalize_axis(axis1, a.ndim, "jnp.swapaxes")
  j = util.canonicalize_axis(axis2, a.ndim, "jnp.swapaxes")
  perm[i], perm[j] = perm[j], perm[i]
  return lax.transpose(a, tuple(perm))


def rollaxis(a, axis, start=0):
  a = asarray(a)
  axis = util.canonicalize_axis(axis, a.ndim)
  start = start % (a.ndim + 1) if start < 0 else start
  if axis < start:
    start -= 1
  return moveaxis(a, axis, start)


def permute_dims(a, /, axes):
  return transpose(a, axes)


def _atleast(nd, front):
  def fn(*arys):
    out = []
    for x in arys:
      x = asarray(x)
      while x.ndim < nd:
        x = lax.expand_dims(x, front(x.ndim))
      out.append(x)
    return out[0] if len(out) == 1 else out
  return fn


atleast_1d = _atleast(1, lambda nd: (0,))
atleast_2d = _atleast(2, lambda nd: (0,))


def atleast_3d(*arys):
  out = []
  for x in arys:
    x = asarray(x)
    if x.ndim == 0:
      x = reshape(x, (1, 1, 1))
    elif x.ndim == 1:
      x = reshape(x, (1, x.shape[0], 1))
    elif x.ndim == 2:
      x = lax.expand_dims(x, (2,))
    out.append(x)
  return out[0] if len(out) == 1 else out


def hstack(tup, dtype=None):
  arrs = [atleast_1d(a) for a in tup]
  return concatenate(arrs, axis=0 if arrs[0].ndim == 1 else 1, dtype=dtype)


def vstack(tup, dtype=None):
  return concatenate([atleast_2d(a) for a in tup], axis=0, dtype=dtype)


row_stack = vstack


def dstack(tup, dtype=None):
  return concatenate([atleast_3d(a) for a in tup], axis=2, dtype=dtype)


def column_stack(tup):
  arrs = []
  for a in tup:
    a = asarray(a)
    arrs.append(reshape(a, (-1, 1)) if a.ndim < 2 else a)  # scalars become (1, 1)
  return concatenate(arrs, axis=1)


def concat(arrays, /, *, axis=0):
  return concatenate(arrays, axis=axis)


def unstack(x, /, *, axis=0):
  x = asarray(x)
  axis = util.canonicalize_axis(axis, x.ndim)
  return tuple(lax.index_in_dim(x, i, axis, keepdims=False) for i in range(x.shape[axis]))


def _split_points(n, indices_or_sections, exact, fun_name):
  if isinstance(indices_or_sections, (int, np.integer)) or (
      hasattr(indices_or_sections, "__index__") and not hasattr(indices_or_sections, "__len__")):
    sections = _static_int(indices_or_sections, f"The sections argument of jnp.{fun_name}")
    if sections <= 0:
      raise ValueError("number sections must be larger than 0.")
    if exact and n % sections:
      raise ValueError("array split does not result in an equal division")
    base, extra = divmod(n, sections)
    sizes = [base + 1] * extra + [base] * (sections - extra)
    return list(np.cumsum([0] + sizes))
  points = [_static_int(i, f"The indices argument of jnp.{fun_name}")
            for i in np.asarray(indices_or_sections).tolist()]
  points = [min(max(p if p >= 0 else p + n, 0), n) for p in points]
  return [0] + points + [n]


def _split(ary, indices_or_sections, axis, exact, fun_name):
  ary = asarray(ary)
  axis = util.canonicalize_axis(axis, ary.ndim, f"jnp.{fun_name}")
  n = ary.shape[axis]
  points = _split_points(n, indices_or_sections, exact, fun_name)
  return [lax.slice_in_dim(ary, lo, max(lo, hi), 1, axis) for lo, hi in zip(points[:-1],
                                                                            points[1:])]


def split(ary, indices_or_sections, axis=0):
  return _split(ary, indices_or_sections, axis, True, "split")


def array_split(ary, indices_or_sections, axis=0):
  return _split(ary, indices_or_sections, axis, False, "array_split")


def hsplit(ary, indices_or_sections):
  ary = asarray(ary)
  return split(ary, indices_or_sections, axis=0 if ary.ndim == 1 else 1)


def vsplit(ary, indices_or_sections):
  return split(ary, indices_or_sections, axis=0)


def dsplit(ary, indices_or_sections):
  return split(ary, indices_or_sections, axis=2)


def tile(A, reps):
  A = asarray(A)
  reps = (reps,) if isinstance(reps, int) else tuple(
      _static_int(r, "The reps argument of jnp.tile") for r in reps)
  nd = builtins.max(A.ndim, len(reps))
  reps = (1,) * (nd - len(reps)) + reps
  A = reshape(A, (1,) * (nd - A.ndim) + A.shape)
  # Broadcast each axis into (reps, size) and merge: one broadcast and one reshape.
  expanded = []
  dims = []
  for i, (r, s) in enumerate(zip(reps, A.shape)):
    expanded += [r, s]
    dims.append(2 * i + 1)
  out = lax.broadcast_in_dim(A, tuple(expanded), tuple(dims))
  return reshape(out, tuple(r * s for r, s in zip(reps, A.shape)))


def repeat(a, repeats, axis=None, *, total_repeat_length=None):
  """Repeat elements; array-valued ``repeats`` need ``total_repeat_length`` under jit."""
  a = asarray(a)
  if axis is None:
    a = a.ravel() if hasattr(a, "ravel") else reshape(a, (-1,))
    axis = 0
  axis = util.canonicalize_axis(axis, a.ndim, "jnp.repeat")
  n = a.shape[axis]
  rep_value = core.concrete_value(repeats) if not isinstance(repeats, core.Tracer) else \
      repeats.to_concrete_value()
  if rep_value is not None and np.ndim(rep_value) == 0:
    r = int(np.asarray(rep_value))
    shape = list(a.shape)
    out = lax.broadcast_in_dim(a, tuple(shape[:axis + 1]) + (r,) + tuple(shape[axis + 1:]),
                               tuple(range(axis + 1)) + tuple(range(axis + 2, a.ndim + 1)))
    shape[axis] = n * r
    out = reshape(out, tuple(shape))
    if total_repeat_length is not None:
      out = _fit_length(out, total_repeat_length, axis)
    return out
  if rep_value is not None:
    counts = np.broadcast_to(np.asarray(rep_value), (n,))
    idx = np.repeat(np.arange(n), counts)
    if total_repeat_length is not None:
      idx = np.resize(idx, (total_repeat_length,)) if len(idx) else idx
      idx = np.concatenate([idx, np.full(max(total_repeat_length - len(idx), 0),
                                         idx[-1] if len(idx) else 0)])[:total_repeat_length]
    from jaxlite._src.numpy.indexing import take
    return take(a, asarray(idx.astype(np.int32)), axis=axis)
  if total_repeat_length is None:
    raise core.errors.ConcretizationTypeError(
        repeats, "jnp.repeat with a traced `repeats` array needs total_repeat_length= to "
                 "know the output size.")
  # Traced counts: output position j takes the element whose cumulative count passes j.
  from jaxlite._src.numpy.sorting import searchsorted
  from jaxlite._src.numpy.reductions_extra import cumsum
  from jaxlite._src.numpy.indexing import take
  ends = cumsum(lax.broadcast_in_dim(asarray(repeats), (n,), () if np.ndim(repeats) == 0
                                     else (0,)))
  pos = lax.iota(np.int32, total_repeat_length)
  idx = searchsorted(ends, pos, side="right")
  idx = lax.min(idx, np.int32(n - 1))
  return take(a, idx, axis=axis)


def _fit_length(out, length, axis):
  n = out.shape[axis]
  if n >= length:
    return lax.slice_in_dim(out, 0, length, 1, axis)
  last = lax.slice_in_dim(out, n - 1, n, 1, axis)
  reps = [1] * out.ndim
  reps[axis] = length - n
  return concatenate([out, tile(last, reps)], axis=axis)


def flip(m, axis=None):
  m = asarray(m)
  axes = util.canonicalize_axes(axis, m.ndim, "jnp.flip")
  return lax.rev(m, axes) if axes else m


def fliplr(m):
  return flip(m, 1)


def flipud(m):
  return flip(m, 0)


def roll(a, shift, axis=None):
  a = asarray(a)
  if axis is None:
    return reshape(roll(a.ravel() if hasattr(a, "ravel") else reshape(a, (-1,)), shift, 0),
                   a.shape)
  shifts = (shift,) if not isinstance(shift, (tuple, list)) else tuple(shift)
  axes = (axis,) if not isinstance(axis, (tuple, list)) else tuple(axis)
  if len(shifts) == 1:
    shifts = shifts * len(axes)
  if len(axes) == 1:
    axes = axes * len(shifts)
  if len(shifts) != len(axes):
    raise ValueError(f"shift and axis must broadcast together, got {len(shifts)} shifts for "
                     f"{len(axes)} axes")
  for s, ax in zip(shifts, axes):
    ax = util.canonicalize_axis(ax, a.ndim, "jnp.roll")
    n = a.shape[ax]
    if n == 0:
      continue
    sv = core.concrete_value(s) if not isinstance(s, core.Tracer) else s.to_concrete_value()
    if sv is not None:
      k = int(np.asarray(sv)) % n
      if k:
        a = concatenate([lax.slice_in_dim(a, n - k, n, 1, ax),
                         lax.slice_in_dim(a, 0, n - k, 1, ax)], axis=ax)
    else:
      # Traced shift: take from a doubled array at a dynamic offset.
      doubled = concatenate([a, a], axis=ax)
      start = lax.rem(lax.sub(np.int32(n), lax.rem(lax.convert_element_type(s, np.int32),
                                                   np.int32(n))), np.int32(n))
      a = lax.dynamic_slice_in_dim(doubled, start, n, ax)
  return a


def rot90(m, k=1, axes=(0, 1)):
  m = asarray(m)
  ax1, ax2 = (util.canonicalize_axis(x, m.ndim, "jnp.rot90") for x in axes)
  if ax1 == ax2:
    raise ValueError("Axes must be different")
  k = k % 4
  if k == 0:
    return m
  if k == 2:
    return flip(flip(m, ax1), ax2)
  perm = list(range(m.ndim))
  perm[ax1], perm[ax2] = perm[ax2], perm[ax1]
  if k == 1:
    return transpose(flip(m, ax2), perm)
  return flip(transpose(m, perm), ax2)


def resize(a, new_shape):
  a = asarray(a)
  new_shape = (new_shape,) if isinstance(new_shape, int) else tuple(new_shape)
  total = int(np.prod(new_shape, dtype=np.int64))
  flat = reshape(a, (-1,))
  if flat.shape[0] == 0:
    return lax.full(new_shape, 0, a.dtype)
  reps = -(-total // flat.shape[0])
  return reshape(lax.slice_in_dim(tile(flat, reps), 0, total, 1, 0), new_shape)


def append(arr, values, axis=None):
  if axis is None:
    return concatenate([reshape(asarray(arr), (-1,)), reshape(asarray(values), (-1,))])
  return concatenate([asarray(arr), asarray(values)], axis=axis)


def delete(arr, obj, axis=None):
  arr = asarray(arr)
  if axis is None:
    arr = reshape(arr, (-1,))
    axis = 0
  axis = util.canonicalize_axis(axis, arr.ndim, "jnp.delete")
  n = arr.shape[axis]
  if isinstance(obj, builtins.slice):
    drop = np.arange(n)[obj]
  else:
    value = core.concrete_or_error(np.asarray, obj, "The obj argument of jnp.delete")
    drop = np.asarray(value).reshape(-1)
    if drop.dtype == np.bool_:
      drop = np.nonzero(drop)[0]
  keep = np.setdiff1d(np.arange(n), np.asarray(drop) % n if n else drop)
  from jaxlite._src.numpy.indexing import take
  return take(arr, asarray(keep.astype(np.int32)), axis=axis)


def insert(arr, obj, values, axis=None):
  arr = asarray(arr)
  if axis is None:
    arr = reshape(arr, (-1,))
    axis = 0
  axis = util.canonicalize_axis(axis, arr.ndim, "jnp.insert")
  n = arr.shape[axis]
  idx = core.concrete_or_error(np.asarray, obj, "The obj argument of jnp.insert")
  idx = np.asarray(idx)
  scalar = idx.ndim == 0
  idx = np.where(idx.reshape(-1) < 0, idx.reshape(-1) + n, idx.reshape(-1))
  values = asarray(values, dtype=arr.dtype)
  if scalar:
    values = lax.expand_dims(values, (axis,)) if values.ndim == arr.ndim - 1 else values
  k = values.shape[axis] if values.ndim == arr.ndim else len(idx)
  target_shape = list(arr.shape)
  target_shape[axis] = k if not scalar else values.shape[axis] if values.ndim == arr.ndim else 1
  from jaxlite._src.numpy.shape_ops import broadcast_to
  values = broadcast_to(values, tuple(target_shape))
  pos = np.repeat(idx, target_shape[axis] // len(idx)) if not scalar else \
      np.full(target_shape[axis], idx[0])
  # Inserted values go before the existing element at their index: keys 2i+1 vs 2*pos.
  order = np.argsort(np.concatenate([2 * np.arange(n) + 1, 2 * pos]), kind="stable")
  merged = concatenate([arr, values], axis=axis)
  from jaxlite._src.numpy.indexing import take
  return take(merged, asarray(order.astype(np.int32)), axis=axis)


def trim_zeros(filt, trim="fb"):
  value = np.asarray(core.concrete_or_error(np.asarray, filt, "jnp.trim_zeros"))
  nz = np.nonzero(value)[0]
  if nz.size == 0:
    return asarray(value[:0])
  start = nz[0] if "f" in trim.lower() else 0
  stop = nz[-1] + 1 if "b" in trim.lower() else len(value)
  return asarray(filt)[start:stop]
