"""``jax.scipy.ndimage`` for jaxlite."""
# ruff: noqa: F401, F403
from jaxlite._src.scipy.ndimage import *
from jaxlite._src.scipy.ndimage import __all__

from jaxlite._src.compat import missing_attribute as _missing_attribute
__getattr__ = _missing_attribute("jaxlite.scipy.ndimage", "jax.scipy.ndimage")
