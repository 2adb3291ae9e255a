"""Label smoothing."""
from __future__ import annotations

import jaxlite.numpy as jnp
from jaxlite.optax._src import utils


def smooth_labels(labels, alpha, *, axis=-1, where=None):
  """Mixes one-hot ``labels`` with the uniform distribution: ``(1-alpha) y + alpha/K``.

  >>> import jaxlite.numpy as jnp
  >>> import jaxlite.optax as optax
  >>> optax.smooth_labels(jnp.array([0., 1.]), 0.2)
  Array([0.1       , 0.90000004], dtype=float32)
  """
  utils.check_subdtype(labels, jnp.floating)
  if where is None:
    num_categories = jnp.size(labels, axis)
  else:
    num_categories = jnp.sum(where, axis, keepdims=True)
  return (1.0 - alpha) * labels + alpha / num_categories
