"""Sweep cases for the cross-process primitives in a one-process run, where they are the
identity: this checks their rules (jit, jaxpr, vmap, JVP and transpose) without MPI. Their
multi-process behaviour is tested under mpiexec in tests/test_distributed.py."""
from jaxlite._src.distributed.collectives import mpi_allgather_p, mpi_allreduce_p
from cases import Case, args_of, rand


def allreduce(op):
  return lambda x, y: [a * b for a, b in zip(mpi_allreduce_p.bind(x, y, op=op), (y, x))]


CASES = [
    Case("mpi_allreduce", allreduce("sum"), args_of(rand((3, 2)), rand((3, 2)))),
    Case("mpi_allreduce", allreduce("max"), args_of(rand((3,)), rand((3,))), name="max",
         grad=False),
    Case("mpi_allgather", lambda x: mpi_allgather_p.bind(x * x, num_processes=1),
         args_of(rand((2, 3)))),
]
