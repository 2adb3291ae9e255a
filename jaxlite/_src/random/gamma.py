"""Gamma sampling and the samplers built on it (beta, dirichlet, t, chi-square, F, ...).

``random_gamma`` is a primitive, as in JAX's jaxprs: operands are raw key data
(``uint32[*batch, 2]``) and the shapes ``a`` (``[*batch, *rest]``). Each element draws from
its own key (``split(key, rest size)``) with Marsaglia and Tsang's rejection method, whose
loops run until every element has accepted. JAX runs the same loops vectorised with masks
(a batched ``while_loop``), so each element's draws depend only on its own key; the impl
here does the same, looping in Python over the still-active elements. Its derivative is the
implicit reparameterization gradient ``-dCDF/da / pdf`` (``random_gamma_grad``).
"""
from __future__ import annotations

import math

import numpy as np

import jaxlite.numpy as jnp
from jaxlite import lax
from jaxlite._src import core
from jaxlite._src import dtypes
from jaxlite._src.core import ShapedArray
from jaxlite._src.interpreters import ad, batching
from jaxlite._src.random import threefry
from jaxlite._src.random.common import (
    canonicalize_shape, check_all_safe_to_cast, check_broadcast_shapes, check_prng_key,
    check_shape, convert, float_dtype, split_key)
from jaxlite._src.random.continuous import _exponential, _normal_real, _rademacher, _uniform

__all__ = ["random_gamma_p", "random_gamma_grad_p", "gamma", "loggamma", "beta",
           "dirichlet", "t", "chisquare", "f", "generalized_normal", "ball"]


# ---------------------------------------------------------------------------
# The random_gamma primitive

def _vmap(fn):
  from jaxlite._src.api import vmap
  return lambda *args: np.array(vmap(fn)(*args))


def _split_each(keys, num):
  """``(N, 2)`` keys -> ``num`` arrays of ``(N, 2)`` keys."""
  out = _vmap(lambda k: threefry.threefry_split(k, (num,)))(keys)
  return [out[:, i].copy() for i in range(num)]


def _scalar_draws(sampler, keys, dtype):
  return _vmap(lambda k: sampler(k, (), dtype))(keys)


def _uniform01(k, shape, dtype):
  return _uniform(k, 0., 1., shape, dtype)


def _log(x):
  return np.asarray(lax.log(x))


def _marsaglia_tsang(keys, alpha, log_space):
  """One gamma(alpha) draw per row of ``keys``; ``alpha`` is 1-d of the sample dtype."""
  dtype = alpha.dtype
  c1 = lambda v: np.array(v, dtype)
  with np.errstate(all="ignore"):
    boost_mask = alpha >= c1(1)
    alpha_boosted = np.where(boost_mask, alpha, alpha + c1(1))
    d = alpha_boosted - c1(1.0 / 3.0)
    c = c1(1.0 / 3.0) / np.sqrt(d)

  def rejected(X, V, U, d):
    with np.errstate(all="ignore"):
      squeeze = U >= c1(1) - c1(0.0331) * (X * X)
      return squeeze & (_log(U) >= X * c1(0.5) + d * (c1(1) - V + _log(V)))

  key, subkey = _split_each(keys, 2)
  n = alpha.shape[0]
  X, V, U = np.zeros(n, dtype), np.ones(n, dtype), np.full(n, 2, dtype)
  active = np.nonzero(rejected(X, V, U, d))[0]
  while active.size:
    key[active], x_key, u_key = _split_each(key[active], 3)
    # Draw normals until 1 + c x is positive.
    x = np.zeros(active.size, dtype)
    v = np.full(active.size, -1, dtype)
    todo = np.arange(active.size)
    while todo.size:
      x_key[todo], sub = _split_each(x_key[todo], 2)
      x[todo] = _scalar_draws(_normal_real, sub, dtype)
      v[todo] = c1(1) + x[todo] * c[active[todo]]
      todo = todo[v[todo] <= 0]
    X[active] = x * x
    V[active] = v * v * v
    U[active] = _scalar_draws(_uniform01, u_key, dtype)
    active = active[rejected(X[active], V[active], U[active], d[active])]

  with np.errstate(all="ignore"):
    if log_space:
      log_samples = -_scalar_draws(_exponential, subkey, dtype)
      log_boost = np.where(boost_mask | (log_samples == 0), c1(0),
                           log_samples * (c1(1) / alpha))
      return _log(d) + _log(V) + log_boost
    samples = c1(1) - _scalar_draws(_uniform01, subkey, dtype)
    boost = np.where(boost_mask, c1(1), np.asarray(lax.pow(samples, c1(1) / alpha)))
    return d * V * boost


