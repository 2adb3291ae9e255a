"""The logistic distribution (``jax.scipy.stats.logistic``)."""
from jaxlite import numpy as jnp
from jaxlite._src.scipy.special import expit, logit
from jaxlite._src.scipy.stats._common import promote

__all__ = ["logpdf", "pdf", "cdf", "sf", "ppf", "isf"]


def logpdf(x, loc=0, scale=1):
  x, loc, scale = promote("logistic.logpdf", x, loc, scale)
  half = (x - loc) / scale / 2
  return -2 * jnp.logaddexp(half, -half) - jnp.log(scale)


def pdf(x, loc=0, scale=1):
  return jnp.exp(logpdf(x, loc, scale))


def cdf(x, loc=0, scale=1):
  x, loc, scale = promote("logistic.cdf", x, loc, scale)
  return expit((x - loc) / scale)


def sf(x, loc=0, scale=1):
  x, loc, scale = promote("logistic.sf", x, loc, scale)
  return expit(-((x - loc) / scale))


def ppf(x, loc=0, scale=1):
  x, loc, scale = promote("logistic.ppf", x, loc, scale)
  return logit(x) * scale + loc


def isf(x, loc=0, scale=1):
  x, loc, scale = promote("logistic.isf", x, loc, scale)
  return -logit(x) * scale + loc
