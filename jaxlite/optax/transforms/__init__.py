"""``optax.transforms``: the building-block gradient transformations."""
# ruff: noqa: F401
from jaxlite.optax._src.accumulation import (
    EmaState, MultiSteps, MultiStepsState, ShouldSkipUpdateFunction, TraceState, ema,
    skip_large_updates, skip_not_finite, trace)
from jaxlite.optax._src.adding import AddNoiseState, add_decayed_weights, add_noise
from jaxlite.optax._src.clipping import (
    adaptive_grad_clip, clip, clip_by_block_rms, clip_by_global_norm,
    per_example_global_norm_clip, per_example_layer_norm_clip, unitwise_clip,
    unitwise_norm)
from jaxlite.optax._src.combine import PartitionState, chain, named_chain, partition
from jaxlite.optax._src.conditionality import (
    ApplyIfFiniteState, ConditionallyMaskState, ConditionallyTransformState, ConditionFn,
    apply_if_finite, conditionally_mask, conditionally_transform)
from jaxlite.optax._src.constrain import (
    NonNegativeParamsState, ZeroNansState, keep_params_nonnegative, zero_nans)
from jaxlite.optax._src.monitoring import (
    MonitorState, SnapshotState, measure_with_ema, monitor, snapshot)
from jaxlite.optax._src.wrappers import (
    MaskedNode, MaskedState, flatten, freeze, masked, selective_transform)
