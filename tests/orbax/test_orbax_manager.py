"""CheckpointManager: step naming, save intervals, retention, metrics, async saving.
Expected step lists are those orbax-checkpoint 0.12.8 produces for the same calls."""
import threading

import numpy as np
import pytest

pytest.importorskip("tensorstore")

import jaxlite.numpy as jnp  # noqa: E402
import jaxlite.orbax.checkpoint as ocp  # noqa: E402


def _state(step):
  return {"w": np.full((2,), step, np.float32), "b": jnp.arange(2) + step}


def _run(tmp_path, steps, metrics=None, async_=False, **options):
  opts = ocp.CheckpointManagerOptions(enable_async_checkpointing=async_, **options)
  with ocp.CheckpointManager(tmp_path / "ckpts", options=opts) as mngr:
    for s in steps:
      mngr.save(s, args=ocp.args.StandardSave(_state(s)),
                metrics=metrics(s) if metrics else None)
    return mngr.all_steps()


def _on_disk(tmp_path):
  return sorted(int(p.name) for p in (tmp_path / "ckpts").iterdir() if p.name.isdigit())


def test_max_to_keep_keeps_the_latest(tmp_path):
  assert _run(tmp_path, range(12), max_to_keep=3) == [9, 10, 11]
  assert _on_disk(tmp_path) == [9, 10, 11]


def test_keep_period_and_save_interval(tmp_path):
  # orbax 0.12.8: steps 0, 3, ..., 27 saved; latest 3 plus multiples of 4 kept.
  steps = _run(tmp_path, range(30), save_interval_steps=3, max_to_keep=3, keep_period=4)
  assert steps == [0, 12, 21, 24, 27] == _on_disk(tmp_path)


@pytest.mark.parametrize("mode, expected", [("min", [1, 3, 6]), ("max", [0, 2, 7])])
def test_best_k_by_metric(tmp_path, mode, expected):
  losses = [5.0, 0.5, 4.0, 0.1, 3.0, 2.0, 0.2, 3.5]
  steps = _run(tmp_path, range(8), metrics=lambda s: {"loss": losses[s]}, max_to_keep=3,
               best_fn=lambda m: m["loss"], best_mode=mode)
  assert steps == expected == _on_disk(tmp_path)
  with ocp.CheckpointManager(tmp_path / "ckpts", options=ocp.CheckpointManagerOptions(
      best_fn=lambda m: m["loss"], best_mode=mode)) as mngr:
    assert mngr.best_step() == (3 if mode == "min" else 0)  # read back from disk
    assert mngr.metrics(expected[0]) == {"loss": losses[expected[0]]}


def test_steps_without_metrics_are_kept_unless_told(tmp_path):
  metrics = lambda s: None if s in (0, 1) else {"acc": float(s)}  # noqa: E731
  kept = _run(tmp_path / "a", range(6), metrics=metrics, max_to_keep=2,
              best_fn=lambda m: m["acc"])
  assert kept == [0, 1, 4, 5]
  dropped = _run(tmp_path / "b", range(6), metrics=metrics, max_to_keep=2,
                 best_fn=lambda m: m["acc"], keep_checkpoints_without_metrics=False)
  assert dropped == [4, 5]


def test_should_save_and_force(tmp_path):
  opts = ocp.CheckpointManagerOptions(save_interval_steps=5, enable_async_checkpointing=False)
  with ocp.CheckpointManager(tmp_path, options=opts) as mngr:
    # With no checkpoint yet, every step qualifies (Orbax's InitialSavePolicy).
    assert [s for s in range(12) if mngr.should_save(s)] == list(range(12))
    assert mngr.save(3, args=ocp.args.StandardSave(_state(3))) is True  # first save always
    assert mngr.save(4, args=ocp.args.StandardSave(_state(4))) is False
    assert mngr.save(4, args=ocp.args.StandardSave(_state(4)), force=True) is True
    assert not mngr.should_save(4) and mngr.all_steps() == [3, 4]
    assert [s for s in range(12) if mngr.should_save(s)] == [5, 10]
    with pytest.raises(ocp.StepAlreadyExistsError, match="step 4 already exists"):
      mngr.save(4, args=ocp.args.StandardSave(_state(4)), force=True)


