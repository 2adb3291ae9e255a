"""``jax.scipy.stats.gumbel_l`` for jaxlite."""
from jaxlite._src.scipy.stats.gumbel_l import *  # noqa: F401, F403
