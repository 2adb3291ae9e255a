"""Small checks and dtype/key canonicalization shared by the transformations."""
from __future__ import annotations

import numpy as np

import jaxlite as jax
import jaxlite.numpy as jnp


def is_array(x) -> bool:
  """``isinstance(x, jax.Array)`` as JAX answers it: True for tracers too.

  jaxlite's tracers are not registered as ``jax.Array`` subclasses, so they are
  recognized by their abstract value.
  """
  return isinstance(x, jax.Array) or hasattr(x, "aval")


def canonicalize_dtype(dtype):
  """``None`` stays ``None``; otherwise the dtype as JAX would store it (x64 off)."""
  if dtype is not None:
    return jax.dtypes.canonicalize_dtype(dtype)
  return dtype


def canonicalize_key(key_or_seed):
  """A PRNG key from a key or an integer seed."""
  if is_array(key_or_seed):
    return key_or_seed
  from jaxlite import random  # imported late: the module is optional
  return random.key(key_or_seed)


def check_subdtype(array, subdtype):
  dtype = jax.dtypes.result_type(array)
  if not jnp.issubdtype(dtype, subdtype):
    raise TypeError(f"Expected the input to have a dtype that is a subdtype of "
                    f"{subdtype}, got {dtype} instead")


def _shape(a):
  return a.shape if hasattr(a, "shape") else np.asarray(a).shape


def check_shapes_equal(a, b):
  if _shape(a) != _shape(b):
    raise ValueError(f"Shape mismatch: got {_shape(a)} and {_shape(b)}.")


def check_rank(array, rank: int):
  if len(_shape(array)) != rank:
    raise ValueError(f"Expected the input to have rank {rank}, got "
                     f"{len(_shape(array))} instead")


@jax.custom_vjp
def _scale_gradient(inputs, scale):
  del scale
  return inputs


def _scale_gradient_fwd(inputs, scale):
  return _scale_gradient(inputs, scale), scale


def _scale_gradient_bwd(scale, g):
  return jax.tree.map(lambda g_: g_ * scale, g), None


_scale_gradient.defvjp(_scale_gradient_fwd, _scale_gradient_bwd)


def scale_gradient(inputs, scale):
  """The identity on ``inputs``, but gradients flowing back through it are scaled.

  >>> import jaxlite as jax
  >>> from jaxlite.optax import scale_gradient
  >>> jax.grad(lambda x: scale_gradient(x ** 2, 0.5))(3.0)
  Array(3., dtype=float32, weak_type=True)
  """
  if scale == 1.0:
    return inputs
  if scale == 0.0:
    return jax.lax.stop_gradient(inputs)
  return _scale_gradient(inputs, scale)
