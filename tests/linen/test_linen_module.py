"""Module semantics: naming, setup/compact, mutability, rngs, errors (messages as Flax's)."""
import numpy as np
import pytest

import jaxlite
import jaxlite.numpy as jnp
import jaxlite.flax.linen as nn
from jaxlite.flax.core import FrozenDict, freeze
from jaxlite.flax.errors import FlaxError

KEY = jaxlite.random.PRNGKey(0)
X = jnp.arange(24.0).reshape(2, 3, 4) / 10


def tree_shapes(tree):
  return jaxlite.tree_util.tree_map(lambda a: tuple(np.shape(a)), tree)


class MLP(nn.Module):
  features: tuple = (3, 2)

  @nn.compact
  def __call__(self, x):
    for f in self.features[:-1]:
      x = nn.relu(nn.Dense(f)(x))
    return nn.Dense(self.features[-1], name="head")(x)


class Train(nn.Module):
  @nn.compact
  def __call__(self, x, train):
    x = nn.Dense(3)(x)
    x = nn.BatchNorm(use_running_average=not train, momentum=0.9)(x)
    return nn.Dropout(0.5, deterministic=not train)(x)


def test_autonaming_and_tree_structure():
  v = MLP((4, 3, 2)).init(KEY, X)
  assert tree_shapes(v) == {"params": {
      "Dense_0": {"bias": (4,), "kernel": (4, 4)},
      "Dense_1": {"bias": (3,), "kernel": (4, 3)},
      "head": {"bias": (2,), "kernel": (3, 2)}}}
  assert isinstance(v, dict) and not isinstance(v, FrozenDict)


def test_setup_lists_and_dicts_name_children():
  class S(nn.Module):
    def setup(self):
      self.layers = [nn.Dense(2), nn.Dense(3)]
      self.heads = {"a": nn.Dense(1)}

    def __call__(self, x):
      for layer in self.layers:
        x = layer(x)
      return self.heads["a"](x)

  v = S().init(KEY, X)
  assert sorted(v["params"]) == ["heads_a", "layers_0", "layers_1"]


def test_shared_module_and_external_submodule():
  class Outer(nn.Module):
    inner: nn.Module

    @nn.compact
    def __call__(self, x):
      d = nn.Dense(4)
      return self.inner(d(d(x)))

  v = Outer(nn.Dense(2)).init(KEY, X)
  assert tree_shapes(v["params"]) == {"Dense_0": {"bias": (4,), "kernel": (4, 4)},
                                      "inner": {"bias": (2,), "kernel": (4, 2)}}


def test_apply_method_bind_unbind():
  class AE(nn.Module):
    def setup(self):
      self.enc = nn.Dense(3)
      self.dec = nn.Dense(4)

    def __call__(self, x):
      return self.dec(self.enc(x))

    def encode(self, x):
      return self.enc(x)

  model = AE()
  v = model.init(KEY, X)
  by_name = model.apply(v, X, method="encode")
  by_fn = model.apply(v, X, method=AE.encode)
  np.testing.assert_array_equal(by_name, by_fn)
  bound = model.bind(v)
  np.testing.assert_array_equal(bound.enc(X), by_name)
  enc, enc_vars = bound.enc.unbind()
  assert enc.name is None and enc.scope is None
  np.testing.assert_array_equal(enc.apply(enc_vars, X), by_name)
  with pytest.raises(AttributeError, match="only accessible from inside 'init' or 'apply'"):
    model.enc


def test_batch_stats_update_only_when_mutable():
  model = Train()
  v = model.init(KEY, X, train=False)
  assert tree_shapes(v["batch_stats"]) == {"BatchNorm_0": {"mean": (3,), "var": (3,)}}
  y, updates = model.apply(v, X, train=True, rngs={"dropout": KEY}, mutable=["batch_stats"])
  assert list(updates) == ["batch_stats"]
  mean = updates["batch_stats"]["BatchNorm_0"]["mean"]
  assert not np.allclose(mean, 0)  # moved by (1 - momentum) * batch mean
  # Without mutable batch_stats, training mode must fail with Flax's error.
  with pytest.raises(FlaxError, match='Cannot update variable "mean" in "/BatchNorm_0" '
                     'because collection "batch_stats" is immutable.'):
    model.apply(v, X, train=True, rngs={"dropout": KEY})
  # Eval mode reads the running averages and changes nothing.
  out = model.apply({"params": v["params"], **updates}, X, train=False)
  assert out.shape == (2, 3, 3)


