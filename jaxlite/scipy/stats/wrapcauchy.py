"""``jax.scipy.stats.wrapcauchy`` for jaxlite."""
from jaxlite._src.scipy.stats.wrapcauchy import *  # noqa: F401, F403
