"""``flax.linen.Sequential``."""
from collections.abc import Sequence

from jaxlite.flax._src.linen.module import Module, compact


class Sequential(Module):
  """Calls ``layers`` in order; a tuple output is splatted, a dict passed as kwargs."""
  layers: Sequence

  def __post_init__(self):
    if not isinstance(self.layers, Sequence):
      raise ValueError(f"'layers' must be a sequence, got '{type(self.layers).__name__}'.")
    super().__post_init__()

  @compact
  def __call__(self, *args, **kwargs):
    if not self.layers:
      raise ValueError(f"Empty Sequential module {self.name}.")
    outputs = self.layers[0](*args, **kwargs)
    for layer in self.layers[1:]:
      if isinstance(outputs, tuple):
        outputs = layer(*outputs)
      elif isinstance(outputs, dict):
        outputs = layer(**outputs)
      else:
        outputs = layer(outputs)
    return outputs
