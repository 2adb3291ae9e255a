"""``jax.experimental``: the parts jaxlite has."""
from jaxlite._src.config import enable_x64, disable_jit  # noqa: F401
from jaxlite._src.debugging import io_callback  # noqa: F401
