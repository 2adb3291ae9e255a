"""Bad input and damaged checkpoints raise clear errors (naming the step and the leaf),
and never cost a good checkpoint."""
import json
import os

import numpy as np
import pytest

pytest.importorskip("tensorstore")
import jaxlite  # noqa: E402
import jaxlite.numpy as jnp  # noqa: E402
import jaxlite.orbax.checkpoint as ocp  # noqa: E402


def _state(step):
  return {"w": np.arange(50_000, dtype=np.float32) + step, "b": {"c": jnp.ones(3) * step}}


@pytest.fixture
def two_steps(tmp_path):
  opts = ocp.CheckpointManagerOptions(enable_async_checkpointing=False)
  with ocp.CheckpointManager(tmp_path, options=opts) as mngr:
    for s in (1, 2):
      mngr.save(s, args=ocp.args.StandardSave(_state(s)))
  return tmp_path


def _largest_data_file(step_dir):
  files = [p for p in (step_dir / "default" / "d").iterdir()]
  return max(files, key=lambda p: p.stat().st_size)


def _step_one_still_good(root):
  with ocp.CheckpointManager(root) as mngr:
    assert 1 in mngr.all_steps()
    assert np.array_equal(mngr.restore(1)["w"], _state(1)["w"])


def test_nonexistent_directory_or_step(tmp_path, two_steps):
  with pytest.raises(FileNotFoundError, match="Checkpoint at .*nope not found"):
    ocp.StandardCheckpointer().restore(tmp_path / "nope")
  opts = ocp.CheckpointManagerOptions(create=False)
  with pytest.raises(FileNotFoundError, match="No steps found"):
    ocp.CheckpointManager(tmp_path / "missing", options=opts).restore(None)
  assert not (tmp_path / "missing").exists()
  with ocp.CheckpointManager(two_steps) as mngr:
    with pytest.raises(FileNotFoundError, match=r"no step 7; steps available: \[1, 2\]"):
      mngr.restore(7)
    with pytest.raises(FileNotFoundError, match="non-existent step: 7"):
      mngr.delete(7)


def test_corrupted_array_data_names_step_and_leaf(two_steps):
  victim = _largest_data_file(two_steps / "2")
  data = bytearray(victim.read_bytes())
  data[len(data) // 2] ^= 0xFF
  victim.write_bytes(bytes(data))
  with ocp.CheckpointManager(two_steps) as mngr:
    with pytest.raises(ValueError, match=r"step 2 .*leaf 'w'.*(truncated|corrupt)"):
      mngr.restore(2)
  _step_one_still_good(two_steps)


def test_truncated_array_data_names_step_and_leaf(two_steps):
  victim = _largest_data_file(two_steps / "2")
  os.truncate(victim, victim.stat().st_size // 3)
  with ocp.CheckpointManager(two_steps) as mngr:
    # The data file holds w's chunk and b.c's zarr header: either may be read first.
    with pytest.raises(ValueError, match=r"step 2 .*leaf '(w|b\.c)'.*(missing|truncated)"):
      mngr.restore(2)
  _step_one_still_good(two_steps)


def test_missing_or_damaged_metadata(two_steps):
  meta = two_steps / "2" / "default" / "_METADATA"
  meta.write_text(meta.read_text()[:40])
  with ocp.CheckpointManager(two_steps) as mngr:
    with pytest.raises(ValueError, match="step 2 .*_METADATA.*corrupted or truncated"):
      mngr.restore(2)
    meta.unlink()
    with pytest.raises(FileNotFoundError, match="step 2 .*incomplete.*_METADATA is missing"):
      mngr.restore(2)
  (two_steps / "1" / "default" / "manifest.ocdbt").unlink()
  with ocp.CheckpointManager(two_steps) as mngr:
    with pytest.raises(ValueError, match="step 1 .*leaf '(w|b.c)'.*missing or unreadable"):
      mngr.restore(1)


def test_target_with_another_structure_or_shape(two_steps):
  with ocp.CheckpointManager(two_steps) as mngr:
    wrong = {"w": np.zeros(50_000, np.float32), "b": {"d": jnp.ones(3)}}
    with pytest.raises(ValueError, match=r"(?s)step 2.*b\.d: in the target but not in the "
                                         r"checkpoint.*b\.c: in the checkpoint but not"):
      mngr.restore(2, args=ocp.args.StandardRestore(wrong))
    wrong = {"w": np.zeros(7, np.float32), "b": {"c": jnp.ones(3)}}
    with pytest.raises(ValueError, match=r"step 2 .*leaf 'w'.*Requested shape: \(7,\) is not "
                                         r"compatible with the stored shape: \(50000,\)"):
      mngr.restore(2, args=ocp.args.StandardRestore(wrong))
    assert np.array_equal(mngr.restore(2)["w"], _state(2)["w"])


def test_bad_items_fail_at_save_time_and_leave_nothing(tmp_path, two_steps):
  with ocp.CheckpointManager(two_steps) as mngr:  # async: still raises in save()
    with pytest.raises(ValueError, match=r"Unsupported type: .*object.* for key: \('o',\)"):
      mngr.save(3, args=ocp.args.StandardSave({"o": object()}))
    with pytest.raises(ValueError, match="does not support single arrays or scalars"):
      mngr.save(3, args=ocp.args.StandardSave(jnp.ones(2)))
    with pytest.raises(TypeError, match="traced value"):
      jaxlite.jit(lambda x: mngr.save(3, args=ocp.args.StandardSave({"x": x}), force=True)
                  or x)(jnp.ones(2))
    assert mngr.all_steps() == [1, 2]
  assert sorted(p.name for p in two_steps.iterdir()) == ["1", "2"]


def test_unknown_handler_names_are_never_imported(two_steps):
  meta_path = two_steps / "2" / "_CHECKPOINT_METADATA"
  meta = json.loads(meta_path.read_text())
  meta["item_handlers"]["default"] = "os.system"
  meta_path.write_text(json.dumps(meta))
  with ocp.CheckpointManager(two_steps) as mngr:
    with pytest.raises(ValueError, match="saved by os.system, which jaxlite does not know"):
      mngr.restore(2)
    # With explicit args the data is still readable.
    assert np.array_equal(mngr.restore(2, args=ocp.args.StandardRestore())["w"], _state(2)["w"])


def test_a_failing_background_save_keeps_the_previous_steps(two_steps, monkeypatch):
  from jaxlite.orbax._src import tensorstore_io

  def disk_full(*args, **kwargs):
    raise OSError(28, "No space left on device")
  monkeypatch.setattr(tensorstore_io, "write_arrays", disk_full)
  opts = ocp.CheckpointManagerOptions(max_to_keep=1)
  with pytest.raises(OSError, match="No space left"):
    with ocp.CheckpointManager(two_steps, options=opts) as mngr:
      assert mngr.save(3, args=ocp.args.StandardSave(_state(3)))  # async: fails later
      with pytest.raises(OSError, match="No space left"):
        mngr.wait_until_finished()
      assert mngr.all_steps() == [1, 2]  # step 3 is gone, steps 1 and 2 were not deleted
      mngr.save(4, args=ocp.args.StandardSave(_state(4)))
  monkeypatch.undo()
  assert sorted(p.name for p in two_steps.iterdir()) == ["1", "2"]
  _step_one_still_good(two_steps)
