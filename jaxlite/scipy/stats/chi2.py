"""``jax.scipy.stats.chi2`` for jaxlite."""
from jaxlite._src.scipy.stats.chi2 import *  # noqa: F401, F403
