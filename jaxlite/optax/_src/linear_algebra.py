"""Linear algebra on pytrees."""
from __future__ import annotations

import warnings

from jaxlite.optax._src import tree_math


def global_norm(updates):
  """The 2-norm of all the entries of ``updates`` (deprecated: ``optax.tree.norm``).

  >>> import warnings
  >>> import jaxlite.numpy as jnp
  >>> import jaxlite.optax as optax
  >>> with warnings.catch_warnings():
  ...   warnings.simplefilter('ignore')
  ...   optax.global_norm([jnp.array([3.]), jnp.array([4.])])
  Array(5., dtype=float32)
  """
  warnings.warn("optax.global_norm is deprecated in favor of optax.tree.norm",
                DeprecationWarning)
  return tree_math.tree_norm(updates)
