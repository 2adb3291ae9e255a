"""Adafactor's second-moment estimate: for large matrices, a rank-1 factorization
(row and column statistics) instead of one accumulator per entry."""
from __future__ import annotations

import dataclasses
from typing import Any, Callable, NamedTuple, Optional

import numpy as np

import jaxlite as jax
import jaxlite.numpy as jnp
from jaxlite.optax._src import base
from jaxlite.optax._src import numerics


def _decay_rate_pow(i, exponent=0.8):
  """Adafactor's second-moment decay ``1 - (i + 1)**(-exponent)``."""
  t = jnp.array(i + 1, jnp.float32)
  return 1.0 - t ** (-exponent)


def _factored_dims(shape, factored: bool, min_dim_size_to_factor: int
                   ) -> Optional[tuple[int, int]]:
  """The two largest axes, if the second largest is big enough to factor."""
  if not factored or len(shape) < 2:
    return None
  sorted_dims = np.argsort(shape)
  if shape[sorted_dims[-2]] < min_dim_size_to_factor:
    return None
  return int(sorted_dims[-2]), int(sorted_dims[-1])


def _zeros_without_axis(x, axis: int):
  shape = x.shape[:axis] + x.shape[axis + 1:]
  return jnp.zeros(shape, x.dtype)


@dataclasses.dataclass
class _UpdateResult:
  update: Any
  v_row: Any
  v_col: Any
  v: Any


class FactoredState(NamedTuple):
  count: Any
  v_row: base.ArrayTree
  v_col: base.ArrayTree
  v: base.ArrayTree


def scale_by_factored_rms(factored: bool = True, decay_rate=0.8, step_offset=0,
                          min_dim_size_to_factor: int = 128, epsilon=1e-30,
                          decay_rate_fn: Callable = _decay_rate_pow
                          ) -> base.GradientTransformation:
  """Divides by the root of a (factored, for big matrices) second-moment estimate."""
  def to_state(count, result_tree):
    is_result = lambda x: isinstance(x, _UpdateResult)  # noqa: E731
    pick = lambda name: jax.tree.map(lambda o: getattr(o, name), result_tree,  # noqa: E731
                                     is_leaf=is_result)
    return FactoredState(count=count, v_row=pick("v_row"), v_col=pick("v_col"),
                         v=pick("v"))

  def init_fn(params):
    def init_leaf(param):
      dtype = param.dtype
      dims = _factored_dims(param.shape, factored, min_dim_size_to_factor)
      tiny = jnp.zeros((1,), dtype=dtype)
      if dims is not None:
        d1, d0 = dims
        return _UpdateResult(update=tiny, v_row=_zeros_without_axis(param, d0),
                             v_col=_zeros_without_axis(param, d1), v=tiny)
      return _UpdateResult(update=tiny, v_row=tiny, v_col=tiny, v=jnp.zeros_like(param))
    return to_state(jnp.zeros([], jnp.int32), jax.tree.map(init_leaf, params))

  def update_fn(grads, state, params):
    if params is None:
      raise ValueError(base.NO_PARAMS_MSG)

    def update_leaf(grad, v_row, v_col, v, param, step):
      dtype = param.dtype
      decay_rate_t = decay_rate_fn(step - step_offset, decay_rate)
      new_v_row = new_v_col = new_v = jnp.zeros((1,), dtype=dtype)
      dims = _factored_dims(param.shape, factored, min_dim_size_to_factor)
      grad_sqr = numerics.abs_sq(grad) + epsilon
      if dims is not None:
        d1, d0 = dims
        new_v_row = (decay_rate_t * v_row
                     + (1. - decay_rate_t) * jnp.mean(grad_sqr, axis=d0)).astype(dtype)
        new_v_col = (decay_rate_t * v_col
                     + (1. - decay_rate_t) * jnp.mean(grad_sqr, axis=d1)).astype(dtype)
        reduced_d1 = d1 - 1 if d1 > d0 else d1
        row_col_mean = jnp.mean(new_v_row, axis=reduced_d1, keepdims=True)
        row_factor = (new_v_row / row_col_mean) ** -0.5
        col_factor = new_v_col ** -0.5
        update = (grad * jnp.expand_dims(row_factor, axis=d0)
                  * jnp.expand_dims(col_factor, axis=d1))
      else:
        new_v = (decay_rate_t * v + (1. - decay_rate_t) * grad_sqr).astype(dtype)
        update = grad * new_v ** -0.5
      return _UpdateResult(update, new_v_row, new_v_col, new_v)

    output = jax.tree.map(lambda *args: update_leaf(*args, state.count),
                          grads, state.v_row, state.v_col, state.v, params)
    updates = jax.tree.map(lambda o: o.update, output,
                           is_leaf=lambda x: isinstance(x, _UpdateResult))
    return updates, to_state(numerics.safe_increment(state.count), output)

  return base.GradientTransformation(init_fn, update_fn)
