"""The generalized normal distribution (``jax.scipy.stats.gennorm``)."""
from jaxlite import lax
from jaxlite import numpy as jnp
from jaxlite._src.scipy.special import gammainc
from jaxlite._src.scipy.stats._common import promote

__all__ = ["logpdf", "pdf", "cdf"]


def logpdf(x, beta):
  x, beta = promote("gennorm.logpdf", x, beta)
  return jnp.log(0.5 * beta) - lax.lgamma(1 / beta) - jnp.abs(x) ** beta


def pdf(x, beta):
  return jnp.exp(logpdf(x, beta))


def cdf(x, beta):
  x, beta = promote("gennorm.cdf", x, beta)
  return 0.5 * (1 + jnp.sign(x) * gammainc(1 / beta, jnp.abs(x) ** beta))
