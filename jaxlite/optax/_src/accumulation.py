"""Accumulating transformations: momentum (``trace``), moving averages (``ema``), and
gradient accumulation over several steps (``MultiSteps``)."""
from __future__ import annotations

import functools
from typing import Any, NamedTuple, Optional, Protocol, Union

import jaxlite as jax
import jaxlite.numpy as jnp
from jaxlite import lax
from jaxlite.optax._src import base
from jaxlite.optax._src import numerics
from jaxlite.optax._src import tree_casting as tc
from jaxlite.optax._src import tree_math as tm
from jaxlite.optax._src import utils

_is_none = lambda x: x is None  # noqa: E731


class TraceState(NamedTuple):
  trace: base.Params


def trace(decay, nesterov: bool = False, accumulator_dtype=None
          ) -> base.GradientTransformation:
  """Momentum: ``t = g + decay * t``; emits ``t`` (or ``g + decay * t`` with Nesterov).

  >>> import jaxlite.numpy as jnp
  >>> import jaxlite.optax as optax
  >>> tx = optax.trace(decay=0.5)
  >>> state = tx.init(jnp.zeros(1))
  >>> for _ in range(3):
  ...   updates, state = tx.update(jnp.ones(1), state)
  >>> updates
  Array([1.75], dtype=float32)
  """
  accumulator_dtype = utils.canonicalize_dtype(accumulator_dtype)

  def init_fn(params):
    return TraceState(trace=tm.tree_zeros_like(params, dtype=accumulator_dtype))

  def update_fn(updates, state, params=None):
    del params
    f = lambda g, t: g + decay * t  # noqa: E731
    new_trace = jax.tree.map(lambda g, t: None if g is None else f(g, t),
                             updates, state.trace, is_leaf=_is_none)
    updates = jax.tree.map(f, updates, new_trace) if nesterov else new_trace
    return updates, TraceState(trace=tc.tree_cast(new_trace, accumulator_dtype))
  return base.GradientTransformation(init_fn, update_fn)


class EmaState(NamedTuple):
  count: Any
  ema: base.Params


def ema(decay, debias: bool = True, accumulator_dtype=None
        ) -> base.GradientTransformation:
  """An exponential moving average of the updates, debiased by default."""
  accumulator_dtype = utils.canonicalize_dtype(accumulator_dtype)

  def init_fn(params):
    return EmaState(count=jnp.zeros([], jnp.int32),
                    ema=tm.tree_zeros_like(params, dtype=accumulator_dtype))

  def update_fn(updates, state, params=None):
    del params
    updates = new_ema = tm.tree_update_moment(updates, state.ema, decay, order=1)
    count_inc = numerics.safe_increment(state.count)
    if debias:
      updates = tm.tree_bias_correction(new_ema, decay, count_inc)
    return updates, EmaState(count=count_inc,
                             ema=tc.tree_cast(new_ema, accumulator_dtype))
  return base.GradientTransformation(init_fn, update_fn)


class ShouldSkipUpdateFunction(Protocol):

  def __call__(self, updates, gradient_step, params) -> tuple[Any, Any]:
    """Returns ``(should_skip, auxiliary_state)``; ``should_skip`` a boolean scalar."""


def skip_not_finite(updates, gradient_step, params):
  """Skips updates holding any NaN or infinity."""
  del gradient_step, params
  counts = [jnp.sum(jnp.logical_not(jnp.isfinite(p))) for p in jax.tree.leaves(updates)]
  num_not_finite = jnp.sum(jnp.array(counts))
  should_skip = num_not_finite > 0
  return should_skip, {"should_skip": should_skip, "num_not_finite": num_not_finite}


def skip_large_updates(updates, gradient_step, params, max_squared_norm):
  """Skips updates whose squared global norm is not below ``max_squared_norm``."""
  del gradient_step, params
  norm_sq = jnp.sum(jnp.array([jnp.sum(p ** 2) for p in jax.tree.leaves(updates)]))
  should_skip = jnp.logical_not(norm_sq < max_squared_norm)
  return should_skip, {"should_skip": should_skip, "norm_squared": norm_sq}


class MultiStepsState(NamedTuple):
  mini_step: Any
  gradient_step: Any
  inner_opt_state: Any
  acc_grads: Any
  skip_state: Any = ()


def _never_skip(*unused_args, **unused_kwargs):
  return jnp.array(False, dtype=jnp.bool_), ()


