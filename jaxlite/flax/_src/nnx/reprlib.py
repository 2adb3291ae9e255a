"""Flax's indented ``Type(\\n  key=value,\\n)`` printing of Modules, Variables and States.

An object describes itself by yielding one ``Object`` (how to open and close) followed by
one ``Attr`` per field from ``__nnx_repr__``."""
from __future__ import annotations

import dataclasses
import threading
import typing as tp

import numpy as np

from jaxlite import tree_util as jtu


@dataclasses.dataclass
class Object:
  type: tp.Union[str, type]
  start: str = "("
  end: str = ")"
  kv_sep: str = "="
  indent: str = "  "
  empty_repr: str = ""
  comment: str = ""
  same_line: bool = False


@dataclasses.dataclass
class Attr:
  key: str
  value: tp.Any
  use_raw_key: bool = False


class Representable:
  __slots__ = ()

  def __nnx_repr__(self):
    raise NotImplementedError

  def __repr__(self):
    return get_repr(self)


def _value_repr(x):
  if isinstance(x, Representable):
    return get_repr(x)
  if isinstance(x, type):
    return x.__name__
  return repr(x)


def get_repr(obj: Representable) -> str:
  it = obj.__nnx_repr__()
  config = next(it)
  indent = "" if config.same_line else config.indent
  parts = []
  for attr in it:
    value = _value_repr(attr.value).replace("\n", "\n" + config.indent)
    parts.append(f"{indent}{attr.key}{config.kv_sep}{value}")
  type_name = config.type if isinstance(config.type, str) else config.type.__name__
  if not parts:
    return f"{type_name}{config.start}{config.empty_repr}{config.end}"
  if config.same_line:
    return f"{type_name}{config.start}{', '.join(parts)}{config.end}"
  body = ",\n".join(parts)
  return f"{type_name}{config.start}{config.comment}\n{body}\n{config.end}"


def _bytes_repr(num_bytes):
  count, units = float(num_bytes), ["B", "KB", "MB", "GB", "TB"]
  unit = 0
  while count >= 1000 and unit < len(units) - 1:
    count /= 1000
    unit += 1
  return f"{count:,.1f} {units[unit]}" if unit else f"{int(count):,} B"


@dataclasses.dataclass
class SizeBytes:
  """Element count and byte size of the arrays in a value (the ``# 6 (24 B)`` comments)."""
  size: int
  bytes: int

  @classmethod
  def from_any(cls, x):
    total = cls(0, 0)
    # A typed PRNG key array counts as itself (one key per element), not as its key data.
    for leaf in jtu.tree_leaves(x, is_leaf=lambda y: hasattr(y, "shape") and
                                hasattr(y, "dtype") and not hasattr(y, "_var_metadata")):
      shape, dtype = getattr(leaf, "shape", None), getattr(leaf, "dtype", None)
      if shape is not None and dtype is not None:
        size = int(np.prod(shape))
        total += cls(size, size * getattr(dtype, "itemsize", 0))
    return total

  def __add__(self, other):
    return SizeBytes(self.size + other.size, self.bytes + other.bytes)

  def __bool__(self):
    return bool(self.size)

  def __repr__(self):
    return f"{self.size:,} ({_bytes_repr(self.bytes)})"


@dataclasses.dataclass
class _Context(threading.local):
  seen: set | None = None


CONTEXT = _Context()


class PrettyMapping(Representable):
  def __init__(self, mapping):
    self.mapping = mapping

  def __nnx_repr__(self):
    yield Object(type="", kv_sep=": ", start="{", end="}")
    for key, value in self.mapping.items():
      yield Attr(repr(key), value)


@dataclasses.dataclass(frozen=True, repr=False)
class ArrayRepr(Representable):
  """How a Module shows an array attribute: shape and dtype, not the values."""
  shape: tuple
  dtype: tp.Any

  def __nnx_repr__(self):
    yield Object(type="Array", same_line=True)
    yield Attr("shape", self.shape)
    yield Attr("dtype", self.dtype)
