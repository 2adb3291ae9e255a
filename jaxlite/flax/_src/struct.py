"""``flax.struct``: frozen dataclasses that are pytrees (and serializable state)."""
import dataclasses
import functools

from jaxlite import tree_util
from jaxlite.flax._src import serialization

__all__ = ["field", "dataclass", "PyTreeNode"]


def field(pytree_node=True, *, metadata=None, **kwargs):
  """A dataclass field; ``pytree_node=False`` makes it static metadata, not a leaf."""
  return dataclasses.field(metadata=(metadata or {}) | {"pytree_node": pytree_node}, **kwargs)


def dataclass(clz=None, **kwargs):
  """Makes ``clz`` a frozen dataclass registered as a pytree, with a ``replace`` method.

  Fields are pytree children unless declared with ``field(pytree_node=False)``.
  """
  if clz is None:
    return functools.partial(dataclass, **kwargs)
  if "_flax_dataclass" in clz.__dict__:
    return clz
  kwargs.setdefault("frozen", True)
  data_clz = dataclasses.dataclass(**kwargs)(clz)
  data_fields, meta_fields = [], []
  for f in dataclasses.fields(data_clz):
    (data_fields if f.metadata.get("pytree_node", True) else meta_fields).append(f.name)

  def replace(self, **updates):
    """A copy with the given fields replaced."""
    return dataclasses.replace(self, **updates)

  data_clz.replace = replace
  tree_util.register_dataclass(data_clz, data_fields, meta_fields)

  def to_state_dict(x):
    return {name: serialization.to_state_dict(getattr(x, name)) for name in data_fields}

  def from_state_dict(x, state):
    state = dict(state)
    updates = {}
    for name in data_fields:
      if name not in state:
        raise ValueError(f"Missing field {name} in state dict while restoring"
                         f" an instance of {clz.__name__},"
                         f" at path {serialization.current_path()}")
      updates[name] = serialization.from_state_dict(getattr(x, name), state.pop(name),
                                                    name=name)
    if state:
      names = ",".join(state.keys())
      raise ValueError(f'Unknown field(s) "{names}" in state dict while'
                       f" restoring an instance of {clz.__name__}"
                       f" at path {serialization.current_path()}")
    return x.replace(**updates)

  serialization.register_serialization_state(data_clz, to_state_dict, from_state_dict)
  data_clz._flax_dataclass = True
  return data_clz


class PyTreeNode:
  """Base class: every subclass becomes a ``flax.struct.dataclass``.

  ``class Point(PyTreeNode): x: float; y: float = field(pytree_node=False)``.
  """

  def __init_subclass__(cls, **kwargs):
    super().__init_subclass__()
    dataclass(cls, **kwargs)
