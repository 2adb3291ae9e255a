"""``flax.serialization``: state dicts and Flax's msgpack byte format.

A state dict is a nest of dicts with string keys and array/scalar leaves. Registered
types (dict, list, tuple, namedtuple, ``flax.struct`` dataclasses, FrozenDict, ...) turn
into one with ``to_state_dict`` and are rebuilt from one, shaped like a ``target``, with
``from_state_dict``. ``to_bytes``/``from_bytes`` write and read the same bytes as the real
Flax (msgpack, arrays as ext type 1 holding ``(shape, dtype name, C-order buffer)``).
"""
import contextlib
import threading
from typing import Any

import ml_dtypes
import numpy as np

import jaxlite
from jaxlite import tree_util
from jaxlite.flax._src import _msgpack

__all__ = ["from_state_dict", "to_state_dict", "is_serializable",
           "register_serialization_state", "current_path", "msgpack_serialize",
           "msgpack_restore", "from_bytes", "to_bytes"]

_STATE_DICT_REGISTRY: dict = {}


class _ErrorContext(threading.local):
  def __init__(self):
    self.path = []


_error_context = _ErrorContext()


@contextlib.contextmanager
def _record_path(name):
  _error_context.path.append(name)
  try:
    yield
  finally:
    _error_context.path.pop()


def current_path():
  """The state-dict path being restored, for error messages."""
  return "/".join(_error_context.path)


class _NamedTuple:
  """Registry key standing for every namedtuple class."""


def _registry_key(x):
  return _NamedTuple if isinstance(x, tuple) and hasattr(x, "_fields") else type(x)


def from_state_dict(target, state, name: str = "."):
  """Returns a copy of ``target`` with its state replaced by ``state``."""
  entry = _STATE_DICT_REGISTRY.get(_registry_key(target))
  if entry is None:
    return state
  with _record_path(name):
    return entry[1](target, state)


def to_state_dict(target) -> Any:
  """Returns the state dict of ``target`` (``target`` itself for unregistered leaves)."""
  entry = _STATE_DICT_REGISTRY.get(_registry_key(target))
  if entry is None:
    return target
  state = entry[0](target)
  if isinstance(state, dict):
    for key in state:
      assert isinstance(key, str), "A state dict must only have string keys."
  return state


def is_serializable(target):
  if not isinstance(target, type):
    target = type(target)
  return target in _STATE_DICT_REGISTRY


def register_serialization_state(ty, ty_to_state_dict, ty_from_state_dict, override=False):
  """Registers how to turn a ``ty`` into a state dict and back."""
  if ty in _STATE_DICT_REGISTRY and not override:
    raise ValueError(f'a serialization handler for "{ty.__name__}" is already registered')
  _STATE_DICT_REGISTRY[ty] = (ty_to_state_dict, ty_from_state_dict)


def _list_state_dict(xs):
  return {str(i): to_state_dict(x) for i, x in enumerate(xs)}


def _restore_list(xs, state_dict):
  if len(state_dict) != len(xs):
    raise ValueError("The size of the list and the state dict do not match,"
                     f" got {len(xs)} and {len(state_dict)} at path {current_path()}")
  return [from_state_dict(xs[i], state_dict[str(i)], name=str(i)) for i in range(len(xs))]


def _dict_state_dict(xs):
  str_keys = {str(k) for k in xs}
  if len(str_keys) != len(xs):
    raise ValueError("Dict keys do not have a unique string representation: "
                     f"{str_keys} vs given: {xs}")
  return {str(k): to_state_dict(v) for k, v in xs.items()}


def _restore_dict(xs, states):
  diff = set(map(str, xs.keys())).difference(states.keys())
  if diff:
    raise ValueError("The target dict keys and state dict keys do not match, target dict"
                     f" contains keys {diff} which are not present in state dict at path"
                     f" {current_path()}")
  return {k: from_state_dict(v, states[str(k)], name=str(k)) for k, v in xs.items()}


def _namedtuple_state_dict(nt):
  return {k: to_state_dict(getattr(nt, k)) for k in nt._fields}


def _restore_namedtuple(xs, state_dict):
  # Older Flax wrote namedtuples as {'name', 'fields', 'values'}.
  if set(state_dict.keys()) == {"name", "fields", "values"}:
    state_dict = {state_dict["fields"][str(i)]: state_dict["values"][str(i)]
                  for i in range(len(state_dict["fields"]))}
  if set(state_dict.keys()) != set(xs._fields):
    raise ValueError("The field names of the state dict and the named tuple do not match,"
                     f" got {set(state_dict.keys())} and {set(xs._fields)} at path"
                     f" {current_path()}")
  return type(xs)(**{k: from_state_dict(getattr(xs, k), v, name=k)
                     for k, v in state_dict.items()})


register_serialization_state(dict, _dict_state_dict, _restore_dict)
register_serialization_state(list, _list_state_dict, _restore_list)
register_serialization_state(tuple, _list_state_dict,
                             lambda xs, sd: tuple(_restore_list(list(xs), sd)))
register_serialization_state(_NamedTuple, _namedtuple_state_dict, _restore_namedtuple)
register_serialization_state(
    tree_util.Partial,
    lambda x: {"args": to_state_dict(x.args), "keywords": to_state_dict(x.keywords)},
    lambda x, sd: tree_util.Partial(x.func, *from_state_dict(x.args, sd["args"]),
                                    **from_state_dict(x.keywords, sd["keywords"])))


