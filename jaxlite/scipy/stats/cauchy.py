"""``jax.scipy.stats.cauchy`` for jaxlite."""
from jaxlite._src.scipy.stats.cauchy import *  # noqa: F401, F403
