"""``jax.scipy.stats.uniform`` for jaxlite."""
from jaxlite._src.scipy.stats.uniform import *  # noqa: F401, F403
