"""``jax.dtypes``: canonicalization, promotion, and the extra dtypes."""
from jaxlite._src.dtypes import (  # noqa: F401
    bfloat16, canonicalize_dtype, check_user_dtype_supported, dtype, finfo, float0, iinfo,
    is_weakly_typed, issubdtype, promote_types, result_type, TypePromotionError,
    float8_e4m3fn, float8_e5m2, int4, uint4, extended, prng_key)
