"""``flax.training.checkpoints`` for jaxlite (legacy msgpack checkpoint files)."""
# ruff: noqa: F401
from jaxlite.flax._src.training.checkpoints import (
    available_steps, latest_checkpoint, natural_sort, restore_checkpoint, save_checkpoint)
