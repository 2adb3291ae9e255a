"""More elementwise jnp functions (rounding, division, bit operations, predicates, complex
parts, special values...), written over lax with JAX's promotion rules and edge cases.

JAX wraps many of these in ``jit`` (floor_divide, remainder, ...); here they are plain
Python over lax, so jaxprs show their equations inline rather than a ``jit[name=...]``."""
from __future__ import annotations

import numpy as np

from jaxlite._src import core
from jaxlite._src import dtypes
from jaxlite._src.array import ArrayImpl
from jaxlite._src.lax import lax
from jaxlite._src.numpy import util
from jaxlite._src.numpy.ufuncs import power, where as _where

__all__ = [
    "abs", "absolute", "acos", "acosh", "allclose", "angle", "arccos", "arccosh", "arcsin",
    "arcsinh", "arctan", "arctan2", "arctanh", "array_equal", "array_equiv", "asin", "asinh",
    "atan", "atan2", "atanh", "bitwise_and", "bitwise_count", "bitwise_invert",
    "bitwise_left_shift", "bitwise_not", "bitwise_or", "bitwise_right_shift", "bitwise_xor",
    "cbrt", "ceil", "conj", "conjugate", "copysign", "cosh", "deg2rad", "degrees", "divmod",
    "exp2", "expm1", "fabs", "floor", "floor_divide", "fmax", "fmin", "fmod", "frexp",
    "gcd", "heaviside", "hypot", "i0", "imag", "invert", "isclose", "isfinite", "isinf", "isnan",
    "isneginf", "isposinf", "lcm", "ldexp", "left_shift", "log10", "log1p", "log2",
    "logaddexp", "logaddexp2", "logical_and", "logical_not", "logical_or", "logical_xor",
    "mod", "modf", "nan_to_num", "nextafter", "pow", "rad2deg", "radians", "real",
    "remainder", "right_shift", "rint", "sign", "signbit", "sinc", "sinh", "spacing", "tan",
    "trunc",
]


def _dtype(x):
  return core.get_aval(x).dtype


def _const(like, value):
  """A scalar of ``like``'s dtype and weak type (so Python-scalar inputs stay weak)."""
  aval = core.get_aval(like)
  return ArrayImpl(np.array(value, aval.dtype), aval.weak_type)


def _one(name, promote, lax_fn):
  def fn(x, /):
    util.check_arraylike(name, x)
    (x,) = promote(x)
    return lax_fn(x)
  fn.__name__ = fn.__qualname__ = name
  fn.__doc__ = f"Elementwise ``jnp.{name}``."
  return fn


def _two(name, promote, lax_fn):
  def fn(x1, x2, /):
    return lax_fn(*promote(name, x1, x2))
  fn.__name__ = fn.__qualname__ = name
  fn.__doc__ = f"Elementwise ``jnp.{name}``."
  return fn


_inexact = util.promote_dtypes_inexact
_same = util.promote_dtypes

# ---------------------------------------------------------------------------
# Transcendental functions: promote to inexact, then one lax op.

exp2 = _one("exp2", _inexact, lax.exp2)
expm1 = _one("expm1", _inexact, lax.expm1)
log1p = _one("log1p", _inexact, lax.log1p)
tan = _one("tan", _inexact, lax.tan)
arcsin = asin = _one("arcsin", _inexact, lax.asin)
arccos = acos = _one("arccos", _inexact, lax.acos)
arctan = atan = _one("arctan", _inexact, lax.atan)
arcsinh = asinh = _one("arcsinh", _inexact, lax.asinh)
arccosh = acosh = _one("arccosh", _inexact, lax.acosh)
arctanh = atanh = _one("arctanh", _inexact, lax.atanh)
sinh = _one("sinh", _inexact, lax.sinh)
cosh = _one("cosh", _inexact, lax.cosh)
cbrt = _one("cbrt", _inexact, lax.cbrt)
arctan2 = atan2 = _two("arctan2", util.promote_args_inexact, lax.atan2)
nextafter = _two("nextafter", util.promote_args_inexact, lax.nextafter)
sign = _one("sign", _same, lax.sign)
pow = power  # noqa: A001 - NumPy 2's name


