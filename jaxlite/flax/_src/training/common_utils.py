"""``flax.training.common_utils``: one-hot labels and small multi-device helpers."""
import jaxlite
import jaxlite.numpy as jnp
from jaxlite import lax

__all__ = ["onehot", "shard", "shard_prng_key", "stack_forest", "get_metrics"]


def onehot(labels, num_classes, on_value=1.0, off_value=0.0):
  """float32 one-hot encoding of integer ``labels`` (a new last axis of ``num_classes``)."""
  x = labels[..., None] == jnp.arange(num_classes).reshape((1,) * labels.ndim + (-1,))
  x = lax.select(x, jnp.full(x.shape, on_value), jnp.full(x.shape, off_value))
  return x.astype(jnp.float32)


def shard(xs):
  """Splits the leading axis of every leaf into ``(local_device_count, -1)``."""
  n = jaxlite.local_device_count()
  return jaxlite.tree_util.tree_map(lambda x: x.reshape((n, -1) + x.shape[1:]), xs)


def shard_prng_key(prng_key):
  """One key per local device."""
  return jaxlite.random.split(prng_key, num=jaxlite.local_device_count())


def stack_forest(forest):
  """Stacks a list of same-structured pytrees leaf by leaf."""
  return jaxlite.tree_util.tree_map(lambda *args: jnp.stack(args), *forest)


def get_metrics(device_metrics):
  """Metrics of the first device of each step, stacked over steps (as host arrays)."""
  device_metrics = jaxlite.tree_util.tree_map(lambda x: x[0], device_metrics)
  return stack_forest(jaxlite.device_get(device_metrics))
