"""Saving and loading the leaves of one pytree item, in Orbax's file layout:

  _METADATA                 what every leaf is (see metadata.py)
  manifest.ocdbt, d/...     the arrays, one zarr array per leaf, named by parameter name
  _strings.json             string leaves
  _sharding                 the device of each jax.Array leaf (what Orbax restores onto)
  array_metadatas/process_0 write and chunk shapes of each jax.Array leaf
"""
from __future__ import annotations

import base64
import dataclasses
import json
from pathlib import Path
from typing import Any, Optional

import numpy as np

import jaxlite
import jaxlite.random
from jaxlite import errors as jax_errors
from jaxlite.orbax._src import fileio
from jaxlite.orbax._src import metadata as md
from jaxlite.orbax._src import tensorstore_io
from jaxlite.orbax._src import tree as tree_lib

STRINGS_FILE = "_strings.json"
SHARDING_FILE = "_sharding"
_SINGLE_DEVICE = json.dumps({"sharding_type": "SingleDeviceSharding", "device_str": "cpu:0"})
_PY_SCALARS = (bool, int, float, complex)


@dataclasses.dataclass
class Snapshot:
  """A leaf ready to be written: its metadata entry and a private copy of its value."""
  entry: md.LeafEntry
  data: Optional[np.ndarray] = None
  text: Optional[str] = None
  key_impl: Optional[str] = None  # typed PRNG keys are stored as their key data


def is_typed_key(value) -> bool:
  """A ``jax.random.key`` array: its dtype is an extended dtype, not a NumPy one."""
  return isinstance(value, jaxlite.Array) and not isinstance(value.dtype, np.dtype)


def _array_of(value, name) -> np.ndarray:
  try:
    return np.asarray(value)
  except jax_errors.TracerArrayConversionError:
    raise TypeError(f"Cannot save leaf {name!r}: it is a traced value (inside jit, grad or "
                    "vmap); save concrete arrays.") from None


def snapshot(names, key_types, value, dtype=None, *, allow_strings=True) -> Snapshot:
  """Classifies ``value`` as Orbax does and copies whatever the caller could mutate.

  jaxlite Arrays are immutable, so their buffers are shared, not copied."""
  name = tree_lib.param_name(names)
  empty = md.empty_value_type(value)
  if empty is not None:
    return Snapshot(md.LeafEntry(names, key_types, empty))
  if isinstance(value, str) and allow_strings:
    return Snapshot(md.LeafEntry(names, key_types, md.STRING), text=value)
  key_impl = None
  if is_typed_key(value):
    key_impl = str(jaxlite.random.key_impl(value))
    data = np.asarray(jaxlite.random.key_data(value))
    typ, write_shape = md.JAX_ARRAY, tuple(data.shape)
  elif isinstance(value, jaxlite.Array):
    data = _array_of(value, name)
    typ, write_shape = md.JAX_ARRAY, tuple(data.shape)
  elif isinstance(value, _PY_SCALARS) and not isinstance(value, np.generic):
    data, typ, write_shape = np.asarray(value), md.SCALAR, None
  elif isinstance(value, (np.ndarray, np.generic)) or hasattr(value, "__array__"):
    data, typ, write_shape = np.array(_array_of(value, name), copy=True), md.NP_ARRAY, None
  else:
    raise ValueError(f"Unsupported type: {type(value)} for key: {tuple(names)}.")
  if data.dtype == object:
    raise ValueError(f"Unsupported type: {type(value)} for key: {tuple(names)} (an object "
                     "array cannot be stored without pickling).")
  if dtype is not None and np.dtype(dtype) != data.dtype:
    data = data.astype(dtype)
  tensorstore_io.check_dtype(data.dtype, name)
  return Snapshot(md.LeafEntry(names, key_types, typ, write_shape), data=data, key_impl=key_impl)


def check_unique_names(leaves) -> None:
  """Leaves are stored under their dotted names, which must therefore differ."""
  seen = set()
  for s in leaves:
    name = tree_lib.param_name(s.entry.names)
    if name in seen:
      raise ValueError(f"Two leaves have the parameter name {name!r}: a key containing '.' "
                       "collides with a nested key.")
    seen.add(name)


