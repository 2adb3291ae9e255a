"""``jax.scipy.special`` for jaxlite."""
# ruff: noqa: F401, F403
from jaxlite._src.scipy.special import *
from jaxlite._src.scipy.special import __all__

from jaxlite._src.compat import missing_attribute as _missing_attribute
__getattr__ = _missing_attribute("jaxlite.scipy.special", "jax.scipy.special")
