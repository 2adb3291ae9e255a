"""``jax.scipy.stats.gumbel_r`` for jaxlite."""
from jaxlite._src.scipy.stats.gumbel_r import *  # noqa: F401, F403
