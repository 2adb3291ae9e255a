"""Which checkpoints to keep: ``PreservationPolicy`` objects. Each returns one bool per
checkpoint (oldest first); a checkpoint is deleted when no policy keeps it."""
from __future__ import annotations

import dataclasses
import datetime
from typing import Any, Callable, Optional, Protocol, Sequence


@dataclasses.dataclass(kw_only=True)
class PreservationContext:
  pass


class PreservationPolicy(Protocol):

  def should_preserve(self, checkpoints: Sequence[Any], *,
                      context: PreservationContext) -> Sequence[bool]:
    ...


@dataclasses.dataclass
class PreserveAll:

  def should_preserve(self, checkpoints, *, context):
    return [True] * len(checkpoints)


@dataclasses.dataclass
class LatestN:
  """Keeps the ``n`` most recent checkpoints (all if ``n`` is None)."""
  n: Optional[int] = None

  def should_preserve(self, checkpoints, *, context):
    if self.n is None or len(checkpoints) <= self.n:
      return [True] * len(checkpoints)
    return [False] * (len(checkpoints) - self.n) + [True] * self.n


def _cap(flags, max_to_keep):
  """Keeps only the last ``max_to_keep`` of the kept checkpoints."""
  if max_to_keep is not None:
    kept = [i for i, f in enumerate(flags) if f]
    for i in kept[:max(0, len(kept) - max_to_keep)]:
      flags[i] = False
  return flags


@dataclasses.dataclass
class EveryNSteps:
  """Keeps steps that are multiples of ``interval_steps`` (or, with
  ``exact_interval=False``, steps at least that far from the previous kept one)."""
  interval_steps: int
  exact_interval: bool = True
  max_to_keep: Optional[int] = None

  def should_preserve(self, checkpoints, *, context):
    if self.interval_steps == 0:
      raise ValueError("interval_steps must not be 0.")
    if self.exact_interval:
      flags = [c.step % self.interval_steps == 0 for c in checkpoints]
    else:
      flags, last = [], None
      for c in checkpoints:
        keep = last is None or c.step - last >= self.interval_steps
        flags.append(keep)
        last = c.step if keep else last
    return _cap(flags, self.max_to_keep)


@dataclasses.dataclass
class EveryNSeconds:
  """Keeps a checkpoint at least every ``interval_secs`` of save time."""
  interval_secs: int

  def should_preserve(self, checkpoints, *, context):
    flags, last = [], None
    for c in checkpoints:
      keep = last is None or c.time - last >= datetime.timedelta(seconds=self.interval_secs)
      flags.append(keep)
      last = c.time if keep else last
    return flags


@dataclasses.dataclass
class CustomSteps:
  steps: Sequence[int]

  def should_preserve(self, checkpoints, *, context):
    keep = set(self.steps)
    return [c.step in keep for c in checkpoints]


@dataclasses.dataclass
class LatestDuration:
  """Keeps the checkpoints saved within ``duration`` of now."""
  duration: datetime.timedelta

  def should_preserve(self, checkpoints, *, context):
    now = datetime.datetime.now(tz=datetime.timezone.utc)
    return [now - c.time <= self.duration for c in checkpoints]


@dataclasses.dataclass(kw_only=True)
class BestN:
  """Keeps the ``n`` best checkpoints by ``get_metric_fn(metrics)``: the largest, or with
  ``reverse=True`` the smallest. Checkpoints without metrics are kept if
  ``keep_checkpoints_without_metrics``."""
  get_metric_fn: Callable[[Any], float]
  reverse: bool = False
  n: Optional[int] = None
  keep_checkpoints_without_metrics: bool = True

  def should_preserve(self, checkpoints, *, context):
    if self.n is None or len(checkpoints) <= self.n:
      return [True] * len(checkpoints)
    if self.n == 0:
      return [False] * len(checkpoints)
    scored = [i for i, c in enumerate(checkpoints) if c.metrics is not None]
    scored.sort(key=lambda i: self.get_metric_fn(checkpoints[i].metrics), reverse=self.reverse)
    keep = set(scored[-self.n:])
    if self.keep_checkpoints_without_metrics:
      keep |= {i for i, c in enumerate(checkpoints) if c.metrics is None}
    return [i in keep for i in range(len(checkpoints))]


@dataclasses.dataclass
class AnyPreservationPolicy:
  policies: Sequence[Any]

  def should_preserve(self, checkpoints, *, context):
    votes = [p.should_preserve(checkpoints, context=context) for p in self.policies]
    return [any(v[i] for v in votes) for i in range(len(checkpoints))]


def default_policy(options) -> AnyPreservationPolicy:
  """The policy Orbax builds from ``CheckpointManagerOptions``."""
  policies = []
  if options.keep_period is not None:
    policies.append(EveryNSteps(options.keep_period))
  if options.keep_time_interval is not None:
    policies.append(EveryNSeconds(int(options.keep_time_interval.total_seconds())))
  if options.best_fn is not None:
    policies.append(BestN(get_metric_fn=options.best_fn, reverse=options.best_mode == "min",
                          n=options.max_to_keep,
                          keep_checkpoints_without_metrics=(
                              options.keep_checkpoints_without_metrics)))
  else:
    policies.append(LatestN(options.max_to_keep))
  return AnyPreservationPolicy(policies)
