"""``jax.scipy.stats``: one module per distribution, over jnp and jaxlite.scipy.special."""
