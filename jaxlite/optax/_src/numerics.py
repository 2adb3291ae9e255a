"""Numerically safe helpers: norms with a floor (finite gradients at zero), and a
step counter that saturates instead of overflowing."""
from __future__ import annotations

import numpy as np

import jaxlite.numpy as jnp
from jaxlite.optax._src import utils


def abs_sq(x):
  """``|x|**2`` elementwise, real for complex ``x`` too."""
  if not (isinstance(x, np.ndarray) or utils.is_array(x)):
    raise ValueError(f"`abs_sq` accepts only NDarrays, got: {x}.")
  return (x.conj() * x).real


def l2_norm(x, axis=None, keepdims=False):
  """The 2-norm (Frobenius for matrices): ``jnp.linalg.norm(x, None, axis, keepdims)``."""
  return jnp.sqrt(jnp.sum(abs_sq(jnp.asarray(x)), axis=axis, keepdims=keepdims))


def _norm(x, ord, axis, keepdims):
  # The optimizers only use the 2-norm.
  if ord not in (None, 2, "fro"):
    raise NotImplementedError(f"safe_norm supports ord=None, 2 or 'fro', got {ord!r}.")
  return l2_norm(x, axis, keepdims)


def safe_norm(x, min_norm, ord=None, axis=None, keepdims=False):  # noqa: A002
  """``max(norm(x), min_norm)`` whose gradient is 0 (not NaN) where ``norm(x) <= min_norm``.

  >>> import jaxlite.numpy as jnp
  >>> from jaxlite.optax import safe_norm
  >>> safe_norm(jnp.array([3., 4.]), 1.0), safe_norm(jnp.zeros(2), 1.0)
  (Array(5., dtype=float32), Array(1., dtype=float32))
  """
  norm = _norm(x, ord, axis, keepdims=True)
  # Replacing small inputs by ones keeps sqrt away from 0 on the unused branch.
  x = jnp.where(norm <= min_norm, jnp.ones_like(x), x)
  norm = norm if keepdims else jnp.squeeze(norm, axis=axis)
  masked_norm = _norm(x, ord, axis, keepdims)
  return jnp.where(norm <= min_norm, min_norm, masked_norm)


def safe_root_mean_squares(x, min_rms):
  """``max(rms(x), min_rms)`` with a finite gradient everywhere."""
  rms = jnp.sqrt(jnp.mean(abs_sq(x)))
  x = jnp.where(rms <= min_rms, jnp.ones_like(x), x)
  return jnp.where(rms <= min_rms, min_rms, jnp.sqrt(jnp.mean(abs_sq(x))))


def safe_increment(count):
  """``count + 1``, saturating at the dtype's maximum.

  >>> import jaxlite.numpy as jnp
  >>> from jaxlite.optax import safe_increment
  >>> safe_increment(jnp.asarray(2147483647, jnp.int32))
  Array(2147483647, dtype=int32)
  """
  dtype = jnp.asarray(count).dtype
  if jnp.issubdtype(dtype, jnp.integer):
    max_value = jnp.iinfo(dtype).max
  elif jnp.issubdtype(dtype, jnp.floating):
    max_value = jnp.finfo(dtype).max
  else:
    raise ValueError(
        f"Cannot safely increment count with dtype {dtype}, valid dtypes are "
        'subdtypes of "jnp.integer" or "jnp.floating".')
  max_value = jnp.array(max_value, dtype)
  return jnp.where(count < max_value, count + jnp.array(1, dtype), max_value)


safe_int32_increment = safe_increment
