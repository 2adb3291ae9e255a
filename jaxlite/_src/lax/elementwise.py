"""Elementwise primitives, each with its impl, abstract eval, JVP, transpose (linear ones),
batching rule and generated-code expression side by side.

Impls must return exactly the dtype of the abstract eval (jit calls them directly). They run
under ``np.errstate`` where NumPy would warn about results JAX produces silently (inf, nan).
Bit-level primitives are in bitwise.py and special functions in special.py; this module
re-exports both, so ``jaxlite.lax`` sees every elementwise function here."""
from __future__ import annotations

import enum
import operator

import numpy as np

from jaxlite._src import core, quiet
from jaxlite._src import dtypes
from jaxlite._src.compiler.codegen_rules import defexpr, np_dtype_expr
from jaxlite._src.core import ShapedArray
from jaxlite._src.interpreters import ad, batching
from jaxlite._src.interpreters.ad import Zero, is_undefined_primal, unbroadcast_ct
from jaxlite._src.lax.shapes import broadcast_in_dim, full
from jaxlite._src.lax.utils import broadcasting_shape, check_dtype, check_same_dtypes

__all__ = [
    "RoundingMethod", "abs", "abs_p", "acos", "acos_p", "acosh", "acosh_p", "add", "add_p",
    "asin", "asin_p", "asinh", "asinh_p", "atan", "atan2", "atan2_p", "atan_p", "atanh",
    "atanh_p", "cbrt", "cbrt_p", "ceil", "ceil_p", "clamp", "clamp_p", "complex", "complex_p",
    "conj", "conj_p", "convert_element_type", "convert_element_type_p", "cos", "cos_p",
    "cosh", "cosh_p", "div", "div_p", "eq", "eq_p", "exp", "exp2", "exp2_p", "exp_p", "expm1",
    "expm1_p", "floor", "floor_p", "ge", "ge_p", "gt", "gt_p", "imag", "imag_p",
    "integer_pow", "integer_pow_p", "is_finite", "is_finite_p", "le", "le_p", "log", "log1p",
    "log1p_p", "log_p", "logistic", "logistic_p", "lt", "lt_p", "max", "max_p", "min",
    "min_p", "mul", "mul_p", "ne", "ne_p", "neg", "neg_p", "nextafter", "nextafter_p", "pow",
    "pow_p", "real", "real_p", "reciprocal", "rem", "rem_p", "round", "round_p", "rsqrt",
    "rsqrt_p", "select", "select_n", "select_n_p", "sign", "sign_p", "sin", "sin_p", "sinh",
    "sinh_p", "sqrt", "sqrt_p", "square", "square_p", "sub", "sub_p", "tan", "tan_p", "tanh",
    "tanh_p",
]

# Accepted dtype classes, in the order JAX names them in its error messages.
_float = (np.floating,)
_complex = (np.complexfloating,)
_int = (np.integer,)
_inexact = (np.floating, np.complexfloating)
_num = (np.integer, np.floating, np.complexfloating)
_any = (np.integer, np.floating, np.complexfloating, np.bool_)
_ordered = (np.integer, np.floating, np.bool_)
_int_or_bool = (np.integer, np.bool_)

# ---------------------------------------------------------------------------
# Declaring primitives: dtype and shape rules with JAX's messages

_check_dtype = check_dtype
_check_same_dtypes = check_same_dtypes
_broadcast_shapes = broadcasting_shape


def _unop(name, impl, accepted, result_dtype=None):
  prim = core.Primitive(name)
  prim.def_impl(impl)

  def abstract_eval(x, **params):
    _check_dtype(name, x.dtype, accepted)
    dt = x.dtype if result_dtype is None else np.dtype(result_dtype(x.dtype))
    return ShapedArray(x.shape, dt, prim.weak_type_rule([x.weak_type], **params))
  prim.def_abstract_eval(abstract_eval)
  batching.defvectorized(prim)
  return prim


def _naryop(name, impl, accepted, result_dtype=None, same_dtypes=True):
  """``accepted``: one tuple of dtype classes per operand."""
  prim = core.Primitive(name)
  prim.def_impl(impl)

  def abstract_eval(*avals, **params):
    shape = _broadcast_shapes(name, *(a.shape for a in avals))
    for i, (a, acc) in enumerate(zip(avals, accepted)):
      _check_dtype(name, a.dtype, acc, i)
    out_dtype = params.get("out_dtype")  # mul's mixed-precision form skips the dtype check
    if same_dtypes and out_dtype is None:
      _check_same_dtypes(name, *avals)
    dt = avals[0].dtype if result_dtype is None else np.dtype(result_dtype(*avals))
    dt = dt if out_dtype is None else np.dtype(out_dtype)
    return ShapedArray(shape, dt, prim.weak_type_rule([a.weak_type for a in avals], **params))
  prim.def_abstract_eval(abstract_eval)
  batching.broadcast_batcher(prim)
  return prim


def _silent(fn):
  """An impl calling ``fn`` without NumPy's overflow/invalid warnings (JAX is silent)."""
  def impl(*args, **_):
    with np.errstate(all="ignore"):
      return fn(*args)
  impl.__name__ = getattr(fn, "__name__", "impl")
  return impl


