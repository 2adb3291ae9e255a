"""``ocp.multihost``: barriers and the primary host of multi-process checkpointing."""
# ruff: noqa: F401
from jaxlite.orbax._src.multihost import (
    broadcast_one_to_all, is_primary_host, reached_preemption, sync_global_processes)
