"""``nnx.MultiHeadAttention`` and Flax's attention helpers (masks, attention weights)."""
from __future__ import annotations

import functools
import math
from types import MappingProxyType

from jaxlite import lax
from jaxlite import nn as jnn
from jaxlite import numpy as jnp
from jaxlite import random
from jaxlite import tree_util as jtu
from jaxlite.flax._src.nnx import rnglib
from jaxlite.flax._src.nnx.module import Module, first_from
from jaxlite.flax._src.nnx.nn import dtypes, initializers
from jaxlite.flax._src.nnx.nn.linear import LinearGeneral, default_kernel_init
from jaxlite.flax._src.nnx.nn.normalization import LayerNorm
from jaxlite.flax._src.nnx.pytreelib import data
from jaxlite.flax._src.nnx.variablelib import Cache, Intermediate
from jaxlite.flax._src.attention_args import default_keys_values

_NO_METADATA = MappingProxyType({})


def _validate_qkv_shapes(query, key, value=None):
  arrays = (query, key, value) if value is not None else (query, key)
  names = "q, k, v" if value is not None else "q, k"
  if not all(a.ndim == arrays[0].ndim for a in arrays[1:]):
    raise ValueError(f"{names} must have same rank, but got "
                     f"{', '.join(str(a.ndim) for a in arrays)}.")
  if not all(a.shape[:-3] == arrays[0].shape[:-3] for a in arrays[1:]):
    raise ValueError(f"{names} batch dims must match, but got shapes "
                     f"{', '.join(str(a.shape) for a in arrays)}.")


def combine_masks(*masks, dtype=jnp.float32):
  masks = [m for m in masks if m is not None]
  if not masks:
    return None
  if not all(m.ndim == masks[0].ndim for m in masks):
    raise ValueError(f"masks must have same rank, but got {tuple(m.ndim for m in masks)}.")
  mask = masks[0]
  for other in masks[1:]:
    mask = jnp.logical_and(mask, other)
  return mask.astype(dtype)


def make_attention_mask(query_input, key_input, pairwise_fn=jnp.multiply,
                        extra_batch_dims: int = 0, dtype=jnp.float32):
  """A ``[batch..., 1, q_len, kv_len]`` mask from per-position query and key values."""
  mask = pairwise_fn(jnp.expand_dims(query_input, axis=-1), jnp.expand_dims(key_input, axis=-2))
  mask = jnp.expand_dims(mask, axis=-3)
  mask = jnp.expand_dims(mask, axis=tuple(range(extra_batch_dims)))
  return mask.astype(dtype)


def make_causal_mask(x, extra_batch_dims: int = 0, dtype=jnp.float32):
  idxs = jnp.broadcast_to(jnp.arange(x.shape[-1], dtype=jnp.int32), x.shape)
  return make_attention_mask(idxs, idxs, jnp.greater_equal, extra_batch_dims=extra_batch_dims,
                             dtype=dtype)


