"""``flax.training.early_stopping`` for jaxlite."""
# ruff: noqa: F401
from jaxlite.flax._src.training.early_stopping import EarlyStopping
