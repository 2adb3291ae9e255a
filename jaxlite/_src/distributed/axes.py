"""Which named axes span processes, and how a mesh's axes are laid out over processes.

A multi-process ``pmap`` or ``shard_map`` maps over this process's devices, but its axes are
global: they also cover the devices of other processes. While the function is traced, each
such axis is marked with its process group (the processes sharing it, in axis order); the
collectives ask ``process_group(name)`` to know whether they must also combine values across
processes, and with which. A mark belongs to one binding of the name (its position in the
axis environment), so an inner ``vmap`` that reuses the name stays local."""
from __future__ import annotations

import contextlib
import math
import threading

import numpy as np

from jaxlite._src import core
from jaxlite._src import devices as devices_mod


class _Marks(threading.local):
  def __init__(self):
    self.marks = []  # (axis name, position of its binding in core's axis env, group)


_marks = _Marks()


def _innermost(name):
  env = core._state.axis_env
  for i in range(len(env) - 1, -1, -1):
    if env[i][0] == name:
      return i
  return None


@contextlib.contextmanager
def spanning_processes(name, group):
  """Within: the innermost binding of axis ``name`` spans the processes ``group`` (a tuple
  of process indices in axis order: process ``group[j]`` holds the j-th run of members)."""
  if group is None or len(group) == 1 or name is None:
    yield
    return
  _marks.marks.append((name, _innermost(name), tuple(group)))
  try:
    yield
  finally:
    _marks.marks.pop()


def process_group(name):
  """The processes the innermost binding of axis ``name`` spans, or None (only this one)."""
  if not _marks.marks:
    return None
  position = _innermost(name)
  for marked, where, group in reversed(_marks.marks):
    if marked == name and where == position:
      return group
  return None


def process_span(name) -> int:
  """How many processes the innermost binding of axis ``name`` spans (1: only this one)."""
  group = process_group(name)
  return 1 if group is None else len(group)


def position_in(group) -> int:
  """This process's place in ``group``: its members come after those of group[:position]."""
  return group.index(devices_mod.process_index())


def mesh_layout(mesh):
  """Per mesh axis, ``(local size, process group)``: how many members of the axis this
  process's devices cover, and the processes sharing the axis with it (None when the axis is
  local). Every process's devices must form a block of the same shape in the mesh (as
  ``jax.make_mesh`` gives); with one process, or a mesh of local devices only, every axis is
  local."""
  shape = mesh.devices.shape
  local = [(n, None) for n in shape]
  if devices_mod.process_count() == 1:
    return local
  owner = np.vectorize(lambda d: d.process_index, otypes=[int])(mesh.devices)
  me = devices_mod.process_index()
  if not (owner == me).any():
    raise ValueError(f"shard_map: the mesh has no device of this process ({me}): in a "
                     "multi-process run every process computes the blocks of its own devices, "
                     "so only processes with devices in the mesh may call it.")
  if (owner == me).all():
    return local
  blocks = {}
  for p in np.unique(owner).tolist():
    coords = np.argwhere(owner == p)
    start, stop = coords.min(0), coords.max(0) + 1
    if math.prod(stop - start) != len(coords):
      raise NotImplementedError(
          f"shard_map: the devices of process {p} do not form a block of the mesh "
          f"{mesh.device_ids.tolist()}: jaxlite needs each process's devices to be a "
          "contiguous sub-grid of the same shape (e.g. a mesh from jax.make_mesh).")
    blocks[p] = (tuple(start.tolist()), tuple((stop - start).tolist()))
  sizes = {b[1] for b in blocks.values()}
  if len(sizes) != 1:
    raise NotImplementedError(f"shard_map: processes hold blocks of different shapes "
                              f"{sorted(sizes)} of the mesh; jaxlite needs them equal.")
  size = sizes.pop()
  start = blocks[me][0]
  out = []
  for k, n in enumerate(shape):
    if size[k] == n:
      out.append((n, None))
      continue
    peers = [p for p, (s, _) in blocks.items()
             if all(s[j] == start[j] for j in range(len(shape)) if j != k)]
    out.append((size[k], tuple(sorted(peers, key=lambda p: blocks[p][0][k]))))
  return out
