"""Orbax checkpoints of multi-process programs: every rank calls save/restore, the primary
writes, and a checkpoint saved by N processes restores on any number of them.

The MPI tests run small programs under mpiexec (as tests/test_distributed.py does) and are
skipped without mpi4py, mpiexec or TensorStore."""
from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from jaxlite.orbax._src import multihost

needs_mpi = pytest.mark.skipif(
    importlib.util.find_spec("mpi4py") is None or importlib.util.find_spec("tensorstore") is None
    or shutil.which("mpiexec") is None,
    reason="needs mpi4py, mpiexec and tensorstore (pip install 'jaxlite[mpi,checkpoint]')")

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

WORKER = r'''
import json, os, sys
import numpy as np
import jaxlite as jax
import jaxlite.numpy as jnp
from jaxlite import lax
from jaxlite.experimental import multihost_utils
import jaxlite.orbax.checkpoint as ocp
from jaxlite.orbax._src import leaf_io

mode, root = sys.argv[1], sys.argv[2]
jax.distributed.initialize()
rank = jax.process_index()
out = {}
tree = {"w": jnp.arange(12.0).reshape(3, 4), "b": np.arange(3, dtype=np.int32), "lr": 0.5}
path = lambda name: os.path.join(root, name)
psum = jax.pmap(lambda v: lax.psum(v, "i"), axis_name="i")

if mode == "save":  # 2 processes
  with ocp.StandardCheckpointer() as ckptr:  # asynchronous
    ckptr.save(path("std"), tree)
    ckptr.wait_until_finished()
    # Waiting in any process waits for the primary's commit.
    out["committed_after_wait"] = os.path.exists(path("std/commit_success.txt"))
  with ocp.PyTreeCheckpointer() as ckptr:  # synchronous, overwritten with force
    ckptr.save(path("pytree"), {"x": np.ones(2), "s": "first"})
    ckptr.save(path("pytree"), {"x": np.full(2, 7.0), "s": "second"}, force=True)
  options = ocp.CheckpointManagerOptions(max_to_keep=2, save_interval_steps=2)
  with ocp.CheckpointManager(path("mgr"), options=options, metadata={"run": 1}) as mngr:
    saved, total = [], 0.0
    for step in range(7):
      saved.append(mngr.save(step, args=ocp.args.StandardSave({"w": tree["w"] * step})))
      total += float(np.asarray(psum(np.ones((1, 2))))[0, 0])  # collectives meanwhile
    mngr.wait_until_finished()
    out.update(saved=saved, psum_total=total, steps=mngr.all_steps(),
               latest=mngr.latest_step(), disk=sorted(os.listdir(path("mgr"))))
    # (the primary may go on deleting once all are past the finalize barrier)
    multihost_utils.sync_global_devices("listed")
    mngr.delete(4)
    out["after_delete"] = [mngr.all_steps(), sorted(os.listdir(path("mgr")))]
  # A save failing in the primary fails in every process, and leaves nothing behind.
  write_item = leaf_io.write_item
  if rank == 0:
    def broken(*args, **kwargs):
      raise OSError("disk full")
    leaf_io.write_item = broken
  ckptr = ocp.StandardCheckpointer()
  ckptr.save(path("failed"), tree)
  try:
    ckptr.wait_until_finished()
  except Exception as e:
    out["failure"] = f"{type(e).__name__}: {e}"
  leaf_io.write_item = write_item
  out["listing"] = sorted(os.listdir(root))
  ckptr.save(path("failed"), tree)  # the next save works
  ckptr.close()

if mode == "restore":  # 4 processes
  with ocp.StandardCheckpointer() as ckptr:
    abstract = jax.tree.map(ocp.utils.to_shape_dtype_struct, tree)
    got = ckptr.restore(path("std"), abstract)
    out["std"] = {k: np.asarray(v).tolist() for k, v in got.items()}
  out["pytree"] = ocp.PyTreeCheckpointer().restore(path("pytree"))["s"]
  options = ocp.CheckpointManagerOptions(max_to_keep=2)
  with ocp.CheckpointManager(path("mgr"), options=options) as mngr:
    out["steps"] = mngr.all_steps()
    out["restored_w"] = np.asarray(mngr.restore(None)["w"]).tolist()
    mngr.save(7, args=ocp.args.StandardSave({"w": tree["w"]}))
    mngr.save(8, args=ocp.args.StandardSave({"w": tree["w"]}), force=True)
    mngr.wait_until_finished()
    out["continued"] = [mngr.all_steps(), sorted(os.listdir(path("mgr")))]
    out["root_metadata"] = mngr.metadata().custom_metadata
  if rank in (1, 2):  # only two processes take part; process 2 writes
    sub = ocp.options.MultiprocessingOptions(primary_host=2, active_processes={1, 2},
                                             barrier_sync_key_prefix="sub")
    with ocp.StandardCheckpointer(multiprocessing_options=sub) as ckptr:
      ckptr.save(path("subset"), {"v": np.arange(4.0) + rank})
      ckptr.wait_until_finished()
      out["subset"] = np.asarray(ckptr.restore(path("subset"))["v"]).tolist()
    try:
      ocp.CheckpointManager(path("sub_mgr"), options=ocp.CheckpointManagerOptions(
          multiprocessing_options=sub))
    except NotImplementedError as e:
      out["subset_manager"] = str(e)
  multihost_utils.sync_global_devices("end")

with open(os.path.join(root, f"rank{rank}.json"), "w") as f:
  json.dump(out, f)
'''


