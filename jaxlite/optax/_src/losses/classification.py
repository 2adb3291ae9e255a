"""Classification losses: cross-entropies, hinge/perceptron, KL divergences, focal loss.

Losses are elementwise or reduce only over the class axis; averaging over a batch is
left to the caller.
"""
from __future__ import annotations

import operator
import warnings
from typing import Optional, Union

import jaxlite as jax
import jaxlite.numpy as jnp
from jaxlite.optax._src import utils
from jaxlite.optax._src.losses import nn

Axis = Union[int, tuple[int, ...], None]


def _canonicalize_axis(axis, ndim):
  axis = operator.index(axis)
  if 0 <= axis < ndim:
    return axis
  if -ndim <= axis < 0:
    return axis + ndim
  raise ValueError(f"axis {axis} is out of bounds for array of dimension {ndim}")


def sigmoid_binary_cross_entropy(logits, labels):
  """Binary cross-entropy of ``sigmoid(logits)`` against (soft) ``labels`` in [0, 1].

  >>> import jaxlite.numpy as jnp
  >>> import jaxlite.optax as optax
  >>> optax.losses.sigmoid_binary_cross_entropy(jnp.array([0., 2.]), jnp.array([1., 0.]))
  Array([0.6931472, 2.126928 ], dtype=float32)
  """
  utils.check_subdtype(logits, jnp.floating)
  labels = jnp.astype(labels, logits.dtype)
  log_p = nn.log_sigmoid(logits)
  log_not_p = nn.log_sigmoid(-logits)  # log(1 - p), computed stably
  return -labels * log_p - (1. - labels) * log_not_p


def hinge_loss(predictor_outputs, targets):
  """``max(0, 1 - predictor_outputs * targets)`` for targets in {-1, 1}."""
  return jnp.maximum(0, 1 - predictor_outputs * targets)


def perceptron_loss(predictor_outputs, targets):
  """``max(0, -predictor_outputs * targets)`` for targets in {-1, 1}."""
  utils.check_shapes_equal(predictor_outputs, targets)
  return jnp.maximum(0, -predictor_outputs * targets)


def sparsemax_loss(logits, labels):
  """The binary sparsemax loss, for labels in {0, 1}."""
  return nn.sparse_plus(jnp.where(labels, -logits, logits))


@jax.custom_jvp
def _weighted_logsoftmax(x, weights):
  """``weights * log_softmax(x)``, 0 wherever ``weights == 0`` (even for ``x = -inf``)."""
  logsoftmax_x = nn.log_softmax(x, axis=-1)
  return jnp.where(weights != 0.0, weights * logsoftmax_x, jnp.zeros_like(logsoftmax_x))


@_weighted_logsoftmax.defjvp
def _weighted_logsoftmax_jvp(primals, tangents):
  x, weights = primals
  x_dot, weights_dot = tangents
  logsoftmax_x = nn.log_softmax(x, axis=-1)
  result = jnp.where(weights != 0.0, weights * logsoftmax_x, jnp.zeros_like(logsoftmax_x))
  out_tangents = (weights * x_dot
                  - weights * jnp.sum(x_dot * nn.softmax(x, axis=-1), axis=-1, keepdims=True)
                  + weights_dot * logsoftmax_x)
  return result, out_tangents


def safe_softmax_cross_entropy(logits, labels):
  """``softmax_cross_entropy`` that stays finite for ``-inf`` logits with zero labels."""
  utils.check_subdtype(logits, jnp.floating)
  return -jnp.sum(_weighted_logsoftmax(logits, labels), axis=-1)


def softmax_cross_entropy(logits, labels, axis: Axis = -1, where=None):
  """Cross-entropy of ``softmax(logits)`` against probability vectors ``labels``.

  >>> import jaxlite.numpy as jnp
  >>> import jaxlite.optax as optax
  >>> optax.losses.softmax_cross_entropy(jnp.array([[1., 2., 3.]]),
  ...                                    jnp.array([[0., 0., 1.]])).round(4)
  Array([0.4076], dtype=float32)
  """
  utils.check_subdtype(logits, jnp.floating)
  if where is not None and where.ndim != logits.ndim:
    where = jnp.expand_dims(where, axis)
  log_probs = nn.log_softmax(logits, axis, where)
  return -(labels * log_probs).sum(axis, where=where)


