"""Pytrees: flatten nested containers to leaves plus a `PyTreeDef` and back.

Internal representation: a treedef node is ``None`` for a leaf, otherwise a
tuple ``(kind, aux, kids)``.  ``kind`` is ``tuple``/``list``/``dict``/
``NoneType``, the ``_NAMEDTUPLE`` marker, or a ``_Registration``; ``aux`` is
the node data (sorted keys for dicts, the class for namedtuples, the custom
aux data otherwise); ``kids`` is an ``int`` n when all n children are leaves
(the common case, which lets flatten/unflatten move whole slices at C speed)
and otherwise a tuple of child nodes.  Nodes are plain tuples so treedef
equality is a single C-level tuple comparison.
"""

from __future__ import annotations

import collections
import dataclasses
import functools
import operator
from collections.abc import Callable, Hashable, Iterable, Sequence
from itertools import islice
from typing import Any, TypeVar

from jaxlite._src.tree_util_keys import (  # noqa: F401  (re-exported)
    DictKey, FlattenedIndexKey, GetAttrKey, KeyEntry, KeyPath, SequenceKey,
    _flatten_up_to, _rest_leaves, broadcast_prefix, equality_errors,
    flatten_one_level_with_keys, generate_key_paths, keystr, prefix_errors,
    tree_broadcast, tree_flatten_with_path, tree_leaves_with_path,
    tree_map_with_path)

T = TypeVar("T")
Typ = TypeVar("Typ", bound=type)
Leaf = Any
PyTree = Any
_NoneType = type(None)


class _Marker:
  __slots__ = ("name",)

  def __init__(self, name):
    self.name = name

  def __repr__(self):
    return self.name

  def __reduce__(self):  # pickle as a reference to the module global
    return self.name


_LEAF = _Marker("_LEAF")
_NAMEDTUPLE = _Marker("_NAMEDTUPLE")
_NONE_NODE = (_NoneType, None, 0)


class _Registration:
  """A custom node type.  Identity matters: treedef equality compares it."""
  __slots__ = ("type", "flatten", "unflatten", "flatten_with_keys",
               "data_fields", "meta_fields")

  def __init__(self, typ, flatten, unflatten, flatten_with_keys=None,
               data_fields=None, meta_fields=None):
    self.type = typ
    self.flatten = flatten
    self.unflatten = unflatten
    self.flatten_with_keys = flatten_with_keys
    self.data_fields = data_fields    # not None => registered dataclass
    self.meta_fields = meta_fields

  def __repr__(self):
    return f"<pytree registration for {self.type!r}>"

  # Pickled treedefs refer to registrations by type, as JAX's do.
  def __reduce__(self):
    return _lookup_registration, (self.type,)


def _lookup_registration(typ):
  reg = _registry.get(typ)
  if not isinstance(reg, _Registration):
    raise ValueError(f"Unknown custom type in pickled PyTreeDef: {typ!r}")
  return reg


# Authoritative registry (exact type -> kind).
_registry: dict[type, Any] = {
    tuple: tuple, list: list, dict: dict, _NoneType: _NoneType}
# Dispatch cache: the registry plus every type seen so far, classified, so
# that the hot loop costs one dict lookup per node.  `_leaf_types` lets a whole
# container of leaves be recognised with one C-level set operation.
_dispatch: dict[type, Any] = dict(_registry)
_dispatch_get = _dispatch.get
_leaf_types: set[type] = set()
_CACHE_LIMIT = 4096


def _classify(typ):
  kind = _registry.get(typ)
  if kind is None:
    # Namedtuples are recognised structurally, as JAX does.
    is_nt = issubclass(typ, tuple) and hasattr(typ, "_fields")
    kind = _NAMEDTUPLE if is_nt else _LEAF
  if len(_dispatch) > _CACHE_LIMIT:  # bound memory held by dynamic classes
    _dispatch.clear()
    _dispatch.update(_registry)
    _leaf_types.clear()
  _dispatch[typ] = kind
  if kind is _LEAF:
    _leaf_types.add(typ)
  return kind


def _kind_of(x):
  return _dispatch_get(type(x)) or _classify(type(x))


