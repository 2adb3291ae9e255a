"""``jax.scipy.stats.dirichlet`` for jaxlite."""
from jaxlite._src.scipy.stats.dirichlet import *  # noqa: F401, F403
