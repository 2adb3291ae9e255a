"""Tests for jaxlite.tree_util / jaxlite.tree.

Expected reprs and error messages were produced by real JAX 0.10.2 and are
embedded as literals.
"""

import collections
import dataclasses
import functools
import pickle
from collections import OrderedDict, defaultdict, namedtuple

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import jaxlite.tree as jtree
import jaxlite.tree_util as tu
from jaxlite._src import tree_util as tu_src

P = namedtuple("P", "x y")


def same(a, b):
  """Deep equality that also requires identical container types."""
  if type(a) is not type(b):
    return False
  if isinstance(a, dict):
    if getattr(a, "default_factory", None) is not getattr(
        b, "default_factory", None):
      return False
    return (list(a) == list(b) if isinstance(a, OrderedDict)
            else set(a) == set(b)) and all(same(a[k], b[k]) for k in a)
  if isinstance(a, (list, tuple)):
    return len(a) == len(b) and all(map(same, a, b))
  if isinstance(a, np.ndarray):
    return np.array_equal(a, b)
  return a == b


# ----------------------------------------------------------------------------
# Flatten / unflatten of the built-in node kinds.

ROUND_TRIP_TREES = [
    1, None, (), [], {}, (1,), [1, 2], {"a": 1},
    (1, {"a": 2, "b": None}), [[], [()], {"x": [None, {}]}],
    P(1, [2, 3]), P(P(1, 2), None),
    OrderedDict([("b", 1), ("a", (2, 3))]),
    defaultdict(list, {"b": 1, "a": [2]}),
    {"nested": {"deep": [1, (2, [3, {"z": 4}])]}},
    [np.float32(1), np.zeros(2), "s", b"b", 1j],
]


@pytest.mark.parametrize("tree", ROUND_TRIP_TREES, ids=repr)
def test_round_trip(tree):
  leaves, treedef = tu.tree_flatten(tree)
  assert type(leaves) is list
  assert treedef.num_leaves == len(leaves)
  rebuilt = tu.tree_unflatten(treedef, leaves)
  assert same(rebuilt, tree)
  assert tu.tree_structure(rebuilt) == treedef
  assert all(a is b for a, b in zip(tu.tree_leaves(tree), leaves, strict=True))


def test_leaf_order_is_depth_first_with_sorted_dict_keys():
  leaves, treedef = tu.tree_flatten({"b": 1, "a": [3, (4,)]})
  assert leaves == [3, 4, 1]
  assert repr(treedef) == "PyTreeDef({'a': [*, (*,)], 'b': *})"


def test_none_is_an_empty_node_not_a_leaf():
  assert tu.tree_leaves([None, (None,)]) == []
  assert tu.tree_flatten(None) == ([], tu.tree_structure(None))
  assert tu.tree_unflatten(tu.tree_structure(None), []) is None
  assert tu.tree_structure(None) != tu.tree_structure(1)


def test_unordered_dict_keys_error():
  with pytest.raises(ValueError, match="Comparator raised exception while "
                     "sorting pytree dictionary keys."):
    tu.tree_flatten({"a": 1, 2: 3})


def test_dict_unflatten_uses_sorted_keys_and_ordered_dict_keeps_order():
  _, td = tu.tree_flatten({"b": 1, "a": 2})
  assert list(td.unflatten([10, 20])) == ["a", "b"]
  _, td = tu.tree_flatten(OrderedDict([("b", 1), ("a", 2)]))
  assert list(td.unflatten([10, 20]).items()) == [("b", 10), ("a", 20)]


def test_defaultdict_keeps_factory():
  leaves, td = tu.tree_flatten(defaultdict(list, {"b": 1, "a": 2}))
  assert leaves == [2, 1]
  out = td.unflatten([5, 6])
  assert type(out) is defaultdict and out.default_factory is list
  assert out["missing"] == [] and out["a"] == 5


def test_subclasses_of_builtin_containers_are_leaves():
  class MyList(list):
    pass
  class MyDict(dict):
    pass
  assert tu.tree_leaves([MyList([1, 2]), MyDict(a=1)]) == [[1, 2], {"a": 1}]


def test_is_leaf_stops_descent():
  tree = [1, (2, 3), {"a": (4,)}]
  leaves, td = tu.tree_flatten(tree, is_leaf=lambda x: isinstance(x, tuple))
  assert leaves == [1, (2, 3), (4,)]
  assert repr(td) == "PyTreeDef([*, *, {'a': *}])"
  assert tu.tree_flatten(None, is_leaf=lambda x: x is None)[0] == [None]
  assert tu.tree_unflatten(td, leaves) == tree


