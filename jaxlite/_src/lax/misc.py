"""Small primitives that are not arithmetic: stop_gradient (a function, as in JAX) and copy."""
from __future__ import annotations

import numpy as np

from jaxlite._src import core
from jaxlite._src import tree_util
from jaxlite._src.compiler.codegen_rules import defexpr
from jaxlite._src.interpreters import ad, batching
from jaxlite._src.interpreters.ad import Zero

stop_gradient_p = core.Primitive("stop_gradient")
stop_gradient_p.def_impl(lambda x: x)
stop_gradient_p.def_abstract_eval(lambda x: x)
stop_gradient_p.weak_type_rule = lambda flags, **_: flags[0]
ad.defjvp_zero(stop_gradient_p)
batching.defvectorized(stop_gradient_p)
defexpr(stop_gradient_p, "{0}")


def stop_gradient(x):
  """The identity whose derivative is zero, applied to every leaf of ``x``."""
  def stop(leaf):
    if isinstance(leaf, core.Tracer) or type(leaf).__name__ == "ArrayImpl":
      from jaxlite._src import dtypes
      if not dtypes.is_inexact(leaf.dtype):
        return leaf
      if core.is_eval_trace() and not isinstance(leaf, core.Tracer):
        return leaf
      return stop_gradient_p.bind(leaf)
    return leaf
  return tree_util.tree_map(stop, x)


copy_p = core.Primitive("copy")
copy_p.def_impl(lambda x: np.array(x, copy=True))
copy_p.def_abstract_eval(lambda x: x)
copy_p.weak_type_rule = lambda flags, **_: flags[0]
ad.deflinear(copy_p, lambda ct, x: [ct if type(ct) is not Zero else None])
batching.defvectorized(copy_p)
defexpr(copy_p, "np.array({0}, copy=True)")


def copy(x):
  return copy_p.bind(x)
