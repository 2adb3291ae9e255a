"""Reductions over axes: reduce_sum, reduce_max (more join them here)."""
from __future__ import annotations

import numpy as np

from jaxlite._src import core
from jaxlite._src.compiler.codegen_rules import defexpr
from jaxlite._src.core import ShapedArray
from jaxlite._src.interpreters import ad, batching
from jaxlite._src.interpreters.ad import Zero
from jaxlite._src.lax.utils import _any, _num, check_dtype


def _reduce_abstract_eval(name, accepted):
  def rule(x, *, axes, out_sharding=None):
    check_dtype(name, x.dtype, accepted)
    if any(not 0 <= a < x.ndim for a in axes) or len(set(axes)) != len(axes):
      raise ValueError(f"{name}: axes {axes} are invalid for an operand of shape {x.shape}.")
    shape = tuple(s for i, s in enumerate(x.shape) if i not in axes)
    return ShapedArray(shape, x.dtype, x.weak_type)
  return rule


def _canon_axes(x, axes):
  nd = len(x.shape) if hasattr(x, "shape") else np.ndim(x)
  return tuple(sorted(int(a) % nd if nd else int(a) for a in axes))


def _reduce_batch(prim):
  def rule(vals, dims, *, axes, out_sharding=None):
    (x,), (d,) = vals, dims
    new_axes = tuple(a + (a >= d) for a in axes)
    out_dim = d - sum(a < d for a in axes)
    return prim.bind(x, axes=new_axes, out_sharding=out_sharding), out_dim
  batching.primitive_batchers[prim] = rule


# ---------------------------------------------------------------------------
# reduce_sum

reduce_sum_p = core.Primitive("reduce_sum")
reduce_sum_p.def_impl(lambda x, *, axes, out_sharding=None: np.sum(x, axis=axes, dtype=x.dtype))
reduce_sum_p.def_abstract_eval(_reduce_abstract_eval("reduce_sum", _num))
reduce_sum_p.weak_type_rule = lambda flags, **_: flags[0]


def reduce_sum(operand, axes):
  return reduce_sum_p.bind(operand, axes=_canon_axes(operand, axes), out_sharding=None)


def _reduce_sum_transpose(ct, x, *, axes, out_sharding=None):
  if type(ct) is Zero:
    return [None]
  from jaxlite._src.lax.shapes import broadcast_in_dim
  shape = x.aval.shape
  kept = tuple(i for i in range(len(shape)) if i not in axes)
  return [broadcast_in_dim(ct, shape, kept)]


ad.deflinear2(reduce_sum_p, _reduce_sum_transpose)
_reduce_batch(reduce_sum_p)
defexpr(reduce_sum_p, lambda args, *, axes, out_sharding=None:
        f"np.sum({args[0]}, axis={axes!r}, dtype={args[0]}.dtype)")


# ---------------------------------------------------------------------------
# reduce_max

reduce_max_p = core.Primitive("reduce_max")
reduce_max_p.def_impl(lambda x, *, axes, out_sharding=None: np.max(x, axis=axes))
reduce_max_p.def_abstract_eval(_reduce_abstract_eval("reduce_max", _any))
reduce_max_p.weak_type_rule = lambda flags, **_: flags[0]


def reduce_max(operand, axes):
  return reduce_max_p.bind(operand, axes=_canon_axes(operand, axes), out_sharding=None)


def _reduce_chooser_jvp(prim):
  """Tangent of max/min: the mean of the tangents at the positions that attain the result."""
  def jvp(primals, tangents, *, axes, out_sharding=None):
    from jaxlite._src.lax import elementwise as ew
    from jaxlite._src.lax.shapes import broadcast_in_dim
    (x,), (g,) = primals, tangents
    ans = prim.bind(x, axes=axes, out_sharding=out_sharding)
    if type(g) is Zero:
      return ans, Zero.from_primal_value(ans)
    kept = tuple(i for i in range(len(x.shape)) if i not in axes)
    location = ew.eq(x, broadcast_in_dim(ans, x.shape, kept))
    location = ew.convert_element_type(location, g.dtype)
    counts = reduce_sum(location, axes)
    return ans, ew.div(reduce_sum(ew.mul(g, location), axes), counts)
  ad.primitive_jvps[prim] = jvp


_reduce_chooser_jvp(reduce_max_p)
_reduce_batch(reduce_max_p)
defexpr(reduce_max_p, lambda args, *, axes, out_sharding=None: f"np.max({args[0]}, axis={axes!r})")
