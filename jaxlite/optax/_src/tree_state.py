"""Reading and editing optimizer states by field name (``tree_get``, ``tree_set``) and
mapping a function over the parameter-shaped parts of a state (``tree_map_params``)."""
from __future__ import annotations

import dataclasses
import functools
from typing import Protocol, runtime_checkable

import jaxlite as jax
from jaxlite import tree_util


@tree_util.register_pytree_node_class
class _ParamsPlaceholder:
  """Stands for the params in ``init``; it has no leaves, so states built from it
  mark where parameter-shaped subtrees live."""

  def tree_flatten(self):
    return (), None

  @classmethod
  def tree_unflatten(cls, aux, children):
    del aux, children
    return cls()


@dataclasses.dataclass(frozen=True)
class NamedTupleKey:
  """A path entry for a field of a named tuple, printed ``TupleName.field``."""
  tuple_name: str
  name: str

  def __str__(self):
    return f"{self.tuple_name}.{self.name}"


@runtime_checkable
class Initable(Protocol):

  def init(self, params):
    """Builds a state from parameters."""


def tree_map_params(initable, f, state, /, *rest, transform_non_params=None,
                    is_leaf=None):
  """Maps ``f`` over the parts of ``state`` shaped like the params (e.g. Adam's mu, nu).

  >>> import jaxlite.numpy as jnp
  >>> import jaxlite.optax as optax
  >>> opt = optax.adam(1e-3)
  >>> state = opt.init({'w': jnp.ones(2)})
  >>> state = optax.tree_map_params(opt, lambda p: p + 1, state)
  >>> state[0].mu, state[0].count
  ({'w': Array([1., 1.], dtype=float32)}, Array(0, dtype=int32))
  """
  placeholder = _ParamsPlaceholder()
  init = initable.init if isinstance(initable, Initable) else initable
  state_with_placeholders = init(placeholder)

  def map_params(maybe_placeholder, value):
    if isinstance(maybe_placeholder, _ParamsPlaceholder):
      return jax.tree.map(f, value, *rest, is_leaf=is_leaf)
    if transform_non_params is not None:
      return transform_non_params(value)
    return value

  return jax.tree.map(map_params, state_with_placeholders, state,
                      is_leaf=lambda v: isinstance(v, _ParamsPlaceholder))


def _is_named_tuple(x):
  return isinstance(x, tuple) and hasattr(x, "_fields")


def _node_has_keys(node, keys) -> bool:
  if _is_named_tuple(node):
    return any(k in node._fields for k in keys) or type(node).__name__ in keys
  return isinstance(node, dict) and any(k in node for k in keys)


def _leaves_with_named_tuple_path(tree, is_leaf=None):
  """Like ``tree_leaves_with_path`` but named-tuple fields get a ``NamedTupleKey``."""
  stop = is_leaf or (lambda _: False)
  out = []
  for path, node in tree_util.tree_leaves_with_path(
      tree, is_leaf=lambda x: stop(x) or _is_named_tuple(x)):
    if stop(node) or not _is_named_tuple(node):
      out.append((path, node))
      continue
    for field in node._fields:
      key = NamedTupleKey(type(node).__name__, field)
      out += [((*path, key, *sub), v)
              for sub, v in _leaves_with_named_tuple_path(getattr(node, field), is_leaf)]
  return out


def _children_with_path(path, node):
  if _is_named_tuple(node):
    return [((*path, NamedTupleKey(type(node).__name__, f)), getattr(node, f))
            for f in node._fields]
  if isinstance(node, dict):
    return [((*path, tree_util.DictKey(k)), v) for k, v in node.items()]
  raise ValueError(f"Subtree must be a dict or a NamedTuple. Got {type(node)}")


def _to_key(path, node, key):
  if _is_named_tuple(node):
    if key == type(node).__name__:
      return path, node
    return (*path, NamedTupleKey(type(node).__name__, key)), getattr(node, key)
  return (*path, tree_util.DictKey(key)), node[key]


