"""The multivariate normal distribution (``jax.scipy.stats.multivariate_normal``)."""
import numpy as np

from jaxlite import numpy as jnp
from jaxlite._src.numpy import util

__all__ = ["logpdf", "pdf"]


def logpdf(x, mean, cov, allow_singular=None):
  """Log density; ``cov`` may be a scalar (isotropic) or a batch of (n, n) matrices."""
  if allow_singular is not None:
    raise NotImplementedError("allow_singular argument of multivariate_normal.logpdf")
  from jaxlite._src.lax import linalg
  x, mean, cov = util.promote_dtypes_inexact(x, mean, cov)
  log2pi = np.log(2 * np.pi)
  if not mean.shape:
    return -1 / 2 * jnp.square(x - mean) / cov - 1 / 2 * (log2pi + jnp.log(cov))
  n = mean.shape[-1]
  y = x - mean
  if not cov.shape:
    return (-1 / 2 * jnp.einsum("...i,...i->...", y, y) / cov
            - n / 2 * (log2pi + jnp.log(cov)))
  if cov.ndim < 2 or cov.shape[-2:] != (n, n):
    raise ValueError("multivariate_normal.logpdf got incompatible shapes")
  chol = linalg.cholesky(cov)
  # Whiten: z = L^-1 (x - mean), so that the quadratic form is |z|^2.
  solve = jnp.vectorize(
      lambda l, v: linalg.triangular_solve(l, v, left_side=False, lower=True, transpose_a=True),
      signature="(n,n),(n)->(n)")
  z = solve(chol, y)
  log_det = jnp.log(jnp.diagonal(chol, axis1=-1, axis2=-2)).sum(-1)
  return -1 / 2 * jnp.einsum("...i,...i->...", z, z) - n / 2 * log2pi - log_det


def pdf(x, mean, cov):
  return jnp.exp(logpdf(x, mean, cov))
