"""Helpers users call to build restore targets: ``to_shape_dtype_struct`` and
``construct_restore_args``."""
from __future__ import annotations

import numpy as np

import jaxlite
import jaxlite.random
import jaxlite.sharding
from jaxlite import tree_util
from jaxlite.orbax._src import leaf_io
from jaxlite.orbax._src import metadata as md
from jaxlite.orbax._src.handlers import pytree


def _device_sharding():
  return jaxlite.sharding.SingleDeviceSharding(jaxlite.devices()[0])


def to_shape_dtype_struct(x, dtype=None, scalar_dtype=None):
  """An abstract restore target for ``x`` (Orbax's rules): Python and NumPy scalars stay
  scalars; arrays and array metadata become ``ShapeDtypeStruct``s that keep a device
  sharding when ``x`` has one; typed PRNG keys stand for their key data."""
  if leaf_io.is_typed_key(x):
    x = jaxlite.random.key_data(x)
  if isinstance(x, (int, float, np.number)):
    return scalar_dtype(x) if scalar_dtype is not None else x
  if isinstance(x, np.ndarray):
    return jaxlite.ShapeDtypeStruct(x.shape, dtype or x.dtype)
  sharding = getattr(x, "sharding", None)
  if isinstance(sharding, md.SingleDeviceShardingMetadata):
    sharding = _device_sharding()
  return jaxlite.ShapeDtypeStruct(x.shape, dtype or x.dtype, sharding=sharding)


def construct_restore_args(target, sharding_tree=None, set_global_shape=True,
                           support_layout=False, strict=True):
  """A tree of RestoreArgs restoring each leaf of ``target`` as that leaf's type."""
  del support_layout

  def args_for(value, sharding=None):
    if isinstance(value, (jaxlite.ShapeDtypeStruct, md.ArrayMetadata)) and not isinstance(
        value, md.ScalarMetadata):
      if sharding is None and value.sharding is None:
        return pytree.RestoreArgs(restore_type=np.ndarray, dtype=value.dtype)
    elif isinstance(value, md.ScalarMetadata):
      kind = np.dtype(value.dtype).kind
      return pytree.RestoreArgs(restore_type={"b": bool, "i": int, "u": int}.get(kind, float),
                                dtype=value.dtype)
    elif isinstance(value, np.ndarray):
      return pytree.RestoreArgs(restore_type=np.ndarray, dtype=value.dtype)
    elif not isinstance(value, jaxlite.Array):
      return pytree.RestoreArgs(restore_type=type(value))
    return pytree.ArrayRestoreArgs(
        restore_type=jaxlite.Array, sharding=sharding or getattr(value, "sharding", None),
        global_shape=value.shape if set_global_shape else None, dtype=value.dtype,
        strict=strict)

  if isinstance(target, md.TreeMetadata):
    target = target.tree
  if sharding_tree is None:
    return tree_util.tree_map(args_for, target)
  return tree_util.tree_map(args_for, target, sharding_tree)
