"""One engine's measuring process: ``python worker.py ENGINE [--quick]`` (jaxlite, jax or numpy).

Speaks JSON lines: one request per stdin line, one reply per stdout line. Every timing is
taken here, inside the engine's own process, so the pipe costs nothing measured. The
runner drives several workers in turn, which is what interleaves the engines."""
from __future__ import annotations

import gc
import json
import os
import platform
import sys
import time
import traceback

import numpy as np

import registry


def _loop(fn, args, number, block):
  gc.disable()  # as timeit does: collections triggered by other code are noise
  try:
    t0 = time.perf_counter()
    for _ in range(number):
      out = fn(*args)
    block(out)
    return time.perf_counter() - t0
  finally:
    gc.enable()


def _calibrate(fn, args, block, min_time):
  """The loop count that makes one sample last at least ``min_time`` seconds."""
  number = 1
  while True:
    elapsed = _loop(fn, args, number, block)
    if elapsed >= min_time or number >= 10**7:
      return number
    number = int(number * min(10.0, 1.2 * min_time / max(elapsed, 1e-7))) + 1


def _leaves(tree):
  if isinstance(tree, dict):
    return [leaf for k in sorted(tree) for leaf in _leaves(tree[k])]
  if isinstance(tree, (list, tuple)):
    return [leaf for item in tree for leaf in _leaves(item)]
  return [tree]


def _check(out):
  """Per-leaf sums of absolute values: lets the runner see every engine computed the same."""
  return [float(np.sum(np.abs(np.asarray(leaf, dtype=np.float64)))) for leaf in _leaves(out)]


WARMUP_SECONDS = 2.0


class Worker:
  def __init__(self, engine_name, quick=False):
    self.engine = registry.Engine(engine_name, quick)
    self.workloads = registry.load_all()
    self.prepared = {}  # workload name -> (fn, args, number)

  def info(self):
    return {"version": self.engine.version, "numpy": np.__version__,
            "python": platform.python_version()}

  def _first_call(self, w):
    bench = w.setup(self.engine)
    gc.collect()
    t0 = time.perf_counter()
    out = bench[0](*bench[1:])
    self.engine.block(out)
    return time.perf_counter() - t0, out

  def prepare(self, name, min_time):
    w = self.workloads[name]
    bench = w.setup(self.engine)
    if bench is None:
      return {"available": False}
    fn, args = bench[0], bench[1:]
    if w.fresh:
      # One untimed fresh call: one-off costs of the first compile in a process are not
      # what this measures.
      del bench, fn, args
      _, out = self._first_call(w)
      return {"available": True, "number": 1, "check": _check(out)}
    out = fn(*args)  # the first call compiles
    check = _check(out)
    self.engine.block(fn(*args))
    if not self.engine.quick:
      self._warm_up(fn, args)
    number = _calibrate(fn, args, self.engine.block, min_time)
    self.prepared[name] = (fn, args, number)
    return {"available": True, "number": number, "check": check}

  def _warm_up(self, fn, args):
    """Steady state: call for WARMUP_SECONDS, then let jaxlite finish the native kernels
    its tier 2 queued meanwhile (built in the background once a region has run ~1 s)."""
    end = time.perf_counter() + WARMUP_SECONDS
    while time.perf_counter() < end:
      self.engine.block(fn(*args))
    if self.engine.name == "jaxlite":
      from jaxlite._src.compiler import native
      native.worker.wait()

  def sample(self, name):
    w = self.workloads[name]
    if w.fresh:
      return {"seconds": self._first_call(w)[0]}
    fn, args, number = self.prepared[name]
    return {"seconds": _loop(fn, args, number, self.engine.block) / number}

  def release(self, name):
    self.prepared.pop(name, None)
    gc.collect()
    return {}


def main():
  engine_name = sys.argv[1]
  # Keep the protocol channel private: anything a library prints goes to stderr.
  reply_stream = os.fdopen(os.dup(1), "w", buffering=1)
  os.dup2(2, 1)
  try:
    worker = Worker(engine_name, quick="--quick" in sys.argv[2:])
  except Exception:
    reply_stream.write(json.dumps({"error": traceback.format_exc()}) + "\n")
    return
  reply_stream.write(json.dumps({"ready": True}) + "\n")
  for line in sys.stdin:
    request = json.loads(line)
    op = request.pop("op")
    if op == "quit":
      break
    try:
      reply = getattr(worker, op)(**request)
    except Exception:
      reply = {"error": traceback.format_exc()}
    reply_stream.write(json.dumps(reply) + "\n")


if __name__ == "__main__":
  main()
