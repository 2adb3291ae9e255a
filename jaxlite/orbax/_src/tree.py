"""Pytrees as Orbax names them: leaves (and empty containers) addressed by key paths.

A leaf's key path becomes a tuple of strings (``('opt', '0', 'mu')``), a parameter
name (``'opt.0.mu'``, the array's name on disk) and per-level key types (a sequence
index or a dict key / attribute), from which a checkpoint rebuilds nested dicts and
lists when no target structure is given.
"""
from __future__ import annotations

from typing import Any

import jaxlite
from jaxlite import tree_util

SEQUENCE_KEY = 1
DICT_KEY = 2


def is_empty_or_leaf(x: Any) -> bool:
  """Leaves and empty containers (None, {}, [], ()) are what a checkpoint stores."""
  if isinstance(x, jaxlite.Array):
    return True  # also typed PRNG key arrays, which jaxlite registers as pytree nodes
  try:
    children, _ = tree_util.flatten_one_level(x)
  except ValueError:
    return True
  return len(list(children)) == 0


def _key_name(key) -> str:
  if isinstance(key, tree_util.SequenceKey):
    return str(key.idx)
  if isinstance(key, tree_util.DictKey):
    return str(key.key)
  if isinstance(key, tree_util.GetAttrKey):
    return key.name
  if isinstance(key, tree_util.FlattenedIndexKey):
    return str(key.key)
  raise ValueError(f'Unsupported KeyEntry: {type(key)}: "{key}"')


def _key_type(key) -> int:
  if isinstance(key, (tree_util.SequenceKey, tree_util.FlattenedIndexKey)):
    return SEQUENCE_KEY
  return DICT_KEY


def flatten(tree, is_leaf=is_empty_or_leaf):
  """``([(names, key_types, leaf)], treedef)``; by default empty containers are leaves."""
  flat, treedef = tree_util.tree_flatten_with_path(tree, is_leaf=is_leaf)
  entries = [(tuple(_key_name(k) for k in path), tuple(_key_type(k) for k in path), leaf)
             for path, leaf in flat]
  return entries, treedef


def param_name(names: tuple) -> str:
  return ".".join(names)


def keystr(names: tuple) -> str:
  """The key path as Orbax writes it in ``_METADATA`` (``"('a', '0')"``)."""
  return str(tuple(names))


class _Leaf:
  """Marks a stored value, so that a restored ``{}`` is not taken for a container."""
  __slots__ = ("value",)

  def __init__(self, value):
    self.value = value


def build_nested(entries):
  """Rebuilds nested dicts and lists from ``[(names, key_types, value)]``."""
  if len(entries) == 1 and not entries[0][0]:
    return entries[0][2]
  root: dict = {}
  kinds = {}
  for names, key_types, value in entries:
    node = root
    for depth, (name, kind) in enumerate(zip(names, key_types)):
      kinds.setdefault(names[:depth], kind)
      if depth == len(names) - 1:
        node[name] = _Leaf(value)
      else:
        node = node.setdefault(name, {})

  def convert(node, prefix):
    if isinstance(node, _Leaf):
      return node.value
    if kinds.get(prefix) == SEQUENCE_KEY:
      return [convert(node[k], prefix + (k,)) for k in sorted(node, key=int)]
    return {k: convert(v, prefix + (k,)) for k, v in node.items()}

  return convert(root, ())


def structure_mismatch(only_target, only_stored) -> str:
  """Lists the leaves only the target has and those only the checkpoint has."""
  lines = [f"  {param_name(n) or '<root>'}: in the target but not in the checkpoint"
           for n in only_target]
  lines += [f"  {param_name(n) or '<root>'}: in the checkpoint but not in the target"
            for n in only_stored]
  return "\n".join(lines)
