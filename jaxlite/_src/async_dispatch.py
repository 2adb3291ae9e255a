"""Asynchronous dispatch: long jitted calls run on a worker thread.

A call goes to the worker only when its executable has no effects (callbacks and
collectives keep their order with the caller's own work) and its first calls took at least
``MIN_SECONDS`` each: handing a call over costs some microseconds, which only pays when the
caller has something else to do meanwhile (the next batch, logging, the next call). The
caller gets arrays whose values are pending (``ArrayImpl._pending``); reading one waits. The
worker runs calls in submission order, so a call whose arguments are earlier calls' pending
results finds them ready. At most ``MAX_IN_FLIGHT`` calls wait in the queue, so a loop
cannot run ahead of the computation without bound.

An error inside a call is kept and raised, with its original traceback, wherever one of
the call's results is read (or a later call reads one of them)."""
from __future__ import annotations

import os
import queue
import sys
import threading
import time

import numpy as np

# Calls at least this long go to the worker (docs/compiler.md says why it is high);
# JAXLITE_ASYNC_MIN_SECONDS=0 sends every effect-free call (e.g. to test the whole suite so).
MIN_SECONDS = float(os.environ.get("JAXLITE_ASYNC_MIN_SECONDS", "0.01"))
PROBE_CALLS = 3      # calls timed before deciding
MAX_IN_FLIGHT = 4


class Call:
  """One submitted call: its results once ``done`` is set, or the error it raised."""
  __slots__ = ("done", "outs", "error")

  def __init__(self):
    self.done = threading.Event()
    self.outs = None
    self.error = None

  def wait(self):
    self.done.wait()
    if self.error is not None:
      raise self.error


class Result:
  """``ArrayImpl._later`` of one output of a call: shape and dtype now, the value later."""
  __slots__ = ("call", "index", "shape", "dtype")

  def __init__(self, call, index, shape, dtype):
    self.call, self.index, self.shape, self.dtype = call, index, shape, dtype

  def value(self):
    self.call.wait()
    return self.call.outs[self.index]


_queue: queue.Queue = queue.Queue(MAX_IN_FLIGHT)
_worker = None
_worker_lock = threading.Lock()


def _run_forever():
  while True:
    call, fn, consts, sources = _queue.get()
    try:
      call.outs = fn(*consts, *[s if type(s) is np.ndarray else s.value() for s in sources])
    except BaseException as e:  # noqa: BLE001 (kept for whoever reads the results)
      call.error = e
    call.done.set()
    del call, fn, consts, sources  # the worker keeps no buffer alive while it waits
    _queue.task_done()


def _start_worker():
  global _worker
  with _worker_lock:
    if _worker is None:
      _worker = threading.Thread(target=_run_forever, name="jaxlite-dispatch", daemon=True)
      _worker.start()


class Owned:
  """A pending result donated to a later call: its buffer, or a copy if anything else
  can see that buffer."""
  __slots__ = ("result",)

  def __init__(self, result):
    self.result = result

  def value(self):
    return sole_owner(self.result.value(), held_by_call=True)


def sole_owner(value, held_by_call=False):
  """``value`` if nothing but the caller holds it (no view of it, no other array on it,
  writable), else a copy: a donated buffer may be written over."""
  # References: the caller's, this frame's and getrefcount's own, plus the call's list of
  # results for a pending one.
  expected = 3 + held_by_call
  if value.base is not None or not value.flags.writeable or sys.getrefcount(value) > expected:
    return value.copy()
  return value


def submit(fn, consts, sources, out_avals):
  """Queue ``fn(*consts, *sources)`` (a source is a NumPy array, a pending ``Result`` or an
  ``Owned`` one);
  returns a ``Result`` per output, described by ``out_avals``."""
  if _worker is None:
    _start_worker()
  call = Call()
  _queue.put((call, fn, consts, sources))
  return [Result(call, k, a.shape, a.dtype) for k, a in enumerate(out_avals)]


def wait_all():
  """Block until every submitted call has finished (``jax.effects_barrier``)."""
  if _worker is not None:
    _queue.join()


class Probe:
  """Per executable: time its first calls, then say whether it goes to the worker."""
  __slots__ = ("left", "fastest")

  def __init__(self):
    self.left = PROBE_CALLS
    self.fastest = float("inf")

  def timed(self, fn, args):
    t0 = time.perf_counter()
    outs = fn(*args)
    self.fastest = min(self.fastest, time.perf_counter() - t0)
    self.left -= 1
    return outs

  def verdict(self) -> bool:
    return self.fastest >= MIN_SECONDS