class MultiSteps:
  """Accumulates gradients over ``k`` mini-steps before one step of ``opt``.

  ``every_k_schedule`` is an int or a function of the gradient step. In between,
  the updates are zeros.

  >>> import jaxlite.numpy as jnp
  >>> import jaxlite.optax as optax
  >>> opt = optax.MultiSteps(optax.sgd(1.0), every_k_schedule=2)
  >>> state = opt.init(jnp.zeros(1))
  >>> u1, state = opt.update(jnp.array([1.]), state)
  >>> u2, state = opt.update(jnp.array([3.]), state)
  >>> u1, u2
  (Array([-0.], dtype=float32), Array([-2.], dtype=float32))
  """

  def __init__(self, opt: base.GradientTransformation,
               every_k_schedule: Union[int, Any], use_grad_mean: bool = True,
               should_skip_update_fn: Optional[ShouldSkipUpdateFunction] = None,
               accumulator_dtype=jnp.float32):
    self._opt = base.with_extra_args_support(opt)
    if isinstance(every_k_schedule, int):
      self._every_k_schedule = lambda step: every_k_schedule
    else:
      self._every_k_schedule = every_k_schedule
    self._use_grad_mean = use_grad_mean
    self._accumulator_dtype = utils.canonicalize_dtype(accumulator_dtype)
    if use_grad_mean:
      # A running mean, so no division by k at the end.
      self._acc_update = lambda grad, acc, *, n_acc: acc + (grad - acc) / (n_acc + 1)
    else:
      self._acc_update = lambda grad, acc, *, n_acc: grad + acc
    self._should_skip_update_fn = should_skip_update_fn or _never_skip

  @property
  def inner_opt(self):
    return self._opt

  def init(self, params) -> MultiStepsState:
    gradient_step = jnp.zeros([], dtype=jnp.int32)
    _, skip_state = self._should_skip_update_fn(tm.tree_zeros_like(params),
                                                gradient_step, params)
    return MultiStepsState(
        mini_step=jnp.zeros([], dtype=jnp.int32), gradient_step=gradient_step,
        inner_opt_state=self._opt.init(params),
        acc_grads=tm.tree_zeros_like(params, dtype=self._accumulator_dtype),
        skip_state=skip_state)

  def update(self, updates, state: MultiStepsState, params=None, **extra_args):
    k_steps = self._every_k_schedule(state.gradient_step)
    should_skip, skip_state = self._should_skip_update_fn(updates, state.gradient_step,
                                                          params)
    if (should_skip.dtype, should_skip.shape) != (jnp.bool_, ()):
      raise ValueError(
          "The `should_skip_update_fn` function should return a boolean scalar array, "
          f"but it returned an array of dtype {should_skip.dtype} and shape "
          f"{should_skip.shape}")

    def do_update(updates, state, params):
      acc_grads = jax.tree.map(
          lambda upd, acc: self._acc_update(upd, acc, n_acc=state.mini_step),
          updates, state.acc_grads)
      final_updates, new_inner_state = self._opt.update(
          tc.tree_cast_like(acc_grads, updates), state.inner_opt_state, params=params,
          **extra_args)
      emit = state.mini_step == (k_steps - 1)
      new_state = MultiStepsState(
          mini_step=numerics.safe_increment(state.mini_step) % k_steps,
          gradient_step=(emit * numerics.safe_increment(state.gradient_step)
                         + (1 - emit) * state.gradient_step),
          inner_opt_state=jax.tree.map(
              lambda st, nst: jnp.astype(jnp.where(emit, nst, st), st.dtype),
              state.inner_opt_state, new_inner_state),
          acc_grads=jax.tree.map(
              lambda ga: jnp.astype((1 - emit) * ga, self._accumulator_dtype), acc_grads),
          skip_state=skip_state)
      return jax.tree.map(lambda ga: emit * ga, final_updates), new_state

    def skip_update(updates, state, params):
      static_args = {k: v for k, v in extra_args.items() if not utils.is_array(v)}
      dyn_args = {k: v for k, v in extra_args.items() if utils.is_array(v)}
      eval_fn = functools.partial(self._opt.update, **static_args)
      acc_grads = tc.tree_cast_like(state.acc_grads, updates)
      out_shapes, _ = jax.eval_shape(eval_fn, acc_grads, state.inner_opt_state,
                                     params=params, **dyn_args)
      zero_updates = jax.tree.map(lambda s: jnp.zeros(s.shape, s.dtype), out_shapes)
      return zero_updates, state._replace(skip_state=skip_state)

    return lax.cond(should_skip, skip_update, do_update, updates, state, params)

  def has_updated(self, state) -> Any:
    """Whether the last call to ``update`` emitted an inner optimizer step."""
    return jnp.logical_and(state.mini_step == 0, state.gradient_step > 0)

  def gradient_transformation(self) -> base.GradientTransformation:
    return base.GradientTransformation(init=self.init, update=self.update)
