"""``nnx.metrics``: running metrics held in Variables (so they work inside ``nnx.jit``)."""
from __future__ import annotations

import dataclasses

import numpy as np

from jaxlite import numpy as jnp
from jaxlite import tree_util as jtu
from jaxlite.flax._src.nnx import graphlib
from jaxlite.flax._src.nnx.pytreelib import Pytree
from jaxlite.flax._src.nnx.variablelib import Variable


class MetricState(Variable):
  """The kind of the Variables metrics keep their running sums in."""


class Metric(Pytree):
  def __init__(self):
    raise NotImplementedError("Must override `__init__()` method.")

  def reset(self):
    raise NotImplementedError("Must override `reset()` method.")

  def update(self, **kwargs):
    raise NotImplementedError("Must override `update()` method.")

  def compute(self):
    raise NotImplementedError("Must override `compute()` method.")

  def split(self, *filters):
    return graphlib.split(self, *filters)


class Average(Metric):
  """Running mean of the keyword argument ``argname`` passed to ``update``."""

  def __init__(self, argname: str = "values"):
    self.argname = argname
    self.total = MetricState(jnp.array(0, dtype=jnp.float32))
    self.count = MetricState(jnp.array(0, dtype=jnp.int32))

  def reset(self):
    self.total[...] = jnp.array(0, dtype=jnp.float32)
    self.count[...] = jnp.array(0, dtype=jnp.int32)

  def update(self, mask=None, **kwargs):
    if self.argname not in kwargs:
      raise TypeError(f"Expected keyword argument '{self.argname}'")
    values = kwargs[self.argname]
    if mask is not None and isinstance(values, (int, float)):
      raise ValueError(f"If mask is provided, {self.argname} should be a jax array")
    if isinstance(values, (int, float)):
      self.total[...] += values
      self.count[...] += 1
    elif mask is None:
      self.total[...] += values.sum()
      self.count[...] += values.size
    else:
      self.total[...] += (values * mask.astype(values.dtype)).sum()
      self.count[...] += mask.sum().astype(self.count.dtype)

  def compute(self):
    return self.total / self.count


@dataclasses.dataclass(frozen=True)
class Statistics:
  mean: object
  standard_error_of_mean: object
  standard_deviation: object


jtu.register_pytree_node(
    Statistics, lambda s: ((s.mean, s.standard_error_of_mean, s.standard_deviation), None),
    lambda _, c: Statistics(*c))


class Welford(Metric):
  """Running mean, standard deviation and standard error (Welford's algorithm)."""

  def __init__(self, argname: str = "values"):
    self.argname = argname
    self.count = MetricState(jnp.array(0, dtype=jnp.int32))
    self.mean = MetricState(jnp.array(0, dtype=jnp.float32))
    self.m2 = MetricState(jnp.array(0, dtype=jnp.float32))

  def reset(self):
    self.count[...] = jnp.array(0, dtype=jnp.uint32)
    self.mean[...] = jnp.array(0, dtype=jnp.float32)
    self.m2[...] = jnp.array(0, dtype=jnp.float32)

  def update(self, **kwargs):
    if self.argname not in kwargs:
      raise TypeError(f"Expected keyword argument '{self.argname}'")
    values = kwargs[self.argname]
    scalar = isinstance(values, (int, float))
    count = 1 if scalar else values.size
    original_count = self.count[...]
    self.count[...] += count
    delta = (values if scalar else values.mean()) - self.mean
    self.mean[...] += delta * count / self.count
    m2 = 0.0 if scalar else values.var() * count
    self.m2[...] += m2 + delta * delta * count * original_count / self.count

  def compute(self):
    variance = self.m2 / self.count
    std = variance ** 0.5
    return Statistics(mean=self.mean[...], standard_error_of_mean=std / self.count ** 0.5,
                      standard_deviation=std)


class Accuracy(Average):
  """Fraction of ``argmax(logits) == labels`` (or ``(logits >= threshold) == labels``)."""

  def __init__(self, threshold=None, *args, **kwargs):
    if threshold is not None and not isinstance(threshold, float):
      raise TypeError(f"Expected threshold to be a float, got {type(threshold)}")
    self.threshold = threshold
    super().__init__(*args, **kwargs)

  def update(self, *, logits, labels, mask=None, **_):
    if self.threshold is not None:
      if logits.ndim != labels.ndim:
        raise ValueError("For binary classification, expected logits.ndim==labels.ndim, got "
                         f"{logits.ndim} and {labels.ndim}")
    elif logits.ndim != labels.ndim + 1:
      raise ValueError("For multi-class classification, expected logits.ndim==labels.ndim+1, "
                       f"got {logits.ndim} and {labels.ndim}")
    if labels.dtype in (jnp.int64, np.int32, np.int64):
      labels = jnp.astype(labels, jnp.int32)
    elif labels.dtype != jnp.int32:
      raise ValueError(f"Expected labels.dtype==jnp.int32, got {labels.dtype}")
    if self.threshold is not None:
      super().update(values=(logits >= self.threshold) == (labels > 0), mask=mask)
    else:
      super().update(values=logits.argmax(axis=-1) == labels, mask=mask)


class MultiMetric(Metric):
  """Several named metrics updated together: ``MultiMetric(loss=Average('loss'), ...)``."""

  def __init__(self, **metrics):
    self._metric_names = tuple(metrics)
    for name, metric in metrics.items():
      setattr(self, name, metric)

  def reset(self):
    for name in self._metric_names:
      getattr(self, name).reset()

  def update(self, **updates):
    mask = updates.pop("mask", None)
    for name in self._metric_names:
      metric_mask = mask.get(name) if isinstance(mask, dict) else mask
      extra = {"mask": metric_mask} if metric_mask is not None else {}
      getattr(self, name).update(**updates | extra)

  def compute(self):
    return {name: getattr(self, name).compute() for name in self._metric_names}
