"""``ArrayCheckpointHandler``: a single array or scalar (stored as a one-leaf pytree
named ``checkpoint``, in its own zarr directory, as Orbax does)."""
from __future__ import annotations

import dataclasses
import numbers
from typing import Any, Optional

import numpy as np

import jaxlite
from jaxlite.orbax._src import checkpoint_args
from jaxlite.orbax._src.handlers import base
from jaxlite.orbax._src.handlers import pytree


@base.orbax_typestr("orbax.checkpoint._src.handlers.array_checkpoint_handler."
                    "ArrayCheckpointHandler")
class ArrayCheckpointHandler(base.AsyncCheckpointHandler):

  def __init__(self, checkpoint_name: Optional[str] = None):
    self._name = checkpoint_name or "checkpoint"
    self._pytree = pytree.PyTreeCheckpointHandler(use_ocdbt=False)

  def prepare_save(self, args):
    item = args.item
    if not isinstance(item, (np.ndarray, np.generic, jaxlite.Array, numbers.Number)):
      raise TypeError(f"Unsupported type: {type(item)}.")
    save_args = {self._name: args.save_args} if args.save_args is not None else None
    return self._pytree.prepare_save(
        pytree.PyTreeSaveArgs(item={self._name: item}, save_args=save_args))

  def restore(self, directory, *args, **kwargs):
    args = checkpoint_args.construct_args(self, False, *args, **kwargs)
    restore_args = {self._name: args.restore_args} if args.restore_args is not None else None
    item = {self._name: args.item} if args.item is not None else None
    return self._pytree.restore(directory, pytree.PyTreeRestoreArgs(
        item=item, restore_args=restore_args))[self._name]

  def metadata(self, directory):
    return self._pytree.metadata(directory)[self._name]


@checkpoint_args.register_with_handler(ArrayCheckpointHandler, for_save=True)
@dataclasses.dataclass
class ArraySaveArgs(checkpoint_args.CheckpointArgs):
  item: Any = None
  save_args: Optional[pytree.SaveArgs] = None


@checkpoint_args.register_with_handler(ArrayCheckpointHandler, for_restore=True)
@dataclasses.dataclass
class ArrayRestoreArgs(checkpoint_args.CheckpointArgs):
  item: Any = None
  restore_args: Optional[pytree.RestoreArgs] = None
