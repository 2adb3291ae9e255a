"""``jax.lax`` for jaxlite: the primitive operations, with JAX's function names."""
# ruff: noqa: F401
from jaxlite._src.lax.elementwise import (
    add, sub, mul, div, neg, max, min, exp, log, sin, cos, tanh, sqrt, pow, integer_pow,
    eq, ne, lt, le, gt, ge, select, select_n, convert_element_type)
from jaxlite._src.lax.shapes import (
    broadcast_in_dim, broadcast, full, full_like, reshape, transpose, squeeze, expand_dims,
    iota, broadcasted_iota)
from jaxlite._src.lax.reductions import reduce_sum, reduce_max
from jaxlite._src.lax.dot import dot_general, dot
from jaxlite._src.lax.misc import stop_gradient
