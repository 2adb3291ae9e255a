"""Activation functions (re-exported from ``jax.nn``) and the ``PReLU`` layer."""
# ruff: noqa: F401
from types import MappingProxyType

from jaxlite import numpy as jnp
from jaxlite.nn import (
    celu, elu, gelu, glu, hard_sigmoid, hard_silu, hard_swish, hard_tanh, leaky_relu,
    log_sigmoid, log_softmax, logsumexp, one_hot, relu, identity, relu6, selu, sigmoid, silu,
    soft_sign, softmax, softplus, standardize, swish, mish)
from jaxlite.numpy import tanh
from jaxlite.flax._src.nnx.module import Module
from jaxlite.flax._src.nnx.nn import dtypes
from jaxlite.flax._src.nnx.variablelib import Param


class PReLU(Module):
  """Leaky ReLU with a learned negative slope."""

  def __init__(self, negative_slope_init: float = 0.01, *, dtype=None, param_dtype=jnp.float32,
               promote_dtype=dtypes.promote_dtype, negative_slope_metadata=MappingProxyType({})):
    self.negative_slope = Param(jnp.asarray(negative_slope_init, dtype=param_dtype),
                                **negative_slope_metadata)
    self.dtype = dtype
    self.param_dtype = param_dtype
    self.promote_dtype = promote_dtype

  def __call__(self, inputs):
    slope = self.negative_slope[...]
    if self.dtype is not None:
      inputs, slope = self.promote_dtype((inputs, slope), dtype=self.dtype)
    else:
      slope = jnp.asarray(slope, inputs.dtype)
    return jnp.where(inputs >= 0, inputs, slope * inputs)
