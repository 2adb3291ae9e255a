"""Checkpointing from several processes (``jax.distributed``): who writes, and the barriers.

As with multi-host Orbax, every process calls ``save`` and ``restore`` with the same
arguments. The primary host (``MultiprocessingOptions.primary_host``, process 0 by default)
creates the temporary directory, writes the metadata, commits (renames) and deletes old
steps; the others wait for it at barriers named like Orbax's. Orbax's array data is written
by the processes owning each shard's first replica; a jaxlite process holds every array
whole (no array is sharded across processes), so the primary writes all of it, once.
Restoring reads the whole checkpoint in every process, whatever the number of processes
that saved it.

Two kinds of barriers, as in Orbax:

- ``sync_global_processes`` in the calling (main) thread, over all processes: jaxlite's
  ``multihost_utils.sync_global_devices``, a collective of the MPI backend.
- ``barrier`` and ``agree``: safe in background threads and over a subset of processes,
  like Orbax's barriers of the distributed runtime's key-value store. Every participant
  sends its value to the lowest participant, which answers with all of them: point-to-point
  messages on the backend's status communicator, tagged by a hash of the barrier's key, so
  that concurrent barriers with different keys never match each other, nor the
  computation's collectives. The values carry each process's error, so that a save failing
  in one process fails in all instead of leaving the others waiting.

With one process (no ``jax.distributed.initialize``) none of this runs and MPI is never
imported.
"""
from __future__ import annotations

import os
import time
import zlib
from typing import Callable, Optional

from jaxlite._src import devices as devices_mod

# Orbax's coordination timeout (seconds); JAXLITE_MPI_TIMEOUT, if set, replaces it.
DEFAULT_TIMEOUT = 300
_FIRST_TAG = 8192  # lower tags are left to jaxlite.distributed's own status messages


def process_index() -> int:
  return devices_mod.process_index()


def process_count() -> int:
  return devices_mod.process_count()


def is_primary_host(primary_host: Optional[int]) -> bool:
  """Orbax's rule: ``primary_host=None`` makes every process a primary (each saves to its
  own directory)."""
  return primary_host is None or primary_host == process_index()


def unique_barrier_key(key: str, *, prefix: Optional[str] = None,
                       suffix: Optional[str] = None) -> str:
  if prefix:
    key = f"{prefix}_{key}"
  if suffix is not None:
    key = f"{key}.{suffix}"
  return key


def timeout_seconds(default: float = DEFAULT_TIMEOUT) -> float:
  value = os.environ.get("JAXLITE_MPI_TIMEOUT")
  return float(value) if value else float(default)


def participants(processes) -> list:
  """The processes taking part in a barrier: ``processes``, or all of them."""
  return sorted(processes) if processes else list(range(process_count()))


def should_skip_process_sync(processes=None) -> bool:
  return process_count() == 1 or (processes is not None and len(processes) == 1
                                  and process_index() in processes)


def sync_global_processes(name: str, *, timeout=None, processes=None, barrier_sync_fn=None,
                          record_event_name=None) -> None:
  """A barrier of the calling thread: all processes (or ``processes``) must reach ``name``."""
  del record_event_name  # (a monitoring event in Orbax)
  if should_skip_process_sync(processes):
    return
  if processes is None:
    from jaxlite._src.distributed import multihost_utils
    multihost_utils.sync_global_devices(name)
  elif barrier_sync_fn is not None:
    barrier_sync_fn(key=name, timeout_ms=int(1000 * timeout_seconds(timeout or DEFAULT_TIMEOUT)))
  else:
    barrier(name, processes=processes, timeout=timeout)


def reached_preemption(step: int) -> bool:
  from jaxlite._src.distributed import multihost_utils
  return multihost_utils.reached_preemption_sync_point(step)


def broadcast_one_to_all(in_tree, is_source: Optional[bool] = None):
  """Process 0's leaves (or those of the process passing ``is_source=True``) everywhere."""
  from jaxlite._src.distributed import multihost_utils
  return multihost_utils.broadcast_one_to_all(in_tree, is_source=is_source)


class ProcessFailed(RuntimeError):
  """Another process failed in the step all of them were taking (e.g. writing a save)."""


def barrier(key: str, error: Optional[BaseException] = None, *, processes=None,
            timeout=None) -> None:
  """A barrier safe in any thread. ``error``: this process's failure in the step just
  taken, reported to the others; if any process failed, every process raises (this one
  its own error, the others a ProcessFailed naming it)."""
  report = None if error is None else f"{type(error).__name__}: {error}"
  reports = agree(key, report, processes=processes, timeout=timeout)
  if error is not None:
    raise error
  failed = {p: r for p, r in reports.items() if r is not None}
  if failed:
    detail = "; ".join(f"process {p} failed with {r}" for p, r in sorted(failed.items()))
    raise ProcessFailed(f"jaxlite.orbax: {detail} (at {key})")


def agree(key: str, value=None, *, processes=None, timeout=None) -> dict:
  """``{process: value}`` of every participant, in every participant (a small allgather of
  picklable values; safe in any thread; also a barrier)."""
  if should_skip_process_sync(processes):
    return {process_index(): value}
  return _Exchange(key, processes, timeout).run(value)


