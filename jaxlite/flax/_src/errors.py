"""Flax's error classes (``flax.errors``)."""


class FlaxError(Exception):
  def __init__(self, message):
    name = type(self).__name__
    super().__init__(f"{message} (https://flax.readthedocs.io/en/latest/api_reference/"
                     f"flax.errors.html#flax.errors.{name})")


class TraceContextError(FlaxError):
  """A Variable or Module was mutated from inside a transform it was not passed to."""
