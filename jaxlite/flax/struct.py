"""``flax.struct`` for jaxlite: pytree dataclasses."""
# ruff: noqa: F401
from jaxlite.flax._src.struct import PyTreeNode, dataclass, field
