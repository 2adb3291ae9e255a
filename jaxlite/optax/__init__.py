"""``jaxlite.optax``: optax (0.2.8) for jaxlite — composable gradient transformations,
optimizers, schedules and losses. ``import jaxlite.optax as optax`` and use it as optax.
"""
# ruff: noqa: F401
from jaxlite.optax import losses, schedules, transforms, tree, tree_utils
from jaxlite.optax._src.alias import (
    MaskOrFn, adabelief, adadelta, adafactor, adagrad, adam, adamax, adamaxw, adamw, adan,
    amsgrad, fromage, lamb, lars, lbfgs, lion, nadam, nadamw, noisy_sgd, novograd,
    optimistic_adam, optimistic_adam_v2, optimistic_gradient_descent, polyak_sgd, radam,
    rmsprop, rprop, sgd, sign_sgd, signum, sm3, yogi)
from jaxlite.optax._src.base import (
    EmptyState, GradientTransformation, GradientTransformationExtraArgs, OptState, Params,
    ScalarOrSchedule, Schedule, TransformInitFn, TransformUpdateExtraArgsFn,
    TransformUpdateFn, Updates, identity, init_empty_state, set_to_zero, stateless,
    stateless_with_tree_map, with_extra_args_support)
from jaxlite.optax._src.factorized import FactoredState, scale_by_factored_rms
from jaxlite.optax._src.lbfgs import ScaleByLBFGSState, scale_by_lbfgs
from jaxlite.optax._src.linear_algebra import global_norm
from jaxlite.optax._src.linesearch import (
    ScaleByBacktrackingLinesearchState, ScaleByZoomLinesearchState, ZoomLinesearchInfo,
    scale_by_backtracking_linesearch, scale_by_zoom_linesearch, value_and_grad_from_state)
from jaxlite.optax._src.lookahead import LookaheadParams, LookaheadState, lookahead
from jaxlite.optax._src.numerics import (
    safe_increment, safe_int32_increment, safe_norm, safe_root_mean_squares)
from jaxlite.optax._src.scaling import (
    ApplyEvery, ScaleByRpropState, ScaleByScheduleState, apply_every, centralize,
    normalize_by_update_norm, scale, scale_by_distance_over_gradients,
    scale_by_learning_rate, scale_by_optimistic_gradient, scale_by_param_block_norm,
    scale_by_param_block_rms, scale_by_polyak, scale_by_rprop, scale_by_schedule,
    scale_by_sign, scale_by_trust_ratio)
from jaxlite.optax._src.transform import (
    ScaleByAdaDeltaState, ScaleByAdamState, ScaleByAdanState, ScaleByAmsgradState,
    ScaleByBeliefState, ScaleByLionState, ScaleByNovogradState, ScaleByRmsState,
    ScaleByRssState, ScaleByRStdDevState, ScaleBySM3State, scale_by_adadelta, scale_by_adam,
    scale_by_adamax, scale_by_adan, scale_by_amsgrad, scale_by_belief, scale_by_lion,
    scale_by_novograd, scale_by_radam, scale_by_rms, scale_by_rss, scale_by_sm3,
    scale_by_stddev, scale_by_yogi)
from jaxlite.optax._src.update import apply_updates, incremental_update, periodic_update
from jaxlite.optax._src.utils import scale_gradient

__version__ = "0.2.8"