def _random_gamma_impl(key, a, *, log_space):
  batch_shape = key.shape[:-1]
  per_key = math.prod(a.shape[len(batch_shape):])
  a = np.asarray(a)
  with core.ensure_compile_time_eval():
    keys = np.asarray(key, np.uint32).reshape(-1, 2)
    if per_key == 0 or keys.shape[0] == 0:
      return np.zeros(a.shape, a.dtype)
    keys = _vmap(lambda k: threefry.threefry_split(k, (per_key,)))(keys).reshape(-1, 2)
    samples = _marsaglia_tsang(keys, a.reshape(-1), log_space)
  return np.asarray(samples, a.dtype).reshape(a.shape)


def _random_gamma_abstract_eval(key, a, *, log_space):
  if key.dtype != np.uint32 or not key.shape or key.shape[-1] != 2:
    raise TypeError(f"random_gamma requires uint32[..., 2] key data, got {key.str_short()}")
  if tuple(a.shape[:key.ndim - 1]) != tuple(key.shape[:-1]):
    raise TypeError(f"random_gamma: the shape of a {a.shape} must start with the key batch "
                    f"shape {key.shape[:-1]}")
  if not dtypes.issubdtype(a.dtype, np.floating):
    raise TypeError(f"random_gamma requires a floating a, got {a.dtype}")
  return ShapedArray(a.shape, a.dtype)


def _random_gamma_batch(vals, dims, *, log_space):
  size = next(v.shape[d] for v, d in zip(vals, dims) if d is not None)
  key, a = (batching.bdim_at_front(v, d, size) for v, d in zip(vals, dims))
  return random_gamma_p.bind(key, a, log_space=log_space), 0


def _random_gamma_jvp(primals, tangents, *, log_space):
  key, a = primals
  ans = random_gamma_p.bind(key, a, log_space=log_space)
  t = tangents[1]
  if type(t) is ad.Zero:
    return ans, ad.Zero.from_primal_value(ans)
  return ans, lax.mul(t, _gamma_grad(ans, a, log_space))


def _gamma_grad(sample, a, log_space):
  if not log_space:
    return random_gamma_grad_p.bind(a, sample)
  x = lax.exp(sample)
  x = lax.select(lax.eq(x, lax.full_like(x, 0)),
                 lax.full_like(x, dtypes.finfo(x.dtype).tiny), x)
  return lax.div(random_gamma_grad_p.bind(a, x), x)


random_gamma_p = core.Primitive("random_gamma")
random_gamma_p.def_impl(_random_gamma_impl)
random_gamma_p.def_abstract_eval(_random_gamma_abstract_eval)
random_gamma_p.weak_type_rule = lambda weak_flags, **params: False
batching.primitive_batchers[random_gamma_p] = _random_gamma_batch
ad.primitive_jvps[random_gamma_p] = _random_gamma_jvp


# ---------------------------------------------------------------------------
# random_gamma_grad: d sample / d a for a standard gamma sample

def _digamma(x):
  """Digamma of positive float64 ``x``: recurrence up to 6, then the asymptotic series."""
  shift = np.zeros_like(x)
  while True:
    small = x < 6
    if not small.any():
      break
    shift = shift - np.where(small, 1 / np.where(small, x, 1), 0)
    x = np.where(small, x + 1, x)
  inv2 = 1 / (x * x)
  series = inv2 * (1 / 12 - inv2 * (1 / 120 - inv2 * (1 / 252 - inv2 * (1 / 240 - inv2 / 132))))
  return shift + np.log(x) - 0.5 / x - series


