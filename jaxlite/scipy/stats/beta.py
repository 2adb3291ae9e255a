"""``jax.scipy.stats.beta`` for jaxlite."""
from jaxlite._src.scipy.stats.beta import *  # noqa: F401, F403
