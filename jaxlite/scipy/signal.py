"""``jax.scipy.signal`` for jaxlite."""
# ruff: noqa: F401, F403
from jaxlite._src.scipy.signal import *
from jaxlite._src.scipy.signal import __all__

from jaxlite._src.compat import missing_attribute as _missing_attribute
__getattr__ = _missing_attribute("jaxlite.scipy.signal", "jax.scipy.signal")
