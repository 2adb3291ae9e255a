"""The computation dtype of a layer, shared by Linen and NNX (their ``promote_dtype``
differ only in taking ``*args`` or one tuple)."""
import jaxlite.numpy as jnp


def canonicalize_dtype(*args, dtype=None, inexact=True):
  """``dtype`` if given, else the promoted type of ``args`` (at least float32 if inexact)."""
  if dtype is None:
    dtype = jnp.result_type(*[jnp.asarray(x) for x in args if x is not None])
    if inexact and not jnp.issubdtype(dtype, jnp.inexact):
      dtype = jnp.promote_types(jnp.float32, dtype)
  if inexact and not jnp.issubdtype(dtype, jnp.inexact):
    raise ValueError(f"Dtype must be inexact: {dtype}")
  return dtype


def cast_all(args, dtype):
  """Every non-None entry of ``args`` as an array of ``dtype``."""
  return [jnp.asarray(x, dtype) if x is not None else None for x in args]
