"""Meshes, partition specs and shardings (``jax.sharding``), over simulated CPU devices.

Every array is one NumPy buffer; a sharding records which device holds which block of it
(``addressable_shards``), so code written against the sharding API runs and reports the same
layout as JAX while computing on one host."""
from __future__ import annotations

import itertools
import math

import numpy as np

from jaxlite._src import devices as devices_mod


class PartitionSpec(tuple):
  """How each array dimension maps onto mesh axes: a name, a tuple of names, or None."""

  def __new__(cls, *partitions):
    return super().__new__(cls, partitions)

  def __repr__(self):
    return "P(" + ", ".join(repr(p) for p in self) + ")"

  def __getnewargs__(self):
    return tuple(self)


P = PartitionSpec


class Mesh:
  """A named grid of devices (``jax.sharding.Mesh``)."""

  def __init__(self, devices, axis_names, axis_types=None):
    self.devices = np.asarray(devices, dtype=object)
    self.axis_names = tuple(axis_names) if not isinstance(axis_names, str) else (axis_names,)
    if self.devices.ndim != len(self.axis_names):
      raise ValueError(f"Mesh devices ndim {self.devices.ndim} must match the number of axis "
                       f"names {len(self.axis_names)}: {self.axis_names}")
    self.axis_types = tuple(axis_types) if axis_types is not None else \
        ("Auto",) * len(self.axis_names)

  @property
  def shape(self):
    return dict(zip(self.axis_names, self.devices.shape))

  @property
  def size(self):
    return int(self.devices.size)

  @property
  def device_ids(self):
    return np.vectorize(lambda d: d.id, otypes=[int])(self.devices)

  @property
  def empty(self):
    return self.devices.size == 0

  def __enter__(self):
    return self

  def __exit__(self, *exc):
    return False

  def __eq__(self, other):
    return (isinstance(other, Mesh) and self.axis_names == other.axis_names and
            self.devices.shape == other.devices.shape and
            all(a == b for a, b in zip(self.devices.flat, other.devices.flat)))

  def __hash__(self):
    return hash((self.axis_names, self.devices.shape, tuple(d.id for d in self.devices.flat)))

  def __repr__(self):
    axes = ", ".join(f"{n!r}: {s}" for n, s in zip(self.axis_names, self.devices.shape))
    return f"Mesh({axes}, axis_types=({', '.join(self.axis_types)}" \
           f"{',' if len(self.axis_types) == 1 else ''}))"


def make_mesh(axis_shapes, axis_names, *, devices=None, axis_types=None):
  """A mesh of the first prod(axis_shapes) devices (``jax.make_mesh``)."""
  axis_shapes = tuple(axis_shapes)
  n = math.prod(axis_shapes)
  devs = devices if devices is not None else devices_mod.devices()
  if len(devs) < n:
    raise ValueError(f"Number of devices {len(devs)} must be >= the product of mesh_shape "
                     f"{axis_shapes}")
  types = axis_types if axis_types is not None else ("Explicit",) * len(axis_shapes)
  types = tuple(getattr(t, "name", t) for t in types)
  return Mesh(np.array(devs[:n], dtype=object).reshape(axis_shapes), axis_names, types)