def test_dropout_requires_rng_with_flax_message():
  with pytest.raises(FlaxError, match='None needs PRNG for "dropout"'):
    nn.Dropout(0.5).apply({}, X, deterministic=False)
  np.testing.assert_array_equal(nn.Dropout(0.5).apply({}, X, deterministic=True), X)
  with pytest.raises(ValueError, match='Parameter "deterministic" must be passed to the '
                     "constructor or at call time."):
    nn.Dropout(0.5).apply({}, X)
  y = nn.Dropout(0.5).apply({}, X, deterministic=False, rngs={"dropout": KEY})
  kept = np.asarray(y) != 0
  np.testing.assert_allclose(np.asarray(y)[kept], 2 * np.asarray(X)[kept], rtol=1e-6)


def test_missing_and_misshapen_params_errors():
  with pytest.raises(FlaxError, match='Tried to access "kernel" from collection "params" in "/" '
                     "but the collection is empty."):
    nn.Dense(3).apply({}, X)
  with pytest.raises(FlaxError, match='Could not find parameter named "bias" in scope "/"'):
    nn.Dense(3).apply({"params": {"kernel": jnp.ones((4, 3))}}, X)
  with pytest.raises(FlaxError, match=r"initializer is expected to generate shape \(4, 3\), "
                     r"but the existing parameter it received has shape \(5, 3\)"):
    nn.Dense(3).apply({"params": {"kernel": jnp.ones((5, 3)), "bias": jnp.ones(3)}}, X)


def test_frozen_module_and_name_errors():
  class Bad(nn.Module):
    @nn.compact
    def __call__(self, x):
      self.foo = 1
      return x

  with pytest.raises(FlaxError, match="Can't set foo=1 for Module of type Bad"):
    Bad().init(KEY, X)
  with pytest.raises(FlaxError, match="Can't call compact methods on unbound modules"):
    nn.Dense(3)(X)

  class Dup(nn.Module):
    @nn.compact
    def __call__(self, x):
      nn.Dense(3, name="a")(x)
      return nn.Dense(3, name="a")(x)

  with pytest.raises(FlaxError, match='Could not create submodule "a" in Module Dup'):
    Dup().init(KEY, X)


def test_sow_capture_intermediates_and_perturb():
  class Sow(nn.Module):
    @nn.compact
    def __call__(self, x):
      h = nn.Dense(2)(x)
      self.sow("intermediates", "h", h)
      h = self.perturb("p", h)
      return nn.Dense(1)(h)

  model = Sow()
  v = model.init(KEY, X)
  assert "intermediates" not in v and tree_shapes(v["perturbations"]) == {"p": (2, 3, 2)}
  _, state = model.apply(v, X, mutable=["intermediates"])
  assert tree_shapes(state) == {"intermediates": {"h": ((2, 3, 2),)}}
  _, state = model.apply({"params": v["params"]}, X, capture_intermediates=True)
  assert sorted(state["intermediates"]) == ["Dense_0", "Dense_1", "__call__", "h"]

  def loss(params, perturbations):
    return model.apply({"params": params, "perturbations": perturbations}, X).sum()

  grads = jaxlite.grad(loss, argnums=1)(v["params"], v["perturbations"])
  np.testing.assert_allclose(grads["p"][0, 0], np.asarray(v["params"]["Dense_1"]["kernel"])[:, 0],
                             rtol=1e-6)


def test_variables_is_initializing_has_rng():
  seen = []

  class M(nn.Module):
    @nn.compact
    def __call__(self, x):
      seen.append((self.is_initializing(), self.has_rng("dropout"),
                   self.is_mutable_collection("params")))
      count = self.variable("counter", "n", lambda: 0)
      if not self.is_initializing():
        count.value += 1
      return x

  v = M().init(KEY, X)
  _, state = M().apply(v, X, mutable=True, rngs={"dropout": KEY})
  assert seen == [(True, False, True), (False, True, True)]
  assert state == {"counter": {"n": 1}}
  assert M().bind(freeze(v)).variables["counter"]["n"] == 0


