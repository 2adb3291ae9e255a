"""Wrappers and combinators: masking, partitioning, gradient accumulation, skipping
non-finite steps, conditional steps, injected hyperparameters, lookahead. Expected
values come from optax 0.2.8."""
import numpy as np
import pytest

import jaxlite as jax
import jaxlite.numpy as jnp
import jaxlite.optax as optax

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def close(a, b, rtol=1e-6, atol=1e-7):
  np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=rtol, atol=atol)


def test_masked_hides_the_masked_leaves_from_the_inner_state():
  params = {'w': jnp.array([1., -1.]), 'b': jnp.array(0.5)}
  tx = optax.masked(optax.adam(0.1), {'w': True, 'b': False})
  state = tx.init(params)
  assert isinstance(state.inner_state[0].mu['b'], optax.MaskedNode)
  updates, _ = tx.update({'w': jnp.ones(2), 'b': jnp.array(7.)}, state)
  assert float(updates['b']) == 7.0  # passed through untouched
  close(updates['w'], [-0.09999933, -0.09999933])  # adam's first step: -lr * g / (|g| + eps)
  # A mask may also be a function of the params, and a prefix of their structure.
  nested = {'layer': {'w': jnp.ones(2), 'b': jnp.ones(1)}, 'head': jnp.ones(3)}
  tx = optax.masked(optax.set_to_zero(), lambda p: {'layer': True, 'head': False})
  out, _ = tx.update(nested, tx.init(nested))
  close(out['layer']['w'], [0., 0.])
  close(out['head'], [1., 1., 1.])


def test_partition_routes_each_label_to_its_transformation():
  params = {'w': jnp.array([1., 2.]), 'b': jnp.array([3.])}
  tx = optax.multi_transform({'a': optax.sgd(1.0), 'z': optax.set_to_zero()},
                             lambda p: {'w': 'a', 'b': 'z'})
  state = tx.init(params)
  assert isinstance(state, optax.PartitionState) and set(state.inner_states) == {'a', 'z'}
  updates, _ = tx.update(params, state, params)
  close(updates['w'], [-1., -2.])
  close(updates['b'], [0.])
  with pytest.raises(ValueError, match="no corresponding transformation"):
    optax.partition({'a': optax.sgd(1.0)}, {'w': 'a', 'b': 'missing'}).init(params)


def test_freeze_and_selective_transform():
  params = {'w': jnp.array([1., 2.]), 'b': jnp.array([3.])}
  tx = optax.chain(optax.freeze({'w': True, 'b': False}), optax.sgd(1.0))
  updates, _ = tx.update(params, tx.init(params))
  close(updates['w'], [0., 0.])
  close(updates['b'], [-3.])
  tx = optax.selective_transform(optax.sgd(1.0), freeze_mask={'w': False, 'b': True})
  updates, _ = tx.update(params, tx.init(params))
  close(updates['w'], [-1., -2.])
  close(updates['b'], [0.])


def test_named_chain_keys_its_state_by_name():
  tx = optax.named_chain(('clip', optax.clip(1.0)), ('sgd', optax.sgd(0.5, momentum=0.9)))
  state = tx.init(jnp.zeros(2))
  assert list(state) == ['clip', 'sgd']
  updates, state = tx.update(jnp.array([3., -0.5]), state)
  close(updates, [-0.5, 0.25])
  with pytest.raises(ValueError, match="unique names"):
    optax.named_chain(('a', optax.identity()), ('a', optax.identity()))


def test_multi_steps_accumulates_skips_non_finite_and_reports_updates():
  ms = optax.MultiSteps(optax.adam(0.1), 2, should_skip_update_fn=optax.skip_not_finite)
  params = jnp.array([1., 2.])
  state = ms.init(params)
  grads = [[1., 1.], [np.nan, 1.], [3., -1.], [1., 0.5], [2., 2.]]
  # optax 0.2.8: (update, mini_step, gradient_step, has_updated) after each call.
  expected = [([0., 0.], 1, 0, False), ([0., 0.], 1, 0, False),
              ([-0.09999934, 0.], 0, 1, True), ([0., 0.], 1, 1, False),
              ([-0.09825652, -0.07441293], 0, 2, True)]
  for g, (u_exp, mini, grad_step, updated) in zip(grads, expected):
    updates, state = ms.update(jnp.asarray(g), state, params)
    params = optax.apply_updates(params, updates)
    close(updates, u_exp, rtol=1e-5)
    assert (int(state.mini_step), int(state.gradient_step)) == (mini, grad_step)
    assert bool(ms.has_updated(state)) == updated
  assert int(state.skip_state['num_not_finite']) == 0
  with pytest.raises(ValueError, match="boolean scalar"):
    bad = optax.MultiSteps(optax.sgd(1.), 2, should_skip_update_fn=lambda *a: (jnp.ones(2), ()))
    bad.update(jnp.ones(2), bad.init(jnp.ones(2)))


