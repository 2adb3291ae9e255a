"""The multinomial distribution (``jax.scipy.stats.multinomial``)."""
import numpy as np

from jaxlite import numpy as jnp
from jaxlite._src import dtypes
from jaxlite._src.numpy import util
from jaxlite._src.scipy.special import gammaln, xlogy

__all__ = ["logpmf", "pmf"]


def logpmf(x, n, p):
  p, = util.promote_args_inexact("multinomial.logpmf", p)
  x, n = util.promote_args_numeric("multinomial.logpmf", x, n)
  if not dtypes.issubdtype(x.dtype, np.integer):
    raise ValueError(f"x and n must be of integer type; got x.dtype={x.dtype}, "
                     f"n.dtype={n.dtype}")
  x, n = x.astype(p.dtype), n.astype(p.dtype)
  value = gammaln(n + 1) + jnp.sum(xlogy(x, p) - gammaln(x + 1), axis=-1)
  return jnp.where(jnp.sum(x) == n, value, -np.inf)


def pmf(x, n, p):
  return jnp.exp(logpmf(x, n, p))
