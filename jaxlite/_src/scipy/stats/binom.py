"""The binomial distribution (``jax.scipy.stats.binom``)."""
import numpy as np

from jaxlite import numpy as jnp
from jaxlite._src.scipy.special import gammaln, xlog1py, xlogy
from jaxlite._src.scipy.stats._common import promote

__all__ = ["logpmf", "pmf"]


def logpmf(k, n, p, loc=0):
  k, n, p, loc = promote("binom.logpmf", k, n, p, loc)
  y = k - loc
  log_comb = gammaln(n + 1) - (gammaln(y + 1) + gammaln(n - y + 1))
  log_powers = xlogy(y, p) + xlog1py(n - y, -p)
  value = jnp.where(((y == 0) & (n == 0)) | (log_powers == 0), 0.0, log_comb + log_powers)
  return jnp.where((k >= loc) & (k < loc + n + 1), value, -np.inf)


def pmf(k, n, p, loc=0):
  return jnp.exp(logpmf(k, n, p, loc))
