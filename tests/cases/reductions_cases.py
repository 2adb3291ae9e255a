"""Sweep cases for the reductions beyond the basics in core_cases: reduce_prod (with zeros),
reduce_min, reduce_max and reduce_sum with unsorted axes, and the bitwise reductions."""
import numpy as np

from jaxlite import lax
from cases import Case, args_of, rand

f32 = np.float32


def with_zeros(shape, count):
  """Values away from zero except ``count`` exact zeros: the product rule's hard case."""
  def make(rng):
    x = rng.uniform(0.5, 1.5, shape) * rng.choice([-1.0, 1.0], shape)
    x.flat[rng.choice(x.size, count, replace=False)] = 0.0
    return x.astype(f32)
  return make


CASES = [
    Case("reduce_sum", lambda x: lax.reduce_sum(x, (2, 0)), args_of(rand((2, 3, 4))),
         name="unsorted_axes"),
    Case("reduce_sum", lambda x: lax.reduce_sum(x, ()), args_of(rand((2, 3))), name="no_axes"),
    Case("reduce_sum", lambda x: lax.reduce_sum(x, (0,)), args_of(rand((4, 3), np.int32)),
         name="int", grad=False),
    Case("reduce_max", lambda x: lax.reduce_max(x, (1, 0)), args_of(rand((3, 4))),
         name="all_axes"),
    Case("reduce_max", lambda x: lax.reduce_max(x, (0,)), args_of(rand((4, 3), np.int8)),
         name="int8", grad=False),
    Case("reduce_prod", lambda x: lax.reduce_prod(x, (0,)), args_of(rand((5, 3)))),
    Case("reduce_prod", lambda x: lax.reduce_prod(x, (2, 0)), args_of(rand((3, 2, 4))),
         name="unsorted_axes"),
    Case("reduce_prod", lambda x: lax.reduce_prod(x, (0,)), args_of(with_zeros((6,), 1)),
         name="one_zero"),
    Case("reduce_prod", lambda x: lax.reduce_prod(x, (1,)), args_of(with_zeros((2, 7), 3)),
         name="zeros"),
    Case("reduce_prod", lambda x: lax.reduce_prod(x, (0,)), args_of(rand((0, 3))),
         name="empty"),
    Case("reduce_prod", lambda x: lax.reduce_prod(x, (1,)), args_of(rand((3, 5), np.int32, -3, 3)),
         name="int", grad=False),
    Case("reduce_min", lambda x: lax.reduce_min(x, (1,)), args_of(rand((3, 4)))),
    Case("reduce_min", lambda x: lax.reduce_min(x, (0, 1)), args_of(rand((2, 3), np.uint8, 0, 9)),
         name="uint", grad=False),
    Case("reduce_min", lambda x: lax.reduce_min(x, (0,)), args_of(rand((3,), np.bool_)),
         name="bool", grad=False),
    Case("reduce_and", lambda x: lax.reduce_and(x, (1,)), args_of(rand((3, 4), np.bool_)),
         grad=False),
    Case("reduce_and", lambda x: lax.reduce_and(x, (0,)), args_of(rand((4, 3), np.int32, -9, 9)),
         name="int", grad=False),
    Case("reduce_or", lambda x: lax.reduce_or(x, (0, 1)), args_of(rand((3, 4), np.bool_)),
         grad=False),
    Case("reduce_or", lambda x: lax.reduce_or(x, (1,)), args_of(rand((2, 5), np.uint8, 0, 200)),
         name="uint8", grad=False),
    Case("reduce_xor", lambda x: lax.reduce_xor(x, (0,)), args_of(rand((5, 2), np.bool_)),
         grad=False),
    Case("reduce_xor", lambda x: lax.reduce_xor(x, (1,)), args_of(rand((3, 4), np.int16, -99, 99)),
         name="int16", grad=False),
]
