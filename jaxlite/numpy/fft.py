"""``jax.numpy.fft`` for jaxlite."""
# ruff: noqa: F401, F403
from jaxlite._src.numpy.fft import *
from jaxlite._src.numpy.fft import __all__

from jaxlite._src.compat import missing_attribute as _missing_attribute
__getattr__ = _missing_attribute("jaxlite.numpy.fft", "jax.numpy.fft")
