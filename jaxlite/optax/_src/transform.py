"""Adaptive rescalings: the moment estimates behind Adam, RMSProp, AdaGrad and friends.

Every ``scale_by_*`` here is a ``GradientTransformation`` whose state holds running
statistics of past gradients; the alias optimizers chain one of them with a
learning-rate scaling.
"""
from __future__ import annotations

import functools
from typing import Any, Literal, NamedTuple

import jaxlite as jax
import jaxlite.numpy as jnp
from jaxlite import lax
from jaxlite.optax._src import base
from jaxlite.optax._src import numerics
from jaxlite.optax._src import tree_casting as tc
from jaxlite.optax._src import tree_math as tm
from jaxlite.optax._src import utils

abs_sq = numerics.abs_sq
_is_none = lambda x: x is None  # noqa: E731


def _reject_complex(params):
  if any(jnp.issubdtype(jnp.result_type(x), jnp.complexfloating)
         for x in jax.tree.leaves(params)):
    raise ValueError("This transformation does not support complex parameters.")


def _zero_count():
  return jnp.zeros([], jnp.int32)


def _nesterov_mu_hat(mu, updates, b1, count_inc):
  # Nesterov's look-ahead on the debiased first moment (NAdam's rule).
  return jax.tree.map(
      lambda m, g: b1 * m + (1 - b1) * g,
      tm.tree_bias_correction(mu, b1, numerics.safe_increment(count_inc)),
      tm.tree_bias_correction(updates, b1, count_inc))


def _scale_by_moments(mu_hat, nu_hat, eps, eps_root):
  return jax.tree.map(
      lambda m, v: None if m is None else m / (jnp.sqrt(v + eps_root) + eps),
      mu_hat, nu_hat, is_leaf=_is_none)


class ScaleByRssState(NamedTuple):
  sum_of_squares: base.Updates


def scale_by_rss(initial_accumulator_value=0.1, eps=1e-7) -> base.GradientTransformation:
  """Divides by the root of the running sum of squared gradients (AdaGrad)."""
  def init_fn(params):
    return ScaleByRssState(tm.tree_full_like(params, initial_accumulator_value))

  def update_fn(updates, state, params=None):
    del params
    sum_of_squares = jax.tree.map(lambda g, t: abs_sq(g) + t, updates,
                                  state.sum_of_squares)
    inv_sqrt = jax.tree.map(lambda t: jnp.where(t > 0, lax.rsqrt(t + eps), 0.0),
                            sum_of_squares)
    return tm.tree_mul(inv_sqrt, updates), ScaleByRssState(sum_of_squares)
  return base.GradientTransformation(init_fn, update_fn)


class ScaleByRmsState(NamedTuple):
  nu: base.Updates


class ScaleByRmsWithCountState(NamedTuple):
  count: Any
  nu: base.Updates


def _inv_root(eps, eps_in_sqrt):
  if eps_in_sqrt:
    return lambda v: lax.rsqrt(v + eps)
  return lambda v: 1 / (jnp.sqrt(v) + eps)


def scale_by_rms(decay=0.9, eps=1e-8, initial_scale=0.0, eps_in_sqrt: bool = True,
                 bias_correction: bool = False) -> base.GradientTransformation:
  """Divides by the root of an EMA of squared gradients (RMSProp)."""
  def init_fn(params):
    nu = tm.tree_full_like(params, initial_scale)
    if bias_correction:
      return ScaleByRmsWithCountState(count=_zero_count(), nu=nu)
    return ScaleByRmsState(nu=nu)

  def update_fn(updates, state, params=None):
    del params
    nu = tm.tree_update_moment_per_elem_norm(updates, state.nu, decay, 2)
    nu_hat = nu
    if bias_correction:
      count_inc = numerics.safe_increment(state.count)
      nu_hat = tm.tree_bias_correction(nu, decay, count_inc)
    scaling = jax.tree.map(_inv_root(eps, eps_in_sqrt), nu_hat)
    updates = jax.tree.map(lambda s, g: s * g, scaling, updates)
    if bias_correction:
      return updates, ScaleByRmsWithCountState(count=count_inc, nu=nu)
    return updates, ScaleByRmsState(nu=nu)
  return base.GradientTransformation(init_fn, update_fn)


