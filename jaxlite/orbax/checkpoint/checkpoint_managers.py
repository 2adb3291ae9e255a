"""``ocp.checkpoint_managers``: the manager and its save / preservation policies."""
# ruff: noqa: F401
from jaxlite.orbax._src.manager import AbstractCheckpointManager, CheckpointManager
from jaxlite.orbax._src.options import CheckpointManagerOptions
from jaxlite.orbax._src.preservation_policies import (
    AnyPreservationPolicy, BestN, CustomSteps, EveryNSeconds, EveryNSteps, LatestDuration,
    LatestN, PreservationContext, PreservationPolicy)
from jaxlite.orbax._src.save_policies import (
    AnySavePolicy, ContinuousCheckpointingPolicy, DecisionContext, FixedIntervalPolicy,
    InitialSavePolicy, PolicyCheckpointInfo, PreemptionCheckpointingPolicy,
    SaveDecisionPolicy, SpecificStepsPolicy)
