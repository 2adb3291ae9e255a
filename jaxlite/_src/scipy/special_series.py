"""The special functions of ``jax.scipy.special`` that are computed by a series or a
continued fraction run to convergence in a ``lax.while_loop``: gammainc/gammaincc, betainc,
expn/exp1/expi, sici and fresnel (whose continued fractions are complex), plus dawsn,
spence and bernoulli. JAX computes igamma and betainc with XLA kernels;
here the jaxprs show the loops instead, and the last digit may differ. Each has a custom JVP
with the closed-form derivative (loops are not reverse-differentiable)."""
from __future__ import annotations

import math
import operator

import numpy as np

from jaxlite import lax
from jaxlite import numpy as jnp
from jaxlite._src import core
from jaxlite._src import dtypes
from jaxlite._src.custom_derivatives import SymbolicZero, custom_jvp
from jaxlite._src.numpy import util

__all__ = ["bernoulli", "betainc", "dawsn", "exp1", "expi", "expn", "fresnel", "gammainc",
           "gammaincc", "sici", "spence"]


def _inexact(name, *args):
  args = util.promote_args_inexact(name, *args)
  if dtypes.issubdtype(args[0].dtype, np.complexfloating):
    raise ValueError(f"{name} does not support complex-valued inputs.")
  return args


def _eps(x):
  return float(dtypes.finfo(x.dtype).eps)


def _is_zero(t):
  return t is None or isinstance(t, SymbolicZero)


def _betaln(a, b):
  return lax.lgamma(a) + lax.lgamma(b) - lax.lgamma(a + b)


# ---------------------------------------------------------------------------
# Incomplete gamma and beta functions: continued fractions and series evaluated in a
# while_loop until every element has converged.

def _until_converged(step, init, done, max_iter=2000):
  """Run ``state = step(n, state)`` while some element is not ``done(state)``."""
  def cond(c):
    n, state = c
    return (n < max_iter) & ~jnp.all(done(state))

  def body(c):
    n, state = c
    return n + 1, step(n + 1, state)
  return lax.while_loop(cond, body, (jnp.array(0, np.int32), init))[1]


def _lentz(first_b, ab, x_like, eps):
  """Modified Lentz evaluation of ``b0 + a1/(b1 + a2/(b2 + ...))``; ``ab(n)`` gives
  ``(a_n, b_n)`` for n >= 1 (an elementwise array each)."""
  tiny = jnp.array(1e-300 if x_like.dtype == np.float64 else 1e-30, x_like.dtype)

  def fix(v):
    return jnp.where(jnp.abs(v) < tiny, tiny, v)
  f0 = fix(first_b)

  def step(n, state):
    f, c, d, _ = state
    a_n, b_n = ab(n.astype(x_like.dtype))
    d = 1 / fix(b_n + a_n * d)
    c = fix(b_n + a_n / c)
    delta = c * d
    return f * delta, c, d, jnp.abs(delta - 1)

  init = (f0, f0, jnp.zeros_like(f0), jnp.ones_like(jnp.abs(f0)))
  return _until_converged(step, init, lambda s: s[3] <= eps)[0]


def _igamma_series(a, x):
  """``P(a, x)`` by its power series (converges fast for x < a + 1)."""
  eps = _eps(x)

  def step(n, state):
    term, total = state
    term = term * x / (a + n.astype(x.dtype))
    return term, total + term
  one = jnp.ones_like(x)
  total = _until_converged(step, (one, one), lambda s: jnp.abs(s[0]) <= jnp.abs(s[1]) * eps)[1]
  return total * jnp.exp(a * jnp.log(x) - x - lax.lgamma(a + 1))


def _igammac_fraction(a, x):
  """``Q(a, x)`` by its continued fraction (converges fast for x >= a + 1)."""
  frac = _lentz(x + 1 - a, lambda n: (-n * (n - a), x + 1 - a + 2 * n), x, _eps(x))
  return jnp.exp(a * jnp.log(x) - x - lax.lgamma(a)) / frac


