"""Line searches as gradient transformations: backtracking (Armijo) and zoom (strong
Wolfe, as in Nocedal & Wright, Algorithms 3.5-3.6). Their ``update`` needs the extra
arguments ``value`` (loss at ``params``), ``grad`` and ``value_fn``."""
from __future__ import annotations

import functools
import inspect
import operator
from typing import Any, Callable, NamedTuple, Optional

import jaxlite as jax
import jaxlite.numpy as jnp
from jaxlite import lax
from jaxlite.optax._src import base
from jaxlite.optax._src import numerics
from jaxlite.optax._src import tree_casting as tc
from jaxlite.optax._src import tree_math as tm
from jaxlite.optax._src import tree_state


def _value_dtype(params):
  return jnp.real(jnp.empty((), jax.tree.leaves(params)[0].dtype)).dtype


def _cond_print(condition, message, **kwargs):
  """``jax.debug.print(message, **kwargs)`` when ``condition`` holds."""
  lax.cond(condition, lambda _: jax.debug.print(message, **kwargs, ordered=True),
           lambda _: None, None)


def _extract_fns_kwargs(fns, kwargs):
  """Splits ``kwargs`` into those each function accepts, and the unused rest."""
  names = [list(inspect.signature(fn).parameters) for fn in fns]
  fns_kwargs = [{k: v for k, v in kwargs.items() if k in fn_names} for fn_names in names]
  all_names = functools.reduce(operator.add, names)
  return fns_kwargs, {k: v for k, v in kwargs.items() if k not in all_names}


def _check_all_consumed(remaining, name):
  if remaining:
    raise TypeError(
        f"Unexpected keyword arguments passed to `{name}.update`. These arguments were "
        f"not consumed by `value_fn`: {sorted(remaining.keys())}. Ensure that all extra "
        "keyword arguments are accepted by `value_fn`.")


class BacktrackingLinesearchInfo(NamedTuple):
  num_linesearch_steps: Any
  decrease_error: Any


class ScaleByBacktrackingLinesearchState(NamedTuple):
  learning_rate: Any
  value: Any
  grad: Optional[base.Updates]
  info: BacktrackingLinesearchInfo


class BacktrackingLineSearchState(NamedTuple):
  learning_rate: Any
  new_value: Any
  new_grad: base.Updates
  decrease_error: Any
  iter_num: Any


