"""``flax.training`` for jaxlite: TrainState, checkpoints, common utils, early stopping."""
# ruff: noqa: F401
from jaxlite.flax.training import checkpoints, common_utils, early_stopping, train_state
