"""Samplers computed from uniform floats by a closed-form transform.

Each follows JAX's algorithm operation by operation (same constants, same order), so the
values agree with JAX's up to the rounding of the elementwise functions."""
from __future__ import annotations

import numpy as np

import jaxlite.numpy as jnp
from jaxlite import lax
from jaxlite._src import dtypes
from jaxlite._src.lax.fma import fused_multiply_add
from jaxlite._src.random.common import (
    broadcast_shapes, broadcast_to, broadcast_to_rank, canonicalize_shape, check_all_safe_to_cast,
    check_broadcast_shapes, check_prng_key, check_shape, const, convert, float_dtype,
    int_dtype, random_bits, split_key)
from jaxlite._src.random.threefry import UINT_DTYPES

__all__ = ["uniform", "normal", "truncated_normal", "bernoulli", "exponential", "gumbel",
           "laplace", "logistic", "cauchy", "pareto", "rayleigh", "wald", "weibull_min",
           "maxwell", "double_sided_maxwell", "rademacher", "triangular", "lognormal",
           "geometric"]


# ---------------------------------------------------------------------------
# uniform and normal: the bases of everything else

def uniform(key, shape=(), dtype=None, minval=0., maxval=1., *, out_sharding=None):
  """Uniform floats in ``[minval, maxval)``."""
  key, _ = check_prng_key("uniform", key)
  dtype = dtypes.check_user_dtype_supported(float if dtype is None else dtype)
  shape = canonicalize_shape(shape)
  if not dtypes.issubdtype(dtype, np.floating):
    raise ValueError(f"dtype argument to `uniform` must be a float dtype, got {dtype}")
  return _uniform(key, minval, maxval, shape, dtype)


def _uniform(key, minval, maxval, shape, dtype):
  minval = broadcast_to_rank(convert(minval, dtype), len(shape))
  maxval = broadcast_to_rank(convert(maxval, dtype), len(shape))
  finfo = dtypes.finfo(dtype)
  nbits, nmant = finfo.bits, finfo.nmant
  if nbits not in (8, 16, 32, 64):
    raise TypeError(f"uniform only accepts 8-, 16-, 32-, or 64-bit dtypesgot {dtype}.")
  # Random mantissa bits under the exponent of 1.0 give a float in [1, 2); minus one is
  # uniform in [0, 1). Formats with fewer than 8 mantissa bits draw 8 random bits.
  rng_bits = nbits if nmant >= 8 else 8
  uint_dtype = UINT_DTYPES[nbits]
  bits = random_bits(key, rng_bits, shape)
  if rng_bits != nbits:
    bits = convert(bits, uint_dtype)
  float_bits = lax.shift_right_logical(bits, np.array(rng_bits - nmant, uint_dtype))
  float_bits = lax.bitwise_or(float_bits, np.array(1.0, dtype).view(uint_dtype))
  floats = lax.sub(lax.bitcast_convert_type(float_bits, dtype), np.array(1.0, dtype))
  scaled = fused_multiply_add(floats, lax.sub(maxval, minval), minval)  # XLA fuses these
  return lax.max(minval, lax.reshape(scaled, shape))


def normal(key, shape=(), dtype=None, *, out_sharding=None):
  """Standard normal samples (complex dtypes: independent real and imaginary parts, each
  with variance 1/2)."""
  key, _ = check_prng_key("normal", key)
  shape = canonicalize_shape(shape)
  dtype = float_dtype("normal", dtype, complex_ok=True)
  return _normal(key, shape, dtype)


def _normal(key, shape, dtype):
  if dtypes.issubdtype(dtype, np.complexfloating):
    key_re, key_im = split_key(key)
    real_dtype = np.array(0, dtype).real.dtype
    re = convert(_normal_real(key_re, shape, real_dtype), dtype)
    im = convert(_normal_real(key_im, shape, real_dtype), dtype)
    z = lax.add(re, lax.mul(np.array(1j, dtype), im))
    return lax.div(z, np.array(np.sqrt(2), dtype))
  return _normal_real(key, shape, dtype)