def _random_gamma_grad64(a, x):
  """``-dP(a, x)/da / (dP(a, x)/dx)`` for ``P`` the regularized lower incomplete gamma: how
  a gamma(a) sample at ``x`` moves with ``a`` when its CDF value is held fixed. As in
  JAX, the upper tail (``x > 1`` and ``x > a``) goes through the continued fraction of
  ``Q = 1 - P``, where the series would lose everything to cancellation."""
  ok = (a > 0) & (x > 0) & np.isfinite(a) & np.isfinite(x)
  use_cf = ok & (x > 1) & (x > a)
  grad = np.zeros_like(a)
  series = ok & ~use_cf
  grad[series] = _gamma_grad_series(a[series], x[series])
  grad[use_cf] = _gamma_grad_continued_fraction(a[use_cf], x[use_cf])
  return np.where((a <= 0) | (x < 0) | np.isnan(a) | np.isnan(x), np.nan, grad)


def _gamma_grad_series(a, x):
  # P = sum_n t_n with t_n = x^(a+n) e^-x / Gamma(a+n+1); dt_n/da = t_n (log x - psi(a+n+1)).
  # Divided by the density x^(a-1) e^-x / Gamma(a), t_n becomes r_n = x^(n+1) / (a)_(n+1).
  log_x = np.log(x)
  log_ratio = log_x - np.log(a)
  psi = _digamma(a + 1)
  total = np.zeros_like(a)
  for n in range(100000):
    contribution = np.exp(log_ratio) * (log_x - psi)
    total += contribution
    # Terms shrink once n passes x - a.
    if np.all((n > x - a) & (np.abs(contribution) <= 1e-17 * np.abs(total))):
      break
    log_ratio = log_ratio + log_x - np.log(a + n + 1)
    psi = psi + 1 / (a + n + 1)
  return -total


def _gamma_grad_continued_fraction(a, x):
  # Q = x^a e^-x / Gamma(a) * h with h the continued fraction 1/(x+1-a- 1(1-a)/(x+3-a- ...)),
  # evaluated with Lentz's method while carrying d/da through every step. Divided by the
  # density, dQ/da = x ((log x - psi(a)) h + dh/da).
  tiny = 1e-300
  b, db = x + 1 - a, -np.ones_like(a)
  c, dc = np.full_like(a, 1 / tiny), np.zeros_like(a)
  d, dd = 1 / b, -db / (b * b)
  h, dh = d, dd
  done = np.zeros(a.shape, bool)
  i = 0
  while not np.all(done) and i < 10000:
    i += 1
    an, dan = -i * (i - a), np.full_like(a, float(i))
    b = b + 2
    d_new, dd_new = an * d + b, dan * d + an * dd + db
    d_new = np.where(np.abs(d_new) < tiny, tiny, d_new)
    q = an / c
    c_new, dc = b + q, db + (dan - q * dc) / c
    c = np.where(np.abs(c_new) < tiny, tiny, c_new)
    d, dd = 1 / d_new, -dd_new / (d_new * d_new)
    delta, ddelta = d * c, dd * c + d * dc
    # Converged elements keep their values (later steps would only add rounding noise).
    h, dh = np.where(done, h, h * delta), np.where(done, dh, dh * delta + h * ddelta)
    done |= (np.abs(delta - 1) < 1e-15) & (np.abs(ddelta) <= 1e-15 * (np.abs(dh) + h))
  return x * ((np.log(x) - _digamma(a)) * h + dh)


def _random_gamma_grad_impl(a, x):
  with np.errstate(all="ignore"):
    out = _random_gamma_grad64(np.asarray(a, np.float64), np.asarray(x, np.float64))
  return out.astype(np.result_type(a, x))