def test_apply_if_finite_skips_bad_steps_until_too_many():
  tx = optax.apply_if_finite(optax.sgd(1.0, momentum=0.5), max_consecutive_errors=2)
  state = tx.init(jnp.array([1., 2.]))
  grads = [[1., 1.], [np.inf, 1.], [np.nan, 1.], [np.nan, 1.], [1., 1.]]
  # optax 0.2.8: updates, notfinite_count, last_finite, total_notfinite.
  expected = [([-1., -1.], 0, True, 0), ([0., 0.], 1, False, 1), ([0., 0.], 2, False, 2),
              ([np.nan, -1.5], 3, False, 3), ([np.nan, -1.75], 0, True, 3)]
  for g, (u_exp, count, finite, total) in zip(grads, expected):
    updates, state = tx.update(jnp.asarray(g), state)
    np.testing.assert_allclose(updates, u_exp, equal_nan=True)
    assert (int(state.notfinite_count), bool(state.last_finite),
            int(state.total_notfinite)) == (count, finite, total)


def test_conditionally_mask_and_transform():
  cm = optax.conditionally_mask(optax.sgd(1.0, momentum=0.5), lambda step: step % 2 == 1)
  ct = optax.conditionally_transform(optax.scale(3.0), lambda step: step >= 2)
  s1, s2 = cm.init(jnp.zeros(2)), ct.init(jnp.zeros(2))
  seen = []
  for _ in range(4):
    u1, s1 = cm.update(jnp.ones(2), s1)
    u2, s2 = ct.update(jnp.ones(2), s2)
    seen.append((float(u1[0]), float(u2[0])))
  assert seen == [(0., 1.), (-1., 1.), (0., 3.), (-1.5, 3.)]
  assert int(s1.step) == int(s2.step) == 4


def test_inject_hyperparams_puts_numeric_arguments_in_the_state():
  opt = optax.inject_hyperparams(optax.adamw, static_args='mask')(
      learning_rate=optax.linear_schedule(0.1, 0.0, 4), weight_decay=0.1, mask=None)
  params = {'w': jnp.array([1., -1.]), 'b': jnp.array(0.5)}
  state = opt.init(params)
  assert sorted(state.hyperparams) == ['b1', 'b2', 'eps', 'eps_root', 'learning_rate',
                                       'weight_decay']
  assert state.hyperparams['eps'].dtype == jnp.float32
  step = jax.jit(opt.update)
  for _ in range(3):
    updates, state = step(params, state, params)
    params = optax.apply_updates(params, updates)
  close(params['w'], [0.75519127, -0.75519127], rtol=1e-5)
  close(params['b'], 0.2680105, rtol=1e-5)
  close(state.hyperparams['learning_rate'], 0.05)
  assert int(state.hyperparams_states['learning_rate'].count) == 3

  opt = optax.inject_hyperparams(optax.sgd, hyperparam_dtype=jnp.float16)(0.1, momentum=0.9)
  assert opt.init(params).hyperparams['momentum'].dtype == jnp.float16
  with pytest.raises(ValueError, match="subset of `inner_factory`'s parameters"):
    optax.inject_hyperparams(optax.sgd, static_args=('nope',))


def test_injected_learning_rate_can_be_changed_between_steps():
  opt = optax.inject_hyperparams(optax.sgd)(learning_rate=0.1)
  state = opt.init(jnp.zeros(1))
  state.hyperparams['learning_rate'] = jnp.asarray(2.0)
  updates, _ = opt.update(jnp.ones(1), state)
  close(updates, [-2.])


