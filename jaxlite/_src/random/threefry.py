"""The Threefry-2x32 counter-based hash and the key operations built on it.

``threefry2x32`` is a primitive (as in JAX's jaxprs): four uint32 operands (two key words,
two count words) broadcast against each other, two uint32 results. Everything else (seeding,
splitting, folding in, drawing bits) is written with lax operations on raw ``uint32[2]`` key
data, in both layouts selected by the ``jax_threefry_partitionable`` flag:

* partitionable (JAX's default): element ``i`` of a result hashes the 64-bit counter ``i``
  (high word, low word), so every element is computed independently of the shape;
* original: the flattened counters ``0..n-1`` are cut in two halves that are hashed as the
  word pairs, then the outputs are concatenated.
"""
from __future__ import annotations

import math

import numpy as np

from jaxlite import lax
from jaxlite._src import core
from jaxlite._src.config import config
from jaxlite._src.core import ShapedArray
from jaxlite._src.interpreters import ad, batching
from jaxlite._src.lax.utils import broadcasting_shape

__all__ = ["UINT_DTYPES", "threefry2x32_p", "threefry_2x32", "threefry_seed",
           "threefry_split", "threefry_fold_in", "threefry_random_bits", "iota_2x32_shape"]

UINT_DTYPES = {8: np.dtype(np.uint8), 16: np.dtype(np.uint16), 32: np.dtype(np.uint32),
                64: np.dtype(np.uint64)}

# The Threefry-2x32 rotation schedule (Salmon et al., "Parallel random numbers: as easy as
# 1, 2, 3", 2011): 20 rounds in five groups of four, alternating between the two rows.
_ROTATIONS = ((13, 15, 26, 6), (17, 29, 16, 24))
_KEY_PARITY = np.uint32(0x1BD11BDA)


# ---------------------------------------------------------------------------
# The primitive

def _rotate_left(v, r):
  return (v << np.uint32(r)) | (v >> np.uint32(32 - r))


def _threefry2x32_impl(k1, k2, x1, x2):
  shape = np.broadcast_shapes(*(np.shape(a) for a in (k1, k2, x1, x2)))
  as_u32 = lambda a: np.array(np.broadcast_to(a, shape), dtype=np.uint32)
  ks = (as_u32(k1), as_u32(k2))
  ks = ks + (ks[0] ^ ks[1] ^ _KEY_PARITY,)
  # uint32 arithmetic wraps around, which is the point; NumPy warns for 0-d operands.
  with np.errstate(over="ignore"):
    x = [as_u32(x1) + ks[0], as_u32(x2) + ks[1]]
    for group in range(5):
      for r in _ROTATIONS[group % 2]:
        x[0] = x[0] + x[1]
        x[1] = _rotate_left(x[1], r) ^ x[0]
      x[0] = x[0] + ks[(group + 1) % 3]
      x[1] = x[1] + ks[(group + 2) % 3] + np.uint32(group + 1)
  return [np.asarray(v, np.uint32) for v in x]


def _threefry2x32_abstract_eval(*args):
  if any(a.dtype != np.uint32 for a in args):
    raise TypeError("Arguments to threefry2x32 must have uint32 type, got "
                    f"{', '.join(a.str_short() for a in args)}")
  shape = broadcasting_shape("threefry2x32", *(a.shape for a in args))
  return [ShapedArray(shape, np.uint32)] * 2


threefry2x32_p = core.Primitive("threefry2x32", multiple_results=True)
threefry2x32_p.def_impl(_threefry2x32_impl)
threefry2x32_p.def_abstract_eval(_threefry2x32_abstract_eval)
threefry2x32_p.weak_type_rule = lambda weak_flags, **params: False
batching.broadcast_batcher(threefry2x32_p)
ad.defjvp_zero(threefry2x32_p)


# ---------------------------------------------------------------------------
# Key operations on raw uint32[2] key data

def _u32(value):
  return np.array(value, np.uint32)


def _key_words(key):
  return lax.index_in_dim(key, 0, keepdims=False), lax.index_in_dim(key, 1, keepdims=False)


def iota_2x32_shape(shape):
  """The row-major element index over ``shape`` as 64-bit counters: (high words, low words)."""
  shape = tuple(shape)
  if not shape:
    zero = lax.full((), 0, np.uint32)
    return zero, zero
  size = math.prod(shape)
  if size > 2 ** 32:
    raise NotImplementedError("random bits array of size exceeding 2 ** 32")
  lo = lax.reshape(lax.iota(np.uint32, size), shape)
  return lax.full(shape, 0, np.uint32), lo


