"""``jax.scipy.special``: special functions written over jnp/lax.

Functions JAX computes with an XLA kernel of its own (igamma, regularized_incomplete_beta)
are computed here by a series or continued fraction in a ``while_loop``; their jaxprs
therefore show the loop where JAX shows one primitive, and the last digit may differ."""
from __future__ import annotations

import functools
import operator

import numpy as np

from jaxlite._src import core
from jaxlite._src import dtypes
from jaxlite._src.custom_derivatives import custom_jvp
from jaxlite._src.nn import functions as _nn
from jaxlite._src.numpy import util
from jaxlite._src.scipy.special_series import (  # noqa: F401 - re-exported
    _inexact, bernoulli, betainc, dawsn, exp1, expi, expn, fresnel, gammainc, gammaincc, sici,
    spence)
from jaxlite import lax
from jaxlite import numpy as jnp

__all__ = [
    "bernoulli", "beta", "betainc", "betaln", "boxcox", "boxcox1p", "comb", "dawsn",
    "digamma", "entr", "erf", "erfc", "erfcx", "erfinv", "exp1", "expi", "expit", "expn",
    "factorial", "fresnel", "gamma", "gammainc", "gammaincc", "gammaln", "gammasgn", "i0",
    "i0e", "i1", "i1e", "kl_div", "log_ndtr", "log_softmax", "loggamma", "logit",
    "logsumexp", "multigammaln", "ndtr", "ndtri", "poch", "polygamma", "rel_entr", "sici",
    "softmax", "spence", "xlog1py", "xlogy", "zeta",
]

logsumexp = _nn.logsumexp




# ---------------------------------------------------------------------------
# Gamma and beta functions.

def gammaln(x):
  """Log of the absolute value of the gamma function (``scipy.special.gammaln``)."""
  x, = util.promote_args_inexact("gammaln", x)
  return lax.lgamma(x)


def gammasgn(x):
  """Sign of the gamma function; nan at the poles and at -inf (``scipy.special.gammasgn``)."""
  x, = _inexact("gammasgn", x)
  floor_x = lax.floor(x)
  negative = x < 0
  return jnp.select(
      [(negative & (x == floor_x)) | jnp.isnan(x),
       (negative & (floor_x % 2 != 0)) | ((x == 0) & jnp.signbit(x))],
      [jnp.array(np.nan, x.dtype), jnp.array(-1, x.dtype)], jnp.array(1, x.dtype))


def loggamma(x):
  """Principal branch of log Gamma; real inputs only here (nan for x <= 0)."""
  x, = util.promote_args_inexact("loggamma", x)
  if dtypes.issubdtype(x.dtype, np.complexfloating):
    raise NotImplementedError("jaxlite: loggamma of complex inputs is not implemented.")
  return jnp.where(x > 0, lax.lgamma(x), np.nan)


def gamma(x):
  """The gamma function (``scipy.special.gamma``), real inputs."""
  x, = util.promote_args_inexact("gamma", x)
  if dtypes.issubdtype(x.dtype, np.complexfloating):
    raise NotImplementedError("jaxlite: gamma of complex inputs is not implemented.")
  return gammasgn(x) * lax.exp(lax.lgamma(x))


def betaln(a, b):
  """Log of the absolute value of the beta function."""
  a, b = util.promote_args_inexact("betaln", a, b)
  return lax.lgamma(a) + lax.lgamma(b) - lax.lgamma(a + b)


def beta(a, b):
  """The beta function ``Gamma(a) Gamma(b) / Gamma(a + b)``."""
  a, b = _inexact("beta", a, b)
  sign = gammasgn(a) * gammasgn(b) * gammasgn(a + b)
  return sign * lax.exp(betaln(a, b))


def factorial(n, exact=False):
  """``n!`` through the gamma function; 0 for negative ``n``."""
  if exact:
    raise NotImplementedError("factorial with exact=True")
  n, = util.promote_args_inexact("factorial", n)
  return jnp.where(n < 0, 0, lax.exp(lax.lgamma(n + 1)))


def comb(N, k, *, repetition=False):
  """``N choose k`` through the gamma function; 0 outside ``0 <= k <= N``."""
  if repetition:
    return jnp.where((k == 0) & (N >= 0), 1.0, comb(N + k - 1, k))
  ok = (k <= N) & (N >= 0) & (k >= 0)
  n_ = jnp.where(ok, N, 0.0)
  k_ = jnp.where(ok, k, 0.0)
  return jnp.where(ok, lax.exp(gammaln(n_ + 1) - gammaln(k_ + 1) - gammaln(n_ + 1 - k_)), 0.0)