def test_lookahead_matches_optax():
  opt = optax.lookahead(optax.adam(0.1), sync_period=3, slow_step_size=0.5, reset_state=True)
  params = optax.LookaheadParams.init_synced(jnp.array([1., -2.]))
  state = opt.init(params)
  for _ in range(5):
    updates, state = opt.update(2 * params.fast, state, params)
    params = optax.apply_updates(params, updates)
  close(params.fast, [0.651315, -1.6504977], rtol=1e-5)
  close(params.slow, [0.85079414, -1.8503127], rtol=1e-5)
  assert int(state.steps_since_sync) == 2 and int(state.fast_state[0].count) == 2
  with pytest.raises(ValueError, match="Synchronization period"):
    optax.lookahead(optax.sgd(1.), sync_period=0, slow_step_size=0.5)


def test_flatten_gives_the_same_steps_as_the_tree():
  params = {'a': jnp.array([[1., 2.], [3., 4.]]), 'b': jnp.array([-1.])}
  grads = {'a': jnp.array([[.1, -.2], [.3, .4]]), 'b': jnp.array([.5])}
  flat, tree = optax.flatten(optax.adam(0.1)), optax.adam(0.1)
  fs, ts = flat.init(params), tree.init(params)
  assert fs[0].mu.shape == (5,)
  for _ in range(2):
    fu, fs = flat.update(grads, fs, params)
    tu, ts = tree.update(grads, ts, params)
  for x, y in zip(jax.tree.leaves(fu), jax.tree.leaves(tu)):
    close(x, y)


def test_tree_map_params_maps_only_parameter_shaped_state():
  opt = optax.chain(optax.masked(optax.adam(0.1), {'w': True, 'b': False}),
                    optax.trace(0.9))
  params = {'w': jnp.array([1., -1.]), 'b': jnp.array(0.5)}
  state = optax.tree_map_params(opt, lambda x: x + 1., opt.init(params))
  adam_state = state[0].inner_state[0]
  assert int(adam_state.count) == 0  # not a parameter-shaped leaf
  close(adam_state.mu['w'], [1., 1.])
  assert isinstance(adam_state.mu['b'], optax.MaskedNode)
  close(state[1].trace['b'], 1.)


def test_constraints_and_clipping():
  zn = optax.zero_nans()
  tree = {'a': jnp.array([np.nan, 1.]), 'b': jnp.array([2.])}
  updates, state = zn.update(tree, zn.init(tree))
  close(updates['a'], [0., 1.])
  assert bool(state.found_nan['a']) and not bool(state.found_nan['b'])
  tx = optax.keep_params_nonnegative()
  params = jnp.array([1., 1.])
  close(tx.update(jnp.array([-3., .5]), tx.init(params), params)[0], [-1., .5])
  tree = {'a': jnp.array([3., 4.]), 'b': jnp.array([[1., 2.]])}
  clipped, _ = optax.clip_by_global_norm(1.5).update(tree, optax.EmptyState())
  close(clipped['a'], [0.82158387, 1.0954452])
  close(clipped['b'], [[0.2738613, 0.5477226]])
  tree = {'a': jnp.array([3., 4.]), 'b': jnp.array([[.1, .2]])}
  clipped, _ = optax.clip_by_block_rms(0.5).update(tree, optax.EmptyState())
  close(clipped['a'], [0.42426407, 0.56568545])
  close(clipped['b'], [[.1, .2]])


def test_per_example_clipping_matches_optax():
  grads = {'a': jnp.arange(6.).reshape(3, 2), 'b': jnp.ones(3)}
  summed, num_clipped = optax.per_example_global_norm_clip(grads, 2.0)
  close(summed['a'], [2.3034718, 4.1466007])
  close(summed['b'], 1.8431293)
  assert int(num_clipped) == 2
  summed, num_clipped = optax.per_example_layer_norm_clip(grads, 2.0, uniform=False)
  close(summed['a'], [1.9259444, 3.6338859])
  assert int(num_clipped['a']) == 2 and int(num_clipped['b']) == 0
  with pytest.raises(ValueError, match="batch dimension"):
    optax.per_example_global_norm_clip({'a': jnp.ones(3), 'b': jnp.ones(2)}, 1.)


