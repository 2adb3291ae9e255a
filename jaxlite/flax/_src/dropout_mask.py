"""The dropout computation Linen's and NNX's ``Dropout`` share."""
from jaxlite import lax, random
import jaxlite.numpy as jnp


def drop(inputs, rate, broadcast_dims, key):
  """Zero each element with probability ``rate`` (one draw along ``broadcast_dims``) and
  scale the rest by ``1 / (1 - rate)``."""
  keep_prob = 1.0 - rate
  shape = list(inputs.shape)
  for dim in broadcast_dims:
    shape[dim] = 1
  mask = jnp.broadcast_to(random.bernoulli(key, p=keep_prob, shape=shape), inputs.shape)
  return lax.select(mask, inputs / keep_prob, jnp.zeros_like(inputs))
