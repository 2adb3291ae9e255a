"""Pytree key paths, and relating one pytree to another.

Holds the four built-in key classes, `keystr`, the `*_with_path` functions,
prefix matching (`PyTreeDef.flatten_up_to`, broadcasting) and the messages
explaining where two pytrees disagree.  The key classes have no dependencies,
so `tree_util` imports this module at its top; everything else here reaches
the core through `_tu`, imported at the bottom of this file.
"""

from __future__ import annotations

import difflib
import operator
import textwrap
from collections.abc import Callable
from typing import Any, TypeVar

_NoneType = type(None)
KeyEntry = TypeVar("KeyEntry", bound=Any)
KeyPath = tuple[Any, ...]


class _Key:
  """Immutable one-field record; subclasses name the field in `_field`."""
  __slots__ = ()
  _field: str

  def __setattr__(self, name, value):
    raise AttributeError(
        f"property of '{type(self).__name__}' object has no setter")

  __delattr__ = __setattr__

  def _value(self):
    return getattr(self, self._field)

  def __eq__(self, other):
    if type(other) is not type(self):
      return NotImplemented
    return self._value() == other._value()

  def __hash__(self):
    return hash((type(self).__name__, self._value()))

  def __repr__(self):
    return f"{type(self).__name__}({self._field}={self._value()!r})"

  # Slots plus a refusing __setattr__ defeat pickle's default state restore.
  def __reduce__(self):
    return type(self), (self._value(),)


class SequenceKey(_Key):
  """Key for an element of a tuple or list: prints as ``[idx]``."""
  __slots__ = ("idx",)
  __match_args__ = ("idx",)
  _field = "idx"

  def __init__(self, idx: int):
    object.__setattr__(self, "idx", operator.index(idx))

  def __str__(self):
    return f"[{self.idx}]"


class DictKey(_Key):
  """Key for a dict entry: prints as ``[repr(key)]``."""
  __slots__ = ("key",)
  __match_args__ = ("key",)
  _field = "key"

  def __init__(self, key: Any):
    object.__setattr__(self, "key", key)

  def __str__(self):
    return f"[{self.key!r}]"


class GetAttrKey(_Key):
  """Key for an attribute (namedtuple field, dataclass field): ``.name``."""
  __slots__ = ("name",)
  __match_args__ = ("name",)
  _field = "name"

  def __init__(self, name: str):
    if not isinstance(name, str):
      raise TypeError(f"GetAttrKey name must be a str, got {type(name)}")
    object.__setattr__(self, "name", name)

  def __repr__(self):
    return f"GetAttrKey(name='{self.name}')"

  def __str__(self):
    return f".{self.name}"


class FlattenedIndexKey(_Key):
  """Positional key for custom nodes registered without key support."""
  __slots__ = ("key",)
  __match_args__ = ("key",)
  _field = "key"

  def __init__(self, key: int):
    object.__setattr__(self, "key", operator.index(key))

  def __str__(self):
    return f"[<flat index {self.key}>]"


_BUILTIN_KEYS = (SequenceKey, DictKey, GetAttrKey, FlattenedIndexKey)


def _simple_str(key) -> str:
  if isinstance(key, _BUILTIN_KEYS):
    return str(key._value())
  return str(key)


def keystr(keys: KeyPath, *, simple: bool = False, separator: str = "") -> str:
  """Pretty-prints a key path, e.g. ``['a'][0].x``.

  With ``simple=True`` each entry prints as its bare key (``a``, ``0``, ``x``),
  which is compact but ambiguous; ``separator`` joins the entries.
  """
  return separator.join(map(_simple_str if simple else str, keys))


# ----------------------------------------------------------------------------
# Key-path flattening.

def _keyed_children(kind, x):
  """Returns (aux, [(key, child), ...]) of any non-leaf node."""
  if kind is tuple or kind is list:
    return None, [(SequenceKey(i), c) for i, c in enumerate(x)]
  if kind is dict:
    keys = _tu._sorted_keys(x)
    return keys, [(DictKey(k), x[k]) for k in keys]
  if kind is _NoneType:
    return None, []
  if kind is _tu._NAMEDTUPLE:
    return type(x), [(GetAttrKey(f), c) for f, c in zip(x._fields, x)]
  if kind.data_fields is not None:
    aux, children = _tu._custom_children(kind, x)
    return aux, [(GetAttrKey(n), c) for n, c in zip(kind.data_fields, children)]
  if kind.flatten_with_keys is None:
    aux, children = _tu._custom_children(kind, x)
    return aux, [(FlattenedIndexKey(i), c) for i, c in enumerate(children)]
  out = kind.flatten_with_keys(x)
  if type(out) is not tuple or len(out) != 2:
    raise ValueError(
        "The to_iterable_with_keys function for a custom PyTree node should "
        f"return a (key_leaf_pairs, aux_data) tuple, got {out!r}")
  pairs, aux = out
  return aux, [tuple(p) for p in pairs]


