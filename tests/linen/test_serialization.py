"""flax.serialization and flax.struct / flax.core containers."""
import collections
import os

import ml_dtypes
import numpy as np
import pytest

import jaxlite
import jaxlite.numpy as jnp
from jaxlite.flax import serialization, struct
from jaxlite.flax.core import FrozenDict, copy, freeze, pop, unfreeze
from jaxlite.flax.training import checkpoints

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures")

# Bytes written by the real flax.serialization.to_bytes for the trees below.
REAL_FLAX_BYTES = bytes.fromhex(
    "87a177c7260193920203a7666c6f61743332c418000000000000803f0000004000004040000080400000a040"
    "a162c71201939102a862666c6f61743136c404c03f00c0a16e86a13001a131d1ff38a132cb400c0000000000"
    "00a133a2c3a9a134c0a135c3a163c7130292cb3ff0000000000000cb4000000000000000a173c712039390a5"
    "696e743634c408fbffffffffffffffa3626967cf8000000000000000a16580")
REAL_FLAX_BYTES_2 = bytes.fromhex(
    "82a178c70b01939100a575696e7438c400a168c71101939102a7666c6f61743136c404003c0040")


def sample_tree():
  return {"w": np.arange(6, dtype=np.float32).reshape(2, 3),
          "b": jnp.array([1.5, -2.0], jnp.bfloat16), "n": [1, -200, 3.5, "é", None, True],
          "c": 1 + 2j, "s": np.int64(-5), "big": 2**63, "e": {}}


def test_to_bytes_matches_real_flax_byte_for_byte():
  assert serialization.to_bytes(sample_tree()) == REAL_FLAX_BYTES
  tree2 = {"x": np.zeros((0,), np.uint8), "h": np.array([1, 2], np.float16)}
  assert serialization.to_bytes(tree2) == REAL_FLAX_BYTES_2


def test_from_bytes_restores_every_dtype():
  restored = serialization.from_bytes(sample_tree(), REAL_FLAX_BYTES)
  assert restored["b"].dtype == ml_dtypes.bfloat16
  np.testing.assert_array_equal(restored["b"].astype(np.float32), [1.5, -2.0])
  np.testing.assert_array_equal(restored["w"], np.arange(6).reshape(2, 3))
  assert restored["n"] == [1, -200, 3.5, "é", None, True]
  assert restored["c"] == 1 + 2j and restored["s"] == -5 and restored["s"].dtype == np.int64
  for dtype in (np.bool_, np.int8, np.uint16, np.int32, np.uint64, np.float16, np.float64,
                np.complex64, ml_dtypes.float8_e4m3fn, ml_dtypes.int4):
    x = np.arange(6).reshape(3, 2).astype(dtype)
    back = serialization.msgpack_restore(serialization.msgpack_serialize({"x": x}))["x"]
    assert back.dtype == x.dtype and back.shape == x.shape
    assert back.tobytes() == x.tobytes()


def test_state_dict_round_trip_into_target():
  NT = collections.namedtuple("NT", "a b")

  @struct.dataclass
  class Box:
    value: object
    label: str = struct.field(pytree_node=False, default="box")

  target = {"nt": NT(1, jnp.zeros(2)), "box": Box(jnp.ones(3)), "tup": (1, 2),
            "frozen": freeze({"k": jnp.zeros(1)})}
  state = serialization.to_state_dict(target)
  assert state["nt"].keys() == {"a", "b"} and state["tup"] == {"0": 1, "1": 2}
  assert state["box"].keys() == {"value"}
  new = jaxlite.tree_util.tree_map(lambda x: x + 1, target)
  back = serialization.from_bytes(target, serialization.to_bytes(new))
  assert isinstance(back["nt"], NT) and isinstance(back["box"], Box)
  assert isinstance(back["frozen"], FrozenDict) and back["tup"] == (2, 3)
  np.testing.assert_array_equal(back["box"].value, np.full(3, 2.0))
  with pytest.raises(ValueError, match="contains keys {'missing'} which are not present"):
    serialization.from_state_dict({"missing": 1, "nt": 0}, {"nt": 0})


