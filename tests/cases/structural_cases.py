"""Sweep cases for the structural primitives: rev, pad, concatenate, split, sort, top_k,
argmax/argmin and the cumulative reductions."""
import numpy as np

from jaxlite import lax
from cases import Case, args_of, rand

f32, i32 = np.float32, np.int32


def distinct(shape, dtype=f32):
  """Well-separated values in random order: no ties, so sort-like ops are smooth."""
  def make(rng):
    n = int(np.prod(shape))
    return (rng.permutation(n) * 0.37 - 0.5 * n * 0.37).reshape(shape).astype(dtype)
  return make


def away_from_zero(shape):
  def make(rng):
    mag = rng.uniform(0.5, 1.5, shape)
    return (mag * rng.choice([-1.0, 1.0], shape)).astype(f32)
  return make


CASES = [
    # rev
    Case("rev", lambda x: lax.rev(x, (0,)), args_of(rand((4,)))),
    Case("rev", lambda x: lax.rev(x, (2, 0)), args_of(rand((2, 3, 4))), name="two_dims"),
    Case("rev", lambda x: lax.rev(x, ()), args_of(rand((2, 3))), name="no_dims"),
    Case("rev", lambda x: lax.rev(x, (1,)), args_of(rand((2, 3), i32)), name="int", grad=False),
    # pad: operand and padding value both differentiable and both batched
    Case("pad", lambda x, v: lax.pad(x, v, [(1, 2, 0)]), args_of(rand((3,)), rand(()))),
    Case("pad", lambda x, v: lax.pad(x, v, [(1, 2, 1), (0, -1, 2)]),
         args_of(rand((3, 4)), rand(())), name="interior_negative"),
    Case("pad", lambda x, v: lax.pad(x, v, [(-2, -1, 1)]), args_of(rand((5,)), rand(())),
         name="crop_through_interior"),
    Case("pad", lambda x, v: lax.pad(x, v, [(0, 0, 0), (-3, 2, 0)]),
         args_of(rand((2, 3)), rand(())), name="crop_all_then_pad"),
    Case("pad", lambda x: lax.pad(x, np.float32(7), [(2, 0, 1)]), args_of(rand((3,))),
         name="const_value"),
    Case("pad", lambda x: lax.pad(x, np.array(False), [(1, 1, 1)]), args_of(rand((3,), np.bool_)),
         name="bool", grad=False),
    # concatenate and split
    Case("concatenate", lambda x, y: lax.concatenate([x, y], 0),
         args_of(rand((2, 3)), rand((4, 3)))),
    Case("concatenate", lambda x, y, z: lax.concatenate([x, y, z], 1),
         args_of(rand((2, 1)), rand((2, 3)), rand((2, 2))), name="three"),
    Case("concatenate", lambda x, y: lax.concatenate([x, y], 0),
         args_of(rand((2,)), rand((3,))), name="one_batched", vmap_argnums=(1,)),
    Case("concatenate", lambda x, y: lax.concatenate([x, lax.mul(y, y)], 0),
         args_of(rand((2,)), rand((0,))), name="empty_piece"),
    Case("split", lambda x: lax.split(x, (1, 3, 0), axis=1), args_of(rand((2, 4)))),
    Case("split", lambda x: lax.split(x, (2, 1)), args_of(rand((3,))), name="axis0"),
    # sort: values sorted along with keys; ints as keys; several keys
    Case("sort", lambda x: lax.sort(x), args_of(distinct((6,)))),
    Case("sort", lambda x: lax.sort(x, dimension=0), args_of(distinct((4, 3))), name="dim0"),
    Case("sort", lambda k, v: lax.sort((k, v), num_keys=1),
         args_of(distinct((3, 4)), rand((3, 4))), name="key_val"),
    # (check_grads cannot compare float0 tangents: integer outputs are left out when it runs)
    Case("sort", lambda k1, k2, v: lax.sort((k1, k2, v), num_keys=2)[1:],
         args_of(rand((2, 7), i32, 0, 3), distinct((2, 7)), rand((2, 7))), name="two_keys"),
    Case("sort", lambda x: lax.sort(x, is_stable=False), args_of(rand((5,), i32, -3, 3)),
         name="int_unstable", grad=False),
    Case("sort", lambda k, v: lax.sort_key_val(k, v, dimension=0)[1],
         args_of(rand((5, 2), i32, 0, 3), rand((5, 2))), name="sort_key_val"),
    # top_k
    Case("top_k", lambda x: lax.top_k(x, 3)[0], args_of(distinct((6,)))),
    Case("top_k", lambda x: lax.top_k(x, 2, axis=0)[0], args_of(distinct((4, 3))), name="axis0"),
    Case("top_k", lambda x: lax.top_k(x, 4), args_of(rand((2, 5))), name="indices", grad=False),
    Case("top_k", lambda x: lax.top_k(x, 2), args_of(rand((3, 5), i32, -4, 4)), name="int",
         grad=False),
    # argmax and argmin
    Case("argmax", lambda x: lax.argmax(x, 1, np.int32), args_of(rand((3, 4))), grad=False),
    Case("argmax", lambda x: lax.argmax(x, 0, np.int16), args_of(rand((5, 2), i32, 0, 3)),
         name="int_ties", grad=False),
    Case("argmin", lambda x: lax.argmin(x, 0, np.int32), args_of(rand((3, 4))), grad=False),
    Case("argmin", lambda x: lax.argmin(x, 1, np.uint8), args_of(rand((2, 5), np.bool_)),
         name="bool", grad=False),
    # cumulative reductions
    Case("cumsum", lambda x: lax.cumsum(x), args_of(rand((5,)))),
    Case("cumsum", lambda x: lax.cumsum(x, axis=1, reverse=True), args_of(rand((2, 4))),
         name="reverse"),
    Case("cumsum", lambda x: lax.cumsum(x, axis=0), args_of(rand((4, 2), np.int8, -100, 100)),
         name="int8_wraps", grad=False),
    Case("cumprod", lambda x: lax.cumprod(x), args_of(away_from_zero((6,)))),
    Case("cumprod", lambda x: lax.cumprod(x, axis=1, reverse=True),
         args_of(away_from_zero((2, 5))), name="reverse"),
    Case("cumprod", lambda x: lax.cumprod(lax.mul(x, np.array([1, 0, 1, 1, 0], f32))),
         args_of(away_from_zero((5,))), name="zeros"),
    Case("cummax", lambda x: lax.cummax(x), args_of(distinct((7,)))),
    Case("cummax", lambda x: lax.cummax(x, axis=0, reverse=True), args_of(distinct((5, 2))),
         name="reverse"),
    Case("cummin", lambda x: lax.cummin(x), args_of(distinct((6,)))),
    Case("cummin", lambda x: lax.cummin(x, axis=1, reverse=True), args_of(rand((2, 4), i32)),
         name="int", grad=False),
    Case("cumlogsumexp", lambda x: lax.cumlogsumexp(x), args_of(rand((6,)))),
    Case("cumlogsumexp", lambda x: lax.cumlogsumexp(x, axis=1, reverse=True),
         args_of(rand((2, 5))), name="reverse"),
]
