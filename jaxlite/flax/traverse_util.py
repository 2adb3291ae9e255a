"""``flax.traverse_util`` for jaxlite."""
# ruff: noqa: F401
from jaxlite.flax._src.core.traverse import flatten_dict, unflatten_dict
