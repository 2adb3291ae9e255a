"""``jax.scipy.stats.multivariate_normal`` for jaxlite."""
from jaxlite._src.scipy.stats.multivariate_normal import *  # noqa: F401, F403
