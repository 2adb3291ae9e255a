"""``flax.core.frozen_dict``: an immutable, hashable nested dict registered as a pytree."""
from collections.abc import Mapping
from types import MappingProxyType

from jaxlite import tree_util
from jaxlite.flax._src import serialization

__all__ = ["FrozenDict", "freeze", "unfreeze", "copy", "pop", "pretty_repr"]


def _indent(x, num_spaces):
  pad = " " * num_spaces
  lines = x.split("\n")
  return "\n".join(pad + line for line in lines[:-1]) + "\n"


def _pretty_dict(x, num_spaces):
  if not isinstance(x, dict):
    return repr(x)
  rep = "".join(f"{k}: {_pretty_dict(v, num_spaces)},\n" for k, v in x.items())
  return "{\n" + _indent(rep, num_spaces) + "}" if rep else "{}"


def _deep_copy_dicts(xs):
  # Nested plain dicts are copied so later edits to the argument cannot leak in.
  if isinstance(xs, FrozenDict):
    return xs._dict
  if not isinstance(xs, dict):
    return xs
  return {k: _deep_copy_dicts(v) for k, v in xs.items()}


class FrozenDict(Mapping):
  """An immutable variant of the Python dict."""
  __slots__ = ("_dict", "_hash")

  def __init__(self, *args, __unsafe_skip_copy__=False, **kwargs):
    xs = dict(*args, **kwargs)
    self._dict = xs if __unsafe_skip_copy__ else _deep_copy_dicts(xs)
    self._hash = None

  def __getitem__(self, key):
    v = self._dict[key]
    return FrozenDict(v) if isinstance(v, dict) else v

  def __setitem__(self, key, value):
    raise ValueError("FrozenDict is immutable.")

  def __contains__(self, key):
    return key in self._dict

  def __iter__(self):
    return iter(self._dict)

  def __len__(self):
    return len(self._dict)

  def __repr__(self):
    return self.pretty_repr()

  def __reduce__(self):
    return FrozenDict, (self.unfreeze(),)

  def __hash__(self):
    if self._hash is None:
      h = 0
      for key, value in self.items():
        h ^= hash((key, value))
      self._hash = h
    return self._hash

  def get(self, key, default=None):
    return self[key] if key in self._dict else default

  def pretty_repr(self, num_spaces=4):
    return f"FrozenDict({_pretty_dict(self._dict, num_spaces)})"

  def copy(self, add_or_replace=MappingProxyType({})):
    """A new FrozenDict with entries added or replaced."""
    return type(self)({**self, **unfreeze(add_or_replace)})

  def items(self):
    for key in self._dict:
      yield key, self[key]

  def pop(self, key):
    """Returns ``(new FrozenDict without key, removed value)``."""
    value = self[key]
    rest = dict(self._dict)
    rest.pop(key)
    return type(self)(rest), value

  def unfreeze(self):
    return unfreeze(self)

  def tree_flatten_with_keys(self):
    keys = sorted(self._dict)
    return tuple((tree_util.DictKey(k), self._dict[k]) for k in keys), tuple(keys)

  def tree_flatten(self):
    keys = sorted(self._dict)
    return tuple(self._dict[k] for k in keys), tuple(keys)

  @classmethod
  def tree_unflatten(cls, keys, values):
    return cls(dict(zip(keys, values)), __unsafe_skip_copy__=True)


tree_util.register_pytree_with_keys(
    FrozenDict, FrozenDict.tree_flatten_with_keys,
    lambda keys, values: FrozenDict.tree_unflatten(keys, values), FrozenDict.tree_flatten)


def freeze(xs):
  """Makes a nested dict immutable."""
  return FrozenDict(xs)


def unfreeze(x):
  """A mutable (nested plain dict) copy of a FrozenDict or dict; other values as is."""
  if isinstance(x, FrozenDict):
    return tree_util.tree_map(lambda y: y, x._dict)
  if isinstance(x, dict):
    return {k: unfreeze(v) for k, v in x.items()}
  return x


def copy(x, add_or_replace=FrozenDict({})):
  """``x`` with entries added or replaced, for a FrozenDict or a dict."""
  if isinstance(x, FrozenDict):
    return x.copy(add_or_replace)
  if isinstance(x, dict):
    new = tree_util.tree_map(lambda y: y, x)
    new.update(add_or_replace)
    return new
  raise TypeError(f"Expected FrozenDict or dict, got {type(x)}")


def pop(x, key):
  """``(x without key, removed value)`` for a FrozenDict or a dict."""
  if isinstance(x, FrozenDict):
    return x.pop(key)
  if isinstance(x, dict):
    new = tree_util.tree_map(lambda y: y, x)
    value = new.pop(key)
    return new, value
  raise TypeError(f"Expected FrozenDict or dict, got {type(x)}")


def pretty_repr(x, num_spaces=4):
  """Indented representation of a nested dict (``repr`` for anything else)."""
  if isinstance(x, FrozenDict):
    return x.pretty_repr(num_spaces)
  return _pretty_dict(x, num_spaces)


def _frozen_dict_state_dict(xs):
  str_keys = {str(k) for k in xs.keys()}
  if len(str_keys) != len(xs):
    raise ValueError("Dict keys do not have a unique string representation: "
                     f"{str_keys} vs given: {xs}")
  return {str(k): serialization.to_state_dict(v) for k, v in xs.items()}


def _restore_frozen_dict(xs, states):
  diff = set(map(str, xs.keys())).difference(map(str, states.keys()))
  if diff:
    raise ValueError("The target dict keys and state dict keys do not match, target dict"
                     f" contains keys {diff} which are not present in state dict at path"
                     f" {serialization.current_path()}")
  return FrozenDict({k: serialization.from_state_dict(v, states[str(k)], name=k)
                     for k, v in xs.items()})


serialization.register_serialization_state(
    FrozenDict, _frozen_dict_state_dict, _restore_frozen_dict)