def softmax_cross_entropy_with_integer_labels(logits, labels, axis: Axis = -1,
                                              where=None):
  """Cross-entropy of ``softmax(logits)`` against integer class ``labels``.

  ``axis`` names the class axis (or axes, flattened together).

  >>> import jaxlite.numpy as jnp
  >>> import jaxlite.optax as optax
  >>> optax.losses.softmax_cross_entropy_with_integer_labels(
  ...     jnp.array([[1., 2., 3.], [0., 0., 0.]]), jnp.array([2, 0])).round(4)
  Array([0.4076, 1.0986], dtype=float32)
  """
  utils.check_subdtype(logits, jnp.floating)
  utils.check_subdtype(labels, jnp.integer)
  if where is not None and where.ndim != logits.ndim:
    where = jnp.expand_dims(where, axis)
  if isinstance(axis, int):
    axis = _canonicalize_axis(axis, logits.ndim)
  elif isinstance(axis, tuple):
    # Move the class axes last and merge them into one.
    logit_axis = tuple(_canonicalize_axis(a, logits.ndim) for a in axis)
    batch_axis = tuple(a for a in range(logits.ndim) if a not in logit_axis)
    axis = len(batch_axis)
    logits = logits.transpose(batch_axis + logit_axis)
    logits = logits.reshape(logits.shape[:len(batch_axis)] + (-1,))
    if where is not None:
      where = where.transpose(batch_axis + logit_axis)
      where = where.reshape(where.shape[:len(batch_axis)] + (-1,))
  else:
    raise ValueError("Keyword argument 'axis' must be of type 'int' or 'tuple[int, ...]' "
                     f"but actual type is {type(axis)}.")
  label_logits = jnp.take_along_axis(logits, jnp.expand_dims(labels, axis),
                                     axis=axis).take(0, axis=axis)
  log_normalizers = nn.logsumexp(logits, axis=axis, where=where)
  out = log_normalizers - label_logits
  if where is not None:
    out = jnp.where(jnp.any(where, axis), out, 0.0)
  return out


def multiclass_hinge_loss(scores, labels):
  """``max_k (scores_k + 1[k != label]) - scores_label``."""
  one_hot_labels = nn.one_hot(labels, scores.shape[-1])
  return (jnp.max(scores + 1.0 - one_hot_labels, axis=-1)
          - jnp.sum(scores * one_hot_labels, axis=-1))


def multiclass_perceptron_loss(scores, labels):
  """``max_k scores_k - scores_label``."""
  one_hot_labels = nn.one_hot(labels, scores.shape[-1])
  return jnp.max(scores, axis=-1) - jnp.sum(scores * one_hot_labels, axis=-1)


def poly_loss_cross_entropy(logits, labels, *, epsilon=2.0, axis: Axis = -1, where=None):
  """PolyLoss: cross-entropy plus ``epsilon * (1 - p_t)``."""
  utils.check_subdtype(logits, jnp.floating)
  utils.check_subdtype(labels, jnp.floating)
  p = nn.softmax(logits, axis=axis, where=where)
  one_minus_pt = jnp.sum(labels * (1 - p), axis=axis, where=where)
  cross_entropy = softmax_cross_entropy(logits=logits, labels=labels, axis=axis,
                                        where=where)
  return cross_entropy + epsilon * one_minus_pt


def kl_divergence(log_predictions, targets, axis: Axis = -1, where=None):
  """``KL(targets || exp(log_predictions))``, with ``0 log 0 = 0``."""
  utils.check_subdtype(log_predictions, jnp.floating)
  utils.check_subdtype(targets, jnp.floating)
  loss = targets * (jnp.where(targets == 0, 0, jnp.log(targets)) - log_predictions)
  return jnp.sum(loss, axis=axis, where=where)


def kl_divergence_with_log_targets(log_predictions, log_targets, axis: Axis = -1,
                                   where=None):
  """``KL(exp(log_targets) || exp(log_predictions))``."""
  utils.check_subdtype(log_predictions, jnp.floating)
  utils.check_subdtype(log_targets, jnp.floating)
  loss = jnp.exp(log_targets) * (log_targets - log_predictions)
  return jnp.sum(loss, axis=axis, where=where)


def generalized_kl_divergence(log_predictions, targets, axis: Axis = -1, where=None):
  """KL divergence extended to unnormalized measures (convex in both arguments)."""
  x = kl_divergence(log_predictions, targets, axis=axis, where=where)
  y = jnp.sum(jnp.exp(log_predictions) - targets, axis=axis, where=where)
  return x + y


def convex_kl_divergence(log_predictions, targets, axis: Axis = -1, where=None):
  """Deprecated name of ``generalized_kl_divergence``."""
  warnings.warn("The function convex_kl_divergence is deprecated. Please use "
                "generalized_kl_divergence instead.", DeprecationWarning, stacklevel=2)
  return generalized_kl_divergence(log_predictions, targets, axis=axis, where=where)


def sigmoid_focal_loss(logits, labels, *, alpha: Optional[float] = None, gamma=2.0):
  """Focal loss: the binary cross-entropy down-weighted by ``(1 - p_t)**gamma``."""
  utils.check_subdtype(logits, jnp.floating)
  labels = jnp.astype(labels, logits.dtype)
  ce_loss = sigmoid_binary_cross_entropy(logits, labels)
  log_p = nn.log_sigmoid(logits)
  log_q = nn.log_sigmoid(-logits)
  # log(1 - p_t) = log((1 - labels) * p + labels * q), computed in log space.
  log_one_minus_p_t = nn.logsumexp(jnp.stack([log_p, log_q], axis=-1), axis=-1,
                                   b=jnp.stack([1 - labels, labels], axis=-1))
  loss = ce_loss * jnp.exp(gamma * log_one_minus_p_t)
  if alpha is None:
    return loss
  return (alpha * labels + (1. - alpha) * (1. - labels)) * loss
