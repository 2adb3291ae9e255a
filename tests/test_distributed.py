"""Multi-process jaxlite: programs launched with mpiexec on this machine.

The MPI tests write a small worker program (WORKER below), run it in 2 to 4 MPI processes
and check what every rank printed; they are skipped when mpi4py or mpiexec are missing
(pip install 'jaxlite[mpi]'). The first tests need one process and no MPI."""
from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import time

import numpy as np
import pytest

import jaxlite as jax
from jaxlite.experimental import multihost_utils

needs_mpi = pytest.mark.skipif(
    importlib.util.find_spec("mpi4py") is None or shutil.which("mpiexec") is None,
    reason="needs mpi4py and mpiexec (pip install 'jaxlite[mpi]')")

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

WORKER = r'''
import json, sys, time
import numpy as np
import jaxlite as jax
import jaxlite.numpy as jnp
from jaxlite import lax
from jaxlite.experimental import multihost_utils

mode = sys.argv[1]
jax.distributed.initialize()
rank, nproc = jax.process_index(), jax.process_count()
ndev, total = jax.local_device_count(), jax.device_count()

# A two-layer regression net trained with full-batch SGD; the batch is split into `total`
# equal shards, rank r holding shards r*ndev .. (r+1)*ndev-1.
rng = np.random.default_rng(0)
x_all = rng.normal(size=(48, 5)).astype(np.float32)
y_all = np.sin(x_all @ rng.normal(size=(5, 1))).astype(np.float32)
params0 = {"w1": rng.normal(size=(5, 16)).astype(np.float32) * 0.5,
           "b1": np.zeros(16, np.float32),
           "w2": rng.normal(size=(16, 1)).astype(np.float32) * 0.5}

def loss(p, x, y):
  h = jnp.tanh(x @ p["w1"] + p["b1"])
  return jnp.mean((h @ p["w2"] - y) ** 2)

def sgd(p, g):
  return jax.tree.map(lambda a, b: a - 0.1 * b, p, g)

def step(p, x, y):
  g = lax.pmean(jax.grad(loss)(p, x, y), "batch")
  return sgd(p, g)

rows = len(x_all) // total
shard = lambda a: a[rank * ndev * rows:(rank + 1) * ndev * rows].reshape(ndev, rows, -1)
x, y = shard(x_all), shard(y_all)

if mode == "fail":
  f = jax.pmap(lambda v: lax.psum(v, "batch"), axis_name="batch")
  f(x)
  if rank == 1:
    raise ValueError("rank 1 gives up")
  f(x)
  print("UNREACHABLE", flush=True)
  sys.exit(0)
if mode == "hang":
  f = jax.pmap(lambda v: lax.psum(v, "batch"), axis_name="batch")
  f(x)
  if rank == 1:
    time.sleep(120)
  f(x)
  print("UNREACHABLE", flush=True)
  sys.exit(0)

p_step = jax.pmap(step, axis_name="batch", in_axes=(None, 0, 0))
params = params0
for _ in range(5):
  params = jax.tree.map(lambda a: a[0], p_step(params, x, y))
leaves = [np.asarray(params[k]) for k in sorted(params)]
result = {"rank": rank, "params": [l.tolist() for l in leaves],
          "bytes": b"".join(l.tobytes() for l in leaves).hex()}

if rank == 0:  # the single-process, full-batch run of the same training
  ref = params0
  full = jax.jit(lambda p: sgd(p, jax.grad(loss)(p, x_all, y_all)))
  for _ in range(5):
    ref = full(ref)
  result["reference"] = [np.asarray(ref[k]).tolist() for k in sorted(ref)]

# Collectives over the global axis, and grad through psum across processes.
members = jax.pmap(lambda v: lax.all_gather(lax.axis_index("batch"), "batch"),
                   axis_name="batch")(np.zeros(ndev))
result["all_gather_index"] = np.asarray(members).tolist()
v = np.arange(ndev * 3, dtype=np.float32).reshape(ndev, 3) + 10 * rank + 1
g = jax.pmap(jax.grad(lambda u: lax.psum(jnp.sum(u * u), "batch")), axis_name="batch")(v)
result["grad_psum"] = (np.asarray(g) / (2 * v)).tolist()
# The exchanges over the global axis equal a one-process vmap over all `total` members.
members_all = np.random.default_rng(1).normal(size=(total, 4, 6)).astype(np.float32)
exchanges = [
    lambda u: lax.psum_scatter(u, "batch", scatter_dimension=0, tiled=True),
    lambda u: lax.all_to_all(u, "batch", 0, 0, tiled=True),
    lambda u: lax.ppermute(u, "batch", [(k, (k + 3) % total) for k in range(total)]),
    jax.grad(lambda u: jnp.sum(lax.all_gather(u, "batch") ** 2 * lax.axis_index("batch")))]
result["exchange_error"] = max(
    float(np.abs(np.asarray(jax.pmap(f, axis_name="batch")(members_all[rank * ndev:][:ndev]))
                 - np.asarray(jax.vmap(f, axis_name="batch")(members_all))[rank * ndev:][:ndev]
                 ).max()) for f in exchanges)
result["allgather"] = multihost_utils.process_allgather(np.array([rank, 7 * rank])).tolist()
result["bcast"] = multihost_utils.broadcast_one_to_all(np.float32(rank + 10)).tolist()
multihost_utils.sync_global_devices("end")
with open(f"{sys.argv[2]}/rank{rank}.json", "w") as f:  # (ranks' stdout lines can interleave)
  json.dump(result, f)
'''


