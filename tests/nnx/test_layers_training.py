"""NNX layers and training against literal outputs of the real Flax 0.12.8 (+ optax) for the
same seeds. REF (bottom) was generated with the real stack."""
import numpy as np
import pytest

import jaxlite as jax
import jaxlite.numpy as jnp
import jaxlite.random  # noqa: F401
from jaxlite import optax
from jaxlite.flax import nnx

X = jnp.linspace(-1, 1, 8).reshape(2, 4)
XI = jnp.linspace(-2, 2, 2 * 5 * 5 * 3).reshape(2, 5, 5, 3)
XS = jnp.linspace(-1, 1, 24).reshape(2, 3, 4)


def close(got, want, tol=2e-5):
  np.testing.assert_allclose(np.asarray(got, np.float64), np.asarray(want, np.float64),
                             rtol=tol, atol=tol)


def key_data(k):
  return np.asarray(jax.random.key_data(k)).tolist()


def test_rngs_streams_give_flax_keys():
  r = nnx.Rngs(0, dropout=1)
  assert [key_data(k) for k in (r.params(), r.params(), r.dropout(), r())] == REF["rngs_keys"]
  assert key_data(nnx.Rngs(3).fork().default.key[...]) == REF["fork_key"]
  close(nnx.Rngs(5).normal((3,)), REF["rngs_normal"])
  with pytest.raises(AttributeError, match="No RngStream named 'dropout'"):
    nnx.Rngs(params=0).dropout()


def test_linear_default_init_matches_flax():
  k = nnx.Linear(64, 128, rngs=nnx.Rngs(0)).kernel[...]
  assert k.shape == (64, 128) and k.dtype == np.float32
  close(k[0, :6], REF["linear64_kernel_row0"], 1e-6)
  close(k.sum(), REF["linear64_sum"], 1e-4)
  close(k.std(), REF["linear64_std"], 1e-6)
  # lecun_normal: std 1/sqrt(fan_in) (a truncated normal rescaled to that std)
  assert abs(float(k.std()) - 1 / 8) < 0.01


def test_linear_values_and_param_count():
  layer = nnx.Linear(4, 3, rngs=nnx.Rngs(0))
  close(layer.kernel[...], REF["linear_kernel"], 1e-6)
  close(layer(X), REF["linear_y"])
  assert float(jnp.abs(layer.bias[...]).sum()) == 0.0
  params = nnx.state(layer, nnx.Param)
  assert sum(v[...].size for v in jax.tree_util.tree_leaves(
      params, is_leaf=lambda x: isinstance(x, nnx.Variable))) == 15
  assert nnx.Linear(4, 3, use_bias=False, rngs=nnx.Rngs(0)).bias is None


def test_linear_general_embed_einsum():
  lg = nnx.LinearGeneral((2, 3), (4, 5), axis=(-2, -1), rngs=nnx.Rngs(1))
  assert lg.kernel.shape == (2, 3, 4, 5)
  close(lg(jnp.linspace(0, 1, 18).reshape(3, 2, 3))[0, 0], REF["lg_y"])
  e = nnx.Embed(10, 4, rngs=nnx.Rngs(2))
  close(e(jnp.array([1, 5])), REF["embed_y"])
  close(e.attend(X), REF["embed_attend"])
  with pytest.raises(ValueError, match="integer"):
    e(jnp.ones(2))
  es = nnx.Einsum("bi,io->bo", (4, 3), (3,), rngs=nnx.Rngs(5))
  close(es(X), REF["einsum_y"])


def test_conv_and_conv_transpose():
  c = nnx.Conv(3, 4, (3, 3), rngs=nnx.Rngs(3))
  y = c(XI)
  assert y.shape == (2, 5, 5, 4)
  close(y[0, 0], REF["conv_y"])
  close(y.sum(), REF["conv_y_sum"], 1e-4)
  c1 = nnx.Conv(3, 2, 3, strides=2, padding="VALID", rngs=nnx.Rngs(3))
  close(c1(XI[:, :, 0, :]), REF["conv1d_valid_y"])
  ct = nnx.ConvTranspose(3, 2, (3, 3), strides=2, rngs=nnx.Rngs(4))
  yt = ct(XI)
  assert list(yt.shape) == REF["convT_shape"]
  close(yt[0, :2, :2], REF["convT_y"])
  close(yt.sum(), REF["convT_sum"], 1e-4)