# ----------------------------------------------------------------------------
# One-level flattening shared by the slow paths.

def _sorted_keys(d):
  try:
    return tuple(sorted(d))
  except TypeError as e:
    raise ValueError("Comparator raised exception while sorting pytree "
                     "dictionary keys.") from e


def _custom_children(reg, x):
  """Returns (aux, children) of a custom node."""
  if reg.data_fields is not None:
    return (tuple([getattr(x, n) for n in reg.meta_fields]),
            [getattr(x, n) for n in reg.data_fields])
  out = reg.flatten(x)
  if type(out) is not tuple or len(out) != 2:
    raise ValueError("The to_iterable function for a custom PyTree node should "
                     f"return a (children, aux_data) tuple, got {out!r}")
  children, aux = out
  if type(children) is not list and type(children) is not tuple:
    try:
      children = list(children)
    except TypeError:
      raise ValueError(
          "The to_iterable function for a custom PyTree node should return a "
          "(children, aux_data) tuple where 'children' is iterable, got "
          f"{out!r}") from None
  return aux, children


def _children(kind, x):
  """Returns (aux, children) of any non-leaf node."""
  if kind is tuple or kind is list:
    return None, x
  if kind is dict:
    keys = _sorted_keys(x)
    return keys, list(map(x.__getitem__, keys))
  if kind is _NoneType:
    return None, ()
  if kind is _NAMEDTUPLE:
    return type(x), x
  return _custom_children(kind, x)


def _norm(kind, aux, nodes):
  """Builds a node, using the int form when every child is a leaf."""
  if nodes.count(None) == len(nodes):
    return (kind, aux, len(nodes))
  return (kind, aux, tuple(nodes))


# ----------------------------------------------------------------------------
# Flattening.

def _flatten(x, leaves):
  kind = _dispatch_get(type(x)) or _classify(type(x))
  if kind is _LEAF:
    leaves.append(x)
    return None
  if kind is tuple or kind is list:
    aux = None
    kids = x
  elif kind is dict:
    aux = _sorted_keys(x)
    kids = list(map(x.__getitem__, aux))
  elif kind is _NoneType:
    return _NONE_NODE
  elif kind is _NAMEDTUPLE:
    aux = type(x)
    kids = x
  else:
    aux, kids = _custom_children(kind, x)
  if _leaf_types.issuperset(map(type, kids)):
    leaves.extend(kids)
    return (kind, aux, len(kids))
  return _norm(kind, aux, [_flatten(c, leaves) for c in kids])


def _check_pred(r):
  if r is True:
    return True
  if r is False or r is None:  # None is accepted for backwards compatibility
    return False
  raise ValueError(f"is_leaf predicate returned a non-boolean value {r!r}; "
                   "expected a boolean")


def _flatten_pred(x, leaves, is_leaf):
  if _check_pred(is_leaf(x)):
    leaves.append(x)
    return None
  kind = _dispatch_get(type(x)) or _classify(type(x))
  if kind is _LEAF:
    leaves.append(x)
    return None
  aux, kids = _children(kind, x)
  return _norm(kind, aux, [_flatten_pred(c, leaves, is_leaf) for c in kids])


# ----------------------------------------------------------------------------
# Rebuilding.

def _make(kind, aux, vals):
  if kind is tuple:
    return tuple(vals)
  if kind is list:
    return list(vals)
  if kind is dict:
    return dict(zip(aux, vals))
  if kind is _NoneType:
    return None
  if kind is _NAMEDTUPLE:
    return aux(*vals)
  if kind.data_fields is not None:
    kwargs = dict(zip(kind.meta_fields, aux))
    kwargs.update(zip(kind.data_fields, vals))
    return kind.type(**kwargs)
  return kind.unflatten(aux, tuple(vals))


def _build(node, it):
  kind, aux, kids = node
  if kids.__class__ is int:
    if kind is tuple:
      return tuple(islice(it, kids))
    if kind is list:
      return list(islice(it, kids))
    if kind is dict:
      return dict(zip(aux, it))  # zip stops on `aux` before pulling `it`
    return _make(kind, aux, tuple(islice(it, kids)))
  return _make(kind, aux,
               [next(it) if c is None else _build(c, it) for c in kids])


