"""``flax.errors`` for jaxlite."""
# ruff: noqa: F401
from jaxlite.flax._src.errors import FlaxError, TraceContextError
