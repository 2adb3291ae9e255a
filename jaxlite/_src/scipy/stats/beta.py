"""The beta distribution (``jax.scipy.stats.beta``)."""
import numpy as np

from jaxlite import numpy as jnp
from jaxlite._src.scipy.special import betainc, betaln, xlog1py, xlogy
from jaxlite._src.scipy.stats._common import promote

__all__ = ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"]


def logpdf(x, a, b, loc=0, scale=1):
  x, a, b, loc, scale = promote("beta.logpdf", x, a, b, loc, scale)
  y = (x - loc) / scale
  value = (-betaln(a, b) + (xlogy(a - 1, y) + xlog1py(b - 1, -y))) - jnp.log(scale)
  value = jnp.where((x > loc + scale) | (x < loc), -np.inf, value)
  return jnp.where((a <= 0) | (b <= 0) | (scale <= 0), np.nan, value)


def pdf(x, a, b, loc=0, scale=1):
  return jnp.exp(logpdf(x, a, b, loc, scale))


def cdf(x, a, b, loc=0, scale=1):
  x, a, b, loc, scale = promote("beta.cdf", x, a, b, loc, scale)
  return betainc(a, b, jnp.clip((x - loc) / scale, 0, 1))


def logcdf(x, a, b, loc=0, scale=1):
  return jnp.log(cdf(x, a, b, loc, scale))


def sf(x, a, b, loc=0, scale=1):
  x, a, b, loc, scale = promote("beta.sf", x, a, b, loc, scale)
  return betainc(b, a, 1 - jnp.clip((x - loc) / scale, 0, 1))


def logsf(x, a, b, loc=0, scale=1):
  return jnp.log(sf(x, a, b, loc, scale))