def dot_product_attention_weights(query, key, bias=None, mask=None, broadcast_dropout=True,
                                  dropout_rng=None, dropout_rate=0.0, deterministic=False,
                                  dtype=None, precision=None, module=None,
                                  promote_dtype=dtypes.promote_dtype, is_causal=False):
  query, key = promote_dtype((query, key), dtype=dtype)
  dtype = query.dtype
  _validate_qkv_shapes(query, key)
  if query.shape[-1] != key.shape[-1]:
    raise ValueError(f"q, k depths must match, but got {query.shape[-1]} and "
                     f"{key.shape[-1]}.")
  q_heads, k_heads = query.shape[-2], key.shape[-2]
  is_gqa = q_heads != k_heads
  if is_gqa:
    if q_heads % k_heads:
      raise ValueError(f"Query heads ({q_heads}) must be multiple of Key heads ({k_heads}) "
                       "for Grouped Query Attention.")
    query = query.reshape(query.shape[:-2] + (k_heads, q_heads // k_heads, query.shape[-1]))
    key = jnp.expand_dims(key, axis=-2)
    einsum_str = "...qhgd,...kh1d->...hgqk"
  else:
    einsum_str = "...qhd,...khd->...hqk"
  query = query / jnp.sqrt(query.shape[-1]).astype(dtype)
  weights = jnp.einsum(einsum_str, query, key, precision=precision)
  if is_gqa:
    weights = weights.reshape(weights.shape[:-4] + (q_heads,) + weights.shape[-2:])
  if bias is not None:
    weights = weights + bias
  if mask is not None or is_causal:
    masks = [mask] if mask is not None else []
    if is_causal:
      T, S = weights.shape[-2:]
      causal = jnp.tril(jnp.ones((T, S), dtype=dtype))
      masks.append(jnp.broadcast_to(causal, mask.shape if mask is not None else weights.shape))
    weights = jnp.where(combine_masks(*masks, dtype=dtype), weights, jnp.finfo(dtype).min)
  weights = jnn.softmax(weights).astype(dtype)
  if module:
    module.sow(Intermediate, "attention_weights", weights)
  if not deterministic and dropout_rate > 0.0:
    keep_prob = 1.0 - dropout_rate
    ndim_base = key.ndim - 1 if is_gqa else key.ndim
    if broadcast_dropout:
      shape = (1,) * (ndim_base - 2) + weights.shape[-2:]
    else:
      shape = weights.shape
    keep = random.bernoulli(dropout_rng, keep_prob, shape)
    weights = weights * (keep.astype(dtype) / jnp.asarray(keep_prob, dtype=dtype))
  return weights


def dot_product_attention(query, key, value, bias=None, mask=None, broadcast_dropout=True,
                          dropout_rng=None, dropout_rate=0.0, deterministic=False, dtype=None,
                          precision=None, module=None, promote_dtype=dtypes.promote_dtype,
                          is_causal=False):
  """Attention over ``[batch..., length, heads, depth]`` inputs."""
  query, key, value = promote_dtype((query, key, value), dtype=dtype)
  dtype = query.dtype
  _validate_qkv_shapes(query, key, value)
  if key.shape[-3] != value.shape[-3]:
    raise ValueError(f"k, v lengths must match, but got {key.shape[-3]} and "
                     f"{value.shape[-3]}.")
  if dropout_rate == 0.0 and module is None:
    # Flax hands the plain case to jax.nn.dot_product_attention.
    query_shape = query.shape
    if len(query_shape) > 4:
      def to_4d(x):
        return jnp.reshape(x, (math.prod(x.shape[:-3]), *x.shape[-3:]))
      query, key, value, bias, mask = jtu.tree_map(to_4d, (query, key, value, bias, mask))
    if mask is not None:
      mask = mask.astype(jnp.bool_)
    out = jnn.dot_product_attention(query, key, value, bias, mask, is_causal=is_causal)
    return jnp.reshape(out, query_shape) if len(query_shape) > 4 else out
  weights = dot_product_attention_weights(
      query, key, bias, mask, broadcast_dropout, dropout_rng, dropout_rate, deterministic,
      dtype, precision, module, promote_dtype, is_causal)
  q_heads, v_heads = weights.shape[-3], value.shape[-2]
  if q_heads != v_heads:
    if q_heads % v_heads:
      raise ValueError(f"Query heads ({q_heads}) must be multiple of Value heads ({v_heads})")
    weights = weights.reshape(weights.shape[:-3] + (v_heads, q_heads // v_heads) +
                              weights.shape[-2:])
    value = jnp.expand_dims(value, axis=-2)
    out = jnp.einsum("...hgqk,...kh1d->...qhgd", weights, value, precision=precision)
    return out.reshape(out.shape[:-3] + (q_heads, out.shape[-1]))
  return jnp.einsum("...hqk,...khd->...qhd", weights, value, precision=precision)


class MultiHeadAttention(Module):
  """Multi-head (optionally grouped-query) attention with an autoregressive decoding cache."""

  def __init__(self, num_heads: int, in_features: int, qkv_features=None, out_features=None,
               num_kv_heads=None, in_kv_features=None, *, dtype=None, param_dtype=jnp.float32,
               broadcast_dropout: bool = True, dropout_rate: float = 0.0, deterministic=None,
               precision=None, kernel_init=default_kernel_init, out_kernel_init=None,
               bias_init=initializers.zeros_init(), out_bias_init=None, use_bias: bool = True,
               attention_fn=dot_product_attention, decode=None, normalize_qk: bool = False,
               qkv_promote_dtype=dtypes.promote_dtype, out_promote_dtype=dtypes.promote_dtype,
               ln_promote_dtype=dtypes.promote_dtype, qkv_dot_general=None,
               out_dot_general=None, qkv_dot_general_cls=None, out_dot_general_cls=None, rngs,
               keep_rngs: bool = True, kernel_metadata=_NO_METADATA,
               out_kernel_metadata=_NO_METADATA, bias_metadata=_NO_METADATA,
               out_bias_metadata=_NO_METADATA, query_ln_scale_metadata=_NO_METADATA,
               key_ln_scale_metadata=_NO_METADATA):
    self.num_heads = num_heads
    self.in_features = in_features
    self.qkv_features = qkv_features if qkv_features is not None else in_features
    self.out_features = out_features if out_features is not None else in_features
    self.in_kv_features = in_kv_features if in_kv_features is not None else in_features
    self.num_kv_heads = num_kv_heads if num_kv_heads is not None else num_heads
    if self.num_heads % self.num_kv_heads:
      raise ValueError(f"num_heads ({self.num_heads}) must be divisible by num_kv_heads "
                       f"({self.num_kv_heads}).")
    self.dtype = dtype
    self.param_dtype = param_dtype
    self.broadcast_dropout = broadcast_dropout
    self.dropout_rate = dropout_rate
    self.deterministic = deterministic
    self.precision = precision
    self.use_bias = use_bias
    self.attention_fn = attention_fn
    self.decode = decode
    self.normalize_qk = normalize_qk
    self.qkv_promote_dtype = qkv_promote_dtype
    self.out_promote_dtype = out_promote_dtype
    self.ln_promote_dtype = ln_promote_dtype
    self.qkv_dot_general = qkv_dot_general
    self.out_dot_general = out_dot_general
    self.qkv_dot_general_cls = qkv_dot_general_cls
    self.out_dot_general_cls = out_dot_general_cls
    if self.qkv_features % self.num_heads:
      raise ValueError(f"Memory dimension ({self.qkv_features}) must be divisible by "
                       f"'num_heads' heads ({self.num_heads}).")
    self.head_dim = self.qkv_features // self.num_heads
    linear = functools.partial(
        LinearGeneral, dtype=dtype, param_dtype=param_dtype, kernel_init=kernel_init,
        bias_init=bias_init, use_bias=use_bias, precision=precision,
        promote_dtype=qkv_promote_dtype, dot_general=qkv_dot_general,
        dot_general_cls=qkv_dot_general_cls, kernel_metadata=kernel_metadata,
        bias_metadata=bias_metadata)
    self.query = linear(self.in_features, out_features=(num_heads, self.head_dim), rngs=rngs)
    self.key = linear(self.in_kv_features, out_features=(self.num_kv_heads, self.head_dim),
                      rngs=rngs)
    self.value = linear(self.in_kv_features, out_features=(self.num_kv_heads, self.head_dim),
                        rngs=rngs)
    if normalize_qk:
      ln = functools.partial(LayerNorm, self.head_dim, use_bias=False, dtype=dtype,
                             param_dtype=param_dtype, promote_dtype=ln_promote_dtype,
                             rngs=rngs)
      self.query_ln = ln(scale_metadata=query_ln_scale_metadata)
      self.key_ln = ln(scale_metadata=key_ln_scale_metadata)
    else:
      self.query_ln = data(None)
      self.key_ln = data(None)
    self.out = LinearGeneral(
        in_features=(num_heads, self.head_dim), out_features=self.out_features, axis=(-2, -1),
        kernel_init=out_kernel_init or kernel_init, bias_init=out_bias_init or bias_init,
        use_bias=use_bias, dtype=dtype, param_dtype=param_dtype, precision=precision,
        promote_dtype=out_promote_dtype, dot_general=out_dot_general,
        dot_general_cls=out_dot_general_cls, rngs=rngs,
        kernel_metadata=out_kernel_metadata or kernel_metadata,
        bias_metadata=out_bias_metadata or bias_metadata)
    self.rngs = rngs.dropout.fork() if keep_rngs and dropout_rate > 0 else None
    self.cached_key = data(None)
    self.cached_value = data(None)
    self.cache_index = data(None)

  def __call__(self, inputs_q, inputs_k=None, inputs_v=None, *, mask=None, deterministic=None,
               rngs=None, sow_weights: bool = False, decode=None, is_causal=False,
               out_sharding=None, qkv_sharding=None):
    if rngs is None:
      rngs = self.rngs
    elif isinstance(rngs, rnglib.Rngs):
      rngs = rngs.dropout
    inputs_k, inputs_v = default_keys_values(inputs_q, inputs_k, inputs_v)
    if inputs_q.shape[-1] != self.in_features:
      raise ValueError(f"Incompatible input dimension, got {inputs_q.shape[-1]} but module "
                       f"expects {self.in_features}.")
    query = self.query(inputs_q)
    key = self.key(inputs_k)
    value = self.value(inputs_v)
    if self.normalize_qk:
      query = self.query_ln(query)
      key = self.key_ln(key)
    decode = first_from(decode, self.decode, error_msg=(
        "No `decode` argument was provided to MultiHeadAttention\n        as either a "
        "__call__ argument, class attribute, or nnx.flag."))
    if decode:
      if self.cached_key is None or self.cached_value is None or self.cache_index is None:
        raise ValueError("Autoregressive cache not initialized, call ``init_cache`` first.")
      *batch_dims, max_length, num_kv_heads, depth = self.cached_key.shape
      expected = tuple(batch_dims) + (1, num_kv_heads, depth)
      if expected != key.shape:
        raise ValueError(f"Autoregressive cache shape error, expected key shape {expected} "
                         f"instead got {key.shape}.")
      cur_index = self.cache_index[...]
      zero = jnp.array(0, dtype=cur_index.dtype)
      indices = (zero,) * len(batch_dims) + (cur_index, zero, zero)
      key = lax.dynamic_update_slice(self.cached_key[...], key, indices)
      value = lax.dynamic_update_slice(self.cached_value[...], value, indices)
      self.cached_key[...] = key
      self.cached_value[...] = value
      self.cache_index[...] += 1
      mask = combine_masks(mask, jnp.broadcast_to(jnp.arange(max_length) <= cur_index,
                                                  tuple(batch_dims) + (1, 1, max_length)))
    if self.dropout_rate > 0.0:
      deterministic = first_from(deterministic, self.deterministic, error_msg=(
          "No `deterministic` argument was provided to MultiHeadAttention\n          as either "
          "a __call__ argument, class attribute, or nnx.flag."))
      if not deterministic:
        if rngs is None:
          raise ValueError("'rngs' must be provided to __call__ method if MultiHeadAttention "
                           "instance is defined with keep_rngs=False.")
        dropout_rng = rngs()
      else:
        dropout_rng = None
    else:
      deterministic, dropout_rng = True, None
    x = self.attention_fn(query, key, value, mask=mask, dropout_rng=dropout_rng,
                          dropout_rate=self.dropout_rate,
                          broadcast_dropout=self.broadcast_dropout,
                          deterministic=deterministic, dtype=self.dtype,
                          precision=self.precision, module=self if sow_weights else None,
                          is_causal=is_causal)
    return self.out(x)

  def init_cache(self, input_shape, dtype=jnp.float32):
    """Allocate the decoding cache for inputs of ``input_shape`` = (batch..., max_len, feat)."""
    shape = (*input_shape[:-1], self.num_kv_heads, self.head_dim)
    self.cached_key = Cache(jnp.zeros(shape, dtype))
    self.cached_value = Cache(jnp.zeros(shape, dtype))
    self.cache_index = Cache(jnp.array(0, dtype=jnp.int32))

  def set_view(self, deterministic=None, decode=None, batch_size=None, max_length=None):
    if deterministic is not None:
      self.deterministic = deterministic
    if decode is not None:
      self.decode = decode
