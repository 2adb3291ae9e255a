"""shard_map over meshes whose devices belong to several processes (mpiexec).

Each process computes only its own devices' blocks; the results must equal the one-process
run of the same mesh shape. CASES below runs in every rank of an MPI launch and, for the
reference, in this (one-process) pytest run with as many simulated devices."""
from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

import jaxlite as jax

needs_mpi = pytest.mark.skipif(
    importlib.util.find_spec("mpi4py") is None or shutil.which("mpiexec") is None,
    reason="needs mpi4py and mpiexec (pip install 'jaxlite[mpi]')")

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

CASES = r'''
import numpy as np
import jaxlite as jax
import jaxlite.numpy as jnp
from jaxlite import lax
from jaxlite.sharding import Mesh, PartitionSpec as P


def run_cases():
  devs = np.array(jax.devices())
  line = Mesh(devs, ("i",))
  rows = Mesh(devs.reshape(2, 2), ("x", "y"))    # with 2 processes: x spans them, y is local
  cols = Mesh(devs.reshape(2, 2).T, ("x", "y"))  # with 2 processes: y spans them
  rng = np.random.default_rng(0)
  a = rng.normal(size=(8, 6)).astype(np.float32)
  w = rng.normal(size=(6, 3)).astype(np.float32)
  out = {}

  def sm(f, mesh, in_specs, out_specs, **kw):
    return jax.shard_map(f, mesh=mesh, in_specs=in_specs, out_specs=out_specs, **kw)

  ring = [(k, (k + 1) % 4) for k in range(4)]
  out["psum"] = sm(lambda b: lax.psum(b, "i"), line, P("i"), P())(a)
  out["pmean_pmax"] = sm(lambda b: (lax.pmean(b, "i"), lax.pmax(b, "i")), line, P("i"),
                         (P("i"), P()))(a)
  out["all_gather"] = sm(lambda b: lax.all_gather(b, "i", tiled=True), line, P("i"), P("i"))(a)
  out["ppermute_index"] = sm(lambda b: lax.ppermute(b, "i", ring) * lax.axis_index("i"),
                             line, P("i"), P("i"))(a)
  out["replicated_in"] = sm(lambda b, v: b @ v + lax.axis_index("i"), line, (P("i"), P()),
                            P("i"))(a, w)
  out["no_vma_check"] = sm(lambda b: lax.psum(b * b, "i"), line, P("i"), P(),
                           check_vma=False)(a)

  def loss_line(a, w):
    y = sm(lambda b, v: lax.ppermute(jnp.tanh(b @ v), "i", ring) + lax.psum(b @ v, "i"),
           line, (P("i"), P()), P("i"))(a, w)
    return jnp.sum(y ** 2)
  out["grad_line"] = jax.grad(loss_line, argnums=(0, 1))(a, w)
  out["jit_grad_line"] = jax.jit(jax.grad(loss_line, argnums=(0, 1)))(a, w)
  for label, mesh in (("rows", rows), ("cols", cols)):
    f = lambda b: (lax.psum(b, "x"), lax.psum(b, "y"), lax.psum(b, ("x", "y")),
                   lax.all_gather(b, "x", axis=1, tiled=True),
                   b * (10 * lax.axis_index("x") + lax.axis_index("y")))
    out[label] = sm(f, mesh, P("x", "y"),
                    (P(None, "y"), P("x"), P(), P("x", "y"), P("x", "y")))(a)
    out[label + "_specs"] = sm(lambda b, c: b.sum(1, keepdims=True) + c, mesh,
                               (P("x"), P(None, "y")), P("x", "y"))(a, a[:4])

    def loss2(a, w):
      y = sm(lambda b, v: lax.psum(jnp.sin(b) @ v, "y") * lax.axis_index("x"), mesh,
             (P("x", "y"), P("y")), P("x"))(a, w)
      return jnp.sum(y * y)
    out[label + "_grad"] = jax.jit(jax.grad(loss2, argnums=(0, 1)))(a, w)
  return jax.tree.map(lambda v: np.asarray(v).tolist(), out)


def traffic():
  """How many MPI collectives one call of each shard_map makes (None: one process)."""
  from jaxlite._src import distributed
  backend = distributed.backend()
  line = Mesh(np.array(jax.devices()), ("i",))
  a = np.ones((8, 2), np.float32)
  calls = {"split_out": (lambda b: b * 2, P("i")),
           "psum_replicated_out": (lambda b: lax.psum(b, "i"), P()),
           "two_psums_split_out": (lambda b: lax.psum(b, "i") * lax.psum(b * b, "i"), P("i"))}
  counts = {}
  for name, (f, spec) in calls.items():
    g = jax.jit(jax.shard_map(f, mesh=line, in_specs=P("i"), out_specs=spec))
    g(a)
    before = backend.count
    g(a)
    counts[name] = backend.count - before
  return counts
'''

WORKER = CASES + r'''
import json, sys
jax.distributed.initialize()
result = {"cases": run_cases(), "traffic": traffic(), "rank": jax.process_index()}
with open(f"{sys.argv[1]}/rank{jax.process_index()}.json", "w") as f:
  json.dump(result, f)
'''


