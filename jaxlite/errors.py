"""JAX's error classes (``jax.errors``)."""
from jaxlite._src.errors import (  # noqa: F401
    ConcretizationTypeError, JAXTypeError, JAXIndexError, JaxRuntimeError, KeyReuseError,
    NonConcreteBooleanIndexError, TracerArrayConversionError, TracerBoolConversionError,
    TracerIntegerConversionError, UnexpectedTracerError)