def _flatten_path(x, path, out, is_leaf):
  """Like _flatten, appending (path, leaf); `is_leaf` takes (path, x)."""
  if is_leaf is not None and _tu._check_pred(is_leaf(path, x)):
    out.append((path, x))
    return None
  kind = _tu._kind_of(x)
  if kind is _tu._LEAF:
    out.append((path, x))
    return None
  aux, pairs = _keyed_children(kind, x)
  return _tu._norm(kind, aux, [_flatten_path(c, (*path, k), out, is_leaf)
                               for k, c in pairs])


def flatten_one_level_with_keys(tree: Any):
  """Like flatten_one_level, but children come as (key, child) pairs."""
  kind = _tu._kind_of(tree)
  if kind is _tu._LEAF:
    raise ValueError(f"can't tree-flatten type: {type(tree)}")
  aux, pairs = _keyed_children(kind, tree)
  if kind is tuple or kind is list or kind is dict:
    pairs = tuple(pairs)
  return pairs, aux


def tree_flatten_with_path(tree: Any, is_leaf: Callable[..., bool] | None = None,
                           is_leaf_takes_path: bool = False
                           ) -> tuple[list[tuple[KeyPath, Any]], Any]:
  """Like tree_flatten, but each leaf comes paired with its key path."""
  pred = is_leaf
  if is_leaf is not None and not is_leaf_takes_path:
    pred = lambda _, x: is_leaf(x)
  out = []
  node = _flatten_path(tree, (), out, pred)
  return out, _tu._mk(node, len(out))


def tree_leaves_with_path(tree: Any, is_leaf: Callable[..., bool] | None = None,
                          is_leaf_takes_path: bool = False
                          ) -> list[tuple[KeyPath, Any]]:
  """Returns (key path, leaf) pairs."""
  return tree_flatten_with_path(tree, is_leaf, is_leaf_takes_path)[0]


generate_key_paths = tree_leaves_with_path


def tree_map_with_path(f: Callable[..., Any], tree: Any, *rest: Any,
                       is_leaf: Callable[..., bool] | None = None,
                       is_leaf_takes_path: bool = False) -> Any:
  """Like tree_map, but calls ``f(key_path, x, *xs)``."""
  pairs, treedef = tree_flatten_with_path(tree, is_leaf, is_leaf_takes_path)
  paths = [p for p, _ in pairs]
  leaves = [x for _, x in pairs]
  # flatten_up_to follows the treedef; is_leaf only shapes error messages.
  others = _rest_leaves(treedef, tree, rest,
                            None if is_leaf_takes_path else is_leaf,
                            "tree_map_with_path tree")
  return treedef.unflatten(list(map(f, paths, leaves, *others)))


# ----------------------------------------------------------------------------
# Prefix matching: flatten_up_to and broadcasting.

def _rest_leaves(treedef, tree, rest, is_leaf, name):
  """flatten_up_to of each tree in `rest`, with a key-path error message."""
  out = []
  for r in rest:
    try:
      out.append(treedef.flatten_up_to(r))
    except ValueError as e:
      err = next(_prefix_error((), tree, r, is_leaf), None)
      raise (e if err is None else err(name)) from None
  return out


def _mismatch(msg, x):
  raise ValueError(f"{msg}{x!r}.")