def _bind1(prim, accuracy=False):
  if accuracy:
    def fn(x, *, accuracy=None):
      return prim.bind(x, accuracy=accuracy)  # the impl has one accuracy: NumPy's
  else:
    def fn(x):
      return prim.bind(x)
  fn.__name__ = prim.name
  return fn


def _bind2(prim):
  def fn(x, y):
    return prim.bind(x, y)
  fn.__name__ = prim.name
  return fn


def _shape(x):
  return x.shape if hasattr(x, "shape") else np.shape(x)


def _dtype(x):
  return core.get_aval(x).dtype


def _const(like, value):
  """A 0-d constant of ``like``'s dtype (a literal when staged)."""
  return np.array(value, dtype=_dtype(like))


def _zeros(x):
  return full(_shape(x), 0, _dtype(x))


def _ones(x):
  return full(_shape(x), 1, _dtype(x))


def _broadcast_to(x, shape):
  xs = tuple(_shape(x))
  if xs == tuple(shape):
    return x
  return broadcast_in_dim(x, shape, () if not xs else tuple(range(len(shape))))


def _bcast_tangent(g, x, other):
  """The tangent ``g`` of operand ``x`` broadcast to the shape of ``x op other``."""
  return _broadcast_to(g, _broadcast_shapes("tangent", _shape(x), _shape(other)))


def _not_differentiable(prim):
  def jvp(primals, tangents, **params):
    raise NotImplementedError(f"Differentiation rule for '{prim.name}' not implemented")
  ad.primitive_jvps[prim] = jvp


# ---------------------------------------------------------------------------
# Arithmetic

add_p = _naryop("add", _silent(np.add), [_num, _num])
add = _bind2(add_p)
ad.defjvp(add_p, lambda g, x, y: _bcast_tangent(g, x, y), lambda g, x, y: _bcast_tangent(g, y, x))
ad.primitive_transposes[add_p] = lambda ct, x, y: [
    unbroadcast_ct(x.aval, ct) if is_undefined_primal(x) else None,
    unbroadcast_ct(y.aval, ct) if is_undefined_primal(y) else None]
defexpr(add_p, "np.add({0}, {1})")

sub_p = _naryop("sub", _silent(np.subtract), [_num, _num])
sub = _bind2(sub_p)
ad.defjvp(sub_p, lambda g, x, y: _bcast_tangent(g, x, y),
          lambda g, x, y: neg(_bcast_tangent(g, y, x)))
ad.primitive_transposes[sub_p] = lambda ct, x, y: [
    unbroadcast_ct(x.aval, ct) if is_undefined_primal(x) else None,
    unbroadcast_ct(y.aval, neg(ct)) if is_undefined_primal(y) and type(ct) is not Zero else None]
defexpr(sub_p, "np.subtract({0}, {1})")


def _mul_impl(x, y, *, out_dtype=None):
  with np.errstate(all="ignore"):
    if out_dtype is None:
      return np.multiply(x, y)
    return np.multiply(x.astype(out_dtype), y.astype(out_dtype))


mul_p = _naryop("mul", _mul_impl, [_num, _num])


def mul(x, y, *, out_dtype=None):
  if out_dtype is not None:
    out_dtype = dtypes.canonicalize_dtype(dtypes.dtype(out_dtype))
  return mul_p.bind(x, y, out_dtype=out_dtype)


ad.defjvp(mul_p, lambda g, x, y, **p: mul(g, y, **p), lambda g, x, y, **p: mul(x, g, **p))


def _mul_transpose(ct, x, y, *, out_dtype=None):
  if type(ct) is Zero:
    return [None, None]
  if is_undefined_primal(x):
    dt = None if out_dtype is None else x.aval.dtype
    return [unbroadcast_ct(x.aval, mul(ct, y, out_dtype=dt)), None]
  dt = None if out_dtype is None else y.aval.dtype
  return [None, unbroadcast_ct(y.aval, mul(x, ct, out_dtype=dt))]


ad.primitive_transposes[mul_p] = _mul_transpose
defexpr(mul_p, lambda args, *, out_dtype=None:
        f"np.multiply({args[0]}, {args[1]})" if out_dtype is None else None)


_real_float = {}  # dtype -> whether it is a real floating type (a cache: hot eager path)


def _divides_by_reciprocal(y_dtype, y_shape, x_shape):
  """XLA rewrites ``x / broadcast(y)`` into ``x * broadcast(1 / y)`` for real floats: a
  divisor smaller than the result is inverted once, then multiplied (a rounding JAX's
  numbers show: ``x / 3.0`` differs from NumPy's in the last bit of ~40% of elements)."""
  if y_shape == x_shape or not x_shape:  # the divisor has the result's shape
    return False
  if y_shape and y_shape == np.broadcast_shapes(x_shape, y_shape):
    return False
  real = _real_float.get(y_dtype)
  if real is None:
    real = _real_float[y_dtype] = dtypes.issubdtype(y_dtype, np.floating)
  return real


def _times_reciprocal(x, y):
  if y.dtype == dtypes.bfloat16:  # XLA computes bf16 (not f16) in float32, rounding once
    wide = np.multiply(np.asarray(x, np.float32), np.reciprocal(y.astype(np.float32)))
    return wide.astype(y.dtype)
  return np.multiply(x, np.reciprocal(y))