class _Exchange:
  """One keyed allgather through the lowest participant (the root)."""

  def __init__(self, key, processes, timeout):
    from jaxlite._src import distributed
    backend = distributed.backend()
    if backend is None:
      raise RuntimeError("jaxlite.orbax: several processes but no MPI backend (was "
                         "jax.distributed.shutdown() called before the checkpoint finished?)")
    self.comm = backend.ctrl
    self.key = key
    self.me = process_index()
    self.members = participants(processes)
    if self.me not in self.members:
      raise ValueError(f"Attempted to create a barrier across a subset of processes, but "
                       f"the current process: {self.me} was not present in the provided "
                       f"list of processes: {set(self.members)}.")
    self.root = self.members[0]
    upper = backend.MPI.COMM_WORLD.Get_attr(backend.MPI.TAG_UB)
    self.tag = _FIRST_TAG + zlib.crc32(key.encode()) % (upper - _FIRST_TAG)
    self.timeout = timeout_seconds(timeout or DEFAULT_TIMEOUT)
    self.deadline = time.monotonic() + self.timeout

  def run(self, value) -> dict:
    if self.me != self.root:
      self._wait_sends([self.comm.isend((self.key, value), dest=self.root, tag=self.tag)])
      return self._receive(self.root)
    values = {self.me: value}
    for p in self.members[1:]:
      values[p] = self._receive(p, waiting_for=[q for q in self.members if q not in values])
    self._wait_sends([self.comm.isend((self.key, values), dest=p, tag=self.tag)
                      for p in self.members[1:]])
    return values

  def _receive(self, source, waiting_for=None):
    waiting = (f"process(es) {waiting_for} did not reach it" if waiting_for else
               f"process {source} did not release it (it waits for all of {self.members})")
    self._poll(lambda: self.comm.Iprobe(source=source, tag=self.tag), waiting)
    key, value = self.comm.recv(source=source, tag=self.tag)
    if key != self.key:
      raise RuntimeError(f"jaxlite.orbax: barrier mismatch: process {self.me} is at "
                         f"{self.key!r}, process {source} at {key!r}. Every process must "
                         "call save/restore/delete in the same order.")
    return value

  def _wait_sends(self, requests):
    from mpi4py import MPI
    self._poll(lambda: MPI.Request.Testall(requests), "its messages were not received")

  def _poll(self, done: Callable[[], bool], waiting: str):
    pause = 0.0
    while not done():
      if time.monotonic() > self.deadline:
        from jaxlite._src.distributed.mpi import DistributedError
        raise DistributedError(
            f"jaxlite.orbax: barrier {self.key!r} timed out after {self.timeout:g} s on "
            f"process {self.me} of {process_count()}: {waiting}. A process died, hung or did "
            "not make the same checkpoint calls; set JAXLITE_MPI_TIMEOUT (seconds) to wait "
            "longer.", f"process {self.me} timed out waiting in {self.key!r}")
      time.sleep(pause)
      pause = min(0.002, pause + 0.0001)


class Coordinator:
  """The multi-process side of one checkpointer or manager (``MultiprocessingOptions``).

  ``None`` stands for it in a one-process run: see ``for_options``."""

  def __init__(self, options, barrier_sync_fn=None, timeout=None):
    self.primary_host = options.primary_host
    self.processes = set(options.active_processes) if options.active_processes else None
    self.prefix = options.barrier_sync_key_prefix
    self._barrier_sync_fn = barrier_sync_fn
    self._timeout = timeout
    if self.processes is not None:
      if process_index() not in self.processes:
        raise ValueError("Attempted to create a barrier across a subset of processes, but "
                         f"the current process: {process_index()} was not present in the "
                         f"provided list of processes: {self.processes}.")
      if self.primary_host is not None and self.primary_host not in self.processes:
        raise ValueError(f"primary_host={self.primary_host} must be one of the "
                         f"active_processes {sorted(self.processes)}.")

  @classmethod
  def for_options(cls, options, **kwargs) -> Optional["Coordinator"]:
    """A Coordinator if several processes run, else None (the one-process code paths)."""
    if process_count() == 1:
      return None
    from jaxlite.orbax._src import options as options_lib
    return cls(options or options_lib.MultiprocessingOptions(), **kwargs)

  @property
  def is_primary(self) -> bool:
    return is_primary_host(self.primary_host)

  def key(self, name: str, suffix=None) -> str:
    return unique_barrier_key(name, prefix=self.prefix, suffix=suffix)

  def sync(self, name: str, suffix=None) -> None:
    """Barrier of the calling thread (not safe in background threads)."""
    sync_global_processes(self.key(name, suffix), processes=self.processes,
                          timeout=self._timeout)

  def thread_sync(self, name: str, suffix=None, error: Optional[BaseException] = None):
    """Barrier safe in background threads, reporting ``error`` (see ``barrier``)."""
    key = self.key(name, suffix)
    if self._barrier_sync_fn is None:
      barrier(key, error, processes=self.processes, timeout=self._timeout)
      return
    # A user's barrier (AsyncOptions.barrier_sync_fn) carries no errors: a failed process
    # raises, and the others time out at its next barrier.
    self._barrier_sync_fn(key=key, timeout_ms=int(1000 * timeout_seconds(
        self._timeout or DEFAULT_TIMEOUT)))
    if error is not None:
      raise error

  def from_primary(self, name: str, value):
    """The primary's ``value`` (computed there), in every process; also a barrier. With
    ``primary_host=None`` every process keeps its own."""
    values = agree(self.key(name), value, processes=self.processes, timeout=self._timeout)
    if self.primary_host is None:
      return value
    return values[self.primary_host]
