"""``jax.scipy.stats.truncnorm`` for jaxlite."""
from jaxlite._src.scipy.stats.truncnorm import *  # noqa: F401, F403
