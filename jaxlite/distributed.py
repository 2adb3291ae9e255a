"""``jax.distributed``: run one program in several processes (under mpiexec)."""
from jaxlite._src.distributed import initialize, is_initialized, shutdown  # noqa: F401
from jaxlite._src.distributed.mpi import DistributedError  # noqa: F401