def scale_by_backtracking_linesearch(
    max_backtracking_steps, slope_rtol=1e-4, decrease_factor=0.8, increase_factor=1.5,
    max_learning_rate=1.0, atol=0.0, rtol=0.0, store_grad: bool = False,
    verbose: bool = False) -> base.GradientTransformationExtraArgs:
  """Shrinks the step by ``decrease_factor`` until the Armijo condition holds."""

  def init_fn(params):
    val_dtype = _value_dtype(params)
    return ScaleByBacktrackingLinesearchState(
        learning_rate=jnp.array(1.0, dtype=val_dtype),
        value=jnp.array(jnp.inf, dtype=val_dtype),
        grad=tm.tree_zeros_like(params) if store_grad else None,
        info=BacktrackingLinesearchInfo(num_linesearch_steps=jnp.asarray(0),
                                        decrease_error=jnp.array(jnp.inf, dtype=val_dtype)))

  def decrease_error_of(stepsize, slope, value, new_value):
    err = new_value - (1.0 + rtol) * value - stepsize * slope_rtol * slope
    err = jnp.where(jnp.isnan(err), jnp.inf, err)
    return jnp.maximum(err, 0.0)

  def update_fn(updates, state, params, *, value, grad, value_fn, **extra_args):
    (fn_kwargs,), remaining = _extract_fns_kwargs((value_fn,), extra_args)
    _check_all_consumed(remaining, "scale_by_backtracking_linesearch")
    slope = tm.tree_real(tm.tree_vdot(updates, tm.tree_conj(grad)))
    value_fn_ = functools.partial(value_fn, **fn_kwargs)

    def cond_fn(s):
      return ~(s.decrease_error <= atol) & (s.iter_num <= max_backtracking_steps)

    def body_fn(s):
      learning_rate = jnp.where(s.iter_num > 0, decrease_factor * s.learning_rate,
                                s.learning_rate)
      new_params = tm.tree_add_scale(params, learning_rate, updates)
      new_grad = s.new_grad
      if store_grad:
        new_value, vjp_fn = jax.vjp(value_fn_, new_params)
        decrease_error = decrease_error_of(learning_rate, slope, value, new_value)
        new_grad = lax.cond(
            (decrease_error <= atol) | (s.iter_num == max_backtracking_steps),
            lambda: vjp_fn(jnp.ones_like(new_value))[0], lambda: new_grad)
      else:
        new_value = value_fn_(new_params)
        decrease_error = decrease_error_of(learning_rate, slope, value, new_value)
      new_s = BacktrackingLineSearchState(learning_rate, new_value, new_grad,
                                          decrease_error, s.iter_num + 1)
      return tc.tree_cast_like(new_s, s)

    learning_rate = jnp.minimum(increase_factor * state.learning_rate, max_learning_rate)
    search_state = BacktrackingLineSearchState(
        learning_rate=learning_rate, new_value=value,
        new_grad=tm.tree_zeros_like(params), decrease_error=jnp.array(jnp.inf),
        iter_num=0)
    search_state = lax.while_loop(cond_fn, body_fn, search_state)
    new_learning_rate = jnp.where(jnp.isinf(search_state.decrease_error), 0.0,
                                  search_state.learning_rate)
    if verbose:
      _cond_print(search_state.decrease_error > atol,
                  "INFO: optax.scale_by_backtracking_linesearch: no stepsize with "
                  "sufficient decrease found. Value: {value}, slope: {slope}, stepsize: "
                  "{stepsize}, decrease error: {error}.", value=value, slope=slope,
                  stepsize=search_state.learning_rate, error=search_state.decrease_error)
      _cond_print(jnp.isinf(search_state.decrease_error),
                  "Using a stepsize of 0 to avoid infinite or nan values.")
    new_state = ScaleByBacktrackingLinesearchState(
        learning_rate=new_learning_rate, value=search_state.new_value,
        grad=search_state.new_grad if store_grad else None,
        info=BacktrackingLinesearchInfo(search_state.iter_num,
                                        search_state.decrease_error))
    return (tm.tree_scale(new_learning_rate, updates),
            tc.tree_cast_like(new_state, state))

  return base.GradientTransformationExtraArgs(init_fn, update_fn)


class ZoomLinesearchState(NamedTuple):
  """The search state: the current trial, the bracketing interval, the best safe step."""
  count: Any
  params: base.Params
  updates: base.Updates
  stepsize_guess: Any
  stepsize: Any
  value: Any
  grad: base.Updates
  slope: Any
  value_init: Any
  slope_init: Any
  decrease_error: Any
  curvature_error: Any
  error: Any
  interval_found: Any
  done: Any
  failed: Any
  low: Any
  value_low: Any
  slope_low: Any
  high: Any
  value_high: Any
  slope_high: Any
  cubic_ref: Any
  value_cubic_ref: Any
  safe_stepsize: Any
  safe_value: Any
  safe_grad: base.Updates


def _cubicmin(a, fa, fpa, b, fb, c, fc):
  """The minimizer of the cubic through (a, fa, fpa), (b, fb), (c, fc)."""
  C = fpa  # noqa: N806
  db, dc = b - a, c - a
  denom = (db * dc) ** 2 * (db - dc)
  d1 = jnp.array([[dc ** 2, -db ** 2], [-dc ** 3, db ** 3]])
  A, B = jnp.dot(d1, jnp.array([fb - fa - C * db, fc - fa - C * dc])) / denom  # noqa: N806
  radical = B * B - 3. * A * C
  return a + (-B + jnp.sqrt(radical)) / (3. * A)


