"""jaxlite's ``jax.nn`` (public names in ``jaxlite.nn``)."""
