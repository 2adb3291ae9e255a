"""``ocp.options``."""
# ruff: noqa: F401
from jaxlite.orbax._src.options import (
    AsyncOptions, AtomicityMode, AtomicityOptions, FileOptions, MultiprocessingOptions)
