"""``jaxlite.orbax.checkpoint``: orbax-checkpoint (0.12) for jaxlite.

``import jaxlite.orbax.checkpoint as ocp`` and use it as ``orbax.checkpoint``:
checkpoints are written in Orbax's format (TensorStore zarr arrays + JSON metadata),
so either library restores what the other saved. Needs the optional dependency
TensorStore (``pip install 'jaxlite[checkpoint]'``) for saving and restoring arrays.
"""
# ruff: noqa: F401
from jaxlite.orbax.checkpoint import (
    args, checkpoint_managers, checkpoint_utils, checkpointers, handlers, metadata, multihost,
    options, type_handlers, utils)
from jaxlite.orbax._src.checkpointers import (
    AbstractCheckpointer, AsyncCheckpointer, Checkpointer, PyTreeCheckpointer,
    StandardCheckpointer)
from jaxlite.orbax._src.manager import (
    AbstractCheckpointManager, CheckpointManager, StepAlreadyExistsError)
from jaxlite.orbax._src.options import (
    AsyncOptions, CheckpointManagerOptions, FileOptions, MultiprocessingOptions)
from jaxlite.orbax._src.handlers.base import AsyncCheckpointHandler, CheckpointHandler
from jaxlite.orbax._src.handlers.array_handler import ArrayCheckpointHandler
from jaxlite.orbax._src.handlers.composite import CompositeCheckpointHandler, CompositeOptions
from jaxlite.orbax._src.handlers.json_handler import JsonCheckpointHandler
from jaxlite.orbax._src.handlers.pytree import (
    ArrayRestoreArgs, PyTreeCheckpointHandler, RestoreArgs, SaveArgs)
from jaxlite.orbax._src.handlers.registry import (
    CheckpointHandlerRegistry, DefaultCheckpointHandlerRegistry)
from jaxlite.orbax._src.handlers.standard import StandardCheckpointHandler

__version__ = "0.12.8"

from jaxlite._src.compat import missing_attribute as _missing_attribute
__getattr__ = _missing_attribute("jaxlite.orbax.checkpoint", "orbax.checkpoint")