def _scaled_log(name, scale):
  def fn(x, /):
    util.check_arraylike(name, x)
    (x,) = _inexact(x)
    dt = dtypes.real_dtype(_dtype(x))
    r = lax.log(x)
    if dtypes.is_complex(_dtype(x)):
      return lax.complex(scale(lax.real(r), dt), scale(lax.imag(r), dt))
    return scale(r, dt)
  fn.__name__ = fn.__qualname__ = name
  fn.__doc__ = f"Elementwise ``jnp.{name}``."
  return fn


# As in JAX: log2 divides by log(2) (exact for powers of two), log10 multiplies by 1/log(10);
# the constants are plain, not weak.
log2 = _scaled_log("log2", lambda v, dt: lax.div(v, np.log(np.array(2, dt))))
log10 = _scaled_log("log10", lambda v, dt: lax.mul(v, np.array(0.4342944819032518, dt)))


def _logaddexp(name, exp_fn, log_scale):
  def fn(x1, x2, /):
    x1, x2 = util.promote_args_inexact(name, x1, x2)
    if dtypes.is_complex(_dtype(x1)):
      return _complex_logaddexp(x1, x2, exp_fn, log_scale)
    hi, lo = lax.max(x1, x2), lax.min(x1, x2)
    # lo - hi (not -|x1 - x2|) keeps the derivative right at ties: 1/2 to each input.
    delta = lax.sub(lo, hi)
    soft = lax.log1p(exp_fn(delta))
    out = lax.add(hi, soft if log_scale == 1 else lax.mul(_const(hi, log_scale), soft))
    # nan delta: a nan input, or infinities of one sign, whose sum is the answer.
    return _where(lax.ne(delta, delta), lax.add(x1, x2), out)
  fn.__name__ = fn.__qualname__ = name
  fn.__doc__ = f"``jnp.{name}``: log(exp(x1) + exp(x2)) in base {'e' if name[-1] == 'p' else 2}."
  return fn


def _complex_logaddexp(x1, x2, exp_fn, log_scale):
  hi = lax.max(x1, x2)
  delta = lax.sub(lax.add(x1, x2), lax.mul(hi, _const(hi, 2)))
  out = lax.add(hi, lax.mul(_const(hi, log_scale), lax.log1p(exp_fn(delta))))
  # The imaginary part is an angle (in units of the base): wrap it into [-period/2, period/2].
  im = lax.imag(out)
  half, period = _const(im, np.pi * log_scale), _const(im, 2 * np.pi * log_scale)
  wrapped = lax.rem(lax.add(im, half), period)
  wrapped = _where(lax.lt(wrapped, _const(im, 0)), lax.add(wrapped, period), wrapped)
  return lax.complex(lax.real(out), lax.sub(wrapped, half))


logaddexp = _logaddexp("logaddexp", lax.exp, 1)
logaddexp2 = _logaddexp("logaddexp2", lax.exp2, 1 / np.log(2))


def deg2rad(x, /):
  util.check_arraylike("deg2rad", x)
  (x,) = _inexact(x)
  return lax.mul(x, _const(x, np.pi / 180))


def rad2deg(x, /):
  util.check_arraylike("rad2deg", x)
  (x,) = _inexact(x)
  return lax.mul(x, _const(x, 180 / np.pi))


radians = deg2rad
degrees = rad2deg


def hypot(x1, x2, /):
  x1, x2 = util.promote_args_inexact("hypot", x1, x2)
  if dtypes.is_complex(_dtype(x1)):
    raise ValueError("jnp.hypot is not well defined for complex-valued inputs. Please convert "
                     "to real values first, such as by using abs(x)")
  x1, x2 = lax.abs(x1), lax.abs(x2)
  inf = lax.bitwise_or(lax.eq(x1, _const(x1, np.inf)), lax.eq(x2, _const(x2, np.inf)))
  big, small = lax.max(x1, x2), lax.min(x1, x2)
  safe_big = _where(lax.eq(big, _const(big, 0)), _const(big, 1), big)
  ratio = lax.div(small, safe_big)
  out = lax.mul(big, lax.sqrt(lax.add(_const(big, 1), lax.square(ratio))))
  out = _where(lax.eq(big, _const(big, 0)), big, out)
  return _where(inf, _const(out, np.inf), out)