def _normal_real(key, shape, dtype):
  # Inverse-CDF sampling; the open lower bound keeps erf_inv away from -1.
  lo = np.nextafter(np.array(-1., dtype), np.array(0., dtype), dtype=dtype)
  u = _uniform(key, lo, np.array(1., dtype), shape, dtype)
  return lax.mul(np.array(np.sqrt(2), dtype), lax.erf_inv(u))


def truncated_normal(key, lower, upper, shape=None, dtype=None, *, out_sharding=None):
  """Standard normal samples conditioned on ``lower < x < upper``."""
  if shape is not None:
    shape = canonicalize_shape(shape)
  key, _ = check_prng_key("truncated_normal", key)
  dtype = float_dtype("truncated_normal", dtype)
  if shape is None:
    shape = broadcast_shapes(np.shape(lower), np.shape(upper))
  else:
    check_shape("truncated_normal", shape, np.shape(lower), np.shape(upper))
  sqrt2 = np.array(np.sqrt(2), dtype)
  lower = convert(lower, dtype)
  upper = convert(upper, dtype)
  # JAX divides by sqrt(2) inside jit, where XLA turns division by a constant into
  # multiplication by its (rounded) reciprocal; the bounds' last bits depend on it.
  inv_sqrt2 = np.reciprocal(sqrt2)
  a = lax.erf(jnp.multiply(lower, inv_sqrt2))
  b = lax.erf(jnp.multiply(upper, inv_sqrt2))
  u = _uniform(key, a, b, shape, dtype)
  out = jnp.multiply(sqrt2, lax.erf_inv(u))
  # Rounding can land on the bounds themselves; clamp strictly inside.
  lo = lax.nextafter(lax.stop_gradient(lower), np.array(np.inf, dtype))
  hi = lax.nextafter(lax.stop_gradient(upper), np.array(-np.inf, dtype))
  return jnp.minimum(jnp.maximum(out, lo), hi)


def bernoulli(key, p=0.5, shape=None, mode="low", *, out_sharding=None):
  """Booleans that are True with probability ``p``."""
  if shape is not None:
    shape = canonicalize_shape(shape)
  if mode not in ("high", "low"):
    raise ValueError(f"got {mode=}, expected 'high' or 'low'")
  key, _ = check_prng_key("bernoulli", key)
  dtype = dtypes.dtype(p, canonicalize=True)
  if not dtypes.issubdtype(dtype, np.floating):
    raise TypeError(f"bernoulli probability `p` must have a floating dtype, got {dtype}.")
  p = convert(p, dtype)
  if shape is None:
    shape = np.shape(p)
  else:
    check_shape("bernoulli", shape, np.shape(p))
  if mode == "high":
    # Two uniforms give the comparison about twice the mantissa bits, for tiny p.
    u = _uniform(key, 0., 1., (2, *shape), dtype)
    u1, u2 = (lax.index_in_dim(u, i, keepdims=False) for i in range(2))
    u2 = jnp.multiply(u2, 2 ** (-int(dtypes.finfo(dtype).nmant)))
    return jnp.less(u2, jnp.subtract(p, u1))
  return jnp.less(_uniform(key, 0., 1., shape, dtype), p)


# ---------------------------------------------------------------------------
# One-line transforms of a uniform

def _float_sampler(name, key, shape, dtype):
  key, _ = check_prng_key(name, key)
  return key, canonicalize_shape(shape), float_dtype(name, dtype)


def exponential(key, shape=(), dtype=None, *, out_sharding=None):
  """Exponential samples with rate 1."""
  key, shape, dtype = _float_sampler("exponential", key, shape, dtype)
  return _exponential(key, shape, dtype)


def _exponential(key, shape, dtype):
  u = _uniform(key, 0., 1., shape, dtype)
  return lax.neg(lax.log1p(lax.neg(u)))


