"""Checkpoint metadata: what each leaf is (``_METADATA``), and the objects that
``metadata()`` / ``item_metadata()`` return (shapes and dtypes, read without the data).
"""
from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, Optional

import numpy as np

from jaxlite import tree_util

PYTREE_METADATA_FILE = "_METADATA"

# ``value_type`` of a leaf in ``_METADATA``.
JAX_ARRAY = "jax.Array"
NP_ARRAY = "np.ndarray"
SCALAR = "scalar"
STRING = "string"
EMPTY_TYPES = {"None": None, "Dict": {}, "List": [], "Tuple": (), "NamedTuple": None}


def empty_value_type(value) -> Optional[str]:
  """The ``value_type`` of an empty leaf (None or an empty container), else None."""
  if value is None:
    return "None"
  if isinstance(value, tuple) and hasattr(value, "_fields") and not value:
    return "None"  # as Orbax writes it (e.g. optax's EmptyState) without rich types
  for typ, name in ((list, "List"), (tuple, "Tuple"), (dict, "Dict")):
    if isinstance(value, typ) and not value:
      return name
  return None


@dataclasses.dataclass
class LeafEntry:
  """One leaf of a stored pytree, as written in ``_METADATA``."""
  names: tuple
  key_types: tuple
  value_type: str
  write_shape: Optional[tuple] = None

  @property
  def skip_deserialize(self) -> bool:
    return self.value_type in EMPTY_TYPES


def tree_metadata_json(entries, *, use_ocdbt, use_zarr3, custom_metadata) -> dict:
  tree = {}
  for e in entries:
    value = {"value_type": e.value_type, "skip_deserialize": e.skip_deserialize}
    if e.write_shape is not None:
      value["write_shape"] = list(e.write_shape)
    tree[str(tuple(e.names))] = {
        "key_metadata": [{"key": n, "key_type": t} for n, t in zip(e.names, e.key_types)],
        "value_metadata": value,
    }
  return {"tree_metadata": tree, "use_ocdbt": use_ocdbt, "use_zarr3": use_zarr3,
          "store_array_data_equal_to_fill_value": True, "custom_metadata": custom_metadata}


def parse_tree_metadata(obj, path) -> dict:
  """Validates a parsed ``_METADATA``; returns its fields with ``entries`` as LeafEntry."""
  try:
    entries = []
    for item in obj["tree_metadata"].values():
      keys = item["key_metadata"]
      value = item["value_metadata"]
      shape = value.get("write_shape")
      entries.append(LeafEntry(tuple(str(k["key"]) for k in keys),
                               tuple(int(k["key_type"]) for k in keys),
                               str(value["value_type"]),
                               tuple(shape) if shape is not None else None))
  except (KeyError, TypeError, AttributeError, ValueError) as e:
    raise ValueError(f"Checkpoint metadata {path} is malformed ({type(e).__name__}: {e}).") \
        from None
  return {"entries": entries, "use_ocdbt": bool(obj.get("use_ocdbt")),
          "use_zarr3": bool(obj.get("use_zarr3", False)),
          "custom_metadata": obj.get("custom_metadata")}


@dataclasses.dataclass
class StorageMetadata:
  chunk_shape: Optional[tuple] = None
  write_shape: Optional[tuple] = None


@dataclasses.dataclass
class Metadata:
  name: str
  directory: Optional[Path]


@dataclasses.dataclass
class ArrayMetadata(Metadata):
  """Shape and dtype of a stored array (``sharding`` is the device it was saved from)."""
  shape: tuple
  sharding: Any
  dtype: Optional[np.dtype]
  storage: Optional[StorageMetadata] = None

  @property
  def ndim(self):
    return len(self.shape)

  @property
  def size(self):
    return int(np.prod(self.shape, dtype=np.int64))


@dataclasses.dataclass
class ScalarMetadata(ArrayMetadata):
  """A Python scalar (restored as ``int``/``float``/``bool``)."""
  shape: tuple = ()
  sharding: Any = None
  dtype: Optional[np.dtype] = None


@dataclasses.dataclass
class StringMetadata(Metadata):
  """A Python string."""


@dataclasses.dataclass(frozen=True)
class SingleDeviceShardingMetadata:
  device_str: str = "cpu:0"


@tree_util.register_pytree_with_keys_class
class TreeMetadata:
  """The metadata of a stored pytree: ``.tree`` holds one Metadata per leaf.

  It is itself a pytree and behaves like its top-level container (``m['params']``),
  so ``jax.tree.map(lambda m: jax.ShapeDtypeStruct(m.shape, m.dtype), m)`` gives
  an abstract restore target."""

  def __init__(self, *, tree, custom_metadata=None, use_zarr3=False):
    self._tree = tree
    self._custom_metadata = custom_metadata
    self._use_zarr3 = use_zarr3

  @property
  def tree(self):
    return self._tree

  @property
  def custom_metadata(self):
    return self._custom_metadata

  @property
  def use_zarr3(self):
    return self._use_zarr3

  def tree_flatten_with_keys(self):
    t = self._tree
    if isinstance(t, dict):
      keyed = [(tree_util.DictKey(k), v) for k, v in t.items()]
    elif isinstance(t, (list, tuple)):
      keyed = [(tree_util.SequenceKey(i), v) for i, v in enumerate(t)]
    else:
      keyed = [(tree_util.GetAttrKey("tree"), t)]
    keys = tuple(k for k, _ in keyed)
    return keyed, (type(t), keys, self._custom_metadata, self._use_zarr3)

  def tree_flatten(self):
    keyed, aux = self.tree_flatten_with_keys()
    return [v for _, v in keyed], aux

  @classmethod
  def tree_unflatten(cls, aux, children):
    typ, keys, custom_metadata, use_zarr3 = aux
    children = list(children)
    if issubclass(typ, dict):
      tree = typ(zip((k.key for k in keys), children))
    elif issubclass(typ, (list, tuple)):
      tree = typ(children)
    else:
      tree = children[0]
    return cls(tree=tree, custom_metadata=custom_metadata, use_zarr3=use_zarr3)

  def __getitem__(self, key):
    return self._tree[key]

  def __contains__(self, key):
    return key in self._tree

  def __len__(self):
    return len(self._tree)

  def __iter__(self):
    return iter(self._tree)

  def get(self, key, default=None):
    try:
      return self._tree[key]
    except (KeyError, IndexError):
      return default

  def keys(self):
    return self._tree.keys()

  def values(self):
    return self._tree.values()

  def items(self):
    return self._tree.items()

  def __repr__(self):
    return (f"TreeMetadata(\n  custom_metadata={self._custom_metadata}\n"
            f"  tree={self._tree}\n  use_zarr3={self._use_zarr3}\n)")


@dataclasses.dataclass
class StepMetadata:
  """What ``_CHECKPOINT_METADATA`` records about one step, plus its items' metadata."""
  item_handlers: Any = None
  item_metadata: Any = None
  metrics: dict = dataclasses.field(default_factory=dict)
  performance_metrics: dict = dataclasses.field(default_factory=dict)
  init_timestamp_nsecs: Optional[int] = None
  commit_timestamp_nsecs: Optional[int] = None
  custom_metadata: dict = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class RootMetadata:
  """Step-independent metadata given to ``CheckpointManager(metadata=...)``."""
  internal_metadata: dict = dataclasses.field(default_factory=dict)
  custom_metadata: Optional[dict] = None