def test_is_leaf_result_must_be_bool_or_none():
  assert tu.tree_leaves([1, 2], is_leaf=lambda x: None) == [1, 2]
  for bad in (1, np.bool_(False)):
    with pytest.raises(ValueError, match="is_leaf predicate returned a "
                       "non-boolean value"):
      tu.tree_flatten([1, 2], is_leaf=lambda x, bad=bad: bad)


def test_unflatten_leaf_count_errors():
  td = tu.tree_structure((1, 2))
  with pytest.raises(ValueError, match=r"^Too few leaves for PyTreeDef; "
                     r"expected 2, got 1$"):
    td.unflatten([1])
  with pytest.raises(ValueError, match=r"^Too many leaves for PyTreeDef; "
                     r"expected 2\.$"):
    td.unflatten([1, 2, 3])
  assert td.unflatten(iter([3, 4])) == (3, 4)
  assert td.unflatten(x for x in "ab") == ("a", "b")


def test_first_seen_leaf_types_give_the_same_treedef():
  # A type the dispatch cache has never seen takes the slow path; the
  # resulting treedef must still equal the one built on the fast path.
  class Fresh:
    pass
  td_slow = tu.tree_structure([Fresh(), (Fresh(),)])
  td_fast = tu.tree_structure([1, (2,)])
  assert td_slow == td_fast and hash(td_slow) == hash(td_fast)
  assert tu.tree_structure([Fresh()]) == tu.tree_structure([1])


def test_dispatch_cache_overflow_keeps_registrations(monkeypatch):
  monkeypatch.setattr(tu_src, "_CACHE_LIMIT", 8)
  classes = [type(f"C{i}", (), {}) for i in range(30)]
  for c in classes:
    assert tu.tree_leaves([c(), (1,)])[1] == 1
  # Bounded by the limit plus the registered types (other tests register many: nnx Modules).
  assert len(tu_src._dispatch) <= 8 + len(tu_src._registry) + 2
  assert tu.tree_leaves(OrderedDict(a=1)) == [1]  # registration survived
  assert tu.tree_leaves(P(1, 2)) == [1, 2]


# ----------------------------------------------------------------------------
# PyTreeDef.

def test_treedef_reprs_match_jax():
  cases = [
      ((1, {"a": 2, "b": None}), "PyTreeDef((*, {'a': *, 'b': None}))"),
      ((1,), "PyTreeDef((*,))"),
      (1, "PyTreeDef(*)"),
      (None, "PyTreeDef(None)"),
      ((), "PyTreeDef(())"),
      (P(1, [2]), "PyTreeDef(CustomNode(namedtuple[P], [*, [*]]))"),
  ]
  for tree, expected in cases:
    assert repr(tu.tree_structure(tree)) == expected
  assert repr(tu.tree_structure([])) == "PyTreeDef([])"
  assert repr(tu.tree_structure({})) == "PyTreeDef({})"
  assert (repr(tu.tree_structure((1, [2, (3, None)], {"k": (), "j": []})))
          == "PyTreeDef((*, [*, (*, None)], {'j': [], 'k': ()}))")
  assert (repr(tu.tree_structure(OrderedDict([("b", 1), ("a", 2)]))) ==
          "PyTreeDef(CustomNode(OrderedDict[('b', 'a')], [*, *]))")
  assert (repr(tu.tree_structure(defaultdict(list, {"b": 1, "a": 2}))) ==
          "PyTreeDef(CustomNode(defaultdict[(<class 'list'>, ('a', 'b'))], "
          "[*, *]))")
  assert (repr(tu.tree_structure(tu.Partial(max, 1, k=2))) ==
          "PyTreeDef(CustomNode(Partial[<built-in function max>], "
          "[(*,), {'k': *}]))")


def test_treedef_equality_and_hash():
  a = tu.tree_structure({"x": [1, 2], "y": (3, None)})
  b = tu.tree_structure({"x": ["p", "q"], "y": (np.zeros(3), None)})
  assert a == b and not (a != b) and hash(a) == hash(b)
  assert len({a, b}) == 1
  for other in [{"x": [1, 2], "z": (3, None)}, {"x": [1], "y": (3, None)},
                {"x": (1, 2), "y": (3, None)}, {"x": [1, 2], "y": (3, 4)}]:
    assert a != tu.tree_structure(other)
  assert tu.tree_structure([1, 2]) != [1]
  assert tu.tree_structure(P(1, 2)) != tu.tree_structure((1, 2))


def test_treedef_is_immutable_and_not_constructible():
  td = tu.tree_structure([1])
  with pytest.raises(AttributeError):
    td.num_leaves = 3
  with pytest.raises(TypeError):
    tu.PyTreeDef()


