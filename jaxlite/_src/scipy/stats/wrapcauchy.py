"""The wrapped Cauchy distribution on [0, 2 pi] (``jax.scipy.stats.wrapcauchy``)."""
import numpy as np

from jaxlite import numpy as jnp
from jaxlite._src.scipy.stats._common import promote

__all__ = ["logpdf", "pdf"]


def logpdf(x, c):
  x, c = promote("wrapcauchy.logpdf", x, c)
  value = jnp.log(1 - c * c) - np.log(2 * np.pi) - jnp.log(1 + c * c - 2 * c * jnp.cos(x))
  inside = (x >= 0) & (x <= 2 * np.pi)
  return jnp.where((c > 0) & (c < 1), jnp.where(inside, value, -np.inf), np.nan)


def pdf(x, c):
  return jnp.exp(logpdf(x, c))
