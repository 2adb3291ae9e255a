"""``jax.scipy.stats.poisson`` for jaxlite."""
from jaxlite._src.scipy.stats.poisson import *  # noqa: F401, F403
