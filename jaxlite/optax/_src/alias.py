"""The ready-made optimizers: each is a ``chain`` of a rescaling and a learning rate.

``learning_rate`` is a number or a schedule (a function of the step count) wherever
the optimizer takes one.
"""
from __future__ import annotations

import functools
import warnings
from typing import Any, Callable, Optional, Union

import jaxlite.numpy as jnp
from jaxlite.optax._src import accumulation
from jaxlite.optax._src import adding
from jaxlite.optax._src import base
from jaxlite.optax._src import clipping
from jaxlite.optax._src import combine
from jaxlite.optax._src import factorized
from jaxlite.optax._src import lbfgs as _lbfgs
from jaxlite.optax._src import linesearch as _linesearch
from jaxlite.optax._src import scaling as scale_lib
from jaxlite.optax._src import transform
from jaxlite.optax._src import wrappers

MaskOrFn = Optional[Union[Any, Callable[[base.Params], Any]]]
_lr = scale_lib.scale_by_learning_rate


def adabelief(learning_rate, b1=0.9, b2=0.999, eps=1e-16, eps_root=1e-16, *,
              nesterov: bool = False) -> base.GradientTransformationExtraArgs:
  """AdaBelief: Adam whose denominator tracks the gradient's surprise."""
  return combine.chain(
      transform.scale_by_belief(b1=b1, b2=b2, eps=eps, eps_root=eps_root,
                                nesterov=nesterov),
      _lr(learning_rate))


def adadelta(learning_rate=None, rho=0.9, eps=1e-6, weight_decay=0.0,
             weight_decay_mask: MaskOrFn = None) -> base.GradientTransformationExtraArgs:
  """AdaDelta (``learning_rate=None`` means no extra scaling)."""
  return combine.chain(
      adding.add_decayed_weights(weight_decay, mask=weight_decay_mask),
      transform.scale_by_adadelta(rho=rho, eps=eps),
      _lr(learning_rate))


def adafactor(learning_rate=None, min_dim_size_to_factor: int = 128, decay_rate=0.8,
              decay_offset=0, multiply_by_parameter_scale: bool = True,
              clipping_threshold=1.0, momentum=None, dtype_momentum=jnp.float32,
              weight_decay_rate=None, eps=1e-30, factored: bool = True,
              weight_decay_mask: MaskOrFn = None) -> base.GradientTransformationExtraArgs:
  """Adafactor: factored second moments, update clipping and relative step sizes."""
  tx = [factorized.scale_by_factored_rms(factored, decay_rate, decay_offset,
                                         min_dim_size_to_factor, eps)]
  if clipping_threshold is not None:
    tx.append(clipping.clip_by_block_rms(clipping_threshold))
  if learning_rate is not None:
    tx.append(_lr(learning_rate, flip_sign=False))
  if multiply_by_parameter_scale:
    tx.append(scale_lib.scale_by_param_block_rms())
  if momentum is not None:
    tx.append(accumulation.ema(momentum, debias=False, accumulator_dtype=dtype_momentum))
  if weight_decay_rate is not None:
    tx.append(adding.add_decayed_weights(weight_decay_rate, mask=weight_decay_mask))
  tx.append(scale_lib.scale(-1))  # a descent direction
  return combine.chain(*tx)


def adagrad(learning_rate, initial_accumulator_value=0.1, eps=1e-7
            ) -> base.GradientTransformationExtraArgs:
  """AdaGrad: divides by the root of the sum of all past squared gradients."""
  return combine.chain(
      transform.scale_by_rss(initial_accumulator_value=initial_accumulator_value, eps=eps),
      _lr(learning_rate))


def adam(learning_rate, b1=0.9, b2=0.999, eps=1e-8, eps_root=0.0, mu_dtype=None, *,
         nesterov: bool = False) -> base.GradientTransformationExtraArgs:
  """Adam (Kingma & Ba, 2014).

  >>> import jaxlite as jax
  >>> import jaxlite.numpy as jnp
  >>> import jaxlite.optax as optax
  >>> f = lambda x: jnp.sum(x ** 2)
  >>> solver = optax.adam(learning_rate=0.003)
  >>> params = jnp.array([1., 2., 3.])
  >>> opt_state = solver.init(params)
  >>> for _ in range(5):
  ...   updates, opt_state = solver.update(jax.grad(f)(params), opt_state, params)
  ...   params = optax.apply_updates(params, updates)
  >>> print('{:.2E}'.format(f(params)))
  1.38E+01
  """
  return combine.chain(
      transform.scale_by_adam(b1=b1, b2=b2, eps=eps, eps_root=eps_root, mu_dtype=mu_dtype,
                              nesterov=nesterov),
      _lr(learning_rate))


