"""``jax.nn.initializers``: functions ``init(key, shape, dtype=None) -> Array``.

The draws and the scaling arithmetic follow JAX step by step (which random sampler, which
constant in which dtype) so the same key gives the same weights."""
from __future__ import annotations

import math
from typing import Protocol, runtime_checkable

import numpy as np

from jaxlite._src import dtypes
from jaxlite import numpy as jnp
from jaxlite import random

__all__ = [
    "Initializer", "zeros", "ones", "constant", "uniform", "normal", "truncated_normal",
    "variance_scaling", "glorot_uniform", "xavier_uniform", "glorot_normal", "xavier_normal",
    "lecun_uniform", "lecun_normal", "he_uniform", "kaiming_uniform", "he_normal",
    "kaiming_normal", "orthogonal", "delta_orthogonal",
]


@runtime_checkable
class Initializer(Protocol):
  def __call__(self, key, shape, dtype=None, out_sharding=None):
    raise NotImplementedError


def _dtype(dtype):
  return dtypes.default_float_dtype() if dtype is None else dtype


def zeros(key, shape, dtype=None, out_sharding=None):
  return jnp.zeros(shape, _dtype(dtype))


def ones(key, shape, dtype=None, out_sharding=None):
  return jnp.ones(shape, _dtype(dtype))


def constant(value, dtype=None) -> Initializer:
  def init(key, shape, dtype=dtype, out_sharding=None):
    return jnp.full(shape, value, dtype=_dtype(dtype))
  return init


def uniform(scale=1e-2, dtype=None) -> Initializer:
  def init(key, shape, dtype=dtype, out_sharding=None):
    dtype = _dtype(dtype)
    return random.uniform(key, shape, dtype) * jnp.array(scale, dtype)
  return init


def normal(stddev=1e-2, dtype=None) -> Initializer:
  def init(key, shape, dtype=dtype, out_sharding=None):
    dtype = _dtype(dtype)
    return random.normal(key, shape, dtype) * jnp.array(stddev, dtype)
  return init


def truncated_normal(stddev=1e-2, dtype=None, lower=-2.0, upper=2.0) -> Initializer:
  def init(key, shape, dtype=dtype, out_sharding=None):
    dtype = _dtype(dtype)
    return random.truncated_normal(key, lower, upper, shape, dtype) * jnp.array(stddev, dtype)
  return init


def _prod_of(shape, axis):
  return shape[axis] if isinstance(axis, int) else math.prod(shape[i] for i in axis)


def _compute_fans(shape, in_axis=-2, out_axis=-1, batch_axis=()):
  if isinstance(in_axis, int) and in_axis == -2 and len(shape) <= 1:
    raise ValueError(
        f"Can't compute input and output sizes of a {len(shape)}-dimensional weights tensor "
        "with default in_axis. Must be at least 2D or specify in_axis explicitly.")
  in_size = _prod_of(shape, in_axis)
  out_size = _prod_of(shape, out_axis)
  batch_size = _prod_of(shape, batch_axis)
  receptive_field = math.prod(shape) / in_size / out_size / batch_size
  return in_size * receptive_field, out_size * receptive_field


def _real_dtype(dtype):
  return np.array(0, dtype).real.dtype


def _complex_uniform(key, shape, dtype):
  # Uniform over the unit-variance disc: radius sqrt(2u), angle 2*pi*u'.
  key_r, key_theta = random.split(key)
  real = _real_dtype(dtype)
  dtype = np.result_type(real, np.complex64)
  r = jnp.sqrt(2 * random.uniform(key_r, shape, real)).astype(dtype)
  theta = 2 * np.pi * random.uniform(key_theta, shape, real).astype(dtype)
  return r * jnp.exp(1j * theta)


def _complex_truncated_normal(key, upper, shape, dtype):
  key_r, key_theta = random.split(key)
  real = _real_dtype(dtype)
  dtype = np.result_type(real, np.complex64)
  t = ((1 - jnp.exp(jnp.array(-(upper ** 2), dtype)))
       * random.uniform(key_r, shape, real).astype(dtype))
  r = jnp.sqrt(-jnp.log(1 - t))
  theta = 2 * np.pi * random.uniform(key_theta, shape, real).astype(dtype)
  return r * jnp.exp(1j * theta)


def variance_scaling(scale, mode, distribution, in_axis=-2, out_axis=-1, batch_axis=(),
                     dtype=None) -> Initializer:
  def init(key, shape, dtype=dtype, out_sharding=None):
    shape = tuple(int(d) for d in shape)
    dtype = _dtype(dtype)
    fan_in, fan_out = _compute_fans(shape, in_axis, out_axis, batch_axis)
    if mode == "fan_in":
      denominator = fan_in
    elif mode == "fan_out":
      denominator = fan_out
    elif mode == "fan_avg":
      denominator = (fan_in + fan_out) / 2
    elif mode == "fan_geo_avg":
      denominator = (fan_in * fan_out) ** 0.5
    else:
      raise ValueError(f"invalid mode for variance scaling initializer: {mode}")
    variance = jnp.array(scale / denominator, dtype=dtype)
    real = dtypes.issubdtype(dtype, np.floating)
    if distribution == "truncated_normal":
      if real:
        # The std of a standard normal truncated to [-2, 2]: divide it out.
        stddev = jnp.sqrt(variance) / jnp.array(.87962566103423978, dtype)
        return random.truncated_normal(key, -2, 2, shape, dtype) * stddev
      stddev = jnp.sqrt(variance) / jnp.array(.95311164380491208, dtype)
      return _complex_truncated_normal(key, 2, shape, dtype) * stddev
    if distribution == "normal":
      return random.normal(key, shape, dtype) * jnp.sqrt(variance)
    if distribution == "uniform":
      if real:
        return random.uniform(key, shape, dtype, -1) * jnp.sqrt(3 * variance)
      return _complex_uniform(key, shape, dtype) * jnp.sqrt(variance)
    raise ValueError(f"invalid distribution for variance scaling initializer: {distribution}")
  return init