def test_norm_layers():
  close(nnx.LayerNorm(4, rngs=nnx.Rngs(0))(X * 3 + 1), REF["ln_y"])
  close(nnx.RMSNorm(4, rngs=nnx.Rngs(0))(X * 3 + 1), REF["rms_y"])
  gn = nnx.GroupNorm(4, num_groups=2, rngs=nnx.Rngs(0))
  close(gn(XI[..., :1].repeat(4, axis=-1) + jnp.arange(4.))[0, 0], REF["gn_y"])


def test_batchnorm_train_updates_stats_eval_uses_them():
  bn = nnx.BatchNorm(4, momentum=0.9, rngs=nnx.Rngs(0))
  close(bn(X * 3 + 1), REF["bn_train"])
  close(bn.mean[...], REF["bn_mean"], 1e-6)
  close(bn.var[...], REF["bn_var"], 1e-6)
  bn.eval()
  before = np.asarray(bn.mean[...])
  close(bn(X), REF["bn_eval"])
  np.testing.assert_array_equal(bn.mean[...], before)
  bn.train()
  assert bn.use_running_average is False
  bn(X)
  assert not np.array_equal(bn.mean[...], before)


def test_dropout_train_eval_and_keys():
  d = nnx.Dropout(0.5, rngs=nnx.Rngs(dropout=7))
  close(d(jnp.ones((3, 4))), REF["dropout_y"], 1e-6)
  close(nnx.Dropout(0.3)(jnp.ones((2, 5)), rngs=nnx.Rngs(dropout=3)), REF["dropout_call"], 1e-6)
  d.eval()
  np.testing.assert_array_equal(d(jnp.ones((3, 4))), np.ones((3, 4)))
  assert nnx.Dropout(0.5)(jnp.ones(3), deterministic=True).tolist() == [1.0, 1.0, 1.0]


def test_dropout_without_rng_raises_flax_error():
  with pytest.raises(ValueError, match="no `rngs` argument was provided to Dropout"):
    nnx.Dropout(0.5)(jnp.ones(3))


def test_multi_head_attention():
  mha = nnx.MultiHeadAttention(2, 4, qkv_features=8, decode=False, rngs=nnx.Rngs(6))
  close(mha(XS)[0], REF["mha_y"])
  causal = nnx.make_causal_mask(jnp.ones((2, 3)))
  close(mha(XS, mask=causal)[0], REF["mha_causal"])
  mhd = nnx.MultiHeadAttention(2, 4, qkv_features=8, dropout_rate=0.5, decode=False,
                               rngs=nnx.Rngs(6))
  close(mhd(XS, deterministic=False)[0], REF["mha_dropout"])


def test_attention_decode_cache_matches_causal_full_pass():
  dec = nnx.MultiHeadAttention(2, 4, qkv_features=8, decode=True, rngs=nnx.Rngs(6))
  dec.init_cache((2, 3, 4))
  steps = jnp.concatenate([dec(XS[:, i:i + 1]) for i in range(3)], axis=1)
  assert int(dec.cache_index[...]) == 3
  full = dec(XS, decode=False, mask=nnx.make_causal_mask(jnp.ones((2, 3))))
  close(steps, full, 1e-5)
  with pytest.raises(ValueError, match="cache shape error"):
    dec(XS)


@pytest.mark.parametrize("layer,x,expected", [
    (lambda: nnx.Linear(3, 4, rngs=nnx.Rngs(0)), jnp.ones((2, 5)), r"Linear\(in_features=3\)"),
    (lambda: nnx.Conv(3, 4, 3, rngs=nnx.Rngs(0)), jnp.ones((2, 6, 2)), r"Conv\(in_features=3"),
    (lambda: nnx.LayerNorm(3, rngs=nnx.Rngs(0)), jnp.ones((2, 5)), r"LayerNorm\(num_features=3"),
    (lambda: nnx.BatchNorm(3, rngs=nnx.Rngs(0)), jnp.ones((2, 5)), r"BatchNorm\(num_features=3"),
])
def test_wrong_feature_size_error_names_layer_and_shapes(layer, x, expected):
  with pytest.raises(TypeError, match=expected) as info:
    layer()(x)
  assert "3" in str(info.value) and str(tuple(x.shape)) in str(info.value)