def test_treedef_counts_children_and_node_data():
  td = tu.tree_structure({"a": [1, 2]})
  assert (td.num_nodes, td.num_leaves) == (4, 2)
  td2 = tu.tree_structure([1, (), None])
  assert (td2.num_nodes, td2.num_leaves) == (4, 1)
  assert repr(tu.treedef_children(tu.tree_structure([(1, 2), 3, {"a": 4}]))) \
      == "[PyTreeDef((*, *)), PyTreeDef(*), PyTreeDef({'a': *})]"
  assert tu.tree_structure(1).children() == []
  assert tu.tree_structure({"a": 1}).node_data() == (dict, ["a"])
  assert tu.tree_structure(1).node_data() is None
  assert tu.tree_structure(P(1, 2)).node_data() == (P, None)
  assert tu.tree_structure(None).node_data() == (type(None), None)
  assert tu.tree_structure(OrderedDict(a=1)).node_data() == (OrderedDict,
                                                             ("a",))


def test_treedef_is_leaf_and_tuple():
  assert tu.treedef_is_leaf(tu.tree_structure(1))
  assert tu.treedef_is_leaf(tu.tree_structure(None))
  assert tu.treedef_is_leaf(tu.tree_structure(()))
  assert not tu.treedef_is_leaf(tu.tree_structure([1]))
  x, y = [1, 2, 3], {"a": 4, "b": 5}
  xy = tu.treedef_tuple([tu.tree_structure(x), tu.tree_structure(y)])
  assert xy == tu.tree_structure((x, y)) and xy.num_leaves == 5
  assert tu.treedef_tuple([tu.tree_structure(1)] * 2) == \
      tu.tree_structure((1, 2))


def test_compose_walk_and_from_iterable_tree():
  td = tu.tree_structure([1, 2]).compose(tu.tree_structure((1, None)))
  assert repr(td) == "PyTreeDef([(*, None), (*, None)])"
  assert td.num_leaves == 2
  walked = tu.tree_structure({"b": 1, "a": 2}).walk(
      lambda c, d: (c, d), lambda x: x * 10, [1, 2])
  assert walked == ((10, 20), ["a", "b"])
  assert tu.tree_structure([1, (2, 3)]).from_iterable_tree([5, [6, 7]]) == \
      [5, (6, 7)]
  with pytest.raises(ValueError, match="Arity mismatch between trees"):
    tu.tree_structure([1, [2, 3]]).from_iterable_tree([5, [6, 7, 8]])


def test_treedef_pickles():
  for tree in [{"a": [1, (2, None)]}, OrderedDict(a=1), P(1, 2),
               tu.Partial(max, 1)]:
    td = tu.tree_structure(tree)
    assert pickle.loads(pickle.dumps(td)) == td


# ----------------------------------------------------------------------------
# flatten_up_to and tree_map.

@pytest.mark.parametrize("tree,other,message", [
    ((1, 2), (1,), "Tuple arity mismatch: 1 != 2; tuple: (1,)."),
    ((1, 2), [1, 2], "Expected tuple, got [1, 2]."),
    ([1, 2], [1, 2, 3], "List arity mismatch: 3 != 2; list: [1, 2, 3]."),
    ({"a": 1}, {"b": 1},
     "Dict key mismatch; expected keys: ['a']; present keys: ['b']."),
    ({"a": 1}, [1], "Expected dict, got [1]."),
    (P(1, 2), (1, 2), "Expected named tuple, got (1, 2)."),
    (OrderedDict(a=1), {"a": 1}, "Custom node type mismatch: expected type: "
     "<class 'collections.OrderedDict'>, value: {'a': 1}."),
    (OrderedDict(a=1), OrderedDict(b=1), "Mismatch custom node data: ('a',) "
     "!= ('b',); value: OrderedDict([('b', 1)])."),
    # JAX reports the right-most mismatch first.
    (([1, 2], (3, 4)), ([1, 2, 3], (3,)),
     "Tuple arity mismatch: 1 != 2; tuple: (3,)."),
])
def test_flatten_up_to_errors(tree, other, message):
  with pytest.raises(ValueError) as e:
    tu.tree_structure(tree).flatten_up_to(other)
  assert str(e.value) == message


def test_flatten_up_to_none_message():
  with pytest.raises(ValueError, match=r"^Expected None, got 1\.\n\nIn "
                     "previous releases of JAX"):
    tu.tree_structure(None).flatten_up_to(1)


def test_flatten_up_to_returns_subtrees():
  td = tu.tree_structure([1, {"a": 2}])
  assert td.flatten_up_to([(1, 2), {"a": [3]}]) == [(1, 2), [3]]