def _kids(node):
  kids = node[2]
  return (None,) * kids if kids.__class__ is int else kids


def _count_leaves(node):
  if node is None:
    return 1
  kids = node[2]
  return kids if kids.__class__ is int else sum(map(_count_leaves, kids))


def _count_nodes(node):
  if node is None:
    return 1
  kids = node[2]
  return 1 + (kids if kids.__class__ is int else sum(map(_count_nodes, kids)))


def _node_repr(node):
  if node is None:
    return "*"
  kind, aux, _ = node
  parts = [_node_repr(c) for c in _kids(node)]
  if kind is tuple:
    return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"
  if kind is list:
    return "[" + ", ".join(parts) + "]"
  if kind is dict:
    return "{" + ", ".join(f"{k!r}: {p}" for k, p in zip(aux, parts)) + "}"
  if kind is _NoneType:
    return "None"
  if kind is _NAMEDTUPLE:
    name = f"namedtuple[{aux.__name__}]"
  else:
    name = f"{kind.type.__name__}[{aux}]"
  return f"CustomNode({name}, [{', '.join(parts)}])"


def _skeleton(node):
  # Custom aux data may be unhashable, so hashes ignore it (eq still checks).
  if node is None:
    return None
  kind, aux, kids = node
  if kind is not dict and kind is not _NAMEDTUPLE:
    aux = None
  if kids.__class__ is not int:
    kids = tuple(map(_skeleton, kids))
  return (kind, aux, kids)


def _compose(node, inner):
  if node is None:
    return inner
  kind, aux, _ = node
  return (kind, aux, tuple([_compose(c, inner) for c in _kids(node)]))


def _unpickle_treedef(node, num_leaves):
  return _mk(node, num_leaves)


# ----------------------------------------------------------------------------
# PyTreeDef.

class PyTreeDef:
  """Immutable description of a pytree's structure (everything but leaves)."""
  __slots__ = ("_node", "_num_leaves", "_hash", "__weakref__")

  def __init__(self, *args, **kwargs):
    raise TypeError("PyTreeDef has no public constructor; use "
                    "tree_structure() or treedef_tuple()")

  @property
  def num_leaves(self) -> int:
    return self._num_leaves

  @property
  def num_nodes(self) -> int:
    return _count_nodes(self._node)

  def unflatten(self, leaves: Iterable[Any]) -> Any:
    """Rebuilds a pytree of this structure from an iterable of leaves."""
    if leaves.__class__ is not list:
      leaves = list(leaves)
    n = self._num_leaves
    if len(leaves) != n:
      if len(leaves) < n:
        raise ValueError("Too few leaves for PyTreeDef; expected "
                         f"{n}, got {len(leaves)}")
      raise ValueError(f"Too many leaves for PyTreeDef; expected {n}.")
    node = self._node
    if node is None:
      return leaves[0]
    if node[2].__class__ is int:  # one container of leaves: no iterator needed
      return _make(node[0], node[1], leaves)
    return _build(node, iter(leaves))

  def flatten_up_to(self, tree: Any) -> list[Any]:
    """Flattens `tree` only as deep as this treedef; raises ValueError on a
    structural mismatch."""
    out = []
    _flatten_up_to(self._node, tree, out)
    out.reverse()  # _flatten_up_to works right to left
    return out

  def children(self) -> list[PyTreeDef]:
    if self._node is None:
      return []
    return [_mk(c, _count_leaves(c)) for c in _kids(self._node)]

  def compose(self, inner: PyTreeDef) -> PyTreeDef:
    """Replaces every leaf of this treedef with `inner`."""
    node = self._node if inner._node is None else _compose(self._node,
                                                            inner._node)
    return _mk(node, self._num_leaves * inner._num_leaves)

  def node_data(self):
    """None for a leaf, else ``(node type, node data)``."""
    node = self._node
    if node is None:
      return None
    kind, aux, _ = node
    if kind is dict:
      return dict, list(aux)
    if kind is _NAMEDTUPLE:
      return aux, None
    if isinstance(kind, _Registration):
      return kind.type, aux
    return kind, None

  def walk(self, f_node, f_leaf, leaves):
    """Rebuilds bottom-up, calling ``f_node(children_tuple, node_data)``."""
    it = iter(leaves)

    def go(node):
      if node is None:
        leaf = next(it, _LEAF)
        if leaf is _LEAF:
          raise ValueError("Too few leaves for PyTreeDef")
        return leaf if f_leaf is None else f_leaf(leaf)
      kind, aux, _ = node
      children = tuple([go(c) for c in _kids(node)])
      return f_node(children, list(aux) if kind is dict else aux)

    out = go(self._node)
    if next(it, _LEAF) is not _LEAF:
      raise ValueError("Too many leaves for PyTreeDef")
    return out

  def from_iterable_tree(self, xs):
    """Builds a tree from nested iterables matching this structure."""
    def go(node, x):
      if node is None:
        return x
      ys = list(x)
      kids = _kids(node)
      if len(ys) != len(kids):
        raise ValueError("Arity mismatch between trees")
      return _make(node[0], node[1], [go(c, y) for c, y in zip(kids, ys)])
    return go(self._node, xs)

  def __repr__(self):
    return f"PyTreeDef({_node_repr(self._node)})"

  def __eq__(self, other):
    if other.__class__ is not PyTreeDef:
      return NotImplemented
    return self is other or self._node == other._node

  def __hash__(self):
    # Every constructor sets _hash to None: a missing slot's AttributeError would cost ~1 us
    # on each jit call (its cache key holds a fresh treedef).
    h = self._hash
    if h is None:
      h = self._hash = hash(_skeleton(self._node))
    return h

  def __reduce__(self):
    return _unpickle_treedef, (self._node, self._num_leaves)


