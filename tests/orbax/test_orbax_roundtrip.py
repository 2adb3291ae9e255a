"""Save -> restore round trips through jaxlite.orbax.checkpoint (expected behaviour taken
from orbax-checkpoint 0.12.8: leaf types, dtype casts, partial restores, metadata)."""
import collections

import ml_dtypes
import numpy as np
import pytest

pytest.importorskip("tensorstore")

import jaxlite  # noqa: E402
import jaxlite.numpy as jnp  # noqa: E402
import jaxlite.orbax.checkpoint as ocp  # noqa: E402

Point = collections.namedtuple("Point", ["x", "y"])
DTYPES = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
          "float16", "float32", "float64", "complex64", "complex128", "bfloat16",
          "float8_e4m3fn", "float8_e5m2", "int4"]


def _dtype(name):
  return np.dtype(getattr(ml_dtypes, name, name))


def _sample(name, shape=(2, 3)):
  dt = _dtype(name)
  if dt.kind == "b":
    return (np.arange(np.prod(shape)) % 2 == 0).reshape(shape)
  return (np.arange(np.prod(shape)) - 2).reshape(shape).astype(dt)


def _same(a, b):
  a, b = np.asarray(a), np.asarray(b)
  return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(
      a.astype(np.complex128) if a.dtype.kind != "b" else a,
      b.astype(np.complex128) if b.dtype.kind != "b" else b)


@pytest.mark.parametrize("use_zarr3", [True, False])
def test_every_dtype_round_trips_as_numpy(tmp_path, use_zarr3):
  tree = {name: _sample(name) for name in DTYPES}
  ckptr = ocp.PyTreeCheckpointer(use_zarr3=use_zarr3)
  ckptr.save(tmp_path / "c", tree)
  restored = ckptr.restore(tmp_path / "c")
  for name in DTYPES:
    assert type(restored[name]) is np.ndarray, name
    assert _same(restored[name], tree[name]), name


def test_jaxlite_arrays_come_back_as_arrays(tmp_path):
  tree = {"f32": jnp.arange(6.0).reshape(2, 3), "bf16": jnp.ones(4, jnp.bfloat16),
          "i32": jnp.arange(3), "b": jnp.array([True, False]), "f16": jnp.zeros(2, jnp.float16)}
  with ocp.StandardCheckpointer() as ckptr:
    ckptr.save(tmp_path / "c", tree)
    restored = ckptr.restore(tmp_path / "c")
  for name, value in tree.items():
    assert isinstance(restored[name], jaxlite.Array), name
    assert _same(restored[name], value), name


def test_scalars_empty_arrays_none_and_empty_containers(tmp_path):
  tree = {"int": 7, "float": 2.5, "bool": True, "np_scalar": np.float32(1.25),
          "zero_d": np.array(3, np.int16), "empty": np.zeros((0, 3), np.float32),
          "empty_array": jnp.zeros((2, 0)), "none": None, "d": {}, "l": [], "t": ()}
  ckptr = ocp.PyTreeCheckpointer()
  ckptr.save(tmp_path / "c", tree)
  got = ckptr.restore(tmp_path / "c")
  assert got["int"] == 7 and type(got["int"]) is int
  assert got["float"] == 2.5 and type(got["float"]) is float
  assert got["bool"] is True
  assert _same(got["np_scalar"], np.array(1.25, np.float32))  # saved as a 0-d np.ndarray
  assert _same(got["zero_d"], tree["zero_d"])
  assert _same(got["empty"], tree["empty"])
  assert isinstance(got["empty_array"], jaxlite.Array) and got["empty_array"].shape == (2, 0)
  assert got["none"] is None and got["d"] == {} and got["l"] == [] and got["t"] == ()