def glorot_uniform(in_axis=-2, out_axis=-1, batch_axis=(), dtype=None) -> Initializer:
  return variance_scaling(1.0, "fan_avg", "uniform", in_axis, out_axis, batch_axis, dtype)


def glorot_normal(in_axis=-2, out_axis=-1, batch_axis=(), dtype=None) -> Initializer:
  return variance_scaling(1.0, "fan_avg", "truncated_normal", in_axis, out_axis, batch_axis,
                          dtype)


def lecun_uniform(in_axis=-2, out_axis=-1, batch_axis=(), dtype=None) -> Initializer:
  return variance_scaling(1.0, "fan_in", "uniform", in_axis, out_axis, batch_axis, dtype)


def lecun_normal(in_axis=-2, out_axis=-1, batch_axis=(), dtype=None) -> Initializer:
  return variance_scaling(1.0, "fan_in", "truncated_normal", in_axis, out_axis, batch_axis,
                          dtype)


def he_uniform(in_axis=-2, out_axis=-1, batch_axis=(), dtype=None) -> Initializer:
  return variance_scaling(2.0, "fan_in", "uniform", in_axis, out_axis, batch_axis, dtype)


def he_normal(in_axis=-2, out_axis=-1, batch_axis=(), dtype=None) -> Initializer:
  return variance_scaling(2.0, "fan_in", "truncated_normal", in_axis, out_axis, batch_axis,
                          dtype)


xavier_uniform = glorot_uniform
xavier_normal = glorot_normal
kaiming_uniform = he_uniform
kaiming_normal = he_normal


def _qr_q_r_diag(z):
  q, r = np.linalg.qr(z)
  return q.astype(z.dtype), np.diagonal(r).astype(z.dtype)


def _random_orthogonal(key, n, m, dtype):
  """An (n, m) matrix with orthonormal rows or columns: Q of a normal draw, signs fixed by
  R's diagonal so the distribution is uniform (Haar)."""
  import jaxlite
  tall, short = max(n, m), min(n, m)
  z = random.normal(key, (tall, short), dtype)
  # jaxlite.numpy has no linalg yet: NumPy's (LAPACK) QR through a callback.
  q, d = jaxlite.pure_callback(
      _qr_q_r_diag, (jaxlite.ShapeDtypeStruct((tall, short), z.dtype),
                     jaxlite.ShapeDtypeStruct((short,), z.dtype)), z)
  x = q * jnp.expand_dims(jnp.sign(d), -2)
  return x.T if n < m else x


def orthogonal(scale=1.0, column_axis=-1, dtype=None) -> Initializer:
  def init(key, shape, dtype=dtype, out_sharding=None):
    if out_sharding is not None:
      raise NotImplementedError
    dtype = _dtype(dtype)
    if len(shape) < 2:
      raise ValueError("orthogonal initializer requires at least a 2D shape")
    if any(d == 0 for d in shape):
      return jnp.zeros(shape, dtype=dtype)
    n_cols = shape[column_axis]
    n_rows = math.prod(shape) // n_cols
    Q = _random_orthogonal(key, n_rows, n_cols, dtype)
    Q = jnp.reshape(Q, tuple(np.delete(shape, column_axis)) + (n_cols,))
    axes = list(range(Q.ndim - 1))
    axes.insert(column_axis % Q.ndim, Q.ndim - 1)
    Q = jnp.transpose(Q, axes)
    return jnp.array(scale, dtype) * Q
  return init


def delta_orthogonal(scale=1.0, column_axis=-1, dtype=None) -> Initializer:
  def init(key, shape, dtype=dtype, out_sharding=None):
    if out_sharding is not None:
      raise NotImplementedError
    dtype = _dtype(dtype)
    if len(shape) not in (3, 4, 5):
      raise ValueError("Delta orthogonal initializer requires a 3D, 4D or 5D shape.")
    if shape[-1] < shape[-2]:
      raise ValueError("`fan_in` must be less or equal than `fan_out`. ")
    ortho = orthogonal(scale=scale, column_axis=column_axis, dtype=dtype)(key, shape[-2:])
    W = jnp.zeros(shape, dtype=dtype)
    center = tuple((k - 1) // 2 for k in shape[:-2])
    return W.at[center + (Ellipsis,)].set(ortho)
  return init
