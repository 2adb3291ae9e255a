"""Reductions over axes: reduce_sum, reduce_prod, reduce_max, reduce_min and the bitwise
reduce_and, reduce_or, reduce_xor.

As in JAX, ``axes`` is kept as given (order included) and must hold non-negative, distinct
axes of the operand."""
from __future__ import annotations

import operator

import numpy as np

from jaxlite._src import core
from jaxlite._src import dtypes
from jaxlite._src.compiler.codegen_rules import defexpr
from jaxlite._src.core import ShapedArray
from jaxlite._src.interpreters import ad, batching
from jaxlite._src.interpreters.ad import Zero
from jaxlite._src.lax.utils import _any, _int_or_bool, _num, check_dtype, never_weak

__all__ = [
    "reduce_sum", "reduce_sum_p", "reduce_prod", "reduce_prod_p", "reduce_max", "reduce_max_p",
    "reduce_min", "reduce_min_p", "reduce_and", "reduce_and_p", "reduce_or", "reduce_or_p",
    "reduce_xor", "reduce_xor_p",
]


def _check_axes(x, axes):
  if len(set(axes)) != len(axes):
    raise ValueError(f"duplicate value in 'axes' of reduction: {axes}")
  if any(not 0 <= a < x.ndim for a in axes):
    raise ValueError(f"reduction axes {axes} contains out-of-bounds indices for "
                     f"{x.str_short(short_dtypes=False)}.")


def _reduce_abstract_eval(name, accepted, weak_type_rule):
  def rule(x, *, axes, **_):
    if accepted is _int_or_bool:
      if not any(dtypes.issubdtype(x.dtype, c) for c in accepted):
        raise TypeError(f"logical reduction requires operand dtype bool or int, got "
                        f"{x.dtype.name}.")
    else:
      check_dtype(name, x.dtype, accepted)
    _check_axes(x, axes)
    shape = tuple(s for i, s in enumerate(x.shape) if i not in axes)
    return ShapedArray(shape, x.dtype, weak_type_rule([x.weak_type]))
  return rule


def quiet(impl):
  """``impl`` without NumPy's floating-point warnings (overflow, inf - inf...): JAX is silent."""
  def quiet_impl(*args, **params):
    with np.errstate(all="ignore"):
      return impl(*args, **params)
  return quiet_impl


def _kept(ndim, axes):
  return tuple(i for i in range(ndim) if i not in axes)


def _reduction(name, impl, accepted, weak_type_rule=None, expr=None):
  """A reduction primitive with its abstract eval, batching rule and generated code."""
  prim = core.Primitive(name)
  prim.def_impl(impl)
  prim.weak_type_rule = weak_type_rule or (lambda flags, **_: flags[0])
  prim.def_abstract_eval(_reduce_abstract_eval(name, accepted, prim.weak_type_rule))

  def batch(vals, dims, *, axes, **params):
    (x,), (d,) = vals, dims
    new_axes = tuple(a + (a >= d) for a in axes)
    return prim.bind(x, axes=new_axes, **params), d - sum(a < d for a in axes)
  batching.primitive_batchers[prim] = batch
  if expr is not None:
    defexpr(prim, lambda args, *, axes, **_: expr.format(x=args[0], axes=axes))
  return prim


def _axes_param(axes):
  return tuple(operator.index(a) for a in axes)


# ---------------------------------------------------------------------------
# reduce_sum

# np.add.reduce is what np.sum calls (the same bits) without its ~1 us of Python wrapping.
reduce_sum_p = _reduction(
    "reduce_sum",
    quiet(lambda x, *, axes, out_sharding=None: np.add.reduce(x, axis=axes, dtype=x.dtype)),
    _num, expr="np.add.reduce({x}, {axes!r}, {x}.dtype)")  # positional: ~0.1 us less


def reduce_sum(operand, axes, *, out_sharding=None):
  """Sum over ``axes``."""
  return reduce_sum_p.bind(operand, axes=_axes_param(axes), out_sharding=out_sharding)


def _reduce_sum_transpose(ct, x, *, axes, out_sharding=None):
  if type(ct) is Zero:
    return [None]
  from jaxlite._src.lax.shapes import broadcast_in_dim
  shape = x.aval.shape
  return [broadcast_in_dim(ct, shape, _kept(len(shape), axes))]


ad.deflinear2(reduce_sum_p, _reduce_sum_transpose)


# ---------------------------------------------------------------------------
# reduce_prod

reduce_prod_p = _reduction(
    "reduce_prod", quiet(lambda x, *, axes: np.prod(x, axis=axes, dtype=x.dtype)), _num,
    expr="np.prod({x}, axis={axes!r}, dtype={x}.dtype)")


def reduce_prod(operand, axes):
  """Product over ``axes``."""
  return reduce_prod_p.bind(operand, axes=_axes_param(axes))


