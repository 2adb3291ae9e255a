"""Samplers that need linear algebra: multivariate_normal and orthogonal.

Both factorizations they use are unique, so they are computed here with a few lax
operations per column (n is static), agreeing with JAX's LAPACK results up to rounding:
the Cholesky factor of a positive definite matrix, and the Q of a QR decomposition whose R
has a positive diagonal (which is what ``orthogonal`` produces from any QR by fixing signs).
The "eigh" and "svd" factors of multivariate_normal are not unique (eigenvector signs), so
they come from ``jaxlite.numpy.linalg``, like JAX's come from its linalg."""
from __future__ import annotations

import operator

import numpy as np

import jaxlite.numpy as jnp
from jaxlite import lax
from jaxlite._src import core
from jaxlite._src import dtypes
from jaxlite._src.random.common import (
    broadcast_shapes, canonicalize_shape, check_prng_key, check_shape, float_dtype)
from jaxlite._src.random.continuous import _normal

__all__ = ["multivariate_normal", "orthogonal"]


def _column(x, j):
  return lax.index_in_dim(x, j, axis=x.ndim - 1, keepdims=False)


def _cholesky(a):
  """Lower Cholesky factor of the (batched) symmetric positive definite ``a``, column by
  column: ``L[:, j] = (a[:, j] - L[:, :j] L[j, :j]) / L[j, j]`` below the diagonal."""
  n = a.shape[-1]
  rows = lax.iota(np.int32, n)
  cols = []
  for j in range(n):
    s = _column(a, j)
    if cols:
      prev = jnp.stack(cols, axis=-1)
      row_j = lax.index_in_dim(prev, j, axis=prev.ndim - 2, keepdims=True)
      s = jnp.subtract(s, jnp.sum(jnp.multiply(prev, row_j), axis=-1))
    diag = lax.sqrt(lax.index_in_dim(s, j, axis=s.ndim - 1, keepdims=True))
    below = jnp.where(jnp.equal(rows, j), diag, jnp.true_divide(s, diag))
    cols.append(jnp.where(jnp.less(rows, j), jnp.zeros_like(s), below))
  return jnp.stack(cols, axis=-1)


def _orthonormal_columns(z):
  """The Q factor (positive R diagonal) of the thin QR of ``z``: modified Gram-Schmidt,
  applied twice per column to keep the columns orthogonal to working precision."""
  qs = []
  for j in range(z.shape[-1]):
    v = _column(z, j)
    for _ in range(2):
      for q in qs:
        v = jnp.subtract(v, jnp.multiply(jnp.sum(jnp.multiply(q, v), axis=-1, keepdims=True), q))
    qs.append(jnp.true_divide(v, lax.sqrt(jnp.sum(jnp.multiply(v, v), axis=-1, keepdims=True))))
  return jnp.stack(qs, axis=-1)


def _linalg():
  linalg = getattr(jnp, "linalg", None)
  if linalg is None:
    raise NotImplementedError("multivariate_normal with method 'svd' or 'eigh' needs "
                              "jaxlite.numpy.linalg; use method='cholesky'.")
  return linalg


def multivariate_normal(key, mean, cov, shape=None, dtype=None, method="cholesky", *,
                        out_sharding=None):
  """Samples of N(``mean``, ``cov``) with ``mean`` of shape ``(..., n)`` and ``cov`` of
  shape ``(..., n, n)``; ``method`` picks the factor of ``cov``."""
  key, _ = check_prng_key("multivariate_normal", key)
  mean, cov = jnp.asarray(mean), jnp.asarray(cov)
  common = dtypes.result_type(mean, cov)
  if not dtypes.issubdtype(common, np.inexact):
    common = dtypes.default_float_dtype()
  mean, cov = mean.astype(common), cov.astype(common)
  if method not in {"svd", "eigh", "cholesky"}:
    raise ValueError("method must be one of {'svd', 'eigh', 'cholesky'}")
  dtype = mean.dtype if dtype is None else float_dtype("multivariate_normal", dtype)
  if shape is not None:
    shape = canonicalize_shape(shape)
  if not mean.ndim >= 1:
    raise ValueError(f"multivariate_normal requires mean.ndim >= 1, got mean.ndim == "
                     f"{mean.ndim}")
  if not cov.ndim >= 2:
    raise ValueError(f"multivariate_normal requires cov.ndim >= 2, got cov.ndim == {cov.ndim}")
  n = mean.shape[-1]
  if cov.shape[-2:] != (n, n):
    raise ValueError(f"multivariate_normal requires cov.shape == (..., n, n) for n={n}, but "
                     f"got cov.shape == {cov.shape}.")
  if shape is None:
    shape = broadcast_shapes(mean.shape[:-1], cov.shape[:-2])
  else:
    check_shape("normal", shape, mean.shape[:-1], cov.shape[:-2])
  if method == "svd":
    u, s, _ = _linalg().svd(cov)
    factor = jnp.multiply(u, lax.sqrt(jnp.expand_dims(s, -2)))
  elif method == "eigh":
    w, v = _linalg().eigh(cov)
    factor = jnp.multiply(v, lax.sqrt(jnp.expand_dims(w, -2)))
  else:
    factor = _cholesky(cov)
  samples = _normal(key, shape + mean.shape[-1:], dtype)
  return jnp.add(mean, jnp.einsum("...ij,...j->...i", factor, samples))


def orthogonal(key, n, shape=(), dtype=None, m=None, *, out_sharding=None):
  """Random matrices with orthonormal columns (or rows), Haar-distributed, of shape
  ``(*shape, n, m)`` (``m`` defaults to ``n``)."""
  shape = canonicalize_shape(shape)
  key, _ = check_prng_key("orthogonal", key)
  dtype = float_dtype("orthogonal", dtype)
  context = "The error occurred in jax.random.orthogonal()"
  n = core.concrete_or_error(operator.index, n, context)
  m = n if m is None else core.concrete_or_error(operator.index, m, context)
  z = _normal(key, (*shape, max(n, m), min(n, m)), dtype)
  q = _orthonormal_columns(z)
  return jnp.swapaxes(q, -1, -2) if n < m else q