def test_tree_map_single_and_multiple_trees():
  assert tu.tree_map(lambda x: x + 1, {"x": 7, "y": (42,)}) == \
      {"x": 8, "y": (43,)}
  assert tu.tree_map(lambda x, y: x + y, {"a": 1, "b": (2, 3)},
                     {"a": 10, "b": (20, 30)}) == {"a": 11, "b": (22, 33)}
  # Later trees need only have the first tree's structure as a prefix.
  assert tu.tree_map(lambda x, y: (x, y), [1, 2], [[3, 4], {"k": 5}]) == \
      [(1, [3, 4]), (2, {"k": 5})]
  assert tu.tree_map(lambda x, y, z: x + y + z, [1], [2], [3]) == [6]
  assert tu.tree_map(lambda x: x, None) is None


def test_tree_map_is_leaf():
  out = tu.tree_map(lambda x: len(x) if isinstance(x, tuple) else -x,
                    [1, (2, 3), {"a": (4,)}],
                    is_leaf=lambda x: isinstance(x, tuple))
  assert out == [-1, 2, {"a": 1}]
  out = tu.tree_map(lambda x, y: (x, y), [None, 2], [5, 6],
                    is_leaf=lambda x: x is None)
  assert out == [(None, 5), (2, 6)]


@pytest.mark.parametrize("tree,other,message", [
    ((1, 2), (1,),
     "pytree structure error: different lengths of tuple at key path\n"
     "    tree_map tree\n"
     "At that key path, the prefix pytree tree_map tree has a subtree of type "
     "tuple of length 2, but the full pytree has a subtree of the same type but"
     " of length 1."),
    ({"a": 1, "b": [1, 2]}, {"a": 1, "b": [1, 2, 3]},
     "pytree structure error: different lengths of list at key path\n"
     "    tree_map tree['b']\n"
     "At that key path, the prefix pytree tree_map tree has a subtree of type "
     "list of length 2, but the full pytree has a subtree of the same type but"
     " of length 3."),
    ({"a": [1, (2,)]}, {"a": [1, [2]]},
     "pytree structure error: different types at key path\n"
     "    tree_map tree['a'][1]\n"
     "At that key path, the prefix pytree tree_map tree has a subtree of type\n"
     "    <class 'tuple'>\n"
     "but at the same key path the full pytree has a subtree of different "
     "type\n    <class 'list'>."),
    ({"a": 1, "b": None}, {"a": 1, "b": 3},
     "pytree structure error: different types at key path\n"
     "    tree_map tree['b']\n"
     "At that key path, the prefix pytree tree_map tree has a subtree of type\n"
     "    <class 'NoneType'>\n"
     "but at the same key path the full pytree has a subtree of different "
     "type\n    <class 'int'>."),
    ({"a": 1}, {"a": 1, "b": 2},
     "pytree structure error: different numbers of pytree children at key "
     "path\n    tree_map tree\n"
     "At that key path, the prefix pytree tree_map tree has a subtree of type\n"
     "    <class 'dict'>\nwith 1 child keys\n    a\n"
     "but at the same key path the full pytree has a subtree of the same type "
     "but with 2 child keys\n    a b\n"
     "so the symmetric difference on key sets is\n    b"),
    ({"a": 1, "b": [1, 2]}, {"a": 1, "c": [1, 2]},
     "pytree structure error: different pytree metadata at key path\n"
     "    tree_map tree\n"
     "At that key path, the prefix pytree tree_map tree has a subtree of type\n"
     "    <class 'dict'>\nwith metadata\n    ('a', 'b')\n"
     "but at the same key path the full pytree has a subtree of the same type "
     "but with metadata\n    ('a', 'c')\n"
     "so the diff in the metadata at these pytree nodes is\n"
     "    - ('a', 'b')\n    ?        ^\n\n    + ('a', 'c')\n    ?        ^\n"),
])
def test_tree_map_mismatch_messages(tree, other, message):
  with pytest.raises(ValueError) as e:
    tu.tree_map(lambda *xs: None, tree, other)
  assert str(e.value) == message


# ----------------------------------------------------------------------------
# Key paths.

def test_key_classes():
  keys = [tu.SequenceKey(0), tu.DictKey("a"), tu.GetAttrKey("x"),
          tu.FlattenedIndexKey(3)]
  assert [repr(k) for k in keys] == [
      "SequenceKey(idx=0)", "DictKey(key='a')", "GetAttrKey(name='x')",
      "FlattenedIndexKey(key=3)"]
  assert [str(k) for k in keys] == ["[0]", "['a']", ".x", "[<flat index 3>]"]
  assert tu.SequenceKey(0) == tu.SequenceKey(0)
  assert tu.SequenceKey(0) != tu.FlattenedIndexKey(0)
  assert tu.SequenceKey(0) != 0
  assert hash(tu.DictKey("a")) == hash(tu.DictKey("a"))
  assert (keys[0].idx, keys[1].key, keys[2].name, keys[3].key) == \
      (0, "a", "x", 3)
  with pytest.raises(AttributeError):
    keys[0].idx = 1
  with pytest.raises(TypeError):
    tu.SequenceKey("a")
  with pytest.raises(TypeError):
    hash(tu.DictKey([1]))
  assert [pickle.loads(pickle.dumps(k)) for k in keys] == keys
  match keys[1]:
    case tu.DictKey(key=k):
      assert k == "a"
    case _:
      pytest.fail("DictKey does not support pattern matching")