class ScaleByRStdDevState(NamedTuple):
  mu: base.Updates
  nu: base.Updates


class ScaleByRStdDevWithCountState(NamedTuple):
  count: Any
  mu: base.Updates
  nu: base.Updates


def scale_by_stddev(decay=0.9, eps=1e-8, initial_scale=0.0, eps_in_sqrt: bool = True,
                    bias_correction: bool = False) -> base.GradientTransformation:
  """Divides by the root of the centered second moment (centered RMSProp)."""
  def init_fn(params):
    mu = tm.tree_zeros_like(params)
    nu = tm.tree_full_like(params, initial_scale)
    if bias_correction:
      return ScaleByRStdDevWithCountState(count=_zero_count(), mu=mu, nu=nu)
    return ScaleByRStdDevState(mu=mu, nu=nu)

  def update_fn(updates, state, params=None):
    del params
    mu = tm.tree_update_moment(updates, state.mu, decay, 1)
    nu = tm.tree_update_moment_per_elem_norm(updates, state.nu, decay, 2)
    mu_hat, nu_hat = mu, nu
    if bias_correction:
      count_inc = numerics.safe_increment(state.count)
      mu_hat = tm.tree_bias_correction(mu, decay, count_inc)
      nu_hat = tm.tree_bias_correction(nu, decay, count_inc)
    inv_root = _inv_root(eps, eps_in_sqrt)
    scaling = jax.tree.map(lambda m, n: inv_root(n - abs_sq(m)), mu_hat, nu_hat)
    updates = jax.tree.map(lambda s, g: s * g, scaling, updates)
    if bias_correction:
      return updates, ScaleByRStdDevWithCountState(count=count_inc, mu=mu, nu=nu)
    return updates, ScaleByRStdDevState(mu=mu, nu=nu)
  return base.GradientTransformation(init_fn, update_fn)


class ScaleByAdamState(NamedTuple):
  count: Any
  mu: base.Updates
  nu: base.Updates


def scale_by_adam(b1=0.9, b2=0.999, eps=1e-8, eps_root=0.0, mu_dtype=None, *,
                  nesterov: bool = False) -> base.GradientTransformation:
  """Rescales by Adam's debiased first moment over the root of the second moment.

  >>> import jaxlite.numpy as jnp
  >>> import jaxlite.optax as optax
  >>> tx = optax.scale_by_adam()
  >>> tx.update(jnp.array([0.1, -3.]), tx.init(jnp.zeros(2)))[0]
  Array([ 0.9999933, -0.9999934], dtype=float32)
  """
  mu_dtype = utils.canonicalize_dtype(mu_dtype)

  def init_fn(params):
    return ScaleByAdamState(count=_zero_count(),
                            mu=tm.tree_zeros_like(params, dtype=mu_dtype),
                            nu=tm.tree_zeros_like(params))

  def update_fn(updates, state, params=None):
    del params
    mu = tm.tree_update_moment(updates, state.mu, b1, 1)
    nu = tm.tree_update_moment_per_elem_norm(updates, state.nu, b2, 2)
    count_inc = numerics.safe_increment(state.count)
    if nesterov:
      mu_hat = _nesterov_mu_hat(mu, updates, b1, count_inc)
    else:
      mu_hat = tm.tree_bias_correction(mu, b1, count_inc)
    nu_hat = tm.tree_bias_correction(nu, b2, count_inc)
    updates = _scale_by_moments(mu_hat, nu_hat, eps, eps_root)
    mu = tc.tree_cast(mu, mu_dtype)
    nu = tc.tree_cast_like(nu, state.nu)
    return updates, ScaleByAdamState(count=count_inc, mu=mu, nu=nu)
  return base.GradientTransformation(init_fn, update_fn)