def gumbel(key, shape=(), dtype=None, mode=None, *, out_sharding=None):
  """Standard Gumbel samples; ``mode`` "high"/"highest" spend more bits on the tail."""
  key, shape, dtype = _float_sampler("gumbel", key, shape, dtype)
  return _gumbel(key, shape, dtype, gumbel_mode(mode))


def gumbel_mode(mode):
  mode = "low" if mode is None else mode
  if mode not in ("highest", "high", "low"):
    raise ValueError(f"Must provide valid mode for gumbel got: {mode}")
  return mode


def _gumbel(key, shape, dtype, mode):
  info = dtypes.finfo(dtype)
  if mode == "highest" and dtype == np.float32:
    return _gumbel_highest(key, shape)
  if mode in ("high", "highest"):
    u = _uniform(key, 0., 1., (2, *shape), dtype)
    high, low = (lax.index_in_dim(u, i, keepdims=False) for i in range(2))
    x = jnp.where(jnp.greater_equal(high, 0.5), high,
                  jnp.add(jnp.add(high, jnp.multiply(2 ** (-int(info.nmant)), low)),
                          np.array(info.tiny, dtype)))
    return lax.neg(lax.log(lax.neg(lax.log1p(lax.neg(x)))))
  u = _uniform(key, np.array(info.tiny, dtype), 1., shape, dtype)
  return lax.neg(lax.log(lax.neg(lax.log(u))))


def _gumbel_highest(key, shape):
  # 64 random bits per sample: use the complement when the draw is in the upper half, so
  # both tails are resolved down to the smallest float32.
  u32 = np.uint32
  bits = random_bits(key, 32, (2, *shape))
  neg = lax.bitwise_not(bits)
  lo_neg = lax.index_in_dim(neg, 1, keepdims=False)
  carry = convert(lax.eq(lo_neg, u32(0xFFFFFFFF)), np.uint32)
  neg = lax.concatenate([lax.expand_dims(lax.add(lax.index_in_dim(neg, 0, keepdims=False),
                                                 carry), (0,)),
                         lax.expand_dims(lax.add(lo_neg, lax.full_like(lo_neg, 1)), (0,))], 0)
  flip = lax.lt(lax.index_in_dim(bits, 0, keepdims=False), u32(1 << 31))
  chosen = lax.select(lax.broadcast_in_dim(flip, (2, *shape), tuple(range(1, len(shape) + 1))),
                      bits, neg)
  x = _safe_int_to_float(chosen)
  return lax.select(flip, lax.neg(lax.log(lax.neg(lax.log1p(lax.neg(x))))),
                    lax.neg(lax.log(lax.neg(lax.log(x)))))


def _safe_int_to_float(bits):
  """The float32 nearest below the 64-bit fraction ``hi:lo / 2**64`` (both uint32 words)."""
  u32 = np.uint32
  hi, lo = (lax.index_in_dim(bits, i, keepdims=False) for i in range(2))
  hiclz, loclz = lax.clz(hi), lax.clz(lo)
  hi_empty = lax.eq(hiclz, u32(32))
  mantissa = lax.bitwise_or(
      lax.shift_left(hi, hiclz),
      lax.select(hi_empty, lax.shift_left(lo, loclz),
                 lax.shift_right_logical(lo, lax.sub(lax.full_like(hiclz, 32), hiclz))))
  mantissa = lax.shift_right_logical(mantissa, u32(32 - 23 - 1))
  mantissa = lax.bitwise_and(mantissa, u32((1 << 23) - 1))
  zeros = lax.select(hi_empty, lax.add(loclz, lax.full_like(loclz, 32)), hiclz)
  exp = lax.shift_left(lax.sub(lax.full_like(zeros, 126), zeros), u32(23))
  exp = lax.bitwise_and(exp, u32((1 << 30) - (1 << 22)))
  return lax.bitcast_convert_type(lax.bitwise_or(exp, mantissa), np.float32)


