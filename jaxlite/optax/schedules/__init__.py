"""``optax.schedules``: step-count -> value functions and ``inject_hyperparams``."""
# ruff: noqa: F401
from jaxlite.optax._src.base import Schedule, StatefulSchedule
from jaxlite.optax._src.inject import (
    InjectHyperparamsState, InjectStatefulHyperparamsState, WrappedSchedule,
    inject_hyperparams, inject_stateful_hyperparams)
from jaxlite.optax._src.schedule import (
    constant_schedule, cosine_decay_schedule, cosine_onecycle_schedule, exponential_decay,
    join_schedules, linear_onecycle_schedule, linear_schedule, piecewise_constant_schedule,
    piecewise_interpolate_schedule, polynomial_schedule, sgdr_schedule,
    warmup_constant_schedule, warmup_cosine_decay_schedule,
    warmup_exponential_decay_schedule)
