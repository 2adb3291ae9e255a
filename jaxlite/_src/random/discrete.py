"""Integer-valued and index-valued samplers: randint, permutation, choice, categorical,
poisson, binomial, multinomial.

The rejection samplers (poisson, binomial) follow JAX's ``while_loop`` formulation over
the whole sample array: every iteration redraws all elements and keeps those accepted, so
the values equal JAX's for the same key."""
from __future__ import annotations

import math

import numpy as np

import jaxlite.numpy as jnp
from jaxlite import lax
from jaxlite._src import core
from jaxlite._src import dtypes
from jaxlite._src.random.common import (
    broadcast_to_rank, canonicalize_shape, check_prng_key, check_shape, check_broadcast_shapes,
    float_dtype, int_dtype, moveaxis, random_bits, split_key)
from jaxlite._src.random.continuous import _gumbel, _uniform, gumbel, gumbel_mode, uniform
from jaxlite._src.random.threefry import UINT_DTYPES

__all__ = ["randint", "permutation", "choice", "categorical", "poisson", "binomial",
           "multinomial"]


def _check_arraylike(name, *args):
  for i, a in enumerate(args):
    if not (isinstance(a, (np.ndarray, np.generic, jnp.ndarray, core.Tracer)) or
            np.isscalar(a) or hasattr(a, "__jax_array__")):
      raise TypeError(f"{name} requires ndarray or scalar arguments, got {type(a)} at "
                      f"position {i}.")


def _inexact(x):
  x = jnp.asarray(x)
  if dtypes.issubdtype(x.dtype, np.inexact):
    return x
  return lax.convert_element_type(x, dtypes.default_float_dtype())


# ---------------------------------------------------------------------------
# randint

def randint(key, shape, minval, maxval, dtype=None, *, out_sharding=None):
  """Uniform integers in ``[minval, maxval)`` (modulo-based: slightly biased for ranges that
  are not powers of two, as in JAX)."""
  key, _ = check_prng_key("randint", key)
  dtype = int_dtype(dtype)
  shape = canonicalize_shape(shape)
  if not dtypes.issubdtype(dtype, np.integer):
    raise TypeError(f"randint only accepts integer dtypes, got {dtype}")
  info = dtypes.iinfo(dtype)
  sample_dtype = dtype
  if info.bits < 32:
    # Narrow types are sampled in 32 bits to keep the modulo bias small.
    sample_dtype = np.dtype(np.int32)
    minval = jnp.clip(jnp.asarray(minval).astype(np.int32), int(info.min), int(info.max))
    maxval = jnp.clip(jnp.asarray(maxval).astype(np.int32), int(info.min), int(info.max) + 1)
  return _randint(key, minval, maxval, shape, sample_dtype).astype(dtype)


def _convert_and_clip_integer(val, dtype):
  """``val`` converted to the integer ``dtype``, saturating instead of wrapping."""
  lo = max(dtypes.iinfo(dtype).min, dtypes.iinfo(val.dtype).min)
  hi = min(dtypes.iinfo(dtype).max, dtypes.iinfo(val.dtype).max)
  return jnp.clip(val, np.array(lo, val.dtype), np.array(hi, val.dtype)).astype(dtype)


