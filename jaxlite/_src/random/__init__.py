"""jaxlite's ``jax.random``: the Threefry PRNG, keys and samplers (public names in
``jaxlite.random``)."""