def test_nested_containers_without_target_become_dicts_and_lists(tmp_path):
  tree = {"a": (np.ones(2), [np.zeros(1), {"b": np.arange(3)}]), "p": Point(np.ones(1), 4),
          "deep": {"x": {"y": {"z": [None, np.full((2,), 5)]}}}}
  ckptr = ocp.PyTreeCheckpointer()
  ckptr.save(tmp_path / "c", tree)
  got = ckptr.restore(tmp_path / "c")
  # Orbax rebuilds tuples as lists and namedtuples as dicts when no target is given.
  assert isinstance(got["a"], list) and isinstance(got["a"][1], list)
  assert _same(got["a"][1][1]["b"], np.arange(3))
  assert set(got["p"]) == {"x", "y"} and got["p"]["y"] == 4
  assert got["deep"]["x"]["y"]["z"][0] is None
  assert _same(got["deep"]["x"]["y"]["z"][1], np.full((2,), 5))
  # With the original as target, the container types come back too.
  again = ckptr.restore(tmp_path / "c", args=ocp.args.PyTreeRestore(tree))
  assert isinstance(again["a"], tuple) and isinstance(again["p"], Point)


def test_sequence_indices_past_nine_keep_their_order(tmp_path):
  tree = {"layers": [np.full((1,), i) for i in range(12)]}
  ckptr = ocp.PyTreeCheckpointer()
  ckptr.save(tmp_path / "c", tree)
  got = ckptr.restore(tmp_path / "c")["layers"]
  assert [int(x[0]) for x in got] == list(range(12))


def test_standard_restore_follows_target_types_and_dtypes(tmp_path):
  # The restored types, dtypes below are what orbax-checkpoint 0.12.8 returns.
  saved = {"a": jnp.ones(3), "b": np.arange(3), "c": 5}
  with ocp.StandardCheckpointer() as ckptr:
    ckptr.save(tmp_path / "c", saved)
    got = ckptr.restore(tmp_path / "c", {"a": np.zeros(3, np.float16),
                                         "b": np.zeros(3, np.int8), "c": 1.0})
    assert type(got["a"]) is np.ndarray and got["a"].dtype == np.float16
    assert type(got["b"]) is np.ndarray and got["b"].dtype == np.int8
    assert got["c"] == 5.0 and type(got["c"]) is float
    got = ckptr.restore(tmp_path / "c", {"a": jnp.zeros(3, jnp.bfloat16), "b": jnp.zeros(3),
                                         "c": 2})
    assert isinstance(got["a"], jaxlite.Array) and got["a"].dtype == jnp.bfloat16
    assert isinstance(got["b"], jaxlite.Array) and got["b"].dtype == np.float32
    assert got["c"] == 5 and type(got["c"]) is int


def test_restore_into_shape_dtype_structs(tmp_path):
  saved = {"w": jnp.arange(6.0).reshape(2, 3), "n": np.arange(4, dtype=np.int16)}
  with ocp.StandardCheckpointer() as ckptr:
    ckptr.save(tmp_path / "c", saved)
    target = {"w": jaxlite.ShapeDtypeStruct((2, 3), jnp.bfloat16),
              "n": jaxlite.ShapeDtypeStruct((4,), np.int32)}
    got = ckptr.restore(tmp_path / "c", target)
  # A jax.Array leaf comes back on the device, a NumPy leaf as NumPy (Orbax's rule:
  # the stored sharding decides).
  assert isinstance(got["w"], jaxlite.Array) and got["w"].dtype == jnp.bfloat16
  assert np.array_equal(np.asarray(got["w"], np.float32), np.arange(6.0).reshape(2, 3))
  assert type(got["n"]) is np.ndarray and got["n"].dtype == np.int32
  # Abstract targets built from item_metadata work the same way.
  meta = ocp.StandardCheckpointer().metadata(tmp_path / "c").item_metadata
  abstract = jaxlite.tree_util.tree_map(ocp.utils.to_shape_dtype_struct, meta)
  got = ocp.StandardCheckpointer().restore(tmp_path / "c", abstract)
  assert _same(got["w"], saved["w"]) and _same(got["n"], saved["n"])


