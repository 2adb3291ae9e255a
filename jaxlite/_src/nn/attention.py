"""``jax.nn.dot_product_attention`` (the 'xla' implementation; grouped-query heads allowed).

Layout is JAX's: query (B, T, N, H), key/value (B, S, K, H) with N a multiple of K; logits
(B, N, T, S). Query head n uses key/value head n // (N // K)."""
from __future__ import annotations

import numpy as np

from jaxlite._src import dtypes
from jaxlite import lax
from jaxlite import numpy as jnp


def _large_negative(dtype):
  # Not -inf: a fully masked row must still give a finite (uniform) softmax.
  dtype_max = min(float(dtypes.finfo(dtype).max), float(np.finfo(np.float32).max))
  return jnp.asarray(-0.7 * dtype_max, dtype=dtype)


def _causal_mask(T, S):
  t = lax.broadcasted_iota(np.int32, (T, S), 0)
  s = lax.broadcasted_iota(np.int32, (T, S), 1)
  return (s <= t)[None, None]


def _window_mask(T, S, window):
  left, right = window
  q = jnp.arange(T)[:, None]
  k = jnp.arange(S)[None, :]
  return jnp.logical_and(q >= k - right, q <= k + left)[None, None]


def _padding_mask(T, S, q_seqlen, kv_seqlen):
  mask = True
  if q_seqlen is not None:
    mask = jnp.arange(T)[None, :, None] < q_seqlen[:, None, None]
  if kv_seqlen is not None:
    mask = jnp.logical_and(mask, jnp.arange(S)[None, None, :] < kv_seqlen[:, None, None])
  return jnp.asarray(mask)[:, None, :, :]


def _apply_masks(logits, mask, is_causal, q_seqlen, kv_seqlen, window):
  if (mask is None and not is_causal and q_seqlen is None and kv_seqlen is None
      and window is None):
    return logits
  combined = jnp.ones_like(logits, dtype=bool)
  if mask is not None:
    combined = jnp.logical_and(combined, mask)
  T, S = logits.shape[2], logits.shape[3]
  if is_causal:
    combined = jnp.logical_and(combined, _causal_mask(T, S))
  if window is not None:
    combined = jnp.logical_and(combined, _window_mask(T, S, window))
  if q_seqlen is not None or kv_seqlen is not None:
    combined = jnp.logical_and(combined, _padding_mask(T, S, q_seqlen, kv_seqlen))
  return jnp.where(combined, logits, _large_negative(logits.dtype))


def _attention_xla(query, key, value, bias, mask, is_causal, scale, q_seqlen, kv_seqlen,
                   window, return_residual):
  from jaxlite._src.nn.functions import softmax, logsumexp
  B, T, N, H = query.shape
  _, S, K, _ = key.shape
  G = N // K
  logits_dtype = jnp.promote_types(query.dtype, np.float32)
  q = jnp.reshape(query, (B, T, K, G, H))
  # (B,T,K,G,H) x (B,S,K,H) -> (B,K,T,G,S) -> (B,K,G,T,S) -> (B,N,T,S)
  logits = lax.dot_general(q, key, (((4,), (3,)), ((0, 2), (0, 2))),
                           preferred_element_type=logits_dtype)
  logits = jnp.reshape(jnp.transpose(logits, (0, 1, 3, 2, 4)), (B, N, T, S))
  logits = logits * jnp.array(scale, dtype=logits.dtype)
  if bias is not None:
    logits = (logits + bias).astype(logits.dtype)
  padded = _apply_masks(logits, mask, is_causal, q_seqlen, kv_seqlen, window)
  padded = padded.astype(np.float32)
  probs = softmax(padded, axis=-1).astype(key.dtype)
  # (B,K,G,T,S) x (B,S,K,H) -> (B,K,G,T,H) -> (B,T,K,G,H)
  probs = jnp.reshape(probs, (B, K, G, T, S))
  encoded = lax.dot_general(probs, value, (((4,), (1,)), ((0, 1), (0, 2))))
  encoded = jnp.reshape(jnp.transpose(encoded, (0, 3, 1, 2, 4)), (B, T, N, H))
  if q_seqlen is not None:
    keep = jnp.arange(T)[None, :] < q_seqlen[:, None]
    encoded = encoded * keep[:, :, None, None].astype(encoded.dtype)
  if return_residual:
    lse = logsumexp(padded, axis=-1).astype(key.dtype)
    return encoded, lax.stop_gradient(jnp.transpose(lse, (0, 2, 1)))
  return encoded


def _ensure_4d(t):
  t = jnp.asarray(t)
  missing = 4 - t.ndim
  return jnp.expand_dims(t, tuple(range(missing))) if missing > 0 else t


def _check(t, shape, dtype, name):
  if t is None:
    return
  if t.ndim != len(shape):
    raise ValueError(f"{name} ndim should be {len(shape)}, but got {t.ndim}")
  if dtype is not None and t.dtype != dtype:
    raise ValueError(f"{name} dtype should be {dtype}, but got {t.dtype}")
  for want, got in zip(shape, t.shape):
    if want != -1 and want != got:
      raise ValueError(f"{name} shape should be {shape}: but got {t.shape}")


def dot_product_attention(query, key, value, bias=None, mask=None, *, scale=None,
                          is_causal: bool = False, query_seq_lengths=None,
                          key_value_seq_lengths=None, local_window_size=None,
                          implementation=None, return_residual: bool = False):
  out_shape = jnp.shape(query)
  q, k, v = _ensure_4d(query), _ensure_4d(key), _ensure_4d(value)
  bias = _ensure_4d(bias) if bias is not None else None
  mask = _ensure_4d(mask) if mask is not None else None
  if query_seq_lengths is not None:
    query_seq_lengths = jnp.asarray(query_seq_lengths)
  if key_value_seq_lengths is not None:
    key_value_seq_lengths = jnp.asarray(key_value_seq_lengths)
  if isinstance(local_window_size, int):
    local_window_size = (local_window_size, local_window_size)
  B, S, K, H = k.shape
  _check(v, [B, S, K, H], k.dtype, "value")
  _check(q, [B, -1, -1, H], k.dtype, "query")
  _check(mask, [-1] * 4, np.dtype(bool), "mask")
  _check(bias, [-1] * 4, None, "bias")
  _check(query_seq_lengths, [B], np.dtype("int32"), "query_seq_lengths")
  _check(key_value_seq_lengths, [B], np.dtype("int32"), "key_value_seq_lengths")
  if q.shape[-2] % K != 0:
    raise ValueError("The number of query heads must be a multiple of key/value heads, but "
                     f"got {q.shape[-2]} vs {K}")
  scale_val = (1.0 / np.sqrt(H)) if scale is None else scale
  if implementation not in (None, "xla"):
    if implementation == "cudnn":
      raise NotImplementedError("implementation='cudnn' needs a GPU; jaxlite has only 'xla'.")
    raise ValueError(f"Unsupported implementation option: {implementation}")
  out = _attention_xla(q, k, v, bias, mask, is_causal, scale_val, query_seq_lengths,
                       key_value_seq_lengths, local_window_size, return_residual)
  if return_residual:
    encoded, lse = out
    return jnp.reshape(encoded, out_shape), jnp.reshape(lse, out_shape[:-1])
  return jnp.reshape(out, out_shape)
