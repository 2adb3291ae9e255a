"""Transformations enforcing constraints: non-negative parameters, no NaN updates."""
from __future__ import annotations

from typing import Any, NamedTuple

import jaxlite as jax
import jaxlite.numpy as jnp
from jaxlite.optax._src import base

NonNegativeParamsState = base.EmptyState


def keep_params_nonnegative() -> base.GradientTransformation:
  """Shortens updates that would make a parameter negative so it lands on zero.

  >>> import jaxlite.numpy as jnp
  >>> import jaxlite.optax as optax
  >>> tx = optax.keep_params_nonnegative()
  >>> params = jnp.array([1., 1.])
  >>> tx.update(jnp.array([-3., 0.5]), tx.init(params), params)[0]
  Array([-1. ,  0.5], dtype=float32)
  """
  def init_fn(params):
    del params
    return NonNegativeParamsState()

  def update_fn(updates, state, params):
    if params is None:
      raise ValueError(base.NO_PARAMS_MSG)
    updates = jax.tree.map(lambda p, u: None if p is None else jnp.where(p + u < 0., -p, u),
                           params, updates, is_leaf=lambda x: x is None)
    return updates, state
  return base.GradientTransformation(init_fn, update_fn)


class ZeroNansState(NamedTuple):
  found_nan: Any


def zero_nans() -> base.GradientTransformation:
  """Replaces NaN updates by zeros; the state records which leaves had any."""
  def init_fn(params):
    return ZeroNansState(jax.tree.map(lambda p: jnp.array(False, dtype=jnp.bool_), params))

  def update_fn(updates, opt_state, params=None):
    del params, opt_state
    found_nan = jax.tree.map(lambda p: jnp.any(jnp.isnan(p)), updates)
    updates = jax.tree.map(lambda p: jnp.where(jnp.isnan(p), jnp.zeros_like(p), p), updates)
    return updates, ZeroNansState(found_nan)
  return base.GradientTransformation(init=init_fn, update=update_fn)