@pytest.fixture
def no_mpi_launch(monkeypatch):
  for var in ("OMPI_COMM_WORLD_RANK", "PMI_RANK", "PMIX_RANK", "MV2_COMM_WORLD_RANK"):
    monkeypatch.delenv(var, raising=False)
  yield
  jax.distributed.shutdown()


def test_initialize_without_a_launcher(no_mpi_launch):
  with pytest.raises(ValueError, match="coordinator_address should be defined"):
    jax.distributed.initialize()
  with pytest.raises(RuntimeError, match="only through MPI"):
    jax.distributed.initialize("localhost:1234", num_processes=2, process_id=0)
  assert not jax.distributed.is_initialized()
  jax.distributed.initialize(num_processes=1, process_id=0)
  assert jax.distributed.is_initialized() and jax.process_count() == 1
  with pytest.raises(RuntimeError, match="should only be called once"):
    jax.distributed.initialize(num_processes=1)
  jax.distributed.shutdown()
  assert not jax.distributed.is_initialized()


def test_one_process_multihost_utils_match_jax():
  # Values of the real JAX 0.10.2 in one process.
  out = multihost_utils.process_allgather(np.float32(3))
  assert out.dtype == np.float32 and out.tolist() == [3.0]
  assert multihost_utils.process_allgather(np.arange(3), tiled=True).tolist() == [0, 1, 2]
  assert multihost_utils.process_allgather({"a": np.ones((2, 2))})["a"].shape == (1, 2, 2)
  b = multihost_utils.broadcast_one_to_all({"a": 1.5, "b": np.arange(2)})
  assert isinstance(b["a"], np.ndarray) and b["a"].shape == () and b["b"].tolist() == [0, 1]
  multihost_utils.sync_global_devices("one process")
  assert jax.local_devices(process_index=0) == jax.devices()
  assert jax.devices()[0].process_index == 0


def test_global_device_list_of_several_processes():
  from jaxlite._src import devices
  old = jax.config.jax_num_cpu_devices
  try:
    jax.config.update("jax_num_cpu_devices", 2)
    devices._set_process(1, 3)  # what initialize sets in rank 1 of 3
    assert [d.id for d in jax.devices()] == [0, 1, 2, 3, 4, 5]
    assert [d.process_index for d in jax.devices()] == [0, 0, 1, 1, 2, 2]
    assert jax.local_devices() == jax.devices()[2:4] and jax.local_device_count() == 2
    assert jax.device_count() == 6 and jax.process_index() == 1
    assert jax.local_devices(process_index=2) == jax.devices()[4:]
  finally:
    devices._set_process(0, 1)
    jax.config.update("jax_num_cpu_devices", old)


def run_mpi(tmp_path, n, mode, *, devices=1, timeout_env="20", limit=90):
  script = tmp_path / "worker.py"
  script.write_text(WORKER)
  env = dict(os.environ, PYTHONPATH=REPO + os.pathsep + os.environ.get("PYTHONPATH", ""),
             JAXLITE_NUM_CPU_DEVICES=str(devices), JAXLITE_MPI_TIMEOUT=timeout_env,
             OPENBLAS_NUM_THREADS="1")  # more ranks than cores: spinning BLAS threads hurt
  env.pop("XLA_FLAGS", None)
  start = time.monotonic()
  proc = subprocess.run(["mpiexec", "-n", str(n), sys.executable, str(script), mode,
                         str(tmp_path)],
                        capture_output=True, text=True, env=env, timeout=limit)
  return proc, time.monotonic() - start


