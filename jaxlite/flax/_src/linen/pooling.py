"""``flax.linen`` pooling: windowed reductions over the spatial axes (channels last)."""
import numpy as np

import jaxlite.numpy as jnp
from jaxlite import lax

__all__ = ["pool", "avg_pool", "max_pool", "min_pool"]


def pool(inputs, init, reduce_fn, window_shape, strides, padding):
  """``lax.reduce_window`` over the axes before the last one (batch axes optional)."""
  num_batch_dims = inputs.ndim - (len(window_shape) + 1)
  strides = strides or (1,) * len(window_shape)
  assert len(window_shape) == len(strides), f"len({window_shape}) must equal len({strides})"
  strides = (1,) * num_batch_dims + tuple(strides) + (1,)
  dims = (1,) * num_batch_dims + tuple(window_shape) + (1,)
  single = num_batch_dims == 0
  if single:
    inputs, strides, dims = inputs[None], (1,) + strides, (1,) + dims
  assert inputs.ndim == len(dims), f"len({inputs.shape}) != len({dims})"
  if not isinstance(padding, str):
    padding = tuple(map(tuple, padding))
    assert len(padding) == len(window_shape), (
        f"padding {padding} must specify pads for same number of dims as window_shape "
        f"{window_shape}")
    assert all(len(x) == 2 for x in padding), f"each entry in padding {padding} must be length 2"
    padding = ((0, 0),) + padding + ((0, 0),)
  y = lax.reduce_window(inputs, init, reduce_fn, dims, strides, padding)
  return jnp.squeeze(y, axis=0) if single else y


def avg_pool(inputs, window_shape, strides=None, padding="VALID", count_include_pad=True):
  """Mean over windows (padding counted in the divisor unless ``count_include_pad=False``)."""
  y = pool(inputs, 0.0, lax.add, window_shape, strides, padding)
  if count_include_pad:
    return y / np.prod(window_shape)
  div_shape = inputs.shape[:-1] + (1,)
  if len(div_shape) - 2 == len(window_shape):
    div_shape = (1,) + div_shape[1:]
  return y / pool(jnp.ones(div_shape), 0.0, lax.add, window_shape, strides, padding)


def max_pool(inputs, window_shape, strides=None, padding="VALID"):
  """Maximum over windows."""
  return pool(inputs, -jnp.inf, lax.max, window_shape, strides, padding)


def min_pool(inputs, window_shape, strides=None, padding="VALID"):
  """Minimum over windows."""
  return pool(inputs, jnp.inf, lax.min, window_shape, strides, padding)
