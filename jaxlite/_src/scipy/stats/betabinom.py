"""The beta-binomial distribution (``jax.scipy.stats.betabinom``)."""
import numpy as np

from jaxlite import numpy as jnp
from jaxlite._src.scipy.special import betaln
from jaxlite._src.scipy.stats._common import promote

__all__ = ["logpmf", "pmf"]


def logpmf(k, n, a, b, loc=0):
  k, n, a, b, loc = promote("betabinom.logpmf", k, n, a, b, loc)
  y = jnp.floor(k) - loc
  log_comb = -(jnp.log1p(n) + betaln(n - y + 1, y + 1))
  value = log_comb + (betaln(y + a, n - y + b) - betaln(a, b))
  value = jnp.where((y == 0) & (n == 0), 0.0, value)
  value = jnp.where((y < -loc) | (y > n) | (y + a <= 0), -np.inf, value)
  return jnp.where((n < 0) | (a <= 0) | (b <= 0), np.nan, value)


def pmf(k, n, a, b, loc=0):
  return jnp.exp(logpmf(k, n, a, b, loc))
