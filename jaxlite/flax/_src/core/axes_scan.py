"""``lax.scan`` with vmap-style ``in_axes``/``out_axes`` and loop-invariant outputs."""
import jaxlite
import jaxlite.numpy as jnp
from jaxlite import lax

__all__ = ["broadcast", "scan"]


class _Broadcast:
  def __repr__(self):
    return "broadcast"


# An axis marker: the value is the same in every iteration (not scanned).
broadcast = _Broadcast()


def _tree_map(fn, *trees):
  return jaxlite.tree_util.tree_map(fn, *trees, is_leaf=lambda x: x is None)


def scan(fn, in_axes, out_axes, length=None, reverse=False, unroll=1):
  """``fn(broadcast_in, carry, *xs) -> (broadcast_out, carry, ys)`` as a scan.

  ``broadcast_out`` (e.g. parameters created in the body) must not depend on the
  carry or the scanned values: the body runs once on the first iteration's inputs to
  produce it, and the loop then runs with it as ``broadcast_in``. Outputs whose
  ``out_axes`` is ``broadcast`` come from that first run as well.
  """

  def to_front(ax, xs):
    if ax is broadcast:
      return ()
    if ax == 0:
      return xs
    return jaxlite.tree_util.tree_map(lambda x: jnp.moveaxis(x, ax, 0), xs)

  def from_front(ax, xs):
    if ax is broadcast:
      return ()
    if ax == 0:
      return xs
    return jaxlite.tree_util.tree_map(lambda x: jnp.moveaxis(x, 0, ax), xs)

  def scan_fn(broadcast_in, init, *args):
    xs = _tree_map(to_front, in_axes, args)

    def body_fn(c, xs, init_mode=False):
      xs = _tree_map(lambda ax, arg, x: arg if ax is broadcast else x, in_axes, args, xs)
      broadcast_out, c, ys = fn(broadcast_in, c, *xs)
      if init_mode:
        return broadcast_out, _tree_map(lambda ax, y: y if ax is broadcast else (),
                                        out_axes, ys)
      return c, _tree_map(lambda ax, y: () if ax is broadcast else y, out_axes, ys)

    # The loop-invariant outputs come from one run of the body on the first slice;
    # body_fn reads ``broadcast_in`` late, so the loop below sees the new value.
    first = jaxlite.tree_util.tree_map(lambda x: x[-1] if reverse else x[0], xs)
    broadcast_in, constants_out = body_fn(init, first, init_mode=True)
    c, ys = lax.scan(body_fn, init, xs, length=length, reverse=reverse, unroll=unroll)
    ys = _tree_map(from_front, out_axes, ys)
    ys = _tree_map(lambda ax, const, y: const if ax is broadcast else y,
                   out_axes, constants_out, ys)
    return broadcast_in, c, ys

  return scan_fn