_new = object.__new__


def _mk(node, num_leaves):
  td = _new(PyTreeDef)
  td._node = node
  td._num_leaves = num_leaves
  td._hash = None
  return td


# ----------------------------------------------------------------------------
# Core API.

def tree_flatten(tree: Any, is_leaf: Callable[[Any], bool] | None = None
                 ) -> tuple[list[Leaf], PyTreeDef]:
  """Flattens a pytree into a list of leaves and a `PyTreeDef`.

  Leaves come out in depth-first, left-to-right order (dicts by sorted key).
  `is_leaf(x)` returning True stops descent at `x`.
  """
  leaves = []
  if is_leaf is None:
    node = _flatten(tree, leaves)
  else:
    node = _flatten_pred(tree, leaves, is_leaf)
  td = _new(PyTreeDef)  # inlined _mk: this is the hottest entry point
  td._node = node
  td._num_leaves = len(leaves)
  td._hash = None
  return leaves, td


def tree_unflatten(treedef: PyTreeDef, leaves: Iterable[Leaf]) -> Any:
  """Rebuilds a pytree from a treedef and leaves (inverse of tree_flatten)."""
  return treedef.unflatten(leaves)


def tree_leaves(tree: Any, is_leaf: Callable[[Any], bool] | None = None
                ) -> list[Leaf]:
  """Returns the leaves of a pytree."""
  leaves = []
  if is_leaf is None:
    _flatten(tree, leaves)
  else:
    _flatten_pred(tree, leaves, is_leaf)
  return leaves


def tree_structure(tree: Any, is_leaf: Callable[[Any], bool] | None = None
                   ) -> PyTreeDef:
  """Returns the `PyTreeDef` of a pytree."""
  return tree_flatten(tree, is_leaf)[1]


def treedef_tuple(treedefs: Iterable[PyTreeDef]) -> PyTreeDef:
  """Makes the treedef of a tuple whose children have the given treedefs."""
  treedefs = list(treedefs)
  node = _norm(tuple, None, [td._node for td in treedefs])
  return _mk(node, sum(td._num_leaves for td in treedefs))


def treedef_children(treedef: PyTreeDef) -> list[PyTreeDef]:
  """Returns the treedefs of the root's immediate children."""
  return treedef.children()


def treedef_is_leaf(treedef: PyTreeDef) -> bool:
  """True if the treedef has a single node (a leaf, None, or empty node)."""
  node = treedef._node
  return node is None or node[2] == 0