def _igamma_parts(a, x):
  """(P, Q) for valid a > 0, x > 0, each loop fed only the elements it converges on."""
  use_series = x < a + 1
  p = _igamma_series(a, jnp.where(use_series, x, 0.5 * a))
  q = _igammac_fraction(a, jnp.where(use_series, a + 2, x))
  return jnp.where(use_series, p, 1 - q), jnp.where(use_series, 1 - p, q)


def _igamma_special(a, x, value, upper):
  """Edge values shared by gammainc (upper=False) and gammaincc (upper=True)."""
  bad = (a < 0) | (x < 0) | jnp.isnan(a) | jnp.isnan(x) | ((a == 0) & (x == 0))
  low = (x == 0) | jnp.isinf(a)
  high = ((a == 0) & (x > 0)) | jnp.isposinf(x)
  low, high = (high, low) if upper else (low, high)
  return jnp.where(bad, np.nan, jnp.where(low, 0.0, jnp.where(high, 1.0, value)))


def _safe_ax(a, x):
  ok = (a > 0) & (x > 0) & jnp.isfinite(a) & jnp.isfinite(x)
  return jnp.where(ok, a, 1.0), jnp.where(ok, x, 1.0)


def _gammainc_value(a, x):
  return _igamma_special(a, x, _igamma_parts(*_safe_ax(a, x))[0], upper=False)


def _gammaincc_value(a, x):
  return _igamma_special(a, x, _igamma_parts(*_safe_ax(a, x))[1], upper=True)


@custom_jvp
def _igamma_grad_a(a, x):
  """dP(a, x)/da, by forward-mode differentiation through the loops."""
  from jaxlite._src.api import jvp
  return jvp(lambda a_: _gammainc_value(a_, x), (a,), (jnp.ones_like(a),))[1]


@_igamma_grad_a.defjvp
def _igamma_grad_a_jvp(primals, tangents):
  raise NotImplementedError("Differentiation rule for 'igamma_grad_a' not implemented")


def _igamma_dx(a, x):
  """dP(a, x)/dx = x**(a-1) exp(-x) / Gamma(a)."""
  return jnp.exp((a - 1) * jnp.log(x) - x - lax.lgamma(a))


def _incomplete_gamma(value_fn, sign):
  fn = custom_jvp(value_fn)

  def rule(primals, tangents):
    a, x = primals
    ta, tx = tangents
    out = fn(a, x)
    t = jnp.zeros_like(out)
    if not _is_zero(tx):
      t = t + sign * _igamma_dx(a, x) * tx
    if not _is_zero(ta):
      t = t + sign * _igamma_grad_a(a, x) * ta
    return out, t
  fn.defjvp(rule, symbolic_zeros=True)
  return fn


_gammainc = _incomplete_gamma(_gammainc_value, 1)
_gammaincc = _incomplete_gamma(_gammaincc_value, -1)


def gammainc(a, x):
  """Regularized lower incomplete gamma function ``P(a, x)``."""
  a, x = _inexact("gammainc", a, x)
  return _gammainc(a, x)


def gammaincc(a, x):
  """Regularized upper incomplete gamma function ``Q(a, x) = 1 - P(a, x)``."""
  a, x = _inexact("gammaincc", a, x)
  return _gammaincc(a, x)


def _betainc_fraction(a, b, x):
  """``I_x(a, b)`` by its continued fraction, accurate for x < (a + 1) / (a + b + 2)."""
  def ab(n):
    m = jnp.floor(n / 2)
    even = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
    odd = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
    return jnp.where(n % 2 == 1, even, odd), jnp.ones_like(x)
  frac = _lentz(jnp.ones_like(x), ab, x, _eps(x))
  front = jnp.exp(a * jnp.log(x) + b * jnp.log1p(-x) - _betaln(a, b)) / a
  return front / frac


