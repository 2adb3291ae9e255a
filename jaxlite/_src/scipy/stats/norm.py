"""The normal distribution (``jax.scipy.stats.norm``)."""
import numpy as np

from jaxlite import numpy as jnp
from jaxlite._src.scipy import special
from jaxlite._src.scipy.stats._common import promote

__all__ = ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf", "ppf", "isf"]


def logpdf(x, loc=0, scale=1):
  x, loc, scale = promote("norm.logpdf", x, loc, scale)
  var = scale * scale
  return (jnp.log(2 * np.pi * var) + (x - loc) ** 2 / var) / -2


def pdf(x, loc=0, scale=1):
  return jnp.exp(logpdf(x, loc, scale))


def cdf(x, loc=0, scale=1):
  x, loc, scale = promote("norm.cdf", x, loc, scale)
  return special.ndtr((x - loc) / scale)


def logcdf(x, loc=0, scale=1):
  x, loc, scale = promote("norm.logcdf", x, loc, scale)
  return special.log_ndtr((x - loc) / scale)


def sf(x, loc=0, scale=1):
  x, loc, scale = promote("norm.sf", x, loc, scale)
  return cdf(-x, -loc, scale)


def logsf(x, loc=0, scale=1):
  x, loc, scale = promote("norm.logsf", x, loc, scale)
  return logcdf(-x, -loc, scale)


def ppf(q, loc=0, scale=1):
  return jnp.asarray(special.ndtri(q) * scale + loc, float)


def isf(q, loc=0, scale=1):
  q, = promote("norm.isf", q)
  return ppf(1 - q, loc, scale)
