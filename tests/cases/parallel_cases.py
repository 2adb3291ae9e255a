"""Sweep cases for collectives: each runs under vmap with a named axis (the sweep's own vmap
then adds an outer axis, exercising the pass-through of other axes' names)."""
import jaxlite as jax
from jaxlite import lax
from cases import Case, args_of, rand


def over_axis(f):
  return jax.vmap(f, axis_name="i")


CASES = [
    Case("psum", over_axis(lambda v: lax.psum(v * v, "i")), args_of(rand((4, 3)))),
    Case("psum", over_axis(lambda v: v / lax.psum(1.0, "i")), args_of(rand((4, 3))),
         name="axis_size", check_prim=False),
    Case("pmax", over_axis(lambda v: lax.pmax(v, "i")), args_of(rand((4, 3))), grad=False),
    Case("pmin", over_axis(lambda v: lax.pmin(v, "i")), args_of(rand((4, 3))), grad=False),
    Case("axis_index", over_axis(lambda v: v * lax.axis_index("i")), args_of(rand((4, 3))),
         check_prim=False),
    Case("all_gather", over_axis(lambda v: lax.all_gather(v, "i") * v), args_of(rand((4, 3))), check_prim=False),
    Case("all_gather", over_axis(lambda v: lax.all_gather(v, "i", axis=1, tiled=True)),
         args_of(rand((4, 3, 2))), name="tiled", check_prim=False),
    Case("ppermute", over_axis(lambda v: lax.ppermute(v, "i", [(0, 1), (1, 2), (2, 0)]) * v),
         args_of(rand((4, 3))), check_prim=False),
    Case("reduce_scatter", over_axis(lambda v: lax.psum_scatter(v, "i")), args_of(rand((4, 4))), check_prim=False),
    Case("all_to_all", over_axis(lambda v: lax.all_to_all(v, "i", 0, 0)), args_of(rand((4, 4))), check_prim=False),
    Case("all_to_all", over_axis(lambda v: lax.all_to_all(v, "i", 0, 1, tiled=True)),
         args_of(rand((2, 4, 3))), name="tiled", check_prim=False),
]
