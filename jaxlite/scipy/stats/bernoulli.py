"""``jax.scipy.stats.bernoulli`` for jaxlite."""
from jaxlite._src.scipy.stats.bernoulli import *  # noqa: F401, F403