def i0(x):
  """Modified Bessel function of the first kind, order 0."""
  util.check_arraylike("i0", x)
  (x,) = _inexact(x)
  if not dtypes.is_floating(_dtype(x)):
    raise ValueError(f"Unsupported input type to jax.numpy.i0: {_dtype(x)}")
  # exp(max(x, -x)), not exp(|x|): max's balanced derivative makes d/dx i0 = 0 at 0, as JAX's
  # custom derivative does.
  return lax.mul(lax.exp(lax.max(x, lax.neg(x))), lax.bessel_i0e(x))


def sinc(x, /):
  """sin(pi x) / (pi x), 1 at 0. (JAX's custom derivative at 0 is not reproduced: the
  first derivative there is right, higher ones read 0.)"""
  util.check_arraylike("sinc", x)
  (x,) = _inexact(x)
  zero = lax.eq(x, _const(x, 0))
  pi_x = lax.mul(_const(x, np.pi), x)
  safe = _where(zero, _const(x, 1), pi_x)
  return _where(zero, _const(x, 1), lax.div(lax.sin(safe), safe))


# ---------------------------------------------------------------------------
# Rounding

def _int_or_bool(x):
  return dtypes.is_integer(_dtype(x)) or dtypes.is_bool(_dtype(x))


def _rounding(name, lax_fn):
  def fn(x, /):
    util.check_arraylike(name, x)
    (x,) = _same(x)
    if _int_or_bool(x):
      return x  # already integral
    return lax_fn(x)
  fn.__name__ = fn.__qualname__ = name
  fn.__doc__ = f"Elementwise ``jnp.{name}``; integers and booleans come back unchanged."
  return fn


floor = _rounding("floor", lax.floor)
ceil = _rounding("ceil", lax.ceil)
trunc = _rounding("trunc", lambda x: _where(lax.lt(x, _const(x, 0)), lax.ceil(x), lax.floor(x)))


def rint(x, /):
  """Round to the nearest integer, ties to even; integers become the default float type."""
  util.check_arraylike("rint", x)
  (x,) = _same(x)
  if _int_or_bool(x):
    return lax.convert_element_type(x, dtypes.default_float_dtype())
  if dtypes.is_complex(_dtype(x)):
    return lax.complex(rint(lax.real(x)), rint(lax.imag(x)))
  return lax.round(x, lax.RoundingMethod.TO_NEAREST_EVEN)


def modf(x, /, out=None):
  """Fractional and integral parts, both with the sign of ``x``."""
  if out is not None:
    raise NotImplementedError("The 'out' argument to jnp.modf is not supported.")
  util.check_arraylike("modf", x)
  (x,) = _inexact(x)
  whole = _where(lax.ge(x, _const(x, 0)), lax.floor(x), lax.ceil(x))
  return lax.sub(x, whole), whole


# ---------------------------------------------------------------------------
# Division

def floor_divide(x1, x2, /):
  """``x1 // x2``: integer quotients round toward -inf (JAX: ``1 // 0 == -2``)."""
  x1, x2 = util.promote_args_numeric("floor_divide", x1, x2)
  dt = _dtype(x1)
  if dtypes.is_unsigned(dt):
    return lax.div(x1, x2)
  if dtypes.is_integer(dt):
    q = lax.div(x1, x2)
    fix_down = lax.bitwise_and(lax.ne(lax.sign(x1), lax.sign(x2)),
                               lax.ne(lax.rem(x1, x2), _const(x1, 0)))
    return _where(fix_down, lax.sub(q, _const(q, 1)), q)
  if dtypes.is_complex(dt):
    raise TypeError("floor_divide does not support complex-valued inputs")
  return _float_divmod(x1, x2)[0]


def _float_divmod(x1, x2):
  """Python's float ``divmod``: the quotient is rounded after fixing up the remainder."""
  mod = lax.rem(x1, x2)
  div = lax.div(_where(lax.eq(x2, _const(x2, 0)), x1, lax.sub(x1, mod)), x2)
  fix_up = lax.bitwise_and(lax.ne(mod, _const(mod, 0)), lax.ne(lax.sign(x2), lax.sign(mod)))
  mod = _where(fix_up, lax.add(mod, x2), mod)
  div = _where(fix_up, lax.sub(div, _const(div, 1)), div)
  return lax.round(div), mod


