"""Cross-process primitives: what a collective over an axis that spans processes adds after
combining this process's members, and the boundary of a multi-process ``shard_map``.

``mpi_allreduce`` (sum/max/min of each operand over all processes, or a group of them) and
``mpi_allgather`` (every process's operand, concatenated along axis 0 in process order). Their
shapes are known while tracing, so under jit they stay in the program as calls of their
implementation, which runs the MPI operation on the NumPy buffers. They are effectful: never
removed, merged or reordered, because every process must run the same collectives in the same
order.

Inside a pmap or shard_map body each process holds its own members' values, and a cotangent
is this process's share (psum's transpose is psum). Outside a shard_map every process holds
the whole, identical array. Four primitives cross that boundary along an axis that spans a
process group: ``mpi_split`` (the whole array -> this process's block; transpose
``mpi_concat``), ``mpi_concat`` (blocks -> the whole array, an MPI all-gather; transpose
``mpi_split``), ``mpi_replicate`` (an input every process uses whole: the identity, whose
transpose sums the processes' cotangents) and ``mpi_deduplicate`` (an output every process
holds identically: the identity, whose transpose gives the cotangent to the group's first
process only, so that it is counted once)."""
from __future__ import annotations

import numpy as np

from jaxlite._src import core
from jaxlite._src import devices as devices_mod
from jaxlite._src.distributed.axes import position_in
from jaxlite._src.interpreters import ad, batching
from jaxlite._src.interpreters.ad import Zero

__all__ = ["mpi_allreduce_p", "mpi_allgather_p", "mpi_split_p", "mpi_concat_p",
           "mpi_replicate_p", "mpi_deduplicate_p"]

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


def _allreduce_impl(*xs, op, group=None):
  if devices_mod.process_count() == 1 or (group is not None and len(group) == 1):
    return [np.asarray(x) for x in xs]
  return _backend("mpi_allreduce").allreduce(xs, op, f"p{op} across processes", group)


def _allreduce_abstract_eval(*avals, op, group=None):
  if op not in _OPS:
    raise ValueError(f"mpi_allreduce op must be one of {_OPS}, got {op!r}")
  return list(avals)


def _allreduce_transpose(cts, *args, op, group=None):
  # Every process received the total, so each input's cotangent is the total of the
  # cotangents (psum's transpose is psum, across processes too).
  live = [i for i, ct in enumerate(cts) if type(ct) is not Zero]
  summed = mpi_allreduce_p.bind(*[cts[i] for i in live], op="sum", group=group) if live else []
  outs = [None] * len(cts)
  for i, s in zip(live, summed):
    outs[i] = s
  return outs


def _allreduce_batch(vals, dims, *, op, group=None):
  # Elementwise across processes, and every process batches the same way (same program).
  return mpi_allreduce_p.bind(*vals, op=op, group=group), list(dims)


mpi_allreduce_p.def_impl(_allreduce_impl)
mpi_allreduce_p.def_abstract_eval(_allreduce_abstract_eval)
mpi_allreduce_p.weak_type_rule = lambda flags, **_: list(flags)
batching.primitive_batchers[mpi_allreduce_p] = _allreduce_batch
ad.deflinear2(mpi_allreduce_p, _allreduce_transpose)
_linear_jvp = ad.primitive_jvps[mpi_allreduce_p]


def _allreduce_jvp(primals, tangents, *, op, group=None):
  if op != "sum":  # as for pmax/pmin in JAX
    raise NotImplementedError(f"Differentiation rule for 'p{op}' not implemented")
  return _linear_jvp(primals, tangents, op=op, group=group)


ad.primitive_jvps[mpi_allreduce_p] = _allreduce_jvp


def allreduce(values, op, group=None):
  """Combine each of ``values`` over all processes, or those of ``group`` (one MPI call for
  all of them)."""
  return mpi_allreduce_p.bind(*values, op=op, group=group) if values else []


# ---------------------------------------------------------------------------
# mpi_allgather

mpi_allgather_p = core.Primitive("mpi_allgather")
mpi_allgather_p.effectful = True


def _allgather_impl(x, *, num_processes, group=None):
  if num_processes == 1:
    return np.asarray(x)
  backend = _backend("mpi_allgather")
  if group is None and backend.size != num_processes:
    raise RuntimeError(f"mpi_allgather was traced for {num_processes} processes, but "
                       f"{backend.size} are running.")
  stacked = backend.allgather(x, "all_gather across processes", group)
  return stacked.reshape((-1,) + stacked.shape[2:])


def _allgather_abstract_eval(x, *, num_processes, group=None):
  if group is not None and len(group) != num_processes:
    raise ValueError(f"mpi_allgather: group {group} does not have num_processes="
                     f"{num_processes} members.")
  if not x.shape:
    raise TypeError("mpi_allgather concatenates along axis 0, so its operand needs at least "
                    "one dimension, got a scalar.")
  return x.update(shape=(x.shape[0] * num_processes,) + x.shape[1:])


def _allgather_transpose(ct, x, *, num_processes, group=None):
  if type(ct) is Zero:
    return [None]
  (total,) = mpi_allreduce_p.bind(ct, op="sum", group=group)
  return [local_block(total, x.aval.shape[0], group)]


