"""``jax.scipy.stats.gennorm`` for jaxlite."""
from jaxlite._src.scipy.stats.gennorm import *  # noqa: F401, F403
