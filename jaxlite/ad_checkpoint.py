"""``jax.ad_checkpoint``."""
from jaxlite._src.ad_checkpoint import (  # noqa: F401
    checkpoint, remat, checkpoint_policies, checkpoint_name)
