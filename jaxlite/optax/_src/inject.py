"""``inject_hyperparams``: moves an optimizer's numeric hyperparameters into its state,
so they can be read, changed between steps, or driven by schedules."""
from __future__ import annotations

import functools
import inspect
import warnings
from typing import Any, Iterable, NamedTuple, Optional, Union

import numpy as np

import jaxlite.numpy as jnp
from jaxlite.optax._src import base
from jaxlite.optax._src import numerics
from jaxlite.optax._src import tree_casting
from jaxlite.optax._src import utils


def _convert_floats(x, dtype):
  """Floats (Python or weakly typed) become ``dtype``; strongly typed arrays and
  integers are left alone."""
  if utils.is_array(x) and not getattr(x, "weak_type", False):
    return x
  current_dtype = x.dtype if hasattr(x, "dtype") else type(x)
  if jnp.issubdtype(current_dtype, jnp.floating):
    return jnp.asarray(x, dtype=dtype)
  return x


class InjectHyperparamsState(NamedTuple):
  count: Any
  hyperparams: dict
  inner_state: base.OptState


class InjectStatefulHyperparamsState(NamedTuple):
  count: Any
  hyperparams: dict
  hyperparams_states: dict
  inner_state: base.OptState


class WrappedScheduleState(NamedTuple):
  count: Any


class WrappedSchedule:
  """A plain schedule ``f(count)`` as a stateful schedule counting its own steps."""

  def __init__(self, schedule_fn: base.Schedule):
    self.schedule_fn = schedule_fn

  def init(self) -> WrappedScheduleState:
    return WrappedScheduleState(count=jnp.zeros([], jnp.int32))

  def update(self, state, **extra_args) -> WrappedScheduleState:
    del extra_args
    return WrappedScheduleState(count=numerics.safe_increment(state.count))

  def __call__(self, state, **extra_args):
    return self.schedule_fn(state.count)


def inject_hyperparams(inner_factory, static_args: Union[str, Iterable[str]] = (),
                       hyperparam_dtype: Optional[Any] = None):
  """Wraps an optimizer factory so that its numeric arguments live in the state.

  Callables become schedules evaluated at each step; ``static_args`` and booleans
  stay Python values.

  >>> import jaxlite.numpy as jnp
  >>> import jaxlite.optax as optax
  >>> opt = optax.inject_hyperparams(optax.sgd)(learning_rate=0.1)
  >>> state = opt.init(jnp.zeros(1))
  >>> state.hyperparams['learning_rate']
  Array(0.1, dtype=float32)
  >>> state.hyperparams['learning_rate'] = jnp.asarray(0.5)
  >>> opt.update(jnp.ones(1), state)[0]
  Array([-0.5], dtype=float32)
  """
  static_args = {static_args} if isinstance(static_args, str) else set(static_args)
  inner_signature = inspect.signature(inner_factory)
  if not static_args.issubset(inner_signature.parameters):
    raise ValueError(
        "`static_args` must specify a subset of `inner_factory`'s parameters. Given "
        f"`static_args`: {static_args}. `inner_factory` parameters: "
        f"{set(inner_signature.parameters.keys())}")

  @functools.wraps(inner_factory)
  def wrapped_transform(*args, **kwargs) -> base.GradientTransformationExtraArgs:
    bound = inner_signature.bind(*args, **kwargs)
    bound.apply_defaults()
    sched_hps, numeric_hps, other_hps = {}, {}, {}
    for name, value in bound.arguments.items():
      if name in static_args or isinstance(value, bool):
        other_hps[name] = value
      elif isinstance(value, base.StatefulSchedule):
        sched_hps[name] = value
      elif callable(value):
        sched_hps[name] = WrappedSchedule(value)
      elif isinstance(value, (int, float, np.ndarray)) or utils.is_array(value):
        numeric_hps[name] = value
      else:
        other_hps[name] = value

    def dtype_for(params):
      if hyperparam_dtype is not None:
        return hyperparam_dtype
      return tree_casting.tree_dtype(params, "highest")

    def init_fn(params):
      dtype = dtype_for(params)
      hparams = {k: jnp.asarray(_convert_floats(v, dtype)) for k, v in numeric_hps.items()}
      hparams_states = {k: f.init() for k, f in sched_hps.items()}
      hparams.update({k: _convert_floats(f(hparams_states[k]), dtype)
                      for k, f in sched_hps.items()})
      return InjectStatefulHyperparamsState(
          count=jnp.zeros([], jnp.int32), hyperparams=hparams,
          hyperparams_states=hparams_states,
          inner_state=inner_factory(**other_hps, **hparams).init(params))

    def update_fn(updates, state, params=None, **extra_args):
      dtype = dtype_for(params)
      hparams = {k: _convert_floats(v, dtype) for k, v in state.hyperparams.items()}
      hparams.update({k: _convert_floats(f(state.hyperparams_states[k], **extra_args), dtype)
                      for k, f in sched_hps.items()})
      hyperparams_states = {k: f.update(state.hyperparams_states[k], **extra_args)
                            for k, f in sched_hps.items()}
      inner = base.with_extra_args_support(inner_factory(**other_hps, **hparams))
      updates, inner_state = inner.update(updates, state.inner_state, params, **extra_args)
      return updates, InjectStatefulHyperparamsState(
          count=numerics.safe_increment(state.count), hyperparams=hparams,
          hyperparams_states=hyperparams_states, inner_state=inner_state)

    return base.GradientTransformationExtraArgs(init_fn, update_fn)

  return wrapped_transform


def inject_stateful_hyperparams(inner_factory, static_args=(), hyperparam_dtype=None):
  """Deprecated alias of ``inject_hyperparams``."""
  warnings.warn("inject_stateful_hyperparams is deprecated, use inject_hyperparams "
                "instead", DeprecationWarning)
  return inject_hyperparams(inner_factory, static_args, hyperparam_dtype)
