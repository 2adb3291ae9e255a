"""``jax.scipy.stats.gamma`` for jaxlite."""
from jaxlite._src.scipy.stats.gamma import *  # noqa: F401, F403