def write_item(directory: Path, leaves, *, use_ocdbt, use_zarr3, use_compression,
               custom_metadata) -> None:
  """Writes the snapshotted ``leaves`` of one item into ``directory``."""
  directory.mkdir(parents=True, exist_ok=True)
  arrays = [(tree_lib.param_name(s.entry.names), s.data) for s in leaves if s.data is not None]
  chunks = tensorstore_io.write_arrays(directory, arrays, use_ocdbt=use_ocdbt,
                                       use_zarr3=use_zarr3, use_compression=use_compression)
  strings = {tree_lib.param_name(s.entry.names): s.text for s in leaves if s.text is not None}
  if strings:
    fileio.write_json(directory / STRINGS_FILE, strings)
  jax_leaves = [s for s in leaves if s.entry.value_type == md.JAX_ARRAY]
  if jax_leaves:
    sharding = {base64.urlsafe_b64encode(tree_lib.param_name(s.entry.names).encode()).decode():
                _SINGLE_DEVICE for s in jax_leaves}
    fileio.write_json(directory / SHARDING_FILE, sharding)
    (directory / "array_metadatas").mkdir(exist_ok=True)
    fileio.write_json(directory / "array_metadatas" / "process_0", {"array_metadatas": [
        {"array_metadata": {"param_name": tree_lib.param_name(s.entry.names),
                            "write_shape": list(s.data.shape),
                            "chunk_shape": chunks[tree_lib.param_name(s.entry.names)],
                            "ext_metadata": ({"random_key_impl": s.key_impl} if s.key_impl
                                             else None)}} for s in jax_leaves]})
  fileio.write_json(directory / md.PYTREE_METADATA_FILE, md.tree_metadata_json(
      [s.entry for s in leaves], use_ocdbt=use_ocdbt, use_zarr3=use_zarr3,
      custom_metadata=custom_metadata))


def _key_impls(directory: Path) -> dict:
  """``{param name: PRNG impl}`` of the typed-key leaves, from ``array_metadatas/``."""
  impls = {}
  folder = directory / "array_metadatas"
  for path in sorted(folder.iterdir()) if folder.is_dir() else ():
    for item in fileio.read_json(path, "Array metadata").get("array_metadatas", []):
      meta = item.get("array_metadata", {})
      impl = (meta.get("ext_metadata") or {}).get("random_key_impl")
      if impl:
        impls[meta.get("param_name")] = impl
  return impls


def read_tree_metadata(directory: Path) -> dict:
  """The parsed ``_METADATA`` of the item in ``directory`` (clear errors if absent/bad),
  plus ``key_impls`` naming the PRNG implementation of typed-key leaves."""
  if not directory.is_dir():
    raise FileNotFoundError(f"Checkpoint at {directory} not found.")
  path = directory / md.PYTREE_METADATA_FILE
  if not path.exists():
    raise FileNotFoundError(f"Checkpoint at {directory} is incomplete or not a pytree "
                            f"checkpoint: {md.PYTREE_METADATA_FILE} is missing.")
  info = md.parse_tree_metadata(fileio.read_json(path, "Checkpoint metadata"), path)
  info["key_impls"] = _key_impls(directory)
  return info


@dataclasses.dataclass
class Request:
  """How to restore one stored leaf: as what type, dtype and shape."""
  entry: md.LeafEntry
  restore_type: Any = None  # jaxlite.Array, np.ndarray, a Python scalar type, md.SCALAR
  dtype: Any = None
  shape: Optional[tuple] = None
  strict: bool = True
  key_impl: Optional[str] = None  # rebuild a typed PRNG key array from its key data


def _brief(error) -> str:
  """TensorStore's message without the spec dump it appends."""
  return str(error).split(" [tensorstore_spec=")[0]


def _fail(directory, name, problem):
  return ValueError(f"Cannot restore leaf {name!r} from checkpoint {directory}: {problem}")


def _needs_fit(stored, requested, strict, directory, name) -> bool:
  """Whether a stored array must be padded/truncated to the requested shape (if allowed)."""
  if requested is None or tuple(requested) == tuple(stored):
    return False
  if strict or len(requested) != len(stored):
    raise _fail(directory, name, (
        f"Requested shape: {tuple(requested)} is not compatible with the stored shape: "
        f"{tuple(stored)}. Truncating/padding is disabled. To enable it, set `strict=False`."))
  return True


def _overlap(a, b):
  return tuple(slice(0, min(x, y)) for x, y in zip(a, b))


