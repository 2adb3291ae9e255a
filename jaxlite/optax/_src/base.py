"""The gradient-transformation interface: a pair of pure functions (init, update).

An optimizer is a ``GradientTransformation``: ``init(params) -> state`` and
``update(updates, state, params=None) -> (new_updates, new_state)``. All the
state lives in the returned pytree, so both functions can be jitted and vmapped.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple, Optional, Protocol, Union, runtime_checkable

import jaxlite as jax
import jaxlite.numpy as jnp

NO_PARAMS_MSG = (
    "You are using a transformation that requires the current value of "
    "parameters, but you are not passing `params` when calling `update`.")

PyTree = Any
Shape = tuple
PRNGKey = jax.Array
ArrayTree = Any
OptState = ArrayTree  # any nest of arrays
Params = ArrayTree
Updates = Params  # updates mirror the structure of the parameters
Schedule = Callable[[Any], Any]
ScheduleState = Any
ScalarOrSchedule = Union[float, jax.Array, Schedule]


@runtime_checkable
class StatefulSchedule(Protocol):
  """A schedule whose value depends on a state it updates itself."""

  def init(self) -> ScheduleState:
    """Returns the initial schedule state."""

  def update(self, state: ScheduleState, **extra_args) -> ScheduleState:
    """Returns the next schedule state."""

  def __call__(self, state: ScheduleState, **extra_args):
    """Returns the schedule value for ``state``."""


class TransformInitFn(Protocol):
  """``init(params) -> state``."""

  def __call__(self, params: Params) -> OptState:
    """Builds the initial state from example parameters."""


class TransformUpdateFn(Protocol):
  """``update(updates, state, params=None) -> (updates, state)``."""

  def __call__(self, updates: Updates, state: OptState,
               params: Optional[Params] = None) -> tuple[Updates, OptState]:
    """Transforms ``updates`` and advances ``state``."""


class TransformUpdateExtraArgsFn(Protocol):
  """``update(updates, state, params=None, **extra_args) -> (updates, state)``."""

  def __call__(self, updates: Updates, state: OptState,
               params: Optional[Params] = None,
               **extra_args: Any) -> tuple[Updates, OptState]:
    """Like ``TransformUpdateFn``; unknown keyword arguments are ignored."""


class GradientTransformation(NamedTuple):
  """A pair of pure functions ``(init, update)``.

  >>> import jaxlite.numpy as jnp
  >>> import jaxlite.optax as optax
  >>> tx = optax.scale(-0.5)
  >>> state = tx.init(jnp.ones(2))
  >>> updates, state = tx.update(jnp.array([2., 4.]), state)
  >>> updates
  Array([-1., -2.], dtype=float32)
  """
  init: TransformInitFn
  update: TransformUpdateFn


class GradientTransformationExtraArgs(GradientTransformation):
  """A ``GradientTransformation`` whose ``update`` accepts extra keyword args."""
  update: TransformUpdateExtraArgsFn


class EmptyState(NamedTuple):
  """The state of a stateless transformation."""


def init_empty_state(params: Params) -> EmptyState:
  """``init`` of a stateless transformation."""
  del params
  return EmptyState()


def identity() -> GradientTransformation:
  """Leaves the updates unchanged (compare ``set_to_zero``, which freezes params)."""
  def update_fn(updates, state, params=None):
    del params
    return updates, state
  return GradientTransformation(init_empty_state, update_fn)


def set_to_zero() -> GradientTransformation:
  """Maps every update to zeros, so applying them leaves the parameters unchanged.

  >>> import jaxlite.numpy as jnp
  >>> import jaxlite.optax as optax
  >>> optax.set_to_zero().update({'w': jnp.ones(2)}, optax.EmptyState())[0]
  {'w': Array([0., 0.], dtype=float32)}
  """
  def update_fn(updates, state, params=None):
    del params
    return jax.tree.map(jnp.zeros_like, updates), state
  return GradientTransformation(init_empty_state, update_fn)


def stateless(f: Callable[[Updates, Optional[Params]], Updates]
              ) -> GradientTransformation:
  """Builds a stateless transformation from ``f(updates, params) -> updates``."""
  def update_fn(updates, state, params=None):
    del state
    return f(updates, params), EmptyState()
  return GradientTransformation(init_empty_state, update_fn)


def stateless_with_tree_map(f: Callable[[Any, Any], Any]) -> GradientTransformation:
  """Like ``stateless`` but ``f(update_leaf, param_leaf_or_None)`` acts per leaf.

  >>> import jaxlite.numpy as jnp
  >>> import jaxlite.optax as optax
  >>> tx = optax.stateless_with_tree_map(lambda g, p: g + 0.1 * p)
  >>> tx.update(jnp.zeros(2), tx.init(None), jnp.array([10., 20.]))[0]
  Array([1., 2.], dtype=float32)
  """
  def update_fn(updates, state, params=None):
    del state
    if params is not None:
      return jax.tree.map(f, updates, params), EmptyState()
    return jax.tree.map(lambda u: f(u, None), updates), EmptyState()
  return GradientTransformation(init_empty_state, update_fn)


def with_extra_args_support(tx: GradientTransformation
                            ) -> GradientTransformationExtraArgs:
  """Wraps ``tx`` so that its ``update`` accepts (and ignores) extra kwargs."""
  if isinstance(tx, GradientTransformationExtraArgs):
    return tx

  def update(updates, state, params=None, **extra_args):
    del extra_args
    return tx.update(updates, state, params)
  return GradientTransformationExtraArgs(tx.init, update)
