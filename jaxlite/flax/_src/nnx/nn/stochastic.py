"""``nnx.Dropout``."""
from __future__ import annotations

from jaxlite import numpy as jnp
from jaxlite.flax._src.dropout_mask import drop
from jaxlite.flax._src.nnx import rnglib, tracers
from jaxlite.flax._src.nnx.module import Module, first_from
from jaxlite.flax._src.nnx.pytreelib import data


class Dropout(Module):
  """Zero each element with probability ``rate`` and scale the rest by ``1/(1-rate)``.

  Given ``rngs`` at construction it keeps its own stream, forked from ``rngs['dropout']``
  (which advances that stream, as in Flax)."""

  def __init__(self, rate: float, *, broadcast_dims=(), deterministic=False,
               rng_collection: str = "dropout", rngs=None):
    self.rate = rate
    self.broadcast_dims = broadcast_dims
    self.deterministic = deterministic
    self.rng_collection = rng_collection
    if isinstance(rngs, rnglib.Rngs):
      self.rngs = rngs[rng_collection].fork()
    elif isinstance(rngs, rnglib.RngStream):
      self.rngs = rngs.fork()
    elif rngs is None:
      self.rngs = data(None)
    else:
      raise TypeError(f"rngs must be a Rngs, RngStream or None, but got {type(rngs)}.")

  def __call__(self, inputs, *, deterministic=None, rngs=None):
    deterministic = first_from(
        deterministic, self.deterministic,
        error_msg="No `deterministic` argument was provided to Dropout. Consider one of the "
        "following options:\n\n1. Pass `deterministic` to the Dropout constructor:\n\n  "
        "self.dropout = nnx.Dropout(..., deterministic=True/False)\n\n2. Pass `deterministic` "
        "to the Dropout __call__:\n\n  self.dropout(x, deterministic=True/False)\n")
    if self.rate == 0.0 or deterministic:
      return inputs
    if self.rate == 1.0:
      return jnp.zeros_like(inputs)
    rngs = first_from(rngs, self.rngs, error_msg=(
        "`deterministic` is False, but no `rngs` argument was provided to Dropout\n"
        "          as either a __call__ argument or class attribute."))
    if isinstance(rngs, rnglib.Rngs):
      key = rngs[self.rng_collection]()
    elif isinstance(rngs, rnglib.RngStream):
      key = rngs()
    elif tracers.is_array(rngs):
      key = rngs
    else:
      raise TypeError(f"rngs must be a Rngs, RngStream or jax.Array, but got {type(rngs)}.")
    return drop(inputs, self.rate, self.broadcast_dims, key)

  def set_view(self, deterministic=None):
    if deterministic is not None:
      self.deterministic = deterministic
