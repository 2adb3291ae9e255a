"""``PyTreeCheckpointHandler``: a pytree of arrays, scalars and strings.

Saving records every leaf (and every empty container or None) by its key path;
restoring rebuilds the tree either as nested dicts and lists, or in the structure
of a target tree whose leaves say what to restore each leaf as.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, Optional

import numpy as np

import jaxlite
from jaxlite import tree_util
from jaxlite.orbax._src import checkpoint_args
from jaxlite.orbax._src import leaf_io
from jaxlite.orbax._src import metadata as md
from jaxlite.orbax._src import tree as tree_lib
from jaxlite.orbax._src.handlers import base

PyTree = Any


@dataclasses.dataclass
class SaveArgs:
  """Per-leaf save options: ``dtype`` casts the leaf before it is written."""
  aggregate: bool = False
  dtype: Optional[Any] = None
  chunk_byte_size: Optional[int] = None
  shard_axes: tuple = ()


@dataclasses.dataclass
class RestoreArgs:
  """Per-leaf restore options: the type to restore as, and a dtype to cast to."""
  restore_type: Optional[Any] = None
  dtype: Optional[Any] = None


@dataclasses.dataclass
class ArrayRestoreArgs(RestoreArgs):
  """Restore as a ``jax.Array`` of ``global_shape`` (``shape``); ``strict=False`` pads or
  truncates a stored array of another shape."""
  restore_type: Optional[Any] = jaxlite.Array
  mesh: Any = None
  mesh_axes: Any = None
  sharding: Any = None
  global_shape: Optional[tuple] = None
  shape: Optional[tuple] = None
  strict: bool = True


def _is_args_leaf(x):
  return x is None or isinstance(x, (SaveArgs, RestoreArgs))


def _by_names(tree):
  """``{names: leaf}`` of a tree of SaveArgs/RestoreArgs shaped like the item."""
  entries, _ = tree_lib.flatten(tree, is_leaf=_is_args_leaf)
  return {names: leaf for names, _, leaf in entries}


def _default_restore_type(value_type):
  return {md.JAX_ARRAY: jaxlite.Array, md.NP_ARRAY: np.ndarray, md.STRING: str,
          md.SCALAR: md.SCALAR}.get(value_type)


def _python_type(dtype):
  kind = np.dtype(dtype).kind
  return {"b": bool, "i": int, "u": int, "f": float, "c": complex}.get(kind, float)


def _is_numpy_dtype(dtype) -> bool:
  try:
    np.dtype(dtype)
  except TypeError:
    return False
  return True


def request_for(entry: md.LeafEntry, target, restore_arg, strict=True) -> leaf_io.Request:
  """How to restore ``entry`` given the target leaf and RestoreArgs (either may be None)."""
  req = leaf_io.Request(entry, strict=strict)
  if restore_arg is not None:
    req.restore_type = restore_arg.restore_type
    req.dtype = restore_arg.dtype
    req.shape = getattr(restore_arg, "global_shape", None) or getattr(restore_arg, "shape", None)
    req.strict = getattr(restore_arg, "strict", True)
  elif isinstance(target, jaxlite.Array):
    req.restore_type, req.dtype, req.shape = jaxlite.Array, target.dtype, target.shape
  elif isinstance(target, md.ScalarMetadata):
    req.restore_type, req.dtype = _python_type(target.dtype), target.dtype
  elif isinstance(target, (jaxlite.ShapeDtypeStruct, md.ArrayMetadata)):
    on_device = target.sharding is not None or entry.value_type == md.JAX_ARRAY
    req.restore_type = jaxlite.Array if on_device else np.ndarray
    req.dtype, req.shape = target.dtype, target.shape
  elif isinstance(target, (np.ndarray, np.generic)):
    req.restore_type, req.dtype, req.shape = np.ndarray, target.dtype, target.shape
  elif isinstance(target, (bool, int, float, complex, str)):
    req.restore_type = type(target)
  if req.restore_type is None:
    req.restore_type = _default_restore_type(entry.value_type)
  if req.dtype is not None and not _is_numpy_dtype(req.dtype):
    # A typed PRNG key target: shape and dtype are those of the stored key data.
    req.dtype = req.shape = None
  return req


@dataclasses.dataclass
class _Plan:
  """The leaves to read, the target structure to rebuild (or None for nested dicts)."""
  requests: list
  treedef: Any
  skipped: dict  # index in the target's leaves -> value given without reading


@base.orbax_typestr("orbax.checkpoint._src.handlers.pytree_checkpoint_handler."
                    "PyTreeCheckpointHandler")
class PyTreeCheckpointHandler(base.AsyncCheckpointHandler):
  """Saves a pytree of arrays, scalars and strings; restores all of it or a part.

  Files follow Orbax. Where jaxlite's defaults differ from Orbax's, both read either:
  ``use_zarr3=True`` (Orbax: False; its v1 API uses zarr3) and ``use_compression=False``
  (Orbax: zstd), so that saving and restoring run at disk speed."""

  _allow_strings = True

  def __init__(self, aggregate_filename=None, *, use_ocdbt: bool = True,
               use_zarr3: bool = True, use_compression: bool = False, **unused_options):
    del aggregate_filename, unused_options  # multi-host and memory options: no effect here
    self._use_ocdbt = use_ocdbt
    self._use_zarr3 = use_zarr3
    self._use_compression = use_compression

  # -- saving ---------------------------------------------------------------
  def prepare_save(self, args):
    if not isinstance(args, PyTreeSaveArgs):
      args = PyTreeSaveArgs(item=args.item, save_args=getattr(args, "save_args", None),
                            custom_metadata=getattr(args, "custom_metadata", None))
    if args.item is None:
      raise ValueError("Must provide item to save.")
    entries, _ = tree_lib.flatten(args.item)
    save_args = _by_names(args.save_args) if args.save_args is not None else {}
    leaves = []
    for names, key_types, value in entries:
      arg = save_args.get(names)
      leaves.append(leaf_io.snapshot(names, key_types, value, arg.dtype if arg else None,
                                     allow_strings=self._allow_strings))
    leaf_io.check_unique_names(leaves)
    options = dict(use_ocdbt=self._use_ocdbt, use_zarr3=self._use_zarr3,
                   use_compression=self._use_compression,
                   custom_metadata=args.custom_metadata)

    def write(directory: Path):
      leaf_io.write_item(Path(directory), leaves, **options)
    return write

  # -- restoring ------------------------------------------------------------
  def _plan(self, directory, stored, args, strict, typed_by_target) -> _Plan:
    by_names = {e.names: e for e in stored}
    restore_args = _by_names(args.restore_args) if args.restore_args is not None else {}
    if args.item is None:
      reqs = [request_for(e, None, restore_args.get(e.names), strict) for e in stored]
      return _Plan(reqs, None, {})
    item = args.item.tree if isinstance(args.item, md.TreeMetadata) else args.item
    targets, treedef = tree_lib.flatten(item)
    # A None in the target skips whatever the checkpoint holds below it.
    skip_prefixes = [n for n, _, v in targets if v is None]
    wanted = [n for n, _, v in targets if v is not None]
    stored_names = [n for n in by_names
                    if not any(n[:len(p)] == p for p in skip_prefixes)]
    missing = [n for n in wanted if n not in by_names]
    wanted_set = set(wanted)
    extra = [] if args.partial_restore else [n for n in stored_names if n not in wanted_set]
    if missing or extra:
      detail = tree_lib.structure_mismatch(missing, extra)
      raise ValueError(
          "User-provided restore item and on-disk value metadata tree structures do not "
          f"match (checkpoint {directory}):\n{detail}\nIf this mismatch is intentional, pass "
          "`partial_restore=True` to only restore parameters found in `item`.")
    reqs, skipped = [], {}
    for i, (n, _, value) in enumerate(targets):
      if value is None or (md.empty_value_type(value) is not None
                           and by_names[n].skip_deserialize):
        # None and empty containers come back as the target has them (e.g. optax's
        # EmptyState(), which the checkpoint stores as None).
        skipped[i] = type(value)() if isinstance(value, (dict, list)) else value
        continue
      reqs.append(request_for(by_names[n], value if typed_by_target else None,
                              restore_args.get(n), strict))
    return _Plan(reqs, treedef, skipped)

  def restore(self, directory, *args, **kwargs):
    return self._restore(directory, _restore_args(self, *args, **kwargs))

  def _restore(self, directory, args, strict=True, typed_by_target=False):
    """Restores per ``args``. As in Orbax, the target's leaves give only the structure
    (types come from RestoreArgs or the checkpoint) unless ``typed_by_target`` (the
    Standard handler); ``strict`` applies to leaves without their own RestoreArgs."""
    directory = Path(directory)
    info = leaf_io.read_tree_metadata(directory)
    plan = self._plan(directory, info["entries"], args, strict, typed_by_target)
    for req in plan.requests:
      if req.restore_type is jaxlite.Array:
        req.key_impl = info["key_impls"].get(tree_lib.param_name(req.entry.names))
    values = leaf_io.read_leaves(directory, plan.requests, use_ocdbt=info["use_ocdbt"],
                                 use_zarr3=info["use_zarr3"])
    if plan.treedef is None:
      return tree_lib.build_nested([(r.entry.names, r.entry.key_types, v)
                                    for r, v in zip(plan.requests, values)])
    it = iter(values)
    n_leaves = len(plan.requests) + len(plan.skipped)
    leaves = [plan.skipped[i] if i in plan.skipped else next(it) for i in range(n_leaves)]
    return tree_util.tree_unflatten(plan.treedef, leaves)

  def metadata(self, directory) -> md.TreeMetadata:
    directory = Path(directory)
    info = leaf_io.read_tree_metadata(directory)
    entries = info["entries"]
    values = leaf_io.leaf_metadata(directory, entries, use_ocdbt=info["use_ocdbt"],
                                   use_zarr3=info["use_zarr3"])
    tree = tree_lib.build_nested([(e.names, e.key_types, v) for e, v in zip(entries, values)])
    return md.TreeMetadata(tree=tree, custom_metadata=info["custom_metadata"],
                           use_zarr3=info["use_zarr3"])


def _restore_args(handler, *args, **kwargs):
  args = checkpoint_args.construct_args(handler, False, *args, **kwargs)
  if isinstance(args, PyTreeRestoreArgs):
    if args.transforms is not None or args.legacy_transform_fn is not None:
      raise NotImplementedError("PyTreeRestore `transforms` are not supported by jaxlite.")
  return args


@checkpoint_args.register_with_handler(PyTreeCheckpointHandler, for_save=True)
@dataclasses.dataclass
class PyTreeSaveArgs(checkpoint_args.CheckpointArgs):
  """``item``: the pytree to save; ``save_args``: a matching tree of SaveArgs."""
  item: PyTree = None
  save_args: Optional[PyTree] = None
  ocdbt_target_data_file_size: Optional[int] = None
  custom_metadata: Any = None

  def __post_init__(self):
    if isinstance(self.item, md.TreeMetadata):
      raise ValueError("Cannot save TreeMetadata.")


@checkpoint_args.register_with_handler(PyTreeCheckpointHandler, for_restore=True)
@dataclasses.dataclass
class PyTreeRestoreArgs(checkpoint_args.CheckpointArgs):
  """``item``: target structure (or None for nested dicts); ``restore_args``: a matching
  tree of RestoreArgs; ``partial_restore``: restore only the leaves ``item`` names."""
  item: Optional[PyTree] = None
  restore_args: Optional[PyTree] = None
  transforms: Optional[PyTree] = None
  transforms_default_to_original: bool = True
  legacy_transform_fn: Any = None
  partial_restore: bool = False

  def __post_init__(self):
    if isinstance(self.item, md.TreeMetadata):
      self.item = self.item.tree
    if isinstance(self.restore_args, md.TreeMetadata):
      self.restore_args = self.restore_args.tree
