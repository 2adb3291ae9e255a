"""Transformations that record measurements of the updates in their state."""
from __future__ import annotations

from typing import Any, Callable, NamedTuple

from jaxlite.optax._src import accumulation
from jaxlite.optax._src import base
from jaxlite.optax._src import combine


class SnapshotState(NamedTuple):
  measurement: dict[str, Any]


def snapshot(measure_name: str, measure: Callable) -> base.GradientTransformation:
  """Stores ``measure(updates)`` in the state under ``measure_name``."""
  def init(params):
    return SnapshotState({measure_name: measure(params)})

  def update(updates, state, params=None):
    del params, state
    return updates, SnapshotState({measure_name: measure(updates)})
  return base.GradientTransformation(init, update)


class MonitorState(NamedTuple):
  measurements: dict[str, Any]
  measure_states: tuple


def monitor(measures: dict) -> base.GradientTransformationExtraArgs:
  """Records each measure (a function of the updates, or a transformation whose output
  is the measurement) without changing the updates."""
  wrapped = {}
  for name, measure in measures.items():
    if callable(measure):
      measure = base.stateless(lambda u, _, m=measure: m(u))
    wrapped[name] = base.with_extra_args_support(measure)
  names = tuple(wrapped)

  def init(params):
    return MonitorState({}, tuple(wrapped[name].init(params) for name in names))

  def update(updates, state, params=None, **extra_args):
    measurements, new_states = {}, []
    for i, name in enumerate(names):
      measurements[name], s = wrapped[name].update(updates, state.measure_states[i],
                                                   params, **extra_args)
      new_states.append(s)
    return updates, MonitorState(measurements, tuple(new_states))
  return base.GradientTransformationExtraArgs(init, update)


def measure_with_ema(measure: Callable, decay, debias: bool = True,
                     accumulator_dtype=None) -> base.GradientTransformationExtraArgs:
  """A transformation whose output is an EMA of ``measure(updates)`` (for ``monitor``)."""
  base_ema = accumulation.ema(decay, debias, accumulator_dtype)
  measurement_ema = base_ema._replace(init=lambda params: base_ema.init(measure(params)))
  return combine.chain(base.stateless(lambda updates, _: measure(updates)),
                       measurement_ema)
