"""The CPU device, ``devices()``, ``device_put`` and ``device_get``."""
from __future__ import annotations

import functools

import numpy as np


class CpuDevice:
  platform = "cpu"
  device_kind = "cpu"
  client = None

  def __init__(self, id: int = 0, process_index: int = 0):
    self.id = id
    self.process_index = process_index
    self.host_id = process_index

  def __repr__(self):
    return f"CpuDevice(id={self.id})"

  def __str__(self):
    return f"cpu:{self.id}"

  def __eq__(self, other):
    return isinstance(other, CpuDevice) and other.id == self.id

  def __hash__(self):
    return hash(("cpu", self.id))


class SingleDeviceSharding:
  def __init__(self, device, *, memory_kind=None):
    self._device = device
    self.memory_kind = memory_kind

  @property
  def device_set(self):
    return {self._device}

  def is_fully_replicated(self):
    return True

  def __repr__(self):
    return f"SingleDeviceSharding(device={self._device!r}, memory_kind={self.memory_kind or 'device'})"

  @property
  def mesh(self):
    from jaxlite._src.sharding import Mesh
    import numpy as np
    return Mesh(np.array([self._device]), ("_single",))

  def devices_indices_map(self, shape):
    return {self._device: tuple(slice(None) for _ in shape)}

  def __eq__(self, other):
    return isinstance(other, SingleDeviceSharding) and other._device == self._device

  def __hash__(self):
    return hash(self._device)


def _requested_device_count() -> int:
  """Simulated CPU devices: JAXLITE_NUM_CPU_DEVICES, or JAX's
  XLA_FLAGS=--xla_force_host_platform_device_count=N (read once, at first use)."""
  import os
  import re
  from jaxlite._src.config import config
  if config.jax_num_cpu_devices > 0:
    return config.jax_num_cpu_devices
  value = os.environ.get("JAXLITE_NUM_CPU_DEVICES")
  if value is None:
    m = re.search(r"--xla_force_host_platform_device_count=(\d+)",
                  os.environ.get("XLA_FLAGS", ""))
    value = m.group(1) if m else "1"
  try:
    n = int(value)
  except ValueError:
    raise ValueError(f"JAXLITE_NUM_CPU_DEVICES must be a positive integer, got {value!r}") \
        from None
  if n < 1:
    raise ValueError(f"the number of CPU devices must be at least 1, got {n}")
  return n


# (this process's index, number of processes): set by jaxlite.distributed.initialize.
_process = (0, 1)


def _set_process(index: int, count: int):
  global _process
  _process = (index, count)


@functools.cache
def _devices_of_count(n, count=1):
  """Every process's ``n`` devices, process-major: device ``p*n + i`` is process p's i-th."""
  return tuple(CpuDevice(p * n + i, p) for p in range(count) for i in range(n))


def _all_devices():
  n = _requested_device_count()
  index, count = _process
  return _devices_of_count(n, count)[index * n:(index + 1) * n]


def cpu_device() -> CpuDevice:
  return _all_devices()[0]


def devices(backend=None):
  """All devices of all processes (after jax.distributed.initialize), ordered by id."""
  if backend not in (None, "cpu"):
    raise RuntimeError(f"Unknown backend {backend!r}: jaxlite runs only on 'cpu'.")
  return list(_devices_of_count(_requested_device_count(), _process[1]))


def local_devices(process_index=None, backend=None):
  index = _process[0] if process_index is None else process_index
  return [d for d in devices(backend) if d.process_index == index]


def device_count(backend=None):
  return len(devices(backend))


def local_device_count(backend=None):
  return len(local_devices(backend=backend))


def process_index(backend=None):
  return _process[0]


def process_count(backend=None):
  return _process[1]


def default_backend():
  return "cpu"


def device_put(x, device=None, *, src=None, donate=False, may_alias=None):
  """Every leaf of ``x`` as a jaxlite Array, placed on ``device`` or laid out by a sharding
  (the data stays one NumPy buffer; the sharding says which device holds which block)."""
  from jaxlite._src import tree_util
  from jaxlite._src.numpy.creation import asarray
  from jaxlite._src.array import ArrayImpl
  from jaxlite._src.core import Tracer

  def put(leaf, target):
    arr = asarray(leaf)
    if target is None or isinstance(arr, Tracer):
      return arr
    if isinstance(target, CpuDevice):
      target = SingleDeviceSharding(target)
    out = ArrayImpl(arr._value, arr.weak_type)
    out._sharding = target
    return out

  if device is None or isinstance(device, (CpuDevice, SingleDeviceSharding)) or \
      hasattr(device, "spec"):
    return tree_util.tree_map(lambda leaf: put(leaf, device), x)
  return tree_util.tree_map(put, x, device)


def device_get(x):
  """Fetch every Array leaf of ``x`` to a NumPy array (other leaves pass through)."""
  from jaxlite._src import tree_util
  from jaxlite._src.array import Array

  def get(leaf):
    if isinstance(leaf, Array):
      return np.asarray(leaf)
    return leaf
  return tree_util.tree_map(get, x)
