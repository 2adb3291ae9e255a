"""``jax.test_util``: numerical gradient checking."""
from jaxlite._src.test_util import check_grads, check_jvp, check_vjp  # noqa: F401