class ScaleByAmsgradState(NamedTuple):
  count: Any
  mu: base.Updates
  nu: base.Updates
  nu_max: base.Updates


def scale_by_amsgrad(b1=0.9, b2=0.999, eps=1e-8, eps_root=0.0, mu_dtype=None,
                     bias_correction_mu: bool = True, bias_correction_nu: bool = True
                     ) -> base.GradientTransformation:
  """Adam with the running maximum of the second moment (AMSGrad)."""
  mu_dtype = utils.canonicalize_dtype(mu_dtype)

  def init_fn(params):
    return ScaleByAmsgradState(count=_zero_count(),
                               mu=tm.tree_zeros_like(params, dtype=mu_dtype),
                               nu=tm.tree_zeros_like(params),
                               nu_max=tm.tree_zeros_like(params))

  def update_fn(updates, state, params=None):
    del params
    mu = tm.tree_update_moment(updates, state.mu, b1, 1)
    nu = tm.tree_update_moment_per_elem_norm(updates, state.nu, b2, 2)
    count_inc = numerics.safe_increment(state.count)
    mu_hat = tm.tree_bias_correction(mu, b1, count_inc) if bias_correction_mu else mu
    nu_eff = tm.tree_bias_correction(nu, b2, count_inc) if bias_correction_nu else nu
    nu_max = jax.tree.map(jnp.maximum, state.nu_max, nu_eff)
    updates = _scale_by_moments(mu_hat, nu_max, eps, eps_root)
    mu = tc.tree_cast(mu, mu_dtype)
    return updates, ScaleByAmsgradState(count=count_inc, mu=mu, nu=nu, nu_max=nu_max)
  return base.GradientTransformation(init_fn, update_fn)


def scale_by_adamax(b1=0.9, b2=0.999, eps=1e-8) -> base.GradientTransformation:
  """Adam with the infinity norm in place of the second moment (AdaMax)."""
  def init_fn(params):
    return ScaleByAdamState(count=_zero_count(), mu=tm.tree_zeros_like(params),
                            nu=tm.tree_zeros_like(params))

  def update_fn(updates, state, params=None):
    del params
    count_inc = numerics.safe_increment(state.count)
    mu = tm.tree_update_moment(updates, state.mu, b1, 1)
    nu = tm.tree_update_infinity_moment(updates, state.nu, b2, eps)
    mu_hat = tm.tree_bias_correction(mu, b1, count_inc)
    updates = jax.tree.map(lambda m, v: m / v, mu_hat, nu)
    return updates, ScaleByAdamState(count=count_inc, mu=mu, nu=nu)
  return base.GradientTransformation(init_fn, update_fn)


class ScaleByLionState(NamedTuple):
  count: Any
  mu: base.Updates


def scale_by_lion(b1=0.9, b2=0.99, mu_dtype=None, *,
                  mode: Literal["hard", "smooth", "refined"] = "hard",
                  smooth_beta: float = 1.0) -> base.GradientTransformation:
  """The sign (``mode='hard'``) of an interpolation of gradient and momentum (Lion)."""
  mu_dtype = utils.canonicalize_dtype(mu_dtype)

  def init_fn(params):
    return ScaleByLionState(count=_zero_count(),
                            mu=tm.tree_zeros_like(params, dtype=mu_dtype))

  def direction(g, m):
    x = (1. - b1) * g + b1 * m
    if mode == "hard":
      return jnp.sign(x)
    if mode == "smooth":
      return jnp.tanh(smooth_beta * x)
    if mode == "refined":
      return jnp.where(jnp.abs(x) < 1.0, x, jnp.sign(x))
    raise ValueError(f'Unknown lion mode: {mode}. It needs to be one of '
                     '["hard", "smooth", "refined"].')

  def update_fn(updates, state, params=None):
    del params
    new_updates = jax.tree.map(direction, updates, state.mu)
    mu = tc.tree_cast(tm.tree_update_moment(updates, state.mu, b2, 1), mu_dtype)
    return new_updates, ScaleByLionState(count=numerics.safe_increment(state.count),
                                         mu=mu)
  return base.GradientTransformation(init_fn, update_fn)