def _flatten_up_to(node, x, out):
  """Appends to `out`, in reverse order, the subtrees of `x` at `node`'s
  leaves.  Right to left so that the first mismatch reported is JAX's."""
  if node is None:
    out.append(x)
    return
  kind, aux, kids = node
  if kind is tuple or kind is list:
    if type(x) is not kind:
      _mismatch(f"Expected {kind.__name__}, got ", x)
    arity = len(_tu._kids(node))
    if len(x) != arity:
      name = kind.__name__
      _mismatch(f"{name.capitalize()} arity mismatch: {len(x)} != {arity}; "
                f"{name}: ", x)
    children = x
  elif kind is dict:
    if type(x) is not dict:
      _mismatch("Expected dict, got ", x)
    keys = _tu._sorted_keys(x)
    if keys != aux:
      raise ValueError(f"Dict key mismatch; expected keys: {list(aux)!r}; "
                       f"present keys: {list(keys)!r}.")
    children = list(map(x.__getitem__, keys))
  elif kind is _NoneType:
    if x is not None:
      raise ValueError(
          f"Expected None, got {x!r}.\n\nIn previous releases of JAX, "
          "flatten-up-to used to consider None to be a tree-prefix of non-None "
          "values. To obtain the previous behavior, you can usually write:\n"
          "  jax.tree.map(lambda x, y: None if x is None else f(x, y), a, b, "
          "is_leaf=lambda x: x is None)")
    return
  elif kind is _tu._NAMEDTUPLE:
    if not (isinstance(x, tuple) and hasattr(x, "_fields")):
      _mismatch("Expected named tuple, got ", x)
    arity = len(_tu._kids(node))
    if len(x) != arity:
      _mismatch(f"Named tuple arity mismatch: {len(x)} != {arity}; tuple: ", x)
    if type(x) is not aux:
      _mismatch(f"Named tuple type mismatch: expected type: {aux!r}, "
                "tuple: ", x)
    children = x
  else:
    what = "dataclass node" if kind.data_fields is not None else "node"
    if _tu._registry.get(type(x)) is not kind:
      _mismatch(f"Custom {what} type mismatch: expected type: "
                f"{kind.type!r}, value: ", x)
    x_aux, children = _tu._custom_children(kind, x)
    if aux != x_aux:
      _mismatch(f"Mismatch custom {what} data: {aux!r} != {x_aux!r}; "
                "value: ", x)
    arity = len(_tu._kids(node))
    if len(children) != arity:
      _mismatch(f"Custom type arity mismatch: {len(children)} != {arity}; "
                "value: ", x)
  if kids.__class__ is int:
    out.extend(reversed(children))
  else:
    for c_node, c in zip(reversed(kids), reversed(children)):
      _flatten_up_to(c_node, c, out)


def broadcast_prefix(prefix_tree: Any, full_tree: Any,
                     is_leaf: Callable[[Any], bool] | None = None
                     ) -> list[Any]:
  """Repeats each leaf of `prefix_tree` once per leaf of the matching
  subtree of `full_tree`; returns the flat list."""
  leaves, treedef = _tu.tree_flatten(prefix_tree, is_leaf)
  subtrees, = _rest_leaves(treedef, prefix_tree, (full_tree,), is_leaf,
                           "broadcast_prefix prefix_tree")
  out = []
  for x, sub in zip(leaves, subtrees):
    out.extend([x] * len(_tu.tree_leaves(sub)))
  return out


def tree_broadcast(prefix_tree: Any, full_tree: Any,
                   is_leaf: Callable[[Any], bool] | None = None) -> Any:
  """Broadcasts `prefix_tree` to the structure of `full_tree`."""
  return _tu.tree_structure(full_tree).unflatten(
      broadcast_prefix(prefix_tree, full_tree, is_leaf))


# ----------------------------------------------------------------------------
# Structural error messages.

def _child_keys(tree):
  return [k for k, _ in flatten_one_level_with_keys(tree)[0]]


def _keys_str(keys):
  return " ".join(keystr((k,), simple=True) for k in keys)