def test_flatten_with_path_and_keystr():
  tree = {"b": [1, P(2, (3,))], "a": OrderedDict(z=4, y=5), "c": None,
          "d": defaultdict(int, {"q": 6})}
  pairs, td = tu.tree_flatten_with_path(tree)
  assert td == tu.tree_structure(tree)
  assert [leaf for _, leaf in pairs] == tu.tree_leaves(tree)
  assert [tu.keystr(p) for p, _ in pairs] == [
      "['a']['z']", "['a']['y']", "['b'][0]", "['b'][1].x", "['b'][1].y[0]",
      "['d']['q']"]
  assert [tu.keystr(p, simple=True, separator="/") for p, _ in pairs] == [
      "a/z", "a/y", "b/0", "b/1/x", "b/1/y/0", "d/q"]
  assert pairs[3][0] == (tu.DictKey("b"), tu.SequenceKey(1),
                         tu.GetAttrKey("x"))
  assert tu.keystr((0, "a")) == "0a"
  assert tu.tree_flatten_with_path(5) == ([((), 5)], tu.tree_structure(5))


def test_paths_for_partial_and_unkeyed_custom_nodes():
  pairs = tu.tree_leaves_with_path({"c": tu.Partial(max, 5)})
  assert pairs == [((tu.DictKey("c"), tu.FlattenedIndexKey(0),
                     tu.SequenceKey(0)), 5)]


def test_leaves_with_path_is_leaf_takes_path():
  out = tu.tree_leaves_with_path(
      [1, (2,)], is_leaf=lambda p, x: isinstance(x, tuple),
      is_leaf_takes_path=True)
  assert out == [((tu.SequenceKey(0),), 1), ((tu.SequenceKey(1),), (2,))]
  out = tu.tree_leaves_with_path([1, (2,)],
                                 is_leaf=lambda x: isinstance(x, tuple))
  assert [x for _, x in out] == [1, (2,)]


def test_tree_map_with_path():
  out = tu.tree_map_with_path(lambda p, x, y: (tu.keystr(p), x, y),
                              [1, (2,)], [3, (4,)])
  assert out == [("[0]", 1, 3), (("[1][0]", 2, 4),)]
  with pytest.raises(ValueError, match=r"tree_map_with_path tree\[1\]"):
    tu.tree_map_with_path(lambda p, x, y: x, [1, (2,)], [3, [4]])


# ----------------------------------------------------------------------------
# Custom registration.

def test_register_pytree_node_and_duplicate_error():
  class Box:
    def __init__(self, a, b, tag):
      self.a, self.b, self.tag = a, b, tag

  tu.register_pytree_node(Box, lambda x: ((x.a, x.b), x.tag),
                          lambda tag, ch: Box(*ch, tag))
  leaves, td = tu.tree_flatten([Box(1, (2, 3), "t")])
  assert leaves == [1, 2, 3]
  assert repr(td) == "PyTreeDef([CustomNode(Box[t], [*, (*, *)])])"
  out = td.unflatten([4, 5, 6])[0]
  assert (out.a, out.b, out.tag) == (4, (5, 6), "t")
  assert td != tu.tree_structure([Box(1, (2, 3), "u")])  # aux data differs
  pairs = tu.tree_leaves_with_path(Box(1, 2, "t"))
  assert [p for p, _ in pairs] == [(tu.FlattenedIndexKey(0),),
                                   (tu.FlattenedIndexKey(1),)]
  with pytest.raises(ValueError, match="Duplicate custom PyTreeDef type "
                     "registration for <class '.*Box'>."):
    tu.register_pytree_node(Box, lambda x: ((), None), lambda a, c: None)
  with pytest.raises(ValueError, match="Duplicate custom PyTreeDef type "
                     "registration for <class 'tuple'>."):
    tu.register_pytree_node(tuple, lambda x: ((), None), lambda a, c: None)


def test_register_after_seen_as_leaf():
  # Instances flattened before registration are cached as leaves; registering
  # must take effect immediately.
  class Late:
    def __init__(self, v):
      self.v = v

  assert len(tu.tree_leaves([Late(1), Late(2)])) == 2
  tu.register_pytree_node(Late, lambda x: ((), x.v), lambda v, _: Late(v))
  assert tu.tree_leaves([Late(1), Late(2)]) == []
  assert tu.is_tree_node(Late)


