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
    return f"SingleDeviceSharding(device={self._device!r}, memory_kind={self.memory_kind})"

  def __eq__(self, other):
    return isinstance(other, SingleDeviceSharding) and other._device == self._device

  def __hash__(self):
    return hash(self._device)


@functools.cache
def cpu_device() -> CpuDevice:
  return CpuDevice(0)


def devices(backend=None):
  if backend not in (None, "cpu"):
    raise RuntimeError(f"Unknown backend {backend!r}: jaxlite runs only on 'cpu'.")
  return [cpu_device()]


def local_devices(process_index=None, backend=None):
  return devices(backend)


def device_count(backend=None):
  return len(devices(backend))


def local_device_count(backend=None):
  return len(devices(backend))


def process_index(backend=None):
  return 0


def process_count(backend=None):
  return 1


def default_backend():
  return "cpu"


def device_put(x, device=None, *, src=None, donate=False, may_alias=None):
  """Place every leaf of ``x`` on the (only) device as a jaxlite Array."""
  from jaxlite._src import tree_util
  from jaxlite._src.numpy.creation import asarray
  return tree_util.tree_map(asarray, x)


def device_get(x):
  """Fetch every Array leaf of ``x`` to a NumPy array (other leaves pass through)."""
  from jaxlite._src import tree_util
  from jaxlite._src.array import Array

  def get(leaf):
    if isinstance(leaf, Array):
      return np.asarray(leaf)
    return leaf
  return tree_util.tree_map(get, x)