def poch(z, m):
  """Pochhammer symbol ``Gamma(z + m) / Gamma(z)``; 1 where ``m == 0``."""
  z, m = _inexact("poch", z, m)
  return jnp.where(m == 0, jnp.array(1, z.dtype), gamma(z + m) / gamma(z))


def multigammaln(a, d):
  """Log of the multivariate gamma function of dimension ``d`` (a static integer)."""
  d = core.concrete_or_error(int, d, "d argument of multigammaln")
  a, = util.promote_args_inexact("multigammaln", a)
  offsets = lax.div(jnp.arange(d, dtype=a.dtype), jnp.array(2, a.dtype))
  terms = gammaln(jnp.expand_dims(a, -1) - offsets)
  const = (d * (d - 1) / 4) * np.log(np.pi)
  return jnp.sum(terms, axis=-1) + jnp.array(const, a.dtype)


def digamma(x):
  """The digamma function ``d/dx log Gamma(x)``."""
  x, = util.promote_args_inexact("digamma", x)
  return lax.digamma(x)


def polygamma(n, x):
  """The ``n``-th derivative of digamma; ``n`` must have an integer dtype."""
  util.check_arraylike("polygamma", n, x)
  n_dtype = dtypes.result_type(n)
  if not dtypes.issubdtype(n_dtype, np.integer):
    raise ValueError(f"Argument `n` to polygamma must be of integer type. Got dtype {n_dtype}.")
  n_, x = util.promote_args_inexact("polygamma", n, x)
  return lax.polygamma(n_, x)


# B_2j / (2j)! for the Euler-Maclaurin tail of the Hurwitz zeta function.
_ZETA_TAIL = [1 / 12, -1 / 720, 1 / 30240, -1 / 1209600, 1 / 47900160, -691 / 1307674368000,
              1 / 74724249600, -3617 / 10670622842880000, 43867 / 5109094217170944000]
_ZETA_TERMS = 9


def zeta(x, q=None):
  """The Hurwitz zeta function ``sum_k (k + q) ** -x`` (Euler-Maclaurin summation, so it
  is differentiable in both arguments)."""
  if q is None:
    raise NotImplementedError("Riemann zeta function not implemented; pass q != None to "
                              "compute the Hurwitz Zeta function.")
  x, q = util.promote_args_inexact("zeta", x, q)
  k = jnp.arange(_ZETA_TERMS, dtype=x.dtype)
  xe, qe = jnp.expand_dims(x, -1), jnp.expand_dims(q, -1)
  head = jnp.sum((qe + k) ** -xe, axis=-1)
  a = q + _ZETA_TERMS
  s_safe = jnp.where(x == 1, 2.0, x)
  tail = a ** (1 - s_safe) / (s_safe - 1) + 0.5 * a ** -x
  rising = x   # x (x + 1) ... (x + 2j - 2)
  power = a ** (-x - 1)
  for j, coeff in enumerate(_ZETA_TAIL, start=1):
    tail = tail + coeff * rising * power
    rising = rising * (x + 2 * j - 1) * (x + 2 * j)
    power = power / (a * a)
  value = head + tail
  return jnp.where(x == 1, np.inf, jnp.where(x < 1, np.nan, value))


# ---------------------------------------------------------------------------
# Error function family and the normal distribution.

def erf(x):
  """The error function."""
  x, = util.promote_args_inexact("erf", x)
  return lax.erf(x)


def erfc(x):
  """The complementary error function ``1 - erf(x)``."""
  x, = util.promote_args_inexact("erfc", x)
  return lax.erfc(x)


def erfinv(x):
  """The inverse of the error function."""
  x, = util.promote_args_inexact("erfinv", x)
  return lax.erf_inv(x)


def _erfcx_fraction(x):
  """``exp(x**2) erfc(x)`` for x >= 2 by Laplace's continued fraction (fixed depth: at
  x >= 2 forty levels are exact to double precision)."""
  tail = x
  for k in range(40, 0, -1):
    tail = x + (k / 2) / tail
  return (1 / np.sqrt(np.pi)) / tail


@custom_jvp
def _erfcx(x):
  big = x >= 2
  small = jnp.where(big, 0.0, x)
  direct = jnp.exp(small * small) * lax.erfc(small)
  frac = _erfcx_fraction(jnp.where(big, jnp.minimum(x, 1e30), 2.0))
  return jnp.where(jnp.isposinf(x), 0.0, jnp.where(big, frac, direct))


def _erfcx_jvp(primals, tangents):
  x, = primals
  out = _erfcx(x)
  return out, (2 * x * out - 2 / np.sqrt(np.pi)) * tangents[0]


