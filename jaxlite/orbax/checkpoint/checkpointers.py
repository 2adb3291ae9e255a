"""``ocp.checkpointers``."""
# ruff: noqa: F401
from jaxlite.orbax._src.checkpointers import (
    AbstractCheckpointer, AsyncCheckpointer, Checkpointer, PyTreeCheckpointer,
    StandardCheckpointer)