def remainder(x1, x2, /):
  """``x1 % x2`` with the sign of the divisor, as NumPy (integer ``x % 0`` is 0)."""
  x1, x2 = util.promote_args_numeric("remainder", x1, x2)
  if dtypes.is_integer(_dtype(x2)):
    x2 = _where(lax.eq(x2, _const(x2, 0)), _const(x2, 1), x2)
  mod = lax.rem(x1, x2)
  zero = _const(mod, 0)
  fix_up = lax.bitwise_and(lax.ne(lax.lt(mod, zero), lax.lt(x2, _const(x2, 0))),
                           lax.ne(mod, zero))
  return _where(fix_up, lax.add(mod, x2), mod)


mod = remainder


def fmod(x1, x2, /):
  """C remainder: the sign of the dividend (integer ``fmod(x, 0)`` is 0)."""
  x1, x2 = util.promote_args_numeric("fmod", x1, x2)
  if dtypes.is_integer(_dtype(x2)):
    x2 = _where(lax.eq(x2, _const(x2, 0)), _const(x2, 1), x2)
  return lax.rem(x1, x2)


def divmod(x1, x2, /):  # noqa: A001 - NumPy's name
  x1, x2 = util.promote_args_numeric("divmod", x1, x2)
  if dtypes.is_integer(_dtype(x1)):
    return floor_divide(x1, x2), remainder(x1, x2)
  return _float_divmod(x1, x2)


# ---------------------------------------------------------------------------
# Magnitude and sign

def absolute(x, /):
  """``|x|``; booleans and unsigned integers come back unchanged."""
  util.check_arraylike("absolute", x)
  (x,) = _same(x)
  if dtypes.is_bool(_dtype(x)) or dtypes.is_unsigned(_dtype(x)):
    return x
  return lax.abs(x)


abs = absolute  # noqa: A001 - NumPy's name


def fabs(x, /):
  util.check_arraylike("fabs", x)
  (x,) = _inexact(x)
  if dtypes.is_complex(_dtype(x)):
    raise TypeError("ufunc 'fabs' does not support complex dtypes")
  return lax.abs(x)


def signbit(x, /):
  """Whether the sign bit is set (true for -0.0 and negative nans)."""
  util.check_arraylike("signbit", x)
  (x,) = _same(x)
  dt = _dtype(x)
  if dtypes.is_integer(dt):
    return lax.lt(x, _const(x, 0))
  if dtypes.is_bool(dt):
    return lax.full(util.shape(x), False, np.bool_)
  if not dtypes.is_floating(dt):
    raise ValueError(f"jax.numpy.signbit is not well defined for {dt}")
  bits = lax.bitcast_convert_type(x, np.dtype(f"i{dt.itemsize}"))
  return lax.lt(bits, _const(bits, 0))


def copysign(x1, x2, /):
  x1, x2 = util.promote_args_inexact("copysign", x1, x2)
  if dtypes.is_complex(_dtype(x1)):
    raise TypeError("copysign does not support complex-valued inputs")
  return _where(signbit(x2), lax.neg(lax.abs(x1)), lax.abs(x1))


def heaviside(x1, x2, /):
  """0 for x1 < 0, 1 for x1 > 0, x2 at 0 (and nan for nan)."""
  util.check_arraylike("heaviside", x1, x2)
  x1, x2 = util.promote_args_inexact("heaviside", x1, x2)
  zero = _const(x1, 0)
  middle = _where(lax.ne(x1, x1), x1, x2)
  return _where(lax.lt(x1, zero), zero, _where(lax.gt(x1, zero), _const(x1, 1), middle))


def spacing(x, /):
  """Distance from ``x`` to the next float away from zero."""
  util.check_arraylike("spacing", x)
  (x,) = _inexact(x)
  if dtypes.is_complex(_dtype(x)):
    raise ValueError("jnp.spacing is not defined for complex inputs.")
  inf = _const(x, np.inf)
  if _dtype(x) == np.float16:
    return lax.sub(lax.nextafter(x, inf), x)
  out = lax.sub(lax.nextafter(x, copysign(inf, x)), x)
  return _where(lax.eq(out, _const(out, 0)),
                copysign(_const(x, dtypes.finfo(_dtype(x)).smallest_subnormal), x), out)


# ---------------------------------------------------------------------------
# Bit operations

def _logical(x):
  return x if dtypes.is_bool(_dtype(x)) else lax.ne(x, _const(x, 0))


