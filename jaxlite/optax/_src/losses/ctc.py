"""Connectionist temporal classification (CTC): the negative log-likelihood of a label
sequence summed over all its alignments with the frames, by the forward algorithm."""
from __future__ import annotations

import jaxlite.numpy as jnp
from jaxlite import lax
from jaxlite.optax._src import utils
from jaxlite.optax._src.losses import nn


def ctc_loss_with_forward_probs(logits, logit_paddings, labels, label_paddings, *,
                                blank_id: int = 0, log_epsilon=-1e5):
  """Returns ``(per_seq_loss, logalpha_phi, logalpha_emit)``: the loss and the forward
  log-probabilities of being in a blank (phi) or label (emit) state, per frame.

  ``logits``: [B, T, K]; ``logit_paddings``: [B, T] (1 for padding frames);
  ``labels``, ``label_paddings``: [B, N].
  """
  utils.check_rank(logits, 3)
  utils.check_rank(labels, 2)
  utils.check_shapes_equal(labels, label_paddings)
  utils.check_shapes_equal(logits[..., 0], logit_paddings)
  batchsize, _, num_classes = logits.shape
  batchsize_of_labels, maxlabellen = labels.shape
  if batchsize_of_labels != batchsize:
    raise ValueError(f"Expected `labels` to have batch size {batchsize}, got "
                     f"{batchsize_of_labels}.")

  logprobs = nn.log_softmax(logits)
  labellens = maxlabellen - jnp.sum(label_paddings, axis=1).astype(jnp.int32)
  # A repeated label needs a blank in between: no direct emit -> emit transition.
  repeat = (labels[:, :-1] == labels[:, 1:]).astype(jnp.float32)
  repeat = jnp.concatenate([repeat, jnp.zeros((batchsize, 1), jnp.float32)], axis=1)

  logprobs_phi = jnp.transpose(logprobs[:, :, blank_id:blank_id + 1], (1, 0, 2))  # [T,B,1]
  one_hot = nn.one_hot(labels, num_classes=num_classes)  # [B, N, K]
  logprobs_emit = jnp.transpose(jnp.matmul(logprobs, jnp.transpose(one_hot, (0, 2, 1))),
                                (1, 0, 2))  # [T, B, N]

  logalpha_phi_init = jnp.ones((batchsize, maxlabellen + 1)) * log_epsilon
  logalpha_phi_init = logalpha_phi_init.at[:, 0].set(0.0)
  logalpha_emit_init = jnp.ones((batchsize, maxlabellen)) * log_epsilon

  def update_phi_score(phi, added_score):
    # Going from the emit state n to the blank state n+1.
    return jnp.concatenate([phi[:, :1], jnp.logaddexp(phi[:, 1:], added_score)], axis=-1)

  def loop_body(prev, x):
    prev_phi, prev_emit = prev
    prev_phi_orig = prev_phi
    prev_phi = update_phi_score(prev_phi, prev_emit + log_epsilon * repeat)
    logprob_emit, logprob_phi, pad = x
    next_emit = jnp.logaddexp(prev_phi[:, :-1] + logprob_emit, prev_emit + logprob_emit)
    next_phi = prev_phi + logprob_phi
    next_phi = update_phi_score(next_phi,
                                prev_emit + logprob_phi + log_epsilon * (1.0 - repeat))
    pad = pad.reshape((batchsize, 1))  # padding frames leave the state unchanged
    next_emit = pad * prev_emit + (1.0 - pad) * next_emit
    next_phi = pad * prev_phi_orig + (1.0 - pad) * next_phi
    return (next_phi, next_emit), (next_phi, next_emit)

  xs = (logprobs_emit, logprobs_phi, logit_paddings.transpose((1, 0)))
  _, (logalpha_phi, logalpha_emit) = lax.scan(
      loop_body, (logalpha_phi_init, logalpha_emit_init), xs)

  # The last emit may end the sequence without a final blank.
  logalpha_phi_last = update_phi_score(logalpha_phi[-1], logalpha_emit[-1])
  logalpha_phi = logalpha_phi.at[-1].set(logalpha_phi_last)
  end_one_hot = nn.one_hot(labellens, num_classes=maxlabellen + 1)
  per_seq_loss = -jnp.sum(logalpha_phi_last * end_one_hot, axis=-1)
  return per_seq_loss, logalpha_phi, logalpha_emit


def ctc_loss(logits, logit_paddings, labels, label_paddings, *, blank_id: int = 0,
             log_epsilon=-1e5):
  """The CTC loss per sequence (see ``ctc_loss_with_forward_probs``)."""
  per_seq_loss, _, _ = ctc_loss_with_forward_probs(
      logits, logit_paddings, labels, label_paddings, blank_id=blank_id,
      log_epsilon=log_epsilon)
  return per_seq_loss
