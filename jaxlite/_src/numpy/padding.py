"""``jnp.pad`` in all of NumPy's modes, built from lax.pad, slices, reversals and
concatenation (so it traces and differentiates). Axes are padded one after another, so the
corners come from the later axes, as in NumPy."""
from __future__ import annotations

import numpy as np

from jaxlite._src import core
from jaxlite._src import dtypes
from jaxlite._src.core import Tracer
from jaxlite._src.lax import lax
from jaxlite._src.numpy import reductions, ufuncs, util
from jaxlite._src.numpy.creation import asarray

__all__ = ["pad"]

_MODE_KWARGS = {
    "constant": {"constant_values"}, "edge": set(), "empty": set(), "wrap": set(),
    "reflect": {"reflect_type"}, "symmetric": {"reflect_type"}, "linear_ramp": {"end_values"},
    "maximum": {"stat_length"}, "mean": {"stat_length"}, "median": {"stat_length"},
    "minimum": {"stat_length"},
}


def _pairs(value, nd, name):
  """``value`` (scalar, (v,), (before, after), ((before, after),) or one pair per axis) as
  ``nd`` (before, after) pairs of NumPy scalars."""
  value = np.asarray(value)
  if value.shape in ((), (1,), (2,), (1, 2)):
    return [tuple(np.broadcast_to(value.reshape(-1) if value.ndim else value, (2,)))] * nd
  if value.shape == (nd, 2):
    return [tuple(row) for row in value]
  raise ValueError(f"jnp.pad: {name} with nd={nd} has unsupported shape {value.shape}. Valid "
                   f"shapes are ({nd}, 2), (1, 2), (2,), (1,), or ().")


def _pad_widths(pad_width, nd):
  widths = core.concrete_or_error(np.asarray, pad_width, "pad_width argument of jnp.pad")
  if widths.size and not (dtypes.is_integer(widths.dtype) or widths.dtype == np.bool_):
    raise TypeError("`pad_width` must be of integral type.")
  pairs = [(int(b), int(a)) for b, a in _pairs(widths, nd, "pad_width")]
  if any(b < 0 or a < 0 for b, a in pairs):
    raise ValueError("index can't contain negative values")
  return pairs


def _value_pairs(value, nd, name):
  """Like _pairs, but a traced or Array scalar stays as it is (it may be traced)."""
  if isinstance(value, Tracer) or (hasattr(value, "aval") and np.ndim(value) == 0):
    return [(value, value)] * nd
  return _pairs(value, nd, name)


def _all_same(values):
  first = values[0]
  if any(isinstance(v, Tracer) or hasattr(v, "aval") for v in values):
    return all(v is first for v in values)
  return all(np.array_equal(v, first) for v in values)


def _take(x, start, stop, axis):
  return lax.slice_in_dim(x, start, stop, axis=axis)


def _repeat(piece, count, axis):
  """``piece`` (size 1 along ``axis``) repeated ``count`` times along it."""
  shape = list(piece.shape)
  shape[axis] = count
  return lax.broadcast_in_dim(piece, tuple(shape), tuple(range(piece.ndim)))


def _join(parts, axis):
  parts = [p for p in parts if p.shape[axis]]
  return parts[0] if len(parts) == 1 else lax.concatenate(parts, axis)


# ---------------------------------------------------------------------------
# Modes, one axis at a time

def _constant(x, axis, before, after, values):
  lo, hi = values
  for amount, value, at_end in ((before, lo, False), (after, hi, True)):
    if amount:
      config = [(0, 0, 0)] * x.ndim
      config[axis] = (0, amount, 0) if at_end else (amount, 0, 0)
      x = lax.pad(x, util.convert_to(asarray(value), x.dtype, False), tuple(config))
  return x


def _edge(x, axis, before, after):
  n = x.shape[axis]
  return _join([_repeat(_take(x, 0, 1, axis), before, axis), x,
                _repeat(_take(x, n - 1, n, axis), after, axis)], axis)


