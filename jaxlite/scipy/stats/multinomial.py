"""``jax.scipy.stats.multinomial`` for jaxlite."""
from jaxlite._src.scipy.stats.multinomial import *  # noqa: F401, F403