def test_registered_namedtuple_overrides_heuristic():
  Q = namedtuple("Q", "a b")
  assert tu.tree_leaves(Q(1, 2)) == [1, 2]
  tu.register_pytree_node(Q, lambda q: ((q.b,), q.a),
                          lambda a, ch: Q(a, *ch))
  leaves, td = tu.tree_flatten(Q(1, 2))
  assert leaves == [2] and td.unflatten([5]) == Q(1, 5)


def test_custom_flatten_must_return_pair():
  class Bad:
    pass
  tu.register_pytree_node(Bad, lambda x: [1], lambda a, c: Bad())
  with pytest.raises(ValueError, match=r"should return a \(children, "
                     r"aux_data\) tuple, got \[1\]"):
    tu.tree_flatten(Bad())


def test_register_pytree_with_keys():
  class Pt:
    def __init__(self, x, y):
      self.x, self.y = x, y

  tu.register_pytree_with_keys(
      Pt, lambda p: (((tu.GetAttrKey("x"), p.x), (tu.GetAttrKey("y"), p.y)),
                     None),
      lambda _, ch: Pt(*ch))
  pairs, td = tu.tree_flatten_with_path({"p": Pt(1, [2])})
  assert [tu.keystr(p) for p, _ in pairs] == ["['p'].x", "['p'].y[0]"]
  assert tu.tree_leaves(Pt(1, [2])) == [1, 2]  # derived flatten_func
  assert td.unflatten([3, 4])["p"].y == [4]


def test_register_pytree_node_class_and_with_keys_class():
  @tu.register_pytree_node_class
  class Pair:
    def __init__(self, a, b):
      self.a, self.b = a, b

    def tree_flatten(self):
      return (self.a, self.b), None

    @classmethod
    def tree_unflatten(cls, aux, children):
      return cls(*children)

  out = tu.tree_map(lambda x: x * 2, Pair(1, 2))
  assert type(out) is Pair and (out.a, out.b) == (2, 4)

  @tu.register_pytree_with_keys_class
  class Special:
    def __init__(self, x):
      self.x = x

    def tree_flatten_with_keys(self):
      return ((tu.GetAttrKey("x"), self.x),), None

    @classmethod
    def tree_unflatten(cls, aux, children):
      return cls(*children)

  assert tu.keystr(tu.tree_leaves_with_path(Special(1))[0][0]) == ".x"


def test_register_dataclass_inferred_fields():
  @tu.register_dataclass
  @dataclasses.dataclass
  class D:
    x: int
    y: int
    op: str = dataclasses.field(default="add", metadata=dict(static=True))

  leaves, td = tu.tree_flatten(D(1, 2))
  assert leaves == [1, 2]
  assert repr(td) == "PyTreeDef(CustomNode(D[('add',)], [*, *]))"
  assert td.unflatten([5, 6]) == D(5, 6)
  assert [tu.keystr(p) for p, _ in tu.tree_leaves_with_path(D(1, 2))] == \
      [".x", ".y"]
  with pytest.raises(ValueError) as e:
    td.flatten_up_to(D(1, 2, "sub"))
  assert str(e.value) == ("Mismatch custom dataclass node data: ('add',) != "
                          "('sub',); value: " + repr(D(1, 2, "sub")) + ".")
  with pytest.raises(ValueError, match="Custom dataclass node type mismatch"):
    td.flatten_up_to((1, 2))


def test_register_dataclass_explicit_fields_and_jax_tree_static():
  @dataclasses.dataclass
  class E:
    a: int
    b: str
    c: int = jtree.static(default=0)

  tu.register_dataclass(E, data_fields=["a"], meta_fields=["b", "c"])
  leaves, td = tu.tree_flatten(E(1, "s"))
  assert leaves == [1] and td.unflatten([9]) == E(9, "s")
  assert dataclasses.fields(E)[2].metadata["static"] is True


def test_register_dataclass_errors():
  @dataclasses.dataclass
  class F:
    x: int
    y: int

  with pytest.raises(ValueError, match=r"Missing fields: \{'y'\}"):
    tu.register_dataclass(F, data_fields=["x"], meta_fields=[])
  with pytest.raises(ValueError, match=r"Unexpected fields: \{'z'\}"):
    tu.register_dataclass(F, data_fields=["x", "y", "z"], meta_fields=[])
  with pytest.raises(ValueError, match="must not overlap"):
    tu.register_dataclass(F, data_fields=["x", "y"], meta_fields=["y"])
  with pytest.raises(TypeError, match="must both be specified"):
    tu.register_dataclass(F, data_fields=["x"])
  with pytest.raises(TypeError, match="required when nodetype is not a "
                     "dataclass"):
    tu.register_dataclass(type("NotDC", (), {}))
  tu.register_dataclass(F, data_fields=["x"], meta_fields=[],
                        drop_fields=["y"])
  assert tu.tree_leaves(F(1, 2)) == [1]


