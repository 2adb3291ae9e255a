"""NNX core: Variables, Modules (data/static attributes), State, filters, split/merge with
shared references, update, clone, iteration; behaviour checked against Flax 0.12.8."""
import warnings

import numpy as np
import pytest

import jaxlite as jax
import jaxlite.numpy as jnp
from jaxlite.flax import nnx


class Block(nnx.Module):
  def __init__(self):
    self.w = nnx.Param(jnp.ones(2))
    self.b = nnx.BatchStat(jnp.zeros(1))


class Tied(nnx.Module):
  """A sub-module reachable twice, and a Variable shared with it."""

  def __init__(self):
    self.a = Block()
    self.b = self.a
    self.v = self.a.w
    self.layers = nnx.List([Block(), Block()])
    self.n = 3


def test_variable_access_and_mutation():
  v = nnx.Param(jnp.arange(3.))
  assert v[...].tolist() == [0., 1., 2.] and v.shape == (3,)
  v[...] = jnp.ones(3)
  v[1] = 5.
  assert v.get_value().tolist() == [1., 5., 1.]
  assert (v + 1).tolist() == [2., 6., 2.] and (2 * v).tolist() == [2., 10., 2.]
  with pytest.warns(DeprecationWarning, match=r"'\.value' access is now deprecated"):
    assert v.value.tolist() == [1., 5., 1.]
  with pytest.raises(NotImplementedError, match=r"Use `variable\[\.\.\.\] \+= x`"):
    v += 1
  v.set_metadata(tag="x")
  assert v.tag == "x" and v.get_metadata("tag") == "x"
  assert v.get_metadata(exclude_required=True) == {"tag": "x"}
  assert isinstance(jax.tree_util.tree_leaves(v)[0], jax.Array)


def test_variable_metadata_and_repr():
  with pytest.warns(DeprecationWarning, match="'sharding' is deprecated"):
    v = nnx.Param(jnp.zeros((2, 3)), sharding=("a", None))
  assert v.out_sharding == ("a", None)
  assert repr(nnx.BatchStat(jnp.array([0.]))) == (
      "BatchStat( # 1 (4 B)\n  value=Array([0.], dtype=float32)\n)")


def test_module_repr_matches_flax_layout():
  text = repr(Block())
  assert text.startswith("Block( # BatchStat: 1 (4 B), Param: 2 (8 B), Total: 3 (12 B)\n")
  assert "w=Param( # 2 (8 B)\n    value=Array(shape=(2,), dtype=dtype('float32'))\n  )" in text
  assert "b=Block(...)" in repr(Tied())


def test_plain_list_of_modules_is_rejected_like_flax():
  class Bad(nnx.Module):
    def __init__(self):
      self.layers = [nnx.Linear(2, 2, rngs=nnx.Rngs(0))]
  with pytest.raises(ValueError, match="Found data on value of type '<class 'list'>' assigned "
                     "to static attribute 'layers'"):
    Bad()

  class Good(nnx.Module):
    def __init__(self):
      self.layers = nnx.data([jnp.zeros(1), 2])
      self.sizes = [1, 2]  # static: no data inside
  st = nnx.state(Good())
  assert list(nnx.to_flat_state(st).paths) == [("layers", 0)]


def test_static_attribute_cannot_become_data():
  m = Block()
  m.size = 3
  with pytest.raises(ValueError, match="Cannot assign data value"):
    m.size = jnp.ones(2)
  m.size = nnx.data(jnp.ones(2))
  assert "size" in nnx.state(m)


def test_split_merge_keeps_shared_references():
  m = Tied()
  graphdef, state = nnx.split(m)
  assert state["a"]["w"] is m.a.w  # states hold the module's own Variables
  assert nnx.to_flat_state(state).paths == (
      ("a", "b"), ("a", "w"), ("layers", 0, "b"), ("layers", 0, "w"), ("layers", 1, "b"),
      ("layers", 1, "w"))
  m2 = nnx.merge(graphdef, state)
  assert m2 is not m and m2.a is m2.b and m2.v is m2.a.w
  assert isinstance(m2.layers, nnx.List) and m2.n == 3
  copy = nnx.merge(graphdef, state, copy=True)
  assert copy.a.w is not m.a.w and copy.v is copy.a.w


def test_split_with_filters():
  m = Tied()
  graphdef, params, rest = nnx.split(m, nnx.Param, ...)
  assert [p[-1] for p in nnx.to_flat_state(params).paths] == ["w"] * 3
  assert [p[-1] for p in nnx.to_flat_state(rest).paths] == ["b"] * 3
  with pytest.raises(ValueError, match="Non-exhaustive filters"):
    nnx.split(m, nnx.Param)
  with pytest.raises(ValueError, match="can only be used as the last filters"):
    nnx.split(m, ..., nnx.Param)
  merged = nnx.merge(graphdef, params, rest)
  assert merged.v is merged.a.w
  only = nnx.state(m, nnx.All(nnx.Param, nnx.PathContains("layers")))
  assert len(nnx.to_flat_state(only)) == 2
  assert len(nnx.to_flat_state(nnx.state(m, nnx.Not(nnx.Param)))) == 3
  assert len(nnx.to_flat_state(nnx.state(m, nnx.Any(nnx.Param, nnx.BatchStat)))) == 6
  assert nnx.to_flat_state(nnx.state(m, nnx.Nothing())).paths == ()
  assert len(nnx.to_flat_state(nnx.state(m, nnx.Everything()))) == 6


