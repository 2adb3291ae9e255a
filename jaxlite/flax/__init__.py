"""jaxlite's Flax: the NNX neural-network library (``from jaxlite.flax import nnx``)."""
# ruff: noqa: F401
from jaxlite.flax import nnx, errors
