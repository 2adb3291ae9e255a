"""flax.training: TrainState, checkpoints, common_utils, early stopping; the XOR example."""
import os

import numpy as np
import pytest

import jaxlite
import jaxlite.numpy as jnp
import jaxlite.flax.linen as nn
from jaxlite import optax
from jaxlite.flax.errors import FlaxError
from jaxlite.flax.training import checkpoints, common_utils, early_stopping, train_state

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures")


class MLP(nn.Module):
  @nn.compact
  def __call__(self, x):
    return nn.Dense(2)(nn.tanh(nn.Dense(3)(x)))


def make_state():
  model = MLP()
  params = model.init(jaxlite.random.PRNGKey(0), jnp.ones((1, 2)))
  return train_state.TrainState.create(apply_fn=model.apply, params=params,
                                       tx=optax.sgd(0.1, momentum=0.9))


def test_train_state_step_and_replace():
  state = make_state()
  assert state.step == 0
  grads = jaxlite.tree_util.tree_map(jnp.ones_like, state.params)
  new = jaxlite.jit(lambda s, g: s.apply_gradients(grads=g))(state, grads)
  assert int(new.step) == 1
  delta = np.asarray(new.params["params"]["Dense_0"]["bias"]) - \
      np.asarray(state.params["params"]["Dense_0"]["bias"])
  np.testing.assert_allclose(delta, [-0.1, -0.1], rtol=1e-6)
  assert new.replace(step=5).step == 5 and new.apply_fn is state.apply_fn
  # Leaves: step, params and optimizer state; apply_fn and tx are static.
  assert len(jaxlite.tree_util.tree_leaves(state)) == 1 + 4 + 4


def test_restore_real_flax_train_state_into_target():
  # The fixture holds {'state': TrainState after one sgd(0.1, momentum=0.9) step, 'extra': ...}
  # written by the real Flax; restoring into our TrainState rebuilds the same structure.
  state = make_state()
  target = {"state": state, "extra": {"bf16": jnp.zeros(2, jnp.bfloat16),
                                      "i8": np.zeros(2, np.int8), "name": "", "scalar": 0.0}}
  restored = checkpoints.restore_checkpoint(FIXTURES, target, prefix="flax_ckpt_")
  assert isinstance(restored["state"], train_state.TrainState)
  assert restored["state"].step == 1
  bias = restored["state"].params["params"]["Dense_0"]["bias"]
  np.testing.assert_allclose(bias, [-0.1, -0.1], rtol=1e-6)
  trace = restored["state"].opt_state[0].trace["params"]["Dense_1"]["kernel"]
  np.testing.assert_array_equal(trace, np.ones((2, 3)))
  y = restored["state"].apply_fn(restored["state"].params, jnp.array([[0.5, -1.0]]))
  np.testing.assert_allclose(y, [[-0.5223578, -0.05837695]], rtol=1e-5)


def test_checkpoint_keep_overwrite_and_latest(tmp_path):
  d = str(tmp_path)
  assert checkpoints.latest_checkpoint(d) is None
  assert checkpoints.restore_checkpoint(d, target="untouched") == "untouched"
  for step in (1, 2, 10, 3):
    if step == 3:
      with pytest.raises(FlaxError, match="Trying to save an outdated checkpoint at step"):
        checkpoints.save_checkpoint(d, {"v": step}, step, keep=2)
      continue
    checkpoints.save_checkpoint(d, {"v": np.array(step)}, step, keep=2)
  assert sorted(os.listdir(d)) == ["checkpoint_10", "checkpoint_2"]
  assert checkpoints.latest_checkpoint(d) == os.path.join(d, "checkpoint_10")
  assert int(checkpoints.restore_checkpoint(d, None)["v"]) == 10
  assert int(checkpoints.restore_checkpoint(d, None, step=2)["v"]) == 2
  with pytest.raises(ValueError, match="Matching checkpoint not found"):
    checkpoints.restore_checkpoint(d, None, step=7)
  # overwrite=True at an earlier step removes the later checkpoints.
  checkpoints.save_checkpoint(d, {"v": np.array(4)}, 4, keep=5, overwrite=True)
  assert checkpoints.available_steps(d) == [2, 4]
  checkpoints.save_checkpoint(d, {"v": 1}, 5, prefix="other_")
  assert checkpoints.latest_checkpoint(d, prefix="other_").endswith("other_5")


def test_interrupted_save_never_leaves_a_bad_checkpoint(tmp_path, monkeypatch):
  d = str(tmp_path)
  checkpoints.save_checkpoint(d, {"v": np.arange(3)}, 1)

  def crash(*args):
    raise OSError("disk full")

  monkeypatch.setattr(os, "replace", crash)
  with pytest.raises(OSError, match="disk full"):
    checkpoints.save_checkpoint(d, {"v": np.arange(100)}, 2)
  monkeypatch.undo()
  # The half-done save left only the temporary file, which restore ignores.
  assert checkpoints.latest_checkpoint(d) == os.path.join(d, "checkpoint_1")
  np.testing.assert_array_equal(checkpoints.restore_checkpoint(d, None)["v"], np.arange(3))
  # A checkpoint file cut short (e.g. copied partially) fails loudly.
  path = os.path.join(d, "checkpoint_1")
  with open(path, "rb") as f:
    data = f.read()
  with open(os.path.join(d, "checkpoint_9"), "wb") as f:
    f.write(data[:-3])
  with pytest.raises(ValueError, match="corrupt or truncated"):
    checkpoints.restore_checkpoint(d, None)


def test_onehot_and_early_stopping():
  np.testing.assert_array_equal(common_utils.onehot(jnp.array([0, 2]), 3),
                                [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
  es = early_stopping.EarlyStopping(min_delta=0.1, patience=1)
  history = []
  for metric in (1.0, 0.5, 0.45, 0.44, 0.43):
    es = es.update(metric)
    history.append((es.has_improved, es.should_stop))
  assert history == [(True, False), (True, False), (False, False), (False, True),
                     (False, True)]
  assert es.best_metric == 0.5 and not es.reset().should_stop


def test_xor_example_learns(capsys):
  from jaxlite import compat
  from jaxlite.examples import xor_linen
  compat.install()
  try:
    assert xor_linen.main(["--epochs", "40"]) == 0
  finally:
    compat.uninstall()
  out = capsys.readouterr().out
  accuracy = float(out.split("test accuracy (restored parameters): ")[1].split("%")[0])
  assert accuracy > 99.0
  assert "saved checkpoint" in out and "p(xor | [0. 1.])" in out
