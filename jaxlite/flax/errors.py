"""``flax.errors`` for jaxlite."""
# ruff: noqa: F401
from jaxlite.flax._src.errors import FlaxError, TraceContextError
from jaxlite.flax._src.core.errors import *  # noqa: F403  (Linen's error classes)
