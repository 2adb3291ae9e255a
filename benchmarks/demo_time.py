"""The main job end to end: the digits demo under jaxlite and, with --jax-python, the same
file under the real stack, alternating runs so a busy phase of the host hits both alike.

    python benchmarks/demo_time.py [--jax-python PATH] [--runs 3] [--epochs 500]

Prints each run's wall time and the demo's own "training" time, then the ratios of the
medians (jaxlite / JAX). Wall time includes interpreter start, imports, data loading,
tracing/compilation, training and writing the figures.
"""
from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLE = os.path.join(HERE, "..", "jaxlite", "examples", "digits_nnx.py")


def _run(cmd, env=None):
  start = time.perf_counter()
  out = subprocess.run(cmd, capture_output=True, text=True, env=env)
  wall = time.perf_counter() - start
  if out.returncode != 0:
    raise SystemExit(f"{' '.join(cmd)} failed:\n{out.stderr[-2000:]}")
  training = float(re.search(r"training: ([\d.]+) s", out.stdout).group(1))
  accuracy = re.search(r"test accuracy: (\S+)", out.stdout).group(1)
  return wall, training, accuracy


def main(argv=None):
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--jax-python", metavar="PATH", help="a Python that has jax and flax")
  parser.add_argument("--runs", type=int, default=3)
  parser.add_argument("--epochs", type=int, default=500)
  args = parser.parse_args(argv)
  with open("/proc/loadavg") as f:
    print(f"load average before: {f.read().split()[0]}")
  engines = {"jaxlite": [sys.executable, "-m", "jaxlite", "demo", "digits"]}
  if args.jax_python:
    engines["jax"] = [args.jax_python, EXAMPLE]
  results = {name: [] for name in engines}
  with tempfile.TemporaryDirectory() as out:
    for i in range(args.runs):
      for name, cmd in engines.items():
        wall, training, acc = _run(cmd + ["--epochs", str(args.epochs), "--out", out])
        results[name].append((wall, training))
        print(f"run {i + 1} {name:8s} wall {wall:6.2f} s  training {training:6.2f} s  "
              f"accuracy {acc}")
  medians = {n: tuple(statistics.median(r[k] for r in rs) for k in (0, 1))
             for n, rs in results.items()}
  for name, (wall, training) in medians.items():
    print(f"median {name:8s} wall {wall:6.2f} s  training {training:6.2f} s")
  if "jax" in medians:
    (jw, jt), (xw, xt) = medians["jaxlite"], medians["jax"]
    print(f"jaxlite / JAX: wall {jw / xw:.2f}x, training {jt / xt:.2f}x")
  return 0


if __name__ == "__main__":
  sys.exit(main())
