"""The object graph: ``split``/``merge``/``state``/``update``/``graphdef``/``clone``...

``flatten`` walks a graph of Pytree nodes (Modules...), Variables, arrays and plain
containers, in sorted-key order, and returns a hashable ``GraphDef`` (types, static
attributes, and which node is shared with which) plus the leaves (Variables and arrays) with
their paths. A node reached twice becomes a ``NodeRef`` to its first occurrence, so shared
sub-modules and tied Variables survive ``split``/``merge``. ``unflatten`` rebuilds the graph
from a GraphDef and leaves in the same order; it can rebuild *into* existing objects, which
is how transforms write results back."""
from __future__ import annotations

import dataclasses
import typing as tp

from jaxlite import tree_util as jtu
from jaxlite.flax._src.nnx import filterlib, reprlib, statelib, tracers
from jaxlite.flax._src.nnx.pytreelib import Pytree
from jaxlite.flax._src.nnx.statelib import State, FlatState
from jaxlite.flax._src.nnx.variablelib import Variable


def _safe_eq(a, b):
  if a is b:
    return True
  try:
    return bool(a == b)
  except Exception:  # arrays and other values with odd __eq__: compare identity only
    return False


def _safe_hash(value):
  try:
    return hash(value)
  except TypeError:
    return hash(type(value))


class Static:
  """A static attribute value, compared by equality (hashed when hashable)."""
  __slots__ = ("value",)

  def __init__(self, value):
    self.value = value

  def __eq__(self, other):
    return type(other) is Static and _safe_eq(self.value, other.value)

  def __hash__(self):
    return _safe_hash(self.value)

  def __repr__(self):
    return f"Static(value={self.value!r})"


class _Leaf:
  """An attribute holding an array (or explicit ``nnx.data``) leaf."""
  __slots__ = ()

  def __repr__(self):
    return "LeafAttr()"


LEAF = _Leaf()


@dataclasses.dataclass(frozen=True)
class NodeRef:
  index: int


@dataclasses.dataclass(frozen=True)
class VariableDef:
  type: type
  index: int
  metadata: tuple  # sorted (name, value) pairs

  def __hash__(self):
    return hash((self.type, self.index, tuple((k, _safe_hash(v)) for k, v in self.metadata)))


class GenericPytree:
  """The node type recorded for a plain container (list, tuple, dict, ...)."""


@dataclasses.dataclass(frozen=True)
class NodeDef:
  type: type
  index: tp.Optional[int]  # None for plain containers: they have no identity to share
  attributes: tuple  # ((key, Static | LEAF | NodeDef | VariableDef | NodeRef), ...)
  metadata: tp.Any = None  # a plain container's one-level PyTreeDef


class GraphDef(reprlib.Representable):
  """The structure of a graph: everything but the leaves. Hashable (a jit static arg)."""
  __slots__ = ("root", "num_leaves", "_hash")

  def __init__(self, root, num_leaves):
    self.root = root
    self.num_leaves = num_leaves
    self._hash = None

  def __eq__(self, other):
    return (isinstance(other, GraphDef) and self.num_leaves == other.num_leaves
            and self.root == other.root)

  def __hash__(self):
    if self._hash is None:
      self._hash = hash((self.root, self.num_leaves))
    return self._hash

  def __nnx_repr__(self):
    yield reprlib.Object(type="GraphDef")
    yield reprlib.Attr("root", _RootRepr(self.root))
    yield reprlib.Attr("num_leaves", self.num_leaves)


class _RootRepr(reprlib.Representable):
  def __init__(self, attr):
    self.attr = attr

  def __nnx_repr__(self):
    a = self.attr
    if isinstance(a, NodeDef):
      yield reprlib.Object(type=f"NodeDef[{a.type.__name__}]")
      for key, sub in a.attributes:
        yield reprlib.Attr(str(key), _RootRepr(sub))
    elif isinstance(a, VariableDef):
      yield reprlib.Object(type=f"VariableDef[{a.type.__name__}]", same_line=True)
      yield reprlib.Attr("index", a.index)
    else:
      yield reprlib.Object(type=repr(a), start="", end="")