def _reduce_prod_jvp(primals, tangents, *, axes):
  """Multiply along a balanced tree (halves times halves), carrying the product rule: no
  division, so zeros in the operand get the right derivative."""
  from jaxlite._src.lax import lax
  (x,), (t,) = primals, tangents
  shape = x.shape
  n = int(np.prod([shape[a] for a in axes], dtype=np.int64))
  if type(t) is Zero or n == 0:  # (an empty product is 1, with tangent 0)
    out = reduce_prod_p.bind(x, axes=axes)
    return out, Zero.from_primal_value(out)
  kept = _kept(len(shape), axes)
  out_shape = tuple(shape[i] for i in kept)
  rest = int(np.prod(out_shape, dtype=np.int64))

  def to_matrix(v):  # reduced axes first, flattened: (n, rest)
    return lax.reshape(lax.transpose(v, tuple(axes) + kept), (n, rest))

  x, t = to_matrix(x), to_matrix(t)
  dt = x.dtype
  while n > 1:
    half = (n + 1) // 2
    x_lo, x_hi = lax.slice_in_dim(x, 0, half), lax.slice_in_dim(x, half, n)
    t_lo, t_hi = lax.slice_in_dim(t, 0, half), lax.slice_in_dim(t, half, n)
    if n % 2:  # pair the odd one out with a 1 (tangent 0)
      x_hi = lax.pad(x_hi, np.ones((), dt), ((0, 1, 0), (0, 0, 0)))
      t_hi = lax.pad(t_hi, np.zeros((), dt), ((0, 1, 0), (0, 0, 0)))
    x, t = lax.mul(x_lo, x_hi), lax.add(lax.mul(t_lo, x_hi), lax.mul(x_lo, t_hi))
    n = half
  return lax.reshape(x, out_shape), lax.reshape(t, out_shape)


ad.primitive_jvps[reduce_prod_p] = _reduce_prod_jvp


# ---------------------------------------------------------------------------
# reduce_max and reduce_min

def _chooser_impl(np_fn, identity, positive_zero):
  """``np_fn`` over ``axes``; the identity for empty reductions; and XLA's choice on a
  -0.0/0.0 tie (max gives 0.0, min gives -0.0) where NumPy picks either."""
  def impl(x, *, axes):
    x = np.asarray(x)
    if x.size == 0 and axes:
      out = np_fn(x, axis=axes, initial=identity(x.dtype))
    else:
      out = np_fn(x, axis=axes)
    if dtypes.is_floating(x.dtype) and axes:
      zeros = out == 0
      if np.any(zeros):
        wanted = np.any((x == 0) & (np.signbit(x) != positive_zero), axis=axes)
        sign_ok = wanted == positive_zero
        out = np.where(zeros, np.where(sign_ok, np.zeros((), x.dtype), -np.zeros((), x.dtype)),
                       out)
    return out
  return impl


def _lowest(dt):
  if dt == np.bool_:
    return False
  return -np.inf if dtypes.is_inexact(dt) else dtypes.iinfo(dt).min


def _highest(dt):
  if dt == np.bool_:
    return True
  return np.inf if dtypes.is_inexact(dt) else dtypes.iinfo(dt).max


reduce_max_p = _reduction("reduce_max", _chooser_impl(np.max, _lowest, True), _any)
reduce_min_p = _reduction("reduce_min", _chooser_impl(np.min, _highest, False), _any)


def reduce_max(operand, axes):
  """Maximum over ``axes`` (NaN if any is NaN)."""
  return reduce_max_p.bind(operand, axes=_axes_param(axes))


def reduce_min(operand, axes):
  """Minimum over ``axes`` (NaN if any is NaN)."""
  return reduce_min_p.bind(operand, axes=_axes_param(axes))


def _reduce_chooser_jvp(prim):
  """Tangent of max/min: the mean of the tangents at the positions that attain the result."""
  def jvp(primals, tangents, *, axes):
    from jaxlite._src.lax import elementwise as ew
    from jaxlite._src.lax.shapes import broadcast_in_dim
    (x,), (g,) = primals, tangents
    ans = prim.bind(x, axes=axes)
    if type(g) is Zero:
      return ans, Zero.from_primal_value(ans)
    location = ew.eq(x, broadcast_in_dim(ans, x.shape, _kept(len(x.shape), axes)))
    location = ew.convert_element_type(location, g.dtype)
    counts = reduce_sum(location, axes)
    return ans, ew.div(reduce_sum(ew.mul(g, location), axes), counts)
  ad.primitive_jvps[prim] = jvp


_reduce_chooser_jvp(reduce_max_p)
_reduce_chooser_jvp(reduce_min_p)


# ---------------------------------------------------------------------------
# reduce_and, reduce_or, reduce_xor (logical on bool, bitwise on integers)

def _bitwise(name, ufunc):
  # The bitwise ufuncs act logically on bools, and their identities (all ones / zero) are
  # the results of empty reductions. Unlike the others, these never give weak results.
  prim = _reduction(name, lambda x, *, axes: ufunc.reduce(x, axis=axes), _int_or_bool,
                    weak_type_rule=never_weak, expr=f"np.{ufunc.__name__}.reduce({{x}}, "
                                                    "axis={axes!r})")
  ad.defjvp_zero(prim)

  def fn(operand, axes):
    return prim.bind(operand, axes=_axes_param(axes))
  fn.__name__ = name
  fn.__doc__ = f"Bitwise (logical for bool) {name[7:]} over ``axes``."
  return prim, fn


reduce_and_p, reduce_and = _bitwise("reduce_and", np.bitwise_and)
reduce_or_p, reduce_or = _bitwise("reduce_or", np.bitwise_or)
reduce_xor_p, reduce_xor = _bitwise("reduce_xor", np.bitwise_xor)