def _betainc_value(a, b, x):
  ok = (a > 0) & (b > 0) & (x > 0) & (x < 1)
  a_, b_, x_ = jnp.where(ok, a, 1.0), jnp.where(ok, b, 1.0), jnp.where(ok, x, 0.5)
  flip = x_ > (a_ + 1) / (a_ + b_ + 2)
  value = _betainc_fraction(jnp.where(flip, b_, a_), jnp.where(flip, a_, b_),
                            jnp.where(flip, 1 - x_, x_))
  value = jnp.where(flip, 1 - value, value)
  bad = ((a < 0) | (b < 0) | ((a == 0) & (b == 0)) | (x < 0) | (x > 1) | jnp.isnan(a)
         | jnp.isnan(b) | jnp.isnan(x))
  one = ((a == 0) | (x == 1)) & ~bad
  zero = ((b == 0) | (x == 0)) & ~bad & ~one
  return jnp.where(bad, np.nan, jnp.where(one, 1.0, jnp.where(zero, 0.0, value)))


@custom_jvp
def _betainc(a, b, x):
  return _betainc_value(a, b, x)


def _betainc_jvp(primals, tangents):
  a, b, x = primals
  ta, tb, tx = tangents
  if not (_is_zero(ta) and _is_zero(tb)):
    raise ValueError("Betainc gradient with respect to a and b not supported.")
  out = _betainc(a, b, x)
  slope = jnp.exp((a - 1) * jnp.log(x) + (b - 1) * jnp.log1p(-x) - _betaln(a, b))
  return out, slope * tx


_betainc.defjvp(_betainc_jvp, symbolic_zeros=True)


def betainc(a, b, x):
  """Regularized incomplete beta function ``I_x(a, b)``."""
  a, b, x = _inexact("betainc", a, b, x)
  return _betainc(a, b, x)


# ---------------------------------------------------------------------------
# Exponential integrals, dilogarithm and Bernoulli numbers. Their values come from loops,
# so each has a custom JVP with the closed-form derivative.

_EULER = float(np.euler_gamma)


def _expn_value(n, x):
  """``E_n(x)`` for integer-valued n >= 0 and x >= 0 (series below 1, fraction above)."""
  nm1 = n - 1
  big = x > 1
  xb = jnp.where(big, x, 2.0)
  frac = _lentz(xb + n, lambda i: (-i * (nm1 + i), xb + n + 2 * i), xb, _eps(x))
  from_fraction = jnp.exp(-xb) / frac
  xs = jnp.where(big | (x == 0), 0.5, x)
  eps = _eps(x)
  psi_n = lax.digamma(jnp.maximum(n, 1.0))

  def step(i, state):
    fact, total, last = state
    i = i.astype(x.dtype)
    fact = fact * (-xs / i)
    term = jnp.where(i == nm1, fact * (psi_n - jnp.log(xs)), -fact / (i - nm1))
    return fact, total + term, term
  start = jnp.where(nm1 != 0, 1 / jnp.where(nm1 != 0, nm1, 1.0), -jnp.log(xs) - _EULER)
  series = _until_converged(
      step, (jnp.ones_like(xs), start, jnp.ones_like(xs)),
      lambda s: jnp.abs(s[2]) <= jnp.abs(s[1]) * eps)[1]
  at_zero = jnp.where(n > 1, 1 / jnp.maximum(nm1, 1.0), np.inf)
  value = jnp.where(x == 0, at_zero, jnp.where(big, from_fraction, series))
  value = jnp.where(n == 0, jnp.exp(-x) / x, value)
  bad = (n < 0) | (x < 0) | jnp.isnan(x) | jnp.isnan(n)
  return jnp.where(bad, np.nan, jnp.where(jnp.isposinf(x), 0.0, value))


@custom_jvp
def _expn(n, x):
  return _expn_value(n, x)


def _expn_jvp(primals, tangents):
  n, x = primals
  return _expn(n, x), -_expn(n - 1, x) * tangents[1]


_expn.defjvp(_expn_jvp)