def results(tmp_path, n):
  return [json.loads((tmp_path / f"rank{r}.json").read_text()) for r in range(n)]


@needs_mpi
@pytest.mark.parametrize("nproc, devices", [(2, 2), (4, 1)])
def test_data_parallel_training_matches_full_batch(tmp_path, nproc, devices):
  proc, _ = run_mpi(tmp_path, nproc, "train", devices=devices)
  assert proc.returncode == 0, proc.stderr
  ranks = results(tmp_path, nproc)
  # Every rank applies the same all-reduced gradients: bit-identical parameters.
  assert len({r["bytes"] for r in ranks}) == 1
  # And they are the full-batch run's up to float32 rounding (the gradient is summed in
  # another order): after 5 SGD steps within 1e-6 (3e-8 seen).
  for got, want in zip(ranks[0]["params"], ranks[0]["reference"]):
    np.testing.assert_allclose(np.array(got), np.array(want), rtol=1e-6, atol=1e-6)
  total = nproc * devices
  for r in ranks:
    # The pmap axis is global: axis_index counts every process's devices.
    assert r["all_gather_index"] == [list(range(total))] * devices
    # psum's transpose is psum across processes too: d/du psum(sum(u*u)) = total * 2u.
    np.testing.assert_allclose(r["grad_psum"], np.full((devices, 3), total), rtol=1e-6)
    assert r["exchange_error"] == 0.0
    assert r["allgather"] == [[k, 7 * k] for k in range(nproc)]
    assert r["bcast"] == 10.0


@needs_mpi
def test_a_failing_rank_stops_the_others_with_its_error(tmp_path):
  proc, seconds = run_mpi(tmp_path, 3, "fail", timeout_env="20")
  assert proc.returncode != 0
  assert "UNREACHABLE" not in proc.stdout
  assert "ValueError: rank 1 gives up" in proc.stderr
  # Both others name the collective and the rank, long before the timeout. The ranks share
  # stderr, so one rank's traceback may land between another's exception name and message.
  assert proc.stderr.count("DistributedError") >= 2, proc.stderr
  for r in (0, 2):
    assert (f"jaxlite.distributed: psum across processes (collective #3) "
            f"stopped on rank {r}: rank 1 failed with ValueError: rank 1 gives up"
            ) in proc.stderr, proc.stderr
  assert seconds < 15


@needs_mpi
def test_a_hung_rank_makes_the_others_time_out(tmp_path):
  proc, seconds = run_mpi(tmp_path, 2, "hang", timeout_env="2")
  assert proc.returncode != 0
  assert "UNREACHABLE" not in proc.stdout
  assert ("psum across processes (collective #3) timed out after 2 s on rank 0 of 2: "
          "rank(s) [1] did not reach it") in proc.stderr, proc.stderr
  assert seconds < 30


@needs_mpi
@pytest.mark.skipif(importlib.util.find_spec("sklearn") is None, reason="needs scikit-learn")
def test_example_trains_saves_and_restores_on_another_process_count(tmp_path):
  example = os.path.join(REPO, "examples", "data_parallel_digits.py")
  env = dict(os.environ, PYTHONPATH=REPO + os.pathsep + os.environ.get("PYTHONPATH", ""),
             JAXLITE_NUM_CPU_DEVICES="1", JAXLITE_MPI_TIMEOUT="20", OPENBLAS_NUM_THREADS="1")

  def run(n, *args):
    proc = subprocess.run(["mpiexec", "-n", str(n), sys.executable, "-m", "jaxlite", "run",
                           example, *args], capture_output=True, text=True, env=env,
                          timeout=90, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout

  trained = run(2, "--epochs", "20", "--save", "ckpt")
  assert "parameters identical on all ranks: True" in trained
  crc = trained.split("rank 0/2: ")[1].split()[4]
  assert "rank 1/2: parameter sum" in trained and trained.count(f"crc32 {crc}") == 2
  restored = run(4, "--epochs", "0", "--restore", "ckpt", "--save", "")
  assert restored.count(f"crc32 {crc}") == 4  # the same parameters on 4 processes
  accuracy = trained.split("test accuracy: ")[1].split()[0]
  assert f"test accuracy: {accuracy}" in restored
