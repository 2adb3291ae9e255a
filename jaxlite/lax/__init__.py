"""``jax.lax`` for jaxlite: the primitive operations, with JAX's function names."""
# ruff: noqa: F401
from jaxlite._src.lax.elementwise import *  # every elementwise primitive's function
from jaxlite._src.lax.slicing import *
from jaxlite._src.lax.structural import *
from jaxlite._src.lax.convolution import *
from jaxlite._src.lax.windowed_reductions import *
from jaxlite._src.lax.shapes import (
    broadcast_in_dim, broadcast, full, full_like, reshape, transpose, squeeze, expand_dims,
    iota, broadcasted_iota)
from jaxlite._src.lax.reductions import *
from jaxlite._src.lax.dot import dot_general, dot
from jaxlite._src.lax.precision import Precision
from jaxlite._src.lax.misc import stop_gradient, copy_p, copy
from jaxlite._src.lax.control_flow.cond import cond, switch, cond_p
from jaxlite._src.lax.control_flow.loops import scan, while_loop, fori_loop, map, scan_p, while_p
from jaxlite._src.lax.control_flow.associative_scan import associative_scan

from jaxlite._src.compat import missing_attribute as _missing_attribute
__getattr__ = _missing_attribute("jaxlite.lax", "jax.lax")
from jaxlite._src.lax.parallel import *  # noqa: E402
from jaxlite._src.sharding import with_sharding_constraint  # noqa: E402
from jaxlite.lax import linalg  # noqa: E402
from jaxlite._src.numpy.fft import lax_fft as fft, fft_p, FftType  # noqa: E402