nadam = functools.partial(adam, nesterov=True)
nadam.__doc__ = "NAdam: ``adam`` with Nesterov momentum (``adam(..., nesterov=True)``)."


def adamw(learning_rate, b1=0.9, b2=0.999, eps=1e-8, eps_root=0.0, mu_dtype=None,
          weight_decay=1e-4, mask: MaskOrFn = None, *, nesterov: bool = False
          ) -> base.GradientTransformationExtraArgs:
  """Adam with decoupled weight decay (multiplied by the learning rate)."""
  return combine.chain(
      transform.scale_by_adam(b1=b1, b2=b2, eps=eps, eps_root=eps_root, mu_dtype=mu_dtype,
                              nesterov=nesterov),
      adding.add_decayed_weights(weight_decay, mask),
      _lr(learning_rate))


nadamw = functools.partial(adamw, nesterov=True)
nadamw.__doc__ = "NAdamW: ``adamw`` with Nesterov momentum (``adamw(..., nesterov=True)``)."


def adan(learning_rate, b1=0.98, b2=0.92, b3=0.99, eps=1e-8, eps_root=1e-8,
         weight_decay=0.0, mask: MaskOrFn = None) -> base.GradientTransformationExtraArgs:
  """Adan: adaptive Nesterov momentum."""
  return combine.chain(
      transform.scale_by_adan(b1=b1, b2=b2, b3=b3, eps=eps, eps_root=eps_root),
      adding.add_decayed_weights(weight_decay, mask),
      _lr(learning_rate))


def lion(learning_rate, b1=0.9, b2=0.99, mu_dtype=None, weight_decay=1e-3,
         mask: MaskOrFn = None) -> base.GradientTransformationExtraArgs:
  """Lion: the sign of an interpolated momentum, with decoupled weight decay."""
  return combine.chain(
      transform.scale_by_lion(b1=b1, b2=b2, mu_dtype=mu_dtype),
      adding.add_decayed_weights(weight_decay, mask),
      _lr(learning_rate))


def amsgrad(learning_rate, b1=0.9, b2=0.999, eps=1e-8, eps_root=0.0, mu_dtype=None,
            bias_correction_mu: bool = True, bias_correction_nu: bool = True
            ) -> base.GradientTransformationExtraArgs:
  """AMSGrad: Adam with a non-decreasing second moment."""
  return combine.chain(
      transform.scale_by_amsgrad(b1=b1, b2=b2, eps=eps, eps_root=eps_root,
                                 mu_dtype=mu_dtype, bias_correction_mu=bias_correction_mu,
                                 bias_correction_nu=bias_correction_nu),
      _lr(learning_rate))


def fromage(learning_rate, min_norm=1e-6) -> base.GradientTransformationExtraArgs:
  """Fromage: trust-ratio steps with a shrinking factor ``1/sqrt(1 + lr**2)``."""
  if not callable(learning_rate):
    mult = 1 / (1 + learning_rate ** 2) ** 0.5
    return combine.chain(
        scale_lib.scale_by_trust_ratio(min_norm),
        _lr(learning_rate * mult),
        adding.add_decayed_weights(mult - 1))
  mult_lr = lambda count: 1 / (1 + learning_rate(count) ** 2) ** 0.5  # noqa: E731
  return combine.chain(
      scale_lib.scale_by_trust_ratio(min_norm),
      _lr(lambda c: mult_lr(c) * learning_rate(c)),
      adding.add_decayed_weights(lambda c: mult_lr(c) - 1))


def lars(learning_rate, weight_decay=0., weight_decay_mask: MaskOrFn = True,
         trust_coefficient=0.001, eps=0., trust_ratio_mask: MaskOrFn = True,
         momentum=0.9, nesterov: bool = False) -> base.GradientTransformationExtraArgs:
  """LARS: layer-wise trust ratios with momentum."""
  return combine.chain(
      adding.add_decayed_weights(weight_decay, mask=weight_decay_mask),
      wrappers.masked(inner=scale_lib.scale_by_trust_ratio(trust_coefficient=trust_coefficient,
                                                         eps=eps),
                      mask=trust_ratio_mask),
      _lr(learning_rate),
      accumulation.trace(decay=momentum, nesterov=nesterov))


def lamb(learning_rate, b1=0.9, b2=0.999, eps=1e-6, eps_root=0.0, weight_decay=0.,
         mask: MaskOrFn = None) -> base.GradientTransformationExtraArgs:
  """LAMB: Adam steps rescaled by layer-wise trust ratios."""
  return combine.chain(
      transform.scale_by_adam(b1=b1, b2=b2, eps=eps, eps_root=eps_root),
      adding.add_decayed_weights(weight_decay=weight_decay, mask=mask),
      scale_lib.scale_by_trust_ratio(),
      _lr(learning_rate))