def test_sequential_and_activations():
  model = nnx.Sequential(nnx.Linear(4, 3, rngs=nnx.Rngs(0)), nnx.relu)
  close(model(X), np.maximum(np.asarray(REF["linear_y"]), 0))
  assert nnx.selu is jax.nn.selu and nnx.gelu is jax.nn.gelu


def test_pooling_matches_flax():
  x = jnp.arange(2 * 5 * 5 * 3, dtype=jnp.float32).reshape(2, 5, 5, 3)
  assert nnx.avg_pool(x, (2, 2), (2, 2)).shape == (2, 2, 2, 3)
  assert float(nnx.avg_pool(x, (2, 2), (2, 2)).sum()) == 1572.0
  assert float(nnx.max_pool(x, (3, 3), padding="SAME").sum()) == 13335.0
  assert float(nnx.avg_pool(x, (3, 3), padding="SAME", count_include_pad=False).sum()) == 11175.0
  assert float(nnx.min_pool(x[0], (2, 2)).sum()) == 1344.0


class MLP(nnx.Module):
  def __init__(self, rngs, bn=True):
    self.l1 = nnx.Linear(4, 8, rngs=rngs)
    self.bn = nnx.BatchNorm(8, rngs=rngs) if bn else nnx.data(None)
    self.do = nnx.Dropout(0.2, rngs=rngs)
    self.l2 = nnx.Linear(8, 3, rngs=rngs)

  def __call__(self, x):
    h = self.l1(x)
    if self.bn is not None:
      h = self.bn(h)
    return self.l2(self.do(nnx.relu(h)))


@pytest.mark.parametrize("name", ["sgd", "adam"])
def test_training_steps_match_flax_optax(name):
  tx, bn = {"sgd": (optax.sgd(0.1, momentum=0.9), True), "adam": (optax.adam(1e-2), False)}[name]
  model = MLP(nnx.Rngs(0), bn)
  opt = nnx.Optimizer(model, tx, wrt=nnx.Param)
  metrics = nnx.MultiMetric(loss=nnx.metrics.Average("loss"), acc=nnx.metrics.Accuracy())
  x = np.linspace(-1, 1, 32, dtype=np.float32).reshape(8, 4)
  y = np.array([0, 1, 2, 0, 1, 2, 0, 1], np.int32)

  @nnx.jit
  def step(model, opt, metrics, x, y):
    def loss_fn(model):
      logits = model(x)
      return optax.softmax_cross_entropy_with_integer_labels(logits, y).mean(), logits
    (loss, logits), grads = nnx.value_and_grad(loss_fn, has_aux=True)(model)
    opt.update(model, grads)
    metrics.update(loss=loss, logits=logits, labels=y)
    return loss

  close([float(step(model, opt, metrics, x, y)) for _ in range(4)], REF[name + "_losses"], 1e-5)
  close(model.l2.kernel[...][:2], REF[name + "_l2"], 1e-4)
  got = {k: float(v) for k, v in metrics.compute().items()}
  close([got["loss"], got["acc"]], [REF[name + "_metrics"][k] for k in ("loss", "acc")], 1e-5)
  assert int(opt.step[...]) == 4
  model.eval()
  close(model(x[:2]), REF[name + "_eval"], 1e-4)


def test_model_and_optimizer():
  model = MLP(nnx.Rngs(1), False)
  mo = nnx.ModelAndOptimizer(model, optax.adam(1e-2))
  for _ in range(3):
    mo.update(nnx.grad(lambda m: (m(np.ones((2, 4), np.float32)) ** 2).mean())(mo.model))
  close(model.l2.kernel[...][:2], REF["mo_l2"], 1e-5)
  assert int(mo.step[...]) == 3


