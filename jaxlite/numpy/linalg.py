"""``jax.numpy.linalg`` for jaxlite."""
# ruff: noqa: F401, F403
from jaxlite._src.numpy.linalg import *
from jaxlite._src.numpy.linalg import __all__

from jaxlite._src.compat import missing_attribute as _missing_attribute
__getattr__ = _missing_attribute("jaxlite.numpy.linalg", "jax.numpy.linalg")