bitwise_and = _two("bitwise_and", util.promote_args, lax.bitwise_and)
bitwise_or = _two("bitwise_or", util.promote_args, lax.bitwise_or)
bitwise_xor = _two("bitwise_xor", util.promote_args, lax.bitwise_xor)
invert = bitwise_not = bitwise_invert = _one("invert", _same, lax.bitwise_not)
left_shift = bitwise_left_shift = _two("left_shift", util.promote_args_numeric, lax.shift_left)
logical_and = _two("logical_and", util.promote_args,
                   lambda x, y: lax.bitwise_and(_logical(x), _logical(y)))
logical_or = _two("logical_or", util.promote_args,
                  lambda x, y: lax.bitwise_or(_logical(x), _logical(y)))
logical_xor = _two("logical_xor", util.promote_args,
                   lambda x, y: lax.bitwise_xor(_logical(x), _logical(y)))
logical_not = _one("logical_not", _same, lambda x: lax.bitwise_not(_logical(x)))


def right_shift(x1, x2, /):
  """``x1 >> x2``: logical for unsigned integers, arithmetic (sign-filling) for signed."""
  x1, x2 = util.promote_args_numeric("right_shift", x1, x2)
  if dtypes.is_unsigned(_dtype(x1)):
    return lax.shift_right_logical(x1, x2)
  return lax.shift_right_arithmetic(x1, x2)


bitwise_right_shift = right_shift


def bitwise_count(x, /):
  """Number of set bits of ``|x|``, as uint8 (NumPy's definition)."""
  util.check_arraylike("bitwise_count", x)
  (x,) = util.promote_dtypes_numeric(x)
  return lax.convert_element_type(lax.population_count(absolute(x)), np.uint8)


def gcd(x1, x2, /):
  """Greatest common divisor of integers, by Euclid's algorithm."""
  util.check_arraylike("gcd", x1, x2)
  x1, x2 = util.promote_dtypes(x1, x2)
  if not dtypes.is_integer(_dtype(x1)):
    raise ValueError("Arguments to jax.numpy.gcd must be integers.")
  from jaxlite._src.numpy.shape_ops import broadcast_arrays
  from jaxlite._src.numpy.reductions import any as any_
  from jaxlite._src.lax.control_flow.loops import while_loop
  x1, x2 = broadcast_arrays(absolute(x1), absolute(x2))

  def step(ab):
    a, b = ab
    done = lax.eq(b, _const(b, 0))
    safe_b = _where(done, _const(b, 1), b)
    return _where(done, a, b), _where(done, b, lax.rem(a, safe_b))
  return while_loop(lambda ab: any_(lax.ne(ab[1], _const(ab[1], 0))), step, (x1, x2))[0]


def lcm(x1, x2, /):
  util.check_arraylike("lcm", x1, x2)
  x1, x2 = util.promote_dtypes(x1, x2)
  if not dtypes.is_integer(_dtype(x1)):
    raise ValueError("Arguments to jax.numpy.lcm must be integers.")
  x1, x2 = absolute(x1), absolute(x2)
  d = gcd(x1, x2)
  return _where(lax.eq(d, _const(d, 0)), _const(d, 0),
                lax.mul(*util.promote_shapes("lcm", x1, floor_divide(x2, d))))


# ---------------------------------------------------------------------------
# Predicates

def isfinite(x, /):
  util.check_arraylike("isfinite", x)
  (x,) = _same(x)
  dt = _dtype(x)
  if dtypes.is_floating(dt):
    return lax.is_finite(x)
  if dtypes.is_complex(dt):
    return lax.bitwise_and(lax.is_finite(lax.real(x)), lax.is_finite(lax.imag(x)))
  return lax.full(util.shape(x), True, np.bool_)


def isinf(x, /):
  util.check_arraylike("isinf", x)
  (x,) = _same(x)
  dt = _dtype(x)
  if dtypes.is_floating(dt):
    return lax.eq(lax.abs(x), _const(x, np.inf))
  if dtypes.is_complex(dt):
    re, im = lax.abs(lax.real(x)), lax.abs(lax.imag(x))
    return lax.bitwise_or(lax.eq(re, _const(re, np.inf)), lax.eq(im, _const(im, np.inf)))
  return lax.full(util.shape(x), False, np.bool_)


def isnan(x, /):
  util.check_arraylike("isnan", x)
  (x,) = _same(x)
  return lax.ne(x, x)


