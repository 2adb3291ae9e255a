"""``flax.linen`` pooling: the same functions NNX exports (one implementation for both)."""
# ruff: noqa: F401
from jaxlite.flax._src.nnx.nn.pooling import avg_pool, max_pool, min_pool, pool

__all__ = ["pool", "avg_pool", "max_pool", "min_pool"]