# ---------------------------------------------------------------------------
# flatten

def is_graph_node(x) -> bool:
  return isinstance(x, (Pytree, Variable))


def is_node(x) -> bool:
  return isinstance(x, Pytree)


def _key_of(entry):
  for attr in ("idx", "key", "name"):
    if hasattr(entry, attr):
      return getattr(entry, attr)
  return entry


def _one_level(x):
  """Children ``[(key, child)]`` and the one-level treedef of a plain container."""
  with_path, treedef = jtu.tree_flatten_with_path(x, is_leaf=lambda y: y is not x)
  return [(_key_of(path[0]), child) for path, child in with_path], treedef


def _is_container(x):
  if x is None:
    return True
  return not jtu.treedef_is_leaf(jtu.tree_structure(x, is_leaf=lambda y: y is not x))


class _Flattener:
  def __init__(self, ref_index=None, with_paths=True):
    self.ref_index = {} if ref_index is None else ref_index  # id(obj) -> index
    self.keep = []  # objects indexed by id must stay alive while ids are compared
    self.leaves = []
    self.paths = [] if with_paths else None

  def _add_leaf(self, value, path):
    self.leaves.append(value)
    if self.paths is not None:
      self.paths.append(path)

  def value(self, value, path, is_data=None):
    if isinstance(value, (Pytree, Variable)):
      index = self.ref_index.get(id(value))
      if index is not None:
        return NodeRef(index)
      index = len(self.ref_index)
      self.ref_index[id(value)] = index
      self.keep.append(value)
      if isinstance(value, Variable):
        self._add_leaf(value, path)
        return VariableDef(type(value), index, tuple(sorted(value._var_metadata.items(),
                                                            key=lambda kv: kv[0])))
      attributes = []
      for key, child, child_is_data in value._graph_items():
        if child_is_data is False:
          attributes.append((key, Static(child)))
        else:
          attributes.append((key, self.value(child, path + (key,), child_is_data)))
      return NodeDef(type(value), index, tuple(attributes))
    if tracers.is_array(value):
      self._add_leaf(value, path)
      return LEAF
    if _is_container(value):
      children, treedef = _one_level(value)
      attributes = tuple((key, self.value(child, path + (key,))) for key, child in children)
      return NodeDef(GenericPytree, None, attributes, treedef)
    if is_data:
      self._add_leaf(value, path)
      return LEAF
    return Static(value)


def flatten(node, /, *, ref_index=None, with_paths=True):
  """``(GraphDef, FlatState)`` (or ``(GraphDef, leaves)`` with ``with_paths=False``)."""
  f = _Flattener(ref_index, with_paths)
  root = f.value(node, ())
  graphdef = GraphDef(root, len(f.leaves))
  if not with_paths:
    return graphdef, f.leaves
  return graphdef, FlatState(zip(f.paths, f.leaves), sort=False)


# ---------------------------------------------------------------------------
# unflatten

class _Unflattener:
  def __init__(self, leaves, index_ref, existing, copy_variables):
    self.leaves = iter(leaves)
    self.index_ref = index_ref  # index -> object built (or reused) so far
    self.existing = existing  # index -> object to rebuild in place (transform write-back)
    self.copy = copy_variables

  def value(self, attr):
    t = type(attr)
    if t is Static:
      return attr.value
    if attr is LEAF:
      return next(self.leaves)
    if t is NodeRef:
      return self.index_ref[attr.index]
    if t is VariableDef:
      return self.variable(attr)
    return self.node(attr)

  def variable(self, vdef):
    leaf = next(self.leaves)
    target = self.existing.get(vdef.index) if self.existing else None
    if target is not None:
      if isinstance(leaf, Variable):
        target.update_from_state(leaf)
      else:
        target.set_raw_value(leaf, _unsafe_bypass_check=True)
      var = target
    elif isinstance(leaf, Variable):
      var = leaf.copy() if self.copy else leaf
    else:
      var = vdef.type.from_metadata(leaf, dict(vdef.metadata))
    self.index_ref[vdef.index] = var
    return var

  def node(self, nodedef):
    if nodedef.type is GenericPytree:
      children = [self.value(a) for _, a in nodedef.attributes]
      return nodedef.metadata.unflatten(children)
    target = self.existing.get(nodedef.index) if self.existing else None
    if target is not None:
      if type(target) is not nodedef.type:
        raise ValueError(f"Expected a node of type {nodedef.type.__name__} for index "
                         f"{nodedef.index}, but got a node of type {type(target).__name__}.")
      node = target
    else:
      node = nodedef.type._graph_new()
    self.index_ref[nodedef.index] = node
    items = [(key, self.value(a), type(a) is not Static) for key, a in nodedef.attributes]
    if target is not None:
      node._graph_replace(items)
    else:
      node._graph_init(items)
    return node


