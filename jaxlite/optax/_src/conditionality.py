"""Transformations applied only when a condition holds: on chosen steps, or when the
updates are finite."""
from __future__ import annotations

from typing import Any, NamedTuple, Protocol

import jaxlite as jax
import jaxlite.numpy as jnp
from jaxlite import lax
from jaxlite.optax._src import base
from jaxlite.optax._src import numerics
from jaxlite.optax._src import tree_math as tm


class ConditionFn(Protocol):

  def __call__(self, step, **extra_args) -> Any:
    """Returns a boolean scalar: whether to transform at ``step``."""


class ConditionallyTransformState(NamedTuple):
  inner_state: Any
  step: Any


def conditionally_transform(inner: base.GradientTransformation,
                            should_transform_fn: ConditionFn,
                            forward_extra_args: bool = False
                            ) -> base.GradientTransformationExtraArgs:
  """Applies ``inner`` when ``should_transform_fn(step)``, else passes updates through."""
  inner = base.with_extra_args_support(inner)

  def init_fn(params):
    return ConditionallyTransformState(inner_state=inner.init(params),
                                       step=jnp.zeros([], dtype=jnp.int32))

  def update_fn(updates, state, params=None, **extra_args):
    def do_update(_):
      return inner.update(updates, state.inner_state, params, **extra_args)

    def reject_update(_):
      return updates, state.inner_state

    condition_kwargs = extra_args if forward_extra_args else {}
    updates, new_inner_state = lax.cond(
        should_transform_fn(state.step, **condition_kwargs), do_update, reject_update, None)
    return updates, ConditionallyTransformState(new_inner_state,
                                                numerics.safe_increment(state.step))

  return base.GradientTransformationExtraArgs(init_fn, update_fn)


class ConditionallyMaskState(NamedTuple):
  step: Any
  inner_state: base.OptState


def conditionally_mask(inner: base.GradientTransformation,
                       should_transform_fn: ConditionFn,
                       forward_extra_args: bool = False
                       ) -> base.GradientTransformationExtraArgs:
  """Applies ``inner`` when ``should_transform_fn(step)``, else emits zero updates."""
  inner = base.with_extra_args_support(inner)

  def init_fn(params):
    return ConditionallyMaskState(step=jnp.zeros([], jnp.int32),
                                  inner_state=inner.init(params))

  def update_fn(updates, state, params=None, **extra_args):
    def do_update(_):
      return inner.update(updates, state.inner_state, params, **extra_args)

    def reject_update(_):
      return tm.tree_zeros_like(updates), state.inner_state

    condition_kwargs = extra_args if forward_extra_args else {}
    updates, new_inner_state = lax.cond(
        should_transform_fn(state.step, **condition_kwargs), do_update, reject_update, None)
    return updates, ConditionallyMaskState(step=numerics.safe_increment(state.step),
                                           inner_state=new_inner_state)

  return base.GradientTransformationExtraArgs(init_fn, update_fn)


class ApplyIfFiniteState(NamedTuple):
  notfinite_count: Any
  last_finite: Any
  total_notfinite: Any
  inner_state: Any


def apply_if_finite(inner: base.GradientTransformation, max_consecutive_errors: int
                    ) -> base.GradientTransformation:
  """Skips (zero updates, unchanged inner state) steps whose updates hold NaN or inf,
  unless more than ``max_consecutive_errors`` happened in a row."""
  inner = base.with_extra_args_support(inner)

  def init(params):
    return ApplyIfFiniteState(
        notfinite_count=jnp.zeros([], jnp.int32), last_finite=jnp.array(True, jnp.bool_),
        total_notfinite=jnp.zeros([], jnp.int32), inner_state=inner.init(params))

  def update(updates, state, params=None, **extra_args):
    inner_state = state.inner_state
    leaves = jax.tree.leaves(updates)
    isfinite = jnp.all(jnp.array([jnp.all(jnp.isfinite(p)) for p in leaves]))
    notfinite_count = jnp.where(isfinite, jnp.zeros([], jnp.int32),
                                numerics.safe_increment(state.notfinite_count))

    def do_update(_):
      return inner.update(updates, inner_state, params, **extra_args)

    def reject_update(_):
      return tm.tree_zeros_like(updates), inner_state

    updates, new_inner_state = lax.cond(
        jnp.logical_or(isfinite, notfinite_count > max_consecutive_errors),
        do_update, reject_update, None)
    return updates, ApplyIfFiniteState(
        notfinite_count=notfinite_count, last_finite=isfinite,
        total_notfinite=jnp.where(isfinite, state.total_notfinite,
                                  numerics.safe_increment(state.total_notfinite)),
        inner_state=new_inner_state)

  return base.GradientTransformationExtraArgs(init=init, update=update)