class ScaleByAdaDeltaState(NamedTuple):
  e_g: base.Updates
  e_x: base.Updates


def scale_by_adadelta(rho=0.9, eps=1e-6) -> base.GradientTransformation:
  """Scales by the ratio of the RMS of past updates to the RMS of gradients."""
  def init_fn(params):
    return ScaleByAdaDeltaState(e_g=tm.tree_zeros_like(params),
                                e_x=tm.tree_zeros_like(params))

  def update_fn(updates, state, params=None):
    del params
    e_g = tm.tree_update_moment(updates, state.e_g, rho, 2)
    updates = jax.tree.map(
        lambda g, cur_e_g, prev_e_x: jnp.sqrt(prev_e_x + eps) / jnp.sqrt(cur_e_g + eps) * g,
        updates, e_g, state.e_x)
    e_x = tm.tree_update_moment(updates, state.e_x, rho, 2)
    return updates, ScaleByAdaDeltaState(e_g=e_g, e_x=e_x)
  return base.GradientTransformation(init_fn, update_fn)


class ScaleByAdanState(NamedTuple):
  m: base.Updates
  v: base.Updates
  n: base.Updates
  g: base.Updates
  t: Any


def scale_by_adan(b1=0.98, b2=0.92, b3=0.99, eps=1e-8, eps_root=0.0
                  ) -> base.GradientTransformation:
  """Adan: moments of the gradient, of its difference, and of their combination."""
  def init_fn(params):
    zeros = lambda: tm.tree_zeros_like(params)  # noqa: E731
    return ScaleByAdanState(m=zeros(), v=zeros(), n=zeros(), g=zeros(), t=_zero_count())

  def update_fn(updates, state, params=None):
    del params
    g = updates
    diff = tm.tree_where(state.t == 0, tm.tree_zeros_like(g), tm.tree_sub(g, state.g))
    m = tm.tree_update_moment(g, state.m, b1, 1)
    v = tm.tree_update_moment(diff, state.v, b2, 1)
    sq = tm.tree_add_scale(g, 1 - b2, diff)
    n = tm.tree_update_moment_per_elem_norm(sq, state.n, b3, 2)
    t = numerics.safe_increment(state.t)
    m_hat = tm.tree_bias_correction(m, b1, t)
    v_hat = tm.tree_bias_correction(v, b2, t)
    n_hat = tm.tree_bias_correction(n, b3, t)
    u = tm.tree_add_scale(m_hat, 1 - b2, v_hat)
    denom = jax.tree.map(lambda nh: jnp.sqrt(nh + eps_root) + eps, n_hat)
    return tm.tree_div(u, denom), ScaleByAdanState(m=m, v=v, n=n, g=g, t=t)
  return base.GradientTransformation(init_fn, update_fn)


class ScaleByBeliefState(NamedTuple):
  count: Any
  mu: base.Updates
  nu: base.Updates


def scale_by_belief(b1=0.9, b2=0.999, eps=1e-16, eps_root=1e-16, *,
                    nesterov: bool = False) -> base.GradientTransformation:
  """AdaBelief: the second moment tracks the gradient's deviation from its EMA."""
  def init_fn(params):
    return ScaleByBeliefState(count=_zero_count(), mu=tm.tree_zeros_like(params),
                              nu=tm.tree_zeros_like(params))

  def update_fn(updates, state, params=None):
    del params
    mu = tm.tree_update_moment(updates, state.mu, b1, 1)
    prediction_error = tm.tree_sub(updates, mu)
    nu = tm.tree_update_moment_per_elem_norm(prediction_error, state.nu, b2, 2)
    nu = jax.tree.map(lambda v: v + eps_root, nu)
    count_inc = numerics.safe_increment(state.count)
    if nesterov:
      mu_hat = _nesterov_mu_hat(mu, updates, b1, count_inc)
    else:
      mu_hat = tm.tree_bias_correction(mu, b1, count_inc)
    nu_hat = tm.tree_bias_correction(nu, b2, count_inc)
    updates = _scale_by_moments(mu_hat, nu_hat, eps, 0.0)
    return updates, ScaleByBeliefState(count=count_inc, mu=mu, nu=nu)
  return base.GradientTransformation(init_fn, update_fn)


