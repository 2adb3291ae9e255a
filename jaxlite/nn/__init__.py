"""``jax.nn`` for jaxlite: activations, softmax family, one_hot, attention, initializers."""
# ruff: noqa: F401
from jaxlite._src.nn.functions import (
    identity, relu, relu6, squareplus, softplus, sparse_plus, soft_sign, sigmoid,
    sparse_sigmoid, silu, swish, mish, log1mexp, log_sigmoid, elu, leaky_relu, hard_tanh, celu, selu,
    gelu, glu, logsumexp, logmeanexp, log_softmax, softmax, standardize, one_hot,
    hard_sigmoid, hard_silu, hard_swish, tanh, dot_product_attention)
from jaxlite.nn import initializers
