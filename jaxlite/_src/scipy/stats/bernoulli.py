"""The Bernoulli distribution (``jax.scipy.stats.bernoulli``)."""
import numpy as np

from jaxlite import numpy as jnp
from jaxlite._src.scipy.special import xlog1py, xlogy
from jaxlite._src.scipy.stats._common import promote

__all__ = ["logpmf", "pmf", "cdf", "ppf"]


def logpmf(k, p, loc=0):
  k, p, loc = promote("bernoulli.logpmf", k, p, loc)
  x = k - loc
  value = xlogy(x, p) + xlog1py(1 - x, -p)
  return jnp.where((x < 0) | (x > 1), -np.inf, value)


def pmf(k, p, loc=0):
  return jnp.exp(logpmf(k, p, loc))


def _bad_p(p):
  return jnp.isnan(p) | (p < 0) | (p > 1)


def cdf(k, p):
  k, p = promote("bernoulli.cdf", k, p)
  zero, one = jnp.array(0, k.dtype), jnp.array(1, k.dtype)
  return jnp.select([jnp.isnan(k) | _bad_p(p), k < 0, (k >= 0) & (k < 1), k >= 1],
                    [jnp.array(np.nan, k.dtype), zero, one - p, one])


def ppf(q, p):
  q, p = promote("bernoulli.ppf", q, p)
  bad = jnp.isnan(q) | _bad_p(p) | (q < 0) | (q > 1)
  return jnp.where(bad, np.nan, jnp.where(q <= 1 - p, 0.0, 1.0).astype(q.dtype))