def laplace(key, shape=(), dtype=None, *, out_sharding=None):
  """Standard Laplace samples."""
  key, shape, dtype = _float_sampler("laplace", key, shape, dtype)
  u = _uniform(key, np.array(-1. + dtypes.finfo(dtype).epsneg, dtype), 1., shape, dtype)
  return lax.mul(lax.sign(u), lax.log1p(lax.neg(lax.abs(u))))


def logistic(key, shape=(), dtype=None, *, out_sharding=None):
  """Standard logistic samples."""
  key, shape, dtype = _float_sampler("logistic", key, shape, dtype)
  x = _uniform(key, np.array(dtypes.finfo(dtype).tiny, dtype), 1., shape, dtype)
  return lax.sub(lax.log(x), lax.log1p(lax.neg(x)))


def cauchy(key, shape=(), dtype=None, *, out_sharding=None):
  """Standard Cauchy samples."""
  key, shape, dtype = _float_sampler("cauchy", key, shape, dtype)
  u = _uniform(key, np.array(dtypes.finfo(dtype).eps, dtype), 1., shape, dtype)
  return lax.tan(lax.mul(const(u, np.pi), lax.sub(u, const(u, 0.5))))


def pareto(key, b, shape=None, dtype=None, *, out_sharding=None):
  """Pareto samples with shape parameter ``b`` (support ``[1, inf)``)."""
  key, _ = check_prng_key("pareto", key)
  dtype = float_dtype("pareto", dtype)
  shape = check_broadcast_shapes("pareto", shape, b)
  check_all_safe_to_cast("pareto", dtype, b)
  b = convert(b, dtype)
  e = _exponential(key, shape, dtype)
  return lax.exp(jnp.true_divide(e, b))


def rayleigh(key, scale, shape=None, dtype=None, *, out_sharding=None):
  """Rayleigh samples with the given ``scale``."""
  key, _ = check_prng_key("rayleigh", key)
  dtype = float_dtype("rayleigh", dtype)
  shape = check_broadcast_shapes("rayleigh", shape, scale)
  check_all_safe_to_cast("rayleigh", dtype, scale)
  u = _uniform(key, 0., 1., shape, dtype)
  scale = broadcast_to(convert(scale, dtype), shape)
  root = lax.sqrt(lax.mul(lax.log(u), const(scale, -2)))
  return lax.mul(scale, root)


def wald(key, mean, shape=None, dtype=None, *, out_sharding=None):
  """Wald (inverse Gaussian) samples with the given ``mean`` and unit shape."""
  key, _ = check_prng_key("wald", key)
  dtype = float_dtype("wald", dtype)
  shape = check_broadcast_shapes("wald", shape, mean)
  check_all_safe_to_cast("wald", dtype, mean)
  k1, k2 = split_key(key)
  mean = broadcast_to(convert(mean, dtype), shape)
  v = _normal_real(k1, shape, dtype)
  z = _uniform(k2, 0., 1., shape, dtype)
  y = lax.integer_pow(v, 2)
  y_sq = lax.integer_pow(y, 2)
  mean_sq = lax.integer_pow(mean, 2)
  mul, add, sub, div = jnp.multiply, jnp.add, jnp.subtract, jnp.true_divide
  sqrt_term = lax.sqrt(add(mul(mul(4, mean), y), mul(mean_sq, y_sq)))
  x = sub(add(mean, div(mul(mean_sq, y), 2)), mul(div(mean, 2), sqrt_term))
  return lax.select(lax.le(z, div(mean, add(mean, x))), x, div(mean_sq, x))


def weibull_min(key, scale, concentration, shape=(), dtype=None):
  """Weibull samples with the given ``scale`` and ``concentration``."""
  key, shape, dtype = _float_sampler("weibull_min", key, shape, dtype)
  u = _uniform(key, 0, 1, shape, dtype)
  return jnp.multiply(jnp.power(lax.neg(lax.log1p(lax.neg(u))), 1.0 / concentration), scale)


def maxwell(key, shape=(), dtype=None, *, out_sharding=None):
  """Maxwell samples: the norm of three standard normals."""
  key, shape, dtype = _float_sampler("maxwell", key, shape, dtype)
  return _maxwell(key, shape, dtype)