def float_divide(x, y):
  """``x / y`` on NumPy floats of one dtype (or a Python scalar and an array) as XLA rounds
  it; silent like JAX."""
  dt = x.dtype if hasattr(x, "dtype") else y.dtype
  if type(y) is not np.ndarray or y.dtype != dt:
    y = np.asarray(y, dt)
  if _divides_by_reciprocal(dt, y.shape, np.shape(x)):
    return quiet.call(_times_reciprocal, x, y)
  return quiet.call(np.true_divide, x, y)


def _div_impl(x, y):
  if not dtypes.is_integer(x.dtype):
    return float_divide(x, y)
  # XLA rounds integer quotients toward zero and gives -1 (all ones) for division by zero.
  zero = y == 0
  safe_y = np.where(zero, 1, y).astype(y.dtype)
  with np.errstate(over="ignore"):
    q = np.floor_divide(x, safe_y)
    inexact = (x - q * safe_y) != 0
  q = q + (inexact & ((x < 0) != (safe_y < 0)))
  return np.where(zero, np.array(-1).astype(x.dtype), q).astype(x.dtype)


div_p = _naryop("div", _div_impl, [_num, _num])


def _div_expr(args, in_avals, out_avals):
  # Float division is a plain ufunc (generated code runs under errstate); ints need the impl.
  if dtypes.is_integer(in_avals[0].dtype) or in_avals[0].dtype == dtypes.bfloat16:
    return None
  if _divides_by_reciprocal(in_avals[1].dtype, in_avals[1].shape, in_avals[0].shape):
    return f"np.multiply({args[0]}, np.reciprocal({args[1]}))"
  return f"np.true_divide({args[0]}, {args[1]})"


defexpr(div_p, _div_expr, with_avals=True)
div = _bind2(div_p)
ad.defjvp(div_p, lambda g, x, y: div(g, y),
          lambda g, x, y: mul(mul(neg(g), x), integer_pow(y, -2)))


def _div_transpose(ct, x, y):
  if is_undefined_primal(y):
    raise RuntimeError("nonlinear div can't be transposed")
  if type(ct) is Zero:
    return [None, None]
  return [unbroadcast_ct(x.aval, div(ct, y)), None]


ad.primitive_transposes[div_p] = _div_transpose


def _rem_impl(x, y):
  if not dtypes.is_integer(x.dtype):
    with np.errstate(invalid="ignore"):
      return np.fmod(x, y)
  # C remainder (sign of the dividend); XLA returns the dividend for a zero divisor.
  zero = y == 0
  return np.where(zero, x, np.fmod(x, np.where(zero, 1, y).astype(y.dtype)))


rem_p = _naryop("rem", _rem_impl, [(np.integer, np.floating)] * 2)
rem = _bind2(rem_p)
ad.defjvp(rem_p, lambda g, x, y: _bcast_tangent(g, x, y),
          lambda g, x, y: mul(neg(g), mul(sign(div(x, y)), floor(abs(div(x, y))))))

neg_p = _unop("neg", np.negative, _num)
neg = _bind1(neg_p)
ad.deflinear(neg_p, lambda ct, x: [neg(ct)])
defexpr(neg_p, "np.negative({0})")


def _sign_impl(x):
  if dtypes.is_complex(x.dtype):
    mag = np.abs(x)
    with np.errstate(invalid="ignore"):
      return np.where(mag == 0, 0, x / np.where(mag == 0, 1, mag)).astype(x.dtype)
  if dtypes.is_integer(x.dtype):
    return np.sign(x)
  return np.where(x == 0, x, np.sign(x))  # keeps the sign of -0.0, as XLA does


sign_p = _unop("sign", _sign_impl, _num)
sign = _bind1(sign_p)
ad.defjvp_zero(sign_p)


def _balanced_eq(x, z, y):
  """1 where x is the chosen one, 0.5 on ties: JAX's max/min gradient convention."""
  return div(select(eq(x, z), _ones(z), _zeros(z)),
             select(eq(y, z), full(_shape(z), 2, _dtype(z)), _ones(z)))


def _minmax(name, fn):
  prim = _naryop(name, fn, [_any, _any])
  ad.defjvp2(prim,
             lambda g, ans, x, y: mul(g, _balanced_eq(_broadcast_to(x, ans.shape), ans, y)),
             lambda g, ans, x, y: mul(g, _balanced_eq(_broadcast_to(y, ans.shape), ans, x)))
  defexpr(prim, f"np.{fn.__name__}({{0}}, {{1}})")
  return prim, _bind2(prim)


max_p, max = _minmax("max", np.maximum)  # noqa: A001 - JAX's names
min_p, min = _minmax("min", np.minimum)  # noqa: A001

square_p = _unop("square", _silent(np.square), _num)
square = _bind1(square_p)
ad.defjvp(square_p, lambda g, x: mul(g, mul(_const(x, 2), x)))
defexpr(square_p, "np.square({0})")