def _get_all_with_path(tree, key):
  has_key = functools.partial(_node_has_keys, keys=(key,))
  found, matches = [], [(p, n) for p, n in _leaves_with_named_tuple_path(tree, has_key)
                        if has_key(n)]
  found = [_to_key(p, n, key) for p, n in matches]
  for path, node in matches:  # the key may also occur deeper down
    for child_path, child in _children_with_path(path, node):
      found += [((*child_path, *sub), v) for sub, v in _get_all_with_path(child, key)]
  return found


def tree_get_all_with_path(tree, key, filtering=None):
  """All ``(path, value)`` for named-tuple fields, named tuples or dict entries ``key``."""
  found = _get_all_with_path(tree, key)
  if filtering:
    found = [(p, v) for p, v in found if filtering(p, v)]
  return found


def tree_get(tree, key, default=None, filtering=None):
  """The unique value named ``key`` in ``tree`` (``default`` if absent).

  >>> import jaxlite.numpy as jnp
  >>> import jaxlite.optax as optax
  >>> state = optax.adam(1e-3).init(jnp.zeros(2))
  >>> optax.tree_utils.tree_get(state, 'count')
  Array(0, dtype=int32)
  """
  found = tree_get_all_with_path(tree, key, filtering=filtering)
  if len(found) > 1:
    raise KeyError(f"Found multiple values for '{key}' in {tree}.")
  return found[0][1] if found else default


def _entry_key(entry):
  if isinstance(entry, tree_util.DictKey):
    if isinstance(entry.key, (str, int)):
      return entry.key
    raise KeyError("Hashable keys not supported")
  if isinstance(entry, tree_util.FlattenedIndexKey):
    return entry.key
  if isinstance(entry, tree_util.GetAttrKey):
    return entry.name
  if isinstance(entry, tree_util.SequenceKey):
    return entry.idx
  if isinstance(entry, NamedTupleKey):
    return entry.name
  raise KeyError(f"Tree key '{entry}' of type '{type(entry)}' not valid.")


def _set_children(node, children):
  if _is_named_tuple(node):
    return node._replace(**children)
  if isinstance(node, dict):
    return children
  raise ValueError(f"Subtree must be a dict or a NamedTuple. Got {type(node)}")


def tree_set(tree, filtering=None, /, **kwargs):
  """A copy of ``tree`` with the fields/entries named by ``kwargs`` replaced.

  >>> import jaxlite.numpy as jnp
  >>> import jaxlite.optax as optax
  >>> state = optax.adam(1e-3).init(jnp.zeros(2))
  >>> optax.tree_utils.tree_set(state, count=jnp.asarray(5))[0].count
  Array(5, dtype=int32, weak_type=True)
  """
  for key in kwargs:
    if not tree_get_all_with_path(tree, key, filtering):
      where = " given the filtering operation" if filtering else ""
      raise KeyError(f"Found no values matching '{key}'{where} in {tree}")
  has_any_key = functools.partial(_node_has_keys, keys=tuple(kwargs))

  def replace(path, node):
    if not has_any_key(node):
      return node
    if (_is_named_tuple(node) and type(node).__name__ in kwargs
        and (filtering is None or filtering(path, node))):
      return kwargs[type(node).__name__]
    new_children = {}
    for child_path, child in _children_with_path(path, node):
      key = _entry_key(child_path[-1])
      if key in kwargs and (filtering is None or filtering(child_path, child)):
        new_children[key] = kwargs[key]
      elif isinstance(child, (dict, list, tuple)):
        new_children[key] = replace(child_path, child)
      else:
        new_children[key] = child
    return _set_children(node, new_children)

  treedef = jax.tree.structure(tree, is_leaf=has_any_key)
  pairs = _leaves_with_named_tuple_path(tree, is_leaf=has_any_key)
  return treedef.unflatten([replace(p, n) for p, n in pairs])