def _maxwell(key, shape, dtype):
  x = _normal_real(key, (*shape, 3), dtype)
  return lax.sqrt(lax.reduce_sum(lax.mul(x, x), (len(shape),)))


def double_sided_maxwell(key, loc, scale, shape=(), dtype=None):
  """Maxwell samples with a random sign, scaled by ``scale`` and shifted by ``loc``."""
  key, shape, dtype = _float_sampler("double_sided_maxwell", key, shape, dtype)
  params_shape = broadcast_shapes(np.shape(loc), np.shape(scale))
  shape = (shape or params_shape) + params_shape
  maxwell_key, sign_key = split_key(key)
  rvs = _maxwell(maxwell_key, shape, dtype)
  sign = _rademacher(sign_key, shape, dtype)
  return jnp.add(jnp.multiply(jnp.multiply(sign, rvs), scale), loc)


def rademacher(key, shape=(), dtype=None, *, out_sharding=None):
  """-1 or +1 with equal probability."""
  key, _ = check_prng_key("rademacher", key)
  return _rademacher(key, canonicalize_shape(shape), int_dtype(dtype))


def _rademacher(key, shape, dtype):
  p = dtypes.default_float_dtype().type(0.5)
  b = convert(jnp.less(_uniform(key, 0., 1., shape, p.dtype), p), dtype)
  return convert(jnp.subtract(jnp.multiply(2, b), 1), dtype)


def triangular(key, left, mode, right, shape=None, dtype=None, *, out_sharding=None):
  """Triangular samples on ``[left, right]`` peaking at ``mode``."""
  key, _ = check_prng_key("triangular", key)
  dtype = float_dtype("triangular", dtype)
  shape = check_broadcast_shapes("triangular", shape, left, mode, right)
  check_all_safe_to_cast("triangular", dtype, left, mode, right)
  left, mode, right = (broadcast_to(convert(v, dtype), shape) for v in (left, mode, right))
  sub, mul = lax.sub, lax.mul
  fc = lax.div(sub(mode, left), sub(right, left))
  u = _uniform(key, 0., 1., shape, dtype)
  one = const(u, 1)
  out1 = lax.add(left, lax.sqrt(mul(mul(u, sub(right, left)), sub(mode, left))))
  out2 = sub(right, lax.sqrt(mul(mul(sub(one, u), sub(right, left)), sub(right, mode))))
  return lax.select(lax.lt(u, fc), out1, out2)


def lognormal(key, sigma=np.float32(1), shape=None, dtype=None, *, out_sharding=None):
  """``exp(sigma * z)`` for standard normal ``z``."""
  key, _ = check_prng_key("lognormal", key)
  dtype = float_dtype("lognormal", dtype, complex_ok=True)
  shape = check_broadcast_shapes("lognormal", shape, sigma)
  check_all_safe_to_cast("lognormal", dtype, sigma)
  sigma = convert(sigma, dtype)
  return lax.exp(jnp.multiply(_normal(key, shape, dtype), sigma))


def geometric(key, p, shape=None, dtype=None, *, out_sharding=None):
  """Number of Bernoulli(``p``) trials up to and including the first success."""
  key, _ = check_prng_key("geometric", key)
  dtype = int_dtype(dtype)
  if not dtypes.issubdtype(dtype, np.integer):
    raise ValueError(f"dtype argument to `geometric` must be an int dtype, got {dtype}")
  shape = check_broadcast_shapes("geometric", shape, p)
  p = jnp.asarray(p)
  if not dtypes.issubdtype(p.dtype, np.inexact):
    p = convert(p, dtypes.default_float_dtype())
  u = _uniform(key, 0., 1., shape, p.dtype)
  u = jnp.where(jnp.equal(u, 0), 1, u)
  log_one_minus_p = broadcast_to(lax.log1p(lax.neg(p)), shape)
  g = lax.add(lax.floor(lax.div(lax.log(u), log_one_minus_p)), const(u, 1))
  return convert(g, dtype)