def _integer_pow_impl(x, *, y):
  """Exponentiation by squaring, as XLA does it (so rounding matches)."""
  if y == 0:
    return np.ones_like(x)
  n, acc = (-y if y < 0 else y), None
  with np.errstate(all="ignore"):
    while n:
      if n & 1:
        acc = x if acc is None else acc * x
      n >>= 1
      if n:
        x = x * x
    return np.reciprocal(acc) if y < 0 else acc


def _integer_pow_expr(args, *, y):
  """The impl's square-and-multiply sequence as one expression (same rounding)."""
  if y == 0:
    return f"np.ones_like({args[0]})"
  n, acc, base = (-y if y < 0 else y), None, args[0]  # (this module's `abs` is lax.abs)
  while n:
    if n & 1:
      acc = base if acc is None else f"({acc} * {base})"
    n >>= 1
    if n:
      base = f"({base} * {base})"
  return f"np.reciprocal({acc})" if y < 0 else acc


integer_pow_p = _unop("integer_pow", _integer_pow_impl, _num)
_integer_pow_eval = integer_pow_p.abstract_eval


def _integer_pow_abstract_eval(x, *, y):
  out = _integer_pow_eval(x, y=y)
  if y < 0 and dtypes.is_integer(x.dtype):
    raise TypeError(f"Integers cannot be raised to negative powers, got "
                    f"integer_pow({x.str_short(short_dtypes=False)}, {y})")
  return out


integer_pow_p.def_abstract_eval(_integer_pow_abstract_eval)
defexpr(integer_pow_p, _integer_pow_expr)


def integer_pow(x, y: int):
  return integer_pow_p.bind(x, y=operator.index(y))


def reciprocal(x):
  return integer_pow(x, -1)


def _integer_pow_jvp(g, x, *, y):
  if y == 0:
    return _zeros(g)
  if y == 1:
    return g
  return mul(g, mul(_const(x, y), x if y == 2 else integer_pow(x, y - 1)))


ad.defjvp(integer_pow_p, _integer_pow_jvp)


def _pow_dtype(x, y):
  if (dtypes.is_inexact(x.dtype) and dtypes.is_integer(y.dtype)) or x.dtype == y.dtype:
    return x.dtype
  raise TypeError("the first argument to pow must have an inexact dtype (float or complex), "
                  "and the second argument must have an inexact or integer dtype, and two "
                  f"inexact dtypes must match, but got {x.dtype} and {y.dtype} respectively.")


def _pow_impl(x, y):
  # XLA converts an integer exponent to the base's dtype before exponentiating.
  with np.errstate(all="ignore"):
    return np.power(x, y.astype(x.dtype, copy=False))


pow_p = _naryop("pow", _pow_impl, [_inexact, _num], result_dtype=_pow_dtype, same_dtypes=False)
pow = _bind2(pow_p)  # noqa: A001 - JAX's name


def _replace_zero(x):
  return select(eq(x, _const(x, 0)), _ones(x), x)


def _pow_jvp_lhs(g, ans, x, y):
  yx = convert_element_type(y, _dtype(x))
  if dtypes.is_integer(_dtype(y)):
    # d/dx x**0 is 0 even at x == 0, where y * x**(y-1) would be 0 * inf.
    shape = _broadcast_shapes("pow", _shape(x), _shape(y))
    x, yx = _broadcast_to(x, shape), _broadcast_to(yx, shape)
    jac = select(eq(yx, _const(yx, 0)), _zeros(yx),
                 mul(_replace_zero(yx), pow(x, sub(yx, _const(yx, 1)))))
  else:
    jac = mul(yx, pow(x, sub(yx, _const(yx, 1))))
  return mul(g, jac)


def _pow_jvp_rhs(g, ans, x, y):
  # log(x) is taken as 0 where x == 0: d/dy 0**y is 0 there.
  return convert_element_type(mul(g, mul(log(_replace_zero(x)), ans)), _dtype(y))


ad.defjvp2(pow_p, _pow_jvp_lhs, _pow_jvp_rhs)

nextafter_p = _naryop("nextafter", _silent(np.nextafter), [_float, _float])
nextafter = _bind2(nextafter_p)
_not_differentiable(nextafter_p)
defexpr(nextafter_p, "np.nextafter({0}, {1})")


# ---------------------------------------------------------------------------
# Rounding

floor_p = _unop("floor", np.floor, _float)
floor = _bind1(floor_p)
ad.defjvp_zero(floor_p)
defexpr(floor_p, "np.floor({0})")

ceil_p = _unop("ceil", np.ceil, _float)
ceil = _bind1(ceil_p)
ad.defjvp_zero(ceil_p)
defexpr(ceil_p, "np.ceil({0})")


class RoundingMethod(enum.IntEnum):
  """How ``lax.round`` breaks ties (values exactly halfway between two integers)."""
  AWAY_FROM_ZERO = 0
  TO_NEAREST_EVEN = 1


def _round_impl(x, *, rounding_method):
  if rounding_method == RoundingMethod.TO_NEAREST_EVEN:
    return np.rint(x)
  # The fractional part is exact, unlike x + 0.5 (0.49999997 + 0.5 rounds up to 1 in float32).
  frac, whole = np.modf(x)
  return np.where(np.abs(frac) >= 0.5, whole + np.sign(x), whole).astype(x.dtype)


