"""``nnx.List``, ``nnx.Dict`` (Modules that hold other state by index or key) and
``nnx.Sequential``."""
from __future__ import annotations

import inspect
from collections.abc import MutableMapping, MutableSequence

from jaxlite.flax._src.nnx import reprlib
from jaxlite.flax._src.nnx.module import Module
from jaxlite.flax._src.nnx.pytreelib import PRIVATE


class Dict(Module, MutableMapping):
  """A Module behaving as a dict: its entries are attributes, so they are state."""

  def __init__(self, *args, **kwargs):
    for name, value in dict(*args, **kwargs).items():
      setattr(self, name, value)

  def __getitem__(self, key):
    try:
      return getattr(self, key)
    except AttributeError as e:
      raise KeyError(key) from e

  def __setitem__(self, key, value):
    setattr(self, key, value)

  def __delitem__(self, key):
    try:
      delattr(self, key)
    except AttributeError as e:
      raise KeyError(key) from e

  def __iter__(self):
    return (k for k in vars(self) if k not in PRIVATE)

  def __len__(self):
    return sum(1 for _ in self)

  def __hash__(self):
    return id(self)

  __eq__ = object.__eq__

  def __nnx_repr__(self):
    yield reprlib.Object(type=type(self), kv_sep=": ", start="({", end="})")
    for key, value in self.items():
      yield reprlib.Attr(repr(key), value)


class List(Module, MutableSequence):
  """A Module behaving as a list; element ``i`` is attribute ``'i'`` and state key ``i``."""
  _pytree__has_int_keys = True

  def __init__(self, it=None, /):
    self._length = 0
    for value in it or ():
      self.append(value)

  def _index(self, index):
    if index < 0:
      index += self._length
    if not 0 <= index < self._length:
      raise IndexError("Index out of bounds")
    return index

  def __len__(self):
    return self._length

  def __iter__(self):
    for i in range(self._length):
      yield getattr(self, str(i))

  def __getitem__(self, index):
    if isinstance(index, slice):
      return [getattr(self, str(i)) for i in range(self._length)[index]]
    if not isinstance(index, int):
      raise TypeError("Invalid index type")
    return getattr(self, str(self._index(index)))

  def __setitem__(self, index, value):
    if isinstance(index, slice):
      values, idxs = list(value), list(range(self._length))[index]
      if len(idxs) != len(values):
        raise ValueError("Length mismatch")
      for i, v in zip(idxs, values):
        setattr(self, str(i), v)
    elif isinstance(index, int):
      setattr(self, str(self._index(index)), value)
    else:
      raise TypeError("Invalid index type")

  def __delitem__(self, index):
    if isinstance(index, slice):
      for i in reversed(range(self._length)[index]):
        del self[i]
      return
    index = self._index(index)
    for i in range(index + 1, self._length):
      setattr(self, str(i - 1), getattr(self, str(i)))
    delattr(self, str(self._length - 1))
    self._length -= 1

  def insert(self, index, value):
    index = max(0, min(index + self._length if index < 0 else index, self._length))
    for i in range(self._length, index, -1):
      setattr(self, str(i), getattr(self, str(i - 1)))
    setattr(self, str(index), value)
    self._length += 1

  def append(self, value):
    setattr(self, str(self._length), value)
    self._length += 1

  __hash__ = Module.__hash__
  __eq__ = object.__eq__

  def __nnx_repr__(self):
    yield reprlib.Object(type=type(self), kv_sep="", start="([", end="])")
    for value in self:
      yield reprlib.Attr("", value)


def has_keyword_arg(func, name):
  try:
    params = inspect.signature(func).parameters.values()
  except (TypeError, ValueError):
    return False
  return any(p.name == name and p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)
             for p in params)


class Sequential(Module):
  """Apply callables in order; a tuple output is splatted into the next call, a dict
  output passed as keywords."""

  def __init__(self, *fns):
    self.layers = List(fns)

  def __call__(self, *args, rngs=None, **kwargs):
    if len(self.layers) == 0:
      if len(args) == 1:
        return args[0]
      return args if args else (kwargs or None)
    output = None
    for i, f in enumerate(self.layers):
      if not callable(f):
        raise TypeError(f"Sequence[{i}] is not callable: {f}")
      if i > 0:
        if isinstance(output, tuple):
          args, kwargs = output, {}
        elif isinstance(output, dict):
          args, kwargs = (), output
        else:
          args, kwargs = (output,), {}
      if rngs is not None and has_keyword_arg(f, "rngs"):
        kwargs["rngs"] = rngs
      output = f(*args, **kwargs)
    return output
