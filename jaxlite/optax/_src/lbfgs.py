"""L-BFGS preconditioning: the two-loop recursion over a ring buffer of the last
``memory_size`` parameter and gradient differences."""
from __future__ import annotations

from typing import Any, NamedTuple

import jaxlite as jax
import jaxlite.numpy as jnp
from jaxlite import lax
from jaxlite.optax._src import base
from jaxlite.optax._src import numerics
from jaxlite.optax._src import tree_casting as tc
from jaxlite.optax._src import tree_math as tm


class ScaleByLBFGSState(NamedTuple):
  count: Any
  params: base.Params
  updates: base.Params
  diff_params_memory: base.ArrayTree
  diff_updates_memory: base.ArrayTree
  weights_memory: Any


def _precondition_by_lbfgs(updates, diff_params_memory, diff_updates_memory,
                           weights_memory, identity_scale, memory_idx):
  """The two-loop recursion: ``H_k @ updates`` with ``H_0 = identity_scale * I``."""
  rhos = weights_memory
  memory_size = weights_memory.shape[0]
  # Oldest entry first: the ring buffer starts at the next slot to overwrite.
  indices = (memory_idx + jnp.arange(memory_size)) % memory_size

  def entry(idx):
    return jax.tree.map(lambda x: x[idx], (diff_params_memory, diff_updates_memory))

  def right_product(vec, idx):
    dwi, dui = entry(idx)
    alpha = rhos[idx] * tm.tree_real(tm.tree_vdot(dwi, vec))
    vec_new = tc.tree_cast_like(tm.tree_add_scale(vec, -alpha, dui), vec)
    return vec_new, alpha

  precond_updates, alphas = lax.scan(right_product, updates, indices, reverse=True)
  precond_updates = tm.tree_scale(identity_scale, precond_updates)

  def left_product(vec, idx_alpha):
    idx, alpha = idx_alpha
    dwi, dui = entry(idx)
    beta = rhos[idx] * tm.tree_real(tm.tree_vdot(dui, vec))
    vec_new = tc.tree_cast_like(tm.tree_add_scale(vec, alpha - beta, dwi), vec)
    return vec_new, beta

  precond_updates, _ = lax.scan(left_product, precond_updates, (indices, alphas))
  return precond_updates


def scale_by_lbfgs(memory_size: int = 10, scale_init_precond: bool = True
                   ) -> base.GradientTransformation:
  """Preconditions the updates by the L-BFGS inverse-Hessian estimate."""
  if memory_size < 1:
    raise ValueError("memory_size must be >= 1")

  def init_fn(params):
    stacked_zeros = jax.tree.map(
        lambda leaf: jnp.zeros((memory_size,) + leaf.shape, dtype=leaf.dtype), params)
    return ScaleByLBFGSState(
        count=jnp.asarray(0, dtype=jnp.int32), params=tm.tree_zeros_like(params),
        updates=tm.tree_zeros_like(params), diff_params_memory=stacked_zeros,
        diff_updates_memory=stacked_zeros, weights_memory=jnp.zeros(memory_size))

  def update_fn(updates, state, params):
    memory_idx = state.count % memory_size
    prev_memory_idx = (state.count - 1) % memory_size
    diff_params = tm.tree_sub(params, state.params)
    diff_updates = tm.tree_sub(updates, state.updates)
    vdot_diff = tm.tree_real(tm.tree_vdot(diff_updates, diff_params))
    weight = jnp.where(vdot_diff == 0.0, 0.0, 1.0 / vdot_diff)
    # At the first step there is no previous point: store zeros.
    diff_params, diff_updates, weight = jax.tree.map(
        lambda x: jnp.where(state.count > 0, x, jnp.zeros_like(x)),
        (diff_params, diff_updates, weight))
    diff_params_memory, diff_updates_memory, weights_memory = jax.tree.map(
        lambda x, y: x.at[prev_memory_idx].set(y),
        (state.diff_params_memory, state.diff_updates_memory, state.weights_memory),
        (diff_params, diff_updates, weight))

    if scale_init_precond:
      numerator = tm.tree_real(tm.tree_vdot(diff_updates, diff_params))
      denominator = tm.tree_norm(diff_updates, squared=True)
      identity_scale = jnp.where(denominator > 0.0, numerator / denominator, 1.0)
      # First step: cap the step length to 1 in norm.
      update_norm = tm.tree_norm(lax.stop_gradient(updates))
      capped_inv_norm = jnp.minimum(1.0, 1.0 / update_norm)
      identity_scale = jnp.where(state.count > 0, identity_scale, capped_inv_norm)
    else:
      identity_scale = 1.0

    precond_updates = _precondition_by_lbfgs(updates, diff_params_memory,
                                             diff_updates_memory, weights_memory,
                                             identity_scale, memory_idx)
    return precond_updates, ScaleByLBFGSState(
        count=numerics.safe_increment(state.count), params=params, updates=updates,
        diff_params_memory=diff_params_memory, diff_updates_memory=diff_updates_memory,
        weights_memory=weights_memory)

  return base.GradientTransformation(init_fn, update_fn)
