"""The few ``jax.nn`` / ``jax.scipy.special`` functions the losses need, computed the
way JAX computes them (max-shifted, so they are stable for large inputs)."""
from __future__ import annotations

import numpy as np

import jaxlite.numpy as jnp
from jaxlite import lax


def log_softmax(x, axis=-1, where=None):
  """``jax.nn.log_softmax``: ``x - logsumexp(x)``, masked entries giving ``-inf``."""
  x = jnp.asarray(x)
  x_max = jnp.max(x, axis, where=where, initial=-np.inf, keepdims=True)
  x_safe = x if where is None else jnp.where(where, x, -np.inf)
  shifted = x_safe - lax.stop_gradient(x_max)
  shifted_logsumexp = jnp.log(jnp.sum(jnp.exp(shifted), axis, where=where, keepdims=True))
  result = shifted - shifted_logsumexp
  if where is not None:
    return jnp.where(where, result, -np.inf)
  return result


def softmax(x, axis=-1, where=None):
  """``jax.nn.softmax``; masked entries give 0."""
  x = jnp.asarray(x)
  x_max = jnp.max(x, axis, where=where, initial=-np.inf, keepdims=True)
  x_safe = x if where is None else jnp.where(where, x, -np.inf)
  unnormalized = jnp.exp(x_safe - lax.stop_gradient(x_max))
  result = unnormalized / jnp.sum(unnormalized, axis, where=where, keepdims=True)
  if where is not None:
    result = jnp.where(where, result, 0)
  return result


def logsumexp(a, axis=None, b=None, keepdims=False, where=None):
  """``jax.scipy.special.logsumexp`` (real inputs): ``log(sum(b * exp(a)))``."""
  if where is not None:
    a = jnp.where(where, a, 0)
  a = jnp.asarray(a)
  if not jnp.issubdtype(a.dtype, jnp.inexact):
    a = a.astype(jnp.float32)
  if b is not None:
    b = jnp.asarray(b, dtype=a.dtype)
    a = jnp.where(b != 0, a, -np.inf)
  axes = tuple(range(a.ndim)) if axis is None else (
      (axis,) if isinstance(axis, int) else tuple(axis))
  axes = tuple(ax % a.ndim for ax in axes)
  amax = jnp.max(a, axis=axes, keepdims=keepdims, where=where, initial=-np.inf)
  amax = lax.stop_gradient(jnp.where(jnp.isfinite(amax), amax, jnp.zeros_like(amax)))
  amax_with_dims = amax if keepdims else jnp.expand_dims(amax, axes)
  exp_a = jnp.exp(a - amax_with_dims)
  if b is not None:
    exp_a = exp_a * b
  sumexp = jnp.sum(exp_a, axis=axes, keepdims=keepdims, where=where)
  sign = jnp.sign(sumexp)
  out = jnp.log(jnp.abs(sumexp)) + amax
  if b is not None:
    out = jnp.where(sign < 0, jnp.array(np.nan, dtype=out.dtype), out)
  return out


def softplus(x):
  return jnp.logaddexp(x, 0)


def log_sigmoid(x):
  """``jax.nn.log_sigmoid``: ``-softplus(-x)``."""
  return -softplus(-jnp.asarray(x))


def sparse_plus(x):
  """``jax.nn.sparse_plus``: 0 below -1, ``x`` above 1, ``(x + 1)**2 / 4`` between."""
  x = jnp.asarray(x)
  return jnp.where(x <= -1.0, 0.0, jnp.where(x >= 1.0, x, (x + 1.0) ** 2 / 4))


def one_hot(x, num_classes: int, dtype=jnp.float32, axis: int = -1):
  """``jax.nn.one_hot``: ``x == iota`` along a new axis ``axis``."""
  x = jnp.asarray(x)
  out_axis = axis % (x.ndim + 1)
  iota_shape = [1] * x.ndim
  iota_shape.insert(out_axis, num_classes)
  iota = lax.broadcasted_iota(x.dtype, iota_shape, out_axis)
  return (jnp.expand_dims(x, out_axis) == iota).astype(dtype)
