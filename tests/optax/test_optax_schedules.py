"""Schedules: values at many steps equal optax 0.2.8's, for int32 and Python steps, under
jit and vmap; invalid arguments raise optax's errors."""
import numpy as np
import pytest

import jaxlite as jax
import jaxlite.numpy as jnp
import jaxlite.optax as optax

STEPS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 15, 20]

# (name, schedule factory, values at STEPS computed by optax 0.2.8)
CASES = [
    ('constant', lambda: optax.constant_schedule(0.3),
     [0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3]),
    ('linear', lambda: optax.linear_schedule(1.0, 0.1, transition_steps=7, transition_begin=2),
     [1.0, 1.0, 1.0, 0.8714286, 0.74285716, 0.6142857, 0.48571426, 0.35714284, 0.22857141, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1]),
    ('polynomial', lambda: optax.polynomial_schedule(1.0, 0.1, power=3, transition_steps=9),
     [1.0, 0.73209876, 0.5234568, 0.36666662, 0.254321, 0.17901233, 0.13333333, 0.10987654, 0.10123457, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1]),
    ('polynomial_zero_steps', lambda: optax.polynomial_schedule(1.0, 0.1, power=2, transition_steps=0),
     [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]),
    ('exponential', lambda: optax.exponential_decay(0.5, transition_steps=3, decay_rate=0.7),
     [0.5, 0.443952, 0.39418676, 0.35, 0.3107664, 0.27593073, 0.24499999, 0.21753648, 0.1931515, 0.1715, 0.15227553, 0.13520604, 0.12004999, 0.106592864, 0.084034994, 0.046375677]),
    ('exponential_staircase', lambda: optax.exponential_decay(0.5, 3, 0.7, transition_begin=2, staircase=True),
     [0.5, 0.5, 0.5, 0.5, 0.5, 0.35, 0.35, 0.35, 0.24499999, 0.24499999, 0.24499999, 0.1715, 0.1715, 0.1715, 0.12004999, 0.058824494]),
    ('exponential_end', lambda: optax.exponential_decay(0.5, 2, 0.5, end_value=0.1),
     [0.5, 0.35355338, 0.25, 0.17677669, 0.125, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1]),
    ('exponential_growth', lambda: optax.exponential_decay(0.5, 2, 1.5, end_value=1.0),
     [0.5, 0.61237246, 0.75, 0.91855866, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]),
    ('cosine_decay', lambda: optax.cosine_decay_schedule(1.0, decay_steps=10, alpha=0.1),
     [1.0, 0.9779754, 0.9140576, 0.8145034, 0.68905765, 0.54999995, 0.41094232, 0.28549656, 0.18594232, 0.12202458, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1]),
    ('cosine_decay_exponent', lambda: optax.cosine_decay_schedule(2.0, decay_steps=8, exponent=2.0),
     [2.0, 1.8506562, 1.4571068, 0.9559067, 0.49999994, 0.19053982, 0.042893223, 0.002897156, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]),
    ('cosine_onecycle', lambda: optax.cosine_onecycle_schedule(transition_steps=12, peak_value=1.0),
     [0.04000002, 0.28000003, 0.76000005, 1.0, 0.9698464, 0.88302267, 0.750001, 0.5868257, 0.4131782, 0.25000298, 0.11698122, 0.03015754, 4e-06, 4e-06, 4e-06, 4e-06]),
    ('linear_onecycle', lambda: optax.linear_onecycle_schedule(transition_steps=12, peak_value=1.0),
     [0.04, 0.35999998, 0.68, 1.0, 0.8628571, 0.72571427, 0.5885714, 0.45142853, 0.3142857, 0.17714286, 0.04, 0.020002, 4e-06, 4e-06, 4e-06, 4e-06]),
    ('warmup_cosine', lambda: optax.warmup_cosine_decay_schedule(0.0, 1.0, warmup_steps=3, decay_steps=12, end_value=0.05),
     [0.0, 0.33333337, 0.6666667, 1.0, 0.971354, 0.8888711, 0.7625, 0.60748285, 0.44251707, 0.28749996, 0.1611288, 0.07864598, 0.05, 0.05, 0.05, 0.05]),
    ('warmup_exponential', lambda: optax.warmup_exponential_decay_schedule(0.0, 1.0, 3, 2, 0.6, end_value=0.2),
     [0.0, 0.33333337, 0.6666667, 1.0, 0.7745967, 0.6, 0.46475804, 0.36, 0.27885482, 0.21600002, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2]),
    ('warmup_constant', lambda: optax.warmup_constant_schedule(0.1, 1.0, 4),
     [0.100000024, 0.32500005, 0.55, 0.775, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]),
    ('piecewise_constant', lambda: optax.piecewise_constant_schedule(1.0, {3: 0.5, 6: 0.1, 9: 2.0}),
     [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.05, 0.05, 0.05, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1]),
    ('piecewise_interp_linear', lambda: optax.piecewise_interpolate_schedule('linear', 1.0, {3: 0.5, 6: 0.1, 10: 4.0}),
     [1.0, 0.8333333, 0.6666666, 0.5, 0.35, 0.19999999, 0.05, 0.087500006, 0.125, 0.16250001, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2]),
    ('piecewise_interp_cosine', lambda: optax.piecewise_interpolate_schedule('cosine', 1.0, {3: 0.5, 6: 0.1}),
     [1.0, 0.875, 0.625, 0.5, 0.3875, 0.16249998, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05]),
    ('join', lambda: optax.join_schedules([optax.constant_schedule(1.0), optax.linear_schedule(2.0, 0.0, 4)], [5]),
     [1.0, 1.0, 1.0, 1.0, 1.0, 2.0, 1.5, 1.0, 0.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]),
    ('sgdr', lambda: optax.sgdr_schedule([dict(init_value=0., peak_value=1., warmup_steps=2, decay_steps=6), dict(init_value=0.5, peak_value=0.8, warmup_steps=1, decay_steps=5)]),
     [0.0, 0.5, 1.0, 0.8535534, 0.49999997, 0.14644662, 0.5, 0.8, 0.68284273, 0.39999998, 0.117157295, 0.0, 0.0, 0.0, 0.0, 0.0]),
]


