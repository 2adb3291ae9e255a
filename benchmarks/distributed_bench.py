"""Multi-process jaxlite: MPI all-reduce latency and bandwidth, and data-parallel step time
against the number of processes.

    python benchmarks/distributed_bench.py [--procs 1 2 4] [--steps 30] [--quick]

For each process count P it runs ``mpiexec -n P`` on this very file (worker mode) and prints
one Markdown table:
- all-reduce of n float32 (jaxlite's MPI backend, nonblocking with a deadline, as pmap's psum
  uses it): median time and bus bandwidth 2(P-1)/P * 4n / time (the traffic of a ring);
- one data-parallel training step of an MLP (64-128-128-10, SGD, pmean of the gradients) on
  a fixed global batch of 1344 rows split over the P processes (strong scaling), and the
  time of one all-reduce of its gradients (26,122 float32) inside that step.
Every process gets one BLAS thread (--blas-threads): with more threads than cores, OpenBLAS's
spinning threads slow every process down several times. Every number is a median over
repetitions; other processes on the machine distort them."""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
SIZES = (1, 1_000, 100_000, 1_000_000)


def _median_seconds(fn, repeat, number):
  fn()
  samples = []
  for _ in range(repeat):
    t = time.perf_counter()
    for _ in range(number):
      fn()
    samples.append((time.perf_counter() - t) / number)
  return statistics.median(samples)


def worker(steps, quick):
  import jaxlite as jax
  import jaxlite.numpy as jnp
  from jaxlite import lax
  from jaxlite._src import distributed

  jax.distributed.initialize()
  nproc, rank = jax.process_count(), jax.process_index()
  backend = distributed.backend()
  out = {"procs": nproc, "allreduce": {}}
  if backend is not None:
    for n in SIZES[:2] if quick else SIZES:
      x = np.ones(n, np.float32)
      number = 1 if n >= 100_000 else 20
      out["allreduce"][n] = _median_seconds(lambda: backend.allreduce([x], "sum", "bench"),
                                            3 if quick else 15, number)

  rng = np.random.default_rng(0)
  sizes = [(64, 128), (128, 128), (128, 10)]
  params = [(rng.normal(size=s).astype(np.float32) * 0.1, np.zeros(s[1], np.float32))
            for s in sizes]
  x_all = rng.normal(size=(1344, 64)).astype(np.float32)
  y_all = rng.integers(0, 10, 1344)
  rows = 1344 // nproc
  x = x_all[rank * rows:(rank + 1) * rows][None]
  y = y_all[rank * rows:(rank + 1) * rows][None]

  def loss(params, x, y):
    for w, b in params[:-1]:
      x = jnp.tanh(x @ w + b)
    w, b = params[-1]
    logp = jax.nn.log_softmax(x @ w + b)
    return -jnp.mean(jnp.take_along_axis(logp, y[:, None], axis=-1))

  def step(params, x, y):
    g = lax.pmean(jax.grad(loss)(params, x, y), "batch")
    return jax.tree.map(lambda p, d: p - 0.1 * d, params, g)

  train = jax.pmap(step, axis_name="batch", in_axes=(None, 0, 0))
  state = {"p": params}

  def one_step():
    state["p"] = jax.tree.map(lambda a: a[0], train(state["p"], x, y))
    jax.block_until_ready(state["p"])

  repeat = 3 if quick else 7
  out["step"] = _median_seconds(one_step, repeat, max(1, steps // repeat))
  n_params = sum(w.size + b.size for w, b in params)
  out["grad_allreduce"] = None
  if backend is not None:
    flat = [a for wb in params for a in wb]
    out["grad_allreduce"] = _median_seconds(lambda: backend.allreduce(flat, "sum", "bench"),
                                            repeat, 5)
  out["n_params"] = n_params
  if rank == 0:
    print("RESULT " + json.dumps(out), flush=True)
  jax.distributed.shutdown()


def _fmt_time(s):
  if s is None:
    return "-"
  return f"{s * 1e6:.0f} µs" if s < 1e-3 else f"{s * 1e3:.2f} ms"


def driver(args):
  if shutil.which("mpiexec") is None:
    sys.exit("distributed_bench: mpiexec not found (pip install 'jaxlite[mpi]')")
  threads = str(args.blas_threads)
  env = dict(os.environ, PYTHONPATH=REPO + os.pathsep + os.environ.get("PYTHONPATH", ""),
             JAXLITE_NUM_CPU_DEVICES="1", OPENBLAS_NUM_THREADS=threads, OMP_NUM_THREADS=threads,
             MKL_NUM_THREADS=threads)
  env.pop("XLA_FLAGS", None)
  results = []
  for p in args.procs:
    cmd = ["mpiexec", "-n", str(p), sys.executable, os.path.abspath(__file__), "--worker",
           "--steps", str(args.steps)] + (["--quick"] if args.quick else [])
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    if proc.returncode or not lines:
      sys.exit(f"distributed_bench: {p} processes failed:\n{proc.stdout}\n{proc.stderr}")
    results.append(json.loads(lines[0][len("RESULT "):]))
  load = os.getloadavg()[0]
  print(f"cores: {os.cpu_count()}, load average {load:.2f}; 1 simulated device and "
        f"{threads} BLAS thread(s) per process\n")
  print("| processes | " + " | ".join(f"all-reduce {n:,} f32" for n in SIZES) +
        " | DP step (1344 rows) | gradient all-reduce |")
  print("|---" * (len(SIZES) + 3) + "|")
  for r in results:
    cells = []
    for n in SIZES:
      s = r["allreduce"].get(str(n))
      if s is None:
        cells.append("-")
        continue
      p = r["procs"]
      bus = 2 * (p - 1) / p * 4 * n / s / 1e9
      cells.append(f"{_fmt_time(s)} ({bus:.2f} GB/s)" if n >= 1000 else _fmt_time(s))
    print(f"| {r['procs']} | " + " | ".join(cells) +
          f" | {_fmt_time(r['step'])} | {_fmt_time(r['grad_allreduce'])} |")


def main():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--procs", type=int, nargs="+", default=[1, 2, 4])
  parser.add_argument("--steps", type=int, default=30, help="timed steps per process count")
  parser.add_argument("--quick", action="store_true", help="few repetitions: checks only")
  parser.add_argument("--blas-threads", type=int, default=1, help="BLAS threads per process")
  parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
  args = parser.parse_args()
  if args.worker:
    worker(args.steps, args.quick)
  else:
    driver(args)


if __name__ == "__main__":
  main()