def noisy_sgd(learning_rate, eta=0.01, gamma=0.55, key=None, *, seed=None
              ) -> base.GradientTransformationExtraArgs:
  """SGD with annealed Gaussian gradient noise (needs ``jaxlite.random``)."""
  return combine.chain(adding.add_noise(eta, gamma, key, seed=seed), _lr(learning_rate))


def sign_sgd(learning_rate) -> base.GradientTransformationExtraArgs:
  """SGD on the sign of the gradient."""
  return combine.chain(scale_lib.scale_by_sign(), _lr(learning_rate))


def signum(learning_rate, beta=0.9, accumulator_dtype=None
           ) -> base.GradientTransformationExtraArgs:
  """The sign of a (non-debiased) gradient EMA."""
  return combine.chain(
      accumulation.ema(beta, debias=False, accumulator_dtype=accumulator_dtype),
      scale_lib.scale_by_sign(),
      _lr(learning_rate))


def novograd(learning_rate, b1=0.9, b2=0.25, eps=1e-6, eps_root=0.0, weight_decay=0.
             ) -> base.GradientTransformationExtraArgs:
  """NovoGrad: layer-wise second moments."""
  return combine.chain(
      transform.scale_by_novograd(b1=b1, b2=b2, eps=eps, eps_root=eps_root,
                                  weight_decay=weight_decay),
      _lr(learning_rate))


def optimistic_gradient_descent(learning_rate, alpha=1.0, beta=1.0
                                ) -> base.GradientTransformationExtraArgs:
  """Optimistic GD: extrapolates with the previous gradient (for min-max games)."""
  return combine.chain(scale_lib.scale_by_optimistic_gradient(alpha=alpha, beta=beta),
                       _lr(learning_rate))


def optimistic_adam(learning_rate, optimism=None, b1=0.9, b2=0.999, eps=1e-8,
                    eps_root=0.0, mu_dtype=None, *, nesterov: bool = True
                    ) -> base.GradientTransformationExtraArgs:
  """Deprecated: use ``optimistic_adam_v2``."""
  warnings.warn("`optimistic_adam` is deprecated, please use `optimistic_adam_v2` "
                "instead.", category=DeprecationWarning)
  if callable(learning_rate):
    raise ValueError("This version of `optimistic_adam` does not support learning rate "
                     "schedules but `optimistic_adam_v2` does.")
  if optimism is None:
    optimism = learning_rate
  return combine.chain(
      transform.scale_by_adam(b1=b1, b2=b2, eps=eps, eps_root=eps_root, mu_dtype=mu_dtype,
                              nesterov=nesterov),
      scale_lib.scale_by_optimistic_gradient(alpha=learning_rate, beta=optimism),
      _lr(1.0))


def optimistic_adam_v2(learning_rate, *, alpha=1.0, beta=1.0, b1=0.9, b2=0.999, eps=1e-8,
                       eps_root=0.0, mu_dtype=None, nesterov: bool = True
                       ) -> base.GradientTransformationExtraArgs:
  """Optimistic Adam: Adam directions with optimistic extrapolation."""
  return combine.chain(
      transform.scale_by_adam(b1=b1, b2=b2, eps=eps, eps_root=eps_root, mu_dtype=mu_dtype,
                              nesterov=nesterov),
      scale_lib.scale_by_optimistic_gradient(alpha=alpha, beta=beta),
      _lr(learning_rate))


def radam(learning_rate, b1=0.9, b2=0.999, eps=1e-8, eps_root=0.0, threshold=5.0, *,
          nesterov: bool = False) -> base.GradientTransformationExtraArgs:
  """Rectified Adam."""
  return combine.chain(
      transform.scale_by_radam(b1=b1, b2=b2, eps=eps, eps_root=eps_root,
                               threshold=threshold, nesterov=nesterov),
      _lr(learning_rate))


def rmsprop(learning_rate, decay=0.9, eps=1e-8, initial_scale=0., eps_in_sqrt: bool = True,
            centered: bool = False, momentum=None, nesterov: bool = False,
            bias_correction: bool = False) -> base.GradientTransformationExtraArgs:
  """RMSProp, optionally centered and with momentum."""
  scale_by = transform.scale_by_stddev if centered else transform.scale_by_rms
  return combine.chain(
      scale_by(decay=decay, eps=eps, initial_scale=initial_scale, eps_in_sqrt=eps_in_sqrt,
               bias_correction=bias_correction),
      _lr(learning_rate),
      (accumulation.trace(decay=momentum, nesterov=nesterov)
       if momentum is not None else base.identity()))


