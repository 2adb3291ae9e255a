"""Losses: values equal optax 0.2.8's on fixed inputs; gradients pass check_grads; the
namespaces (``optax.losses`` and the top-level aliases) are wired as in optax."""
import warnings

import numpy as np
import pytest

import jaxlite as jax
import jaxlite.numpy as jnp
import jaxlite.optax as optax
from jaxlite.test_util import check_grads

L = optax.losses

logits = np.array([[1.0, -2.0, 0.5, 3.0], [0.1, 0.2, -0.3, 0.0], [-5., 4., 2., 1.]], np.float32)
probs = np.array([[0.1, 0.2, 0.3, 0.4], [0.0, 0.0, 1.0, 0.0], [0.25, 0.25, 0.5, 0.0]], np.float32)
int_labels = np.array([3, 0, 1], np.int32)
mask = np.array([[True, True, False, True], [True, True, True, True], [False, True, True, True]])
bin_labels = np.array([[1., 0., 1., 0.], [0., 0., 1., 1.], [1., 1., 0., 0.]], np.float32)
preds = np.array([0.5, -1.5, 2.0, 0.0, 3.0], np.float32)
targets = np.array([0.0, 1.0, 2.5, -0.2, 0.5], np.float32)
pm = np.array([1., -1., 1., -1., 1.], np.float32)
logits3 = logits.reshape(3, 2, 2)
int_labels3 = np.array([[0, 1], [1, 1], [0, 0]], np.int32)
ctc_logits = np.sin(np.arange(2 * 6 * 4, dtype=np.float32)).reshape(2, 6, 4)
ctc_logit_pad = np.array([[0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 1, 1]], np.float32)
ctc_labels = np.array([[1, 2, 2], [3, 1, 0]], np.int32)
ctc_label_pad = np.array([[0, 0, 0], [0, 0, 1]], np.float32)
emb = np.cos(np.arange(4 * 3, dtype=np.float32)).reshape(4, 3)

