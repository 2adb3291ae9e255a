"""Sweep cases for the cross-process primitives in a one-process run, where they are the
identity: this checks their rules (jit, jaxpr, vmap, JVP and transpose) without MPI. Their
multi-process behaviour is tested under mpiexec in tests/test_distributed.py."""
from jaxlite._src.distributed.collectives import (mpi_allgather_p, mpi_allreduce_p, mpi_concat_p,
                                                  mpi_deduplicate_p, mpi_replicate_p,
                                                  mpi_split_p)
from cases import Case, args_of, rand


def allreduce(op):
  return lambda x, y: [a * b for a, b in zip(mpi_allreduce_p.bind(x, y, op=op), (y, x))]


CASES = [
    Case("mpi_allreduce", allreduce("sum"), args_of(rand((3, 2)), rand((3, 2)))),
    Case("mpi_allreduce", allreduce("max"), args_of(rand((3,)), rand((3,))), name="max",
         grad=False),
    Case("mpi_allgather", lambda x: mpi_allgather_p.bind(x * x, num_processes=1),
         args_of(rand((2, 3)))),
    Case("mpi_allgather", lambda x: mpi_allgather_p.bind(x * x, num_processes=1, group=(0,)),
         args_of(rand((2, 3))), name="group"),
    # The shard_map boundary along an axis whose group is this process alone.
    Case("mpi_split", lambda x: mpi_split_p.bind(x * x, dim=1, group=(0,)), args_of(rand((2, 3)))),
    Case("mpi_concat", lambda x: mpi_concat_p.bind(x * x, dim=0, group=(0,)),
         args_of(rand((2, 3)))),
    Case("mpi_replicate", lambda x: mpi_replicate_p.bind(x * x, group=(0,)), args_of(rand((3,)))),
    Case("mpi_deduplicate", lambda x: mpi_deduplicate_p.bind(x * x, group=(0,)),
         args_of(rand((3,)))),
]
