"""Flax's dtype promotion for layer inputs and parameters."""
from __future__ import annotations

from jaxlite.flax._src.layer_dtypes import canonicalize_dtype, cast_all  # noqa: F401


def promote_dtype(args, /, *, dtype=None, inexact: bool = True):
  """Cast every non-None entry of ``args`` to one dtype (``dtype`` or their result type)."""
  return tuple(cast_all(args, canonicalize_dtype(*args, dtype=dtype, inexact=inexact)))