def treedef_is_strict_leaf(treedef: PyTreeDef) -> bool:
  return treedef._node is None


def all_leaves(iterable: Iterable[Any],
               is_leaf: Callable[[Any], bool] | None = None) -> bool:
  """True if every element of `iterable` is a pytree leaf."""
  if is_leaf is None:
    return all(_kind_of(x) is _LEAF for x in iterable)
  items = list(iterable)
  leaves = tree_leaves(items, is_leaf)
  return len(leaves) == len(items) and all(
      a is b for a, b in zip(items, leaves))


def is_tree_node(typ: type) -> bool:
  """True if instances of `typ` are pytree nodes (not leaves)."""
  return typ in _registry or (issubclass(typ, tuple) and hasattr(typ, "_fields"))


def flatten_one_level(tree: Any) -> tuple[Iterable[Any], Hashable]:
  """Returns (children, node data) of a pytree node; ValueError on leaves."""
  kind = _kind_of(tree)
  if kind is _LEAF:
    raise ValueError(f"can't tree-flatten type: {type(tree)}")
  aux, children = _children(kind, tree)
  if kind is dict:
    children = tuple(children)
  elif kind is _NAMEDTUPLE:
    children = list(children)
  return children, aux


def tree_map(f: Callable[..., Any], tree: Any, *rest: Any,
             is_leaf: Callable[[Any], bool] | None = None) -> Any:
  """Applies `f` leafwise; every tree in `rest` must have `tree`'s structure
  as a prefix, and contributes the matching subtree as an extra argument."""
  leaves, treedef = tree_flatten(tree, is_leaf)
  if not rest:
    return treedef.unflatten(list(map(f, leaves)))
  others = _rest_leaves(treedef, tree, rest, is_leaf, "tree_map tree")
  return treedef.unflatten(list(map(f, leaves, *others)))


class Unspecified:
  """Default marker for optional arguments that may legitimately be None."""


def tree_reduce(function: Callable[[T, Any], T], tree: Any,
                initializer: Any = Unspecified(),
                is_leaf: Callable[[Any], bool] | None = None) -> T:
  """`functools.reduce` over the leaves of a pytree."""
  leaves = tree_leaves(tree, is_leaf)
  if isinstance(initializer, Unspecified):
    return functools.reduce(function, leaves)
  return functools.reduce(function, leaves, initializer)


def _halving_reduce(seq, op, identity):
  if not seq:
    if isinstance(identity, Unspecified):
      raise TypeError(
          "Must specify identity for parallel reduction of empty sequence.")
    return identity
  if len(seq) == 1:
    return seq[0]
  mid = len(seq) // 2
  return op(_halving_reduce(seq[:mid], op, identity),
            _halving_reduce(seq[mid:], op, identity))


def tree_reduce_associative(operation: Callable[[T, T], T], tree: Any, *,
                            identity: Any = Unspecified(),
                            is_leaf: Callable[[Any], bool] | None = None) -> T:
  """Reduces leaves with an associative `operation` as a balanced tree."""
  return _halving_reduce(tree_leaves(tree, is_leaf), operation, identity)


def tree_all(tree: Any, *, is_leaf: Callable[[Any], bool] | None = None
             ) -> bool:
  """True if all leaves are truthy."""
  return all(tree_leaves(tree, is_leaf))


def tree_transpose(outer_treedef: PyTreeDef, inner_treedef: PyTreeDef | None,
                   pytree_to_transpose: Any) -> Any:
  """Turns a tree of structure outer(inner) into one of structure
  inner(outer).  `inner_treedef=None` infers it from the first subtree."""
  flat, treedef = tree_flatten(pytree_to_transpose)
  if inner_treedef is None:
    first = outer_treedef.flatten_up_to(pytree_to_transpose)[0]
    inner_treedef = tree_structure(first)
  n_in, n_out = inner_treedef.num_leaves, outer_treedef.num_leaves
  if treedef.num_leaves != n_in * n_out:
    expected = outer_treedef.compose(inner_treedef)
    raise TypeError(f"Mismatch\n{treedef}\n != \n{expected}")
  rows = [flat[i * n_in:(i + 1) * n_in] for i in range(n_out)]
  return inner_treedef.unflatten(
      [outer_treedef.unflatten(col) for col in zip(*rows)])