def _convert(array, req, directory, name):
  if req.dtype is not None and np.dtype(req.dtype) != array.dtype:
    array = array.astype(req.dtype)
  typ = req.restore_type
  if typ is None or typ is np.ndarray:
    return array
  if typ == md.SCALAR:  # a stored Python scalar comes back as the Python type it was
    return array.item()
  if isinstance(typ, type) and issubclass(typ, _PY_SCALARS):
    if array.size != 1:
      raise _fail(directory, name, f"stored shape {array.shape} cannot be restored as a "
                                   f"Python {typ.__name__}.")
    return typ(array.item())
  if req.key_impl is not None:
    return jaxlite.random.wrap_key_data(array, impl=req.key_impl)
  return jaxlite.device_put(array)


def read_leaves(directory: Path, requests, *, use_ocdbt, use_zarr3) -> list:
  """Loads the leaves ``requests`` from ``directory``, all arrays read concurrently."""
  values = [None] * len(requests)
  strings = None
  array_ix = []
  for i, req in enumerate(requests):
    if req.entry.skip_deserialize:
      values[i] = md.EMPTY_TYPES[req.entry.value_type]
      if isinstance(values[i], (dict, list)):
        values[i] = type(values[i])()
    elif req.entry.value_type == md.STRING:
      if strings is None:
        strings = fileio.read_json(directory / STRINGS_FILE, "String leaves file")
      name = tree_lib.param_name(req.entry.names)
      if name not in strings:
        raise _fail(directory, name, f"it is missing from {STRINGS_FILE}.")
      values[i] = strings[name]
    else:
      array_ix.append(i)
  names = [tree_lib.param_name(requests[i].entry.names) for i in array_ix]
  opened = tensorstore_io.open_arrays(directory, names, use_ocdbt=use_ocdbt, use_zarr3=use_zarr3)
  reads = []
  for i, name, future in zip(array_ix, names, opened):
    try:
      store = future.result()
    except Exception as e:  # tensorstore reports missing and corrupt data as ValueError
      raise _fail(directory, name,
                  f"its array data is missing or unreadable ({_brief(e)}).") from None
    req = requests[i]
    if _needs_fit(store.shape, req.shape, req.strict, directory, name):
      store = store[_overlap(req.shape, store.shape)]
    reads.append((i, name, store.read()))
  for i, name, future in reads:
    try:
      array = future.result()
    except Exception as e:
      raise _fail(directory, name, f"its data is truncated or corrupted ({_brief(e)}).") from None
    req = requests[i]
    if req.shape is not None and tuple(req.shape) != array.shape:
      padded = np.zeros(req.shape, array.dtype)
      padded[_overlap(req.shape, array.shape)] = array
      array = padded
    values[i] = _convert(array, req, directory, name)
  return values


def leaf_metadata(directory: Path, entries, *, use_ocdbt, use_zarr3) -> list:
  """One Metadata object (or empty value) per entry, from the arrays' zarr headers."""
  out = [None] * len(entries)
  array_ix = [i for i, e in enumerate(entries)
              if not e.skip_deserialize and e.value_type != md.STRING]
  names = [tree_lib.param_name(entries[i].names) for i in array_ix]
  opened = dict(zip(array_ix, tensorstore_io.open_arrays(
      directory, names, use_ocdbt=use_ocdbt, use_zarr3=use_zarr3)))
  for i, e in enumerate(entries):
    name = tree_lib.param_name(e.names)
    if e.skip_deserialize:
      out[i] = md.EMPTY_TYPES[e.value_type]
    elif e.value_type == md.STRING:
      out[i] = md.StringMetadata(name=name, directory=directory)
    else:
      try:
        store = opened[i].result()
      except Exception as ex:
        raise _fail(directory, name,
                    f"its array metadata is missing or unreadable ({_brief(ex)}).") from None
      dtype = np.dtype(store.dtype.numpy_dtype)
      if e.value_type == md.SCALAR:
        out[i] = md.ScalarMetadata(name=name, directory=directory, dtype=dtype)
      else:
        chunk = tuple(store.chunk_layout.read_chunk.shape or store.shape)
        sharding = md.SingleDeviceShardingMetadata() if e.value_type == md.JAX_ARRAY else None
        out[i] = md.ArrayMetadata(name=name, directory=directory, shape=tuple(store.shape),
                                  sharding=sharding, dtype=dtype,
                                  storage=md.StorageMetadata(chunk, e.write_shape))
  return out
