"""``lax.associative_scan``: a parallel prefix scan (Blelloch) for an associative ``fn``.

Each level combines neighbouring pairs, scans the half-length result recursively, then
fills in the remaining positions and interleaves the two: O(log n) levels of vectorized
work instead of a length-n loop."""
from __future__ import annotations

from jaxlite._src import core
from jaxlite._src import tree_util


def associative_scan(fn, elems, reverse=False, axis=0):
  """Inclusive prefix scan of ``elems`` (pytree) along ``axis`` with associative ``fn``."""
  from jaxlite._src.lax import lax
  flat, tree = tree_util.tree_flatten(elems)
  flat = [core.to_array(x) for x in flat]
  if not flat:
    return elems
  ndim = len(core.get_aval(flat[0]).shape)
  axis = axis % ndim if ndim else 0
  lengths = {core.get_aval(x).shape[axis] for x in flat}
  if len(lengths) != 1:
    raise ValueError("Array inputs to associative_scan must have the same first dimension. "
                     f"(saw: {[core.get_aval(x).shape for x in flat]})")
  if reverse:
    flat = [lax.rev(x, (axis,)) for x in flat]

  def combine(a, b):
    out = fn(tree_util.tree_unflatten(tree, a), tree_util.tree_unflatten(tree, b))
    out_flat, out_tree = tree_util.tree_flatten(out)
    if out_tree != tree:
      raise ValueError("associative_scan: fn must return a pytree with the structure of its "
                       f"inputs, got {out_tree} for {tree}.")
    return out_flat

  def sl(x, start, stop=None, stride=1):
    n = core.get_aval(x).shape[axis]
    stop = n if stop is None else (stop if stop >= 0 else n + stop)
    return lax.slice_in_dim(x, start, stop, stride, axis)

  def scan(xs):
    n = core.get_aval(xs[0]).shape[axis]
    if n < 2:
      return xs
    # Pairs (0,1), (2,3), ...: their combination is the scan at every odd position.
    odd = scan(combine([sl(x, 0, -1, 2) for x in xs], [sl(x, 1, None, 2) for x in xs]))
    # Even positions after the first: the odd result before them combined with the element.
    if n % 2 == 0:
      even = combine([sl(x, 0, -1) for x in odd], [sl(x, 2, None, 2) for x in xs])
    else:
      even = combine(odd, [sl(x, 2, None, 2) for x in xs])
    even = [lax.concatenate([sl(x, 0, 1), e], axis) for x, e in zip(xs, even)]
    return [_interleave(e, o, axis) for e, o in zip(even, odd)]

  out = scan(flat)
  if reverse:
    out = [lax.rev(x, (axis,)) for x in out]
  return tree_util.tree_unflatten(tree, out)


def _interleave(a, b, axis):
  """a[0], b[0], a[1], b[1], ... where len(a) is len(b) or len(b) + 1."""
  from jaxlite._src import dtypes
  from jaxlite._src.lax import lax
  na = core.get_aval(a).shape[axis]
  nb = core.get_aval(b).shape[axis]
  nd = len(core.get_aval(a).shape)
  zero = lax.full((), 0, core.get_aval(a).dtype)

  def cfg(lo, hi):
    return [(lo, hi, 1) if d == axis else (0, 0, 0) for d in range(nd)]

  a_pad = lax.pad(a, zero, cfg(0, 1 if na == nb else 0))
  b_pad = lax.pad(b, zero, cfg(1, 0 if na == nb else 1))
  if dtypes.is_bool(core.get_aval(a).dtype):
    return lax.bitwise_or(a_pad, b_pad)
  return lax.add(a_pad, b_pad)