round_p = _unop("round", _round_impl, _float)
ad.defjvp_zero(round_p)
defexpr(round_p, lambda args, *, rounding_method: (
    f"np.rint({args[0]})" if rounding_method == RoundingMethod.TO_NEAREST_EVEN else
    f"np.where(np.abs(np.modf({args[0]})[0]) >= 0.5, np.modf({args[0]})[1] + np.sign({args[0]}),"
    f" np.modf({args[0]})[1]).astype({args[0]}.dtype)"))


def round(x, rounding_method=RoundingMethod.AWAY_FROM_ZERO):  # noqa: A001 - JAX's name
  return round_p.bind(x, rounding_method=RoundingMethod(rounding_method))


is_finite_p = _unop("is_finite", np.isfinite, _float, result_dtype=lambda dt: np.bool_)
is_finite = _bind1(is_finite_p)
ad.defjvp_zero(is_finite_p)
defexpr(is_finite_p, "np.isfinite({0})")


# ---------------------------------------------------------------------------
# Transcendental functions

def _transcendental(name, fn, jvp=None, jvp2=None, accepted=_inexact, expr=None,
                    accuracy=True):
  prim = _unop(name, _silent(fn), accepted)
  if jvp is not None:
    ad.defjvp(prim, lambda g, x, **_: jvp(g, x))
  else:
    ad.defjvp2(prim, lambda g, ans, x, **_: jvp2(g, ans, x))
  if expr is not None:
    defexpr(prim, expr)
  return prim, _bind1(prim, accuracy)


def _one_minus_square(x):
  return sub(_const(x, 1), square(x))


def _logistic(x):
  return np.reciprocal(1 + np.exp(-x)).astype(x.dtype)


exp_p, exp = _transcendental("exp", np.exp, jvp2=lambda g, ans, x: mul(g, ans),
                             expr="np.exp({0})")
exp2_p, exp2 = _transcendental(
    "exp2", np.exp2, jvp2=lambda g, ans, x: mul(_const(x, np.log(2)), mul(g, ans)),
    expr="np.exp2({0})")
log_p, log = _transcendental("log", np.log, jvp=lambda g, x: div(g, x), expr="np.log({0})")
log1p_p, log1p = _transcendental("log1p", np.log1p,
                                 jvp=lambda g, x: div(g, add(x, _const(x, 1))),
                                 expr="np.log1p({0})")
expm1_p, expm1 = _transcendental("expm1", np.expm1,
                                 jvp2=lambda g, ans, x: mul(g, add(ans, _const(ans, 1))),
                                 expr="np.expm1({0})")
tanh_p, tanh = _transcendental(
    "tanh", np.tanh, jvp2=lambda g, ans, x: mul(add(g, mul(g, ans)), sub(_const(x, 1), ans)),
    expr="np.tanh({0})")
logistic_p, logistic = _transcendental(
    "logistic", _logistic, jvp2=lambda g, ans, x: mul(g, mul(ans, sub(_const(ans, 1), ans))))
sin_p, sin = _transcendental("sin", np.sin, jvp=lambda g, x: mul(g, cos(x)), expr="np.sin({0})")
cos_p, cos = _transcendental("cos", np.cos, jvp=lambda g, x: neg(mul(g, sin(x))),
                             expr="np.cos({0})")
tan_p, tan = _transcendental(
    "tan", np.tan, jvp2=lambda g, ans, x: mul(g, add(_const(x, 1), square(ans))),
    expr="np.tan({0})")
asin_p, asin = _transcendental(
    "asin", np.arcsin, jvp=lambda g, x: mul(g, rsqrt(_one_minus_square(x))),
    expr="np.arcsin({0})", accuracy=False)
acos_p, acos = _transcendental(
    "acos", np.arccos, jvp=lambda g, x: mul(g, neg(rsqrt(_one_minus_square(x)))),
    expr="np.arccos({0})", accuracy=False)
atan_p, atan = _transcendental(
    "atan", np.arctan, jvp=lambda g, x: div(g, add(_const(x, 1), square(x))),
    expr="np.arctan({0})", accuracy=False)
sinh_p, sinh = _transcendental("sinh", np.sinh, jvp=lambda g, x: mul(g, cosh(x)),
                               accuracy=False)
cosh_p, cosh = _transcendental("cosh", np.cosh, jvp=lambda g, x: mul(g, sinh(x)),
                               accuracy=False)
asinh_p, asinh = _transcendental(
    "asinh", np.arcsinh, jvp=lambda g, x: mul(g, rsqrt(add(square(x), _const(x, 1)))),
    expr="np.arcsinh({0})", accuracy=False)
acosh_p, acosh = _transcendental(
    "acosh", np.arccosh, jvp=lambda g, x: mul(g, rsqrt(sub(square(x), _const(x, 1)))),
    expr="np.arccosh({0})", accuracy=False)
atanh_p, atanh = _transcendental(
    "atanh", np.arctanh,
    jvp=lambda g, x: mul(reciprocal(add(_const(x, 1), x)), div(g, sub(_const(x, 1), x))),
    expr="np.arctanh({0})", accuracy=False)
sqrt_p, sqrt = _transcendental("sqrt", np.sqrt,
                               jvp2=lambda g, ans, x: mul(g, div(_const(x, 0.5), ans)),
                               expr="np.sqrt({0})")