@pytest.mark.parametrize("name,make,expected", CASES, ids=[c[0] for c in CASES])
def test_schedule_values_match_optax(name, make, expected):
  schedule = make()
  got = [float(schedule(jnp.asarray(i, jnp.int32))) for i in STEPS]
  np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-7, err_msg=name)


@pytest.mark.parametrize("name,make,expected", CASES[1::3], ids=[c[0] for c in CASES[1::3]])
def test_schedules_accept_python_ints_and_trace_under_jit_and_vmap(name, make, expected):
  schedule = make()
  np.testing.assert_allclose([float(schedule(i)) for i in STEPS], expected, rtol=1e-6,
                             atol=1e-7)
  steps = jnp.asarray(STEPS, jnp.int32)
  np.testing.assert_allclose(jax.vmap(jax.jit(schedule))(steps), expected, rtol=1e-6,
                             atol=1e-7)


def test_scale_by_schedule_uses_the_update_count():
  tx = optax.scale_by_schedule(optax.piecewise_constant_schedule(1.0, {2: 0.5}))
  state = tx.init(jnp.zeros(1))
  seen = []
  for _ in range(4):
    updates, state = tx.update(jnp.ones(1), state)
    seen.append(float(updates[0]))
  assert seen == [1.0, 1.0, 0.5, 0.5]
  assert int(state.count) == 4


@pytest.mark.parametrize("make,message", [
    (lambda: optax.cosine_decay_schedule(1.0, decay_steps=0), "positive decay_steps"),
    (lambda: optax.piecewise_constant_schedule(1.0, {3: -0.5}), "non-negative scale"),
    (lambda: optax.piecewise_interpolate_schedule("linear", 1.0, {3: -1.}),
     "non-negative scale"),
    (lambda: optax.piecewise_interpolate_schedule("quadratic", 1.0), "'cosine' or 'linear'"),
    (lambda: optax.linear_onecycle_schedule(0, 1.0), "non-positive `transition_steps`"),
    (lambda: optax.cosine_onecycle_schedule(-1, 1.0), "non-positive `transition_steps`"),
])
def test_invalid_schedule_arguments_raise(make, message):
  with pytest.raises(ValueError, match=message):
    make()


def test_degenerate_schedules_are_constant():
  assert optax.polynomial_schedule(2.0, 0.0, 1, transition_steps=0)(5) == 2.0
  assert optax.exponential_decay(2.0, transition_steps=0, decay_rate=0.5)(5) == 2.0
  assert optax.exponential_decay(2.0, transition_steps=3, decay_rate=0.0)(5) == 2.0
