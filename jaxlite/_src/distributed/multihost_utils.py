"""Host-level helpers of multi-process programs (``jax.experimental.multihost_utils``).

They move NumPy values between processes directly (they are not traced) and return NumPy
arrays, as in JAX. With one process they need no MPI at all."""
from __future__ import annotations

import zlib

import numpy as np

from jaxlite._src import devices as devices_mod
from jaxlite._src import tree_util


def _backend():
  from jaxlite._src import distributed
  return distributed.backend()


def process_allgather(in_tree, tiled: bool = False):
  """Every process's value of each leaf: stacked on a new axis 0 (or, ``tiled``,
  concatenated along axis 0; scalars are always stacked). Leaves must have the same shape in
  every process."""
  backend = _backend()

  def gather(leaf):
    x = np.asarray(leaf)
    if backend is None:
      return x if tiled and x.ndim else x[None]
    stacked = backend.allgather(x, "process_allgather")
    if tiled and x.ndim:
      return stacked.reshape((-1,) + x.shape[1:])
    return stacked
  return tree_util.tree_map(gather, in_tree)


def broadcast_one_to_all(in_tree, is_source: bool | None = None):
  """The source process's value of each leaf, in every process (process 0 is the source
  unless ``is_source`` says otherwise). As in JAX, this is a sum in which every process but
  the source contributes zeros."""
  backend = _backend()
  leaves, tree = tree_util.tree_flatten(in_tree)
  leaves = [np.asarray(x) for x in leaves]
  if backend is None:
    return tree_util.tree_unflatten(tree, leaves)
  if is_source is None:
    is_source = devices_mod.process_index() == 0
  sent = leaves if is_source else [np.zeros_like(x) for x in leaves]
  return tree_util.tree_unflatten(tree, backend.allreduce(sent, "sum", "broadcast_one_to_all"))


def assert_equal(in_tree, fail_message: str = ""):
  """Raise AssertionError unless every process holds the same values in ``in_tree``."""
  gathered = process_allgather(in_tree)
  mine = tree_util.tree_map(lambda x: np.stack([np.asarray(x)] * devices_mod.process_count()),
                            in_tree)
  if not all(np.array_equal(a, b) for a, b in zip(tree_util.tree_leaves(gathered),
                                                   tree_util.tree_leaves(mine))):
    raise AssertionError(f"{fail_message}. Expected: {gathered}; got: {in_tree}.")


def sync_global_devices(name: str):
  """A barrier across all processes, which must all call it with the same ``name``."""
  digest = np.uint32(zlib.crc32(name.encode()))
  assert_equal(digest, f"sync_global_devices name mismatch ('{name}')")


def reached_preemption_sync_point(step_id: int) -> bool:
  """jaxlite gets no preemption notices, so no step is a preemption sync point."""
  return False


def host_local_array_to_global_array(local_inputs, global_mesh, pspecs):
  """One process: the inputs laid out on ``global_mesh`` (every array is local). Several
  processes would need arrays whose shards live in other processes, which jaxlite lacks."""
  return _same_when_single_process(local_inputs, global_mesh, pspecs,
                                   "host_local_array_to_global_array")


def global_array_to_host_local_array(global_inputs, global_mesh, pspecs):
  return _same_when_single_process(global_inputs, global_mesh, pspecs,
                                   "global_array_to_host_local_array")


def _same_when_single_process(inputs, mesh, pspecs, name):
  if devices_mod.process_count() > 1:
    raise NotImplementedError(
        f"{name}: jaxlite has no arrays sharded across processes. Data-parallel programs "
        "keep each process's batch local and use pmap over jax.local_devices(); gather "
        "values with process_allgather.")
  from jaxlite._src.sharding import NamedSharding, PartitionSpec
  leaves, tree = tree_util.tree_flatten(inputs)
  specs = tree_util.tree_leaves(pspecs, is_leaf=lambda s: isinstance(s, PartitionSpec)) \
      if not isinstance(pspecs, PartitionSpec) else [pspecs] * len(leaves)
  out = [devices_mod.device_put(x, NamedSharding(mesh, s)) for x, s in zip(leaves, specs)]
  return tree_util.tree_unflatten(tree, out)