def unflatten(graphdef, leaves, /, *, index_ref=None, existing=None, copy_variables=False):
  if isinstance(leaves, (State, dict)):
    leaves = [v for _, v in statelib.to_flat_state(State(leaves) if isinstance(leaves, dict)
                                                   else leaves)]
  elif isinstance(leaves, FlatState):
    leaves = leaves.leaves
  leaves = list(leaves)
  if len(leaves) != graphdef.num_leaves:
    raise ValueError(f"Incorrect number of leaves, expected {graphdef.num_leaves} leaves, but "
                     f"got {len(leaves)}.")
  u = _Unflattener(leaves, {} if index_ref is None else index_ref, existing, copy_variables)
  return u.value(graphdef.root)


# ---------------------------------------------------------------------------
# the public graph API

def split(node, *filters):
  graphdef, flat = flatten(node)
  return (graphdef, *_states_from_flat(flat, filters, exhaustive=True))


def _states_from_flat(flat, filters, *, exhaustive):
  if not filters:
    return (flat.to_nested_state(),)
  parts = statelib._split_flat(flat, *filters)
  *states, rest = (p.to_nested_state() for p in parts)
  if exhaustive and rest:
    raise ValueError(f"Non-exhaustive filters, got a non-empty remainder: {parts[-1]}.\nUse "
                     "`...` to match all remaining elements.")
  return states


def _merge_to_leaves(states):
  flat = {}
  for s in states:
    if isinstance(s, FlatState):
      flat.update(dict(s))
    else:
      mapping = s._mapping if isinstance(s, State) else dict(s)
      flat.update(statelib.flatten_mapping(mapping))
  return [v for _, v in sorted(flat.items(), key=statelib.path_order)]


def merge(graphdef, state, /, *states, copy: bool = False):
  if not isinstance(graphdef, GraphDef):
    raise TypeError(f"Expected a GraphDef or GraphState object, got: {graphdef!r}")
  if isinstance(state, list):
    if states:
      raise ValueError("Only one state can be passed as a list.")
    leaves = state
  else:
    leaves = _merge_to_leaves((state, *states))
  return unflatten(graphdef, leaves, copy_variables=copy)


def state(node, *filters):
  _, flat = flatten(node)
  states = _states_from_flat(flat, filters, exhaustive=False)
  return states[0] if len(states) == 1 else tuple(states)


def graphdef(node, /):
  return flatten(node, with_paths=False)[0]


def clone(node, variables: bool = True, *, arrays: bool = False):
  gdef, st = split(node)
  if arrays:
    from jaxlite import numpy as jnp
    st = jtu.tree_map(jnp.copy, st)
  return merge(gdef, st, copy=variables)


def _child(node, key):
  if isinstance(node, Pytree):
    return getattr(node, key if isinstance(key, str) else str(key))
  return node[key]


def _update_variable(var, value):
  if isinstance(value, Variable):
    var.update_from_state(value)
  elif isinstance(value, State) and not value:
    pass
  else:
    var.set_raw_value(value, _unsafe_bypass_check=True)


