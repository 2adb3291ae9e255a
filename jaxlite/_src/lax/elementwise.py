"""Elementwise primitives, each with its impl, abstract eval, JVP, transpose (linear ones),
batching rule and generated-code expression side by side."""
from __future__ import annotations

import numpy as np

from jaxlite._src import core
from jaxlite._src import dtypes
from jaxlite._src.compiler.codegen_rules import defexpr
from jaxlite._src.core import ShapedArray
from jaxlite._src.interpreters import ad, batching
from jaxlite._src.interpreters.ad import Zero, is_undefined_primal, unbroadcast_ct
__all__ = [
    "eq",
    "eq_p",
    "ne",
    "ne_p",
    "lt",
    "lt_p",
    "le",
    "le_p",
    "gt",
    "gt_p",
    "ge",
    "ge_p",
    "add",
    "add_p",
    "convert_element_type",
    "convert_element_type_p",
    "cos",
    "cos_p",
    "div",
    "div_p",
    "exp",
    "exp_p",
    "full_like_scalar",
    "integer_pow",
    "integer_pow_p",
    "log",
    "log_p",
    "max",
    "max_p",
    "min",
    "min_p",
    "mul",
    "mul_p",
    "neg",
    "neg_p",
    "pow",
    "pow_p",
    "select",
    "select_n",
    "select_n_p",
    "sin",
    "sin_p",
    "sqrt",
    "sqrt_p",
    "sub",
    "sub_p",
    "tanh",
    "tanh_p",
]

from jaxlite._src.lax.utils import (
    _any, _float, _float_or_complex, _int, _int_or_bool, _num, _signed_or_float,
    broadcasting_shape, naryop, never_weak, unop)


def _np_unary(fn):
  """Wrap a NumPy ufunc so that the result keeps the operand dtype (no float64 upcasts)."""
  def impl(x):
    out = fn(x)
    return out if out.dtype == x.dtype else out.astype(x.dtype)
  impl.__name__ = fn.__name__
  return impl


def _bind1(prim):
  return lambda x: prim.bind(x)


def _bind2(prim):
  return lambda x, y: prim.bind(x, y)


# ---------------------------------------------------------------------------
# Arithmetic

add_p = naryop("add", np.add, _num)
add = _bind2(add_p)
ad.defjvp(add_p, lambda g, x, y: _bcast_tangent(g, x, y), lambda g, x, y: _bcast_tangent(g, y, x))
ad.primitive_transposes[add_p] = lambda ct, x, y: [
    unbroadcast_ct(x.aval, ct) if is_undefined_primal(x) else None,
    unbroadcast_ct(y.aval, ct) if is_undefined_primal(y) else None]
batching.broadcast_batcher(add_p)
defexpr(add_p, "np.add({0}, {1})")

sub_p = naryop("sub", np.subtract, _num)
sub = _bind2(sub_p)
ad.defjvp(sub_p, lambda g, x, y: _bcast_tangent(g, x, y),
          lambda g, x, y: neg(_bcast_tangent(g, y, x)))
ad.primitive_transposes[sub_p] = lambda ct, x, y: [
    unbroadcast_ct(x.aval, ct) if is_undefined_primal(x) else None,
    unbroadcast_ct(y.aval, neg(ct)) if is_undefined_primal(y) and type(ct) is not Zero else None]
batching.broadcast_batcher(sub_p)
defexpr(sub_p, "np.subtract({0}, {1})")


def _bcast_tangent(g, x, other):
  """The tangent ``g`` of operand ``x`` broadcast to the shape of ``x op other``."""
  shape = broadcasting_shape("tangent", _shape(x), _shape(other))
  gshape = _shape(g)
  if tuple(gshape) == shape:
    return g
  from jaxlite._src.lax.shapes import broadcast_in_dim
  return broadcast_in_dim(g, shape, () if not gshape else tuple(range(len(shape))))


def _shape(x):
  return x.shape if hasattr(x, "shape") else np.shape(x)