def expn(n, x):
  """Generalized exponential integral ``E_n(x)`` (n is rounded down to an integer)."""
  n, x = _inexact("expn", n, x)
  return _expn(jnp.floor(n), x)


def exp1(x):
  """Exponential integral ``E_1(x)``; nan for negative x."""
  x, = _inexact("exp1", x)
  return _expn(jnp.ones_like(x), x)


def _ei_positive(x):
  """``Ei(x)`` for x > 0: power series, or the asymptotic series past -log(eps)."""
  eps = _eps(x)
  big = x > -np.log(eps)
  xs = jnp.where(big, 1.0, x)

  def step(k, state):
    fact, total, term = state
    k = k.astype(x.dtype)
    fact = fact * xs / k
    term = fact / k
    return fact, total + term, term
  one = jnp.ones_like(xs)
  series = _until_converged(step, (one, jnp.zeros_like(xs), one),
                            lambda s: s[2] <= s[1] * eps)[1] + jnp.log(xs) + _EULER
  xb = jnp.where(big, x, 100.0)

  def asym_step(k, state):
    total, term, alive = state
    new = term * k.astype(x.dtype) / xb
    # The series diverges eventually: stop at its smallest term.
    alive = alive & (new < term) & (term > eps)
    return jnp.where(alive, total + new, total), jnp.where(alive, new, term), alive
  asym = _until_converged(asym_step, (one, one, jnp.ones_like(xs, dtype=bool)),
                          lambda s: ~s[2])[0]
  return jnp.where(big, jnp.exp(xb) / xb * asym, series)


@custom_jvp
def _expi(x):
  positive = x > 0
  pos = _ei_positive(jnp.where(positive, x, 1.0))
  neg = -_expn_value(jnp.ones_like(x), jnp.where(positive, 1.0, -x))
  return jnp.where(x == 0, np.nan, jnp.where(positive, pos, neg))


_expi.defjvp(lambda primals, tangents: (_expi(primals[0]),
                                        jnp.exp(primals[0]) / primals[0] * tangents[0]))


def expi(x):
  """Exponential integral ``Ei(x)``."""
  x, = _inexact("expi", x)
  return _expi(x)


# Bernoulli numbers B_2k / (2k + 1)! for the series of Li2 in u = -log(1 - z).
_LI2_COEFFS = [1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510,
               43867 / 798, -174611 / 330]


def _li2_small(z):
  """Li2(z) for -1 <= z <= 1/2."""
  u = -jnp.log1p(-z)
  u2 = u * u
  total = u - u2 / 4
  power = u
  for k, b in enumerate(_LI2_COEFFS, start=1):
    power = power * u2
    total = total + (b / math.factorial(2 * k + 1)) * power
  return total


@custom_jvp
def _spence(x):
  zeta2 = np.pi ** 2 / 6
  z = 1 - x
  # x > 2: Li2(z) = -zeta(2) - log(-z)**2 / 2 - Li2(1/z), with 1/z in (-1, 0).
  zb = jnp.where(x > 2, z, -2.0)
  large = -zeta2 - 0.5 * jnp.log(-zb) ** 2 - _li2_small(1 / zb)
  # x < 1/2: Li2(z) = zeta(2) - log(z) log(x) - Li2(x), with x in [0, 1/2).
  xs = jnp.where((x < 0.5) & (x > 0), x, 0.25)
  small = zeta2 - jnp.log1p(-xs) * jnp.log(xs) - _li2_small(xs)
  middle = _li2_small(jnp.where((x >= 0.5) & (x <= 2), z, 0.0))
  value = jnp.where(x > 2, large, jnp.where(x < 0.5, small, middle))
  return jnp.where(x < 0, np.nan, jnp.where(x == 0, zeta2, value))


_spence.defjvp(lambda primals, tangents: (
    _spence(primals[0]), jnp.log(primals[0]) / (1 - primals[0]) * tangents[0]))


def spence(x):
  """Spence's function ``integral_1^x log(t) / (t - 1) dt`` = Li2(1 - x); nan for x < 0."""
  x, = _inexact("spence", x)
  return _spence(x)


