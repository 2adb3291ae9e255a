"""``flax.serialization`` for jaxlite: state dicts and the msgpack byte format."""
# ruff: noqa: F401
from jaxlite.flax._src.serialization import (
    current_path, from_bytes, from_state_dict, is_serializable, msgpack_restore,
    msgpack_serialize, register_serialization_state, to_bytes, to_state_dict)
