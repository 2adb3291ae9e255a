"""The Dirichlet distribution (``jax.scipy.stats.dirichlet``); x's first axis is the
simplex axis."""
import numpy as np

from jaxlite import numpy as jnp
from jaxlite._src.numpy import util
from jaxlite._src.scipy.special import gammaln, xlogy

__all__ = ["logpdf", "pdf"]


def logpdf(x, alpha):
  x, alpha = util.promote_dtypes_inexact(x, alpha)
  if alpha.ndim != 1:
    raise ValueError(f"`alpha` must be one-dimensional; got alpha.shape={alpha.shape}")
  if x.shape[0] not in (alpha.shape[0], alpha.shape[0] - 1):
    raise ValueError("`x` must have either the same number of entries as `alpha` or one entry "
                     f"fewer; got x.shape={x.shape}, alpha.shape={alpha.shape}")
  if x.shape[0] != alpha.shape[0]:
    x = jnp.concatenate([x, 1 - x.sum(0, keepdims=True)], axis=0)
  normalizer = jnp.sum(gammaln(alpha)) - gammaln(jnp.sum(alpha))
  a = alpha.reshape(alpha.shape + (1,) * (x.ndim - 1))
  value = jnp.sum(xlogy(a - 1, x), axis=0) - normalizer
  on_simplex = jnp.all(x > 0, axis=0) & (jnp.abs(jnp.sum(x, axis=0) - 1) < 1e-6)
  return jnp.where(on_simplex, value, -np.inf)


def pdf(x, alpha):
  return jnp.exp(logpdf(x, alpha))
