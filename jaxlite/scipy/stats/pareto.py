"""``jax.scipy.stats.pareto`` for jaxlite."""
from jaxlite._src.scipy.stats.pareto import *  # noqa: F401, F403