rsqrt_p, rsqrt = _transcendental(
    "rsqrt", lambda x: np.reciprocal(np.sqrt(x)),
    jvp2=lambda g, ans, x: mul(g, mul(_const(x, -0.5), div(ans, x))),
    expr="np.reciprocal(np.sqrt({0}))")
cbrt_p, cbrt = _transcendental(
    # Via float64: NumPy's float32 cbrt is not exact for perfect cubes (cbrt(27) != 3).
    "cbrt", lambda x: np.cbrt(x.astype(np.float64)).astype(x.dtype),
    jvp2=lambda g, ans, x: mul(g, mul(_const(x, 1 / 3), integer_pow(ans, -2))), accepted=_float)


def _atan2_impl(x, y):
  if dtypes.is_complex(x.dtype):
    with np.errstate(all="ignore"):
      return (-1j * np.log((y + 1j * x) / np.sqrt(x * x + y * y))).astype(x.dtype)
  return np.arctan2(x, y)


atan2_p = _naryop("atan2", _atan2_impl, [_inexact, _inexact])
atan2 = _bind2(atan2_p)
ad.defjvp(atan2_p, lambda g, x, y: mul(g, div(y, add(square(x), square(y)))),
          lambda g, x, y: mul(g, div(neg(x), add(square(x), square(y)))))


# ---------------------------------------------------------------------------
# Complex numbers

def _complex_dtype(dt):
  return dtypes.complex_dtype_for(dtypes.real_dtype(dt))


abs_p = _unop("abs", np.abs, (np.floating, np.complexfloating, np.signedinteger),
              result_dtype=dtypes.real_dtype)


def abs(x):  # noqa: A001 - JAX's name
  return abs_p.bind(x)


def _abs_jvp(g, ans, x):
  if dtypes.is_complex(_dtype(x)):
    return real(mul(g, div(conj(x), _replace_zero(convert_element_type(ans, _dtype(x))))))
  return select(ge(x, _const(x, 0)), g, neg(g))


ad.defjvp2(abs_p, _abs_jvp)
defexpr(abs_p, "np.abs({0})")

real_p = _unop("real", np.real, _complex, result_dtype=dtypes.real_dtype)
real = _bind1(real_p)
ad.deflinear(real_p, lambda ct, x: [complex(ct, np.zeros((), _dtype(ct)))])
defexpr(real_p, "np.real({0})")

imag_p = _unop("imag", np.imag, _complex, result_dtype=dtypes.real_dtype)
imag = _bind1(imag_p)
ad.deflinear(imag_p, lambda ct, x: [complex(np.zeros((), _dtype(ct)), neg(ct))])
defexpr(imag_p, "np.imag({0})")


def _complex_impl(x, y):
  out = np.empty(np.broadcast_shapes(x.shape, y.shape), _complex_dtype(x.dtype))
  out.real, out.imag = x, y  # not x + 1j*y, which turns an infinite y into a nan real part
  return out


complex_p = _naryop("complex", _complex_impl, [(np.float32, np.float64)] * 2,
                    result_dtype=lambda x, y: _complex_dtype(x.dtype))


def complex(x, y):  # noqa: A001 - JAX's name
  return complex_p.bind(x, y)


def _complex_transpose(ct, x, y):
  if type(ct) is Zero:
    return [None, None]
  return [unbroadcast_ct(x.aval, real(ct)) if is_undefined_primal(x) else None,
          unbroadcast_ct(y.aval, imag(neg(ct))) if is_undefined_primal(y) else None]


ad.deflinear(complex_p, _complex_transpose)


def _conj_impl(x, *, input_dtype):
  return np.conj(x) if dtypes.is_complex(x.dtype) else x.astype(_complex_dtype(x.dtype))


conj_p = _unop("conj", _conj_impl, (np.float32, np.complexfloating, np.float64),
               result_dtype=_complex_dtype)


def conj(x):
  return conj_p.bind(x, input_dtype=_dtype(x))


def _conj_transpose(ct, x, *, input_dtype):
  if type(ct) is Zero:
    return [None]
  return [conj(ct) if dtypes.is_complex(input_dtype) else real(ct)]


ad.deflinear(conj_p, _conj_transpose)


# ---------------------------------------------------------------------------
# Comparisons, selection and clamping

def _cmp(name, fn, accepted):
  prim = _naryop(name, fn, [accepted, accepted], result_dtype=lambda x, y: np.bool_)
  ad.defjvp_zero(prim)
  defexpr(prim, f"np.{fn.__name__}({{0}}, {{1}})")
  return prim, _bind2(prim)


eq_p, eq = _cmp("eq", np.equal, _any)
ne_p, ne = _cmp("ne", np.not_equal, _any)
lt_p, lt = _cmp("lt", np.less, _ordered)
le_p, le = _cmp("le", np.less_equal, _ordered)
gt_p, gt = _cmp("gt", np.greater, _ordered)
ge_p, ge = _cmp("ge", np.greater_equal, _ordered)


_UINT_OF_SIZE = {2: np.uint16, 4: np.uint32, 8: np.uint64}