def test_graphdef_is_hashable_and_structural():
  g1, g2 = nnx.graphdef(Tied()), nnx.graphdef(Tied())
  assert g1 == g2 and hash(g1) == hash(g2)
  other = Tied()
  other.n = 4
  assert nnx.graphdef(other) != g1


def test_update_with_states_and_pure_dicts():
  m = Tied()
  s = nnx.state(m, nnx.Param)
  s["a"]["w"] = nnx.Param(jnp.full(2, 7.))
  nnx.update(m, s)
  assert m.a.w[...].tolist() == [7., 7.] and m.v[...].tolist() == [7., 7.]
  nnx.update(m, {"a": {"w": jnp.full(2, 9.)}})
  assert m.v[...].tolist() == [9., 9.]


def test_state_methods():
  st = nnx.state(Block())
  with pytest.warns(DeprecationWarning):
    flat = st.flat_state()
  assert flat.paths == (("b",), ("w",))
  pure = nnx.to_pure_dict(st)
  assert set(pure) == {"b", "w"} and isinstance(pure["w"], jax.Array)
  nnx.replace_by_pure_dict(st, {"w": jnp.full(2, 3.)})
  assert st["w"][...].tolist() == [3., 3.] and isinstance(st["w"], nnx.Param)
  params, stats = nnx.split_state(st, nnx.Param, nnx.BatchStat)
  both = nnx.merge_state(params, stats)
  assert set(both) == {"b", "w"}
  assert set(nnx.filter_state(st, nnx.Param)) == {"w"}
  assert list(nnx.restore_int_paths({"l": {"0": 1}})["l"]) == [0]
  assert jax.tree_util.tree_structure(st).num_leaves == 2
  doubled = jax.tree_util.tree_map(lambda x: x * 2, st)
  assert isinstance(doubled, nnx.State) and doubled["w"][...].tolist() == [6., 6.]


def test_modules_are_jax_pytrees():
  m = Block()
  leaves = jax.tree_util.tree_leaves(m)
  assert [x.shape for x in leaves] == [(1,), (2,)]
  m2 = jax.tree_util.tree_map(lambda x: x + 1, m)
  assert isinstance(m2, Block) and m2.w[...].tolist() == [2., 2.]
  assert m.w[...].tolist() == [1., 1.]


def test_clone_iter_graph_iter_modules():
  m = Tied()
  c = nnx.clone(m)
  assert c.a.w is not m.a.w and c.a is c.b
  c.a.w[...] = jnp.zeros(2)
  assert m.a.w[...].tolist() == [1., 1.]
  paths = [p for p, _ in nnx.iter_modules(m)]
  assert paths == [("a",), ("layers", 0), ("layers", 1), ("layers",), ()]
  variables = [p for p, v in nnx.iter_graph(m) if isinstance(v, nnx.Variable)]
  assert ("a", "w") in variables and ("v",) not in variables  # shared: listed once
  assert [k for k, _ in nnx.iter_children(m)] == ["a", "layers"]


def test_pop_and_sow_and_set_attributes():
  m = Block()
  popped = nnx.pop(m, nnx.BatchStat)
  assert list(popped) == ["b"] and not hasattr(m, "b")

  class Sower(nnx.Module):
    def __call__(self, x):
      self.sow(nnx.Intermediate, "h", x * 2)
      return x
  s = Sower()
  with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    s(jnp.ones(1))
    s(jnp.ones(1))
  assert len(s.h.get_value()) == 2 and isinstance(s.h, nnx.Intermediate)

  class Net(nnx.Module):
    def __init__(self):
      self.do = nnx.Dropout(0.5)
      self.bn = nnx.BatchNorm(2, rngs=nnx.Rngs(0))
  net = Net()
  net.eval()
  assert net.do.deterministic is True and net.bn.use_running_average is True
  net.train()
  assert net.do.deterministic is False
  with pytest.raises(ValueError, match="Could not find"):
    net.set_attributes(not_there=1)


def test_rngs_fork_split_and_state():
  r = nnx.Rngs(0, dropout=1)
  r.params()
  st = nnx.state(r)
  assert int(st["default"]["count"][...]) == 1 and int(st["dropout"]["count"][...]) == 0
  forked = r.fork()
  assert set(forked) == {"default", "dropout"} and int(r.default.count[...]) == 2
  split = r.split(3)
  assert split.default.key.shape == (3,)
  assert "dropout" in r and len(r) == 2
  with nnx.split_rngs(r, splits=4):
    assert r.default.key.shape == (4,)
  assert r.default.key.shape == ()
  with pytest.raises(ValueError, match="Invalid rng value"):
    nnx.Rngs("seed")


def test_list_and_dict_containers():
  lst = nnx.List([Block()])
  lst.append(Block())
  lst.insert(0, Block())
  assert len(lst) == 3 and len(nnx.to_flat_state(nnx.state(lst))) == 6
  del lst[0]
  assert len(lst) == 2 and list(nnx.state(lst)) == [0, 1]
  d = nnx.Dict(a=Block())
  d["b"] = Block()
  assert sorted(d) == ["a", "b"] and set(nnx.state(d)) == {"a", "b"}