def _quadmin(a, fa, fpa, b, fb):
  """The minimizer of the quadratic through (a, fa, fpa), (b, fb)."""
  db = b - a
  B = (fb - fa - fpa * db) / db ** 2  # noqa: N806
  return a - fpa / (2. * B)


def zoom_linesearch(max_linesearch_steps, max_stepsize=None, tol=0.0, increase_factor=2.0,
                    slope_rtol=1e-4, curv_rtol=0.9, approx_dec_rtol=1e-6,
                    interval_threshold=1e-5, verbose: bool = False):
  """Returns ``(init_fn, step_fn, cond_fn)`` of the zoom line search's loop."""

  def value_and_slope_on_line(value_and_grad_fn, params, stepsize, updates, fn_kwargs):
    step = tm.tree_add_scale(params, stepsize, updates)
    value_step, grad_step = value_and_grad_fn(step, **fn_kwargs)
    slope_step = tm.tree_real(tm.tree_vdot(tm.tree_conj(grad_step), updates))
    return value_step, grad_step, slope_step

  def decrease_error_of(stepsize, value_step, slope_step, value_init, slope_init):
    # Armijo's sufficient decrease, or Hager & Zhang's approximate version of it.
    err = value_step - value_init - slope_rtol * stepsize * slope_init
    if approx_dec_rtol is not None:
      approx_err = slope_step - (2 * slope_rtol - 1.) * slope_init
      delta_values = value_step - value_init - approx_dec_rtol * jnp.abs(value_init)
      err = jnp.minimum(jnp.maximum(approx_err, delta_values), err)
    err = jnp.maximum(err, 0.)
    return jnp.where(jnp.isnan(err), jnp.inf, err)

  def curvature_error_of(slope_step, slope_init):
    err = jnp.maximum(jnp.abs(slope_step) - curv_rtol * jnp.abs(slope_init), 0.)
    return jnp.where(jnp.isnan(err), jnp.inf, err)

  def report_failure(state, outside_domain):
    jax.debug.print(
        "INFO: optax.scale_by_zoom_linesearch: no stepsize satisfying the Wolfe "
        "conditions found. Value: {value}, slope: {slope}, stepsize: {stepsize}, "
        "decrease error: {dec}, curvature error: {curv}.", value=state.value_init,
        slope=state.slope_init, stepsize=state.stepsize, dec=state.decrease_error,
        curv=state.curvature_error, ordered=True)
    _cond_print(state.slope_init >= 0., "The update is not a descent direction "
                "(slope {slope} >= 0).", slope=state.slope_init)
    _cond_print(jnp.abs(state.low - state.high) <= interval_threshold,
                "The search interval shrank below the threshold.")
    _cond_print(state.safe_stepsize > 0., "Returning the stepsize {s} which decreases "
                "the value enough but misses the curvature condition.",
                s=state.safe_stepsize)
    _cond_print(outside_domain, "Even the smallest step gave an infinite or NaN value: "
                "no step is taken.")

  def try_safe_step(state):
    outside_domain = jnp.isinf(state.decrease_error)
    if verbose:
      report_failure(state, outside_domain)
    stepsize, value, grad = tm.tree_where(
        (state.safe_stepsize > 0.) | outside_domain,
        [state.safe_stepsize, state.safe_value, state.safe_grad],
        [state.stepsize, state.value, state.grad])
    final = state._replace(stepsize=stepsize, grad=grad, value=value)
    return tc.tree_cast_like(final, state)

  def search_interval(state, value_and_grad_fn, fn_kwargs):
    """Grows the step until an interval bracketing a Wolfe point is found."""
    iter_num = state.count
    new_stepsize = jnp.where(iter_num == 0, state.stepsize_guess,
                             increase_factor * state.stepsize)
    if max_stepsize is not None:
      max_stepsize_reached = new_stepsize >= max_stepsize
      new_stepsize = jnp.minimum(new_stepsize, max_stepsize)
    else:
      max_stepsize_reached = jnp.asarray(False)
    new_value, new_grad, new_slope = value_and_slope_on_line(
        value_and_grad_fn, state.params, new_stepsize, state.updates, fn_kwargs)
    decrease_error = decrease_error_of(new_stepsize, new_value, new_slope, state.value_init,
                                       state.slope_init)
    curvature_error = curvature_error_of(new_slope, state.slope_init)
    new_error = jnp.maximum(decrease_error, curvature_error)
    safe_stepsize, safe_value, safe_grad = tm.tree_where(
        decrease_error <= tol, [new_stepsize, new_value, new_grad],
        [state.safe_stepsize, state.safe_value, state.safe_grad])
    set_high_to_new = (decrease_error > 0.) | ((new_value >= state.value) & (iter_num > 0))
    set_low_to_new = (new_slope >= 0.) & ~set_high_to_new
    low, value_low, slope_low, high, value_high, slope_high = tm.tree_where(
        set_low_to_new,
        [new_stepsize, new_value, new_slope, state.stepsize, state.value, state.slope],
        [state.stepsize, state.value, state.slope, new_stepsize, new_value, new_slope])
    interval_found = set_high_to_new | set_low_to_new | (new_error <= tol)
    done = (new_error <= tol) | (max_stepsize_reached & ~interval_found)
    failed = (iter_num + 1 >= max_linesearch_steps) & ~done
    new_state = state._replace(
        count=numerics.safe_increment(iter_num), stepsize=new_stepsize, value=new_value,
        grad=new_grad, slope=new_slope, decrease_error=decrease_error,
        curvature_error=curvature_error, error=new_error,
        interval_found=jnp.asarray(interval_found), done=jnp.asarray(done),
        failed=jnp.asarray(failed), low=low, value_low=value_low, slope_low=slope_low,
        high=high, value_high=value_high, slope_high=slope_high, cubic_ref=low,
        value_cubic_ref=value_low, safe_stepsize=safe_stepsize, safe_value=safe_value,
        safe_grad=safe_grad)
    return tc.tree_cast_like(new_state, state)

  def zoom_into_interval(state, value_and_grad_fn, fn_kwargs):
    """Shrinks the bracketing interval by cubic, quadratic or bisection steps."""
    iter_num = state.count
    low, value_low, slope_low = state.low, state.value_low, state.slope_low
    high, value_high, slope_high = state.high, state.value_high, state.slope_high
    delta = jnp.abs(high - low)
    left, right = jnp.minimum(high, low), jnp.maximum(high, low)
    cubic_chk, quad_chk = 0.2 * delta, 0.1 * delta
    too_small_int = delta <= interval_threshold

    middle_cubic = _cubicmin(low, value_low, slope_low, high, value_high, state.cubic_ref,
                             state.value_cubic_ref)
    use_cubic = (middle_cubic > left + cubic_chk) & (middle_cubic < right - cubic_chk)
    middle_quad = _quadmin(low, value_low, slope_low, high, value_high)
    use_quad = ~use_cubic & (middle_quad > left + quad_chk) & (middle_quad < right - quad_chk)
    use_bisection = ~use_cubic & ~use_quad
    middle = jnp.where(use_cubic, middle_cubic, state.cubic_ref)
    middle = jnp.where(use_quad, middle_quad, middle)
    middle = jnp.where(use_bisection, (low + high) / 2., middle)

    value_middle, grad_middle, slope_middle = value_and_slope_on_line(
        value_and_grad_fn, state.params, middle, state.updates, fn_kwargs)
    decrease_error = decrease_error_of(middle, value_middle, slope_middle, state.value_init,
                                       state.slope_init)
    curvature_error = curvature_error_of(slope_middle, state.slope_init)
    new_error = jnp.maximum(decrease_error, curvature_error)
    update_safe = (decrease_error <= tol) & (value_middle < state.safe_value)
    safe_stepsize, safe_value, safe_grad = tm.tree_where(
        update_safe, [middle, value_middle, grad_middle],
        [state.safe_stepsize, state.safe_value, state.safe_grad])
    done = new_error <= tol

    set_high_to_middle = (decrease_error > 0.) | (value_middle >= value_low)
    set_high_to_low = (slope_middle * (high - low) >= 0.) & ~set_high_to_middle
    set_low_to_middle = ~set_high_to_middle
    middle_triple = [middle, value_middle, slope_middle]
    new_high = tm.tree_where(set_high_to_middle, middle_triple,
                             [high, value_high, slope_high])
    new_high = tm.tree_where(set_high_to_low, [low, value_low, slope_low], new_high)
    new_low = tm.tree_where(set_low_to_middle, middle_triple, [low, value_low, slope_low])
    cubic_ref, value_cubic_ref = tm.tree_where(set_high_to_middle | set_high_to_low,
                                               [high, value_high], [low, value_low])
    max_iter_reached = iter_num + 1 >= max_linesearch_steps
    presumably_failed = jnp.asarray(max_iter_reached) | (too_small_int & (safe_stepsize > 0.))
    new_state = state._replace(
        count=numerics.safe_increment(iter_num), stepsize=middle, value=value_middle,
        grad=grad_middle, slope=slope_middle, decrease_error=decrease_error,
        curvature_error=curvature_error, error=new_error, done=done,
        failed=presumably_failed & ~done, low=new_low[0], value_low=new_low[1],
        slope_low=new_low[2], high=new_high[0], value_high=new_high[1],
        slope_high=new_high[2], cubic_ref=cubic_ref, value_cubic_ref=value_cubic_ref,
        safe_stepsize=safe_stepsize, safe_value=safe_value, safe_grad=safe_grad)
    return tc.tree_cast_like(new_state, state)

  def init_fn(updates, params, *, value, grad, prev_stepsize=1.0,
              initial_guess_strategy: str = "one"):
    if initial_guess_strategy == "one":
      stepsize_guess = jnp.asarray(1.0)
    elif initial_guess_strategy == "keep":
      stepsize_guess = prev_stepsize
    else:
      raise ValueError(f"Unknown initial guess strategy: {initial_guess_strategy}")
    val_dtype = _value_dtype(params)
    slope = tm.tree_real(tm.tree_vdot(updates, grad))
    inf = jnp.asarray(jnp.inf)
    zero = jnp.asarray(0.0)
    return ZoomLinesearchState(
        count=jnp.asarray(0), params=params, updates=updates,
        stepsize_guess=stepsize_guess, stepsize=jnp.asarray(0.0, dtype=val_dtype),
        value=jnp.array(value, dtype=val_dtype), grad=grad, slope=slope,
        value_init=value, slope_init=slope, decrease_error=inf, curvature_error=inf,
        error=inf, interval_found=jnp.asarray(False), done=jnp.asarray(False),
        failed=jnp.asarray(False), low=zero, value_low=value, slope_low=slope, high=zero,
        value_high=value, slope_high=slope, cubic_ref=zero, value_cubic_ref=value,
        safe_stepsize=zero, safe_value=value, safe_grad=grad)

  def step_fn(state, *, value_and_grad_fn, fn_kwargs):
    kw = dict(value_and_grad_fn=value_and_grad_fn, fn_kwargs=fn_kwargs)
    new_state = lax.cond(state.interval_found,
                         functools.partial(zoom_into_interval, **kw),
                         functools.partial(search_interval, **kw), state)
    new_state = lax.cond(new_state.failed, try_safe_step, lambda x: x, new_state)
    return tc.tree_cast_like(new_state, state)

  def cond_fn(state):
    return ~(state.done | state.failed)

  return init_fn, step_fn, cond_fn