def _allgather_batch(vals, dims, *, num_processes, group=None):
  (x,), (d,) = vals, dims
  if d is None:
    return mpi_allgather_p.bind(x, num_processes=num_processes, group=group), None
  # Concatenating along axis 0 of each example = along axis 0 with the batch dim at 1.
  return mpi_allgather_p.bind(batching.moveaxis(x, d, 1), num_processes=num_processes,
                              group=group), 1


mpi_allgather_p.def_impl(_allgather_impl)
mpi_allgather_p.def_abstract_eval(_allgather_abstract_eval)
mpi_allgather_p.weak_type_rule = lambda flags, **_: flags[0]
batching.primitive_batchers[mpi_allgather_p] = _allgather_batch
ad.deflinear2(mpi_allgather_p, _allgather_transpose)


def local_block(x, rows, group=None):
  """This process's ``rows`` rows of ``x``, a concatenation of every process's rows (or
  those of ``group``, in its order)."""
  from jaxlite._src.lax import slicing
  start = (devices_mod.process_index() if group is None else position_in(group)) * rows
  return slicing.slice_in_dim(x, start, start + rows, axis=0)


# ---------------------------------------------------------------------------
# The shard_map boundary: mpi_split / mpi_concat, mpi_replicate / mpi_deduplicate

def _physical(dim, d):
  """Where logical dimension ``dim`` is in an operand batched at ``d``."""
  return dim + 1 if d is not None and d <= dim else dim


mpi_split_p = core.Primitive("mpi_split")


def _split_impl(x, *, dim, group):
  rows = x.shape[dim] // len(group)
  start = position_in(group) * rows
  return np.asarray(x)[(slice(None),) * dim + (slice(start, start + rows),)]


def _split_abstract_eval(x, *, dim, group):
  if x.shape[dim] % len(group):
    raise ValueError(f"mpi_split: dimension {dim} of size {x.shape[dim]} does not split "
                     f"into {len(group)} equal process blocks.")
  return x.update(shape=x.shape[:dim] + (x.shape[dim] // len(group),) + x.shape[dim + 1:])


def _split_transpose(ct, x, *, dim, group):
  return [None if type(ct) is Zero else mpi_concat_p.bind(ct, dim=dim, group=group)]


mpi_split_p.def_impl(_split_impl)
mpi_split_p.def_abstract_eval(_split_abstract_eval)
mpi_split_p.weak_type_rule = lambda flags, **_: flags[0]
batching.primitive_batchers[mpi_split_p] = lambda vals, dims, *, dim, group: (
    mpi_split_p.bind(vals[0], dim=_physical(dim, dims[0]), group=group), dims[0])
ad.deflinear2(mpi_split_p, _split_transpose)


mpi_concat_p = core.Primitive("mpi_concat")
mpi_concat_p.effectful = True


def _concat_impl(x, *, dim, group):
  if len(group) == 1:
    return np.asarray(x)
  stacked = _backend("mpi_concat").allgather(x, "shard_map output across processes", group)
  return np.concatenate(list(stacked), axis=dim)


def _concat_transpose(ct, x, *, dim, group):
  return [None if type(ct) is Zero else mpi_split_p.bind(ct, dim=dim, group=group)]


mpi_concat_p.def_impl(_concat_impl)
mpi_concat_p.def_abstract_eval(lambda x, *, dim, group: x.update(
    shape=x.shape[:dim] + (x.shape[dim] * len(group),) + x.shape[dim + 1:]))
mpi_concat_p.weak_type_rule = lambda flags, **_: flags[0]
batching.primitive_batchers[mpi_concat_p] = lambda vals, dims, *, dim, group: (
    mpi_concat_p.bind(vals[0], dim=_physical(dim, dims[0]), group=group), dims[0])
ad.deflinear2(mpi_concat_p, _concat_transpose)


def _identity(name, transpose):
  prim = core.Primitive(name)
  prim.def_impl(lambda x, *, group: np.asarray(x))
  prim.def_abstract_eval(lambda x, *, group: x)
  prim.weak_type_rule = lambda flags, **_: flags[0]
  batching.primitive_batchers[prim] = lambda vals, dims, *, group: (
      prim.bind(vals[0], group=group), dims[0])
  ad.deflinear2(prim, transpose)
  return prim


def _replicate_transpose(ct, x, *, group):
  return [None if type(ct) is Zero else mpi_allreduce_p.bind(ct, op="sum", group=group)[0]]


def _deduplicate_transpose(ct, x, *, group):
  # Decided while tracing (each process traces its own program), but with real zeros: a
  # symbolic zero would skip collectives downstream that the first process runs.
  if type(ct) is Zero or position_in(group) == 0:
    return [None if type(ct) is Zero else ct]
  from jaxlite._src.lax import lax
  return [lax.full_like(ct, 0)]


mpi_replicate_p = _identity("mpi_replicate", _replicate_transpose)
mpi_deduplicate_p = _identity("mpi_deduplicate", _deduplicate_transpose)
