"""``jax.scipy`` for jaxlite. Each submodule is imported on its own, so one that is missing
or broken does not hide the others."""
import importlib as _importlib

for _name in ("linalg", "special", "stats", "signal", "optimize", "ndimage"):
  try:
    _importlib.import_module(f"{__name__}.{_name}")
  except ImportError:
    pass
del _name