def _wrap(x, axis, before, after):
  """Periodic continuation: whole copies of the axis, then the partial ends."""
  n = x.shape[axis]
  parts = []
  if before % n:
    parts.append(_take(x, n - before % n, n, axis))
  parts += [x] * (before // n + 1 + after // n)
  if after % n:
    parts.append(_take(x, 0, after % n, axis))
  return _join(parts, axis)


def _reflect(x, axis, before, after, symmetric, odd):
  """Mirror images of the (growing) array, at most one axis length at a time, as NumPy
  builds them; 'odd' reflects about the edge value instead of copying."""
  while before or after:
    n = x.shape[axis]
    chunk = n if symmetric else n - 1
    if chunk == 0:  # a single entry mirrors onto itself
      return _edge(x, axis, before, after)
    b, a = min(before, chunk), min(after, chunk)
    skip = 0 if symmetric else 1
    left = lax.rev(_take(x, skip, skip + b, axis), (axis,))
    right = lax.rev(_take(x, n - skip - a, n - skip, axis), (axis,))
    if odd:
      two = np.array(2, x.dtype)
      if b:
        left = lax.sub(_repeat(lax.mul(two, _take(x, 0, 1, axis)), b, axis), left)
      if a:
        right = lax.sub(_repeat(lax.mul(two, _take(x, n - 1, n, axis)), a, axis), right)
    x = _join([left, x, right], axis)
    before, after = before - b, after - a
  return x


def _ramp(edge, end, count, axis, dt):
  """``count`` points from ``end`` towards ``edge`` (excluded), JAX's linspace formula."""
  step = lax.div(lax.iota(dt, count), np.array(count, dt))
  shape = [1] * edge.ndim
  shape[axis] = count
  step = lax.reshape(step, tuple(shape))
  start = util.convert_to(asarray(end), dt, False)
  one = np.ones((), dt)
  return ufuncs.add(lax.mul(start, lax.sub(one, step)), ufuncs.multiply(edge, step))


def _linear_ramp(x, axis, before, after, ends):
  n = x.shape[axis]
  dt = dtypes.to_inexact_dtype(x.dtype)

  def to_x(ramp):
    if not dtypes.is_inexact(x.dtype) and x.dtype != np.bool_:
      ramp = lax.floor(ramp)
    return lax.convert_element_type(ramp, x.dtype)

  parts = [x]
  if before:
    edge = lax.convert_element_type(_take(x, 0, 1, axis), dt)
    parts.insert(0, to_x(_ramp(edge, ends[0], before, axis, dt)))
  if after:
    edge = lax.convert_element_type(_take(x, n - 1, n, axis), dt)
    parts.append(lax.rev(to_x(_ramp(edge, ends[1], after, axis, dt)), (axis,)))
  return _join(parts, axis)


def _stat_fn(mode):
  def stat(piece, axis):
    if mode == "maximum":
      return reductions.max(piece, axis=axis, keepdims=True)
    if mode == "minimum":
      return reductions.min(piece, axis=axis, keepdims=True)
    from jaxlite._src.numpy import reductions_extra
    fn = reductions.mean if mode == "mean" else reductions_extra.median
    value = fn(piece, axis=axis, keepdims=True)
    if not dtypes.is_inexact(piece.dtype):
      value = lax.convert_element_type(lax.round(value, lax.RoundingMethod.TO_NEAREST_EVEN),
                                       piece.dtype)
    return value
  return stat


def _stat(x, axis, before, after, lengths, mode):
  n = x.shape[axis]
  stat = _stat_fn(mode)
  lo_len, hi_len = (n if v is None else min(int(v), n) for v in lengths)
  if (before and lo_len == 0) or (after and hi_len == 0):
    raise ValueError("stat_length of 0 yields no value for padding")
  parts = [x]
  if before:
    parts.insert(0, _repeat(stat(_take(x, 0, lo_len, axis), axis), before, axis))
  if after:
    parts.append(_repeat(stat(_take(x, n - hi_len, n, axis), axis), after, axis))
  return _join(parts, axis)


def _callable(x, widths, func, kwargs):
  """NumPy's callable mode: ``func(vector, (before, after), axis, kwargs)`` on every 1-D
  slice of the zero-padded array, one axis after another."""
  from jaxlite._src.api import vmap
  for axis, (b, a) in enumerate(widths):
    x = _constant(x, axis, b, a, (0, 0))
  for axis, width in enumerate(widths):
    perm = tuple(i for i in range(x.ndim) if i != axis) + (axis,)
    moved = lax.transpose(x, perm)
    rows = lax.reshape(moved, (int(np.prod(moved.shape[:-1], dtype=np.int64)), moved.shape[-1]))
    out = vmap(lambda v, axis=axis, width=width: func(v, width, axis, kwargs))(rows)
    out = lax.reshape(asarray(out), moved.shape)
    x = lax.transpose(out, tuple(int(i) for i in np.argsort(perm)))
  return x


# ---------------------------------------------------------------------------

def pad(array, pad_width, mode="constant", **kwargs):
  """Pad ``array`` by ``pad_width`` ((before, after) per axis, or broadcast from fewer)."""
  util.check_arraylike("pad", array)
  x = asarray(array)
  nd = x.ndim
  widths = _pad_widths(pad_width, nd)
  if callable(mode):
    return _callable(x, widths, mode, kwargs)
  if mode not in _MODE_KWARGS:
    raise NotImplementedError(f"Unimplemented padding mode '{mode}' for np.pad.")
  unsupported = set(kwargs) - _MODE_KWARGS[mode]
  if unsupported:
    raise ValueError(f"unsupported keyword arguments for mode '{mode}': {unsupported}")
  if nd == 0:
    return x
  if mode in ("constant", "empty"):
    values = _value_pairs(kwargs.get("constant_values", 0), nd, "constant_values")
    if _all_same([v for pair in values for v in pair]):
      # One padding value everywhere: a single lax.pad.
      value = util.convert_to(asarray(values[0][0]), x.dtype, False)
      return lax.pad(x, value, tuple((b, a, 0) for b, a in widths))
    for axis, ((b, a), pair) in enumerate(zip(widths, values)):
      x = _constant(x, axis, b, a, pair)
    return x
  reflect_type = kwargs.get("reflect_type", "even")
  if reflect_type not in ("even", "odd"):
    raise ValueError(f"reflect_type must be 'even' or 'odd', got {reflect_type!r}")
  ends = _value_pairs(kwargs.get("end_values", 0), nd, "end_values")
  lengths = _stat_lengths(kwargs.get("stat_length"), nd)
  for axis, (b, a) in enumerate(widths):
    if not (b or a):
      continue
    if x.shape[axis] == 0:
      raise ValueError(f"Cannot apply '{mode}' padding to empty axis")
    if mode == "edge":
      x = _edge(x, axis, b, a)
    elif mode == "wrap":
      x = _wrap(x, axis, b, a)
    elif mode in ("reflect", "symmetric"):
      x = _reflect(x, axis, b, a, mode == "symmetric", reflect_type == "odd")
    elif mode == "linear_ramp":
      x = _linear_ramp(x, axis, b, a, ends[axis])
    else:
      x = _stat(x, axis, b, a, lengths[axis], mode)
  return x


def _stat_lengths(stat_length, nd):
  if stat_length is None:
    return [(None, None)] * nd
  lengths = core.concrete_or_error(np.asarray, stat_length, "stat_length argument of jnp.pad")
  return _pairs(lengths, nd, "stat_length")