def test_register_static():
  @tu.register_static
  class S:
    def __init__(self, v):
      self.v = v

    def __eq__(self, other):
      return isinstance(other, S) and other.v == self.v

    def __hash__(self):
      return hash(self.v)

    def __repr__(self):
      return f"S({self.v})"

  leaves, td = tu.tree_flatten([S(1), 2])
  assert leaves == [2]
  assert repr(td) == "PyTreeDef([CustomNode(S[S(1)], []), *])"
  assert td.unflatten([3])[0] == S(1)
  assert td != tu.tree_structure([S(2), 2])


# ----------------------------------------------------------------------------
# Partial.

def test_partial_is_a_pytree_and_a_function():
  add = tu.Partial(lambda a, b, c=0: a + b + c, 1, c=10)
  assert add(2) == 13
  leaves, td = tu.tree_flatten(add)
  assert leaves == [1, 10]
  rebuilt = td.unflatten([100, 1000])
  assert type(rebuilt) is tu.Partial and rebuilt(2) == 1102
  assert tu.tree_map(lambda x: x * 2, add)(0) == 22
  assert repr(tu.Partial(max, 1)) == "Partial(<built-in function max>, 1)"
  assert tu.tree_structure(tu.Partial(max, 1)) == \
      tu.tree_structure(tu.Partial(max, 2))
  assert tu.tree_structure(tu.Partial(max, 1)) != \
      tu.tree_structure(tu.Partial(min, 1))


def test_partial_of_partial_keeps_inner_arguments_static():
  inner = functools.partial(lambda a, b, c: (a, b, c), 1)
  p = tu.Partial(inner, 2)
  assert p(3) == (1, 2, 3)
  assert tu.tree_leaves(p) == [2]
  assert p.args == (2,) and p.func.args == (1,)
  assert tu.tree_map(lambda x: x * 10, p)(3) == (1, 20, 3)
  assert tu.tree_leaves(tu.Partial(tu.Partial(max, 1), 2)) == [2]


# ----------------------------------------------------------------------------
# Other utilities.

def test_tree_transpose():
  outer = tu.tree_structure([0, 0])
  inner = tu.tree_structure((0, 0, 0))
  tree = [(1, 2, 3), (4, 5, 6)]
  assert tu.tree_transpose(outer, inner, tree) == ([1, 4], [2, 5], [3, 6])
  assert tu.tree_transpose(outer, None, tree) == ([1, 4], [2, 5], [3, 6])
  assert tu.tree_transpose(tu.tree_structure({"x": 0, "y": 0}),
                           tu.tree_structure([0, 0]),
                           {"x": [1, 2], "y": [3, 4]}) == \
      [{"x": 1, "y": 3}, {"x": 2, "y": 4}]
  with pytest.raises(TypeError) as e:
    tu.tree_transpose(outer, tu.tree_structure((0, 0)), tree)
  assert str(e.value) == ("Mismatch\nPyTreeDef([(*, *, *), (*, *, *)])\n != \n"
                          "PyTreeDef([(*, *), (*, *)])")


def test_reduce_all_and_friends():
  assert tu.tree_reduce(lambda a, b: a + b, [1, (2, {"a": 3})]) == 6
  assert tu.tree_reduce(lambda a, b: a + b, [], 10) == 10
  assert tu.tree_reduce(lambda a, b: a + [b], [1, 2], []) == [1, 2]
  with pytest.raises(TypeError):
    tu.tree_reduce(lambda a, b: a + b, [])
  assert tu.tree_reduce_associative(lambda a, b: f"({a}{b})", [1, 2, 3]) == \
      "(1(23))"
  with pytest.raises(TypeError, match="Must specify identity"):
    tu.tree_reduce_associative(lambda a, b: a + b, [])
  assert tu.tree_reduce_associative(lambda a, b: a + b, [], identity=0) == 0
  assert tu.tree_all([1, True, {"a": 2}]) and tu.tree_all([])
  assert not tu.tree_all([1, True, {"a": 0}])
  assert tu.tree_all([0, 1], is_leaf=lambda x: isinstance(x, list))


def test_all_leaves_and_is_tree_node():
  assert tu.all_leaves([1, 2]) and not tu.all_leaves([1, (2,)])
  assert not tu.all_leaves([None])
  assert tu.all_leaves([None], is_leaf=lambda x: x is None)
  assert tu.all_leaves([1, (2,)], is_leaf=lambda x: isinstance(x, tuple))
  assert [tu.is_tree_node(t) for t in (list, P, int, type(None))] == \
      [True, True, False, True]