class NamedSharding:
  """Dimensions split over mesh axes as ``spec`` says (``jax.sharding.NamedSharding``)."""

  def __init__(self, mesh, spec=PartitionSpec(), *, memory_kind=None):
    self.mesh = mesh
    self.spec = spec if isinstance(spec, PartitionSpec) else PartitionSpec(*spec)
    self.memory_kind = memory_kind
    for p in self.spec:
      for name in (p if isinstance(p, tuple) else (p,)):
        if name is not None and name not in mesh.axis_names:
          raise ValueError(f"Resource axis: {name} of {self.spec} is not found in mesh: "
                           f"{tuple(mesh.axis_names)}.")

  @property
  def device_set(self):
    return set(self.mesh.devices.flat)

  def is_fully_replicated(self):
    return all(p is None for p in self.spec)

  def _splits(self, ndim):
    spec = tuple(self.spec) + (None,) * (ndim - len(self.spec))
    out = []
    for p in spec:
      names = () if p is None else (p if isinstance(p, tuple) else (p,))
      out.append(names)
    return out

  def devices_indices_map(self, shape):
    """Device -> tuple of slices of the block it holds."""
    splits = self._splits(len(shape))
    names = self.mesh.axis_names
    result = {}
    for coords in itertools.product(*[range(s) for s in self.mesh.devices.shape]):
      pos = dict(zip(names, coords))
      index = []
      for dim, axes in zip(shape, splits):
        if not axes:
          index.append(slice(None))
          continue
        parts = math.prod(self.mesh.shape[a] for a in axes)
        if dim % parts:
          raise ValueError(f"Sharding {self} implies that array axis is partitioned {parts} "
                           f"times, but the dimension size is {dim} (full shape: "
                           f"{tuple(shape)})")
        k = 0
        for a in axes:
          k = k * self.mesh.shape[a] + pos[a]
        block = dim // parts
        index.append(slice(k * block, (k + 1) * block))
      result[self.mesh.devices[coords]] = tuple(index)
    return result

  def shard_shape(self, shape):
    splits = self._splits(len(shape))
    return tuple(d // math.prod(self.mesh.shape[a] for a in axes) if axes else d
                 for d, axes in zip(shape, splits))

  def __eq__(self, other):
    return isinstance(other, NamedSharding) and self.mesh == other.mesh and \
        tuple(self.spec) == tuple(other.spec)

  def __hash__(self):
    return hash((self.mesh, tuple(self.spec)))

  def __repr__(self):
    return (f"NamedSharding(mesh={self.mesh!r}, spec={self.spec!r}, "
            f"memory_kind={self.memory_kind or 'device'})")


class Shard:
  """One device's block of an array."""

  def __init__(self, device, index, array):
    self.device = device
    self.index = index
    self._array = array

  @property
  def data(self):
    from jaxlite._src.array import ArrayImpl
    return ArrayImpl(np.asarray(self._array._value[self.index]), self._array.weak_type)

  def __repr__(self):
    return f"Shard(device={self.device!r}, index={self.index}, replica_id=0)"


def with_sharding_constraint(x, shardings):
  """A layout hint for the compiler (values are unchanged here)."""
  return x


def visualize_array_sharding(arr, *, use_color=False, scale=1.0, min_width=9, max_width=80):
  """Print which device holds which block of a 1-D or 2-D array."""
  shape = arr.shape
  if len(shape) not in (1, 2):
    raise ValueError(f"visualize_array_sharding only supports 1- and 2-D arrays, got {shape}")
  index_map = arr.sharding.devices_indices_map(shape)
  blocks: dict = {}
  for dev, idx in index_map.items():
    key = tuple((s.start or 0, s.stop if s.stop is not None else d) for s, d in zip(idx, shape))
    blocks.setdefault(key, []).append(dev.id)
  rows = sorted({k[0] for k in blocks})
  cols = sorted({k[1] for k in blocks}) if len(shape) == 2 else [None]
  width = max(min_width, 4 + max(len(",".join(map(str, v))) for v in blocks.values()))
  lines = []
  for r in rows:
    cells = []
    for c in cols:
      key = (r,) if c is None else (r, c)
      ids = blocks.get(key, [])
      label = ("CPU " + ",".join(map(str, ids))) if ids else ""
      cells.append(label.center(width))
    lines.append("│" + "│".join(cells) + "│")
  border = "─" * (len(lines[0]) - 2)
  print("┌" + border + "┐")
  for i, line in enumerate(lines):
    print(line)
    print(("├" if i < len(lines) - 1 else "└") + border + ("┤" if i < len(lines) - 1 else "┘"))
