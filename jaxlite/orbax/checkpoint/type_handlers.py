"""``ocp.type_handlers``: per-leaf save and restore arguments."""
# ruff: noqa: F401
from jaxlite.orbax._src.handlers.pytree import ArrayRestoreArgs, RestoreArgs, SaveArgs