def test_step_names_prefix_and_padding(tmp_path):
  opts = ocp.CheckpointManagerOptions(step_prefix="ckpt", step_format_fixed_length=5)
  with ocp.CheckpointManager(tmp_path, options=opts) as mngr:
    mngr.save(42, args=ocp.args.StandardSave(_state(42)))
  assert (tmp_path / "ckpt_00042" / "default" / "_METADATA").exists()
  with ocp.CheckpointManager(tmp_path, options=opts) as mngr:
    assert mngr.all_steps() == [42] and mngr.restore(42)["w"][0] == 42


def test_restore_latest_target_delete_and_reload(tmp_path):
  with ocp.CheckpointManager(tmp_path) as mngr:
    for s in (1, 2):
      mngr.save(s, args=ocp.args.StandardSave(_state(s)))
    mngr.wait_until_finished()
    got = mngr.restore(None, args=ocp.args.StandardRestore(_state(0)))
    assert got["w"][0] == 2 and got["b"].dtype == jnp.int32
    mngr.delete(1)
    assert mngr.all_steps() == [2]
  with ocp.CheckpointManager(tmp_path) as other:
    assert other.all_steps() == [2] and other.latest_step() == 2


def test_several_items_and_item_metadata(tmp_path):
  with ocp.CheckpointManager(tmp_path, item_names=("state", "config"),
                             metadata={"model": "mlp"}) as mngr:
    mngr.save(0, args=ocp.args.Composite(state=ocp.args.StandardSave(_state(0)),
                                         config=ocp.args.JsonSave({"lr": 0.1})))
    mngr.wait_until_finished()
    meta = mngr.item_metadata(0)
    assert meta.state["w"].shape == (2,) and meta.state["b"].dtype == np.int32
    got = mngr.restore(0, args=ocp.args.Composite(config=ocp.args.JsonRestore()))
    assert list(got) == ["config"] and got.config == {"lr": 0.1}
  with ocp.CheckpointManager(tmp_path, item_names=("state", "config")) as mngr:
    assert mngr.metadata().custom_metadata == {"model": "mlp"}
    assert mngr.restore(0).state["w"][0] == 0  # handlers known from the checkpoint


def test_async_save_returns_before_commit_and_snapshots(tmp_path):
  big = np.zeros(2_000_000, np.float32)
  with ocp.CheckpointManager(tmp_path) as mngr:
    mngr.save(0, args=ocp.args.StandardSave({"x": big}))
    big[:] = 1.0  # must not reach the checkpoint
    mngr.save(1, args=ocp.args.StandardSave({"x": big}))  # waits for step 0 first
    mngr.wait_until_finished()
    assert not mngr.restore(0)["x"].any() and mngr.restore(1)["x"].all()


def test_concurrent_saves_are_ordered(tmp_path):
  opts = ocp.CheckpointManagerOptions(max_to_keep=4)
  errors = []
  with ocp.CheckpointManager(tmp_path, options=opts) as mngr:
    def worker(offset):
      try:
        for s in range(offset, 12, 3):
          mngr.save(s, args=ocp.args.StandardSave(_state(s)), force=True)
      except ValueError as e:  # a step older than the latest is refused, never corrupted
        errors.append(e)
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(3)]
    for t in threads:
      t.start()
    for t in threads:
      t.join()
    mngr.wait_until_finished()
    steps = mngr.all_steps()
    assert len(steps) <= 4 and steps == sorted(steps)
    for s in steps:
      assert mngr.restore(s)["w"][0] == s
  assert not [p for p in tmp_path.iterdir() if "tmp" in p.name]


def test_read_only_manager_never_writes(tmp_path):
  with ocp.CheckpointManager(tmp_path) as mngr:
    mngr.save(0, args=ocp.args.StandardSave(_state(0)))
  opts = ocp.CheckpointManagerOptions(read_only=True)
  with ocp.CheckpointManager(tmp_path, options=opts) as mngr:
    assert mngr.save(1, args=ocp.args.StandardSave(_state(1))) is False
    mngr.delete(0)
    assert mngr.all_steps() == [0] and mngr.restore(0)["w"][0] == 0


def test_legacy_checkpointer_api(tmp_path):
  mngr = ocp.CheckpointManager(tmp_path, ocp.PyTreeCheckpointer())
  mngr.save(0, {"x": np.arange(3)})
  assert np.array_equal(mngr.restore(0)["x"], np.arange(3))
  mngr.close()