def mpi_env(devices=1):
  env = dict(os.environ, PYTHONPATH=REPO + os.pathsep + os.environ.get("PYTHONPATH", ""),
             JAXLITE_NUM_CPU_DEVICES=str(devices), JAXLITE_MPI_TIMEOUT="20",
             OPENBLAS_NUM_THREADS="1")  # more ranks than cores: spinning BLAS threads hurt
  env.pop("XLA_FLAGS", None)
  return env


def run_worker(tmp_path, n, mode):
  script = tmp_path / "worker.py"
  script.write_text(WORKER)
  proc = subprocess.run(["mpiexec", "-n", str(n), sys.executable, str(script), mode,
                         str(tmp_path / "ckpt")], capture_output=True, text=True,
                        env=mpi_env(), timeout=90)
  assert proc.returncode == 0, proc.stdout + proc.stderr
  ranks = [json.loads((tmp_path / "ckpt" / f"rank{r}.json").read_text()) for r in range(n)]
  for r in range(n):
    (tmp_path / "ckpt" / f"rank{r}.json").unlink()
  return ranks


def test_one_process_needs_no_coordination():
  from jaxlite.orbax.checkpoint import options
  assert multihost.Coordinator.for_options(options.MultiprocessingOptions()) is None
  assert multihost.is_primary_host(0) and multihost.is_primary_host(None)
  assert not multihost.is_primary_host(1)
  assert multihost.unique_barrier_key("save", prefix="p", suffix="3") == "p_save.3"
  assert multihost.agree("k", 5) == {0: 5}
  multihost.barrier("k")  # returns at once
  with pytest.raises(OSError, match="mine"):
    multihost.barrier("k", OSError("mine"))


@pytest.mark.skipif(importlib.util.find_spec("tensorstore") is None, reason="needs tensorstore")
def test_one_process_save_imports_no_mpi(tmp_path):
  code = ("import sys, numpy as np\n"
          "import jaxlite.orbax.checkpoint as ocp\n"
          f"m = ocp.CheckpointManager({str(tmp_path)!r})\n"
          "m.save(0, args=ocp.args.StandardSave({'a': np.ones(2)})); m.close()\n"
          "print('mpi4py' in sys.modules)")
  env = dict(os.environ, PYTHONPATH=REPO)
  for var in ("OMPI_COMM_WORLD_RANK", "PMI_RANK", "PMIX_RANK", "MV2_COMM_WORLD_RANK"):
    env.pop(var, None)
  proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                        timeout=60)
  assert proc.returncode == 0, proc.stderr
  assert proc.stdout.split() == ["False"]
  assert sorted(os.listdir(tmp_path)) == ["0"]


