"""``jax.lax.linalg`` for jaxlite: the linear-algebra primitives and their functions."""
# ruff: noqa: F401, F403
from jaxlite._src.lax.linalg import *
from jaxlite._src.lax.linalg import __all__

from jaxlite._src.compat import missing_attribute as _missing_attribute
__getattr__ = _missing_attribute("jaxlite.lax.linalg", "jax.lax.linalg")
