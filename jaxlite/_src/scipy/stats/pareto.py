"""The Pareto distribution (``jax.scipy.stats.pareto``)."""
import numpy as np

from jaxlite import numpy as jnp
from jaxlite._src.scipy.stats._common import promote

__all__ = ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf", "ppf"]


def _z(name, x, b, loc, scale):
  x, b, loc, scale = promote(name, x, b, loc, scale)
  return (x - loc) / scale, x < loc + scale, b, scale


def logpdf(x, b, loc=0, scale=1):
  z, below, b, scale = _z("pareto.logpdf", x, b, loc, scale)
  return jnp.where(below, -np.inf, -(jnp.log(scale / b) + (b + 1) * jnp.log(z)))


def pdf(x, b, loc=0, scale=1):
  return jnp.exp(logpdf(x, b, loc, scale))


def cdf(x, b, loc=0, scale=1):
  z, below, b, _ = _z("pareto.cdf", x, b, loc, scale)
  return jnp.where(below, 0.0, 1 - z ** -b)


def logcdf(x, b, loc=0, scale=1):
  z, below, b, _ = _z("pareto.logcdf", x, b, loc, scale)
  return jnp.where(below, -np.inf, jnp.log1p(-(z ** -b)))


def logsf(x, b, loc=0, scale=1):
  z, below, b, _ = _z("pareto.logsf", x, b, loc, scale)
  return jnp.where(below, 0.0, -(b * jnp.log(z)))


def sf(x, b, loc=0, scale=1):
  return jnp.exp(logsf(x, b, loc, scale))


def ppf(q, b, loc=0, scale=1):
  q, b, loc, scale = promote("pareto.ppf", q, b, loc, scale)
  value = loc + scale * (1 - q) ** -(1 / b)
  return jnp.where(jnp.isnan(q) | (q < 0) | (q > 1), np.nan, value)
