"""The implementation of ``jaxlite.optax``; the public names live in its ``__init__``."""