@pytest.fixture(scope="module")
def reference():
  """The one-process results, on 4 simulated devices."""
  old = jax.config.jax_num_cpu_devices
  jax.config.update("jax_num_cpu_devices", 4)
  try:
    namespace: dict = {}
    exec(CASES, namespace)
    return namespace["run_cases"]()
  finally:
    jax.config.update("jax_num_cpu_devices", old)


def test_reference_results_are_right(reference):
  # The one-process run of the cases against NumPy (what the multi-process runs must equal).
  a = np.random.default_rng(0).normal(size=(8, 6)).astype(np.float32)
  blocks = a.reshape(4, 2, 6)
  np.testing.assert_allclose(reference["psum"], blocks.sum(0), rtol=1e-5)
  np.testing.assert_allclose(reference["all_gather"], np.tile(a, (4, 1)))
  np.testing.assert_allclose(reference["ppermute_index"],
                             (np.roll(blocks, 1, 0) * np.arange(4)[:, None, None]).reshape(8, 6))
  psum_x, psum_y, psum_xy, gathered, labels = reference["rows"]
  np.testing.assert_allclose(psum_xy, a.reshape(2, 4, 2, 3).sum((0, 2)), rtol=1e-5)
  halves = np.concatenate([a[:4, :3], a[4:, :3], a[:4, 3:], a[4:, 3:]], 1)
  np.testing.assert_allclose(gathered, np.tile(halves, (2, 1)))
  np.testing.assert_allclose(np.asarray(labels)[::4, ::3] / a[::4, ::3], [[0, 1], [10, 11]],
                             rtol=1e-5)
  # Gradients through the boundary and the collectives: sums of the real JAX 0.10.2 results
  # (every case above was compared with it: equal up to float32 rounding).
  for name, sums in (("grad_line", [-398.07884, 573.64140]), ("rows_grad", [-8.0160076, 7.6487818]),
                     ("cols_grad", [-8.0160076, 7.6487818])):
    np.testing.assert_allclose([np.sum(g) for g in reference[name]], sums, rtol=1e-5)


@pytest.fixture
def as_rank():
  """Pretend to be ``rank`` of ``count`` processes with ``per`` devices each (no MPI)."""
  from jaxlite._src import devices
  old = jax.config.jax_num_cpu_devices

  def become(rank, count, per):
    jax.config.update("jax_num_cpu_devices", per)
    devices._set_process(rank, count)
  yield become
  devices._set_process(0, 1)
  jax.config.update("jax_num_cpu_devices", old)


def test_mesh_layout_finds_local_sizes_and_process_groups(as_rank):
  from jaxlite._src.distributed.axes import mesh_layout
  from jaxlite.sharding import Mesh
  as_rank(1, 2, 2)
  devs = np.array(jax.devices())
  assert mesh_layout(Mesh(devs, ("i",))) == [(2, (0, 1))]
  assert mesh_layout(Mesh(devs.reshape(2, 2), ("x", "y"))) == [(1, (0, 1)), (2, None)]
  assert mesh_layout(Mesh(devs.reshape(2, 2).T, ("x", "y"))) == [(2, None), (1, (0, 1))]
  assert mesh_layout(Mesh(devs[2:], ("i",))) == [(2, None)]  # this process's devices only
  with pytest.raises(ValueError, match="no device of this process"):
    mesh_layout(Mesh(devs[:2], ("i",)))
  with pytest.raises(NotImplementedError, match="do not form a block"):
    mesh_layout(Mesh(devs[[0, 2, 1, 3]], ("i",)))
  as_rank(2, 4, 1)  # a (2, 2) mesh of 4 one-device processes: both axes span 2 of them
  assert mesh_layout(Mesh(np.array(jax.devices()).reshape(2, 2), ("x", "y"))) == \
      [(1, (0, 2)), (1, (2, 3))]


def run_mpi(tmp_path, nproc, devices):
  script = tmp_path / "worker.py"
  script.write_text(WORKER)
  env = dict(os.environ, PYTHONPATH=REPO + os.pathsep + os.environ.get("PYTHONPATH", ""),
             JAXLITE_NUM_CPU_DEVICES=str(devices), JAXLITE_MPI_TIMEOUT="20",
             OPENBLAS_NUM_THREADS="1")
  env.pop("XLA_FLAGS", None)
  proc = subprocess.run(["mpiexec", "-n", str(nproc), sys.executable, str(script), str(tmp_path)],
                        capture_output=True, text=True, env=env, timeout=90)
  assert proc.returncode == 0, proc.stderr
  return [json.loads((tmp_path / f"rank{r}.json").read_text()) for r in range(nproc)]


@needs_mpi
@pytest.mark.parametrize("nproc, devices", [(2, 2), (4, 1)])
def test_processes_compute_their_blocks_and_equal_one_process(tmp_path, reference, nproc,
                                                              devices):
  ranks = run_mpi(tmp_path, nproc, devices)
  for r in ranks:
    got, want = r["cases"], reference
    assert sorted(got) == sorted(want)
    for name in want:
      for g, w in zip(jax.tree.leaves(got[name]), jax.tree.leaves(want[name])):
        np.testing.assert_allclose(g, w, rtol=2e-6, atol=2e-6, err_msg=f"{name} rank {r['rank']}")
    # Per call: inputs need no traffic, a psum one all-reduce, a split output one all-gather
    # (over the spanning axis), a replicated output none.
    assert r["traffic"] == {"split_out": 1, "psum_replicated_out": 1, "two_psums_split_out": 3}
