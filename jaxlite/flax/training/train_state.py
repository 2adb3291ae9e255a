"""``flax.training.train_state`` for jaxlite."""
# ruff: noqa: F401
from jaxlite.flax._src.training.train_state import TrainState