def select_bits(which, on_true, on_false):
  """``np.where(which, on_true, on_false)`` for same-shape operands, as bit operations on
  unsigned views: exact for every value (NaN payloads included) and several times faster
  than np.where, whose branches mispredict on unpredictable masks."""
  u = _UINT_OF_SIZE.get(on_true.dtype.itemsize)
  if u is None or not which.ndim or on_true.shape != which.shape or \
      on_false.shape != which.shape or on_true.dtype != on_false.dtype:
    return np.where(which, on_true, on_false)
  mask = which.astype(u)
  np.negative(mask, out=mask)  # all ones where True
  out = np.bitwise_and(on_true.view(u), mask)
  np.bitwise_and(on_false.view(u), np.invert(mask, out=mask), out=mask)
  np.bitwise_or(out, mask, out=out)
  return out.view(on_true.dtype)


def _select_n_impl(which, *cases):
  if len(cases) == 1:
    return cases[0]
  if which.dtype == np.bool_:
    return select_bits(which, cases[1], cases[0])
  # An out-of-range index selects the first or last case, as XLA's nested selects do.
  return np.choose(np.clip(which, 0, len(cases) - 1), cases)


def _select_n_abstract_eval(which, *cases):
  if not cases:
    raise TypeError("select must have at least one case")
  if any(c.shape != cases[0].shape for c in cases[1:]):
    raise TypeError("select cases must have the same shapes, got "
                    f"[{', '.join(str(c.shape) for c in cases)}].")
  if which.shape and which.shape != cases[0].shape:
    raise TypeError("select `which` must be scalar or have the same shape as cases, got "
                    f"`which` shape {which.shape} but case shape {cases[0].shape}.")
  _check_same_dtypes("select", *cases)
  if not (dtypes.is_bool(which.dtype) or dtypes.is_integer(which.dtype)):
    raise TypeError(f"select `which` must be boolean or integer type, got {which.dtype}.")
  if dtypes.is_bool(which.dtype) and len(cases) > 2:
    raise TypeError("select with boolean `which` cannot have > 2 cases.")
  return ShapedArray(cases[0].shape, cases[0].dtype, all(c.weak_type for c in cases))


select_n_p = core.Primitive("select_n")
select_n_p.def_impl(_select_n_impl)
select_n_p.def_abstract_eval(_select_n_abstract_eval)
select_n_p.weak_type_rule = lambda flags, **_: all(flags[1:])
defexpr(select_n_p, lambda args, in_avals, out_avals: (
    f"select_bits({args[0]}, {args[2]}, {args[1]})"
    if len(args) == 3 and in_avals[0].dtype == np.bool_ else None), with_avals=True,
    namespace={"select_bits": select_bits})


def select_n(which, *cases):
  return select_n_p.bind(which, *cases)


def select(pred, on_true, on_false):
  """``lax.select``: ``on_true`` where ``pred`` else ``on_false``."""
  return select_n_p.bind(pred, on_false, on_true)


def _select_n_jvp(primals, tangents):
  which, *cases = primals
  out = select_n(which, *cases)
  if all(type(t) is Zero for t in tangents[1:]):
    return out, Zero.from_primal_value(out)
  return out, select_n(which, *[ad.instantiate_zeros(t) for t in tangents[1:]])


def _select_n_transpose(ct, which, *cases):
  if is_undefined_primal(which):
    raise ValueError("select_n: the predicate cannot be a linear input")
  if type(ct) is Zero:
    return [None] * (1 + len(cases))
  zeros = _zeros(ct)
  return [None] + [select_n(which, *[ct if j == i else zeros for j in range(len(cases))])
                   if is_undefined_primal(c) else None for i, c in enumerate(cases)]


def _select_n_batch(vals, dims):
  which, *cases = vals
  wdim, *cdims = dims
  size = next(_shape(v)[d] for v, d in zip(vals, dims) if d is not None)
  cases = [batching.bdim_at_front(c, d, size) for c, d in zip(cases, cdims)]
  if wdim is None and not _shape(which):
    return select_n(which, *cases), 0  # a scalar predicate picks whole batched cases
  case_shape = _shape(cases[0])
  if wdim is None:
    which = broadcast_in_dim(which, case_shape, tuple(range(1, len(case_shape))))
  else:
    which = batching.moveaxis(which, wdim, 0)
    if len(_shape(which)) == 1 and len(case_shape) > 1:
      which = broadcast_in_dim(which, case_shape, (0,))
  return select_n(which, *cases), 0


ad.primitive_jvps[select_n_p] = _select_n_jvp
ad.primitive_transposes[select_n_p] = _select_n_transpose
batching.primitive_batchers[select_n_p] = _select_n_batch


def _clamp_impl(lo, x, hi):
  return np.minimum(np.maximum(x, lo), hi)


def _clamp_abstract_eval(lo, x, hi):
  for what, b in (("min", lo), ("max", hi)):
    if b.shape and b.shape != x.shape:
      raise TypeError(f"clamp requires {what}.shape == operand.shape or {what}.shape == (), "
                      f"got {what}.shape={b.shape}, operand.shape={x.shape}.")
  for i, a in enumerate((lo, x, hi)):
    _check_dtype("clamp", a.dtype, _any, i)
  _check_same_dtypes("clamp", lo, x, hi)
  return ShapedArray(x.shape, x.dtype, lo.weak_type and x.weak_type and hi.weak_type)