def _random_gamma_grad_abstract_eval(a, x):
  if a.dtype != x.dtype or not dtypes.issubdtype(a.dtype, np.floating):
    raise TypeError("random_gamma_grad requires floating arguments of one dtype, got "
                    f"{a.dtype} and {x.dtype}")
  if a.shape != x.shape:
    raise TypeError(f"random_gamma_grad requires equal shapes, got {a.shape} and {x.shape}")
  return ShapedArray(a.shape, a.dtype)


def _no_second_derivative(*args, **params):
  raise NotImplementedError("jaxlite does not differentiate random_gamma_grad: second "
                            "derivatives of gamma samples with respect to a are not "
                            "supported.")


random_gamma_grad_p = core.Primitive("random_gamma_grad")
random_gamma_grad_p.def_impl(_random_gamma_grad_impl)
random_gamma_grad_p.def_abstract_eval(_random_gamma_grad_abstract_eval)
random_gamma_grad_p.weak_type_rule = lambda weak_flags, **params: False
batching.broadcast_batcher(random_gamma_grad_p)
ad.defjvp(random_gamma_grad_p, _no_second_derivative, _no_second_derivative)


# ---------------------------------------------------------------------------
# Samplers

def gamma(key, a, shape=None, dtype=None, *, out_sharding=None):
  """Gamma(``a``, 1) samples."""
  key, _ = check_prng_key("gamma", key)
  dtype = float_dtype("gamma", dtype)
  shape = None if shape is None else canonicalize_shape(shape)
  return _gamma(key, a, shape, dtype, log_space=False)


def loggamma(key, a, shape=None, dtype=None, *, out_sharding=None):
  """Logarithms of Gamma(``a``, 1) samples, accurate even where the samples underflow."""
  key, _ = check_prng_key("loggamma", key)
  dtype = float_dtype("gamma", dtype)
  shape = None if shape is None else canonicalize_shape(shape)
  return _gamma(key, a, shape, dtype, log_space=True)


def _gamma(key, a, shape, dtype, log_space):
  if shape is None:
    shape = np.shape(a)
  else:
    check_shape("gamma", shape, np.shape(a))
  a = convert(a, dtype)
  if np.shape(a) != shape:
    a = jnp.broadcast_to(a, shape)
  return random_gamma_p.bind(key, a, log_space=log_space)


def beta(key, a, b, shape=None, dtype=None, *, out_sharding=None):
  """Beta(``a``, ``b``) samples, as a ratio of gamma samples computed in log space."""
  key, _ = check_prng_key("beta", key)
  dtype = float_dtype("beta", dtype)
  check_all_safe_to_cast("beta", dtype, a, b)
  shape = check_broadcast_shapes("beta", shape, a, b)
  key_a, key_b = split_key(key)
  a = jnp.broadcast_to(convert(a, dtype), shape)
  b = jnp.broadcast_to(convert(b, dtype), shape)
  log_gamma_a = _gamma(key_a, a, shape, dtype, log_space=True)
  log_gamma_b = _gamma(key_b, b, shape, dtype, log_space=True)
  log_max = lax.max(log_gamma_a, log_gamma_b)
  gamma_a = lax.exp(lax.sub(log_gamma_a, log_max))
  gamma_b = lax.exp(lax.sub(log_gamma_b, log_max))
  return lax.div(gamma_a, lax.add(gamma_a, gamma_b))


def dirichlet(key, alpha, shape=None, dtype=None, *, out_sharding=None):
  """Dirichlet(``alpha``) samples over the last axis of ``alpha``."""
  key, _ = check_prng_key("dirichlet", key)
  dtype = float_dtype("dirichlet", dtype)
  if shape is not None:
    shape = canonicalize_shape(shape)
  if not np.ndim(alpha) >= 1:
    raise ValueError(f"dirichlet requires alpha.ndim >= 1, got alpha.ndim == {np.ndim(alpha)}")
  if shape is None:
    shape = np.shape(alpha)[:-1]
  else:
    check_shape("dirichlet", shape, np.shape(alpha)[:-1])
  alpha = convert(alpha, dtype)
  log_gamma = _gamma(key, alpha, shape + np.shape(alpha)[-1:], dtype, log_space=True)
  # softmax over the last axis
  shifted = jnp.subtract(log_gamma, jnp.max(log_gamma, axis=-1, keepdims=True))
  unnormalized = lax.exp(shifted)
  return jnp.true_divide(unnormalized, jnp.sum(unnormalized, axis=-1, keepdims=True))