def threefry_2x32(key, count):
  """The original layout: hash the flattened ``count`` as two halves (padded to even size)."""
  k1, k2 = _key_words(key)
  flat = lax.reshape(count, (math.prod(count.shape),))
  n = flat.shape[0]
  if n % 2:
    flat = lax.concatenate([flat, lax.full((1,), 0, np.uint32)], 0)
  half = flat.shape[0] // 2
  x1 = lax.slice(flat, (0,), (half,))
  x2 = lax.slice(flat, (half,), (2 * half,))
  y1, y2 = threefry2x32_p.bind(k1, k2, x1, x2)
  out = lax.concatenate([y1, y2], 0)
  if n % 2:
    out = lax.slice(out, (0,), (n,))
  return lax.reshape(out, count.shape)


def threefry_seed(seed):
  """Key data ``[high 32 bits, low 32 bits]`` of an integer seed (the high word is zero for
  32-bit seeds; negative 32-bit seeds keep their two's-complement low word)."""
  if seed.shape:
    raise TypeError(f"PRNG key seed must be a scalar; got {seed!r}.")
  if not np.issubdtype(seed.dtype, np.integer):
    raise TypeError(f"PRNG key seed must be an integer; got {seed!r}")
  # A shift by the full width gives zero (XLA semantics): the high word of 32-bit seeds.
  # Converting to uint32 keeps the low 32 bits (two's complement for negative seeds).
  high = lax.shift_right_logical(seed, np.array(32, seed.dtype))
  words = [lax.convert_element_type(w, np.uint32) for w in (high, seed)]
  return lax.concatenate([lax.expand_dims(w, (0,)) for w in words], 0)


def threefry_split(key, shape):
  shape = tuple(int(d) for d in shape)
  if config.jax_threefry_partitionable:
    k1, k2 = _key_words(key)
    hi, lo = iota_2x32_shape(shape)
    y1, y2 = threefry2x32_p.bind(k1, k2, hi, lo)
    return lax.concatenate([lax.expand_dims(y, (len(shape),)) for y in (y1, y2)], len(shape))
  counts = lax.iota(np.uint32, math.prod(shape) * 2)
  return lax.reshape(threefry_2x32(key, counts), (*shape, 2))


def threefry_fold_in(key, data):
  """Fold the uint32 scalar ``data`` into ``key``: hash the seed key of ``data`` under ``key``."""
  return threefry_2x32(key, threefry_seed(data))


def threefry_random_bits(key, bit_width, shape):
  """Uniform random bits of ``shape`` as ``uint{bit_width}``."""
  if bit_width not in UINT_DTYPES:
    raise TypeError("requires 8-, 16-, 32- or 64-bit field width.")
  shape = tuple(int(d) for d in shape)
  dtype = UINT_DTYPES[bit_width]
  if config.jax_threefry_partitionable:
    k1, k2 = _key_words(key)
    hi, lo = iota_2x32_shape(shape)
    y1, y2 = threefry2x32_p.bind(k1, k2, hi, lo)
    if bit_width == 64:
      return _join_64(y1, y2)
    bits = lax.bitwise_xor(y1, y2)
    return bits if bit_width == 32 else lax.convert_element_type(bits, dtype)
  return _random_bits_original(key, bit_width, shape, dtype)


def _join_64(hi, lo):
  hi = lax.convert_element_type(hi, np.uint64)
  lo = lax.convert_element_type(lo, np.uint64)
  return lax.bitwise_or(lax.shift_left(hi, np.array(32, np.uint64)), lo)


def _random_bits_original(key, bit_width, shape, dtype):
  size = math.prod(shape)
  words = -(-bit_width * size // 32)
  if words > np.iinfo(np.uint32).max:
    raise NotImplementedError("random bits arrays of more than 2**32 - 1 words")
  bits = threefry_2x32(key, lax.iota(np.uint32, words))
  if bit_width == 64:
    half = words // 2
    bits = _join_64(lax.slice(bits, (0,), (half,)), lax.slice(bits, (half,), (words,)))
  elif bit_width < 32:
    # Each 32-bit word yields 32 // bit_width values, least significant part first.
    per_word = 32 // bit_width
    shifts = _u32([bit_width * i for i in range(per_word)])
    parts = lax.shift_right_logical(lax.broadcast_in_dim(bits, (words, per_word), (0,)),
                                    lax.broadcast_in_dim(shifts, (words, per_word), (1,)))
    parts = lax.bitwise_and(parts, _u32(np.iinfo(dtype).max))
    parts = lax.reshape(parts, (words * per_word,))
    bits = lax.convert_element_type(lax.slice(parts, (0,), (size,)), dtype)
  return lax.reshape(bits, shape)