def _update(node, mapping):
  if isinstance(node, Variable):
    _update_variable(node, mapping)
    return
  if not isinstance(node, Pytree):
    raise RuntimeError(f"Unsupported type: {type(node)}")
  for key, value in mapping.items():
    name = key if isinstance(key, str) else str(key)
    if name not in vars(node):
      if isinstance(value, Variable):
        value = value.copy()
      node._graph_set_key(key, value)
      continue
    current = getattr(node, name)
    if isinstance(current, Pytree):
      if not isinstance(value, tp.Mapping):
        raise ValueError(f"Expected a subgraph for {key!r}, but got: {value!r}")
      _update(current, value)
    elif isinstance(current, Variable):
      _update_variable(current, value)
    elif isinstance(value, tp.Mapping) and not isinstance(value, Variable) and \
        not tracers.is_array(value):
      _update_container(current, value)
    else:
      node._graph_set_key(key, value)


def _update_container(container, mapping):
  for key, value in mapping.items():
    current = container[key]
    if isinstance(current, Variable):
      _update_variable(current, value)
    elif isinstance(current, Pytree):
      _update(current, value)
    elif isinstance(value, tp.Mapping):
      _update_container(current, value)
    else:
      container[key] = value


def update(node, state, /, *states):
  if states:
    state = statelib.merge_state(state, *states)
  if isinstance(state, State):
    state = state._mapping
  _update(node, state)


def pop(node, *filters):
  if not filters:
    raise ValueError("Expected at least one filter")
  predicates = tuple(filterlib.to_predicate(f) for f in filters)
  flat_states = tuple({} for _ in predicates)
  seen = set()

  def visit(n, path):
    if id(n) in seen:
      return
    seen.add(id(n))
    for key, value, _ in n._graph_items():
      if isinstance(value, Pytree):
        visit(value, path + (key,))
      elif isinstance(value, Variable) or tracers.is_array(value):
        if id(value) in seen:
          continue
        for out, predicate in zip(flat_states, predicates):
          if predicate(path + (key,), value):
            seen.add(id(value))
            delattr(n, key if isinstance(key, str) else str(key))
            out[path + (key,)] = value
            break

  visit(node, ())
  states = tuple(statelib.from_flat_state(fs) for fs in flat_states)
  return states[0] if len(states) == 1 else states


def iter_graph(node, /):
  """Yield ``(path, value)`` for every node and leaf, children before parents, each shared
  object once (at its first path)."""
  seen: set[int] = set()
  yield from _iter_graph(node, (), seen)


def _iter_graph(node, path, seen):
  if isinstance(node, (Pytree, Variable)):
    if id(node) in seen:
      return
    seen.add(id(node))
  if isinstance(node, Pytree):
    for key, value, _ in node._graph_items():
      yield from _iter_graph(value, path + (key,), seen)
  elif not isinstance(node, Variable) and not tracers.is_array(node) and node is not None \
      and _is_container(node):
    for key, value in _one_level(node)[0]:
      yield from _iter_graph(value, path + (key,), seen)
  yield path, node


def iter_children(node, /):
  """Direct sub-nodes (Pytrees) of ``node`` as ``(key, child)``."""
  seen = set()
  for key, value, _ in node._graph_items():
    if isinstance(value, Pytree) and id(value) not in seen:
      seen.add(id(value))
      yield key, value


def iter_module_children(node, /):
  from jaxlite.flax._src.nnx.module import Module
  for key, value in iter_children(node):
    if isinstance(value, Module):
      yield key, value


def variables(node, *filters):
  """Like ``state`` (alias kept by Flax)."""
  return state(node, *filters)


def find_duplicates(node, /, *, only=...):
  predicate = filterlib.to_predicate(only)
  paths: dict[int, list] = {}

  def visit(n, path):
    if isinstance(n, (Pytree, Variable)) and predicate(path, n):
      first = id(n) not in paths
      paths.setdefault(id(n), []).append(path)
      if not first:
        return
    if isinstance(n, Pytree):
      for key, value, _ in n._graph_items():
        visit(value, path + (key,))

  visit(node, ())
  return [p for p in paths.values() if len(p) > 1]


def as_pure(tree):
  """``tree`` with every Variable replaced by its raw value."""
  return jtu.tree_map(lambda x: as_pure(x.get_raw_value()) if isinstance(x, Variable) else x,
                      tree, is_leaf=lambda x: isinstance(x, Variable))
