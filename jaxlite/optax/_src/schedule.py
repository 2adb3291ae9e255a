"""Schedules: functions from the step count to a hyperparameter value (usually the
learning rate), and ways to join them."""
from __future__ import annotations

import logging
from typing import Iterable, Optional, Sequence

import jaxlite as jax
import jaxlite.numpy as jnp
from jaxlite.optax._src import base

_log = logging.getLogger(__name__)


def constant_schedule(value) -> base.Schedule:
  """Always ``value``."""
  return lambda count: value


def join_schedules(schedules: Sequence[base.Schedule], boundaries: Sequence[int]
                   ) -> base.Schedule:
  """Follows ``schedules[i]`` from ``boundaries[i-1]`` on, each restarted at step 0.

  >>> import jaxlite.optax as optax
  >>> s = optax.join_schedules([optax.constant_schedule(1.),
  ...                           optax.linear_schedule(2., 0., 4)], [3])
  >>> [float(s(i)) for i in (0, 2, 3, 5)]
  [1.0, 1.0, 2.0, 1.0]
  """
  def schedule(step):
    output = schedules[0](step)
    for boundary, sched in zip(boundaries, schedules[1:]):
      output = jnp.where(step < boundary, output, sched(step - boundary))
    return output
  return schedule


def polynomial_schedule(init_value, end_value, power, transition_steps: int,
                        transition_begin: int = 0) -> base.Schedule:
  """From ``init_value`` to ``end_value`` over ``transition_steps`` steps after
  ``transition_begin``, along ``(1 - t/T)**power``.

  >>> import jaxlite.optax as optax
  >>> s = optax.polynomial_schedule(1., 0., power=2, transition_steps=4)
  >>> [float(s(i)) for i in (0, 2, 4, 9)]
  [1.0, 0.25, 0.0, 0.0]
  """
  if transition_steps <= 0:
    _log.info("A polynomial schedule was set with a non-positive `transition_steps` "
              "value; this results in a constant schedule with value `init_value`.")
    return lambda count: init_value
  if transition_begin < 0:
    _log.info("A polynomial schedule was set with a negative `transition_begin` value; "
              "this will result in `transition_begin` falling back to `0`.")
    transition_begin = 0

  def schedule(count):
    count = jnp.clip(count - transition_begin, 0, transition_steps)
    frac = 1 - count / transition_steps
    return (init_value - end_value) * (frac ** power) + end_value
  return schedule


def linear_schedule(init_value, end_value, transition_steps: int,
                    transition_begin: int = 0) -> base.Schedule:
  """Linear interpolation from ``init_value`` to ``end_value``.

  >>> import jaxlite.optax as optax
  >>> s = optax.linear_schedule(1., 0., transition_steps=4, transition_begin=2)
  >>> [float(s(i)) for i in (0, 2, 3, 6, 10)]
  [1.0, 1.0, 0.75, 0.0, 0.0]
  """
  return polynomial_schedule(init_value=init_value, end_value=end_value, power=1,
                             transition_steps=transition_steps,
                             transition_begin=transition_begin)


def piecewise_constant_schedule(init_value, boundaries_and_scales: Optional[dict] = None
                                ) -> base.Schedule:
  """``init_value`` multiplied by ``scale`` at each boundary ``{step: scale}`` passed.

  >>> import jaxlite.optax as optax
  >>> s = optax.piecewise_constant_schedule(1., {2: 0.5, 4: 0.1})
  >>> [float(s(i)) for i in (0, 2, 4)]
  [1.0, 0.5, 0.05000000074505806]
  """
  if boundaries_and_scales is not None:
    if not all(scale >= 0. for scale in boundaries_and_scales.values()):
      raise ValueError("`piecewise_constant_schedule` expects non-negative scale factors")

  def schedule(count):
    v = init_value
    if boundaries_and_scales is not None:
      for threshold, scale in sorted(boundaries_and_scales.items()):
        indicator = jnp.maximum(0., jnp.sign(threshold - count))
        v = v * indicator + (1 - indicator) * scale * v
    return v
  return schedule


