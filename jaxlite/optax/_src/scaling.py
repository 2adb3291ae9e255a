"""Stateless or nearly stateless rescalings: by a constant, a schedule, the sign,
parameter norms (trust ratios), Polyak's step, and friends."""
from __future__ import annotations

from typing import Any, NamedTuple

import jaxlite as jax
import jaxlite.numpy as jnp
from jaxlite.optax._src import base
from jaxlite.optax._src import numerics
from jaxlite.optax._src import tree_casting as tc
from jaxlite.optax._src import tree_math as tm


def scale(step_size) -> base.GradientTransformation:
  """Multiplies every update by ``step_size``."""
  def update_fn(updates, state, params=None):
    del params
    return jax.tree.map(lambda g: step_size * g, updates), state
  return base.GradientTransformation(base.init_empty_state, update_fn)


class ScaleByScheduleState(NamedTuple):
  count: Any


def scale_by_schedule(step_size_fn: base.Schedule) -> base.GradientTransformation:
  """Multiplies the updates by ``step_size_fn(count)``, counting calls to ``update``.

  >>> import jaxlite.numpy as jnp
  >>> import jaxlite.optax as optax
  >>> tx = optax.scale_by_schedule(lambda count: 1.0 / (count + 1))
  >>> state = tx.init(jnp.zeros(1))
  >>> for _ in range(2):
  ...   updates, state = tx.update(jnp.ones(1), state)
  >>> updates
  Array([0.5], dtype=float32)
  """
  def init_fn(params):
    del params
    return ScaleByScheduleState(count=jnp.zeros([], jnp.int32))

  def update_fn(updates, state, params=None):
    del params
    step_size = step_size_fn(state.count)
    updates = jax.tree.map(lambda g: jnp.array(step_size, dtype=g.dtype) * g, updates)
    return updates, ScaleByScheduleState(count=numerics.safe_increment(state.count))
  return base.GradientTransformation(init_fn, update_fn)


def scale_by_learning_rate(learning_rate=None, *, flip_sign: bool = True
                           ) -> base.GradientTransformation:
  """Scales by ``-learning_rate`` (a number or a schedule); ``None`` is the identity."""
  if learning_rate is None:
    return base.identity()
  m = -1 if flip_sign else 1
  if callable(learning_rate):
    return scale_by_schedule(lambda count: m * learning_rate(count))
  return scale(m * learning_rate)


def scale_by_param_block_norm(min_scale=1e-3) -> base.GradientTransformation:
  """Multiplies each leaf's update by the norm of the parameter leaf."""
  def update_fn(updates, state, params):
    if params is None:
      raise ValueError(base.NO_PARAMS_MSG)
    updates = jax.tree.map(lambda u, p: u * numerics.safe_norm(p, min_scale),
                           updates, params)
    return updates, state
  return base.GradientTransformation(base.init_empty_state, update_fn)


def scale_by_param_block_rms(min_scale=1e-3) -> base.GradientTransformation:
  """Multiplies each leaf's update by the RMS of the parameter leaf."""
  def update_fn(updates, state, params):
    if params is None:
      raise ValueError(base.NO_PARAMS_MSG)
    updates = jax.tree.map(lambda u, p: u * numerics.safe_root_mean_squares(p, min_scale),
                           updates, params)
    return updates, state
  return base.GradientTransformation(base.init_empty_state, update_fn)


def scale_by_trust_ratio(min_norm=0.0, trust_coefficient=1., eps=0.
                         ) -> base.GradientTransformation:
  """Scales each leaf by ``|param| / |update|`` (LARS/LAMB's trust ratio)."""
  def scale_leaf(update, param):
    param_norm = numerics.safe_norm(param, min_norm)
    update_norm = numerics.safe_norm(update, min_norm)
    trust_ratio = trust_coefficient * param_norm / (update_norm + eps)
    zero_norm = jnp.logical_or(param_norm == 0., update_norm == 0.)
    return update * jnp.where(zero_norm, jnp.array(1.0, dtype=param.dtype), trust_ratio)

  def update_fn(updates, state, params):
    if params is None:
      raise ValueError(base.NO_PARAMS_MSG)
    return jax.tree.map(scale_leaf, updates, params), state
  return base.GradientTransformation(base.init_empty_state, update_fn)


def scale_by_sign() -> base.GradientTransformation:
  """Replaces each update by its sign."""
  def update_fn(updates, state, params=None):
    del params
    return jax.tree.map(jnp.sign, updates), state
  return base.GradientTransformation(base.init_empty_state, update_fn)


class ScaleByRpropState(NamedTuple):
  step_sizes: base.Updates
  prev_updates: base.Updates


def scale_by_rprop(learning_rate, eta_minus=0.5, eta_plus=1.2, min_step_size=1e-6,
                   max_step_size=50.0) -> base.GradientTransformation:
  """Rprop: per-coordinate step sizes grown or shrunk by the gradient's sign changes."""
  def init_fn(params):
    return ScaleByRpropState(tm.tree_full_like(params, learning_rate),
                             tm.tree_zeros_like(params))

  def update_fn(updates, state, params=None):
    del params
    sign = jax.tree.map(lambda g, prev_g: g * prev_g, updates, state.prev_updates)
    step_sizes = jax.tree.map(
        lambda s, step: jnp.where(
            s == 0, step,
            jnp.clip(step * jnp.where(s > 0, eta_plus, eta_minus),
                     min=min_step_size, max=max_step_size)),
        sign, state.step_sizes)
    prev_updates = jax.tree.map(
        lambda s, g, step: jnp.where(s < 0, jnp.zeros_like(g), step * jnp.sign(g)),
        sign, updates, step_sizes)
    # optax 0.2.8 emits the previous step's update (zeroed after a sign change),
    # so the parameters lag the step sizes by one iteration.
    updates = jax.tree.map(
        lambda s, new, old: jnp.where(s < 0, jnp.zeros_like(new), old),
        sign, prev_updates, state.prev_updates)
    return updates, ScaleByRpropState(step_sizes, prev_updates)
  return base.GradientTransformation(init_fn, update_fn)