class ZoomLinesearchInfo(NamedTuple):
  num_linesearch_steps: Any
  decrease_error: Any
  curvature_error: Any


class ScaleByZoomLinesearchState(NamedTuple):
  learning_rate: Any
  value: Any
  grad: base.Updates
  info: ZoomLinesearchInfo


def scale_by_zoom_linesearch(
    max_linesearch_steps, max_learning_rate=None, tol=0.0, increase_factor=2.0,
    slope_rtol=1e-4, curv_rtol=0.9, approx_dec_rtol=1e-6, stepsize_precision=1e-5,
    initial_guess_strategy: str = "keep", verbose: bool = False
    ) -> base.GradientTransformationExtraArgs:
  """Scales the updates by a step satisfying the strong Wolfe conditions (zoom search).

  The state keeps the value and gradient at the accepted step, so the next
  iteration can reuse them through ``value_and_grad_from_state``.
  """
  init_ls, step_ls, cond_ls = zoom_linesearch(
      max_linesearch_steps=max_linesearch_steps, max_stepsize=max_learning_rate, tol=tol,
      increase_factor=increase_factor, slope_rtol=slope_rtol, curv_rtol=curv_rtol,
      approx_dec_rtol=approx_dec_rtol, interval_threshold=stepsize_precision,
      verbose=verbose)

  def init_fn(params):
    val_dtype = _value_dtype(params)
    return ScaleByZoomLinesearchState(
        learning_rate=jnp.asarray(1.0, dtype=val_dtype),
        value=jnp.asarray(jnp.inf, dtype=val_dtype), grad=tm.tree_zeros_like(params),
        info=ZoomLinesearchInfo(num_linesearch_steps=jnp.asarray(0),
                                decrease_error=jnp.asarray(jnp.inf),
                                curvature_error=jnp.asarray(jnp.inf)))

  def update_fn(updates, state, params, *, value, grad, value_fn, **extra_args):
    (fn_kwargs,), remaining = _extract_fns_kwargs((value_fn,), extra_args)
    _check_all_consumed(remaining, "scale_by_zoom_linesearch")
    init_state = init_ls(updates, params, value=value, grad=grad,
                         prev_stepsize=state.learning_rate,
                         initial_guess_strategy=initial_guess_strategy)
    final_state = lax.while_loop(
        cond_ls, functools.partial(step_ls, value_and_grad_fn=jax.value_and_grad(value_fn),
                                   fn_kwargs=fn_kwargs),
        init_state)
    learning_rate = final_state.stepsize
    new_state = ScaleByZoomLinesearchState(
        learning_rate=learning_rate, value=final_state.value, grad=final_state.grad,
        info=ZoomLinesearchInfo(final_state.count, final_state.decrease_error,
                                final_state.curvature_error))
    return tm.tree_scale(learning_rate, updates), tc.tree_cast_like(new_state, state)

  return base.GradientTransformationExtraArgs(init_fn, update_fn)