# --- msgpack encoding ---------------------------------------------------------------------
_EXT_NDARRAY, _EXT_COMPLEX, _EXT_NPSCALAR = 1, 2, 3
MAX_CHUNK_SIZE = 2**30


def _ndarray_to_bytes(arr) -> bytes:
  arr = np.asarray(arr)
  if arr.dtype.hasobject or arr.dtype.isalignedstruct or arr.dtype.fields is not None:
    raise ValueError("Object and structured dtypes not supported "
                     "for serialization of ndarrays.")
  return _msgpack.packb((arr.shape, arr.dtype.name, arr.tobytes("C")))


def _dtype_from_name(name: bytes):
  text = name.decode("ascii", errors="replace")
  # ml_dtypes' types (bfloat16, float8_*, int4...) are not known to np.dtype by name.
  ml_type = getattr(ml_dtypes, text, None)
  try:
    dtype = np.dtype(ml_type) if isinstance(ml_type, type) else np.dtype(text)
  except TypeError:
    raise ValueError(f"Unknown array dtype {text!r} in msgpack data.") from None
  if dtype.hasobject or dtype.fields is not None:
    raise ValueError(f"Refusing to restore an array of dtype {text!r}.")
  return dtype


def _ndarray_from_bytes(data: bytes) -> np.ndarray:
  fields = _msgpack.unpackb(data, raw=True)
  if not (isinstance(fields, list) and len(fields) == 3 and isinstance(fields[0], list)
          and all(isinstance(d, int) and d >= 0 for d in fields[0])
          and isinstance(fields[1], bytes) and isinstance(fields[2], bytes)):
    raise ValueError("Malformed array record in msgpack data.")
  shape, dtype_name, buffer = fields
  dtype = _dtype_from_name(dtype_name)
  size = int(np.prod(shape, dtype=np.int64))
  if size * dtype.itemsize != len(buffer):
    raise ValueError(f"Array record of shape {tuple(shape)} and dtype {dtype} holds "
                     f"{len(buffer)} bytes, expected {size * dtype.itemsize}.")
  return np.frombuffer(buffer, dtype=dtype, count=size).reshape(shape, order="C")


def _ext_pack(x):
  if isinstance(x, (np.ndarray, jaxlite.Array)):
    return _msgpack.ExtType(_EXT_NDARRAY, _ndarray_to_bytes(x))
  if isinstance(x, np.generic):
    return _msgpack.ExtType(_EXT_NPSCALAR, _ndarray_to_bytes(np.asarray(x)))
  if isinstance(x, complex):
    return _msgpack.ExtType(_EXT_COMPLEX, _msgpack.packb((x.real, x.imag)))
  return x


def _ext_unpack(code, data):
  if code == _EXT_NDARRAY:
    return _ndarray_from_bytes(data)
  if code == _EXT_COMPLEX:
    re, im = _msgpack.unpackb(data)
    return complex(re, im)
  if code == _EXT_NPSCALAR:
    return _ndarray_from_bytes(data)[()]
  return _msgpack.ExtType(code, data)


def _to_numpy(tree):
  if isinstance(tree, dict):
    return {k: _to_numpy(v) for k, v in tree.items()}
  if isinstance(tree, jaxlite.Array):
    return np.asarray(tree)
  return tree


_tuple_to_dict = lambda tpl: {str(i): v for i, v in enumerate(tpl)}
_dict_to_tuple = lambda d: tuple(d[str(i)] for i in range(len(d)))


def _chunk(arr):
  """Splits an array over 1 GiB into chunks (msgpack's bin32 limit is 4 GiB)."""
  chunksize = max(1, int(MAX_CHUNK_SIZE / arr.dtype.itemsize))
  flat = arr.reshape(-1)
  chunks = [flat[i:i + chunksize] for i in range(0, flat.size, chunksize)]
  return {"__msgpack_chunked_array__": True, "shape": _tuple_to_dict(arr.shape),
          "chunks": _tuple_to_dict(chunks)}


def _chunk_leaves(tree):
  if isinstance(tree, dict):
    return {k: _chunk_leaves(v) for k, v in tree.items()}
  if isinstance(tree, np.ndarray) and tree.size * tree.dtype.itemsize > MAX_CHUNK_SIZE:
    return _chunk(tree)
  return tree


def _unchunk_leaves(tree):
  if isinstance(tree, dict):
    if "__msgpack_chunked_array__" in tree:
      shape = _dict_to_tuple(tree["shape"])
      return np.concatenate(_dict_to_tuple(tree["chunks"])).reshape(shape)
    return {k: _unchunk_leaves(v) for k, v in tree.items()}
  return tree


def msgpack_serialize(pytree, in_place: bool = False) -> bytes:
  """Encodes a tree of dicts/lists with array and Python scalar leaves as msgpack bytes."""
  del in_place  # the tree is never modified: the converted copy is built fresh
  tree = _chunk_leaves(_to_numpy(pytree))
  return _msgpack.packb(tree, default=_ext_pack, strict_types=True)


def msgpack_restore(encoded_pytree: bytes):
  """Decodes bytes written by ``msgpack_serialize`` (numpy arrays as leaves)."""
  return _unchunk_leaves(_msgpack.unpackb(encoded_pytree, ext_hook=_ext_unpack))


def from_bytes(target, encoded_bytes: bytes):
  """Restores ``target``'s state from msgpack bytes written by ``to_bytes``."""
  return from_state_dict(target, msgpack_restore(encoded_bytes))


def to_bytes(target) -> bytes:
  """The state dict of ``target`` as msgpack bytes."""
  return msgpack_serialize(to_state_dict(target), in_place=True)
