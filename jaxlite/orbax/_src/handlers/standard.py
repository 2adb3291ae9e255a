"""``StandardCheckpointHandler``: the common case, a pytree of arrays and numbers.

Like ``PyTreeCheckpointHandler`` but stricter about what a leaf may be (arrays,
``int``, ``float``; no strings), and its restore target may hold abstract leaves
(``jax.ShapeDtypeStruct`` or the metadata objects ``item_metadata`` returns).
"""
from __future__ import annotations

import dataclasses
import numbers
from typing import Any, Optional

import numpy as np

import jaxlite
from jaxlite.orbax._src import checkpoint_args
from jaxlite.orbax._src import metadata as md
from jaxlite.orbax._src import tree as tree_lib
from jaxlite.orbax._src.handlers import base
from jaxlite.orbax._src.handlers import pytree

_SAVE_TYPES = (int, float, np.ndarray, jaxlite.Array)
_RESTORE_TYPES = _SAVE_TYPES + (jaxlite.ShapeDtypeStruct, md.ArrayMetadata)


def _check_leaves(tree, allowed, *, convert):
  entries, treedef = tree_lib.flatten(tree)
  leaves = []
  for names, _, x in entries:
    if convert and not isinstance(x, (np.ndarray, jaxlite.Array)) and hasattr(x, "__array__"):
      x = np.asarray(x)
    if not (x is None or md.empty_value_type(x) is not None or isinstance(x, allowed)):
      raise ValueError(f"Unsupported type: {type(x)} for key: {tuple(names)}.")
    leaves.append(x)
  return jaxlite.tree_util.tree_unflatten(treedef, leaves)


@base.orbax_typestr("orbax.checkpoint._src.handlers.standard_checkpoint_handler."
                    "StandardCheckpointHandler")
class StandardCheckpointHandler(pytree.PyTreeCheckpointHandler):
  """Saves a pytree of arrays and numbers; restores it into a (possibly abstract) target."""

  _allow_strings = False

  def __init__(self, *, use_ocdbt: bool = True, **unused_options):
    super().__init__(use_ocdbt=use_ocdbt, **unused_options)

  def prepare_save(self, args):
    if isinstance(args.item, jaxlite.Array) or isinstance(args.item, numbers.Number):
      raise ValueError("StandardCheckpointHandler / StandardSave does not support single "
                       "arrays or scalars. Use ArrayCheckpointHandler / ArraySave")
    if args.item is None:
      raise ValueError("Must provide item to save.")
    item = _check_leaves(args.item, _SAVE_TYPES, convert=True)
    return super().prepare_save(pytree.PyTreeSaveArgs(
        item=item, save_args=args.save_args, custom_metadata=args.custom_metadata))

  def restore(self, directory, *args, **kwargs):
    args = checkpoint_args.construct_args(self, False, *args, **kwargs)
    item = args.item
    if item is not None:
      _check_leaves(item, _RESTORE_TYPES, convert=False)
    return self._restore(directory, pytree.PyTreeRestoreArgs(item=item), strict=args.strict,
                         typed_by_target=True)


@checkpoint_args.register_with_handler(StandardCheckpointHandler, for_save=True)
@dataclasses.dataclass
class StandardSaveArgs(checkpoint_args.CheckpointArgs):
  """``item``: a pytree of arrays and numbers to save."""
  item: Any = None
  save_args: Optional[Any] = None
  custom_metadata: Any = None

  def __post_init__(self):
    if isinstance(self.item, md.TreeMetadata):
      raise ValueError("Cannot save TreeMetadata.")


@checkpoint_args.register_with_handler(StandardCheckpointHandler, for_restore=True)
@dataclasses.dataclass
class StandardRestoreArgs(checkpoint_args.CheckpointArgs):
  """``item``: the target; real values, ``jax.ShapeDtypeStruct``s or metadata leaves.
  ``strict=False`` pads or truncates stored arrays whose shape differs from the target."""
  item: Optional[Any] = None
  strict: bool = True
  support_layout: bool = False
  fallback_sharding: Any = None

  def __post_init__(self):
    if isinstance(self.item, md.TreeMetadata):
      self.item = self.item.tree
