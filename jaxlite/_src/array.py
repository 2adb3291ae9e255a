"""``jax.Array``: an immutable wrapper of a NumPy buffer living on the CPU device."""
from __future__ import annotations

import abc
import math

import numpy as np

from jaxlite._src import dtypes
from jaxlite._src import errors


class Array(abc.ABC):
  """The public array type. ``isinstance(x, Array)`` holds for concrete arrays and tracers."""
  __slots__ = ()


class ArrayImpl(Array):
  """A concrete array. The buffer is never written after construction, except by a jitted
  call it was donated to (after which the array is deleted).

  An array returned by an asynchronous jitted call (jaxlite._src.async_dispatch) has no
  ``_value`` yet, and ``_later`` holds its pending result: reading ``_value`` anywhere
  (``print``, ``np.asarray``, an eager op) lands in ``__getattr__``, which waits. A
  deleted array has no ``_value`` either, and ``_later`` says why."""
  __slots__ = ("_value", "weak_type", "_sharding", "_later", "__weakref__")
  __array_priority__ = 100

  def __init__(self, value, weak_type: bool = False):
    if type(value) is not np.ndarray:
      value = np.asarray(value)
    self._value = value
    self.weak_type = weak_type
    self._sharding = None
    self._later = None

  @classmethod
  def _pending(cls, later, weak_type: bool):
    """An array whose value ``later.value()`` will give (waiting for it if need be)."""
    self = object.__new__(cls)
    self.weak_type = weak_type
    self._sharding = None
    self._later = later
    return self

  def __getattr__(self, name):
    # Only reached when a slot is unset: the value of a pending or deleted array.
    if name != "_value":
      raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
    later = self._later
    if later is None:
      raise AttributeError("'ArrayImpl' object has no attribute '_value'")
    value = later.value()
    if type(value) is not np.ndarray:  # generated code may return NumPy scalars
      value = np.asarray(value)
    self._value = value
    self._later = None
    return value

  # -- attributes ---------------------------------------------------------
  @property
  def aval(self):
    later = self._later
    if later is not None:
      return ShapedArray(later.shape, later.dtype, self.weak_type)
    return ShapedArray(self._value.shape, self._value.dtype, self.weak_type)

  @property
  def shape(self):
    later = self._later
    return self._value.shape if later is None else later.shape

  @property
  def dtype(self):
    later = self._later
    return self._value.dtype if later is None else later.dtype

  # Each reads the buffer directly when there is one (these are on eager hot paths).
  @property
  def ndim(self):
    later = self._later
    return self._value.ndim if later is None else len(later.shape)

  @property
  def size(self):
    later = self._later
    return self._value.size if later is None else math.prod(later.shape)

  @property
  def itemsize(self):
    return self.dtype.itemsize

  @property
  def nbytes(self):
    later = self._later
    return self._value.nbytes if later is None else math.prod(later.shape) * later.dtype.itemsize

  # -- devices --------------------------------------------------------------
  @property
  def device(self):
    from jaxlite._src.devices import cpu_device
    return cpu_device()

  def devices(self):
    if self._sharding is not None:
      return set(self._sharding.device_set)
    return {self.device}

  @property
  def sharding(self):
    if self._sharding is not None:
      return self._sharding
    from jaxlite._src.devices import SingleDeviceSharding
    return SingleDeviceSharding(self.device)

  @property
  def addressable_shards(self):
    """One ``Shard`` per device: the block of this array its sharding places there."""
    from jaxlite._src.sharding import Shard
    index_map = self.sharding.devices_indices_map(self.shape)
    return [Shard(d, idx, self) for d, idx in index_map.items()]

  @property
  def global_shards(self):
    return self.addressable_shards

  @property
  def committed(self):
    return False

  def is_fully_replicated(self):
    return True

  @property
  def is_fully_addressable(self):
    return True

  def block_until_ready(self):
    if type(self._later) is Deleted:
      raise errors.JaxRuntimeError(
          "INVALID_ARGUMENT: BlockHostUntilReady() called on deleted or donated buffer")
    self._value  # noqa: B018  (waits for a pending value; raises if its call failed)
    return self

  def copy_to_host_async(self):
    pass

  def is_deleted(self):
    return type(self._later) is Deleted

  def delete(self):
    """Drop the buffer; any later use raises (as JAX's ``Array.delete``)."""
    if self._later is None or not self.is_deleted():
      self._later = Deleted(self.shape, self.dtype)
      try:
        del self._value
      except AttributeError:  # still pending: its value is simply never kept
        pass

  # -- conversion ------------------------------------------------------------
  def __array__(self, dtype=None, copy=None):
    v = self._value
    if dtype is not None and np.dtype(dtype) != v.dtype:
      return v.astype(dtype)
    if copy:
      return v.copy()
    view = v.view()
    view.flags.writeable = False
    return view

  def __bool__(self):
    if self._value.size != 1:
      raise ValueError(f"The truth value of an array with more than one element is ambiguous. "
                       f"Use a.any() or a.all() (array shape {self.shape}).")
    return bool(self._value)

  def _scalar(self, kind):
    if self._value.size != 1:
      raise TypeError(f"Only scalar arrays can be converted to Python {kind}s; "
                      f"got an array of shape {self.shape}.")
    return self._value.reshape(())

  def __int__(self):
    return int(self._scalar("int"))

  def __float__(self):
    return float(self._scalar("float"))

  def __complex__(self):
    return complex(self._scalar("complex"))

  def __index__(self):
    if self.ndim != 0 or not dtypes.is_integer(self.dtype):
      raise TypeError("only integer scalar arrays can be converted to a scalar index")
    return int(self._value)

  def item(self, *args):
    return self._value.item(*args)

  def tolist(self):
    return self._value.tolist()

  def __len__(self):
    if self._value.ndim == 0:
      raise TypeError("len() of unsized object")
    return self._value.shape[0]

  def __iter__(self):
    if self._value.ndim == 0:
      raise TypeError("iteration over a 0-d array")
    return (ArrayImpl(row, self.weak_type) for row in self._value)

  def __setitem__(self, idx, value):
    raise TypeError(errors.immutable_message("ArrayImpl"))

  def __hash__(self):
    raise TypeError("unhashable type: 'jaxlite.Array'")

  def __reduce__(self):
    return (_reconstruct, (np.asarray(self._value), self.weak_type))

  def __copy__(self):
    return self

  def __deepcopy__(self, memo):
    return ArrayImpl(self._value.copy(), self.weak_type)

  def __dlpack__(self, *args, **kwargs):
    return np.asarray(self._value).__dlpack__(*args, **kwargs)

  def __dlpack_device__(self):
    return self._value.__dlpack_device__()

  # -- printing -------------------------------------------------------------
  def __repr__(self):
    return array_repr(self._value, self.weak_type)

  def __str__(self):
    return str(self._value)

  def __format__(self, spec):
    if self._value.ndim == 0:
      return format(self._value.item(), spec)
    return format(str(self), spec)


class Deleted:
  """``_later`` of a deleted (or donated) array: reading its value raises as in JAX."""
  __slots__ = ("shape", "dtype")

  def __init__(self, shape, dtype):
    self.shape, self.dtype = shape, dtype

  def value(self):
    aval = ShapedArray(self.shape, self.dtype)
    raise RuntimeError(f"Array has been deleted with shape={aval.str_short()}.")


def _reconstruct(value, weak_type):
  return ArrayImpl(value, weak_type)


def array_repr(value: np.ndarray, weak_type: bool = False) -> str:
  name = value.dtype.name
  suffix = f"dtype={name}" + (", weak_type=True" if weak_type else "")
  if value.size == 0 and value.shape != (0,) or value.size == 0:
    return f"Array([], shape={value.shape}, {suffix})"
  body = np.array2string(value, separator=", ", prefix="Array(")
  return f"Array({body}, {suffix})"


from jaxlite._src.core import ShapedArray  # noqa: E402
