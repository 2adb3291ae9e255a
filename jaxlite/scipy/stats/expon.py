"""``jax.scipy.stats.expon`` for jaxlite."""
from jaxlite._src.scipy.stats.expon import *  # noqa: F401, F403