def scale_by_yogi(b1=0.9, b2=0.999, eps=1e-3, eps_root=0.0,
                  initial_accumulator_value=1e-6) -> base.GradientTransformation:
  """Yogi: Adam whose second moment moves additively toward ``g**2``."""
  def init_fn(params):
    return ScaleByAdamState(count=_zero_count(),
                            mu=tm.tree_full_like(params, initial_accumulator_value),
                            nu=tm.tree_full_like(params, initial_accumulator_value))

  def update_fn(updates, state, params=None):
    del params
    mu = tm.tree_update_moment(updates, state.mu, b1, 1)
    nu = jax.tree.map(
        lambda g, v: v - (1 - b2) * jnp.sign(v - abs_sq(g)) * abs_sq(g),
        updates, state.nu)
    count_inc = numerics.safe_increment(state.count)
    mu_hat = tm.tree_bias_correction(mu, b1, count_inc)
    nu_hat = tm.tree_bias_correction(nu, b2, count_inc)
    updates = _scale_by_moments(mu_hat, nu_hat, eps, eps_root)
    return updates, ScaleByAdamState(count=count_inc, mu=mu, nu=nu)
  return base.GradientTransformation(init_fn, update_fn)


def scale_by_radam(b1=0.9, b2=0.999, eps=1e-8, eps_root=0.0, threshold=5.0, *,
                   nesterov: bool = False) -> base.GradientTransformation:
  """Rectified Adam: momentum only until the variance estimate is reliable."""
  ro_inf = 2. / (1. - b2) - 1.

  def rectified(ro, mu_hat, nu_hat):
    r = jnp.sqrt((ro - 4.) * (ro - 2.) * ro_inf / ((ro_inf - 4.) * (ro_inf - 2.) * ro))
    return jax.tree.map(
        lambda m, v: r.astype(m.dtype) * m / (jnp.sqrt(v + eps_root) + eps),
        mu_hat, nu_hat)

  def init_fn(params):
    return ScaleByAdamState(count=_zero_count(), mu=tm.tree_zeros_like(params),
                            nu=tm.tree_zeros_like(params))

  def update_fn(updates, state, params=None):
    del params
    mu = tm.tree_update_moment(updates, state.mu, b1, 1)
    nu = tm.tree_update_moment_per_elem_norm(updates, state.nu, b2, 2)
    count_inc = numerics.safe_increment(state.count)
    b2t = b2 ** count_inc
    ro = ro_inf - 2 * count_inc * b2t / (1 - b2t)
    if nesterov:
      mu_hat = _nesterov_mu_hat(mu, updates, b1, count_inc)
    else:
      mu_hat = tm.tree_bias_correction(mu, b1, count_inc)
    nu_hat = tm.tree_bias_correction(nu, b2, count_inc)
    updates = jax.tree.map(lambda t, f: jnp.where(ro >= threshold, t, f),
                           rectified(ro, mu_hat, nu_hat), mu_hat)
    return updates, ScaleByAdamState(count=count_inc, mu=mu, nu=nu)
  return base.GradientTransformation(init_fn, update_fn)


class ScaleByNovogradState(NamedTuple):
  count: Any
  mu: base.Updates
  nu: base.Updates