# Top-level aliases of names living in the subpackages, as optax exposes them.
adaptive_grad_clip = transforms.adaptive_grad_clip
AdaptiveGradClipState = EmptyState
clip = transforms.clip
clip_by_block_rms = transforms.clip_by_block_rms
clip_by_global_norm = transforms.clip_by_global_norm
ClipByGlobalNormState = EmptyState
ClipState = EmptyState
per_example_global_norm_clip = transforms.per_example_global_norm_clip
per_example_layer_norm_clip = transforms.per_example_layer_norm_clip
keep_params_nonnegative = transforms.keep_params_nonnegative
NonNegativeParamsState = transforms.NonNegativeParamsState
zero_nans = transforms.zero_nans
ZeroNansState = transforms.ZeroNansState
chain = transforms.chain
partition = transforms.partition
PartitionState = transforms.PartitionState
multi_transform = transforms.partition  # the name before optax 0.2.5
MultiTransformState = transforms.PartitionState
named_chain = transforms.named_chain
trace = transforms.trace
TraceState = transforms.TraceState
ema = transforms.ema
EmaState = transforms.EmaState
add_noise = transforms.add_noise
AddNoiseState = transforms.AddNoiseState
add_decayed_weights = transforms.add_decayed_weights
AddDecayedWeightsState = EmptyState
ScaleByTrustRatioState = EmptyState
ScaleState = EmptyState
apply_if_finite = transforms.apply_if_finite
ApplyIfFiniteState = transforms.ApplyIfFiniteState
conditionally_mask = transforms.conditionally_mask
conditionally_transform = transforms.conditionally_transform
ConditionallyMaskState = transforms.ConditionallyMaskState
ConditionallyTransformState = transforms.ConditionallyTransformState
flatten = transforms.flatten
freeze = transforms.freeze
selective_transform = transforms.selective_transform
masked = transforms.masked
MaskedNode = transforms.MaskedNode
MaskedState = transforms.MaskedState
measure_with_ema = transforms.measure_with_ema
monitor = transforms.monitor
MonitorState = transforms.MonitorState
MultiSteps = transforms.MultiSteps
MultiStepsState = transforms.MultiStepsState
ShouldSkipUpdateFunction = transforms.ShouldSkipUpdateFunction
skip_large_updates = transforms.skip_large_updates
skip_not_finite = transforms.skip_not_finite
snapshot = transforms.snapshot
SnapshotState = transforms.SnapshotState

tree_map_params = tree_utils.tree_map_params
bias_correction = tree_utils.tree_bias_correction
update_infinity_moment = tree_utils.tree_update_infinity_moment
update_moment = tree_utils.tree_update_moment
update_moment_per_elem_norm = tree_utils.tree_update_moment_per_elem_norm

constant_schedule = schedules.constant_schedule
cosine_decay_schedule = schedules.cosine_decay_schedule
cosine_onecycle_schedule = schedules.cosine_onecycle_schedule
exponential_decay = schedules.exponential_decay
inject_hyperparams = schedules.inject_hyperparams
InjectHyperparamsState = schedules.InjectHyperparamsState
join_schedules = schedules.join_schedules
linear_onecycle_schedule = schedules.linear_onecycle_schedule
linear_schedule = schedules.linear_schedule
piecewise_constant_schedule = schedules.piecewise_constant_schedule
piecewise_interpolate_schedule = schedules.piecewise_interpolate_schedule
polynomial_schedule = schedules.polynomial_schedule
sgdr_schedule = schedules.sgdr_schedule
warmup_constant_schedule = schedules.warmup_constant_schedule
warmup_cosine_decay_schedule = schedules.warmup_cosine_decay_schedule
warmup_exponential_decay_schedule = schedules.warmup_exponential_decay_schedule
inject_stateful_hyperparams = schedules.inject_stateful_hyperparams
InjectStatefulHyperparamsState = schedules.InjectStatefulHyperparamsState
WrappedSchedule = schedules.WrappedSchedule

convex_kl_divergence = losses.convex_kl_divergence
cosine_distance = losses.cosine_distance
cosine_similarity = losses.cosine_similarity
ctc_loss = losses.ctc_loss
ctc_loss_with_forward_probs = losses.ctc_loss_with_forward_probs
generalized_kl_divergence = losses.generalized_kl_divergence
hinge_loss = losses.hinge_loss
huber_loss = losses.huber_loss
kl_divergence = losses.kl_divergence
l2_loss = losses.l2_loss
log_cosh = losses.log_cosh
ntxent = losses.ntxent
sigmoid_binary_cross_entropy = losses.sigmoid_binary_cross_entropy
smooth_labels = losses.smooth_labels
safe_softmax_cross_entropy = losses.safe_softmax_cross_entropy
softmax_cross_entropy = losses.softmax_cross_entropy
softmax_cross_entropy_with_integer_labels = losses.softmax_cross_entropy_with_integer_labels
squared_error = losses.squared_error
sigmoid_focal_loss = losses.sigmoid_focal_loss