def test_flatten_one_level():
  assert tu.flatten_one_level({"b": 1, "a": 2}) == ((2, 1), ("a", "b"))
  assert tu.flatten_one_level((1, 2)) == ((1, 2), None)
  assert tu.flatten_one_level(P(1, 2)) == ([1, 2], P)
  assert tu.flatten_one_level(None) == ((), None)
  with pytest.raises(ValueError, match="can't tree-flatten type: "
                     "<class 'int'>"):
    tu.flatten_one_level(1)
  assert tu.flatten_one_level_with_keys([1]) == (((tu.SequenceKey(0), 1),),
                                                 None)


def test_tree_broadcast():
  assert tu.tree_broadcast([1, 2], [[3, 4], {"a": 5}]) == [[1, 1], {"a": 2}]
  with pytest.raises(ValueError, match="broadcast_prefix prefix_tree"):
    tu.tree_broadcast([1, 2], [[3, 4], {"a": 5}, 3])


def test_jax_tree_aliases():
  tree = {"a": [1, 2], "b": (3,)}
  leaves, td = jtree.flatten(tree)
  assert jtree.unflatten(td, leaves) == tree
  assert jtree.leaves(tree) == [1, 2, 3]
  assert jtree.structure(tree) == td
  assert jtree.map(lambda x, y: x * y, tree, tree) == \
      {"a": [1, 4], "b": (9,)}
  assert jtree.reduce(lambda a, b: a + b, tree) == 6
  assert jtree.all(tree) and not jtree.all([0])
  assert jtree.map_with_path(lambda p, x: tu.keystr(p), [1]) == ["[0]"]
  assert [x for _, x in jtree.leaves_with_path(tree)] == [1, 2, 3]
  assert jtree.flatten_with_path(tree)[1] == td
  assert jtree.transpose(jtree.structure([0, 0]), None, [(1, 2), (3, 4)]) \
      == ([1, 3], [2, 4])
  assert jtree.broadcast(0, [1, 2]) == [0, 0]
  assert jtree.reduce_associative(lambda a, b: a + b, [1, 2]) == 3


# ----------------------------------------------------------------------------
# Property test.

Leaf = st.one_of(st.integers(), st.floats(allow_nan=False), st.text(max_size=3))
KeyText = st.text("abcdef", min_size=1, max_size=3)


def _containers(children):
  return st.one_of(
      st.tuples() | st.lists(children, max_size=4).map(tuple),
      st.lists(children, max_size=4),
      st.dictionaries(KeyText, children, max_size=4),
      st.builds(P, children, children),
      st.dictionaries(KeyText, children, max_size=3).map(OrderedDict),
      st.dictionaries(KeyText, children, max_size=3).map(
          lambda d: defaultdict(list, d)),
      st.just(None),
  )


Trees = st.recursive(Leaf, _containers, max_leaves=20)


def _naive_leaves(x):
  if x is None:
    return []
  if isinstance(x, (OrderedDict,)):
    return [l for v in x.values() for l in _naive_leaves(v)]
  if isinstance(x, dict):
    return [l for k in sorted(x) for l in _naive_leaves(x[k])]
  if isinstance(x, (list, tuple)):
    return [l for v in x for l in _naive_leaves(v)]
  return [x]


def _get(tree, path):
  for k in path:
    if isinstance(k, tu.SequenceKey):
      tree = tree[k.idx]
    elif isinstance(k, tu.DictKey):
      tree = tree[k.key]
    else:
      tree = getattr(tree, k.name)
  return tree


@settings(max_examples=300, deadline=None)
@given(Trees)
def test_round_trip_property(tree):
  leaves, td = tu.tree_flatten(tree)
  assert leaves == _naive_leaves(tree)
  assert td.num_leaves == len(leaves)
  rebuilt = td.unflatten(leaves)
  assert same(rebuilt, tree)
  td2 = tu.tree_structure(rebuilt)
  assert td2 == td and hash(td2) == hash(td)
  assert td.flatten_up_to(tree) == leaves
  assert pickle.loads(pickle.dumps(td)) == td
  children = td.children()
  assert sum(c.num_leaves for c in children) == td.num_leaves or not children
  pairs, td3 = tu.tree_flatten_with_path(tree)
  assert td3 == td
  for path, leaf in pairs:
    assert _get(tree, path) == leaf
  # Replacing leaves by their index rebuilds the same structure.
  assert tu.tree_leaves(td.unflatten(range(td.num_leaves))) == \
      list(range(td.num_leaves))
