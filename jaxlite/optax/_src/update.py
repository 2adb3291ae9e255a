"""Applying updates to parameters, and moving averages of parameters."""
from __future__ import annotations

import jaxlite as jax
import jaxlite.numpy as jnp
from jaxlite import lax

_is_none = lambda x: x is None  # noqa: E731


def apply_updates(params, updates):
  """``params + updates`` leafwise, keeping each parameter's dtype.

  ``params`` and ``updates`` must have the same tree structure; ``None`` params
  stay ``None``.

  >>> import jaxlite.numpy as jnp
  >>> import jaxlite.optax as optax
  >>> optax.apply_updates({'w': jnp.ones(2)}, {'w': jnp.array([0.5, -1.])})
  {'w': Array([1.5, 0. ], dtype=float32)}
  """
  return jax.tree.map(
      lambda p, u: None if p is None else jnp.asarray(p + u).astype(jnp.asarray(p).dtype),
      params, updates, is_leaf=_is_none)


def incremental_update(new_tensors, old_tensors, step_size):
  """Polyak averaging: ``step_size * new + (1 - step_size) * old`` leafwise.

  >>> import jaxlite.numpy as jnp
  >>> import jaxlite.optax as optax
  >>> optax.incremental_update(jnp.ones(2), jnp.zeros(2), 0.25)
  Array([0.25, 0.25], dtype=float32)
  """
  return jax.tree.map(
      lambda new, old: None if new is None else step_size * new + (1.0 - step_size) * old,
      new_tensors, old_tensors, is_leaf=_is_none)


def periodic_update(new_tensors, old_tensors, steps, update_period):
  """``new_tensors`` when ``steps % update_period == 0``, else ``old_tensors``."""
  return lax.cond(jnp.mod(steps, update_period) == 0,
                  lambda _: new_tensors, lambda _: old_tensors, None)