def _prefix_error(key_path, prefix_tree, full_tree, is_leaf=None):
  """Yields functions name -> ValueError describing where `prefix_tree`
  fails to be a prefix of `full_tree` (at most one per subtree)."""
  if _tu.treedef_is_strict_leaf(_tu.tree_structure(prefix_tree, is_leaf)):
    return
  where = lambda name: f"    {name}{keystr(key_path)}\n"
  if type(prefix_tree) != type(full_tree):
    yield lambda name: ValueError(
        "pytree structure error: different types at key path\n"
        f"{where(name)}"
        f"At that key path, the prefix pytree {name} has a subtree of type\n"
        f"    {type(prefix_tree)}\n"
        "but at the same key path the full pytree has a subtree of different "
        f"type\n    {type(full_tree)}.")
    return
  p_children, p_meta = _tu.flatten_one_level(prefix_tree)
  f_children, f_meta = _tu.flatten_one_level(full_tree)
  p_children, f_children = list(p_children), list(f_children)
  p_keys, f_keys = _child_keys(prefix_tree), _child_keys(full_tree)
  if isinstance(prefix_tree, (list, tuple)):
    if len(prefix_tree) != len(full_tree):
      ty = type(prefix_tree).__name__
      yield lambda name: ValueError(
          f"pytree structure error: different lengths of {ty} at key path\n"
          f"{where(name)}"
          f"At that key path, the prefix pytree {name} has a subtree of type "
          f"{ty} of length {len(prefix_tree)}, but the full pytree has a "
          f"subtree of the same type but of length {len(full_tree)}.")
      return
  elif len(p_children) != len(f_children):
    try:
      diff = set(p_keys).symmetric_difference(f_keys)
    except TypeError:
      diff = None
    yield lambda name: ValueError(
        "pytree structure error: different numbers of pytree children at key "
        f"path\n{where(name)}"
        f"At that key path, the prefix pytree {name} has a subtree of type\n"
        f"    {type(prefix_tree)}\n"
        f"with {len(p_children)} child keys\n    {_keys_str(p_keys)}\n"
        "but at the same key path the full pytree has a subtree of the same "
        f"type but with {len(f_children)} child keys\n    {_keys_str(f_keys)}\n"
        + ("" if diff is None else "so the symmetric difference on key sets "
           f"is\n    {_keys_str(diff)}"))
    return
  if p_meta != f_meta:
    p_str, f_str = str(p_meta), str(f_meta)
    diff = textwrap.indent("\n".join(
        difflib.ndiff(p_str.splitlines(), f_str.splitlines())), "    ")
    yield lambda name: ValueError(
        "pytree structure error: different pytree metadata at key path\n"
        f"{where(name)}"
        f"At that key path, the prefix pytree {name} has a subtree of type\n"
        f"    {type(prefix_tree)}\n"
        f"with metadata\n    {p_str}\n"
        "but at the same key path the full pytree has a subtree of the same "
        f"type but with metadata\n    {f_str}\n"
        f"so the diff in the metadata at these pytree nodes is\n{diff}")
    return
  for k, p, f in zip(p_keys, p_children, f_children):
    yield from _prefix_error((*key_path, k), p, f, is_leaf)


def prefix_errors(prefix_tree: Any, full_tree: Any,
                  is_leaf: Callable[[Any], bool] | None = None
                  ) -> list[Callable[[str], ValueError]]:
  return list(_prefix_error((), prefix_tree, full_tree, is_leaf))


def equality_errors(tree1: Any, tree2: Any,
                    is_leaf: Callable[[Any], bool] | None = None):
  """Yields (key path, thing1, thing2, explanation) for each place where two
  pytrees differ structurally."""
  yield from _equality_errors((), tree1, tree2, is_leaf)


def _equality_errors(path, t1, t2, is_leaf):
  if (_tu.treedef_is_strict_leaf(_tu.tree_structure(t1, is_leaf)) and
      _tu.treedef_is_strict_leaf(_tu.tree_structure(t2, is_leaf))):
    return
  if type(t1) != type(t2):
    yield path, str(type(t1)), str(type(t2)), "their Python types differ"
    return
  if isinstance(t1, (list, tuple)) and len(t1) != len(t2):
    name = type(t1).__name__
    yield (path, f"{name} of length {len(t1)}", f"{name} of length {len(t2)}",
           "the lengths do not match")
    return
  c1, m1 = _tu.flatten_one_level(t1)
  c2, m2 = _tu.flatten_one_level(t2)
  c1, c2 = list(c1), list(c2)
  if len(c1) != len(c2):
    plural = lambda n: "ren" if n > 1 else ""
    yield (path, f"{type(t1)} with {len(c1)} child{plural(len(c1))}",
           f"{type(t2)} with {len(c2)} child{plural(len(c2))}",
           "the numbers of children do not match")
    return
  if m1 != m2:
    yield (path, f"{type(t1)} with pytree metadata {m1}",
           f"{type(t2)} with pytree metadata {m2}",
           "the pytree node metadata does not match")
    return
  for k, a, b in zip(_child_keys(t1), c1, c2):
    yield from _equality_errors((*path, k), a, b, is_leaf)


# Imported last: tree_util imports the key classes above at its own top, so
# this works whichever of the two modules is imported first.
from jaxlite._src import tree_util as _tu  # noqa: E402
