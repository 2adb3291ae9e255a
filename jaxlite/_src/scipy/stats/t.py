"""Student's t distribution (``jax.scipy.stats.t``)."""
import numpy as np

from jaxlite import lax
from jaxlite import numpy as jnp
from jaxlite._src.scipy.stats._common import promote

__all__ = ["logpdf", "pdf"]


def logpdf(x, df, loc=0, scale=1):
  x, df, loc, scale = promote("t.logpdf", x, df, loc, scale)
  z = (x - loc) / scale
  half_df = df / 2
  half_df1 = half_df + 0.5
  normalizer = lax.lgamma(half_df) + jnp.log(scale * scale * np.pi * df) / 2 - lax.lgamma(half_df1)
  return -(normalizer + half_df1 * jnp.log1p(z * z / df))


def pdf(x, df, loc=0, scale=1):
  return jnp.exp(logpdf(x, df, loc, scale))
