"""``nnx.State``: the nested mapping ``split``/``state`` return, and its flat form.

Keys are attribute names (str) and list indices (int); leaves are Variables (the very
objects the Module holds) or arrays. A State is a JAX pytree whose children are sorted by
key, so ``jax.grad`` of a State of Params gives a State of Params holding gradients."""
from __future__ import annotations

import typing as tp
import warnings
from collections.abc import MutableMapping

from jaxlite import tree_util as jtu
from jaxlite.flax._src.nnx import filterlib, reprlib


def key_order(key):
  """Sort key for mixed int/str keys: ints first, by value."""
  return (0, key, "") if isinstance(key, int) else (1, 0, str(key))


def path_order(item):
  return tuple(key_order(k) for k in item[0])


def flatten_mapping(xs, prefix=()):
  """{(k1, k2): leaf} for a nested mapping (States count as mappings; Variables are leaves)."""
  out = {}
  for key, value in xs.items():
    path = prefix + (key,)
    if isinstance(value, State):
      value = value._mapping
    if isinstance(value, dict) and value:
      out.update(flatten_mapping(value, path))
    elif isinstance(value, dict):
      continue  # an empty sub-mapping holds no state
    else:
      out[path] = value
  return out


def unflatten_mapping(flat):
  nested: dict = {}
  for path, value in flat.items():
    cursor = nested
    for key in path[:-1]:
      cursor = cursor.setdefault(key, {})
    cursor[path[-1]] = value
  return nested


def _deprecated(name):
  warnings.warn("`flax.nnx.State` will be deprecated and be replaced by the built-in Python "
                f"dict. Please use the equivalent `nnx.{name}` instead.", DeprecationWarning,
                stacklevel=3)


class FlatState(reprlib.Representable):
  """A sequence of ``(path, leaf)`` pairs."""

  def __init__(self, items, /, *, sort: bool):
    items = list(items)
    if sort:
      items.sort(key=path_order)
    self._keys = tuple(path for path, _ in items)
    self._values = [value for _, value in items]

  @property
  def paths(self):
    return self._keys

  @property
  def leaves(self):
    return self._values

  def __getitem__(self, index):
    if isinstance(index, slice):
      return FlatState(zip(self._keys[index], self._values[index]), sort=False)
    return self._keys[index], self._values[index]

  def __len__(self):
    return len(self._keys)

  def __iter__(self):
    return iter(zip(self._keys, self._values))

  def __eq__(self, other):
    return isinstance(other, FlatState) and list(self) == list(other)

  def to_nested_state(self):
    return State(unflatten_mapping(dict(self)), _copy=False)

  def split(self, first, /, *filters):
    parts = _split_flat(self, first, *filters)
    return parts[0] if not filters else parts

  def filter(self, first, /, *filters):
    parts = _split_flat(self, first, *filters)[:-1]
    return parts[0] if len(parts) == 1 else parts

  @staticmethod
  def merge(flat_state, /, *flat_states):
    merged = {}
    for fs in (flat_state, *flat_states):
      merged.update(dict(fs))
    return FlatState(merged.items(), sort=True)

  def __nnx_repr__(self):
    yield reprlib.Object(type="FlatState", start="([", end="])", kv_sep="")
    for item in self:
      yield reprlib.Attr("", _PairRepr(item))


class _PairRepr(reprlib.Representable):
  def __init__(self, pair):
    self.pair = pair

  def __nnx_repr__(self):
    yield reprlib.Object(type="", same_line=True)
    yield reprlib.Attr("", self.pair[0], use_raw_key=True)
    yield reprlib.Attr("", self.pair[1], use_raw_key=True)


jtu.register_pytree_node(
    FlatState, lambda fs: (fs._values, fs._keys),
    lambda keys, values: FlatState(zip(keys, values), sort=False))


class State(MutableMapping, reprlib.Representable):
  """A nested mapping of state; sub-mappings read back as States sharing the storage."""

  def __init__(self, mapping=(), /, *, _copy: bool = True):
    if _copy:
      mapping = {k: (v._mapping if isinstance(v, State) else v) for k, v in dict(mapping).items()}
    elif not isinstance(mapping, dict):
      raise ValueError(f"Expected a dictionary when `_copy=False`, got {type(mapping)} instead.")
    object.__setattr__(self, "_mapping", mapping)

  def __init_subclass__(cls, **kwargs):
    super().__init_subclass__(**kwargs)
    _register(cls)

  @property
  def raw_mapping(self):
    return self._mapping

  def __contains__(self, key):
    return key in self._mapping

  def __getitem__(self, key):
    value = self._mapping[key]
    if isinstance(value, dict):
      return type(self)(value, _copy=False)
    return value

  def __getattr__(self, key):
    mapping = vars(self).get("_mapping")
    if mapping is None or key not in mapping:
      raise AttributeError(f"No attribute '{key}' in State")
    return self[key]

  def __setitem__(self, key, value):
    self._mapping[key] = value._mapping if isinstance(value, State) else value

  __setattr__ = __setitem__

  def __delitem__(self, key):
    del self._mapping[key]

  def __iter__(self):
    return iter(self._mapping)

  def __len__(self):
    return len(self._mapping)

  def __eq__(self, other):
    if not isinstance(other, tp.Mapping):
      return NotImplemented
    return dict(to_flat_state(self)) == dict(flatten_mapping(dict(other)))

  __hash__ = None

  def __or__(self, other):
    return self if not other else merge_state(self, other)

  def __sub__(self, other):
    _deprecated("diff")
    return diff(self, other)

  def __nnx_repr__(self):
    yield reprlib.Object(type=type(self), kv_sep=": ", start="({", end="})")
    for key, value in self.items():
      if isinstance(value, State):
        value = _NestedRepr(value)
      yield reprlib.Attr(repr(key), value)

  # Deprecated method spellings of the module-level functions (Flax warns too).
  def map(self, f):
    _deprecated("map_state")
    return map_state(f, self)

  def flat_state(self):
    _deprecated("to_flat_state")
    return to_flat_state(self)

  @classmethod
  def from_flat_path(cls, flat_state, /):
    _deprecated("from_flat_state")
    return from_flat_state(flat_state, cls=cls)

  def to_pure_dict(self, extract_fn=None):
    _deprecated("to_pure_dict")
    return to_pure_dict(self, extract_fn)

  def replace_by_pure_dict(self, pure_dict, replace_fn=None):
    _deprecated("replace_by_pure_dict")
    return replace_by_pure_dict(self, pure_dict, replace_fn)

  def split(self, first, /, *filters):
    _deprecated("split_state")
    return split_state(self, first, *filters)

  def filter(self, first, /, *filters):
    _deprecated("filter_state")
    return filter_state(self, first, *filters)

  @classmethod
  def merge(cls, state, /, *states):
    _deprecated("merge_state")
    return merge_state(state, *states)


