"""When to save: ``SaveDecisionPolicy`` objects (``CheckpointManager.should_save``)."""
from __future__ import annotations

import dataclasses
import datetime
from typing import Any, Container, Optional, Protocol, Sequence, runtime_checkable


@dataclasses.dataclass
class CheckpointInfo:
  """A saved (or candidate) step: its number, save time and metrics."""
  step: int
  time: datetime.datetime
  metrics: Optional[Any] = None


PolicyCheckpointInfo = CheckpointInfo


@dataclasses.dataclass(kw_only=True)
class DecisionContext:
  is_saving_in_progress: bool = False
  reached_preemption: bool = False
  multiprocessing_options: Any = None


@runtime_checkable
class SaveDecisionPolicy(Protocol):

  def should_save(self, step: CheckpointInfo, previous_steps: Sequence[CheckpointInfo], *,
                  context: DecisionContext) -> bool:
    ...


@dataclasses.dataclass
class FixedIntervalPolicy:
  """Saves every step that is a multiple of ``interval``."""
  interval: int

  def should_save(self, step, previous_steps, *, context):
    return step.step % self.interval == 0


@dataclasses.dataclass
class SpecificStepsPolicy:
  steps: Container[int]

  def should_save(self, step, previous_steps, *, context):
    return step.step in self.steps


@dataclasses.dataclass(kw_only=True)
class ContinuousCheckpointingPolicy:
  """Saves whenever no save is running, at most every ``minimum_interval_secs``."""
  minimum_interval_secs: Optional[int] = None

  def should_save(self, step, previous_steps, *, context):
    if context.is_saving_in_progress:
      return False
    if not previous_steps or self.minimum_interval_secs is None:
      return True
    elapsed = step.time - previous_steps[-1].time
    return elapsed >= datetime.timedelta(seconds=self.minimum_interval_secs)


@dataclasses.dataclass
class PreemptionCheckpointingPolicy:

  def should_save(self, step, previous_steps, *, context):
    return context.reached_preemption


@dataclasses.dataclass
class InitialSavePolicy:
  """Saves when nothing has been saved yet."""

  def should_save(self, step, previous_steps, *, context):
    return not previous_steps


@dataclasses.dataclass
class AnySavePolicy:
  policies: Sequence[Any]

  def should_save(self, step, previous_steps, *, context):
    return any(p.should_save(step, previous_steps, context=context) for p in self.policies)


@dataclasses.dataclass
class ShouldSaveFnPolicy:
  should_save_fn: Any

  def should_save(self, step, previous_steps, *, context):
    return self.should_save_fn(step.step, previous_steps[-1].step if previous_steps else None)


def default_policy(options) -> AnySavePolicy:
  """The policy Orbax builds from ``CheckpointManagerOptions``."""
  if options.should_save_fn is not None:
    return AnySavePolicy([ShouldSaveFnPolicy(options.should_save_fn),
                          PreemptionCheckpointingPolicy()])
  policies = []
  if options.save_interval_steps is not None and options.save_interval_steps > 0:
    policies.append(FixedIntervalPolicy(options.save_interval_steps))
  if options.save_on_steps is not None:
    policies.append(SpecificStepsPolicy(options.save_on_steps))
  return AnySavePolicy(policies + [PreemptionCheckpointingPolicy(), InitialSavePolicy()])
