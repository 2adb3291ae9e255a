"""``jax.sharding``: meshes, partition specs and shardings."""
from jaxlite._src.sharding import (  # noqa: F401
    Mesh, NamedSharding, PartitionSpec, Shard)
from jaxlite._src.devices import SingleDeviceSharding  # noqa: F401
