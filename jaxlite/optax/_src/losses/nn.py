"""The ``jax.nn`` functions the losses use, as optax imports them."""
from jaxlite.nn import (  # noqa: F401
    log_sigmoid, log_softmax, logsumexp, one_hot, softmax, softplus, sparse_plus)