def scale_by_novograd(b1=0.9, b2=0.25, eps=1e-8, eps_root=0.0, weight_decay=0.0,
                      mu_dtype=None) -> base.GradientTransformation:
  """NovoGrad: a per-layer (per-leaf) second moment of the gradient norm."""
  mu_dtype = utils.canonicalize_dtype(mu_dtype)

  def init_fn(params):
    return ScaleByNovogradState(
        count=_zero_count(), mu=tm.tree_zeros_like(params, dtype=mu_dtype),
        nu=jax.tree.map(lambda p: jnp.asarray(0.0, dtype=p.dtype), params))

  def nu_addition(grads):
    return numerics.l2_norm(grads) ** 2

  def mu_addition(grads, params, nu):
    return grads / (jnp.sqrt(nu + eps_root) + eps) + weight_decay * params

  def init_nu(grads, nu):
    return jax.tree.map(lambda g, n: nu_addition(g).astype(n.dtype), grads, nu)

  def update_nu(grads, nu):
    return tm.tree_update_moment(jax.tree.map(nu_addition, grads), nu, b2, 1)

  def init_mu(grads, params, mu, nu):
    del mu
    return jax.tree.map(mu_addition, grads, params, nu)

  def update_mu(grads, params, mu, nu):
    additions = jax.tree.map(mu_addition, grads, params, nu)
    return jax.tree.map(lambda m, u: None if m is None else b1 * m + u, mu, additions,
                        is_leaf=_is_none)

  def update_fn(updates, state, params):
    count_inc = numerics.safe_increment(state.count)
    # The first step initializes the moments with the statistics themselves.
    nu = lax.cond(count_inc == 1, init_nu, update_nu, updates, state.nu)
    mu = lax.cond(count_inc == 1, init_mu, update_mu, updates, params, state.mu, nu)
    mu = tc.tree_cast(mu, mu_dtype)
    return mu, ScaleByNovogradState(count=count_inc, mu=mu, nu=nu)
  return base.GradientTransformation(init_fn, update_fn)


class ScaleBySM3State(NamedTuple):
  mu: base.Updates
  nu: base.Updates


def _zeros_like_axis(x, axis: int):
  # One accumulator per index of ``axis``: the shape of a sum over the other axes.
  return jnp.zeros((x.shape[axis],), x.dtype)


def _other_axes(idx, ndim):
  return tuple(range(idx)) + tuple(range(idx + 1, ndim))


def scale_by_sm3(b1=0.9, b2=1.0, eps=1e-8) -> base.GradientTransformation:
  """SM3: memory-efficient AdaGrad with one accumulator per row/column/... index."""
  def init_fn(params):
    _reject_complex(params)
    mu = jax.tree.map(lambda p: [_zeros_like_axis(p, i) for i in range(p.ndim)], params)
    return ScaleBySM3State(mu, tm.tree_zeros_like(params))

  def expanded_shape(shape, axis):
    return [1] * axis + [shape[axis]] + [1] * (len(shape) - axis - 1)

  def new_accum(g, v):
    coeffs = ((1.0 - b2) if b2 != 1.0 else 1.0, b2)
    if g.ndim < 2:
      return coeffs[0] * g ** 2 + coeffs[1] * v[0]
    return coeffs[0] * g ** 2 + coeffs[1] * functools.reduce(jnp.minimum, v)

  def new_mu(g, i):
    return g if g.ndim < 2 else jnp.max(g, axis=_other_axes(i, g.ndim))

  def update_fn(updates, state, params=None):
    del params
    mu = jax.tree.map(
        lambda g, v: [jnp.reshape(v[i], expanded_shape(g.shape, i)) for i in range(g.ndim)],
        updates, state.mu)
    accum = jax.tree.map(new_accum, updates, mu)
    accum_inv_sqrt = jax.tree.map(lambda t: jnp.where(t > 0, lax.rsqrt(t + eps), 0.0),
                                  accum)
    up = jax.tree.map(lambda g, a: g * a, updates, accum_inv_sqrt)
    nu = tm.tree_update_moment(up, state.nu, b1, 1)
    mu = jax.tree.map(lambda g: [new_mu(g, i) for i in range(g.ndim)], accum)
    return nu, ScaleBySM3State(mu=mu, nu=nu)
  return base.GradientTransformation(init_fn, update_fn)