def test_non_strict_restore_pads_and_truncates(tmp_path):
  with ocp.StandardCheckpointer() as ckptr:
    ckptr.save(tmp_path / "c", {"x": np.arange(6.0).reshape(2, 3)})
    got = ckptr.restore(tmp_path / "c", {"x": np.zeros((3, 2))}, strict=False)
  assert np.array_equal(got["x"], [[0.0, 1.0], [3.0, 4.0], [0.0, 0.0]])


def test_partial_restore_of_a_subtree(tmp_path):
  tree = {"params": {"w": np.ones((2, 2)), "b": np.zeros(2)}, "opt": {"mu": np.arange(3)}}
  ckptr = ocp.PyTreeCheckpointer()
  ckptr.save(tmp_path / "c", tree)
  got = ckptr.restore(tmp_path / "c", args=ocp.args.PyTreeRestore(
      item={"opt": {"mu": np.zeros(3)}}, partial_restore=True))
  assert list(got) == ["opt"] and _same(got["opt"]["mu"], np.arange(3))


def test_restore_args_choose_type_and_dtype(tmp_path):
  ckptr = ocp.PyTreeCheckpointer()
  ckptr.save(tmp_path / "c", {"a": jnp.arange(4.0), "b": np.arange(2)})
  got = ckptr.restore(tmp_path / "c", args=ocp.args.PyTreeRestore(restore_args={
      "a": ocp.RestoreArgs(restore_type=np.ndarray, dtype=np.float16),
      "b": ocp.ArrayRestoreArgs(dtype=np.float32)}))
  assert type(got["a"]) is np.ndarray and got["a"].dtype == np.float16
  assert isinstance(got["b"], jaxlite.Array) and got["b"].dtype == np.float32


def test_save_args_cast_before_writing(tmp_path):
  ckptr = ocp.PyTreeCheckpointer()
  ckptr.save(tmp_path / "c", args=ocp.args.PyTreeSave(
      {"w": np.linspace(0, 1, 5)}, save_args={"w": ocp.SaveArgs(dtype=ml_dtypes.bfloat16)}))
  assert ckptr.restore(tmp_path / "c")["w"].dtype == ml_dtypes.bfloat16


def test_strings_json_and_single_arrays(tmp_path):
  ckptr = ocp.Checkpointer(ocp.CompositeCheckpointHandler())
  ckptr.save(tmp_path / "c", args=ocp.args.Composite(
      tree=ocp.args.PyTreeSave({"name": "run-1", "x": np.ones(2)}),
      meta=ocp.args.JsonSave({"lr": 0.1, "layers": [1, 2]}),
      arr=ocp.args.ArraySave(np.arange(4, dtype=np.uint8))))
  got = ckptr.restore(tmp_path / "c")
  assert got.tree["name"] == "run-1"
  assert got["meta"] == {"lr": 0.1, "layers": [1, 2]}
  assert _same(got.arr, np.arange(4, dtype=np.uint8))
  only_meta = ckptr.restore(tmp_path / "c", args=ocp.args.Composite(meta=ocp.args.JsonRestore()))
  assert list(only_meta) == ["meta"]


def test_metadata_gives_structure_shapes_dtypes_without_data(tmp_path):
  tree = {"w": jnp.ones((3, 4), jnp.bfloat16), "n": np.arange(2), "s": 3.0, "none": None}
  with ocp.StandardCheckpointer() as ckptr:
    ckptr.save(tmp_path / "c", tree)
    meta = ckptr.metadata(tmp_path / "c").item_metadata
  assert isinstance(meta, ocp.metadata.TreeMetadata)
  assert meta["w"].shape == (3, 4) and meta["w"].dtype == jnp.bfloat16
  assert meta["n"].shape == (2,) and meta["n"].dtype == np.int64
  assert isinstance(meta["s"], ocp.metadata.ScalarMetadata) and meta["s"].dtype == np.float64
  assert meta["none"] is None
  leaves = jaxlite.tree_util.tree_leaves(meta)
  assert len(leaves) == 3