def bernoulli(n):
  """The Bernoulli numbers B_0 ... B_n (with B_1 = -1/2), as a float array."""
  n = core.concrete_or_error(operator.index, n, "Argument n of bernoulli")
  if n < 0:
    raise ValueError("n must be a non-negative integer.")
  from fractions import Fraction
  # Akiyama-Tanigawa, exact in rationals: n is small and static.
  values, row = [], []
  for m in range(n + 1):
    row.append(Fraction(1, m + 1))
    for j in range(m, 0, -1):
      row[j - 1] = j * (row[j - 1] - row[j])
    values.append(row[0])
  if n >= 1:
    values[1] = -values[1]
  return jnp.array(np.array([float(v) for v in values]), dtype=dtypes.default_float_dtype())


# ---------------------------------------------------------------------------
# Dawson's integral, sine/cosine integrals and Fresnel integrals.

_RYBICKI_H = 0.2   # spacing of Rybicki's sum: its error is about exp(-(pi / 2h)**2)
_RYBICKI_TERMS = 17


@custom_jvp
def _dawsn(x):
  ax = jnp.abs(x)
  small = ax < 0.2
  xs = jnp.where(small, x, 0.0)
  x2 = xs * xs
  series = xs * (1 - 2 / 3 * x2 * (1 - 2 / 5 * x2 * (1 - 2 / 7 * x2 * (1 - 2 / 9 * x2))))
  # Rybicki: F(x) ~ pi**-1/2 sum over odd n of exp(-(x' - n h)**2) / n around the nearest
  # even grid point n0 h, with x' = x - n0 h.
  xb = jnp.where(small | ~jnp.isfinite(x), 1.0, ax)
  h = _RYBICKI_H
  n0 = 2 * jnp.round(0.5 * xb / h)
  xp = xb - n0 * h
  e1 = jnp.exp(2 * xp * h)
  e2 = e1 * e1
  d1, d2 = n0 + 1, n0 - 1
  total = jnp.zeros_like(xb)
  for i in range(1, _RYBICKI_TERMS + 1):
    total = total + math.exp(-((2 * i - 1) * h) ** 2) * (e1 / d1 + 1 / (d2 * e1))
    d1, d2, e1 = d1 + 2, d2 - 2, e1 * e2
  rybicki = jnp.sign(x) * jnp.exp(-xp * xp) * total / np.sqrt(np.pi)
  value = jnp.where(small, series, rybicki)
  return jnp.where(jnp.isinf(x), jnp.zeros_like(x) * jnp.sign(x), value)


_dawsn.defjvp(lambda primals, tangents: (
    _dawsn(primals[0]), (1 - 2 * primals[0] * _dawsn(primals[0])) * tangents[0]))


def dawsn(x):
  """Dawson's integral ``exp(-x**2) * integral_0^x exp(t**2) dt``."""
  x, = _inexact("dawsn", x)
  return _dawsn(x)


def _sici_series(t):
  """(Si, Ci - gamma - log t) by their power series, for 0 < t <= 4 (16 terms suffice)."""
  si, ci = jnp.zeros_like(t), jnp.zeros_like(t)
  odd = t   # t**(2k+1) / (2k+1)!
  even = jnp.ones_like(t)   # t**2k / (2k)!
  for k in range(16):
    si = si + (-1) ** k * odd / (2 * k + 1)
    if k:
      ci = ci + (-1) ** k * even / (2 * k)
    even = odd * t / (2 * k + 2)
    odd = even * t / (2 * k + 3)
  return si, ci