def _isinf_signed(name, value):
  def fn(x, /, out=None):
    if out is not None:
      raise NotImplementedError(f"The 'out' argument to {name} is not supported.")
    util.check_arraylike(name, x)
    (x,) = _same(x)
    dt = _dtype(x)
    if dtypes.is_complex(dt):
      raise ValueError("isposinf/isneginf are not well defined for complex types")
    if not dtypes.is_floating(dt):
      return lax.full(util.shape(x), False, np.bool_)
    return lax.eq(x, _const(x, value))
  fn.__name__ = fn.__qualname__ = name
  return fn


isposinf = _isinf_signed("isposinf", np.inf)
isneginf = _isinf_signed("isneginf", -np.inf)


def isclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
  """``|a - b| <= atol + rtol * |b|`` (or exactly equal; nans equal if ``equal_nan``)."""
  a, b = util.promote_args_inexact("isclose", a, b)
  real_dt = dtypes.real_dtype(_dtype(a))
  rtol = lax.convert_element_type(rtol, real_dt)
  atol = lax.convert_element_type(atol, real_dt)
  in_range = lax.le(lax.abs(lax.sub(a, b)), lax.add(atol, lax.mul(rtol, lax.abs(b))))
  out = lax.bitwise_or(lax.eq(a, b), lax.bitwise_and(isfinite(b), in_range))
  if equal_nan:
    out = lax.bitwise_or(out, lax.bitwise_and(isnan(a), isnan(b)))
  return out


def allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
  util.check_arraylike("allclose", a, b)
  from jaxlite._src.numpy.reductions import all as all_
  return all_(isclose(a, b, rtol, atol, equal_nan))


def array_equal(a1, a2, equal_nan=False):
  """True when the shapes match and every element is equal."""
  from jaxlite._src.numpy.creation import asarray
  from jaxlite._src.numpy.reductions import all as all_
  from jaxlite._src.numpy.ufuncs import equal
  a1, a2 = asarray(a1), asarray(a2)
  if util.shape(a1) != util.shape(a2):
    return asarray(False)
  eq = equal(a1, a2)
  if equal_nan:
    eq = logical_or(eq, logical_and(isnan(a1), isnan(a2)))
  return all_(eq)


def array_equiv(a1, a2):
  """True when the arrays broadcast together and every element is equal."""
  from jaxlite._src.numpy.creation import asarray
  from jaxlite._src.numpy.reductions import all as all_
  from jaxlite._src.numpy.ufuncs import equal
  a1, a2 = asarray(a1), asarray(a2)
  try:
    eq = equal(a1, a2)
  except ValueError:
    return asarray(False)
  return all_(eq)


def fmax(x1, x2, /):
  """Elementwise maximum that ignores a nan when the other value is not nan."""
  x1, x2 = util.promote_args("fmax", x1, x2)
  return _where(lax.ne(x1, x1), x2, _where(lax.ne(x2, x2), x1, lax.max(x1, x2)))


def fmin(x1, x2, /):
  """Elementwise minimum that ignores a nan when the other value is not nan."""
  x1, x2 = util.promote_args("fmin", x1, x2)
  return _where(lax.ne(x1, x1), x2, _where(lax.ne(x2, x2), x1, lax.min(x1, x2)))


def nan_to_num(x, copy=True, nan=0.0, posinf=None, neginf=None):
  """nan -> ``nan``, +inf -> ``posinf`` (default: largest float), -inf -> ``neginf``."""
  util.check_arraylike("nan_to_num", x)
  (x,) = _same(x)
  dt = _dtype(x)
  if not dtypes.is_inexact(dt):
    return x
  if dtypes.is_complex(dt):
    return lax.complex(nan_to_num(lax.real(x), nan=nan, posinf=posinf, neginf=neginf),
                       nan_to_num(lax.imag(x), nan=nan, posinf=posinf, neginf=neginf))
  info = dtypes.finfo(dt)
  fill = lambda v: np.array(v, dt)  # noqa: E731 - plain (not weak) constants, as in JAX
  out = _where(lax.ne(x, x), fill(nan), x)
  out = _where(lax.eq(out, fill(np.inf)), fill(info.max if posinf is None else posinf), out)
  return _where(lax.eq(out, fill(-np.inf)), fill(info.min if neginf is None else neginf), out)


# ---------------------------------------------------------------------------
# Complex parts