def test_register_serialization_state():
  class Counter:
    def __init__(self, n):
      self.n = n

  serialization.register_serialization_state(
      Counter, lambda c: {"n": c.n}, lambda c, s: Counter(s["n"]))
  with pytest.raises(ValueError, match='already registered'):
    serialization.register_serialization_state(Counter, None, None)
  back = serialization.from_bytes(Counter(0), serialization.to_bytes(Counter(7)))
  assert isinstance(back, Counter) and back.n == 7


def test_truncated_and_corrupt_data_raise_clear_errors():
  data = serialization.to_bytes(sample_tree())
  with pytest.raises(ValueError, match="incomplete input"):
    serialization.msgpack_restore(data[:-5])
  with pytest.raises(ValueError, match="extra data"):
    serialization.msgpack_restore(data + b"\x00")
  # An array record whose buffer does not match its shape is refused.
  bad = bytearray(REAL_FLAX_BYTES_2)
  bad[bad.index(b"\x93\x91\x00") + 2] = 0x05
  with pytest.raises(ValueError, match="holds 0 bytes"):
    serialization.msgpack_restore(bytes(bad))


def test_restore_file_written_by_real_flax():
  path = os.path.join(FIXTURES, "flax_ckpt_7")
  state = checkpoints.restore_checkpoint(path, target=None)
  extra = state["extra"]
  assert extra["name"] == "xor" and extra["scalar"] == np.float32(0.25)
  assert extra["bf16"].dtype == ml_dtypes.bfloat16
  np.testing.assert_array_equal(extra["i8"], np.array([-3, 7], np.int8))
  params = state["state"]["params"]["params"]
  np.testing.assert_allclose(params["Dense_0"]["kernel"][0], [-1.0536668300628662,
                                                               0.33564046025276184])
  assert state["state"]["step"] == 1
  # Directory + prefix lookup finds it too.
  again = checkpoints.restore_checkpoint(FIXTURES, None, prefix="flax_ckpt_")
  np.testing.assert_array_equal(again["extra"]["i8"], extra["i8"])


def test_frozen_dict_api():
  fd = freeze({"a": {"b": 1}, "c": 2})
  assert isinstance(fd["a"], FrozenDict) and hash(fd) == hash(freeze({"c": 2, "a": {"b": 1}}))
  with pytest.raises(ValueError, match="FrozenDict is immutable."):
    fd["c"] = 3
  rest, a = fd.pop("a")
  assert dict(rest) == {"c": 2} and a == freeze({"b": 1})
  assert unfreeze(fd) == {"a": {"b": 1}, "c": 2} and type(unfreeze(fd)["a"]) is dict
  assert copy(fd, {"d": 4})["d"] == 4 and "d" not in fd
  assert pop({"x": 1, "y": 2}, "x") == ({"y": 2}, 1)
  assert jaxlite.tree_util.tree_leaves(freeze({"z": 1, "a": 2})) == [2, 1]  # sorted keys
  assert repr(freeze({"a": 1})) == "FrozenDict({\n    a: 1,\n})"


def test_struct_dataclass():
  @struct.dataclass
  class Point:
    x: object
    y: object
    tag: str = struct.field(pytree_node=False, default="p")

  p = Point(1.0, 2.0)
  assert jaxlite.tree_util.tree_leaves(p) == [1.0, 2.0]
  moved = jaxlite.tree_util.tree_map(lambda v: v * 10, p)
  assert moved == Point(10.0, 20.0) and moved.tag == "p"
  assert p.replace(x=5.0).x == 5.0
  with pytest.raises(Exception):
    p.x = 3.0  # frozen

  class Node(struct.PyTreeNode):
    a: object
    meta: int = struct.field(pytree_node=False, default=0)

  n = jaxlite.jit(lambda n: n.replace(a=n.a + 1))(Node(jnp.ones(2), meta=3))
  assert n.meta == 3 and np.asarray(n.a).tolist() == [2.0, 2.0]