@custom_jvp
def _sici(x):
  t = jnp.abs(x)
  small = t <= 4
  ts = jnp.where(small & (t > 0), t, 1.0)
  si_s, ci_s = _sici_series(ts)
  ci_s = ci_s + _EULER + jnp.log(ts)
  # E1(i t) = -Ci(t) + i (Si(t) - pi/2), by its continued fraction for large t.
  tb = jnp.where(small | ~jnp.isfinite(t), 5.0, t)
  ctype = dtypes.complex_dtype_for(t.dtype)
  b0 = lax.complex(jnp.ones_like(tb), tb).astype(ctype)
  h = 1 / _lentz(b0, lambda n: (-(n * n).astype(ctype), b0 + 2 * n), tb, _eps(t))
  e1 = lax.complex(jnp.cos(tb), -jnp.sin(tb)).astype(ctype) * h
  si = jnp.where(small, si_s, np.pi / 2 + jnp.imag(e1))
  ci = jnp.where(small, ci_s, -jnp.real(e1))
  si = jnp.where(jnp.isinf(t), np.pi / 2, si) * jnp.sign(x)
  ci = jnp.where(jnp.isposinf(x), 0.0, jnp.where(t == 0, -np.inf, ci))
  return jnp.where(jnp.isnan(x), np.nan, si), jnp.where(jnp.isneginf(x) | jnp.isnan(x),
                                                         np.nan, ci)


def _sici_jvp(primals, tangents):
  x, = primals
  si, ci = _sici(x)
  tx = tangents[0]
  return (si, ci), (jnp.sinc(x / np.pi) * tx, jnp.cos(x) / x * tx)


_sici.defjvp(_sici_jvp)


def sici(x):
  """Sine and cosine integrals ``(Si(x), Ci(x))``; Ci(-x) = Ci(x)."""
  x, = _inexact("sici", x)
  return _sici(x)


def _fresnel_series(x):
  """(S, C) by their power series, for 0 <= x < 1.5 (26 terms suffice)."""
  u = np.pi / 2 * x * x
  s, c = jnp.zeros_like(x), jnp.zeros_like(x)
  term = x   # x (pi/2 x^2)^n / n!
  for n in range(26):
    sign = (-1) ** (n // 2)
    if n % 2:
      s = s + sign * term / (2 * n + 1)
    else:
      c = c + sign * term / (2 * n + 1)
    term = term * u / (n + 1)
  return s, c


@custom_jvp
def _fresnel(x):
  ax = jnp.abs(x)
  small = ax < 1.5
  s_s, c_s = _fresnel_series(jnp.where(small, ax, 0.0))
  xb = jnp.where(small | ~jnp.isfinite(ax), 2.0, ax)
  ctype = dtypes.complex_dtype_for(ax.dtype)
  b0 = lax.complex(jnp.ones_like(xb), -np.pi * xb * xb).astype(ctype)
  h = 1 / _lentz(b0, lambda n: (-((2 * n - 1) * 2 * n).astype(ctype), b0 + 4 * n), xb,
                 _eps(ax))
  h = h * lax.complex(xb, -xb).astype(ctype)
  phase = lax.complex(jnp.cos(np.pi / 2 * xb * xb), jnp.sin(np.pi / 2 * xb * xb)).astype(ctype)
  cs = lax.complex(jnp.full_like(xb, 0.5), jnp.full_like(xb, 0.5)).astype(ctype) * (1 - phase * h)
  s = jnp.where(small, s_s, jnp.imag(cs))
  c = jnp.where(small, c_s, jnp.real(cs))
  s = jnp.where(jnp.isinf(ax), 0.5, s) * jnp.sign(x)
  c = jnp.where(jnp.isinf(ax), 0.5, c) * jnp.sign(x)
  return jnp.where(jnp.isnan(x), np.nan, s), jnp.where(jnp.isnan(x), np.nan, c)


def _fresnel_jvp(primals, tangents):
  x, = primals
  arg = np.pi / 2 * x * x
  return _fresnel(x), (jnp.sin(arg) * tangents[0], jnp.cos(arg) * tangents[0])


_fresnel.defjvp(_fresnel_jvp)


def fresnel(x):
  """Fresnel integrals ``(S(x), C(x))`` of sin and cos of ``pi t**2 / 2``."""
  x, = _inexact("fresnel", x)
  return _fresnel(x)
