"""Composing transformations: in sequence (``chain``) or by parameter group
(``partition``, a.k.a. ``multi_transform``)."""
from __future__ import annotations

import collections
from typing import Hashable, Mapping, NamedTuple

import jaxlite as jax
from jaxlite.optax._src import base
from jaxlite.optax._src import wrappers


def chain(*args: base.GradientTransformation) -> base.GradientTransformationExtraArgs:
  """Applies the transformations one after the other; the state is a tuple of theirs.

  >>> import jaxlite.numpy as jnp
  >>> import jaxlite.optax as optax
  >>> tx = optax.chain(optax.clip(1.0), optax.scale(-0.1))
  >>> tx.update(jnp.array([5., -0.5]), tx.init(jnp.zeros(2)))[0]
  Array([-0.1 ,  0.05], dtype=float32)
  """
  transforms = [base.with_extra_args_support(t) for t in args]
  init_fns = [t.init for t in transforms]
  update_fns = [t.update for t in transforms]

  def init_fn(params):
    return tuple(fn(params) for fn in init_fns)

  def update_fn(updates, state, params=None, **extra_args):
    if len(update_fns) != len(state):
      raise ValueError("The number of updates and states has to be the same in chain! "
                       "Make sure you have called init first!")
    new_state = []
    for s, fn in zip(state, update_fns):
      updates, new_s = fn(updates, s, params, **extra_args)
      new_state.append(new_s)
    return updates, tuple(new_state)

  return base.GradientTransformationExtraArgs(init_fn, update_fn)


def named_chain(*args: tuple[str, base.GradientTransformation]
                ) -> base.GradientTransformationExtraArgs:
  """Like ``chain`` but the state is a dict keyed by the given (unique) names."""
  names = [name for name, _ in args]
  if len(names) != len(set(names)):
    raise ValueError(f"Named transformations must have unique names, but got {names}")
  transforms = [(name, base.with_extra_args_support(t)) for name, t in args]

  def init_fn(params):
    return collections.OrderedDict((name, tx.init(params)) for name, tx in transforms)

  def update_fn(updates, state, params=None, **extra_args):
    new_state = collections.OrderedDict()
    for name, tx in transforms:
      updates, new_state[name] = tx.update(updates, state[name], params, **extra_args)
    return updates, new_state

  return base.GradientTransformationExtraArgs(init_fn, update_fn)


class PartitionState(NamedTuple):
  inner_states: Mapping[Hashable, base.OptState]


def partition(transforms: Mapping[Hashable, base.GradientTransformation],
              param_labels, *, mask_compatible_extra_args: bool = False
              ) -> base.GradientTransformationExtraArgs:
  """Applies ``transforms[label]`` to the leaves labelled ``label``.

  ``param_labels`` is a tree of labels (a prefix of the params) or a function of the
  params returning one.

  >>> import jaxlite.numpy as jnp
  >>> import jaxlite.optax as optax
  >>> tx = optax.partition({'fast': optax.sgd(1.), 'slow': optax.sgd(.1)},
  ...                      {'a': 'fast', 'b': 'slow'})
  >>> g = {'a': jnp.ones(1), 'b': jnp.ones(1)}
  >>> tx.update(g, tx.init(g))[0]
  {'a': Array([-1.], dtype=float32), 'b': Array([-0.1], dtype=float32)}
  """
  transforms = {k: base.with_extra_args_support(v) for k, v in transforms.items()}

  def make_mask(labels, group):
    return jax.tree.map(lambda label: label == group, labels)

  def labels_for(tree):
    return param_labels(tree) if callable(param_labels) else param_labels

  def init_fn(params):
    labels = labels_for(params)
    label_set = set(jax.tree.leaves(labels))
    if not label_set.issubset(transforms.keys()):
      raise ValueError(
          "Some parameters have no corresponding transformation.\n"
          f"Parameter labels: {list(sorted(label_set))} \n"
          f"Transforms keys: {list(sorted(transforms.keys()))} \n")
    return PartitionState({
        group: wrappers.masked(tx, make_mask(labels, group),
                               mask_compatible_extra_args=mask_compatible_extra_args
                               ).init(params)
        for group, tx in transforms.items()})

  def update_fn(updates, state, params=None, **extra_args):
    labels = labels_for(updates)
    new_inner_state = {}
    for group, tx in transforms.items():
      masked_tx = wrappers.masked(tx, make_mask(labels, group),
                                  mask_compatible_extra_args=mask_compatible_extra_args)
      updates, new_inner_state[group] = masked_tx.update(
          updates, state.inner_states[group], params, **extra_args)
    return updates, PartitionState(new_inner_state)

  return base.GradientTransformationExtraArgs(init_fn, update_fn)


multi_transform = partition  # the name before optax 0.2.5
MultiTransformState = PartitionState
