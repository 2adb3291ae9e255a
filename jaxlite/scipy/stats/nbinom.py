"""``jax.scipy.stats.nbinom`` for jaxlite."""
from jaxlite._src.scipy.stats.nbinom import *  # noqa: F401, F403
