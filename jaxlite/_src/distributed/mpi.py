"""The MPI transport of jaxlite.distributed: collectives on NumPy buffers, with a deadline.

Every collective is nonblocking and polled, so a rank never waits forever: if the others do
not arrive within ``JAXLITE_MPI_TIMEOUT`` seconds (default 60), or one of them reports that
it failed, the wait ends in a ``DistributedError`` naming the operation and the ranks.

Ranks report to each other on a second communicator (``ctrl``) with small point-to-point
messages: ``("fail", text)`` when a rank dies of an exception, ``("hang", what)`` when it
timed out waiting in ``what``, ``("done", "")`` when it has printed its error and is about to
exit. mpiexec kills the whole job as soon as one rank exits with an error, so a failing rank
lingers until the others said "done" (or a few seconds passed): everyone gets to print why
it stops."""
from __future__ import annotations

import os
import sys
import time

import numpy as np

_STATUS_TAG = 7301
# Waiting polls the request, yielding the core now and then (with more ranks than cores, the
# rank being waited for needs it); reading status messages costs more, so it is done every
# _CHECK_SECONDS; past _BUSY_SECONDS the others are computing and the wait sleeps.
_CHECK_SECONDS = 0.01
_BUSY_SECONDS = 0.05


class DistributedError(RuntimeError):
  """A collective could not complete: another rank failed, or it timed out. ``cause`` says
  which rank started it (passed on to the others when this rank stops)."""

  def __init__(self, message, cause):
    super().__init__(message)
    self.cause = cause


DistributedError.__module__ = "jaxlite.distributed"


def timeout_seconds() -> float:
  value = os.environ.get("JAXLITE_MPI_TIMEOUT", "60")
  try:
    seconds = float(value)
  except ValueError:
    seconds = -1.0
  if not seconds > 0:
    raise ValueError(f"JAXLITE_MPI_TIMEOUT must be a positive number of seconds, got {value!r}")
  return seconds


def _wire_dtype(dtype):
  """The dtype a buffer is reduced in: MPI has no bfloat16, and no max/min for booleans."""
  dtype = np.dtype(dtype)
  if dtype.kind == "b":
    return np.dtype(np.uint8)
  if dtype.kind == "V" or (dtype.kind == "f" and dtype.itemsize < 4):
    return np.dtype(np.float32)
  return dtype