clamp_p = core.Primitive("clamp")
clamp_p.def_impl(_clamp_impl)
clamp_p.def_abstract_eval(_clamp_abstract_eval)
defexpr(clamp_p, "np.minimum(np.maximum({1}, {0}), {2})")


def clamp(min, x, max):  # noqa: A002 - JAX's parameter names
  """``min`` where ``x < min``, ``max`` where ``x > max``, else ``x``."""
  return clamp_p.bind(min, x, max)


def _clamp_picks(g, x, mask):
  return select(mask, _broadcast_to(g, _shape(x)), _zeros(x))


# Unlike JAX, a scalar bound's tangent is broadcast, so its derivative works too.
ad.defjvp(clamp_p,
          lambda g, lo, x, hi: _clamp_picks(g, x, bitwise_and(gt(lo, x), lt(lo, hi))),
          lambda g, lo, x, hi: _clamp_picks(g, x, bitwise_and(gt(x, lo), lt(x, hi))),
          lambda g, lo, x, hi: _clamp_picks(g, x, lt(hi, x)))


def _clamp_batch(vals, dims):
  (lo, x, hi), (dlo, dx, dhi) = vals, dims
  if dlo is None and dhi is None and not _shape(lo) and not _shape(hi):
    return clamp(lo, x, hi), dx
  size = next(_shape(v)[d] for v, d in zip(vals, dims) if d is not None)
  x = batching.bdim_at_front(x, dx, size)

  def bound(b, d):
    if d is None and not _shape(b):
      return b
    b = batching.bdim_at_front(b, d, size)
    return b if _shape(b) == _shape(x) else broadcast_in_dim(b, _shape(x), (0,))
  lo, hi = bound(lo, dlo), bound(hi, dhi)
  if len(_shape(lo)) > len(_shape(x)) or len(_shape(hi)) > len(_shape(x)):
    x = broadcast_in_dim(x, (size,) + _shape(lo if _shape(lo) else hi)[1:], (0,))
  return clamp(lo, x, hi), 0


batching.primitive_batchers[clamp_p] = _clamp_batch


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
  with np.errstate(invalid="ignore", over="ignore"):
    out = x.astype(new_dtype)
    if dtypes.is_integer(new_dtype) and dtypes.is_floating(x.dtype):
      # XLA saturates float -> int conversions and maps NaN to 0. (Comparing, not clipping:
      # the int bound may round up in the float type, 2**31 - 1 -> 2**31 in float32.)
      info = dtypes.iinfo(new_dtype)
      out = np.where(x >= info.max, info.max, np.where(x <= info.min, info.min, out))
      out = np.where(np.isnan(x), 0, out).astype(new_dtype)
    return out


def _convert_abstract_eval(x, *, new_dtype, weak_type=False, sharding=None):
  return ShapedArray(x.shape, new_dtype, weak_type)


convert_element_type_p.def_impl(_convert_impl)
convert_element_type_p.def_abstract_eval(_convert_abstract_eval)
convert_element_type_p.weak_type_rule = lambda flags, *, weak_type=False, **_: weak_type


def _convert_expr(args, in_avals, out_avals, *, new_dtype, weak_type=False, sharding=None):
  """A plain astype where the impl is one (no float->int saturation, no complex->real)."""
  old = in_avals[0].dtype
  if old == new_dtype:
    return args[0]
  target = np_dtype_expr(new_dtype)
  simple = (target is not None and np_dtype_expr(old) is not None and new_dtype != np.bool_
            and not (dtypes.is_integer(new_dtype) and dtypes.is_floating(old))
            and not (dtypes.is_complex(old) and not dtypes.is_complex(new_dtype)))
  return f"{args[0]}.astype({target})" if simple else None


defexpr(convert_element_type_p, _convert_expr, with_avals=True)


def convert_element_type(operand, new_dtype):
  """``lax.convert_element_type``: cast to ``new_dtype`` (canonicalized), never weak."""
  new_dtype = dtypes.canonicalize_dtype(dtypes.dtype(new_dtype))
  aval = core.get_aval(operand)
  if aval.dtype == new_dtype and not aval.weak_type and \
      not isinstance(operand, (int, float, bool, type(1j))):
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
  if type(ct) is Zero or not dtypes.is_inexact(x.aval.dtype):
    return [None]
  return [convert_element_type_p.bind(ct, new_dtype=x.aval.dtype, weak_type=x.aval.weak_type,
                                      sharding=sharding)]


ad.primitive_jvps[convert_element_type_p] = _convert_jvp
ad.primitive_transposes[convert_element_type_p] = _convert_transpose
batching.defvectorized(convert_element_type_p)


# Bit-level ops and special functions live in their own modules; this one re-exports them.
from jaxlite._src.lax.bitwise import *  # noqa: E402,F401,F403
from jaxlite._src.lax.special import *  # noqa: E402,F401,F403
from jaxlite._src.lax import bitwise as _bitwise_mod, special as _special_mod  # noqa: E402

__all__ += _bitwise_mod.__all__ + _special_mod.__all__
