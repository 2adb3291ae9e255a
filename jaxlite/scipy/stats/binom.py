"""``jax.scipy.stats.binom`` for jaxlite."""
from jaxlite._src.scipy.stats.binom import *  # noqa: F401, F403
