"""``flax.training.common_utils`` for jaxlite."""
# ruff: noqa: F401
from jaxlite.flax._src.training.common_utils import (
    get_metrics, onehot, shard, shard_prng_key, stack_forest)
