"""``jax.scipy.stats.laplace`` for jaxlite."""
from jaxlite._src.scipy.stats.laplace import *  # noqa: F401, F403