def value_and_grad_from_state(value_fn: Callable) -> Callable:
  """Like ``jax.value_and_grad(value_fn)`` but reuses the value and gradient stored in
  the optimizer ``state`` (keyword argument) when they are available.

  >>> import jaxlite.numpy as jnp
  >>> import jaxlite.optax as optax
  >>> f = lambda x: jnp.sum(x ** 2)
  >>> opt = optax.lbfgs()
  >>> params = jnp.array([1., 2.])
  >>> value_and_grad = optax.value_and_grad_from_state(f)
  >>> value_and_grad(params, state=opt.init(params))
  (Array(5., dtype=float32), Array([2., 4.], dtype=float32))
  """
  def _value_and_grad(params, *fn_args, state, **fn_kwargs):
    value = tree_state.tree_get(state, "value")
    grad = tree_state.tree_get(state, "grad")
    if value is None or grad is None:
      raise ValueError("Value or gradient not found in the state. Make sure that these "
                       "values are stored in the state by the optimizer.")
    return lax.cond(
        ~jnp.isinf(value) & ~jnp.isnan(value),
        lambda *_: (value, grad),
        lambda p, a, kwa: jax.value_and_grad(value_fn)(p, *a, **kwa),
        params, fn_args, fn_kwargs)
  return _value_and_grad
