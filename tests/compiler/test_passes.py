"""The always-on passes where the optimiser changed them: CSE compares literals by their
bits, and the effect check remembers only primitives that never carry sub-programs."""
import numpy as np

import jaxlite
from jaxlite import lax
from jaxlite._src.compiler import passes

from compiler_util import check_same


def test_cse_keeps_additions_of_differently_signed_zeros():
  x = np.array([-0.0, 1.0], np.float32)
  f = lambda x: (lax.add(x, 0.0), lax.add(x, -0.0), lax.add(x, 0.0))
  jaxpr = passes.cse(jaxlite.make_jaxpr(f)(x).jaxpr)
  assert len(jaxpr.eqns) == 2
  check_same(f, x)  # and the results keep their signs


def test_effects_inside_sub_programs_are_found_every_time():
  def quiet(x):
    return lax.cond(x.sum() > 0, lambda v: v + 1.0, lambda v: v - 1.0, x)

  def loud(x):
    def branch(v):
      jaxlite.debug.print("v {}", v)
      return v + 1.0
    return lax.cond(x.sum() > 0, branch, lambda v: v - 1.0, x)
  x = np.ones(3, np.float32)
  cond_of = lambda f: next(e for e in jaxlite.make_jaxpr(f)(x).jaxpr.eqns
                           if e.primitive.name == "cond")
  assert not passes.is_effectful(cond_of(quiet))
  assert passes.is_effectful(cond_of(loud))  # same primitive, now with an effect inside
  assert passes.is_effectful(cond_of(loud))
