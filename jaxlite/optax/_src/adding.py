"""Transformations that add a term to the updates: weight decay and gradient noise."""
from __future__ import annotations

import warnings
from typing import Any, NamedTuple

import jaxlite as jax
import jaxlite.numpy as jnp
from jaxlite.optax._src import base
from jaxlite.optax._src import numerics
from jaxlite.optax._src import tree_math as tm
from jaxlite.optax._src import tree_random
from jaxlite.optax._src import utils
from jaxlite.optax._src import wrappers


class WeightDecaySchedule(NamedTuple):
  count: Any


def add_decayed_weights(weight_decay=0.0, mask=None) -> base.GradientTransformation:
  """Adds ``weight_decay * params`` to the updates (decoupled weight decay).

  ``weight_decay`` may be a schedule; ``mask`` (a tree of booleans or a function of
  the params returning one) restricts the decay to some leaves.

  >>> import jaxlite.numpy as jnp
  >>> import jaxlite.optax as optax
  >>> tx = optax.add_decayed_weights(0.1)
  >>> params = jnp.array([1., 2.])
  >>> tx.update(jnp.zeros(2), tx.init(params), params)[0]
  Array([0.1, 0.2], dtype=float32)
  """
  def init_fn(params):
    del params
    if callable(weight_decay):
      return WeightDecaySchedule(count=jnp.zeros([], jnp.int32))
    return base.EmptyState()

  def update_fn(updates, state, params):
    if params is None:
      raise ValueError(base.NO_PARAMS_MSG)
    new_state = (WeightDecaySchedule(numerics.safe_increment(state.count))
                 if callable(weight_decay) else state)
    if isinstance(weight_decay, (int, float)) and weight_decay == 0.0:
      return updates, new_state
    s = weight_decay(state.count) if callable(weight_decay) else weight_decay
    updates = jax.tree.map(lambda g, p: None if g is None else g + s * p,
                           updates, params, is_leaf=lambda x: x is None)
    return updates, new_state

  if mask is not None:
    return wrappers.masked(base.GradientTransformation(init_fn, update_fn), mask)
  return base.GradientTransformation(init_fn, update_fn)


class AddNoiseState(NamedTuple):
  count: Any
  rng_key: Any


def add_noise(eta, gamma, key=None, *, seed=None) -> base.GradientTransformation:
  """Adds Gaussian noise of variance ``eta / (1 + t)**gamma`` to the updates."""
  if seed is not None:
    warnings.warn('"seed" is deprecated and will be removed in optax 0.2.7, use "key".',
                  DeprecationWarning)
    if key is not None:
      raise ValueError("Only one of seed or key can be specified.")
    key = seed
  if key is None:
    warnings.warn("Specifying a key will be required in optax 0.2.7.")
    key = 0

  def init_fn(params):
    del params
    return AddNoiseState(count=jnp.zeros([], jnp.int32),
                         rng_key=utils.canonicalize_key(key))

  def update_fn(updates, state, params=None):
    del params
    from jaxlite import random  # imported late: the module is optional
    count_inc = numerics.safe_increment(state.count)
    standard_deviation = jnp.sqrt(eta / count_inc ** gamma)
    rng_key, sample_key = random.split(state.rng_key)
    noise = tree_random.tree_random_like(sample_key, updates, sampler=random.normal)
    updates = tm.tree_add_scale(updates, standard_deviation, noise)
    return updates, AddNoiseState(count=count_inc, rng_key=rng_key)
  return base.GradientTransformation(init_fn, update_fn)