def test_add_noise_matches_optax_and_needs_jaxlite_random():
  pytest.importorskip("jaxlite.random")
  tx = optax.add_noise(0.5, 0.55, key=7)
  state = tx.init(jnp.zeros(3))
  expected = [[0.51189363, 1.6289535, 1.5391381], [1.7179124, 0.8181246, 0.022856]]
  for exp in expected:
    updates, state = tx.update(jnp.ones(3), state)
    close(updates, exp, rtol=1e-5)
  assert int(state.count) == 2


def test_monitor_and_snapshot_record_measurements():
  tx = optax.chain(optax.monitor({'norm': optax.tree.norm,
                                  'ema': optax.measure_with_ema(optax.tree.norm, 0.5)}),
                   optax.snapshot('last', lambda u: u))
  state = tx.init(jnp.zeros(2))
  updates, state = tx.update(jnp.array([3., 4.]), state)
  close(updates, [3., 4.])
  close(state[0].measurements['norm'], 5.)
  close(state[0].measurements['ema'], 5.)  # debiased after one step
  close(state[1].measurement['last'], [3., 4.])


def test_updates_helpers():
  params = {'w': jnp.ones(2, jnp.bfloat16), 'n': None}
  new = optax.apply_updates(params, {'w': jnp.array([0.5, 1.], jnp.float32), 'n': None})
  assert new['w'].dtype == jnp.bfloat16 and new['n'] is None
  close(optax.incremental_update(jnp.ones(2), jnp.zeros(2), 0.25), [.25, .25])
  new, old = jnp.ones(2), jnp.zeros(2)
  close(optax.periodic_update(new, old, jnp.asarray(6), 3), [1., 1.])
  close(optax.periodic_update(new, old, jnp.asarray(7), 3), [0., 0.])


def test_stateless_helpers_and_extra_args():
  tx = optax.stateless(lambda g, p: jax.tree.map(lambda x: 2 * x, g))
  close(tx.update(jnp.ones(2), tx.init(None))[0], [2., 2.])
  plain = optax.scale(3.)
  wrapped = optax.with_extra_args_support(plain)
  assert isinstance(wrapped, optax.GradientTransformationExtraArgs)
  close(wrapped.update(jnp.ones(1), wrapped.init(None), loss=1.)[0], [3.])
  with pytest.raises(TypeError):
    plain.update(jnp.ones(1), plain.init(None), None, loss=1.)
  with pytest.raises(ValueError, match="called init first"):
    optax.chain(optax.scale(1.), optax.scale(2.)).update(jnp.ones(1), (optax.EmptyState(),))


def test_scale_gradient_and_global_norm():
  grad = jax.grad(lambda x: optax.scale_gradient(x ** 2, 0.5))(3.0)
  close(grad, 3.0)
  assert float(jax.grad(lambda x: optax.scale_gradient(x ** 2, 0.0))(3.0)) == 0.0
  with pytest.warns(DeprecationWarning, match="optax.tree.norm"):
    close(optax.global_norm([jnp.array([3.]), jnp.array([4.])]), 5.)


def _rosenbrock(x):
  return jnp.sum(100. * (x[1:] - x[:-1] ** 2) ** 2 + (1. - x[:-1]) ** 2)


def test_lbfgs_with_value_and_grad_from_state_matches_optax_then_converges():
  opt = optax.lbfgs()
  value_and_grad = optax.value_and_grad_from_state(_rosenbrock)

  @jax.jit
  def step(params, state):
    value, grad = value_and_grad(params, state=state)
    updates, state = opt.update(grad, state, params, value=value, grad=grad,
                                value_fn=_rosenbrock)
    return optax.apply_updates(params, updates), state

  params = jnp.array([-1.2, 1.0, 0.5])
  state = opt.init(params)
  for _ in range(5):
    params, state = step(params, state)
  # optax 0.2.8 after 5 steps (later iterates drift apart at the last bit, then
  # both runs converge).
  close(params, [-0.8855738, 0.7933635, 0.6351247], rtol=1e-5)
  close(optax.tree.get(state, 'value'), 3.6096575, rtol=1e-5)
  assert int(optax.tree.get(state, 'info').num_linesearch_steps) == 3
  for _ in range(55):
    params, state = step(params, state)
  close(params, [1., 1., 1.], rtol=1e-4)