def real(val, /):
  util.check_arraylike("real", val)
  (val,) = _same(val)
  return lax.real(val) if dtypes.is_complex(_dtype(val)) else val


def imag(val, /):
  util.check_arraylike("imag", val)
  (val,) = _same(val)
  if dtypes.is_complex(_dtype(val)):
    return lax.imag(val)
  return lax.full(util.shape(val), _const(val, 0))


def conjugate(x, /):
  util.check_arraylike("conjugate", x)
  (x,) = _same(x)
  return lax.conj(x) if dtypes.is_complex(_dtype(x)) else x


conj = conjugate


def angle(z, deg=False):
  """The argument of a complex number (in radians, or degrees with ``deg=True``)."""
  util.check_arraylike("angle", z)
  (z,) = _same(z)
  re, im = real(z), imag(z)
  dt = _dtype(re)
  # Integers, and float scalars, are measured in the default float type, as JAX does.
  if not dtypes.is_inexact(dt) or (dtypes.is_floating(_dtype(z)) and not util.shape(z)):
    dt = dtypes.default_float_dtype()
    re, im = lax.convert_element_type(re, dt), lax.convert_element_type(im, dt)
  out = lax.atan2(im, re)
  return rad2deg(out) if deg else out


# ---------------------------------------------------------------------------
# Mantissa and exponent

def frexp(x, /):
  """``(m, e)`` with ``x == m * 2**e``, ``0.5 <= |m| < 1`` (0, inf and nan: ``(x, 0)``)."""
  util.check_arraylike("frexp", x)
  (x,) = _inexact(x)
  dt = _dtype(x)
  if dtypes.is_complex(dt):
    raise TypeError("frexp does not support complex-valued inputs")
  info = dtypes.finfo(dt)
  nmant, nbits = info.nmant, 8 * dt.itemsize
  nexp = nbits - 1 - nmant
  bias = (1 << (nexp - 1)) - 1
  int_dt = np.dtype(f"i{dt.itemsize}")
  # Subnormals are scaled into the normal range first, then the scale is taken back.
  subnormal = lax.bitwise_and(lax.lt(lax.abs(x), _const(x, info.tiny)),
                              lax.ne(x, _const(x, 0)))
  scaled = _where(subnormal, lax.mul(x, _const(x, 2.0 ** (nmant + 1))), x)
  bits = lax.bitcast_convert_type(scaled, int_dt)
  exp_mask = _const(bits, ((1 << nexp) - 1) << nmant)
  field = lax.shift_right_logical(lax.bitwise_and(bits, exp_mask), _const(bits, nmant))
  e = lax.sub(lax.sub(field, _const(field, bias - 1)),
              _where(subnormal, _const(field, nmant + 1), _const(field, 0)))
  m_bits = lax.bitwise_or(lax.bitwise_and(bits, lax.bitwise_not(exp_mask)),
                          _const(bits, (bias - 1) << nmant))
  m = lax.bitcast_convert_type(m_bits, dt)
  special = lax.bitwise_or(lax.eq(x, _const(x, 0)), lax.bitwise_not(lax.is_finite(x)))
  e = _where(special, _const(e, 0), e)
  return _where(special, x, m), lax.convert_element_type(e, np.int32)


def ldexp(x1, x2, /):
  """``x1 * 2**x2`` for integer ``x2``, without overflowing in the intermediate power."""
  util.check_arraylike("ldexp", x1, x2)
  dt1, dt2 = _dtype(x1), _dtype(x2)
  if dtypes.is_complex(dt1) or dtypes.is_inexact(dt2):
    raise ValueError(f"ldexp not supported for input types {(dt1, dt2)}")
  (x1,) = _inexact(x1)
  x1, x2 = util.promote_shapes("ldexp", x1, x2)
  m, e = frexp(x1)
  e = lax.add(lax.convert_element_type(e, _dtype(x1)), lax.convert_element_type(x2, _dtype(x1)))
  # Splitting 2**e over the mantissa lets results near the overflow threshold stay finite.
  positive = lax.gt(e, _const(e, 0))
  m = _where(positive, lax.mul(m, _const(m, 2)), m)
  e = _where(positive, lax.sub(e, _const(e, 1)), e)
  out = lax.mul(m, lax.exp2(e))
  return _where(lax.bitwise_or(isinf(x1), lax.eq(x1, _const(x1, 0))), x1, out)
