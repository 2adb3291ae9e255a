"""``jax.scipy.stats.betabinom`` for jaxlite."""
from jaxlite._src.scipy.stats.betabinom import *  # noqa: F401, F403
