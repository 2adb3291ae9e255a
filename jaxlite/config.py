"""``jaxlite.config``: read flags as attributes, change them with ``update(name, value)``."""
from jaxlite._src.config import config as _config


def update(name, value):
  _config.update(name, value)


def read(name):
  return _config.read(name)


def __getattr__(name):
  if name.startswith("jax_"):
    return getattr(_config, name)
  if name == "values":
    return _config.values
  raise AttributeError(f"module 'jaxlite.config' has no attribute {name!r}")