mul_p = naryop("mul", np.multiply, _num)
mul = _bind2(mul_p)
ad.defjvp(mul_p, lambda g, x, y: mul(g, y), lambda g, x, y: mul(x, g))


def _mul_transpose(ct, x, y):
  if type(ct) is Zero:
    return [None, None]
  if is_undefined_primal(x):
    return [unbroadcast_ct(x.aval, mul(ct, y)), None]
  return [None, unbroadcast_ct(y.aval, mul(x, ct))]


ad.primitive_transposes[mul_p] = _mul_transpose
batching.broadcast_batcher(mul_p)
defexpr(mul_p, "np.multiply({0}, {1})")


def _div_impl(x, y):
  if x.dtype.kind in "iu":
    # lax.div on integers rounds toward zero (C semantics), not toward -inf as NumPy does.
    with np.errstate(divide="ignore", invalid="ignore"):
      safe_y = np.where(y == 0, 1, y)
      q = np.abs(x) // np.abs(safe_y)
      q = np.where((x < 0) != (y < 0), -q, q) if x.dtype.kind == "i" else q
      return np.where(y == 0, -1 if x.dtype.kind == "i" else np.iinfo(x.dtype).max, q).astype(x.dtype)
  with np.errstate(divide="ignore", invalid="ignore"):
    return np.true_divide(x, y)


div_p = naryop("div", _div_impl, _num)
div = _bind2(div_p)
ad.defjvp(div_p, lambda g, x, y: div(g, y),
          lambda g, x, y: mul(mul(neg(g), x), integer_pow(y, -2)))


def _div_transpose(ct, x, y):
  if type(ct) is Zero:
    return [None, None]
  return [unbroadcast_ct(x.aval, div(ct, y)), None]


ad.primitive_transposes[div_p] = _div_transpose
batching.broadcast_batcher(div_p)

neg_p = unop("neg", np.negative, _num)
neg = _bind1(neg_p)
ad.deflinear(neg_p, lambda ct, x: [neg(ct)])
batching.defvectorized(neg_p)
defexpr(neg_p, "np.negative({0})")


def _balanced_eq(x, z, y):
  """1 where x is the chosen one, 0.5 on ties: JAX's max/min gradient convention."""
  dt = core.get_aval(z).dtype
  x_wins = convert_element_type(eq(x, z), dt)
  y_ties = convert_element_type(eq(y, z), dt)
  return div(x_wins, add(full_like_scalar(1, z), y_ties))


def full_like_scalar(value, like):
  """A 0-d constant of ``like``'s dtype (written as a literal when staged)."""
  return np.array(value, dtype=core.get_aval(like).dtype)


max_p = naryop("max", np.maximum, _any)
max = _bind2(max_p)  # noqa: A001 - JAX's name
ad.defjvp2(max_p, lambda g, ans, x, y: mul(_bcast_tangent(g, x, y), _balanced_eq(x, ans, y)),
           lambda g, ans, x, y: mul(_bcast_tangent(g, y, x), _balanced_eq(y, ans, x)))
batching.broadcast_batcher(max_p)
defexpr(max_p, "np.maximum({0}, {1})")

min_p = naryop("min", np.minimum, _any)
min = _bind2(min_p)  # noqa: A001 - JAX's name
ad.defjvp2(min_p, lambda g, ans, x, y: mul(_bcast_tangent(g, x, y), _balanced_eq(x, ans, y)),
           lambda g, ans, x, y: mul(_bcast_tangent(g, y, x), _balanced_eq(y, ans, x)))
batching.broadcast_batcher(min_p)
defexpr(min_p, "np.minimum({0}, {1})")


def _integer_pow_impl(x, *, y):
  if y == 0:
    return np.ones_like(x)
  if x.dtype.kind in "iu" and y < 0:
    raise ValueError("Integers cannot be raised to negative powers (integer_pow with y < 0).")
  with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
    out = x
    for _ in range(abs(y) - 1):
      out = out * x
    if y < 0:
      out = np.reciprocal(out)
  return out.astype(x.dtype, copy=False)


