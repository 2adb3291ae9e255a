"""jaxlite's Flax: NNX (``from jaxlite.flax import nnx``) and Linen (``from jaxlite.flax import linen``)."""
# ruff: noqa: F401
from jaxlite.flax import nnx, errors, linen, core, struct, serialization, training, traverse_util
