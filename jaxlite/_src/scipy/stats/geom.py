"""The geometric distribution on 1, 2, ... (``jax.scipy.stats.geom``)."""
import numpy as np

from jaxlite import numpy as jnp
from jaxlite._src.scipy.special import xlog1py
from jaxlite._src.scipy.stats._common import promote

__all__ = ["logpmf", "pmf"]


def logpmf(k, p, loc=0):
  k, p, loc = promote("geom.logpmf", k, p, loc)
  x = k - loc
  return jnp.where(x <= 0, -np.inf, xlog1py(x - 1, -p) + jnp.log(p))


def pmf(k, p, loc=0):
  return jnp.exp(logpmf(k, p, loc))