def test_optimizer_api_errors():
  model = nnx.Linear(2, 2, rngs=nnx.Rngs(0))
  with pytest.raises(TypeError, match="Missing required argument `wrt`"):
    nnx.Optimizer(model, optax.sgd(0.1))
  opt = nnx.Optimizer(model, optax.sgd(0.1), wrt=nnx.Param)
  with pytest.raises(TypeError, match="Missing required argument `grads`"):
    opt.update(model)
  with pytest.raises(AttributeError, match="does not have attribute 'model'"):
    opt.model


def test_metrics():
  w = nnx.metrics.Welford()
  w.update(values=jnp.arange(5.))
  w.update(values=jnp.array([2., 9.]))
  s = w.compute()
  close([float(s.mean), float(s.standard_error_of_mean), float(s.standard_deviation)],
        REF["welford"], 1e-6)
  acc = nnx.metrics.Accuracy()
  acc.update(logits=jnp.array([[0., 1.], [1., 0.]]), labels=jnp.array([1, 1]))
  assert float(acc.compute()) == 0.5
  acc.reset()
  avg = nnx.metrics.Average()
  avg.update(values=jnp.array([1., 2., 3.]), mask=jnp.array([True, False, True]))
  assert float(avg.compute()) == 2.0


def test_tabulate_lists_layers_shapes_and_counts():
  model = MLP(nnx.Rngs(0))
  mean_before = np.asarray(model.bn.mean[...])
  table = nnx.tabulate(model, jnp.ones((2, 4)))
  assert "MLP Summary" in table and "Total Parameters: 101 (408 B)" in table
  for text in ("l1", "Linear", "float32[2,4]", "float32[2,3]", "kernel: float32[4,8]",
               "mean: float32[8]", "83 (332 B)", "16 (64 B)", "RngState", "2 (12 B)"):
    assert text in table
  np.testing.assert_array_equal(model.bn.mean[...], mean_before)  # the model is untouched