# (name, loss call, output shape, values computed by optax 0.2.8)
CASES = [
    ('softmax_ce', lambda: L.softmax_cross_entropy(jnp.asarray(logits), jnp.asarray(probs)),
     (3,), [2.1522534, 1.703002, 3.4199502]),
    ('softmax_ce_where', lambda: L.softmax_cross_entropy(jnp.asarray(logits), jnp.asarray(probs * mask), where=jnp.asarray(mask)),
     (3,), [1.2929918, 1.703002, 1.1273845]),
    ('softmax_ce_axis0', lambda: L.softmax_cross_entropy(jnp.asarray(logits), jnp.asarray(probs), axis=0),
     (4,), [1.6200202, 1.2110456, 3.2543526, 0.06793842]),
    ('softmax_ce_int', lambda: L.softmax_cross_entropy_with_integer_labels(jnp.asarray(logits), jnp.asarray(int_labels)),
     (3,), [0.20225358, 1.303002, 0.16995001]),
    ('softmax_ce_int_where', lambda: L.softmax_cross_entropy_with_integer_labels(jnp.asarray(logits), jnp.asarray(int_labels), where=jnp.asarray(mask)),
     (3,), [0.13284516, 1.303002, 0.16984606]),
    ('softmax_ce_int_axis0', lambda: L.softmax_cross_entropy_with_integer_labels(jnp.asarray(logits), jnp.asarray([1, 0, 2, 1], jnp.int32), axis=0),
     (4,), [1.2429146, 6.0245457, 0.28019595, 3.169846]),
    ('softmax_ce_int_tuple_axis', lambda: L.softmax_cross_entropy_with_integer_labels(jnp.asarray(logits3), jnp.asarray([1, 3, 2], jnp.int32), axis=(1, 2)),
     (3,), [5.2022533, 1.403002, 2.16995]),
    ('safe_softmax_ce', lambda: L.safe_softmax_cross_entropy(jnp.asarray(np.where(probs > 0, logits, -np.inf)), jnp.asarray(probs)),
     (3,), [2.1522534, -0.0, 3.377037]),
    ('sigmoid_bce', lambda: L.sigmoid_binary_cross_entropy(jnp.asarray(logits), jnp.asarray(bin_labels)),
     (3, 4), [0.3132617, 0.126928, 0.474077, 3.0485873, 0.7443967, 0.7981389, 0.8543553, 0.6931472, 5.0067153, 0.01814993, 2.126928, 1.3132617]),
    ('sigmoid_focal', lambda: L.sigmoid_focal_loss(jnp.asarray(logits), jnp.asarray(bin_labels)),
     (3, 4), [0.022658054, 0.0018035624, 0.06757349, 2.7662804, 0.20515807, 0.24129127, 0.28192374, 0.1732868, 4.9399214, 5.871571e-06, 1.6500783, 0.70186836]),
    ('sigmoid_focal_alpha', lambda: L.sigmoid_focal_loss(jnp.asarray(logits), jnp.asarray(bin_labels), alpha=0.25, gamma=1.5),
     (3, 4), [0.010922795, 0.0039178613, 0.027493782, 2.1257298, 0.21236297, 0.24405468, 0.0929926, 0.06126613, 1.239134, 1.0945221e-05, 1.318645, 0.61565983]),
    ('poly_loss', lambda: L.poly_loss_cross_entropy(jnp.asarray(logits), jnp.asarray(probs), epsilon=1.5),
     (3,), [3.113712, 2.9297981, 4.517884]),
    ('kl', lambda: L.kl_divergence(jnp.asarray(np.log(probs + 0.1)), jnp.asarray(probs)),
     (3,), [-0.3259698, -0.0953102, -0.25939694]),
    ('kl_log_targets', lambda: L.kl_divergence_with_log_targets(jnp.asarray(np.log(probs + 0.1)), jnp.asarray(np.log(probs + 0.05))),
     (3,), [-0.1828809, -0.15281814, -0.17500407]),
    ('generalized_kl', lambda: L.generalized_kl_divergence(jnp.asarray(np.log(probs + 0.1)), jnp.asarray(probs)),
     (3,), [0.07403019, 0.30468982, 0.14060313]),
    ('hinge', lambda: L.hinge_loss(jnp.asarray(preds), jnp.asarray(pm)),
     (5,), [0.5, 0.0, 0.0, 1.0, 0.0]),
    ('perceptron', lambda: L.perceptron_loss(jnp.asarray(preds), jnp.asarray(pm)),
     (5,), [0.0, 0.0, 0.0, 0.0, 0.0]),
    ('sparsemax', lambda: L.sparsemax_loss(jnp.asarray(preds), jnp.asarray(pm > 0)),
     (5,), [0.0625, 0.0, 0.0, 0.25, 0.0]),
    ('multiclass_hinge', lambda: L.multiclass_hinge_loss(jnp.asarray(logits), jnp.asarray(int_labels)),
     (3,), [0.0, 1.1, 0.0]),
    ('multiclass_perceptron', lambda: L.multiclass_perceptron_loss(jnp.asarray(logits), jnp.asarray(int_labels)),
     (3,), [0.0, 0.1, 0.0]),
    ('squared_error', lambda: L.squared_error(jnp.asarray(preds), jnp.asarray(targets)),
     (5,), [0.25, 6.25, 0.25, 0.040000003, 6.25]),
    ('squared_error_none', lambda: L.squared_error(jnp.asarray(preds)),
     (5,), [0.25, 2.25, 4.0, 0.0, 9.0]),
    ('l2', lambda: L.l2_loss(jnp.asarray(preds), jnp.asarray(targets)),
     (5,), [0.125, 3.125, 0.125, 0.020000001, 3.125]),
    ('huber', lambda: L.huber_loss(jnp.asarray(preds), jnp.asarray(targets), delta=0.8),
     (5,), [0.125, 1.6800001, 0.125, 0.020000001, 1.6800001]),
    ('log_cosh', lambda: L.log_cosh(jnp.asarray(preds * 30), jnp.asarray(targets)),
     (5,), [14.306852, 45.306854, 56.806854, 0.019868076, 88.806854]),
    ('cosine_similarity', lambda: L.cosine_similarity(jnp.asarray(logits), jnp.asarray(probs), epsilon=1e-3),
     (3,), [0.50783336, -0.8017837, 0.18057877]),
    ('cosine_distance', lambda: L.cosine_distance(jnp.asarray(logits), jnp.asarray(probs), where=jnp.asarray(mask)),
     (3,), [0.4751094, 1.8017837, 0.21928]),
    ('smooth_labels', lambda: L.smooth_labels(jnp.asarray(probs), 0.1),
     (3, 4), [0.114999995, 0.205, 0.29500002, 0.385, 0.025, 0.025, 0.92499995, 0.025, 0.25, 0.25, 0.475, 0.025]),
    ('smooth_labels_where', lambda: L.smooth_labels(jnp.asarray(probs), 0.1, where=jnp.asarray(mask)),
     (3, 4), [0.123333335, 0.21333332, 0.30333334, 0.39333332, 0.025, 0.025, 0.92499995, 0.025, 0.25833333, 0.25833333, 0.48333332, 0.033333335]),
    ('ranking_softmax', lambda: L.ranking_softmax_loss(jnp.asarray(logits), jnp.asarray(bin_labels)),
     (), [5.783471]),
    ('ranking_softmax_where', lambda: L.ranking_softmax_loss(jnp.asarray(logits), jnp.asarray(bin_labels), where=jnp.asarray(mask), reduce_fn=None),
     (3,), [2.1328452, 3.106004, 0.16984604]),
    ('ntxent', lambda: L.ntxent(jnp.asarray(emb), jnp.asarray([0, 1, 0, 1], jnp.int32)),
     (), [-0.0]),
    ('triplet', lambda: L.triplet_margin_loss(jnp.asarray(emb[:2]), jnp.asarray(emb[2:]), jnp.asarray(emb[::-1][:2])),
     (2,), [0.0, 0.0]),
    ('ctc', lambda: L.ctc_loss(jnp.asarray(ctc_logits), jnp.asarray(ctc_logit_pad), jnp.asarray(ctc_labels), jnp.asarray(ctc_label_pad)),
     (2,), [5.2434397, 3.206429]),
]


