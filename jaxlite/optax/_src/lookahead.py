"""Lookahead: fast weights follow an inner optimizer; every ``sync_period`` steps the
slow weights move part of the way toward them and the fast weights reset there."""
from __future__ import annotations

import logging
from typing import Any, NamedTuple

import jaxlite as jax
import jaxlite.numpy as jnp
from jaxlite.optax._src import base

_log = logging.getLogger(__name__)


class LookaheadState(NamedTuple):
  fast_state: base.OptState
  steps_since_sync: Any


class LookaheadParams(NamedTuple):
  fast: base.Params
  slow: base.Params

  @classmethod
  def init_synced(cls, params) -> "LookaheadParams":
    """Fast and slow weights both equal to ``params``."""
    return cls(slow=params, fast=params)


def _lookahead_update(updates, sync_next, params: LookaheadParams, slow_step_size
                      ) -> LookaheadParams:
  last_difference = jax.tree.map(lambda f, u, s: f + u - s, params.fast, updates,
                                 params.slow)
  slow_updates = jax.tree.map(lambda diff: slow_step_size * sync_next * diff,
                              last_difference)
  fast_updates = jax.tree.map(lambda up, diff: up - sync_next * (1 - slow_step_size) * diff,
                              updates, last_difference)
  return LookaheadParams(fast=fast_updates, slow=slow_updates)


def lookahead(fast_optimizer: base.GradientTransformation, sync_period: int,
              slow_step_size, reset_state: bool = False) -> base.GradientTransformation:
  """Wraps ``fast_optimizer`` in Lookahead; params and updates are ``LookaheadParams``.

  >>> import jaxlite.numpy as jnp
  >>> import jaxlite.optax as optax
  >>> opt = optax.lookahead(optax.sgd(1.), sync_period=2, slow_step_size=0.5)
  >>> params = optax.LookaheadParams.init_synced(jnp.zeros(1))
  >>> state = opt.init(params)
  >>> for _ in range(2):
  ...   updates, state = opt.update(jnp.ones(1), state, params)
  ...   params = optax.apply_updates(params, updates)
  >>> params
  LookaheadParams(fast=Array([-1.], dtype=float32), slow=Array([-1.], dtype=float32))
  """
  if sync_period < 1:
    raise ValueError("Synchronization period must be >= 1.")

  def init_fn(params) -> LookaheadState:
    fast_params = getattr(params, "fast", None)
    if fast_params is None:
      _log.warning("`params` has no attribute `fast`. Continuing by assuming that only "
                   "fast parameters were passed to lookahead init.")
      fast_params = params
    return LookaheadState(fast_state=fast_optimizer.init(fast_params),
                          steps_since_sync=jnp.zeros(shape=(), dtype=jnp.int32))

  def update_fn(updates, state, params):
    updates, fast_state = fast_optimizer.update(updates, state.fast_state, params.fast)
    sync_next = state.steps_since_sync == sync_period - 1
    updates = _lookahead_update(updates, sync_next, params, slow_step_size)
    if reset_state:
      initial_state = fast_optimizer.init(params.fast)
      fast_state = jax.tree.map(
          lambda current, init: (1 - sync_next) * current + sync_next * init,
          fast_state, initial_state)
    steps_since_sync = (state.steps_since_sync + 1) % sync_period
    return updates, LookaheadState(fast_state, steps_since_sync)

  return base.GradientTransformation(init_fn, update_fn)