class _NestedRepr(reprlib.Representable):
  def __init__(self, state):
    self.state = state

  def __nnx_repr__(self):
    yield reprlib.Object(type="", kv_sep=": ", start="{", end="}")
    for key, value in self.state.items():
      if isinstance(value, State):
        value = _NestedRepr(value)
      yield reprlib.Attr(repr(key), value)


def _sorted_items(x):
  return sorted(x._mapping.items(), key=lambda kv: key_order(kv[0]))


def _register(cls):
  def flatten_with_keys(x):
    items = _sorted_items(x)
    return [(jtu.DictKey(k), v) for k, v in items], tuple(k for k, _ in items)

  def flatten(x):
    items = _sorted_items(x)
    return [v for _, v in items], tuple(k for k, _ in items)

  jtu.register_pytree_with_keys(cls, flatten_with_keys,
                                lambda keys, leaves: cls(zip(keys, leaves)), flatten)


_register(State)


def to_flat_state(state):
  return FlatState(flatten_mapping(dict(state._mapping if isinstance(state, State)
                                        else state)).items(), sort=True)


def from_flat_state(flat_state, *, cls=State):
  if not isinstance(flat_state, tp.Mapping):
    flat_state = dict(flat_state)
  return cls(unflatten_mapping(flat_state), _copy=False)


def map_state(f, state):
  return from_flat_state([(path, f(path, v)) for path, v in to_flat_state(state)])


def to_pure_dict(state, extract_fn=None):
  from jaxlite.flax._src.nnx.variablelib import Variable
  if extract_fn is None:
    extract_fn = lambda x: x.get_value() if isinstance(x, Variable) else x  # noqa: E731
  return unflatten_mapping({path: extract_fn(x) for path, x in to_flat_state(state)})


def _try_int(x):
  try:
    return int(x)
  except (ValueError, TypeError):
    return x


def restore_int_paths(pure_dict):
  flat = flatten_mapping(pure_dict)
  return unflatten_mapping({tuple(map(_try_int, path)): v for path, v in flat.items()})


def replace_by_pure_dict(state, pure_dict, replace_fn=None):
  if replace_fn is None:
    replace_fn = lambda x, v: x.replace(v) if hasattr(x, "replace") else v  # noqa: E731
  current = dict(to_flat_state(state))
  for path, value in flatten_mapping(pure_dict).items():
    key = path if path in current else tuple(map(_try_int, path))
    if key not in current:
      raise ValueError(f"key in pure_dict not available in state: {path}")
    current[key] = replace_fn(current[key], value)
  state.update(unflatten_mapping(current))


def _split_flat(flat_state, *filters):
  predicates = filterlib.filters_to_predicates(filters)
  groups = [[] for _ in range(len(predicates) + 1)]
  for path, value in flat_state:
    for i, predicate in enumerate(predicates):
      if predicate(path, value):
        groups[i].append((path, value))
        break
    else:
      groups[-1].append((path, value))
  return tuple(FlatState(g, sort=False) for g in groups)


def split_state(state, first, /, *filters):
  *parts, rest = (fs.to_nested_state() for fs in _split_flat(to_flat_state(state), first,
                                                            *filters))
  if rest:
    raise ValueError(f"Non-exhaustive filters, got a non-empty remainder: {rest}.\nUse `...` "
                     "to match all remaining elements.")
  return parts[0] if len(parts) == 1 else tuple(parts)


def filter_state(state, first, /, *filters):
  parts = [fs.to_nested_state() for fs in _split_flat(to_flat_state(state), first, *filters)]
  parts = parts[:-1]
  return parts[0] if len(parts) == 1 else tuple(parts)


def merge_state(state, /, *states, cls=State):
  if not states:
    return state if isinstance(state, cls) else cls(state)
  merged = {}
  for s in (state, *states):
    merged.update(flatten_mapping(dict(s._mapping if isinstance(s, State) else s)))
  return from_flat_state(merged, cls=cls)


def diff(state, other):
  if not other:
    return state
  other_paths = set(to_flat_state(other).paths)
  return from_flat_state({p: v for p, v in to_flat_state(state) if p not in other_paths})