def test_transform_class_names_and_shapes():
  class Body(nn.Module):
    @nn.compact
    def __call__(self, c, x):
      h = nn.Dense(4)(x) + c
      return h, h

  class Lifted(nn.Module):
    @nn.compact
    def __call__(self, x):
      nn.vmap(nn.Dense, variable_axes={"params": 0}, split_rngs={"params": True},
              in_axes=1, out_axes=1)(3)(x)
      nn.jit(nn.Dense)(3)(x)
      nn.remat(nn.Dense)(3)(x)
      nn.scan(Body, variable_broadcast="params", split_rngs={"params": False},
              in_axes=1, out_axes=1)()(jnp.zeros((2, 4)), x)
      return x

  v = Lifted().init(KEY, X)
  assert tree_shapes(v["params"]) == {
      "VmapDense_0": {"bias": (3, 3), "kernel": (3, 4, 3)},
      "JitDense_0": {"bias": (3,), "kernel": (4, 3)},
      "CheckpointDense_0": {"bias": (3,), "kernel": (4, 3)},
      "ScanBody_0": {"Dense_0": {"bias": (4,), "kernel": (4, 4)}}}


def test_jit_transform_repeated_calls_match_eager():
  class M(nn.Module):
    @nn.compact
    def __call__(self, x):
      return nn.jit(nn.Dense)(3)(x) + nn.Dropout(0.5, deterministic=False)(x[..., :3])

  model = M()
  v = model.init({"params": KEY, "dropout": KEY}, X)
  rngs = {"dropout": jaxlite.random.PRNGKey(2)}
  first = model.apply(v, X, rngs=rngs)
  second = model.apply(v, X, rngs=rngs)  # cached trace: same keys drawn afterwards
  np.testing.assert_array_equal(first, second)


def test_while_loop_and_cond():
  class Loop(nn.Module):
    @nn.compact
    def __call__(self, x):
      self.variable("counter", "i", lambda: 0)

      def cond_fn(mdl, c):
        return mdl.variables["counter"]["i"] < 3

      def body_fn(mdl, c):
        mdl.variable("counter", "i").value += 1
        return c * 2
      return nn.while_loop(cond_fn, body_fn, self, x, carry_variables="counter")

  y, state = Loop().apply({"counter": {"i": 0}}, X, mutable="counter")
  np.testing.assert_allclose(y, 8 * np.asarray(X))
  assert int(state["counter"]["i"]) == 3

  class Branch(nn.Module):
    @nn.compact
    def __call__(self, x, pred):
      return nn.cond(pred, lambda m, x: nn.Dense(2, name="d")(x),
                     lambda m, x: -nn.Dense(2, name="d")(x), self, x)

  v = Branch().init(KEY, X, True)
  np.testing.assert_allclose(Branch().apply(v, X, False), -Branch().apply(v, X, True),
                             rtol=1e-6)


def test_map_variables_and_tabulate():
  class Masked(nn.Module):
    @nn.compact
    def __call__(self, x):
      ones = lambda p: jaxlite.tree_util.tree_map(jnp.ones_like, p)
      return nn.map_variables(nn.Dense, "params", ones, init=True)(3)(x)

  v = Masked().init(KEY, X)
  np.testing.assert_allclose(Masked().apply(v, X)[0, 0], np.full(3, np.sum(X[0, 0]) + 1),
                             rtol=1e-6)
  table = MLP().tabulate(KEY, X)
  assert "MLP Summary" in table and "Dense_0" in table and "head" in table
  assert "Total Parameters: 23 (92 B)" in table


def test_module_is_frozen_hashable_dataclass():
  a, b = nn.Dense(3), nn.Dense(3)
  assert a == b and hash(a) == hash(b)
  assert nn.Dense(3, name="x").name == "x"
  with pytest.raises(TypeError):
    nn.Dense()  # features is required
  assert "features = 3" in repr(a)