def sgd(learning_rate, momentum=None, nesterov: bool = False, accumulator_dtype=None
        ) -> base.GradientTransformationExtraArgs:
  """Stochastic gradient descent, with optional (Nesterov) momentum.

  >>> import jaxlite.numpy as jnp
  >>> import jaxlite.optax as optax
  >>> opt = optax.sgd(0.1, momentum=0.9)
  >>> params = jnp.array([1.])
  >>> state = opt.init(params)
  >>> for _ in range(2):
  ...   updates, state = opt.update(2 * params, state)
  ...   params = optax.apply_updates(params, updates)
  >>> params
  Array([0.46], dtype=float32)
  """
  opt = (accumulation.trace(decay=momentum, nesterov=nesterov,
                            accumulator_dtype=accumulator_dtype)
         if momentum is not None else base.identity())
  return combine.chain(opt, _lr(learning_rate))


def sm3(learning_rate, momentum=0.9) -> base.GradientTransformationExtraArgs:
  """SM3: memory-efficient adaptive steps."""
  return combine.chain(transform.scale_by_sm3(momentum), scale_lib.scale(-learning_rate))


def yogi(learning_rate, b1=0.9, b2=0.999, eps=1e-3) -> base.GradientTransformationExtraArgs:
  """Yogi: Adam with additive second-moment updates."""
  return combine.chain(transform.scale_by_yogi(b1=b1, b2=b2, eps=eps), _lr(learning_rate))


def adamax(learning_rate, b1=0.9, b2=0.999, eps=1e-8
           ) -> base.GradientTransformationExtraArgs:
  """AdaMax: Adam with the infinity norm."""
  return combine.chain(transform.scale_by_adamax(b1=b1, b2=b2, eps=eps), _lr(learning_rate))


def adamaxw(learning_rate, b1=0.9, b2=0.999, eps=1e-8, weight_decay=1e-4,
            mask: MaskOrFn = None) -> base.GradientTransformationExtraArgs:
  """AdaMax with decoupled weight decay."""
  return combine.chain(
      transform.scale_by_adamax(b1=b1, b2=b2, eps=eps),
      adding.add_decayed_weights(weight_decay, mask),
      _lr(learning_rate))


def rprop(learning_rate, eta_minus=0.5, eta_plus=1.2, min_step_size=1e-6,
          max_step_size=50.0) -> base.GradientTransformationExtraArgs:
  """Rprop: sign-based steps with per-coordinate adaptive sizes (full batch)."""
  return combine.chain(
      scale_lib.scale_by_rprop(learning_rate=learning_rate, eta_minus=eta_minus,
                             eta_plus=eta_plus, min_step_size=min_step_size,
                             max_step_size=max_step_size),
      scale_lib.scale(-1.0))


def polyak_sgd(max_learning_rate=1., scaling=1., f_min=0.0, eps=0.0, variant="sps"
               ) -> base.GradientTransformationExtraArgs:
  """SGD with Polyak's step size; ``update`` needs the loss as the extra arg ``value``.

  >>> import jaxlite as jax
  >>> import jaxlite.numpy as jnp
  >>> import jaxlite.optax as optax
  >>> f = lambda x: jnp.sum(x ** 2)
  >>> opt = optax.polyak_sgd()
  >>> params = jnp.array([1., 2.])
  >>> value, grad = jax.value_and_grad(f)(params)
  >>> opt.update(grad, opt.init(params), value=value)[0]
  Array([-0.5, -1. ], dtype=float32)
  """
  return combine.chain(
      sgd(learning_rate=scaling),
      scale_lib.scale_by_polyak(max_learning_rate=max_learning_rate, f_min=f_min, eps=eps,
                                variant=variant))


def lbfgs(learning_rate=None, memory_size: int = 10, scale_init_precond: bool = True,
          linesearch=_linesearch.scale_by_zoom_linesearch(
              max_linesearch_steps=20, initial_guess_strategy="one")
          ) -> base.GradientTransformationExtraArgs:
  """L-BFGS with a zoom line search; ``update`` needs the extra arguments ``value``,
  ``grad`` and ``value_fn`` (see ``value_and_grad_from_state``)."""
  base_scaling = scale_lib.scale(-1.0) if learning_rate is None else _lr(learning_rate)
  if linesearch is None:
    linesearch = base.identity()
  return combine.chain(
      _lbfgs.scale_by_lbfgs(memory_size=memory_size, scale_init_precond=scale_init_precond),
      base_scaling,
      linesearch)
