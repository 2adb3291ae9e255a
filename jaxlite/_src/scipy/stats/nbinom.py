"""The negative binomial distribution (``jax.scipy.stats.nbinom``)."""
import numpy as np

from jaxlite import numpy as jnp
from jaxlite._src.scipy.special import gammaln, xlogy
from jaxlite._src.scipy.stats._common import promote

__all__ = ["logpmf", "pmf"]


def logpmf(k, n, p, loc=0):
  k, n, p, loc = promote("nbinom.logpmf", k, n, p, loc)
  y = k - loc
  log_comb = gammaln(y + n) - gammaln(n) - gammaln(y + 1)
  return jnp.where(k < loc, -np.inf, log_comb + (xlogy(n, p) + xlogy(y, 1 - p)))


def pmf(k, n, p, loc=0):
  return jnp.exp(logpmf(k, n, p, loc))
