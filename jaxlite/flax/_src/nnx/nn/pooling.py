"""Pooling (``nnx.avg_pool``, ``max_pool``, ``min_pool``, ``pool``) over the spatial axes of
channels-last inputs ``(batch..., spatial..., features)``."""
from __future__ import annotations

import numpy as np

from jaxlite import lax
from jaxlite import numpy as jnp


def pool(inputs, init, reduce_fn, window_shape, strides, padding):
  """Reduce each window with ``reduce_fn`` (``lax.reduce_window`` over spatial axes)."""
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
    assert all(len(p) == 2 for p in padding), f"each entry in padding {padding} must be length 2"
    # As in Flax: pads for one batch axis and the feature axis.
    padding = ((0, 0),) + padding + ((0, 0),)
  y = lax.reduce_window(inputs, init, reduce_fn, dims, strides, padding)
  return jnp.squeeze(y, axis=0) if single else y


def avg_pool(inputs, window_shape, strides=None, padding="VALID", count_include_pad=True):
  y = pool(inputs, 0.0, lax.add, window_shape, strides, padding)
  if count_include_pad:
    return y / np.prod(window_shape)
  div_shape = inputs.shape[:-1] + (1,)
  if len(div_shape) - 2 == len(window_shape):
    div_shape = (1,) + div_shape[1:]
  return y / pool(jnp.ones(div_shape), 0.0, lax.add, window_shape, strides, padding)


def max_pool(inputs, window_shape, strides=None, padding="VALID"):
  return pool(inputs, -jnp.inf, lax.max, window_shape, strides, padding)


def min_pool(inputs, window_shape, strides=None, padding="VALID"):
  return pool(inputs, jnp.inf, lax.min, window_shape, strides, padding)
