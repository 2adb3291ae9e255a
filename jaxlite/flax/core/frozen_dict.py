"""``flax.core.frozen_dict`` for jaxlite."""
# ruff: noqa: F401
from jaxlite.flax._src.core.frozen_dict import (
    FrozenDict, copy, freeze, pop, pretty_repr, unfreeze)