_erfcx.defjvp(_erfcx_jvp)


def erfcx(x):
  """The scaled complementary error function ``exp(x**2) * erfc(x)``."""
  x, = _inexact("erfcx", x)
  return _erfcx(x)


_HALF_SQRT2 = np.sqrt(0.5)


def ndtr(x):
  """The standard normal CDF."""
  x, = _inexact("ndtr", x)
  w = x * _HALF_SQRT2
  z = jnp.abs(w)
  y = jnp.where(z < _HALF_SQRT2, 1 + lax.erf(w), jnp.where(w > 0, 2 - lax.erfc(z), lax.erfc(z)))
  return 0.5 * y


# Rational approximation of the normal quantile (P. J. Acklam), refined below by one
# Halley step on ndtr, which brings it to working precision.
_ACKLAM_A = (-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
             1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00)
_ACKLAM_B = (-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
             6.680131188771972e+01, -1.328068155288572e+01)
_ACKLAM_C = (-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
             -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00)
_ACKLAM_D = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
             3.754408661907416e+00)


def _horner(coeffs, x):
  out = jnp.zeros_like(x) + coeffs[0]
  for c in coeffs[1:]:
    out = out * x + c
  return out


def ndtri(p):
  """The inverse of the standard normal CDF; nan outside [0, 1]."""
  p, = _inexact("ndtri", p)
  low = 0.02425
  inside = (p > 0) & (p < 1)
  ps = jnp.where(inside, p, 0.5)
  tail_p = jnp.minimum(ps, 1 - ps)
  q = jnp.sqrt(-2 * jnp.log(tail_p))
  tail = _horner(_ACKLAM_C, q) / (_horner(_ACKLAM_D, q) * q + 1)
  tail = jnp.where(ps < 0.5, tail, -tail)
  r = (ps - 0.5) ** 2
  central = (ps - 0.5) * _horner(_ACKLAM_A, r) / (_horner(_ACKLAM_B, r) * r + 1)
  z = jnp.where(tail_p < low, tail, central)
  # Halley step, with the residual measured on the side where ndtr keeps precision.
  upper = z > 0
  e = jnp.where(upper, (1 - ps) - ndtr(-z), ndtr(z) - ps)
  e = jnp.where(upper, -e, e)
  u = e * np.sqrt(2 * np.pi) * jnp.exp(z * z / 2)
  z = z - u / (1 + z * u / 2)
  return jnp.where(p == 0, -np.inf, jnp.where(p == 1, np.inf, jnp.where(inside, z, np.nan)))


def _norm_logpdf(x):
  return -0.5 * x * x - 0.5 * np.log(2 * np.pi)


def _log_ndtr_series(x, series_order):
  """Asymptotic series of log ndtr for very negative x."""
  x2 = x * x
  even_sum = jnp.zeros_like(x)
  odd_sum = jnp.zeros_like(x)
  x_2n = x2
  for n in range(1, series_order + 1):
    term = float(np.prod(np.arange(2 * n - 1, 0, -2))) / x_2n
    if n % 2:
      odd_sum = odd_sum + term
    else:
      even_sum = even_sum + term
    x_2n = x_2n * x2
  return _norm_logpdf(x) - jnp.log(-x) + jnp.log1p(even_sum - odd_sum)


def _log_ndtr_value(x, series_order):
  lower, upper = (-20.0, 8.0) if x.dtype == np.float64 else (-10.0, 5.0)
  high = -ndtr(-jnp.maximum(x, upper))
  mid = jnp.log(ndtr(jnp.clip(x, lower, upper)))
  low = _log_ndtr_series(jnp.minimum(x, lower), series_order)
  return jnp.where(x > upper, high, jnp.where(x > lower, mid, low))


def log_ndtr(x, series_order=3):
  """Log of the standard normal CDF, accurate far into both tails."""
  series_order = operator.index(series_order)
  if series_order < 0:
    raise ValueError("series_order must be non-negative.")
  if series_order > 30:
    raise ValueError("series_order must be <= 30.")
  x, = _inexact("log_ndtr", x)
  if x.dtype not in (np.float32, np.float64):
    raise TypeError(f"x.dtype={x.dtype} is not supported.")
  return _log_ndtr_fn(series_order)(x)


@functools.lru_cache(maxsize=None)
def _log_ndtr_fn(series_order):
  fn = custom_jvp(lambda x: _log_ndtr_value(x, series_order))

  def rule(primals, tangents):
    x, = primals
    out = fn(x)
    return out, tangents[0] * jnp.exp(_norm_logpdf(x) - out)
  fn.defjvp(rule)
  return fn


