"""The uniform distribution on [loc, loc + scale] (``jax.scipy.stats.uniform``)."""
import numpy as np

from jaxlite import numpy as jnp
from jaxlite._src.scipy.stats._common import promote

__all__ = ["logpdf", "pdf", "cdf", "ppf"]


def logpdf(x, loc=0, scale=1):
  x, loc, scale = promote("uniform.logpdf", x, loc, scale)
  outside = (x > loc + scale) | (x < loc)
  return jnp.where(outside, -np.inf, -jnp.log(scale))


def pdf(x, loc=0, scale=1):
  return jnp.exp(logpdf(x, loc, scale))


def cdf(x, loc=0, scale=1):
  x, loc, scale = promote("uniform.cdf", x, loc, scale)
  hi = loc + scale
  return jnp.select([x < loc, x > hi, (x >= loc) & (x <= hi)],
                    [jnp.array(0, x.dtype), jnp.array(1, x.dtype), (x - loc) / scale])


def ppf(q, loc=0, scale=1):
  q, loc, scale = promote("uniform.ppf", q, loc, scale)
  return jnp.where(jnp.isnan(q) | (q < 0) | (q > 1), np.nan, loc + scale * q)
