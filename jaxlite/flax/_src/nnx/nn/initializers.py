"""``nnx.initializers``: the initializers Linen and NNX share."""
# ruff: noqa: F401, F403
from jaxlite.flax._src.initializers import *
from jaxlite.flax._src.initializers import zeros_init, ones_init
