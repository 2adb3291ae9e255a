"""``jaxlite.orbax``: Orbax for jaxlite. ``import jaxlite.orbax.checkpoint as ocp``."""
