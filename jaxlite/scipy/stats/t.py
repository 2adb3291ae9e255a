"""``jax.scipy.stats.t`` for jaxlite."""
from jaxlite._src.scipy.stats.t import *  # noqa: F401, F403
