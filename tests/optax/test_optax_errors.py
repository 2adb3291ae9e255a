"""Bad input raises the error optax 0.2.8 raises, with a message saying what is wrong."""
import warnings

import pytest

import jaxlite as jax
import jaxlite.numpy as jnp
import jaxlite.optax as optax


def test_params_and_updates_with_different_structures():
  with pytest.raises(ValueError, match="pytree structure error"):
    optax.apply_updates({'w': jnp.ones(2)}, {'v': jnp.ones(2)})
  opt = optax.adam(0.1)
  state = opt.init({'w': jnp.ones(2)})
  with pytest.raises(ValueError, match="different numbers of pytree children"):
    opt.update({'w': jnp.ones(2), 'b': jnp.ones(1)}, state)


def test_schedule_or_threshold_of_the_wrong_shape():
  tx = optax.scale_by_schedule(lambda count: jnp.ones(2))
  with pytest.raises(TypeError, match="incompatible shapes for broadcasting"):
    tx.update(jnp.ones(3), tx.init(jnp.ones(3)))
  with pytest.raises(ValueError, match="rank 0, got 1"):
    optax.clip_by_global_norm(jnp.ones(2)).update(jnp.ones(3), optax.EmptyState())


def test_invalid_sizes_and_periods():
  with pytest.raises(ValueError, match="memory_size must be >= 1"):
    optax.lbfgs(memory_size=0)
  with pytest.raises(ValueError, match="Synchronization period must be >= 1"):
    optax.lookahead(optax.sgd(0.1), sync_period=0, slow_step_size=0.5)
  with pytest.raises(ValueError, match="non-negative scale factors"):
    optax.sgd(optax.piecewise_constant_schedule(0.1, {10: -1.0}))


def test_negative_learning_rates_are_valid_and_ascend():
  # As in optax, the sign is the caller's choice: a negative rate ascends.
  opt = optax.sgd(-0.5)
  updates, _ = opt.update(jnp.array([2.]), opt.init(jnp.zeros(1)))
  assert float(updates[0]) == 1.0


def test_missing_params_or_extra_arguments():
  for tx in [optax.add_decayed_weights(0.1), optax.scale_by_trust_ratio(),
             optax.keep_params_nonnegative(), optax.adaptive_grad_clip(0.1)]:
    with pytest.raises(ValueError, match="not passing `params`"):
      tx.update(jnp.ones(2), tx.init(jnp.ones(2)), None)
  opt = optax.polyak_sgd()
  with pytest.raises(TypeError, match="value"):
    opt.update(jnp.ones(2), opt.init(jnp.ones(2)), jnp.ones(2))
  opt = optax.lbfgs()
  params = jnp.ones(2)
  f = lambda x: jnp.sum(x ** 2)  # noqa: E731
  with pytest.raises(TypeError, match="not consumed by `value_fn`"):
    opt.update(params, opt.init(params), params, value=f(params), grad=2 * params,
               value_fn=f, unknown=1)


def test_invalid_options():
  opt = optax.chain(optax.scale_by_lion(mode="soft"))
  with pytest.raises(ValueError, match="Unknown lion mode"):
    opt.update(jnp.ones(2), opt.init(jnp.ones(2)))
  with pytest.raises(ValueError, match="variant"):
    opt = optax.polyak_sgd(variant="sps++")
    opt.update(jnp.ones(2), opt.init(jnp.ones(2)), value=1.0)
  with pytest.raises(ValueError, match="Cannot safely increment"):
    optax.safe_increment(jnp.asarray(True))
  with pytest.raises(ValueError, match="Only one of seed or key"):
    with warnings.catch_warnings():
      warnings.simplefilter("ignore", DeprecationWarning)
      optax.add_noise(0.1, 0.5, key=1, seed=2)
  with pytest.raises(ValueError, match="complex"):
    optax.sm3(0.1).init(jnp.ones(2, jnp.complex64))


def test_errors_surface_under_jit_too():
  opt = optax.adam(0.1)
  state = opt.init({'w': jnp.ones(2)})
  with pytest.raises(ValueError, match="pytree structure error"):
    jax.jit(opt.update)({'v': jnp.ones(2)}, state)