@pytest.mark.parametrize("name,fn,shape,expected", CASES, ids=[c[0] for c in CASES])
def test_loss_values_match_optax(name, fn, shape, expected):
  with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    got = np.asarray(fn())
  assert got.shape == shape
  np.testing.assert_allclose(got.ravel(), expected, rtol=2e-6, atol=1e-6, equal_nan=True)


GRAD_CASES = [
    ("softmax_ce", lambda x: L.softmax_cross_entropy(x, jnp.asarray(probs)), logits),
    ("softmax_ce_int", lambda x: L.softmax_cross_entropy_with_integer_labels(
        x, jnp.asarray(int_labels)), logits),
    ("safe_softmax_ce", lambda x: L.safe_softmax_cross_entropy(x, jnp.asarray(probs)), logits),
    ("sigmoid_bce", lambda x: L.sigmoid_binary_cross_entropy(x, jnp.asarray(bin_labels)),
     logits),
    ("sigmoid_focal", lambda x: L.sigmoid_focal_loss(x, jnp.asarray(bin_labels), alpha=0.3),
     logits),
    ("poly_loss", lambda x: L.poly_loss_cross_entropy(x, jnp.asarray(probs)), logits),
    ("kl", lambda x: L.kl_divergence(x, jnp.asarray(probs)), np.log(probs + 0.1)),
    ("huber", lambda x: L.huber_loss(x, jnp.asarray(targets), delta=0.8), preds),
    ("log_cosh", lambda x: L.log_cosh(x, jnp.asarray(targets)), preds),
    ("cosine_distance", lambda x: L.cosine_distance(x, jnp.asarray(probs)), logits),
    ("ranking_softmax", lambda x: L.ranking_softmax_loss(x, jnp.asarray(bin_labels)), logits),
    ("ctc", lambda x: L.ctc_loss(x, jnp.asarray(ctc_logit_pad), jnp.asarray(ctc_labels),
                                 jnp.asarray(ctc_label_pad)), ctc_logits),
]


@pytest.mark.parametrize("name,fn,x", GRAD_CASES, ids=[c[0] for c in GRAD_CASES])
def test_loss_gradients_pass_check_grads(name, fn, x):
  x = jnp.asarray(x, jnp.float32)
  check_grads(lambda x: jnp.sum(fn(x)), (x,), order=1, modes=("fwd", "rev"), atol=2e-2,
              rtol=2e-2)


def test_safe_softmax_cross_entropy_has_finite_gradients_at_minus_infinity():
  masked_logits = jnp.asarray(np.where(probs > 0, logits, -np.inf))
  loss = lambda x: jnp.sum(L.safe_softmax_cross_entropy(x, jnp.asarray(probs)))  # noqa: E731
  grads = jax.grad(loss)(masked_logits)
  assert np.isfinite(np.asarray(grads)).all()
  assert np.isfinite(float(loss(masked_logits)))


def test_losses_are_exposed_at_top_level_like_optax():
  for name in ["softmax_cross_entropy", "softmax_cross_entropy_with_integer_labels",
               "sigmoid_binary_cross_entropy", "l2_loss", "huber_loss", "ctc_loss",
               "cosine_similarity", "smooth_labels", "safe_softmax_cross_entropy"]:
    assert getattr(optax, name) is getattr(L, name)
  assert not hasattr(optax, "kl_divergence_with_log_targets")  # only in optax.losses


def test_loss_input_checks():
  with pytest.raises(TypeError, match="subdtype"):
    L.softmax_cross_entropy_with_integer_labels(jnp.asarray(logits), jnp.asarray(probs))
  with pytest.raises(TypeError, match="subdtype"):
    L.sigmoid_binary_cross_entropy(jnp.asarray(int_labels), jnp.asarray(int_labels))
  with pytest.raises(ValueError, match="Shape mismatch"):
    L.squared_error(jnp.ones(3), jnp.ones(4))
  with pytest.raises(ValueError, match="out of bounds"):
    L.softmax_cross_entropy_with_integer_labels(jnp.asarray(logits),
                                                jnp.asarray(int_labels), axis=2)
  with pytest.raises(ValueError, match="rank 3"):
    L.ctc_loss(jnp.ones((2, 3)), jnp.ones((2, 3)), jnp.ones((2, 1)), jnp.ones((2, 1)))


def test_convex_kl_divergence_is_deprecated():
  with pytest.warns(DeprecationWarning, match="generalized_kl_divergence"):
    value = L.convex_kl_divergence(jnp.log(jnp.asarray(probs) + 0.1), jnp.asarray(probs))
  np.testing.assert_allclose(
      value, L.generalized_kl_divergence(jnp.log(jnp.asarray(probs) + 0.1),
                                         jnp.asarray(probs)))