integer_pow_p = unop("integer_pow", _integer_pow_impl, _num)


def integer_pow(x, y: int):
  return integer_pow_p.bind(x, y=int(y))


def _integer_pow_jvp(g, x, *, y):
  if y == 0:
    return Zero.from_primal_value(x)
  if y == 1:
    return g
  coeff = mul(full_like_scalar(y, x), x if y == 2 else integer_pow(x, y - 1))
  return mul(g, coeff)


ad.defjvp(integer_pow_p, _integer_pow_jvp)
batching.defvectorized(integer_pow_p)


# ---------------------------------------------------------------------------
# Transcendental

exp_p = unop("exp", _np_unary(np.exp), _float_or_complex)
exp = _bind1(exp_p)
ad.defjvp2(exp_p, lambda g, ans, x: mul(g, ans))
batching.defvectorized(exp_p)
defexpr(exp_p, "np.exp({0})")

log_p = unop("log", _np_unary(np.log), _float_or_complex)
log = _bind1(log_p)
ad.defjvp(log_p, lambda g, x: div(g, x))
batching.defvectorized(log_p)
defexpr(log_p, "np.log({0})")

sin_p = unop("sin", _np_unary(np.sin), _float_or_complex)
sin = _bind1(sin_p)
ad.defjvp(sin_p, lambda g, x: mul(g, cos(x)))
batching.defvectorized(sin_p)
defexpr(sin_p, "np.sin({0})")

cos_p = unop("cos", _np_unary(np.cos), _float_or_complex)
cos = _bind1(cos_p)
ad.defjvp(cos_p, lambda g, x: neg(mul(g, sin(x))))
batching.defvectorized(cos_p)
defexpr(cos_p, "np.cos({0})")

tanh_p = unop("tanh", _np_unary(np.tanh), _float_or_complex)
tanh = _bind1(tanh_p)
ad.defjvp2(tanh_p, lambda g, ans, x: mul(g, sub(full_like_scalar(1, x), mul(ans, ans))))
batching.defvectorized(tanh_p)
defexpr(tanh_p, "np.tanh({0})")

sqrt_p = unop("sqrt", _np_unary(np.sqrt), _float_or_complex)
sqrt = _bind1(sqrt_p)
ad.defjvp2(sqrt_p, lambda g, ans, x: div(g, mul(full_like_scalar(2, x), ans)))
batching.defvectorized(sqrt_p)
defexpr(sqrt_p, "np.sqrt({0})")


def _pow_impl(x, y):
  with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
    out = np.power(x, y)
  return out.astype(x.dtype, copy=False)


pow_p = naryop("pow", _pow_impl, _float_or_complex, same_dtypes=False)
pow = _bind2(pow_p)  # noqa: A001 - JAX's name


def _pow_jvp_lhs(g, x, y):
  y_x = convert_element_type(y, x.dtype) if _dtype(y) != x.dtype else y
  return mul(_bcast_tangent(g, x, y), mul(y_x, pow(x, sub(y, full_like_scalar(1, y)))))


def _dtype(x):
  return x.dtype if hasattr(x, "dtype") else np.asarray(x).dtype


def _pow_jvp_rhs(g, x, y):
  ans = pow(x, y)
  # d/dy x**y = log(x) x**y, taken as 0 where x == 0 (JAX's convention).
  safe_log = select(eq(x, full_like_scalar(0, x)), _zeros_like(x), log(x))
  return mul(_bcast_tangent(g, y, x), convert_element_type(mul(safe_log, ans), y.dtype))


def _zeros_like(x):
  from jaxlite._src.lax.shapes import full
  return full(x.shape, 0, x.dtype)


ad.defjvp(pow_p, _pow_jvp_lhs, _pow_jvp_rhs)
batching.broadcast_batcher(pow_p)