@needs_mpi
def test_checkpoints_saved_by_2_processes_restore_on_4(tmp_path):
  import jaxlite.orbax.checkpoint as ocp
  saved = run_worker(tmp_path, 2, "save")
  for r in saved:
    assert r["committed_after_wait"]
    # save_interval_steps=2 saves steps 0, 2, 4, 6; max_to_keep=2 keeps the last two.
    assert r["saved"] == [True, False, True, False, True, False, True]
    assert r["psum_total"] == 14.0
    assert r["steps"] == [4, 6] and r["latest"] == 6
    assert r["disk"] == ["4", "6", "metadata"]
    assert r["after_delete"] == [[6], ["6", "metadata"]]
    assert r["listing"] == ["mgr", "pytree", "std"]  # no temporary directory left
  assert saved[0]["failure"] == "OSError: disk full"
  assert saved[1]["failure"] == ("ProcessFailed: jaxlite.orbax: process 0 failed with "
                                 "OSError: disk full (at async_write_complete.failed)")
  # A one-process program reads what the two processes wrote.
  root = tmp_path / "ckpt"
  got = ocp.StandardCheckpointer().restore(root / "std")
  np.testing.assert_array_equal(np.asarray(got["w"]), np.arange(12.0).reshape(3, 4))
  np.testing.assert_array_equal(ocp.StandardCheckpointer().restore(root / "failed")["b"],
                                np.arange(3))

  restored = run_worker(tmp_path, 4, "restore")
  for r in restored:
    assert r["std"] == {"w": np.arange(12.0).reshape(3, 4).tolist(), "b": [0, 1, 2],
                        "lr": 0.5}
    assert r["pytree"] == "second"
    assert r["steps"] == [6]
    assert r["restored_w"] == (np.arange(12.0).reshape(3, 4) * 6).tolist()
    assert r["continued"] == [[7, 8], ["7", "8", "metadata"]]
    assert r["root_metadata"] == {"run": 1}
  for rank in (1, 2):  # the primary (process 2) wrote its own values
    assert restored[rank]["subset"] == [2.0, 3.0, 4.0, 5.0]
    assert restored[rank]["subset_manager"].startswith(
        "Option `create=True` with `active_processes` set is not supported.")
  assert "subset" not in restored[0] and "subset" not in restored[3]


@needs_mpi
@pytest.mark.skipif(importlib.util.find_spec("sklearn") is None, reason="needs scikit-learn")
def test_cnn_example_on_2_processes_matches_1_process(tmp_path):
  import zlib

  import jaxlite as jax
  import jaxlite.orbax.checkpoint as ocp
  example = os.path.join(REPO, "examples", "data_parallel_cnn.py")

  def run(n, *args, devices=1):
    proc = subprocess.run(["mpiexec", "-n", str(n), sys.executable, "-m", "jaxlite", "run",
                           example, *args], capture_output=True, text=True,
                          env=mpi_env(devices), timeout=90, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout

  one = run(1, "--epochs", "20", "--save", "one")
  two = run(2, "--epochs", "20", "--save", "two", devices=2)  # 4 shards of 336 rows
  assert "parameters identical on all ranks: True" in two
  crc = two.split("rank 0/2: ")[1].split()[4]
  assert two.count(f"crc32 {crc}") == 2
  # Against the one-process, full-batch run: equal up to float32 rounding of the gradient
  # summed in another order; after 20 SGD steps within 1e-5 (1e-7 seen).
  params_one = jax.tree.leaves(ocp.StandardCheckpointer().restore(tmp_path / "one"))
  params_two = jax.tree.leaves(ocp.StandardCheckpointer().restore(tmp_path / "two"))
  for a, b in zip(params_one, params_two):
    np.testing.assert_allclose(np.asarray(b), np.asarray(a), rtol=1e-5, atol=1e-5)
  # This one process restores exactly what the two processes trained.
  restored_crc = 0
  for leaf in params_two:
    restored_crc = zlib.crc32(np.ascontiguousarray(np.asarray(leaf)).tobytes(), restored_crc)
  assert f"{restored_crc:08x}" == crc
  accuracy = one.split("test accuracy: ")[1].split()[0]
  assert f"test accuracy: {accuracy}" in two
