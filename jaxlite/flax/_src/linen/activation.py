"""``flax.linen`` activations: jax.nn's functions plus the ``PReLU`` layer."""
# ruff: noqa: F401
from jaxlite.nn import (
    celu, elu, gelu, glu, hard_sigmoid, hard_silu, hard_swish, hard_tanh, leaky_relu,
    log_sigmoid, log_softmax, logsumexp, one_hot, relu, relu6, selu, sigmoid, silu,
    soft_sign, softmax, softplus, standardize, swish)
from jaxlite.numpy import tanh
import jaxlite.numpy as jnp
from jaxlite.flax._src.linen.module import Module, compact

normalize = standardize


class PReLU(Module):
  """Leaky ReLU with a learnt negative slope (param ``negative_slope``)."""
  param_dtype: object = jnp.float32
  negative_slope_init: float = 0.01

  @compact
  def __call__(self, inputs):
    negative_slope = self.param(
        "negative_slope", lambda k: jnp.asarray(self.negative_slope_init, self.param_dtype))
    return jnp.where(inputs >= 0, inputs, jnp.asarray(negative_slope, inputs.dtype) * inputs)
