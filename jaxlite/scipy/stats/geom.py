"""``jax.scipy.stats.geom`` for jaxlite."""
from jaxlite._src.scipy.stats.geom import *  # noqa: F401, F403
