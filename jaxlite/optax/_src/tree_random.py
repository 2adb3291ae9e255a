"""Random pytrees: one PRNG key per leaf."""
from __future__ import annotations

import jaxlite as jax


def _random():
  from jaxlite import random  # imported late: the module is optional
  return random


def tree_split_key_like(rng_key, target_tree):
  """A tree shaped like ``target_tree`` holding independent keys split from ``rng_key``."""
  treedef = jax.tree.structure(target_tree)
  keys = _random().split(rng_key, treedef.num_leaves)
  return jax.tree.unflatten(treedef, list(keys))


def tree_random_like(rng_key, target_tree, sampler=None, dtype=None):
  """Samples ``sampler(key, leaf.shape, dtype)`` for each leaf (default: normal)."""
  sampler = _random().normal if sampler is None else sampler
  keys_tree = tree_split_key_like(rng_key, target_tree)
  return jax.tree.map(lambda leaf, key: sampler(key, leaf.shape, dtype or leaf.dtype),
                      target_tree, keys_tree)
