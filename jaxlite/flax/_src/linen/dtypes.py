"""``flax.linen.dtypes``: choosing the computation dtype of a layer."""
import jaxlite.numpy as jnp

__all__ = ["canonicalize_dtype", "promote_dtype"]


def canonicalize_dtype(*args, dtype=None, inexact=True):
  """``dtype`` if given, else the promoted type of ``args`` (at least float32 if inexact)."""
  if dtype is None:
    dtype = jnp.result_type(*[jnp.asarray(x) for x in args if x is not None])
    if inexact and not jnp.issubdtype(dtype, jnp.inexact):
      dtype = jnp.promote_types(jnp.float32, dtype)
  if inexact and not jnp.issubdtype(dtype, jnp.inexact):
    raise ValueError(f"Dtype must be inexact: {dtype}")
  return dtype


def promote_dtype(*args, dtype=None, inexact=True):
  """All ``args`` cast to one dtype (see ``canonicalize_dtype``); Nones stay None."""
  dtype = canonicalize_dtype(*args, dtype=dtype, inexact=inexact)
  return [jnp.asarray(x, dtype) if x is not None else None for x in args]
