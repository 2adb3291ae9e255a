"""Flax's dtype promotion for layer inputs and parameters."""
from __future__ import annotations

from jaxlite import numpy as jnp


def canonicalize_dtype(*args, dtype=None, inexact: bool = True):
  if dtype is None:
    dtype = jnp.result_type(*[jnp.asarray(x) for x in args if x is not None])
    if inexact and not jnp.issubdtype(dtype, jnp.inexact):
      dtype = jnp.promote_types(jnp.float32, dtype)
  if inexact and not jnp.issubdtype(dtype, jnp.inexact):
    raise ValueError(f"Dtype must be inexact: {dtype}")
  return dtype


def promote_dtype(args, /, *, dtype=None, inexact: bool = True):
  """Cast every non-None entry of ``args`` to one dtype (``dtype`` or their result type)."""
  dtype = canonicalize_dtype(*args, dtype=dtype, inexact=inexact)
  return tuple(jnp.asarray(x, dtype) if x is not None else None for x in args)
