"""``flax.linen.Dropout``."""
from collections.abc import Sequence

import jaxlite.numpy as jnp
from jaxlite.flax._src.dropout_mask import drop
from jaxlite.flax._src.linen.module import Module, compact, merge_param


class Dropout(Module):
  """Zeroes inputs with probability ``rate`` and scales the rest by ``1/(1-rate)``.

  Needs the ``'dropout'`` rng (``rngs={'dropout': key}``) unless deterministic.
  """
  rate: float
  broadcast_dims: Sequence[int] = ()
  deterministic: bool | None = None
  rng_collection: str = "dropout"

  @compact
  def __call__(self, inputs, deterministic=None, rng=None):
    deterministic = merge_param("deterministic", self.deterministic, deterministic)
    if self.rate == 0.0 or deterministic:
      return inputs
    if self.rate == 1.0:  # avoids 0/0 in the gradient
      return jnp.zeros_like(inputs)
    if rng is None:
      rng = self.make_rng(self.rng_collection)
    return drop(inputs, self.rate, self.broadcast_dims, rng)
