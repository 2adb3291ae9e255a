"""The chi-squared distribution (``jax.scipy.stats.chi2``)."""
import numpy as np

from jaxlite import lax
from jaxlite import numpy as jnp
from jaxlite._src.scipy.special import gammainc, gammaincc
from jaxlite._src.scipy.stats._common import promote

__all__ = ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"]


def logpdf(x, df, loc=0, scale=1):
  x, df, loc, scale = promote("chi2.logpdf", x, df, loc, scale)
  y = (x - loc) / scale
  half_df = df / 2
  kernel = (half_df - 1) * jnp.log(y) - y / 2
  normalizer = -(lax.lgamma(half_df) + np.log(2) * df / 2)
  return jnp.where(x < loc, -np.inf, (normalizer - jnp.log(scale)) + kernel)


def pdf(x, df, loc=0, scale=1):
  return jnp.exp(logpdf(x, df, loc, scale))


def _half(name, x, df, loc, scale):
  x, df, loc, scale = promote(name, x, df, loc, scale)
  return df / 2, jnp.clip((x - loc) / (scale * 2), 0, np.inf)


def cdf(x, df, loc=0, scale=1):
  return gammainc(*_half("chi2.cdf", x, df, loc, scale))


def logcdf(x, df, loc=0, scale=1):
  return jnp.log(cdf(x, df, loc, scale))


def sf(x, df, loc=0, scale=1):
  return gammaincc(*_half("chi2.sf", x, df, loc, scale))


def logsf(x, df, loc=0, scale=1):
  return jnp.log(sf(x, df, loc, scale))
