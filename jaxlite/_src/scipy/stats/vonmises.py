"""The von Mises distribution (``jax.scipy.stats.vonmises``)."""
import numpy as np

from jaxlite import lax
from jaxlite import numpy as jnp
from jaxlite._src.scipy.stats._common import promote

__all__ = ["logpdf", "pdf"]


def logpdf(x, kappa):
  x, kappa = promote("vonmises.logpdf", x, kappa)
  # i0e keeps the normalizer finite for large kappa: log I0(k) = log i0e(k) + k.
  value = kappa * (jnp.cos(x) - 1) - jnp.log(2 * np.pi * lax.bessel_i0e(kappa))
  return jnp.where(kappa > 0, value, np.nan)


def pdf(x, kappa):
  return jnp.exp(logpdf(x, kappa))