def t(key, df, shape=None, dtype=None, *, out_sharding=None):
  """Student's t samples with ``df`` degrees of freedom."""
  key, _ = check_prng_key("t", key)
  dtype = float_dtype("t", dtype)
  shape = check_broadcast_shapes("t", shape, df)
  check_all_safe_to_cast("t", dtype, df)
  df = convert(df, dtype)
  key_n, key_g = split_key(key)
  n = _normal_real(key_n, shape, dtype)
  half_df = lax.div(df, np.array(2, dtype))
  g = _gamma(key_g, half_df, shape, dtype, log_space=False)
  return jnp.multiply(n, lax.sqrt(jnp.true_divide(half_df, g)))


def chisquare(key, df, shape=None, dtype=None, *, out_sharding=None):
  """Chi-square samples with ``df`` degrees of freedom."""
  key, _ = check_prng_key("chisquare", key)
  dtype = float_dtype("chisquare", dtype)
  shape = check_broadcast_shapes("chisquare", shape, df)
  check_all_safe_to_cast("chisquare", dtype, df)
  return _chisquare(key, df, shape, dtype)


def _chisquare(key, df, shape, dtype):
  df = convert(df, dtype)
  two = np.array(2, dtype)
  log_g = _gamma(key, lax.div(df, two), shape, dtype, log_space=True)
  return lax.mul(lax.exp(log_g), two)


def f(key, dfnum, dfden, shape=None, dtype=None, *, out_sharding=None):
  """F-distribution samples with ``dfnum`` and ``dfden`` degrees of freedom."""
  key, _ = check_prng_key("f", key)
  dtype = float_dtype("f", dtype)
  shape = check_broadcast_shapes("f", shape, dfnum, dfden)
  check_all_safe_to_cast("f", dtype, dfnum, dfden)
  dfden = convert(dfden, dtype)
  dfnum = convert(dfnum, dtype)
  key_dfd, key_dfn = split_key(key)
  chi2_dfn = _chisquare(key_dfn, dfnum, shape, dtype)
  chi2_dfd = _chisquare(key_dfd, dfden, shape, dtype)
  return jnp.true_divide(jnp.true_divide(chi2_dfn, dfnum), jnp.true_divide(chi2_dfd, dfden))


def generalized_normal(key, p, shape=(), dtype=None, *, out_sharding=None):
  """Generalized normal samples with density proportional to ``exp(-|x|**p)``."""
  shape = canonicalize_shape(shape)
  key, _ = check_prng_key("generalized_normal", key)
  dtype = float_dtype("generalized_normal", dtype)
  return _generalized_normal(key, p, shape, dtype)


def _generalized_normal(key, p, shape, dtype):
  k_gamma, k_sign = split_key(key)
  g = _gamma(k_gamma, jnp.true_divide(1, p), shape, dtype, log_space=False)
  r = _rademacher(k_sign, shape, dtype)
  return jnp.multiply(r, jnp.power(g, jnp.true_divide(1, p)))


def ball(key, d, p=2, shape=(), dtype=None, *, out_sharding=None):
  """Points uniform in the ``d``-dimensional unit ``p``-norm ball."""
  shape = canonicalize_shape(shape)
  key, _ = check_prng_key("ball", key)
  dtype = float_dtype("ball", dtype)
  d = int(core.concrete_or_error(None, d, "The error occurred in jax.random.ball()"))
  k1, k2 = split_key(key)
  g = _generalized_normal(k1, p, (*shape, d), dtype)
  e = _exponential(k2, shape, dtype)
  norm = jnp.power(jnp.add(jnp.sum(jnp.power(lax.abs(g), p), axis=-1), e),
                   jnp.true_divide(1, p))
  return jnp.true_divide(g, jnp.expand_dims(norm, -1))