def _randint(key, minval, maxval, shape, dtype):
  check_shape("randint", shape, np.shape(minval), np.shape(maxval))
  _check_arraylike("randint", minval, maxval)
  minval = jnp.asarray(minval)
  maxval = jnp.asarray(maxval)
  if not dtypes.issubdtype(minval.dtype, np.integer):
    minval = minval.astype(int)
  if not dtypes.issubdtype(maxval.dtype, np.integer):
    maxval = maxval.astype(int)
  # randint(key, shape, 0, 256, uint8) must reach 255: a maxval past the dtype's range
  # widens the span by one.
  dtype_max = _convert_and_clip_integer(jnp.array(dtypes.iinfo(dtype).max, dtype),
                                        maxval.dtype)
  maxval_out_of_range = lax.gt(maxval, dtype_max)
  minval = broadcast_to_rank(_convert_and_clip_integer(minval, dtype), len(shape))
  maxval = broadcast_to_rank(_convert_and_clip_integer(maxval, dtype), len(shape))
  nbits = dtypes.iinfo(dtype).bits
  # Twice the bits of the dtype, combined modulo the span, keep the bias small.
  k1, k2 = split_key(key)
  higher_bits = random_bits(k1, nbits, shape)
  lower_bits = random_bits(k2, nbits, shape)
  unsigned = UINT_DTYPES[nbits]
  span = lax.convert_element_type(jnp.subtract(maxval, minval), unsigned)
  span = lax.select(jnp.less_equal(maxval, minval), lax.full_like(span, 1), span)
  span = lax.select(jnp.logical_and(maxval_out_of_range, jnp.greater(maxval, minval)),
                    lax.add(span, lax.full_like(span, 1)), span)
  # 2**nbits % span without overflow: (2**(nbits/2) % span)**2 % span.
  multiplier = lax.rem(np.array(2 ** (nbits // 2), unsigned), span)
  multiplier = lax.rem(lax.mul(multiplier, multiplier), span)
  offset = lax.add(lax.mul(lax.rem(higher_bits, span), multiplier), lax.rem(lower_bits, span))
  offset = lax.rem(offset, span)
  return lax.add(minval, lax.convert_element_type(offset, dtype))


# ---------------------------------------------------------------------------
# permutation and choice

def permutation(key, x, axis=0, independent=False, *, out_sharding=None):
  """A random permutation of ``arange(x)`` (integer ``x``) or of ``x`` along ``axis``."""
  key, _ = check_prng_key("permutation", key)
  _check_arraylike("permutation", x)
  ndim = np.ndim(x)
  axis = _canonicalize_axis(axis, ndim or 1)
  if not ndim:
    if not dtypes.issubdtype(dtypes.dtype(x), np.integer):
      raise TypeError("x must be an integer or at least 1-dimensional")
    r = core.concrete_or_error(int, x, "argument x of jax.random.permutation()")
    return _shuffle(key, jnp.arange(r), axis)
  x = jnp.asarray(x)
  if independent or ndim == 1:
    return _shuffle(key, x, axis)
  ind = _shuffle(key, jnp.arange(x.shape[axis]), 0)
  return jnp.take(x, ind, axis, unique_indices=True)


def _canonicalize_axis(axis, ndim):
  axis = int(axis)
  if not -ndim <= axis < ndim:
    raise ValueError(f"axis {axis} is out of bounds for array of dimension {ndim}")
  return axis % ndim


def _shuffle(key, x, axis):
  # Sorting by random 32-bit keys; repeated with fresh keys often enough that ties (which a
  # stable sort resolves by position) are unlikely to bias the result.
  exponent = 3
  uint32max = np.iinfo(np.uint32).max
  num_rounds = int(np.ceil(exponent * np.log(max(1, x.size)) / np.log(uint32max)))
  for _ in range(num_rounds):
    key, subkey = split_key(key)
    sort_keys = random_bits(subkey, 32, x.shape)
    _, x = lax.sort_key_val(sort_keys, x, axis)
  return x


def choice(key, a, shape=(), replace=True, p=None, axis=0, mode=None):
  """Samples from ``a`` (or ``arange(a)``), with or without replacement, optionally with
  probabilities ``p``."""
  key, _ = check_prng_key("choice", key)
  if not isinstance(shape, (tuple, list)):
    raise TypeError(f"shape argument of jax.random.choice must be a sequence, got {shape}")
  _check_arraylike("choice", a)
  arr = jnp.asarray(a)
  if arr.ndim == 0:
    n_inputs = core.concrete_or_error(int, a, "The error occurred in jax.random.choice()")
  else:
    axis = _canonicalize_axis(axis, arr.ndim)
    n_inputs = arr.shape[axis]
  shape = tuple(shape)
  n_draws = math.prod(shape)
  if n_draws == 0:
    return jnp.zeros(shape, dtype=arr.dtype)
  if n_inputs <= 0:
    raise ValueError("a must be greater than 0 unless no samples are taken")
  if not replace and n_draws > n_inputs:
    raise ValueError(f"Cannot take a larger sample (size {n_draws}) than population (size "
                     f"{n_inputs}) when 'replace=False'")
  if p is None:
    if replace:
      ind = randint(key, shape, 0, n_inputs)
      result = ind if arr.ndim == 0 else jnp.take(arr, ind, axis)
    else:
      picked = permutation(key, n_inputs if arr.ndim == 0 else arr, axis)
      result = lax.slice_in_dim(picked, 0, n_draws, axis=axis)
  else:
    _check_arraylike("choice", p)
    p_arr = _inexact(p)
    if p_arr.shape != (n_inputs,):
      raise ValueError("p must be None or a 1D vector with the same size as a.shape[axis]. "
                       f"p has shape {p_arr.shape} and a.shape[axis] is {n_inputs}.")
    if replace:
      p_cuml = lax.cumsum(p_arr, 0)
      total = lax.index_in_dim(p_cuml, n_inputs - 1, keepdims=False)
      r = jnp.multiply(total, jnp.subtract(1, uniform(key, shape, dtype=p_cuml.dtype)))
      # searchsorted(p_cuml, r) (left side): how many cumulative sums lie below r.
      below = jnp.less(p_cuml, jnp.expand_dims(r, -1))
      ind = jnp.sum(below.astype(dtypes.default_int_dtype()), axis=-1)
    else:
      # Gumbel top-k: the k largest perturbed log-probabilities are a sample without
      # replacement.
      g = jnp.add(gumbel(key, (n_inputs,), dtype=p_arr.dtype, mode=mode), jnp.log(p_arr))
      ind = lax.top_k(g, n_draws)[1].astype(dtypes.default_int_dtype())
    result = ind if arr.ndim == 0 else jnp.take(arr, ind, axis)
  out_shape = shape if arr.ndim == 0 else arr.shape[:axis] + shape + arr.shape[axis + 1:]
  return jnp.reshape(result, out_shape)


def categorical(key, logits, axis=-1, shape=None, replace=True, mode=None, *,
                out_sharding=None):
  """Category indices drawn with probabilities ``softmax(logits)`` along ``axis``."""
  key, _ = check_prng_key("categorical", key)
  _check_arraylike("categorical", logits)
  logits = jnp.asarray(logits)
  batch_shape = tuple(np.delete(logits.shape, axis))
  if shape is None:
    shape = batch_shape
  else:
    shape = canonicalize_shape(shape)
    check_shape("categorical", shape, batch_shape)
  mode = gumbel_mode(mode)
  prefix = shape[:len(shape) - len(batch_shape)]
  ndim = logits.ndim
  if replace:
    # Gumbel-max: the argmax of perturbed logits is a categorical sample.
    if axis >= 0:
      axis -= ndim
    logits_shape = list(shape[len(shape) - len(batch_shape):])
    logits_shape.insert(axis % ndim, logits.shape[axis])
    noise = _gumbel(key, (*prefix, *logits_shape), logits.dtype, mode)
    perturbed = jnp.add(noise, lax.expand_dims(logits, tuple(range(len(prefix)))))
    return jnp.argmax(perturbed, axis=axis)
  logits = jnp.add(logits, _gumbel(key, logits.shape, logits.dtype, mode))
  k = math.prod(prefix)
  if k > logits.shape[axis]:
    raise ValueError(f"Number of samples without replacement ({k}) cannot exceed number of "
                     f"categories ({logits.shape[axis]}).")
  _, indices = lax.top_k(moveaxis(logits, axis, -1), k)
  dimensions = (indices.ndim - 1, *range(indices.ndim - 1))
  return lax.reshape(indices, shape, dimensions)


# ---------------------------------------------------------------------------
# poisson

def poisson(key, lam, shape=None, dtype=None, *, out_sharding=None):
  """Poisson(``lam``) counts: Knuth's product of uniforms below 10, rejection (PTRS) above."""
  key, _ = check_prng_key("poisson", key)
  dtype = int_dtype(dtype)
  shape = np.shape(lam) if shape is None else canonicalize_shape(shape)
  lam = lax.convert_element_type(jnp.broadcast_to(lam, shape), np.float32)
  use_knuth = jnp.logical_or(jnp.isnan(lam), jnp.less(lam, 10))
  lam_knuth = lax.select(use_knuth, lam, lax.full_like(lam, 0.0))
  lam_rejection = lax.select(use_knuth, lax.full_like(lam, 100000.0), lam)
  max_iters = dtype.type(dtypes.iinfo(dtype).max)
  result = lax.select(use_knuth, _poisson_knuth(key, lam_knuth, shape, dtype, max_iters),
                      _poisson_rejection(key, lam_rejection, shape, dtype, max_iters))
  return lax.select(jnp.equal(lam, 0), lax.full_like(result, 0), result)


def _poisson_knuth(key, lam, shape, dtype, max_iters):
  neg_lam = lax.neg(lam)

  def body(carry):
    i, k, rng, log_prod = carry
    rng, subkey = split_key(rng)
    k = lax.select(lax.gt(log_prod, neg_lam), lax.add(k, lax.full_like(k, 1)), k)
    u = _uniform(subkey, 0., 1., shape, np.float32)
    return i + 1, k, rng, lax.add(log_prod, lax.log(u))

  def cond(carry):
    i, log_prod = carry[0], carry[3]
    return jnp.logical_and(jnp.any(lax.gt(log_prod, neg_lam)), jnp.less(i, max_iters))

  init = (0, lax.full(shape, 0, dtype), key, lax.full(shape, 0, np.float32))
  k = lax.while_loop(cond, body, init)[1]
  return lax.sub(k, lax.full_like(k, 1)).astype(dtype)


def _poisson_rejection(key, lam, shape, dtype, max_iters):
  # Hormann's transformed rejection with squeeze (PTRS), 1993.
  add, sub, mul, div = jnp.add, jnp.subtract, jnp.multiply, jnp.true_divide
  log_lam = lax.log(lam)
  b = add(0.931, mul(2.53, lax.sqrt(lam)))
  a = add(-0.059, mul(0.02483, b))
  inv_alpha = add(1.1239, div(1.1328, sub(b, 3.4)))
  v_r = sub(0.9277, div(3.6224, sub(b, 2)))

  def body(carry):
    i, k_out, accepted, key = carry
    key, subkey_0, subkey_1 = split_key(key, 3)
    u = sub(_uniform(subkey_0, 0., 1., shape, lam.dtype), 0.5)
    v = _uniform(subkey_1, 0., 1., shape, lam.dtype)
    u_shifted = sub(0.5, lax.abs(u))
    k = lax.floor(add(add(mul(add(div(mul(2, a), u_shifted), b), u), lam), 0.43))
    s = lax.log(div(mul(v, inv_alpha), add(div(a, mul(u_shifted, u_shifted)), b)))
    t = sub(add(lax.neg(lam), mul(k, log_lam)), lax.lgamma(add(k, 1)))
    accept1 = jnp.logical_and(jnp.greater_equal(u_shifted, 0.07), jnp.less_equal(v, v_r))
    reject = jnp.logical_or(jnp.less(k, 0), jnp.logical_and(jnp.less(u_shifted, 0.013),
                                                            jnp.greater(v, u_shifted)))
    accept = jnp.logical_or(accept1, jnp.logical_and(jnp.logical_not(reject),
                                                     jnp.less_equal(s, t)))
    return i + 1, lax.select(accept, k, k_out), jnp.logical_or(accepted, accept), key

  def cond(carry):
    i, _, accepted, _ = carry
    return jnp.logical_and(jnp.any(jnp.logical_not(accepted)), jnp.less(i, max_iters))

  init = (0, lax.full(shape, -1, lam.dtype), lax.full(shape, False, np.bool_), key)
  return lax.while_loop(cond, body, init)[1].astype(dtype)


# ---------------------------------------------------------------------------
# binomial and multinomial

def binomial(key, n, p, shape=None, dtype=None):
  """Binomial(``n``, ``p``) counts as floats: inversion for small ``n*p``, BTRS otherwise."""
  key, _ = check_prng_key("binomial", key)
  _check_arraylike("binomial", n, p)
  dtype = float_dtype("binomial", dtype)
  if shape is not None:
    shape = canonicalize_shape(shape)
  return _binomial(key, n, p, shape, dtype)


def _binomial(key, count, prob, shape, dtype):
  if shape is None:
    shape = check_broadcast_shapes("binomial", None, count, prob)
  else:
    check_shape("binomial", shape, np.shape(count), np.shape(prob))
  prob = _inexact(prob)
  count = jnp.broadcast_to(lax.convert_element_type(count, prob.dtype), shape)
  prob = jnp.broadcast_to(prob, shape)
  full = lax.full_like
  p_lt_half = jnp.less(prob, 0.5)
  q = lax.select(p_lt_half, prob, jnp.subtract(1.0, prob))
  count_nan_or_neg = jnp.logical_or(jnp.isnan(count), jnp.less(count, 0.0))
  count_inf = jnp.isinf(count)
  q_is_nan = jnp.isnan(q)
  q_l_0 = jnp.less(q, 0.0)
  q = lax.select(jnp.logical_or(q_is_nan, q_l_0), full(q, 0.01), q)
  use_inversion = jnp.logical_or(count_nan_or_neg, jnp.less_equal(jnp.multiply(count, q), 10.0))
  count = lax.floor(count)
  count_inv = lax.select(use_inversion, count, full(count, 0.0))
  count_btrs = lax.select(use_inversion, full(count, 10000.0), count)
  q_btrs = lax.select(use_inversion, full(q, 0.5), q)
  max_iters = dtype.type(dtypes.finfo(dtype).max)
  samples = lax.select(use_inversion,
                       _binomial_inversion(key, count_inv, q, shape, dtype, max_iters),
                       _btrs(key, count_btrs, q_btrs, shape, dtype, max_iters))
  invalid = jnp.logical_or(jnp.logical_or(q_l_0, q_is_nan), count_nan_or_neg)
  samples = lax.select(invalid, full(samples, np.nan), samples)
  samples = lax.select(jnp.logical_and(count_inf, jnp.logical_not(invalid)),
                       full(samples, np.inf), samples)
  keep = jnp.logical_or(jnp.logical_or(p_lt_half, count_nan_or_neg),
                        jnp.logical_or(q_is_nan, count_inf))
  return lax.select(keep, samples, lax.sub(count.astype(dtype), samples))


def _binomial_inversion(key, count, prob, shape, dtype, max_iters):
  # Count geometric waiting times until they pass ``count``.
  log1minusprob = lax.log1p(lax.neg(prob))

  def body(carry):
    i, num_geom, geom_sum, key = carry
    subkey, key = split_key(key)
    num_geom_out = lax.select(jnp.less_equal(geom_sum, count),
                              jnp.add(num_geom, 1), num_geom)
    u = _uniform(subkey, 0., 1., shape, prob.dtype)
    geom = lax.ceil(lax.div(lax.log(u), log1minusprob))
    return i + 1, num_geom_out, lax.add(geom_sum, geom), key

  def cond(carry):
    i, geom_sum = carry[0], carry[2]
    return jnp.logical_and(jnp.any(jnp.less_equal(geom_sum, count)), jnp.less(i, max_iters))

  zeros = lax.full(shape, 0, prob.dtype)
  k = lax.while_loop(cond, body, (0, zeros, zeros, key))[1]
  return jnp.subtract(k, 1).astype(dtype)


_STIRLING_TAIL = (0.0810614667953272, 0.0413406959554092, 0.0276779256849983,
                  0.02079067210376509, 0.0166446911898211, 0.0138761288230707,
                  0.0118967099458917, 0.010411265261972, 0.00925546218271273,
                  0.00833056343336287)


def _stirling_approx_tail(k):
  """log(k!) minus its Stirling approximation: tabulated for k <= 9, a series above.
  As in JAX, the series is evaluated at k clamped to [0, 9]."""
  use_table = jnp.less_equal(k, 9)
  k = lax.clamp(np.array(0.0, k.dtype), k, np.array(9.0, k.dtype))
  kp1sq = jnp.multiply(jnp.add(k, 1), jnp.add(k, 1))
  approx = jnp.true_divide(
      jnp.subtract(1.0 / 12, jnp.true_divide(jnp.subtract(1.0 / 360,
                                                          jnp.true_divide(1.0 / 1260, kp1sq)),
                                             kp1sq)),
      jnp.add(k, 1))
  index = lax.convert_element_type(lax.floor(k), np.int32)
  table = lax.select_n(index, *(lax.full_like(k, v) for v in _STIRLING_TAIL))
  return lax.select(use_table, table, approx)


def _btrs(key, count, prob, shape, dtype, max_iters):
  # Hormann's transformed rejection for binomials (BTRS), 1993.
  add, sub, mul, div, log = jnp.add, jnp.subtract, jnp.multiply, jnp.true_divide, lax.log
  stddev = lax.sqrt(mul(mul(count, prob), sub(1, prob)))
  b = add(1.15, mul(2.53, stddev))
  a = add(add(-0.0873, mul(0.0248, b)), mul(0.01, prob))
  c = add(mul(count, prob), 0.5)
  v_r = sub(0.92, div(4.2, b))
  r = div(prob, sub(1, prob))
  alpha = mul(add(2.83, div(5.1, b)), stddev)
  m = lax.floor(mul(add(count, 1), prob))
  tail = _stirling_approx_tail

  def body(carry):
    i, k_out, accepted, key = carry
    key, subkey_0, subkey_1 = split_key(key, 3)
    u = _uniform(subkey_0, 0., 1., shape, prob.dtype)
    v = _uniform(subkey_1, 0., 1., shape, prob.dtype)
    u = sub(u, 0.5)
    us = sub(0.5, lax.abs(u))
    accept1 = jnp.logical_and(jnp.greater_equal(us, 0.07), jnp.less_equal(v, v_r))
    k = lax.floor(add(mul(add(div(mul(2, a), us), b), u), c))
    reject = jnp.logical_or(jnp.less(k, 0), jnp.greater(k, count))
    v = log(div(mul(v, alpha), add(div(a, mul(us, us)), b)))
    ub = add(add(mul(add(m, 0.5), log(div(add(m, 1), mul(r, add(sub(count, m), 1))))),
                 mul(add(count, 1), log(div(add(sub(count, m), 1), add(sub(count, k), 1))))),
             mul(add(k, 0.5), log(div(mul(r, add(sub(count, k), 1)), add(k, 1)))))
    ub = sub(sub(add(add(ub, tail(m)), tail(sub(count, m))), tail(k)), tail(sub(count, k)))
    accept = jnp.logical_or(accept1, jnp.logical_and(jnp.logical_not(reject),
                                                     jnp.less_equal(v, ub)))
    return i + 1, lax.select(accept, k, k_out), jnp.logical_or(accepted, accept), key

  def cond(carry):
    i, accepted = carry[0], carry[2]
    return jnp.logical_and(jnp.any(jnp.logical_not(accepted)), jnp.less(i, max_iters))

  init = (0, lax.full(shape, -1, prob.dtype), lax.full(shape, False, np.bool_), key)
  return lax.while_loop(cond, body, init)[1].astype(dtype)


def multinomial(key, n, p, *, shape=None, dtype=None, unroll=1):
  """Counts of ``n`` draws over the categories of ``p`` (last axis), one binomial per
  category conditioned on the draws left."""
  key, _ = check_prng_key("multinomial", key)
  _check_arraylike("multinomial", n, p)
  n, p = _promote_inexact(n, p)
  if shape is None:
    shape = p.shape
  shape = tuple(shape)
  n = jnp.broadcast_to(n, shape[:-1])
  p = moveaxis(jnp.broadcast_to(p, shape), -1, 0)
  remaining = lax.cumsum(p, 0, reverse=True)
  ratios = jnp.true_divide(p, jnp.where(jnp.equal(remaining, 0), 1, remaining))
  keys = split_key(key, ratios.shape[0])
  # JAX scans over the categories; the unrolled loop computes the same values.
  remainder, counts = n, []
  for i, k in enumerate(keys):
    ratio = jnp.clip(lax.index_in_dim(ratios, i, keepdims=False), 0, 1)
    count = _binomial(k, remainder, ratio, None, remainder.dtype)
    remainder = jnp.subtract(remainder, count)
    counts.append(count)
  # As in JAX, dtype=None means the default float dtype, not the dtype of n and p.
  return jnp.stack(counts, axis=-1).astype(dtypes.default_float_dtype() if dtype is None
                                           else dtype)


def _promote_inexact(*args):
  arrays = [jnp.asarray(a) for a in args]
  dtype = dtypes.result_type(*arrays)
  if not dtypes.issubdtype(dtype, np.inexact):
    dtype = dtypes.default_float_dtype()
  return [a.astype(dtype) for a in arrays]
