"""``jaxlite.compat``: run scripts written for jax/flax/optax/orbax on jaxlite."""
from jaxlite._src.compat import install, uninstall, run  # noqa: F401
