"""The loss functions of ``optax.losses``."""
