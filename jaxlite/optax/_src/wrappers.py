"""Wrappers that restrict or reshape what an inner transformation sees: ``masked``,
``freeze``, ``selective_transform`` and ``flatten``."""
from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

import jaxlite as jax
import jaxlite.numpy as jnp
from jaxlite.optax._src import base
from jaxlite.optax._src import tree_state


class MaskedState(NamedTuple):
  inner_state: Any


class MaskedNode(NamedTuple):
  """Stands for a masked-out leaf: a pytree node without leaves."""


def _mask_callable(mask):
  callable_leaves = jax.tree.leaves(jax.tree.map(callable, mask))
  return len(callable_leaves) > 0 and all(callable_leaves)


def masked(inner: base.GradientTransformation, mask, *,
           mask_compatible_extra_args: bool = False
           ) -> base.GradientTransformationExtraArgs:
  """Applies ``inner`` only to the leaves where ``mask`` is True; the rest pass through.

  ``mask`` is a tree of booleans (a prefix of the params' structure) or a function of
  the params returning one. The inner transformation never sees the masked leaves,
  so its state only holds the selected ones.

  >>> import jaxlite.numpy as jnp
  >>> import jaxlite.optax as optax
  >>> tx = optax.masked(optax.scale(10.), {'a': True, 'b': False})
  >>> g = {'a': jnp.ones(1), 'b': jnp.ones(1)}
  >>> tx.update(g, tx.init(g))[0]
  {'a': Array([10.], dtype=float32), 'b': Array([1.], dtype=float32)}
  """
  inner = base.with_extra_args_support(inner)

  def mask_pytree(pytree, mask_tree):
    return jax.tree.map(lambda m, p: p if m else MaskedNode(), mask_tree, pytree)

  def mask_extra_args(extra_args, base_pytree, mask_tree):
    base_structure = jax.tree.structure(base_pytree)

    def maybe_mask(value):
      if mask_compatible_extra_args and jax.tree.structure(value) == base_structure:
        return mask_pytree(value, mask_tree)
      return value
    return {k: maybe_mask(v) for k, v in extra_args.items()}

  def init_fn(params):
    # Inside ``tree_map_params`` the params are a placeholder: keep it whole.
    if isinstance(params, tree_state._ParamsPlaceholder):  # pylint: disable=protected-access
      return MaskedState(inner_state=inner.init(params))
    mask_tree = mask(params) if _mask_callable(mask) else mask
    return MaskedState(inner_state=inner.init(mask_pytree(params, mask_tree)))

  def update_fn(updates, state, params=None, **extra_args):
    mask_tree = mask(updates) if _mask_callable(mask) else mask
    masked_extra_args = mask_extra_args(extra_args, updates, mask_tree)
    masked_updates = mask_pytree(updates, mask_tree)
    masked_params = None if params is None else mask_pytree(params, mask_tree)
    new_masked_updates, new_inner_state = inner.update(
        masked_updates, state.inner_state, masked_params, **masked_extra_args)
    new_updates = jax.tree.map(lambda m, new_u, old_u: new_u if m else old_u,
                               mask_tree, new_masked_updates, updates)
    return new_updates, MaskedState(inner_state=new_inner_state)

  return base.GradientTransformationExtraArgs(init_fn, update_fn)


def freeze(mask) -> base.GradientTransformation:
  """Zeroes the updates of the leaves where ``mask`` is True (freezing those params)."""
  return masked(base.set_to_zero(), mask)


def selective_transform(optimizer: base.GradientTransformation, *, freeze_mask
                        ) -> base.GradientTransformation:
  """Applies ``optimizer`` to the leaves where ``freeze_mask`` is False, and freezes
  the others."""
  from jaxlite.optax._src import combine  # combine imports this module

  def label_fn(params):
    del params
    return jax.tree.map(lambda m: "freeze" if m else "train", freeze_mask)
  return combine.partition({"train": optimizer, "freeze": base.set_to_zero()},
                           param_labels=label_fn)


def flatten(inner: base.GradientTransformation) -> base.GradientTransformationExtraArgs:
  """Runs ``inner`` on all the leaves concatenated into one vector (fewer, larger ops).

  >>> import jaxlite.numpy as jnp
  >>> import jaxlite.optax as optax
  >>> tx = optax.flatten(optax.scale(2.))
  >>> g = {'a': jnp.ones((2, 2)), 'b': jnp.ones(1)}
  >>> tx.update(g, tx.init(g))[0]['a']
  Array([[2., 2.],
         [2., 2.]], dtype=float32)
  """
  inner = base.with_extra_args_support(inner)

  def flat(tree):
    return jnp.concatenate([jnp.reshape(leaf, [-1]) for leaf in jax.tree.leaves(tree)])

  def unflat(like, vector):
    leaves, treedef = jax.tree.flatten(like)
    ends = np.cumsum([np.size(leaf) for leaf in leaves])
    starts = [0, *ends[:-1]]
    return jax.tree.unflatten(
        treedef, [jnp.reshape(vector[int(a):int(b)], leaf.shape)
                  for a, b, leaf in zip(starts, ends, leaves)])

  def init_fn(params):
    return inner.init(flat(params))

  def update_fn(updates, state, params=None, **extra_args):
    if params is not None:
      params = flat(params)
    flat_updates, state = inner.update(flat(updates), state, params, **extra_args)
    return unflat(updates, flat_updates), state

  return base.GradientTransformationExtraArgs(init_fn, update_fn)
