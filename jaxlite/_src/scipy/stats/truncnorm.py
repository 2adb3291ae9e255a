"""The normal distribution truncated to [a, b] in standard units
(``jax.scipy.stats.truncnorm``)."""
import numpy as np

from jaxlite import numpy as jnp
from jaxlite._src.nn.functions import logsumexp
from jaxlite._src.scipy.special import log_ndtr, ndtr
from jaxlite._src.scipy.stats import norm
from jaxlite._src.scipy.stats._common import promote

__all__ = ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"]


def _log_sub(x, y):
  """log(exp(x) - exp(y)), for x >= y."""
  return logsumexp(jnp.stack([x, y]), b=jnp.stack([jnp.ones_like(x), -jnp.ones_like(y)]),
                   axis=0)


def _log_mass(a, b):
  """log(ndtr(b) - ndtr(a)) computed in the tail it lies in, or directly in the middle."""
  a, b = jnp.broadcast_arrays(jnp.asarray(a), jnp.asarray(b))
  left, right = b <= 0, a > 0
  # In the right tail, use the mirror image: the mass of [-b, -a].
  lo, hi = jnp.where(right, -b, a), jnp.where(right, -a, b)
  tail = _log_sub(log_ndtr(hi), log_ndtr(lo))
  middle = jnp.log1p(-ndtr(a) - ndtr(-b))
  return jnp.where(left | right, tail, middle)


def logpdf(x, a, b, loc=0, scale=1):
  x, a, b, loc, scale = promote("truncnorm.logpdf", x, a, b, loc, scale)
  value = norm.logpdf(x, loc, scale) - _log_mass(a, b)
  z = (x - loc) / scale
  value = jnp.where((z < a) | (z > b), -np.inf, value)
  return jnp.where(a >= b, np.nan, value)


def pdf(x, a, b, loc=0, scale=1):
  return jnp.exp(logpdf(x, a, b, loc, scale))


def logcdf(x, a, b, loc=0, scale=1):
  x, a, b, loc, scale = promote("truncnorm.logcdf", x, a, b, loc, scale)
  x, a, b = jnp.broadcast_arrays(x, a, b)
  z = (x - loc) / scale
  total = _log_mass(a, b)
  below = _log_mass(a, z) - total
  above = _log_mass(z, b) - total
  # Near 1, log1p(-sf) is the accurate form.
  value = jnp.select([z >= b, z <= a, below > -0.1, z > a],
                     [jnp.zeros_like(z), jnp.full_like(z, -np.inf), jnp.log1p(-jnp.exp(above)),
                      below])
  return jnp.where(a >= b, np.nan, value)


def cdf(x, a, b, loc=0, scale=1):
  return jnp.exp(logcdf(x, a, b, loc, scale))


def logsf(x, a, b, loc=0, scale=1):
  x, a, b, loc, scale = promote("truncnorm.logsf", x, a, b, loc, scale)
  return logcdf(-x, -b, -a, -loc, scale)


def sf(x, a, b, loc=0, scale=1):
  return jnp.exp(logsf(x, a, b, loc, scale))
