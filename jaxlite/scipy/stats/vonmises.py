"""``jax.scipy.stats.vonmises`` for jaxlite."""
from jaxlite._src.scipy.stats.vonmises import *  # noqa: F401, F403
