"""Multi-process jaxlite: ``jax.distributed.initialize`` over MPI.

Each process runs the same program on its own simulated devices. After ``initialize`` the
processes know each other: ``jax.devices()`` lists every process's devices (device ``p*L+i``
is process p's i-th of L), and a ``pmap`` axis spans all of them, so its collectives (psum,
all_gather...) also combine the other processes' values through MPI."""
from __future__ import annotations

import atexit
import os
import sys

from jaxlite._src import devices as devices_mod

# Environment variables that MPI launchers set in every rank they start.
_RANK_VARS = ("OMPI_COMM_WORLD_RANK", "PMI_RANK", "PMIX_RANK", "MV2_COMM_WORLD_RANK")


class _State:
  initialized = False
  backend = None  # an MpiBackend while more than one process runs
  _hook_installed = False


state = _State()


def mpi_launch_detected() -> bool:
  return any(v in os.environ for v in _RANK_VARS)


def _mpi_comm():
  try:
    from mpi4py import MPI
  except ImportError:
    raise RuntimeError("This process was started by an MPI launcher, but mpi4py is not "
                       "installed: pip install 'jaxlite[mpi]' (mpi4py and an MPICH wheel)."
                       ) from None
  return MPI.COMM_WORLD


def initialize(coordinator_address: str | None = None, num_processes: int | None = None,
               process_id: int | None = None, local_device_ids=None,
               cluster_detection_method: str | None = None, initialization_timeout: int = 300,
               heartbeat_timeout_seconds: int = 100, shutdown_timeout_seconds: int = 300,
               coordinator_bind_address: str | None = None, slice_index: int | None = None,
               partition_index: int | None = None):
  """Join the other processes of an MPI launch (``mpiexec -n N python prog.py``).

  jaxlite's processes talk through MPI, so the processes, their number and ids come from the
  launcher; ``num_processes``/``process_id``, if given, must agree with it. Without a launcher,
  only a one-process run (``num_processes=1``) can be initialized. The other arguments
  (coordinator, heartbeats, device ids) configure JAX's own runtime and are accepted for
  compatibility."""
  if state.initialized:
    raise RuntimeError("distributed.initialize should only be called once.")
  if cluster_detection_method not in (None, "mpi4py", "deactivate"):
    raise ValueError(f"cluster_detection_method {cluster_detection_method!r} is not supported "
                     "by jaxlite: it runs multi-process only under an MPI launcher ('mpi4py').")
  use_mpi = cluster_detection_method == "mpi4py" or (
      cluster_detection_method is None and mpi_launch_detected())
  if use_mpi:
    comm = _mpi_comm()
    rank, size = comm.Get_rank(), comm.Get_size()
    if num_processes is not None and num_processes != size:
      raise ValueError(f"num_processes={num_processes}, but the MPI launch has {size} "
                       "processes.")
    if process_id is not None and process_id != rank:
      raise ValueError(f"process_id={process_id}, but MPI says this process is rank {rank}.")
  elif num_processes == 1 and process_id in (None, 0):
    rank, size = 0, 1
  elif coordinator_address is None and num_processes is None:
    raise ValueError("coordinator_address should be defined. jaxlite found no MPI launch "
                     "(PMI_RANK, OMPI_COMM_WORLD_RANK... are unset): start the program with "
                     "`mpiexec -n N python ...`, or pass num_processes=1 for one process.")
  else:
    raise RuntimeError("jaxlite connects processes only through MPI, not through a "
                       f"coordinator address ({coordinator_address!r}): start every process "
                       "with `mpiexec -n N python ...` (across hosts: mpiexec -hosts ...).")
  if size > 1:
    from jaxlite._src.distributed.mpi import MpiBackend
    backend = MpiBackend(comm)
    local = devices_mod._requested_device_count()
    counts = backend.allgather(_int64(local), "initialize: local device counts")
    if len(set(counts.ravel().tolist())) != 1:
      raise ValueError("every process must have the same number of local devices, got "
                       f"{counts.ravel().tolist()} (by process): set JAXLITE_NUM_CPU_DEVICES "
                       "alike.")
    state.backend = backend
    _install_excepthook()
  devices_mod._set_process(rank, size)
  state.initialized = True
  atexit.register(_shutdown_at_exit)


def _int64(n):
  import numpy as np
  return np.array([n], np.int64)


def is_initialized() -> bool:
  return state.initialized


def shutdown():
  """Leave the distributed system: a barrier with the other processes, after which this
  process is on its own again (process_count() == 1). Does nothing if not initialized."""
  if not state.initialized:
    return
  backend = state.backend
  if backend is not None:
    backend.barrier("shutdown")
  state.backend = None
  state.initialized = False
  devices_mod._set_process(0, 1)


def _shutdown_at_exit():
  from jaxlite._src.distributed.mpi import DistributedError, exit_on_error
  backend = state.backend
  try:
    shutdown()
  except DistributedError as e:  # a failing atexit hook would still exit with status 0
    print(f"{type(e).__name__}: {e}", file=sys.stderr)
    exit_on_error(backend, e)


def _install_excepthook():
  """An uncaught exception in one rank stops the others with its message (instead of
  leaving them waiting in their next collective)."""
  if state._hook_installed:
    return
  previous = sys.excepthook

  def hook(exc_type, exc, tb):
    previous(exc_type, exc, tb)
    backend = state.backend
    if backend is not None:
      from jaxlite._src.distributed.mpi import exit_on_error
      exit_on_error(backend, exc)

  sys.excepthook = hook
  state._hook_installed = True


def backend():
  return state.backend
