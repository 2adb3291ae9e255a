"""``jax.custom_derivatives``."""
from jaxlite._src.custom_derivatives import (  # noqa: F401
    custom_jvp, custom_vjp, SymbolicZero, zero_from_primal, custom_jvp_call_p, custom_vjp_call_p)