# ----------------------------------------------------------------------------
# Registration.

def _register(typ, reg):
  if typ in _registry:
    raise ValueError(
        f"Duplicate custom PyTreeDef type registration for {typ!r}.")
  _registry[typ] = reg
  _dispatch[typ] = reg   # overrides a cached leaf/namedtuple classification
  _leaf_types.discard(typ)


def register_pytree_node(nodetype: type[T],
                         flatten_func: Callable[[T], tuple[Iterable, Any]],
                         unflatten_func: Callable[[Any, Iterable], T],
                         flatten_with_keys_func: Callable | None = None
                         ) -> None:
  """Makes `nodetype` a pytree node.

  ``flatten_func(x) -> (children, aux_data)``; ``unflatten_func(aux_data,
  children) -> x``; optional ``flatten_with_keys_func(x) -> (((key, child),
  ...), aux_data)`` supplies key paths.  Registering a type twice raises
  ValueError.
  """
  _register(nodetype, _Registration(nodetype, flatten_func, unflatten_func,
                                    flatten_with_keys_func))


def register_pytree_with_keys(nodetype: type[T], flatten_with_keys: Callable,
                              unflatten_func: Callable,
                              flatten_func: Callable | None = None):
  """Like register_pytree_node, with the keyed flatten function required."""
  if not flatten_func:
    def flatten_func(x):
      pairs, aux = flatten_with_keys(x)
      return [c for _, c in pairs], aux
  register_pytree_node(nodetype, flatten_func, unflatten_func,
                       flatten_with_keys)


def register_pytree_node_class(cls: Typ) -> Typ:
  """Class decorator: registers via ``tree_flatten`` method and
  ``tree_unflatten`` classmethod."""
  register_pytree_node(cls, operator.methodcaller("tree_flatten"),
                       cls.tree_unflatten)
  return cls


def register_pytree_with_keys_class(cls: Typ) -> Typ:
  """Class decorator: registers via ``tree_flatten_with_keys`` (and
  ``tree_flatten`` if present) and ``tree_unflatten``."""
  flatten = (operator.methodcaller("tree_flatten")
             if hasattr(cls, "tree_flatten") else None)
  register_pytree_with_keys(cls, operator.methodcaller("tree_flatten_with_keys"),
                            cls.tree_unflatten, flatten)
  return cls


def register_dataclass(nodetype: Typ,
                       data_fields: Sequence[str] | None = None,
                       meta_fields: Sequence[str] | None = None,
                       drop_fields: Sequence[str] = ()) -> Typ:
  """Registers a dataclass-like type: `data_fields` are children,
  `meta_fields` static aux data.  For dataclasses both may be omitted; fields
  with ``metadata={'static': True}`` are then meta, the rest data."""
  if data_fields is None or meta_fields is None:
    if (data_fields is None) != (meta_fields is None):
      raise TypeError(
          "register_dataclass: data_fields and meta_fields must both be "
          f"specified when either is specified. Got {data_fields=} "
          f"{meta_fields=}.")
    if not dataclasses.is_dataclass(nodetype):
      raise TypeError(
          "register_dataclass: data_fields and meta_fields are required when "
          f"nodetype is not a dataclass. Got {nodetype=}.")
    fields = [f for f in dataclasses.fields(nodetype)
              if f.name not in drop_fields]
    data_fields = [f.name for f in fields if not f.metadata.get("static")]
    meta_fields = [f.name for f in fields if f.metadata.get("static")]
  # Copy so later mutation of the caller's lists cannot change the registration.
  data_fields, meta_fields = tuple(data_fields), tuple(meta_fields)
  if dataclasses.is_dataclass(nodetype):
    init = {f.name for f in dataclasses.fields(nodetype) if f.init}
    init.difference_update(drop_fields)
    given = {*data_fields, *meta_fields}
    if given != init:
      msg = ("data_fields and meta_fields must include all dataclass fields "
             "with ``init=True`` and only them.")
      if missing := init - given:
        msg += (f" Missing fields: {missing}. Add them to drop_fields to "
                "suppress this error.")
      if unexpected := given - init:
        msg += f" Unexpected fields: {unexpected}."
      raise ValueError(msg)
  if overlap := set(data_fields) & set(meta_fields):
    raise ValueError("data_fields and meta_fields must not overlap. "
                     f"Overlapping fields: {overlap}.")
  _register(nodetype, _Registration(nodetype, None, None, None,
                                    data_fields, meta_fields))
  return nodetype


