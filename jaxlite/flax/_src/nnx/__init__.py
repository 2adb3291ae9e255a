"""jaxlite's Flax NNX (public names in ``jaxlite.flax.nnx``)."""
