"""``jax.scipy.stats.norm`` for jaxlite."""
from jaxlite._src.scipy.stats.norm import *  # noqa: F401, F403
