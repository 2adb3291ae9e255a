"""``ocp.handlers``: how each kind of item is saved and restored."""
# ruff: noqa: F401
from jaxlite.orbax._src.handlers.array_handler import (
    ArrayCheckpointHandler, ArrayRestoreArgs, ArraySaveArgs)
from jaxlite.orbax._src.handlers.base import AsyncCheckpointHandler, CheckpointHandler
from jaxlite.orbax._src.handlers.composite import (
    CompositeArgs, CompositeCheckpointHandler, CompositeResults)
from jaxlite.orbax._src.handlers.json_handler import (
    JsonCheckpointHandler, JsonRestoreArgs, JsonSaveArgs)
from jaxlite.orbax._src.handlers.pytree import (
    PyTreeCheckpointHandler, PyTreeRestoreArgs, PyTreeSaveArgs)
from jaxlite.orbax._src.handlers.registry import (
    CheckpointHandlerRegistry, DefaultCheckpointHandlerRegistry)
from jaxlite.orbax._src.handlers.standard import (
    StandardCheckpointHandler, StandardRestoreArgs, StandardSaveArgs)
