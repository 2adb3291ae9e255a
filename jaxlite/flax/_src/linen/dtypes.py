"""``flax.linen.dtypes``: choosing the computation dtype of a layer."""
from jaxlite.flax._src.layer_dtypes import canonicalize_dtype, cast_all

__all__ = ["canonicalize_dtype", "promote_dtype"]


def promote_dtype(*args, dtype=None, inexact=True):
  """All ``args`` cast to one dtype (see ``canonicalize_dtype``); Nones stay None."""
  return cast_all(args, canonicalize_dtype(*args, dtype=dtype, inexact=inexact))
