"""Argument checks and small array helpers shared by the samplers."""
from __future__ import annotations

import numpy as np

import jaxlite.numpy as jnp
from jaxlite import lax
from jaxlite._src import dtypes
from jaxlite._src.random import threefry
from jaxlite._src.random.keys import canonicalize_shape, check_prng_key

__all__ = ["canonicalize_shape", "check_prng_key", "check_shape", "broadcast_shapes",
           "check_broadcast_shapes", "float_dtype", "int_dtype", "check_all_safe_to_cast",
           "random_bits", "split_key", "const", "broadcast_to_rank", "convert", "broadcast_to",
           "moveaxis"]


def broadcast_shapes(*shapes):
  try:
    return tuple(np.broadcast_shapes(*shapes))
  except ValueError:
    raise ValueError(f"Incompatible shapes for broadcasting: shapes={list(map(tuple, shapes))}"
                     ) from None


def check_shape(name, shape, *param_shapes):
  """The parameters must broadcast to exactly ``shape``."""
  if param_shapes:
    result = broadcast_shapes(shape, *param_shapes)
    if result != tuple(shape):
      raise ValueError(f"{name} parameter shapes must be broadcast-compatible with shape "
                       "argument, and the result of broadcasting the shapes must equal the "
                       f"shape argument, but got result {result} for shape argument {shape}.")


def check_broadcast_shapes(name, shape, *args):
  """``shape`` (checked against the parameters), or the parameters' broadcast shape."""
  arg_shapes = [np.shape(a) for a in args]
  if shape is None:
    return broadcast_shapes(*arg_shapes) if arg_shapes else ()
  shape = canonicalize_shape(shape)
  check_shape(name, shape, *arg_shapes)
  return shape


def float_dtype(name, dtype, complex_ok=False):
  """The canonical float dtype requested (default float), or JAX's ValueError."""
  dtype = dtypes.check_user_dtype_supported(float if dtype is None else dtype)
  ok = np.inexact if complex_ok else np.floating
  if not dtypes.issubdtype(dtype, ok):
    kind = "a float or complex" if complex_ok else "a float"
    raise ValueError(f"dtype argument to `{name}` must be {kind} dtype, got {dtype}")
  return dtype


def int_dtype(dtype):
  return dtypes.check_user_dtype_supported(int if dtype is None else dtype)


def check_all_safe_to_cast(name, dtype, *args):
  """Parameters must convert to the sample dtype without loss (Python scalars always do)."""
  for arg in args:
    if type(arg) in (int, float, bool):
      continue
    arg_dtype = dtypes.dtype(arg, canonicalize=True)
    if arg_dtype != dtype and dtypes.result_type(arg, dtype) != dtype:
      raise dtypes.TypePromotionError(f"In arguments to {name}, cannot safely cast argument "
                                      f"of type {arg_dtype} to {dtype}")


def random_bits(key, bit_width, shape):
  return threefry.threefry_random_bits(key, bit_width, shape)


def split_key(key, num=2):
  """``num`` raw keys (a tuple) from the raw key ``key``."""
  keys = threefry.threefry_split(key, (num,))
  return tuple(lax.index_in_dim(keys, i, keepdims=False) for i in range(num))


def const(like, value):
  """``value`` as a 0-d NumPy constant of ``like``'s dtype (a literal in jaxprs)."""
  return np.array(value, dtype=dtypes.dtype(like, canonicalize=True))


def broadcast_to_rank(x, rank):
  """``x`` with leading size-1 axes up to ``rank`` dimensions."""
  ndim = np.ndim(x)
  if ndim == rank:
    return x
  return lax.broadcast_in_dim(x, (1,) * (rank - ndim) + tuple(np.shape(x)),
                              tuple(range(rank - ndim, rank)))


def convert(x, dtype):
  return lax.convert_element_type(x, dtype)


def broadcast_to(x, shape):
  return x if tuple(np.shape(x)) == tuple(shape) else jnp.broadcast_to(x, shape)


def moveaxis(x, source, destination):
  ndim = np.ndim(x)
  source, destination = source % ndim, destination % ndim
  perm = [i for i in range(ndim) if i != source]
  perm.insert(destination, source)
  return lax.transpose(x, tuple(perm))
