"""Shared by the optax tests: three small deterministic problems and a catalogue of
optimizer configurations (the same ones the reference values were computed with, on
optax 0.2.8). Each configuration maps ``lr`` (the problem's learning rate) to a
``GradientTransformationExtraArgs``."""
import jaxlite as jax
import jaxlite.numpy as jnp
import jaxlite.optax as o


def quad(p):
  return jnp.sum(jnp.array([1., 10., .1]) * (p['a'] - 1.) ** 2) + 3 * (p['b'] + 1) ** 2


def rosen(x):
  return (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2


_X = jnp.array([[((3 * i + 7 * j) % 11) / 5. - 1. for j in range(3)] for i in range(12)])
_Y = (_X @ jnp.array([1., -2., .5]) + 0.1 > 0).astype(jnp.float32)


def logreg(p):
  return jnp.mean(o.losses.sigmoid_binary_cross_entropy(_X @ p['w'] + p['b'], _Y))


# name -> (loss, initial params, learning rate)
PROBLEMS = {
    'quad': (quad, {'a': jnp.array([[1., -2., 3.], [0.5, 0.2, -1.]]), 'b': jnp.array(0.5)},
             0.05),
    'rosen': (rosen, jnp.array([-1.2, 1.0]), 0.001),
    'logreg': (logreg, {'w': jnp.zeros(3), 'b': jnp.array(0.)}, 0.1),
}


def make_step(opt, loss):
  """One optimization step; every optimizer gets the extra args a line search needs."""
  def step(params, state):
    value, grad = jax.value_and_grad(loss)(params)
    updates, state = opt.update(grad, state, params, value=value, grad=grad,
                                value_fn=loss)
    return o.apply_updates(params, updates), state
  return step


def _mask(p):
  return jax.tree.map(lambda x: x.ndim > 0, p)


CONFIGS = {
  'sgd': lambda lr: o.sgd(lr),
  'sgd_momentum': lambda lr: o.sgd(lr, momentum=0.9),
  'sgd_nesterov': lambda lr: o.sgd(lr, momentum=0.9, nesterov=True),
  'sgd_schedule': lambda lr: o.sgd(o.exponential_decay(lr, 3, 0.5)),
  'adam': lambda lr: o.adam(lr),
  'adam_schedule': lambda lr: o.adam(o.warmup_cosine_decay_schedule(0., lr, 3, 10)),
  'adam_eps_root': lambda lr: o.adam(lr, eps_root=1e-8, mu_dtype=jnp.float32),
  'nadam': lambda lr: o.nadam(lr),
  'adamw': lambda lr: o.adamw(lr, weight_decay=0.1),
  'adamw_mask': lambda lr: o.adamw(lr, weight_decay=0.1, mask=_mask),
  'nadamw': lambda lr: o.nadamw(lr, weight_decay=0.1),
  'adamax': lambda lr: o.adamax(lr),
  'adamaxw': lambda lr: o.adamaxw(lr, weight_decay=0.1),
  'amsgrad': lambda lr: o.amsgrad(lr),
  'adabelief': lambda lr: o.adabelief(lr),
  'adagrad': lambda lr: o.adagrad(lr),
  'adadelta': lambda lr: o.adadelta(lr * 10, weight_decay=0.01),
  'adafactor': lambda lr: o.adafactor(lr),
  'adafactor_factored': lambda lr: o.adafactor(
      lr, min_dim_size_to_factor=2, momentum=0.9, weight_decay_rate=0.01),
  'adan': lambda lr: o.adan(lr, weight_decay=0.01),
  'rmsprop': lambda lr: o.rmsprop(lr),
  'rmsprop_centered': lambda lr: o.rmsprop(lr, centered=True, momentum=0.9),
  'rmsprop_debiased': lambda lr: o.rmsprop(
      lr, bias_correction=True, eps_in_sqrt=False, nesterov=True, momentum=0.5),
  'lamb': lambda lr: o.lamb(lr, weight_decay=0.01),
  'lars': lambda lr: o.lars(lr * 10, weight_decay=0.01),
  'lion': lambda lr: o.lion(lr),
  'novograd': lambda lr: o.novograd(lr, weight_decay=0.01),
  'fromage': lambda lr: o.fromage(lr),
  'fromage_schedule': lambda lr: o.fromage(o.linear_schedule(lr, 0., 10)),
  'sm3': lambda lr: o.sm3(lr * 10),
  'yogi': lambda lr: o.yogi(lr),
  'noisy_sgd': lambda lr: o.noisy_sgd(lr, eta=0.1, key=3),
  'sign_sgd': lambda lr: o.sign_sgd(lr),
  'signum': lambda lr: o.signum(lr),
  'polyak_sgd': lambda lr: o.polyak_sgd(max_learning_rate=lr * 10),
  'rprop': lambda lr: o.rprop(lr),
  'radam': lambda lr: o.radam(lr),
  'radam_nesterov': lambda lr: o.radam(lr, nesterov=True),
  'optimistic_gd': lambda lr: o.optimistic_gradient_descent(lr),
  'optimistic_adam_v2': lambda lr: o.optimistic_adam_v2(lr),
  'lbfgs': lambda lr: o.lbfgs(),
  'lbfgs_lr': lambda lr: o.lbfgs(lr, memory_size=3, linesearch=None),
  'lbfgs_backtracking': lambda lr: o.lbfgs(
      linesearch=o.scale_by_backtracking_linesearch(15, store_grad=True)),
  'clip_global_adam': lambda lr: o.chain(o.clip_by_global_norm(1.), o.adam(lr)),
  'clip_sgd': lambda lr: o.chain(o.clip(0.5), o.sgd(lr)),
  'clip_block_rms': lambda lr: o.chain(o.clip_by_block_rms(0.5), o.sgd(lr)),
  'agc_sgd': lambda lr: o.chain(o.adaptive_grad_clip(0.1), o.sgd(lr)),
  'centralize_sgd': lambda lr: o.chain(o.centralize(), o.sgd(lr)),
  'nonneg_sgd': lambda lr: o.chain(o.zero_nans(), o.sgd(lr), o.keep_params_nonnegative()),
  'multi_steps': lambda lr: o.MultiSteps(o.adam(lr), 3).gradient_transformation(),
  'multi_steps_sum': lambda lr: o.MultiSteps(
      o.sgd(lr), lambda step: 2, use_grad_mean=False).gradient_transformation(),
  'apply_if_finite': lambda lr: o.apply_if_finite(o.adam(lr), 2),
  'flatten_adam': lambda lr: o.flatten(o.adam(lr)),
  'inject_adam': lambda lr: o.inject_hyperparams(o.adam)(learning_rate=lr, b1=0.8),
  'inject_sgd_schedule': lambda lr: o.inject_hyperparams(o.sgd)(
      learning_rate=o.linear_schedule(lr, 0., 10), momentum=0.9),
  'masked_adam': lambda lr: o.chain(o.masked(o.adam(lr), _mask), o.sgd(lr)),
  'ema_trace': lambda lr: o.chain(o.ema(0.9), o.trace(0.5, nesterov=True), o.scale(-lr)),
  'decayed_schedule': lambda lr: o.chain(
      o.add_decayed_weights(o.linear_schedule(0.1, 0., 5)), o.sgd(lr)),
  'rss_scale': lambda lr: o.chain(o.scale_by_rss(), o.scale(-lr)),
  'block_norm': lambda lr: o.chain(
      o.scale_by_param_block_norm(), o.scale_by_param_block_rms(), o.scale(-lr)),
  'normalize': lambda lr: o.chain(o.normalize_by_update_norm(), o.scale(-lr)),
  'dog': lambda lr: o.chain(o.scale_by_distance_over_gradients(), o.scale(-1.)),
  'apply_every': lambda lr: o.chain(o.apply_every(2), o.sgd(lr)),
  'lion_smooth': lambda lr: o.chain(o.scale_by_lion(mode='smooth'), o.scale(-lr)),
  'stddev_debiased': lambda lr: o.chain(
      o.scale_by_stddev(bias_correction=True, initial_scale=0.1), o.scale(-lr)),
  'adam_nesterov_tx': lambda lr: o.chain(
      o.scale_by_adam(nesterov=True), o.scale_by_learning_rate(lr)),
  'named_chain': lambda lr: o.named_chain(('clip', o.clip(1.)), ('opt', o.adam(lr))),
  'monitor': lambda lr: o.chain(o.monitor({'n': o.tree.norm}), o.sgd(lr)),
}

# Quasi-Newton iterates amplify last-bit differences step after step: compare early.
STEPS = {'lbfgs': 4, 'lbfgs_lr': 4, 'lbfgs_backtracking': 4}
