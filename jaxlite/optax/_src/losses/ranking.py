"""Ranking and contrastive losses: listwise softmax, NT-Xent, triplet margin."""
from __future__ import annotations

from typing import Callable, Optional

import jaxlite.numpy as jnp
from jaxlite import lax
from jaxlite.optax._src import utils
from jaxlite.optax._src.losses import nn
from jaxlite.optax._src.losses import regression


def _safe_reduce(a, where=None, reduce_fn=None):
  output = reduce_fn(a, where=where) if reduce_fn is not None else a
  if reduce_fn is jnp.mean:
    # The mean of nothing is NaN: report 0 unless the input itself had NaNs.
    is_input_valid = jnp.logical_not(jnp.any(jnp.isnan(a)))
    output = jnp.where(jnp.isnan(output) & is_input_valid, 0.0, output)
  if reduce_fn is None and where is not None:
    output = jnp.where(where, output, 0.0)
  return output


def ranking_softmax_loss(logits, labels, *, where=None, weights=None,
                         reduce_fn: Optional[Callable] = jnp.mean):
  """The listwise softmax cross-entropy of item ``logits`` against relevance ``labels``
  (last axis: the items of one list)."""
  utils.check_subdtype(logits, jnp.floating)
  labels = labels.astype(logits.dtype)
  if where is not None:
    labels = jnp.where(where, labels, jnp.zeros_like(labels))
    logits = jnp.where(where, logits, -jnp.ones_like(logits) * jnp.inf)
  if weights is not None:
    labels = labels * weights
  loss = -jnp.sum(labels * nn.log_softmax(logits, axis=-1), axis=-1, where=where)
  if where is not None:
    where = jnp.any(where, axis=-1)
  return _safe_reduce(loss, where=where, reduce_fn=reduce_fn)


def ntxent(embeddings, labels, temperature=0.07):
  """The normalized temperature-scaled cross-entropy (SimCLR's contrastive loss)."""
  utils.check_subdtype(embeddings, jnp.floating)
  if labels.shape[0] != embeddings.shape[0]:
    raise ValueError(
        "Labels and embeddings must have the same leading dimension, found "
        f"{labels.shape[0]} for labels and {embeddings.shape[0]} for embeddings.")
  xcs = regression.cosine_similarity(
      embeddings[None, :, :], embeddings[:, None, :],
      epsilon=jnp.finfo(embeddings.dtype).eps) / temperature
  matches = jnp.expand_dims(labels, 1) == jnp.expand_dims(labels, 0)
  diffs = matches ^ 1
  matches = jnp.bool_(matches - jnp.eye(matches.shape[0]))  # a sample is not its pair
  xcs_diffs = jnp.where(diffs == 1, xcs, -jnp.inf)
  xcs_matches = jnp.where(matches == 1, xcs, -jnp.inf)
  xcs_max = jnp.max(jnp.concatenate((xcs_diffs, xcs_matches), axis=-1), axis=1,
                    keepdims=True)
  xcs_shift_diffs = xcs_diffs - lax.stop_gradient(xcs_max)
  xcs_shift_matches = xcs_matches - lax.stop_gradient(xcs_max)
  denom = (jnp.sum(jnp.exp(xcs_shift_diffs), axis=1, keepdims=True)
           + jnp.exp(xcs_shift_matches))
  log_softm = xcs_shift_matches - jnp.log(denom)
  return -jnp.where(matches == 1, log_softm, 0.0).sum() / matches.sum()


def triplet_margin_loss(anchors, positives, negatives, axis: int = -1, norm_degree=2,
                        margin=1.0, eps=1e-6):
  """``max(d(a, p) - d(a, n) + margin, 0)`` with ``d`` the ``norm_degree`` distance."""
  utils.check_subdtype(anchors, jnp.floating)
  utils.check_subdtype(positives, jnp.floating)
  utils.check_subdtype(negatives, jnp.floating)

  def distance(x, y):
    return jnp.power(jnp.power(x - y, norm_degree).sum(axis) + eps, 1 / norm_degree)

  return jnp.maximum(distance(anchors, positives) - distance(anchors, negatives) + margin, 0)
