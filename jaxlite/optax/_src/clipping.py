"""Gradient clipping: elementwise, by block RMS, by global norm, per example, and
adaptive (unit-wise, relative to the parameter norm)."""
from __future__ import annotations

import jaxlite as jax
import jaxlite.numpy as jnp
from jaxlite import lax
from jaxlite.optax._src import base
from jaxlite.optax._src import numerics
from jaxlite.optax._src import tree_math as tm
from jaxlite.optax._src import utils


def clip(max_delta) -> base.GradientTransformation:
  """Clips every update entry to ``[-max_delta, max_delta]``."""
  def update_fn(updates, state, params=None):
    del params
    return tm.tree_clip(updates, -max_delta, max_delta), state
  return base.GradientTransformation(base.init_empty_state, update_fn)


def clip_by_block_rms(threshold) -> base.GradientTransformation:
  """Rescales each leaf so that its RMS is at most ``threshold``."""
  def clip_leaf(u):
    clip_denom = jnp.maximum(1.0, jnp.sqrt(jnp.mean(numerics.abs_sq(u))) / threshold)
    return u / clip_denom

  def update_fn(updates, state, params=None):
    del params
    return jax.tree.map(clip_leaf, updates), state
  return base.GradientTransformation(base.init_empty_state, update_fn)


def clip_by_global_norm(max_norm) -> base.GradientTransformation:
  """Rescales all the updates together so that their global norm is at most ``max_norm``.

  >>> import jaxlite.numpy as jnp
  >>> import jaxlite.optax as optax
  >>> tx = optax.clip_by_global_norm(1.0)
  >>> tx.update(jnp.array([3., 4.]), tx.init(None))[0]
  Array([0.6, 0.8], dtype=float32)
  """
  def update_fn(updates, state, params=None):
    del params
    g_norm = tm.tree_norm(updates)
    trigger = jnp.squeeze(g_norm < max_norm)
    utils.check_rank(trigger, 0)
    updates = jax.tree.map(
        lambda t: lax.select(trigger, t, (t / g_norm.astype(t.dtype)) * max_norm), updates)
    return updates, state
  return base.GradientTransformation(base.init_empty_state, update_fn)


def _check_arrays_have_batch_dim(grads) -> bool:
  leaves = jax.tree.leaves(grads)
  batch_size = leaves[0].shape[0]
  return all(g.ndim >= 1 and batch_size == g.shape[0] for g in leaves)


def per_example_global_norm_clip(grads, l2_norm_clip):
  """Clips each example's gradient (axis 0) to global norm ``l2_norm_clip`` and sums
  them; returns ``(summed_grads, number_of_clipped_examples)``."""
  if not _check_arrays_have_batch_dim(grads):
    raise ValueError("Unlike other transforms, `per_example_global_norm_clip` expects "
                     "`grads` to have a batch dimension in the 0th axis.")
  global_grad_norms = jax.vmap(tm.tree_norm)(grads)
  multipliers = jnp.nan_to_num(jnp.minimum(l2_norm_clip / global_grad_norms, 1.0),
                               nan=1.0)
  num_clipped = jnp.sum(multipliers < 1.0)
  clipped_sum = jax.tree.map(lambda g: jnp.tensordot(multipliers, g, axes=1), grads)
  return clipped_sum, num_clipped


def per_example_layer_norm_clip(grads, global_l2_norm_clip, uniform: bool = True):
  """Per-example clipping of each leaf to its share of ``global_l2_norm_clip``."""
  if not _check_arrays_have_batch_dim(grads):
    raise ValueError(
        "Unlike other transforms, `per_example_layer_norm_clip` expects `grads` to have "
        f"a batch dimension in the 0th axis; got shapes: {jax.tree.map(jnp.shape, grads)}.")
  if uniform:
    num_layers = len(jax.tree.leaves(grads))
    clip_norms = jax.tree.map(lambda _: global_l2_norm_clip * (1.0 / num_layers) ** 0.5,
                              grads)
  else:
    total = jax.tree.reduce(lambda x, g: x + g[0].size, grads, 0)
    clip_norms = jax.tree.map(lambda g: global_l2_norm_clip * (g[0].size / total) ** 0.5,
                              grads)
  result = jax.tree.map(per_example_global_norm_clip, grads, clip_norms)
  return jax.tree.transpose(outer_treedef=jax.tree.structure(grads),
                            inner_treedef=jax.tree.structure((0, 0)),
                            pytree_to_transpose=result)


def unitwise_norm(x, axis=None):
  """Norms over the input axes of a weight (all but the output axis), broadcast back."""
  if axis is not None:
    axes = axis
  elif jnp.squeeze(x).ndim <= 1:
    axes = None  # scalars and vectors: the full norm
  elif x.ndim in (2, 3):
    axes = 0
  elif x.ndim == 4:
    axes = (0, 1, 2)
  elif x.ndim == 5:
    axes = (0, 1, 2, 3)
  else:
    raise ValueError(f"Expected parameter with shape in {1, 2, 3, 4, 5}, got {x.shape}. "
                     "Use axis parameter to specify reduction axes for other shapes.")
  squared_norm = jnp.sum(numerics.abs_sq(x), axis=axes, keepdims=True)
  return jnp.broadcast_to(jnp.sqrt(squared_norm), x.shape)


def unitwise_clip(g_norm, max_norm, grad, div_eps=1e-6):
  """``grad`` rescaled to norm ``max_norm`` where ``g_norm >= max_norm``."""
  clipped_grad = grad * (max_norm / jnp.maximum(g_norm, div_eps))
  utils.check_shapes_equal(g_norm, max_norm)
  utils.check_shapes_equal(g_norm, grad)
  return jnp.where(g_norm < max_norm, grad, clipped_grad)


def adaptive_grad_clip(clipping, eps=1e-3, axis=None) -> base.GradientTransformation:
  """AGC: clips each unit's gradient norm to ``clipping * max(|param unit|, eps)``."""
  def update_fn(updates, state, params):
    if params is None:
      raise ValueError(base.NO_PARAMS_MSG)
    g_norm, p_norm = jax.tree.map(lambda x: unitwise_norm(x, axis=axis), (updates, params))
    max_norm = jax.tree.map(lambda x: clipping * jnp.maximum(x, eps), p_norm)
    return jax.tree.map(unitwise_clip, g_norm, max_norm, updates), state
  return base.GradientTransformation(base.init_empty_state, update_fn)