REF = {'adam_eval': [[-0.8355587, -1.9277476, 1.8134118], [-0.5650276, -1.3641828, 1.2776675]],
 'adam_l2': [[-0.1985046, 0.2532924, 0.5630801], [-0.2687252, -0.7260277, 0.3028021]],
 'adam_losses': [1.979877233505249, 1.7232681512832642, 1.6489224433898926, 1.4147158861160278],
 'adam_metrics': {'acc': 0.25, 'loss': 1.6916959285736084},
 'bn_eval': [[-0.8890561, -0.7060151, -0.5229742, -0.3399332],
             [0.1568923, 0.3399332, 0.5229743, 0.7060152]],
 'bn_mean': [-0.0285714, 0.0571429, 0.1428572, 0.2285714],
 'bn_train': [[-0.9999983, -0.9999983, -0.9999983, -0.9999983],
              [0.9999983, 0.9999983, 0.9999982, 0.9999983]],
 'bn_var': [1.1938776, 1.1938776, 1.1938776, 1.1938775],
 'conv1d_valid_y': [[[1.0000296, 1.9613948], [0.6968186, 1.1915826]],
                    [[0.2420025, 0.0368641], [-0.0612084, -0.7329482]]],
 'convT_shape': [2, 10, 10, 2],
 'convT_sum': -5.2130632400512695,
 'convT_y': [[[0.1080925, -0.1682989], [-0.5331327, -0.1230031]],
             [[-0.2445507, -0.0848419], [1.0006415, 0.8598987]]],
 'conv_y': [[2.9988403, 0.5723371, 1.6476691, 0.2559209],
            [4.3394437, -0.0721109, 1.6596764, -0.8879277],
            [4.1436181, -0.070426, 1.5791364, -0.85854],
            [3.9477916, -0.0687412, 1.4985962, -0.8291524],
            [2.7843566, -0.1746131, 0.4001443, -2.1189637]],
 'conv_y_sum': -12.151284217834473,
 'dropout_call': [[1.4285715, 1.4285715, 1.4285715, 1.4285715, 1.4285715],
                  [0.0, 0.0, 1.4285715, 0.0, 1.4285715]],
 'dropout_y': [[2.0, 0.0, 2.0, 2.0], [0.0, 0.0, 0.0, 2.0], [2.0, 2.0, 2.0, 2.0]],
 'einsum_y': [[-0.3513253, -0.5658656, 0.0631934], [-0.7362702, -0.2501927, -0.0859018]],
 'embed_attend': [[-0.0697513, -0.1245033, -1.0258958, -0.1818714, 0.2944151, 0.6712908, 0.7654407,
                   0.0639588, 0.5331781, 0.04563],
                  [-0.0317059, 0.2326448, 1.5728558, 0.559607, 0.3232641, -0.9144572, -0.0460403,
                   -1.0832738, 0.0699001, -0.3957665]],
 'embed_y': [[0.1157431, -0.2329836, 0.3982472, 0.0314979],
             [0.0593658, -0.4898281, -0.8541941, -0.1028729]],
 'fork_key': [3716834203, 3481239269],
 'gn_y': [[-1.9135571, -0.60866, -1.9135559, -0.6086596],
          [-1.8084648, -0.5035678, -1.8084637, -0.5035673],
          [-1.7033722, -0.3984751, -1.7033712, -0.3984748],
          [-1.59828, -0.2933829, -1.5982789, -0.2933825],
          [-1.4931877, -0.1882906, -1.4931867, -0.1882903]],
 'lg_y': [0.0821099, 0.0999316, 0.0610633, -0.3674822, 0.0062214],
 'linear64_kernel_row0': [0.1337722, -0.1212159, -0.1005566, -0.1548141, -0.1166625, 0.0794348],
 'linear64_std': 0.12628577649593353,
 'linear64_sum': 1.20212984085083,
 'linear_kernel': [[0.5350889, -0.4848635, -0.4022262], [-0.6192563, -0.46665, 0.3177391],
                   [0.3894417, -0.546088, 0.8437893], [-0.93099, -0.67658, 0.0724705]],
 'linear_y': [[-0.1266681, 1.148877, -0.1967072], [-0.8417715, -1.3359021, 0.7538903]],
 'ln_y': [[-1.34164, -0.4472133, 0.4472132, 1.34164], [-1.34164, -0.4472134, 0.4472136, 1.3416399]],
 'mha_causal': [[0.5515975, 0.910986, 0.9444281, -0.6555082],
                [0.4283818, 0.7236054, 0.7875191, -0.5056624],
                [0.3172605, 0.5370021, 0.6356456, -0.3633071]],
 'mha_dropout': [[0.314583, 0.476011, 0.672641, -0.3185223],
                 [0.2943283, 0.5945634, 0.5895505, -0.3902714], [0.0, 0.0, 0.0, 0.0]],
 'mha_y': [[0.2805056, 0.5323762, 0.6190109, -0.3396161],
           [0.298636, 0.5347832, 0.6272901, -0.3513536],
           [0.3172605, 0.5370021, 0.6356456, -0.3633071]],
 'mo_l2': [[-0.3533186, -0.2406896, -0.2465672], [-0.6572892, -0.2948514, -0.4944734]],
 'rms_y': [[-1.6733195, -0.9561825, -0.2390456, 0.4780914],
           [0.4962917, 0.7940666, 1.0918417, 1.3896165]],
 'rngs_keys': [[1797259609, 2579123966], [928981903, 3453687069], [507451445, 1853169794],
               [4146024105, 2718843009]],
 'rngs_normal': [0.4152826, 1.1503867, -0.6650095],
 'sgd_eval': [[1.3253126, -0.4229914, -0.4283471], [0.9511743, -0.2787612, -0.3023222]],
 'sgd_l2': [[0.2407486, 0.1525108, 0.4436613], [0.5027264, 0.4289624, 0.1666075]],
 'sgd_losses': [1.0842540264129639, 1.1194801330566406, 1.0803120136260986, 1.065260648727417],
 'sgd_metrics': {'acc': 0.4375, 'loss': 1.0873267650604248},
 'welford': [3.0, 1.0301575660705566, 2.7255406379699707]}