def register_static(cls: type[T]) -> type[T]:
  """Registers `cls` as a node with no children: instances live entirely in
  the treedef (so they must be hashable)."""
  register_pytree_with_keys(cls, lambda x: ((), x), lambda x, _: x)
  return cls


def tree_static(**kwargs):
  """`dataclasses.field` marked static for `register_dataclass`."""
  metadata = {"static": True, **(kwargs.pop("metadata", None) or {})}
  return dataclasses.field(metadata=metadata, **kwargs)


class PyTreeRegistry:
  """Minimal stand-in for JAX's registry object (there is only one here)."""

  def flatten(self, tree, leaf_predicate=None):
    return tree_flatten(tree, leaf_predicate)

  def flatten_with_path(self, tree, leaf_predicate=None):
    return tree_flatten_with_path(tree, leaf_predicate, is_leaf_takes_path=True)

  def flatten_one_level(self, tree):
    return None if _kind_of(tree) is _LEAF else flatten_one_level(tree)

  def flatten_one_level_with_keys(self, tree):
    return (None if _kind_of(tree) is _LEAF
            else flatten_one_level_with_keys(tree))

  def is_node(self, typ):
    return is_tree_node(typ)

  def __reduce__(self):
    return "default_registry"


default_registry = PyTreeRegistry()


# ----------------------------------------------------------------------------
# Built-in custom nodes.

register_pytree_with_keys(
    collections.OrderedDict,
    lambda d: (tuple((DictKey(k), v) for k, v in d.items()), tuple(d)),
    lambda keys, values: collections.OrderedDict(zip(keys, values, strict=True)),
    lambda d: (tuple(d.values()), tuple(d)))


def _defaultdict_flatten_with_keys(d):
  keys = _sorted_keys(d)
  return tuple((DictKey(k), d[k]) for k in keys), (d.default_factory, keys)


def _defaultdict_flatten(d):
  keys = _sorted_keys(d)
  return tuple(map(d.__getitem__, keys)), (d.default_factory, keys)


register_pytree_with_keys(
    collections.defaultdict, _defaultdict_flatten_with_keys,
    lambda aux, values: collections.defaultdict(
        aux[0], zip(aux[1], values, strict=True)),
    _defaultdict_flatten)


class _HashableCallableShim:
  """Opaque callable wrapping a partial; delegates call, hash and eq."""

  def __init__(self, fun):
    self.fun = fun

  def __call__(self, *args, **kwargs):
    return self.fun(*args, **kwargs)

  def __hash__(self):
    return hash(self.fun)

  def __eq__(self, other):
    if isinstance(other, _HashableCallableShim):
      other = other.fun
    return self.fun == other

  def __repr__(self):
    return f"_HashableCallableShim({self.fun!r})"


class Partial(functools.partial):
  """`functools.partial` that is a pytree: ``args`` and ``keywords`` are
  children, ``func`` is static node data."""

  def __new__(cls, func, *args, **kwargs):
    if isinstance(func, functools.partial):
      # partial.__new__ would merge a partial `func` into this object, moving
      # its bound arguments into our children; wrap it to keep them static.
      # The shim gets partial-like attributes only afterwards, because the
      # pure-Python partial merges anything that has a `.func`.
      inner = func
      func = _HashableCallableShim(inner)
      out = super().__new__(cls, func, *args, **kwargs)
      func.func, func.args, func.keywords = inner.func, inner.args, inner.keywords
      return out
    return super().__new__(cls, func, *args, **kwargs)


register_pytree_node(
    Partial,
    lambda p: ((p.args, p.keywords), p.func),
    lambda func, children: Partial(func, *children[0], **children[1]))