class ApplyEvery(NamedTuple):
  count: Any
  grad_acc: base.Updates


def apply_every(k=1) -> base.GradientTransformation:
  """Accumulates ``k`` updates and emits their sum every ``k``-th step (zeros otherwise)."""
  def init_fn(params):
    return ApplyEvery(count=jnp.zeros([], jnp.int32), grad_acc=tm.tree_zeros_like(params))

  def update_fn(updates, state, params=None):
    del params
    c = state.count % k
    acc = c != 0
    grad_acc = jax.tree.map(lambda g, ga: acc * ga + g, updates, state.grad_acc)
    emit = c == (k - 1)
    updates = jax.tree.map(lambda ga: emit * ga, grad_acc)
    count_inc = numerics.safe_increment(state.count)
    return updates, ApplyEvery(count=count_inc % k, grad_acc=grad_acc)
  return base.GradientTransformation(init_fn, update_fn)


def _subtract_mean(g):
  if len(g.shape) > 1:
    return g - g.mean(tuple(range(1, len(g.shape))), keepdims=True)
  return g


def centralize() -> base.GradientTransformation:
  """Gradient centralization: subtracts from each leaf (ndim > 1) its mean over all
  axes but the first."""
  def update_fn(updates, state, params=None):
    del params
    return jax.tree.map(_subtract_mean, updates), state
  return base.GradientTransformation(base.init_empty_state, update_fn)


class ScaleByOptimisticGradientState(NamedTuple):
  is_initial_step: Any
  previous_gradient: base.Updates


def scale_by_optimistic_gradient(alpha=1.0, beta=1.0) -> base.GradientTransformation:
  """``(alpha + beta) * g_t - beta * g_{t-1}`` (optimistic gradient descent)."""
  def init_fn(params):
    return ScaleByOptimisticGradientState(is_initial_step=jnp.array(True),
                                          previous_gradient=tm.tree_zeros_like(params))

  def update_fn(updates, state, params=None):
    del params

    def f(grad, prev_grad):
      prev_grad = jnp.where(state.is_initial_step, grad, prev_grad)
      return (alpha + beta) * grad - beta * prev_grad
    new_updates = jax.tree.map(f, updates, state.previous_gradient)
    return new_updates, ScaleByOptimisticGradientState(jnp.array(False), updates)
  return base.GradientTransformation(init_fn, update_fn)


class ScaleByDistanceOverGradientsState(NamedTuple):
  max_dist: base.OptState
  grad_sum_of_squares: base.OptState
  init_params: base.OptState


def scale_by_distance_over_gradients(reps_rel=1e-6, eps=1e-8, param_dtype=jnp.float32,
                                     global_scale=1.0) -> base.GradientTransformation:
  """DoG: the step is the largest distance travelled over the root sum of squared
  gradients, per leaf."""
  def l2(x, y=0.0):
    return jnp.sqrt(jnp.square(x - y).sum())

  def init_fn(params):
    return ScaleByDistanceOverGradientsState(
        jax.tree.map(lambda x: reps_rel * (1 + l2(x)), params),
        jax.tree.map(lambda x: jnp.zeros(1), params),
        tc.tree_cast(params, param_dtype))

  def update_fn(updates, state, params):
    max_dist = jax.tree.map(lambda d, x, y: jnp.maximum(d, l2(x, y)),
                            state.max_dist, params, state.init_params)
    g_sos = jax.tree.map(lambda x, y: x + jnp.square(y).sum(),
                         state.grad_sum_of_squares, updates)
    updates = jax.tree.map(lambda g, d, s: global_scale * (d / jnp.sqrt(s + eps)) * g,
                           updates, max_dist, g_sos)
    return updates, ScaleByDistanceOverGradientsState(max_dist, g_sos, state.init_params)
  return base.GradientTransformation(init_fn, update_fn)


def scale_by_polyak(f_min=0.0, max_learning_rate=1.0, eps=0.0, variant: str = "sps"
                    ) -> base.GradientTransformationExtraArgs:
  """Polyak's step ``(f(x) - f_min) / |g|**2`` capped at ``max_learning_rate``; the
  loss comes as the extra argument ``value``."""
  def update_fn(updates, state, params=None, *, value, **extra_args):
    del params, extra_args
    grad_sq_norm = tm.tree_norm(updates, squared=True)
    gap = jnp.array(value - f_min).astype(grad_sq_norm.dtype)
    if variant == "sps+":
      gap = jnp.maximum(gap, 0)
    elif variant != "sps":
      raise ValueError(f"Invalid argument value for Polyak SGD: variant={variant!r}")
    step = jnp.where(grad_sq_norm + eps <= jnp.finfo(float).eps, jnp.array(0.0),
                     jnp.minimum(gap / (grad_sq_norm + eps), max_learning_rate))
    return tm.tree_scale(step, updates), state
  return base.GradientTransformationExtraArgs(base.init_empty_state, update_fn)


def normalize_by_update_norm(scale_factor=1.0, eps=1e-6) -> base.GradientTransformation:
  """Divides the updates by their global norm (plus ``eps``), times ``scale_factor``."""
  def update_fn(updates, state, params=None):
    del params
    g_norm = (tm.tree_norm(updates) + eps) / scale_factor
    return jax.tree.map(lambda g: g / g_norm, updates), state
  return base.GradientTransformation(base.init_empty_state, update_fn)