# ---------------------------------------------------------------------------
# Logistic, entropy and x*log(y) functions.

def logit(x):
  """The logit ``log(x / (1 - x))``."""
  x, = util.promote_args_inexact("logit", x)
  return lax.log(lax.div(x, 1 - x))


def expit(x):
  """The logistic sigmoid ``1 / (1 + exp(-x))``."""
  x, = util.promote_args_inexact("expit", x)
  return lax.logistic(x)


@custom_jvp
def _xlogy(x, y):
  return jnp.where(x == 0, jnp.zeros_like(x), x * jnp.log(y))


def _xlogy_jvp(primals, tangents):
  x, y = primals
  tx, ty = tangents
  return _xlogy(x, y), tx * jnp.log(y) + ty * x / y


_xlogy.defjvp(_xlogy_jvp)


def xlogy(x, y):
  """``x * log(y)``, defined as 0 where ``x == 0``."""
  x, y = _inexact("xlogy", x, y)
  return _xlogy(x, y)


@custom_jvp
def _xlog1py(x, y):
  return jnp.where(x == 0, jnp.zeros_like(x), x * jnp.log1p(y))


def _xlog1py_jvp(primals, tangents):
  x, y = primals
  tx, ty = tangents
  return _xlog1py(x, y), tx * jnp.log1p(y) + ty * x / (1 + y)


_xlog1py.defjvp(_xlog1py_jvp)


def xlog1py(x, y):
  """``x * log1p(y)``, defined as 0 where ``x == 0``."""
  x, y = _inexact("xlog1py", x, y)
  return _xlog1py(x, y)


@custom_jvp
def _xlogx(x):
  return _xlogy(x, x)


_xlogx.defjvp(lambda primals, tangents: (_xlogx(primals[0]),
                                         tangents[0] * (jnp.log(primals[0]) + 1)))


def entr(x):
  """Elementwise entropy ``-x log x``: 0 at 0, -inf for negative x."""
  x, = _inexact("entr", x)
  return jnp.where(x < 0, -np.inf, -_xlogx(x))


def rel_entr(p, q):
  """Relative entropy ``p log(p / q)`` (0 where p == 0 <= q, inf where undefined)."""
  p, q = _inexact("rel_entr", p, q)
  both_positive = (p > 0) & (q > 0)
  safe_p = jnp.where(both_positive, p, 1)
  safe_q = jnp.where(both_positive, q, 1)
  value = _xlogx(safe_p) - _xlogy(safe_p, safe_q)
  return jnp.where(both_positive, value, jnp.where((p == 0) & (q >= 0), 0.0, np.inf))


def kl_div(p, q):
  """Kullback-Leibler term ``p log(p / q) - p + q``."""
  p, q = _inexact("kl_div", p, q)
  return rel_entr(p, q) - p + q


def boxcox(x, lmbda):
  """Box-Cox transform ``(x**lmbda - 1) / lmbda`` (``log x`` at lmbda == 0)."""
  x, lmbda = _inexact("boxcox", x, lmbda)
  log_x = jnp.log(x)
  return jnp.where(lmbda == 0, log_x, jnp.expm1(lmbda * log_x) / lmbda)


def boxcox1p(x, lmbda):
  """Box-Cox transform of ``1 + x``."""
  x, lmbda = _inexact("boxcox1p", x, lmbda)
  log_x = jnp.log1p(x)
  return jnp.where(lmbda == 0, log_x, jnp.expm1(lmbda * log_x) / lmbda)


def softmax(x, /, *, axis=None):
  """Softmax over ``axis`` (all axes by default)."""
  return _nn.softmax(x, axis=axis)


def log_softmax(x, /, *, axis=None):
  """Log-softmax over ``axis`` (all axes by default)."""
  return _nn.log_softmax(x, axis=axis)


# ---------------------------------------------------------------------------
# Bessel functions.

def i0e(x):
  """Exponentially scaled modified Bessel function of order 0."""
  x, = util.promote_args_inexact("i0e", x)
  return lax.bessel_i0e(x)


def i0(x):
  """Modified Bessel function of order 0."""
  x, = util.promote_args_inexact("i0", x)
  return lax.exp(lax.abs(x)) * lax.bessel_i0e(x)


def i1e(x):
  """Exponentially scaled modified Bessel function of order 1."""
  x, = util.promote_args_inexact("i1e", x)
  return lax.bessel_i1e(x)


def i1(x):
  """Modified Bessel function of order 1."""
  x, = util.promote_args_inexact("i1", x)
  return lax.exp(lax.abs(x)) * lax.bessel_i1e(x)
