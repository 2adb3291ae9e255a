"""``ocp.args``: what to save or restore, one class pair per handler."""
# ruff: noqa: F401
from jaxlite.orbax._src.checkpoint_args import (
    CheckpointArgs, get_registered_args_cls, get_registered_handler_cls, has_registered_args,
    register_with_handler)
from jaxlite.orbax._src.handlers.array_handler import (
    ArrayRestoreArgs as ArrayRestore, ArraySaveArgs as ArraySave)
from jaxlite.orbax._src.handlers.composite import CompositeArgs as Composite
from jaxlite.orbax._src.handlers.json_handler import (
    JsonRestoreArgs as JsonRestore, JsonSaveArgs as JsonSave)
from jaxlite.orbax._src.handlers.pytree import (
    PyTreeRestoreArgs as PyTreeRestore, PyTreeSaveArgs as PyTreeSave)
from jaxlite.orbax._src.handlers.standard import (
    StandardRestoreArgs as StandardRestore, StandardSaveArgs as StandardSave)
