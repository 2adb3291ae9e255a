"""The Poisson distribution (``jax.scipy.stats.poisson``)."""
import numpy as np

from jaxlite import numpy as jnp
from jaxlite._src.numpy import util
from jaxlite._src.scipy.special import entr, gammaincc, gammaln, xlogy
from jaxlite._src.scipy.stats._common import promote

__all__ = ["logpmf", "pmf", "cdf", "entropy"]


def logpmf(k, mu, loc=0):
  k, mu, loc = promote("poisson.logpmf", k, mu, loc)
  x = k - loc
  value = xlogy(x, mu) - gammaln(x + 1) - mu
  return jnp.where((x < 0) | (jnp.round(k) != k), -np.inf, value)


def pmf(k, mu, loc=0):
  return jnp.exp(logpmf(k, mu, loc))


def cdf(k, mu, loc=0):
  k, mu, loc = promote("poisson.cdf", k, mu, loc)
  x = k - loc
  return jnp.where(x < 0, jnp.zeros_like(x), gammaincc(jnp.floor(1 + x), mu))


def _entropy_by_sum(mu, terms, upper):
  k = jnp.arange(terms, dtype=mu.dtype)[:, None]
  probs = jnp.where(k < jnp.ceil(upper)[None, :], pmf(k, mu), 0.0)
  return jnp.sum(entr(probs), axis=0)


def entropy(mu, loc=0):
  """Entropy: a direct sum of -p log p for mu < 100, the asymptotic series above."""
  util.check_arraylike("poisson.entropy", mu, loc)
  mu, loc = util.promote_dtypes_inexact(mu, loc)
  shape = np.broadcast_shapes(mu.shape, loc.shape)
  flat = jnp.ravel(mu)
  small = _entropy_by_sum(flat, 35, flat + 20)
  medium = _entropy_by_sum(flat, 250, flat + 10 * jnp.sqrt(flat) + 20)
  large = 0.5 * jnp.log(2 * np.pi * np.e * flat) - 1.0 / (12 * flat)
  out = jnp.where(flat == 0, 0.0, jnp.where(flat < 10, small, jnp.where(flat < 100, medium,
                                                                          large)))
  return jnp.broadcast_to(out.reshape(mu.shape), shape)
