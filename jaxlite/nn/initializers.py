"""``jax.nn.initializers`` for jaxlite."""
# ruff: noqa: F401
from jaxlite._src.nn.initializers import (
    Initializer, zeros, ones, constant, uniform, normal, truncated_normal, variance_scaling,
    glorot_uniform, xavier_uniform, glorot_normal, xavier_normal, lecun_uniform, lecun_normal,
    he_uniform, kaiming_uniform, he_normal, kaiming_normal, orthogonal, delta_orthogonal)