def test_async_save_snapshots_mutable_arrays(tmp_path):
  state = {"w": np.zeros(100_000, np.float32), "step": 0}
  with ocp.StandardCheckpointer() as ckptr:
    ckptr.save(tmp_path / "c", state)
    state["w"][:] = 7.0  # a training step changing the buffer while the save runs
    state["step"] = 1
    ckptr.wait_until_finished()
    got = ckptr.restore(tmp_path / "c")
  assert not got["w"].any() and got["step"] == 0


def test_save_refuses_existing_directory_unless_forced(tmp_path):
  ckptr = ocp.PyTreeCheckpointer()
  ckptr.save(tmp_path / "c", {"x": np.ones(1)})
  with pytest.raises(ValueError, match="already exists"):
    ckptr.save(tmp_path / "c", {"x": np.zeros(1)})
  ckptr.save(tmp_path / "c", {"x": np.zeros(1)}, force=True)
  assert ckptr.restore(tmp_path / "c")["x"][0] == 0
  assert [p.name for p in tmp_path.iterdir()] == ["c"]


def test_works_through_the_compat_aliases(tmp_path):
  from jaxlite import compat
  compat.install()
  try:
    import orbax.checkpoint as aliased
    import orbax.checkpoint.args as aliased_args
    assert aliased is ocp and aliased_args.StandardSave is ocp.args.StandardSave
  finally:
    compat.uninstall()


def test_typed_prng_keys_round_trip(tmp_path):
  import jaxlite.random as jr
  keys = {"k": jr.key(3), "ks": jr.split(jr.key(1), 2), "raw": jr.PRNGKey(2)}
  with ocp.StandardCheckpointer() as ckptr:
    ckptr.save(tmp_path / "c", keys)
    for got in (ckptr.restore(tmp_path / "c"), ckptr.restore(tmp_path / "c", keys)):
      assert got["k"].dtype == keys["k"].dtype and got["ks"].shape == (2,)
      assert np.array_equal(jr.key_data(got["ks"]), jr.key_data(keys["ks"]))
      assert got["raw"].dtype == np.uint32
  # Stored as Orbax does: the key data plus the PRNG implementation's name.
  meta = (tmp_path / "c" / "array_metadatas" / "process_0").read_text()
  assert '"random_key_impl": "threefry2x32"' in meta


def test_colliding_parameter_names_are_refused_at_save(tmp_path):
  with pytest.raises(ValueError, match="parameter name 'a.b'"):
    ocp.PyTreeCheckpointer().save(tmp_path / "c", {"a": {"b": 1}, "a.b": 2})
  assert not list(tmp_path.iterdir())


def test_optimizer_state_with_empty_namedtuples_round_trips(tmp_path):
  import jaxlite.optax as optax
  params = {"w": jnp.ones((2, 3)), "b": jnp.zeros(3)}
  state = {"params": params, "opt": optax.adam(1e-3).init(params), "step": 3}
  with ocp.StandardCheckpointer() as ckptr:
    ckptr.save(tmp_path / "c", state)
    abstract = jaxlite.tree_util.tree_map(ocp.utils.to_shape_dtype_struct, state)
    got = ckptr.restore(tmp_path / "c", abstract)
    assert jaxlite.tree_util.tree_structure(got) == jaxlite.tree_util.tree_structure(state)
    assert got["step"] == 3 and type(got["step"]) is int
    # Without a target, optax's EmptyState() comes back as None (Orbax stores it so).
    assert ckptr.restore(tmp_path / "c")["opt"][1] is None


def test_a_none_target_leaf_skips_what_is_stored_there(tmp_path):
  with ocp.StandardCheckpointer() as ckptr:
    ckptr.save(tmp_path / "c", {"a": np.ones(2), "b": {"c": np.zeros(1)}})
    got = ckptr.restore(tmp_path / "c", {"a": None, "b": None})
  assert got == {"a": None, "b": None}
