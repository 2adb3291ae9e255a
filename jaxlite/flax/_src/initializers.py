"""The initializers Linen and NNX both export: ``jax.nn.initializers`` plus Flax's
``zeros_init``/``ones_init``."""
# ruff: noqa: F401
from jaxlite.nn.initializers import (
    Initializer, constant, delta_orthogonal, glorot_normal, glorot_uniform, he_normal,
    he_uniform, kaiming_normal, kaiming_uniform, lecun_normal, lecun_uniform, normal, ones,
    orthogonal, truncated_normal, uniform, variance_scaling, xavier_normal, xavier_uniform,
    zeros)


def zeros_init():
  """An initializer returning zeros."""
  return zeros


def ones_init():
  """An initializer returning ones."""
  return ones
