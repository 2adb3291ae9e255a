"""``optax.losses``: loss functions."""
# ruff: noqa: F401
from jaxlite.optax._src.losses.classification import (
    convex_kl_divergence, generalized_kl_divergence, hinge_loss, kl_divergence,
    kl_divergence_with_log_targets, multiclass_hinge_loss, multiclass_perceptron_loss,
    perceptron_loss, poly_loss_cross_entropy, safe_softmax_cross_entropy,
    sigmoid_binary_cross_entropy, sigmoid_focal_loss, softmax_cross_entropy,
    softmax_cross_entropy_with_integer_labels, sparsemax_loss)
from jaxlite.optax._src.losses.ctc import ctc_loss, ctc_loss_with_forward_probs
from jaxlite.optax._src.losses.ranking import (
    ntxent, ranking_softmax_loss, triplet_margin_loss)
from jaxlite.optax._src.losses.regression import (
    cosine_distance, cosine_similarity, huber_loss, l2_loss, log_cosh, squared_error)
from jaxlite.optax._src.losses.smoothing import smooth_labels
