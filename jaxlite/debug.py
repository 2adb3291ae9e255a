"""``jax.debug``: printing and callbacks that work inside transformations."""
from jaxlite._src.debugging import (  # noqa: F401
    debug_print as print, debug_callback as callback, breakpoint)
from jaxlite._src.sharding import visualize_array_sharding  # noqa: F401,E402
