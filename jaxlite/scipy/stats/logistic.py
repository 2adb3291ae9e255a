"""``jax.scipy.stats.logistic`` for jaxlite."""
from jaxlite._src.scipy.stats.logistic import *  # noqa: F401, F403