# ---------------------------------------------------------------------------
# Comparisons and selection

def _cmp(name, fn):
  prim = naryop(name, fn, _any, result_dtype=lambda dt: np.dtype(np.bool_),
                weak_type_rule=never_weak)
  ad.defjvp_zero(prim)
  batching.broadcast_batcher(prim)
  defexpr(prim, f"np.{fn.__name__}({{0}}, {{1}})")
  return prim, _bind2(prim)


eq_p, eq = _cmp("eq", np.equal)
ne_p, ne = _cmp("ne", np.not_equal)
lt_p, lt = _cmp("lt", np.less)
le_p, le = _cmp("le", np.less_equal)
gt_p, gt = _cmp("gt", np.greater)
ge_p, ge = _cmp("ge", np.greater_equal)


def _select_n_impl(which, *cases):
  if len(cases) == 1:
    return cases[0]
  if which.dtype == np.bool_ and len(cases) == 2:
    return np.where(which, cases[1], cases[0])
  return np.choose(which.astype(np.int32, copy=False), cases, mode="clip") if which.ndim else \
      cases[int(which)]


select_n_p = core.Primitive("select_n")
select_n_p.def_impl(_select_n_impl)


def _select_n_abstract_eval(which, *cases):
  if not cases:
    raise TypeError("select_n must have at least one case")
  if which.dtype != np.bool_ and which.dtype != np.int32:
    raise TypeError(f"select_n `which` must be boolean or int32 type, got {which.dtype.name}.")
  if which.dtype == np.bool_ and len(cases) > 2:
    raise TypeError("select_n with a boolean `which` cannot have more than 2 cases.")
  first = cases[0]
  for c in cases[1:]:
    if c.shape != first.shape or c.dtype != first.dtype:
      raise TypeError("select_n cases must have the same shapes and dtypes, got "
                      f"{', '.join(c.str_short() for c in cases)}.")
  if which.shape and which.shape != first.shape:
    raise TypeError("select_n `which` must be scalar or have the same shape as cases, got "
                    f"`which` shape {which.shape} but case shape {first.shape}.")
  return ShapedArray(first.shape, first.dtype, all(c.weak_type for c in cases))


select_n_p.def_abstract_eval(_select_n_abstract_eval)
select_n_p.weak_type_rule = lambda flags, **_: all(flags[1:])


def select_n(which, *cases):
  return select_n_p.bind(which, *cases)


def select(pred, on_true, on_false):
  """``lax.select``: ``on_true`` where ``pred`` else ``on_false``."""
  return select_n_p.bind(pred, on_false, on_true)


def _select_n_jvp(primals, tangents):
  which, *cases = primals
  out = select_n(which, *cases)
  case_tangents = tangents[1:]
  if all(type(t) is Zero for t in case_tangents):
    return out, Zero.from_primal_value(out)
  ts = [ad.instantiate_zeros(t) for t in case_tangents]
  return out, select_n(which, *ts)


def _select_n_transpose(ct, which, *cases):
  if is_undefined_primal(which):
    raise ValueError("select_n: the predicate cannot be a linear input")
  if type(ct) is Zero:
    return [None] + [None] * len(cases)
  zeros = _zeros_like(ct)
  outs = [None]
  for i, c in enumerate(cases):
    if is_undefined_primal(c):
      branches = [ct if j == i else zeros for j in range(len(cases))]
      outs.append(select_n(which, *branches))
    else:
      outs.append(None)
  return outs


ad.primitive_jvps[select_n_p] = _select_n_jvp
ad.primitive_transposes[select_n_p] = _select_n_transpose