def exponential_decay(init_value, transition_steps: int, decay_rate: float,
                      transition_begin: int = 0, staircase: bool = False,
                      end_value=None) -> base.Schedule:
  """``init_value * decay_rate ** ((count - transition_begin) / transition_steps)``,
  floored (``staircase``) and bounded by ``end_value`` if given.

  >>> import jaxlite.optax as optax
  >>> s = optax.exponential_decay(1., transition_steps=2, decay_rate=0.5, staircase=True)
  >>> [float(s(i)) for i in (0, 1, 2, 5)]
  [1.0, 1.0, 0.5, 0.25]
  """
  if transition_steps <= 0:
    _log.info("An exponential schedule was set with a non-positive `transition_steps` "
              "value; this will result in a constant schedule with value `init_value`.")
    return lambda count: init_value
  if decay_rate == 0:
    _log.info("An exponential schedule was set with a zero `decay_rate` value; this "
              "will result in a constant schedule with value `init_value`.")
    return lambda count: init_value
  if transition_begin < 0:
    _log.info("An exponential schedule was set with a negative `transition_begin` "
              "value; this will result in `transition_begin` falling back to `0`.")
    transition_begin = 0
  if end_value is not None:
    clip_fn = jnp.maximum if decay_rate < 1.0 else jnp.minimum

  def schedule(count):
    decreased_count = count - transition_begin
    p = decreased_count / transition_steps
    if staircase:
      p = jnp.floor(p)
    decayed_value = jnp.where(decreased_count <= 0, init_value,
                              init_value * jnp.power(decay_rate, p))
    if end_value is not None:
      decayed_value = clip_fn(decayed_value, end_value)
    return decayed_value
  return schedule


def cosine_decay_schedule(init_value, decay_steps: int, alpha=0.0, exponent=1.0
                          ) -> base.Schedule:
  """Half a cosine from ``init_value`` down to ``alpha * init_value`` at ``decay_steps``.

  >>> import jaxlite.optax as optax
  >>> s = optax.cosine_decay_schedule(1., decay_steps=4)
  >>> [round(float(s(i)), 6) for i in (0, 1, 2, 4, 8)]
  [1.0, 0.853553, 0.5, 0.0, 0.0]
  """
  if not decay_steps > 0:
    raise ValueError("The cosine_decay_schedule requires positive decay_steps, got "
                     f"decay_steps={decay_steps!r}.")

  def schedule(count):
    # Python ints become floats so that no integer division or overflow happens.
    steps, count = jax.tree.map(lambda x: float(x) if isinstance(x, int) else x,
                                (decay_steps, count))
    count = jnp.minimum(count, steps)
    cosine_decay = 0.5 * (1 + jnp.cos(jnp.pi * count / steps))
    decayed = (1 - alpha) * cosine_decay ** exponent + alpha
    return init_value * decayed
  return schedule


def _linear_interpolate(start, end, pct):
  return (end - start) * pct + start


def _cosine_interpolate(start, end, pct):
  return end + (start - end) / 2.0 * (jnp.cos(jnp.pi * pct) + 1)


def piecewise_interpolate_schedule(interpolate_type: str, init_value,
                                   boundaries_and_scales: Optional[dict] = None
                                   ) -> base.Schedule:
  """Like ``piecewise_constant_schedule`` but interpolating (``'linear'`` or
  ``'cosine'``) between consecutive boundaries."""
  if interpolate_type == "linear":
    interpolate_fn = _linear_interpolate
  elif interpolate_type == "cosine":
    interpolate_fn = _cosine_interpolate
  else:
    raise ValueError("`interpolate_type` must be either 'cosine' or 'linear'")
  if boundaries_and_scales:
    boundaries, scales = zip(*sorted(boundaries_and_scales.items()))
    if not all(scale >= 0. for scale in scales):
      raise ValueError("`piecewise_interpolate_schedule` expects non-negative scale factors")
  else:
    boundaries, scales = (), ()

  def schedule(count):
    bounds = jnp.stack((0,) + boundaries)
    values = jnp.cumprod(jnp.stack((init_value,) + scales))
    interval_sizes = jnp.maximum(bounds[1:] - bounds[:-1], 1)
    indicator = jnp.logical_and(bounds[:-1] <= count, count < bounds[1:])
    pct = (count - bounds[:-1]) / interval_sizes
    interp_vals = interpolate_fn(values[:-1], values[1:], pct)
    return indicator.dot(interp_vals) + (bounds[-1] <= count) * values[-1]
  return schedule