class MpiBackend:
  """Collectives over an MPI communicator (``MPI.COMM_WORLD`` under mpiexec)."""

  def __init__(self, comm):
    from mpi4py import MPI
    self.MPI = MPI
    self.comm = comm.Dup()   # collectives of the computation, in program order
    self.sync = comm.Dup()   # barriers, so a barrier never matches a computation's collective
    self.ctrl = comm.Dup()   # status messages between ranks
    self.rank = comm.Get_rank()
    self.size = comm.Get_size()
    self.timeout = timeout_seconds()
    self.count = 0           # collectives started here, to tell which one hung
    self.heard: dict = {}    # rank -> {kind: text} of the status messages it sent
    self._sends: list = []
    self._silent: set = set()  # ranks that did not answer when a collective timed out
    self._ops = {"sum": MPI.SUM, "max": MPI.MAX, "min": MPI.MIN}
    self._groups: dict = {}  # process group (ranks in axis order) -> its communicator

  # -- collectives ---------------------------------------------------------------------------

  def group_comm(self, group):
    """The communicator of the ranks ``group`` (in that order; None: all ranks). Made at
    first use by the group's members only, which all reach it at the same point of the
    program; MPI_Comm_create_group blocks without a deadline, once per group."""
    if group is None or tuple(group) == tuple(range(self.size)):
      return self.comm
    group = tuple(group)
    comm = self._groups.get(group)
    if comm is None:
      comm = self.comm.Create_group(self.comm.Get_group().Incl(list(group)))
      self._groups[group] = comm
    return comm

  def allreduce(self, arrays, op: str, what: str, group=None):
    """The elementwise ``op`` ('sum', 'max', 'min') of each array over all ranks (or those of
    ``group``); arrays of one dtype travel in one buffer, so a whole gradient pytree is one
    MPI call."""
    comm = self.group_comm(group)
    arrays = [np.asarray(a) for a in arrays]
    groups: dict = {}
    for i, a in enumerate(arrays):
      groups.setdefault(_wire_dtype(a.dtype), []).append(i)
    requests, results = [], []
    for wire, idx in groups.items():
      parts = [arrays[i].astype(wire, copy=False).ravel() for i in idx]
      send = np.ascontiguousarray(parts[0]) if len(parts) == 1 else np.concatenate(parts)
      recv = np.empty_like(send)
      requests.append(comm.Iallreduce(send, recv, op=self._ops[op]))
      results.append((idx, recv))
    self._wait(requests, what)
    out = [None] * len(arrays)
    for idx, recv in results:
      start = 0
      for i in idx:
        a = arrays[i]
        out[i] = recv[start:start + a.size].reshape(a.shape).astype(a.dtype, copy=False)
        start += a.size
    return out

  def allgather(self, array, what: str, group=None):
    """Every rank's ``array`` stacked along a new leading axis (rank order, or the order of
    ``group``, whose members only take part)."""
    comm = self.group_comm(group)
    a = np.asarray(array, order="C")  # (ascontiguousarray would make a scalar 1-d)
    out = np.empty((comm.Get_size(),) + a.shape, a.dtype)
    send = a.reshape(-1).view(np.uint8) if a.size else np.empty(0, np.uint8)
    recv = out.reshape(-1).view(np.uint8) if out.size else np.empty(0, np.uint8)
    self._wait([comm.Iallgather([send, self.MPI.BYTE], [recv, self.MPI.BYTE])], what)
    return out

  def barrier(self, what: str):
    self._wait([self.sync.Ibarrier()], what)

  # -- waiting with a deadline ---------------------------------------------------------------

  def _wait(self, requests, what):
    self.count += 1
    what = f"{what} (collective #{self.count})"
    start = time.monotonic()
    check = start + _CHECK_SECONDS
    polls = 0
    while not self.MPI.Request.Testall(requests):
      polls += 1
      if polls % 64:
        continue
      now = time.monotonic()
      time.sleep(0 if now - start < _BUSY_SECONDS else 0.0005)
      if now < check:
        continue
      check = now + _CHECK_SECONDS
      self._read_status()
      cause = self._cause()
      if cause:
        raise DistributedError(f"jaxlite.distributed: {what} stopped on rank {self.rank}: "
                               f"{cause}", cause)
      if now - start > self.timeout:
        self._timed_out(what)

  def _timed_out(self, what):
    self._tell_all(("hang", what))
    # Give the ranks that are stuck too a moment to say so: the rest are the missing ones.
    grace = time.monotonic() + min(2.0, self.timeout)
    others = [r for r in range(self.size) if r != self.rank]
    while time.monotonic() < grace and any(r not in self.heard for r in others):
      self._read_status()
      time.sleep(0.01)
    missing = [r for r in others if r not in self.heard]
    self._silent.update(missing)
    told = [self._why(r) for r in sorted(self.heard) if self.heard[r].get("hang") != what]
    detail = "; ".join(([f"rank(s) {missing} did not reach it"] if missing else []) + told)
    raise DistributedError(
        f"jaxlite.distributed: {what} timed out after {self.timeout:g} s on rank {self.rank} "
        f"of {self.size}" + (f": {detail}" if detail else "") + ". A rank died, hung or "
        "skipped this collective; set JAXLITE_MPI_TIMEOUT (seconds) to wait longer.",
        f"rank {self.rank} timed out waiting in {what}")

  # -- status messages -----------------------------------------------------------------------

  def _read_status(self):
    status = self.MPI.Status()
    while self.ctrl.Iprobe(source=self.MPI.ANY_SOURCE, tag=_STATUS_TAG, status=status):
      source = status.Get_source()
      kind, text = self.ctrl.recv(source=source, tag=_STATUS_TAG)
      self.heard.setdefault(source, {})[kind] = text

  def _why(self, r):
    said = self.heard[r]
    if "fail" in said:
      return f"rank {r} failed with {said['fail']}"
    if "hang" in said:
      return f"rank {r} timed out waiting in {said['hang']}"
    return said.get("done") or f"rank {r} stopped"

  def _cause(self):
    """Why the collectives cannot complete any more, if another rank stopped: preferably
    the failure that started it, else what a stopping rank passed on."""
    failed = [r for r in sorted(self.heard) if "fail" in self.heard[r]]
    stopped = [r for r in sorted(self.heard) if "done" in self.heard[r]]
    if failed or stopped:
      return self._why((failed or stopped)[0])
    return None

  def _tell_all(self, message):
    for r in range(self.size):
      if r != self.rank:
        self._sends.append(self.ctrl.isend(message, dest=r, tag=_STATUS_TAG))

  def fail(self, exc: BaseException):
    """This rank is dying of ``exc``: tell the others, then linger until they have reported
    (or a few seconds passed), so that mpiexec does not kill them before they print."""
    if isinstance(exc, DistributedError):  # caused elsewhere: pass the cause on
      self._tell_all(("done", exc.cause))
    else:
      self._tell_all(("fail", f"{type(exc).__name__}: {exc}"))
      self._tell_all(("done", ""))
    linger = time.monotonic() + min(10.0, self.timeout)
    others = [r for r in range(self.size) if r != self.rank and r not in self._silent]
    while time.monotonic() < linger and any("done" not in self.heard.get(r, {})
                                            for r in others):
      self._read_status()
      time.sleep(0.01)


def exit_on_error(backend, exc):
  """The end of a failed rank: report, wait for the others' reports, exit with status 1
  (without MPI_Finalize, which would wait for collectives that will never complete)."""
  try:
    backend.fail(exc)
  finally:
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(1)