def _select_n_batch(vals, dims):
  which, *cases = vals
  wdim, *cdims = dims
  if wdim is None and not (np.ndim(which) if not isinstance(which, core.Tracer) else which.ndim):
    # A scalar predicate selects whole batched cases; just align the cases.
    size = next(batching._shape(v)[d] for v, d in zip(cases, cdims) if d is not None)
    cases = [batching.bdim_at_front(c, d, size) for c, d in zip(cases, cdims)]
    return select_n(which, *cases), 0
  size = next(batching._shape(v)[d] for v, d in zip(vals, dims) if d is not None)
  cases = [batching.bdim_at_front(c, d, size) for c, d in zip(cases, cdims)]
  case_shape = batching._shape(cases[0])
  if wdim is None:
    from jaxlite._src.lax.shapes import broadcast_in_dim
    which = broadcast_in_dim(which, case_shape, tuple(range(1, len(case_shape))))
  else:
    which = batching.moveaxis(which, wdim, 0)
    if batching._ndim(which) == 1 and len(case_shape) > 1:
      from jaxlite._src.lax.shapes import broadcast_in_dim
      which = broadcast_in_dim(which, case_shape, (0,))
  return select_n(which, *cases), 0


batching.primitive_batchers[select_n_p] = _select_n_batch


# ---------------------------------------------------------------------------
# Dtype conversion

convert_element_type_p = core.Primitive("convert_element_type")


def _convert_impl(x, *, new_dtype, weak_type=False, sharding=None):
  if x.dtype == new_dtype:
    return x
  if new_dtype == np.bool_:
    return x != 0
  if dtypes.is_complex(x.dtype) and not dtypes.is_complex(new_dtype):
    x = np.real(x)
  if dtypes.is_integer(new_dtype) and dtypes.is_floating(x.dtype):
    # XLA saturates float -> int conversions and maps NaN to 0.
    info = dtypes.iinfo(new_dtype)
    with np.errstate(invalid="ignore"):
      x = np.nan_to_num(np.clip(x, info.min, info.max), nan=0)
  with np.errstate(invalid="ignore", over="ignore"):
    return x.astype(new_dtype)


def _convert_abstract_eval(x, *, new_dtype, weak_type=False, sharding=None):
  return ShapedArray(x.shape, new_dtype, weak_type)


convert_element_type_p.def_impl(_convert_impl)
convert_element_type_p.def_abstract_eval(_convert_abstract_eval)
convert_element_type_p.weak_type_rule = lambda flags, *, weak_type=False, **_: weak_type


def convert_element_type(operand, new_dtype):
  """``lax.convert_element_type``: cast to ``new_dtype`` (canonicalized), never weak."""
  new_dtype = dtypes.canonicalize_dtype(dtypes.dtype(new_dtype))
  aval = core.get_aval(operand)
  if aval.dtype == new_dtype and not aval.weak_type and not isinstance(operand, (int, float, complex, bool)):
    return operand
  return convert_element_type_p.bind(operand, new_dtype=new_dtype, weak_type=False, sharding=None)


def _convert_jvp(primals, tangents, *, new_dtype, weak_type, sharding):
  (x,), (g,) = primals, tangents
  out = convert_element_type_p.bind(x, new_dtype=new_dtype, weak_type=weak_type, sharding=sharding)
  if type(g) is Zero or not dtypes.is_inexact(new_dtype) or not dtypes.is_inexact(g.dtype):
    return out, Zero.from_primal_value(out)
  return out, convert_element_type_p.bind(g, new_dtype=new_dtype, weak_type=weak_type,
                                          sharding=sharding)


def _convert_transpose(ct, x, *, new_dtype, weak_type, sharding):
  if type(ct) is Zero:
    return [None]
  old = x.aval
  if not dtypes.is_inexact(old.dtype):
    return [None]
  return [convert_element_type_p.bind(ct, new_dtype=old.dtype, weak_type=old.weak_type,
                                      sharding=sharding)]


ad.primitive_jvps[convert_element_type_p] = _convert_jvp
ad.primitive_transposes[convert_element_type_p] = _convert_transpose
batching.primitive_batchers[convert_element_type_p] = (
    lambda vals, dims, **params: (convert_element_type_p.bind(vals[0], **params), dims[0]))