def linear_onecycle_schedule(transition_steps: int, peak_value, pct_start: float = 0.3,
                             pct_final: float = 0.85, div_factor: float = 25.0,
                             final_div_factor: float = 1e4) -> base.Schedule:
  """One cycle: linearly up to ``peak_value``, down, then annealed (Smith, 2018)."""
  if transition_steps <= 0:
    raise ValueError("A linear onecycle schedule was set with a non-positive "
                     "`transition_steps`")
  return piecewise_interpolate_schedule(
      "linear", peak_value / div_factor,
      {int(pct_start * transition_steps): div_factor,
       int(pct_final * transition_steps): 1. / div_factor,
       transition_steps: 1. / final_div_factor})


def cosine_onecycle_schedule(transition_steps: int, peak_value, pct_start: float = 0.3,
                             div_factor: float = 25.0, final_div_factor: float = 1e4
                             ) -> base.Schedule:
  """One cycle with cosine interpolation: up to ``peak_value``, then down."""
  if transition_steps <= 0:
    raise ValueError("A linear onecycle schedule was set with a non-positive "
                     "`transition_steps`")
  return piecewise_interpolate_schedule(
      "cosine", peak_value / div_factor,
      {int(pct_start * transition_steps): div_factor,
       int(transition_steps): 1. / (div_factor * final_div_factor)})


def warmup_constant_schedule(init_value, peak_value, warmup_steps: int) -> base.Schedule:
  """Linear warmup to ``peak_value``, then constant."""
  return linear_schedule(init_value=init_value, end_value=peak_value,
                         transition_steps=warmup_steps)


def warmup_cosine_decay_schedule(init_value, peak_value, warmup_steps: int,
                                 decay_steps: int, end_value=0.0, exponent=1.0
                                 ) -> base.Schedule:
  """Linear warmup to ``peak_value``, then cosine decay to ``end_value`` at
  ``decay_steps`` (which counts the warmup).

  >>> import jaxlite.optax as optax
  >>> s = optax.warmup_cosine_decay_schedule(0., 1., warmup_steps=2, decay_steps=6)
  >>> [round(float(s(i)), 6) for i in (0, 1, 2, 4, 6)]
  [0.0, 0.5, 1.0, 0.5, 0.0]
  """
  alpha = 0. if peak_value == 0. else end_value / peak_value
  return join_schedules(
      [linear_schedule(init_value=init_value, end_value=peak_value,
                       transition_steps=warmup_steps),
       cosine_decay_schedule(init_value=peak_value, decay_steps=decay_steps - warmup_steps,
                             alpha=alpha, exponent=exponent)],
      [warmup_steps])


def warmup_exponential_decay_schedule(init_value, peak_value, warmup_steps: int,
                                      transition_steps: int, decay_rate,
                                      transition_begin: int = 0, staircase: bool = False,
                                      end_value=None) -> base.Schedule:
  """Linear warmup to ``peak_value``, then ``exponential_decay``."""
  return join_schedules(
      [linear_schedule(init_value=init_value, end_value=peak_value,
                       transition_steps=warmup_steps),
       exponential_decay(init_value=peak_value, transition_steps=transition_steps,
                         decay_rate=decay_rate, transition_begin=transition_begin,
                         staircase=staircase, end_value=end_value)],
      [warmup_steps])


def sgdr_schedule(cosine_kwargs: Iterable[dict]) -> base.Schedule:
  """Warm restarts: one ``warmup_cosine_decay_schedule`` per kwargs dict, back to back."""
  boundaries, schedules, step = [], [], 0
  for kwargs in cosine_kwargs:
    schedules.append(warmup_cosine_decay_schedule(**kwargs))
    step += kwargs["decay_steps"]
    boundaries.append(step)
  return join_schedules(schedules, boundaries[:-1])
