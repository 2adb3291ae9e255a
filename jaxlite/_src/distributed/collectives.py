"""Cross-process primitives: what a collective over an axis that spans processes adds after
combining this process's members.

``mpi_allreduce`` (sum/max/min of each operand over all processes) and ``mpi_allgather``
(every process's operand, concatenated along axis 0 in process order). Their shapes are known
while tracing, so under jit they stay in the program as calls of their implementation, which
runs the MPI operation on the NumPy buffers. They are effectful: never removed, merged or
reordered, because every process must run the same collectives in the same order."""
from __future__ import annotations

import numpy as np

from jaxlite._src import core
from jaxlite._src import devices as devices_mod
from jaxlite._src.interpreters import ad, batching
from jaxlite._src.interpreters.ad import Zero

__all__ = ["mpi_allreduce_p", "mpi_allgather_p"]

_OPS = ("sum", "max", "min")


def _backend(what):
  from jaxlite._src import distributed
  backend = distributed.backend()
  if backend is None:
    raise RuntimeError(f"{what} needs more than one process, but jaxlite.distributed is not "
                       "initialized with several (call jax.distributed.initialize() in every "
                       "process of an mpiexec launch).")
  return backend


# ---------------------------------------------------------------------------
# mpi_allreduce

mpi_allreduce_p = core.Primitive("mpi_allreduce", multiple_results=True)
mpi_allreduce_p.effectful = True


def _allreduce_impl(*xs, op):
  if devices_mod.process_count() == 1:
    return [np.asarray(x) for x in xs]
  return _backend("mpi_allreduce").allreduce(xs, op, f"p{op} across processes")


def _allreduce_abstract_eval(*avals, op):
  if op not in _OPS:
    raise ValueError(f"mpi_allreduce op must be one of {_OPS}, got {op!r}")
  return list(avals)


def _allreduce_transpose(cts, *args, op):
  # Every process received the total, so each input's cotangent is the total of the
  # cotangents (psum's transpose is psum, across processes too).
  live = [i for i, ct in enumerate(cts) if type(ct) is not Zero]
  summed = mpi_allreduce_p.bind(*[cts[i] for i in live], op="sum") if live else []
  outs = [None] * len(cts)
  for i, s in zip(live, summed):
    outs[i] = s
  return outs


def _allreduce_batch(vals, dims, *, op):
  # Elementwise across processes, and every process batches the same way (same program).
  return mpi_allreduce_p.bind(*vals, op=op), list(dims)


mpi_allreduce_p.def_impl(_allreduce_impl)
mpi_allreduce_p.def_abstract_eval(_allreduce_abstract_eval)
mpi_allreduce_p.weak_type_rule = lambda flags, **_: list(flags)
batching.primitive_batchers[mpi_allreduce_p] = _allreduce_batch
ad.deflinear2(mpi_allreduce_p, _allreduce_transpose)
_linear_jvp = ad.primitive_jvps[mpi_allreduce_p]


def _allreduce_jvp(primals, tangents, *, op):
  if op != "sum":  # as for pmax/pmin in JAX
    raise NotImplementedError(f"Differentiation rule for 'p{op}' not implemented")
  return _linear_jvp(primals, tangents, op=op)


ad.primitive_jvps[mpi_allreduce_p] = _allreduce_jvp


def allreduce(values, op):
  """Combine each of ``values`` over all processes (one MPI call for all of them)."""
  return mpi_allreduce_p.bind(*values, op=op) if values else []


# ---------------------------------------------------------------------------
# mpi_allgather

mpi_allgather_p = core.Primitive("mpi_allgather")
mpi_allgather_p.effectful = True


def _allgather_impl(x, *, num_processes):
  if num_processes == 1:
    return np.asarray(x)
  backend = _backend("mpi_allgather")
  if backend.size != num_processes:
    raise RuntimeError(f"mpi_allgather was traced for {num_processes} processes, but "
                       f"{backend.size} are running.")
  stacked = backend.allgather(x, "all_gather across processes")
  return stacked.reshape((-1,) + stacked.shape[2:])


def _allgather_abstract_eval(x, *, num_processes):
  if not x.shape:
    raise TypeError("mpi_allgather concatenates along axis 0, so its operand needs at least "
                    "one dimension, got a scalar.")
  return x.update(shape=(x.shape[0] * num_processes,) + x.shape[1:])


def _allgather_transpose(ct, x, *, num_processes):
  if type(ct) is Zero:
    return [None]
  (total,) = mpi_allreduce_p.bind(ct, op="sum")
  return [local_block(total, x.aval.shape[0])]


def _allgather_batch(vals, dims, *, num_processes):
  (x,), (d,) = vals, dims
  if d is None:
    return mpi_allgather_p.bind(x, num_processes=num_processes), None
  # Concatenating along axis 0 of each example = along axis 0 with the batch dim at 1.
  return mpi_allgather_p.bind(batching.moveaxis(x, d, 1), num_processes=num_processes), 1


mpi_allgather_p.def_impl(_allgather_impl)
mpi_allgather_p.def_abstract_eval(_allgather_abstract_eval)
mpi_allgather_p.weak_type_rule = lambda flags, **_: flags[0]
batching.primitive_batchers[mpi_allgather_p] = _allgather_batch
ad.deflinear2(mpi_allgather_p, _allgather_transpose)


def local_block(x, rows):
  """This process's ``rows`` rows of ``x``, a concatenation of every process's rows."""
  from jaxlite._src.lax import slicing
  start = devices_mod.process_index() * rows
  return slicing.slice_in_dim(x, start, start + rows, axis=0)
