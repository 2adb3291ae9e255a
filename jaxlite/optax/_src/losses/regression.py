"""Regression losses: squared error, Huber, log-cosh, cosine similarity/distance."""
from __future__ import annotations

from typing import Union

import jaxlite.numpy as jnp
from jaxlite.optax._src import utils

Axis = Union[int, tuple[int, ...], None]


def squared_error(predictions, targets=None):
  """``(predictions - targets)**2`` elementwise (``targets=None`` means zeros).

  >>> import jaxlite.numpy as jnp
  >>> import jaxlite.optax as optax
  >>> optax.losses.squared_error(jnp.array([1., 2.]), jnp.array([0., 0.5]))
  Array([1.  , 2.25], dtype=float32)
  """
  utils.check_subdtype(predictions, jnp.floating)
  if targets is not None:
    utils.check_shapes_equal(predictions, targets)
  errors = predictions - targets if targets is not None else predictions
  return errors ** 2


def l2_loss(predictions, targets=None):
  """Half the squared error."""
  return 0.5 * squared_error(jnp.asarray(predictions), targets)


def huber_loss(predictions, targets=None, *, delta=1.0):
  """Quadratic for errors below ``delta``, linear beyond."""
  utils.check_subdtype(predictions, jnp.floating)
  errors = predictions - targets if targets is not None else predictions
  abs_errors = jnp.abs(errors)
  quadratic = jnp.minimum(abs_errors, delta)
  linear = abs_errors - quadratic  # the part of the error beyond delta
  return 0.5 * quadratic ** 2 + delta * linear


def log_cosh(predictions, targets=None):
  """``log(cosh(error))``, computed as ``logaddexp(e, -e) - log 2`` to avoid overflow."""
  utils.check_subdtype(predictions, jnp.floating)
  errors = predictions - targets if targets is not None else predictions
  return jnp.logaddexp(errors, -errors) - jnp.log(2.0).astype(errors.dtype)


def cosine_similarity(predictions, targets, *, epsilon=0., axis: Axis = -1, where=None):
  """The cosine of the angle between ``predictions`` and ``targets`` along ``axis``."""
  utils.check_subdtype(predictions, jnp.floating)
  utils.check_subdtype(targets, jnp.floating)
  a_norm2 = jnp.square(predictions).sum(axis=axis, where=where, keepdims=True)
  b_norm2 = jnp.square(targets).sum(axis=axis, where=where, keepdims=True)
  a_unit = predictions / jnp.sqrt(a_norm2.clip(epsilon))
  b_unit = targets / jnp.sqrt(b_norm2.clip(epsilon))
  return (a_unit * b_unit).sum(axis=axis, where=where)


def cosine_distance(predictions, targets, *, epsilon=0., axis: Axis = -1, where=None):
  """``1 - cosine_similarity``."""
  utils.check_subdtype(predictions, jnp.floating)
  utils.check_subdtype(targets, jnp.floating)
  return 1. - cosine_similarity(predictions, targets, epsilon=epsilon, axis=axis,
                                where=where)
