"""``flax.training.early_stopping.EarlyStopping``."""
import math

from jaxlite.flax._src import struct

__all__ = ["EarlyStopping"]


class EarlyStopping(struct.PyTreeNode):
  """Stops when the metric has not improved by ``min_delta`` for ``patience`` updates.

  ``es = es.update(loss)``, then read ``es.should_stop`` and ``es.has_improved``.
  """
  min_delta: float = 0
  patience: int = 0
  best_metric: float = float("inf")
  patience_count: int = 0
  should_stop: bool = False
  has_improved: bool = False

  def reset(self):
    return self.replace(best_metric=float("inf"), patience_count=0, should_stop=False,
                        has_improved=False)

  def update(self, metric):
    """The state after observing ``metric`` (lower is better)."""
    if math.isinf(self.best_metric) or self.best_metric - metric > self.min_delta:
      return self.replace(best_metric=metric, patience_count=0, has_improved=True)
    should_stop = self.patience_count >= self.patience or self.should_stop
    return self.replace(patience_count=self.patience_count + 1, should_stop=should_stop,
                        has_improved=False)
