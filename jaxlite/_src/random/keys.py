"""PRNG keys: legacy ``uint32[..., 2]`` arrays and typed key arrays (``key<fry>``).

A typed key array (``PRNGKeyArray``) wraps its uint32 key data and is registered as a
pytree whose single leaf is that data, so it passes through jit, vmap and grad as a uint32
array and is rebuilt on the other side. Every function here accepts both kinds of key and
returns keys of the kind it was given, as JAX does.
"""
from __future__ import annotations

import operator
from collections.abc import Sequence

import numpy as np

from jaxlite import lax
from jaxlite._src import core
from jaxlite._src import dtypes
from jaxlite._src.array import Array
from jaxlite._src.config import config
from jaxlite._src.random import threefry
from jaxlite._src.tree_util import register_pytree_node

__all__ = ["PRNGImpl", "PRNGKeyArray", "canonicalize_shape", "check_prng_key", "PRNGKey",
           "key", "split", "fold_in", "bits", "key_data", "wrap_key_data", "key_impl",
           "key_dtype", "clone", "default_prng_impl"]


class PRNGImpl:
  """A PRNG implementation: its key shape and its seed/split/fold_in/random_bits functions."""
  __slots__ = ("key_shape", "seed", "split", "random_bits", "fold_in", "name", "tag")

  def __init__(self, key_shape, seed, split, random_bits, fold_in, name, tag):
    self.key_shape = key_shape
    self.seed = seed
    self.split = split
    self.random_bits = random_bits
    self.fold_in = fold_in
    self.name = name
    self.tag = tag

  def __repr__(self):
    return f"PRNGImpl(key_shape={self.key_shape}, name={self.name!r}, tag={self.tag!r})"


threefry_prng_impl = PRNGImpl(
    key_shape=(2,), seed=threefry.threefry_seed, split=threefry.threefry_split,
    random_bits=threefry.threefry_random_bits, fold_in=threefry.threefry_fold_in,
    name="threefry2x32", tag="fry")

_PRNGS = {threefry_prng_impl.name: threefry_prng_impl}


def default_prng_impl() -> PRNGImpl:
  return threefry_prng_impl


class KeyTy:
  """The dtype of typed key arrays, printed ``key<fry>``."""
  __slots__ = ("_impl",)

  def __init__(self, impl):
    self._impl = impl

  @property
  def name(self):
    return f"key<{self._impl.tag}>"

  @property
  def itemsize(self):
    return 4 * int(np.prod(self._impl.key_shape))

  def __repr__(self):
    return self.name

  __str__ = __repr__

  def __eq__(self, other):
    return type(other) is KeyTy and other._impl is self._impl

  def __hash__(self):
    return hash((KeyTy, self._impl))


def resolve_prng_impl(spec) -> PRNGImpl:
  if spec is None:
    return default_prng_impl()
  if isinstance(spec, PRNGImpl):
    return spec
  if isinstance(spec, KeyTy):
    return spec._impl
  if isinstance(spec, str):
    if spec in _PRNGS:
      return _PRNGS[spec]
    known = ", ".join(f'"{s}"' for s in _PRNGS)
    raise ValueError(f'unrecognized PRNG implementation "{spec}". Did you mean one of: {known}?')
  raise TypeError(f"unrecognized type {type(spec)} for specifying PRNG implementation.")


def key_dtype(impl=None) -> KeyTy:
  """The dtype of keys of the PRNG implementation ``impl`` (default: threefry2x32)."""
  return KeyTy(resolve_prng_impl(impl))


def _check_key_data(impl, data):
  if not all(hasattr(data, a) for a in ("ndim", "shape", "dtype")):
    raise TypeError("JAX encountered invalid PRNG key data: expected key_data to have ndim, "
                    f"shape, and dtype attributes. Got {data}")
  if data.ndim < 1:
    raise TypeError("JAX encountered invalid PRNG key data: expected key_data.ndim >= 1; "
                    f"got ndim={data.ndim}")
  n = len(impl.key_shape)
  if tuple(data.shape[-n:]) != impl.key_shape:
    raise TypeError("JAX encountered invalid PRNG key data: expected key_data.shape to end "
                    f"with {impl.key_shape}; got shape={tuple(data.shape)} for impl={impl}")
  if data.dtype != np.uint32:
    raise TypeError("JAX encountered invalid PRNG key data: expected key_data.dtype = uint32; "
                    f"got dtype={data.dtype}")


class PRNGKeyArray(Array):
  """An array of PRNG keys (``jax.random.key``): shape without the key data's trailing
  dimension, dtype ``key<fry>``, no arithmetic."""
  __slots__ = ("_impl", "_base_array")

  def __init__(self, impl, key_data):
    _check_key_data(impl, key_data)
    self._impl = impl
    if isinstance(key_data, np.ndarray):
      key_data = core.to_array(key_data)
    self._base_array = key_data

  @property
  def shape(self):
    return tuple(self._base_array.shape[:-len(self._impl.key_shape)])

  @property
  def ndim(self):
    return len(self.shape)

  @property
  def size(self):
    return int(np.prod(self.shape, dtype=np.int64))

  @property
  def dtype(self):
    return KeyTy(self._impl)

  @property
  def itemsize(self):
    return self.dtype.itemsize

  def _wrap(self, data):
    return PRNGKeyArray(self._impl, data)

  def __len__(self):
    if not self.shape:
      raise TypeError("len() of unsized object")
    return self.shape[0]

  def __iter__(self):
    if not self.shape:
      raise TypeError("iteration over a 0-d key array")
    return (self[i] for i in range(self.shape[0]))

  def __getitem__(self, idx):
    idx = idx if isinstance(idx, tuple) else (idx,)
    # An Ellipsis must not reach the key data's own trailing dimension.
    if any(i is Ellipsis for i in idx):
      idx = idx + (slice(None),)
    return self._wrap(self._base_array[idx])

  def __bool__(self):
    raise TypeError("key array cannot be converted to boolean.")

  def __array__(self, dtype=None, copy=None):
    raise TypeError("JAX array with PRNGKey dtype cannot be converted to a NumPy array. Use "
                    "jax.random.key_data(arr) if you wish to extract the underlying integer "
                    "array.")

  __hash__ = None

  def __eq__(self, other):
    if not isinstance(other, PRNGKeyArray):
      return NotImplemented
    same = lax.eq(self._base_array, other._base_array)
    return lax.bitwise_and(lax.index_in_dim(same, 0, -1, False),
                           lax.index_in_dim(same, 1, -1, False))

  def __ne__(self, other):
    eq = self.__eq__(other)
    return eq if eq is NotImplemented else lax.bitwise_not(eq)

  def __repr__(self):
    return f"Array({self.shape}, dtype={self.dtype.name}) overlaying:\n{self._base_array}"

  __str__ = __repr__

  # Shape methods act on the key dimensions only; the key data dimension stays last.
  def reshape(self, *shape, order="C"):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
      shape = tuple(shape[0])
    shape = _resolve_reshape(self.size, shape)
    return self._wrap(lax.reshape(self._base_array, (*shape, *self._impl.key_shape)))

  def ravel(self, order="C"):
    return self.reshape((self.size,))

  flatten = ravel

  def squeeze(self, axis=None):
    if axis is None:
      axis = tuple(i for i, d in enumerate(self.shape) if d == 1)
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    return self._wrap(lax.squeeze(self._base_array, tuple(a % self.ndim for a in axes)))

  def transpose(self, *axes):
    if not axes or axes == (None,):
      axes = tuple(reversed(range(self.ndim)))
    elif len(axes) == 1 and isinstance(axes[0], (tuple, list)):
      axes = tuple(axes[0])
    perm = tuple(a % self.ndim for a in axes) + (self.ndim,)
    return self._wrap(lax.transpose(self._base_array, perm))

  @property
  def T(self):
    return self.transpose()

  def swapaxes(self, axis1, axis2):
    perm = list(range(self.ndim))
    perm[axis1], perm[axis2] = perm[axis2], perm[axis1]
    return self.transpose(perm)

  def copy(self):
    return self._wrap(self._base_array)

  def block_until_ready(self):
    return self


def _resolve_reshape(size, shape):
  shape = [operator.index(d) for d in shape]
  if shape.count(-1) == 1:
    known = int(np.prod([d for d in shape if d != -1]))
    shape[shape.index(-1)] = size // known if known else 0
  if int(np.prod(shape)) != size:
    raise TypeError(f"cannot reshape key array of size {size} into shape {tuple(shape)}")
  return tuple(shape)


def _unflatten_keys(impl, children):
  # Transformations rebuild trees around placeholder leaves too: no validation here.
  keys = object.__new__(PRNGKeyArray)
  keys._impl = impl
  keys._base_array = children[0]
  return keys


register_pytree_node(PRNGKeyArray, lambda k: ((k._base_array,), k._impl), _unflatten_keys)


def _is_arraylike(x):
  return (isinstance(x, (np.ndarray, np.generic, Array, core.Tracer)) or np.isscalar(x)
          or hasattr(x, "__jax_array__"))


def check_prng_key(name, key, *, allow_batched=False):
  """(raw uint32 key data, whether ``key`` was a legacy array) for any accepted key."""
  if isinstance(key, PRNGKeyArray):
    data, wrapped, shape = key._base_array, False, key.shape
  elif _is_arraylike(key):
    if hasattr(key, "__jax_array__"):
      key = key.__jax_array__()
    _check_key_data(threefry_prng_impl, key)
    data, wrapped, shape = core.to_array(key), True, tuple(key.shape)
  else:
    raise TypeError(f"unexpected PRNG key type {type(key)}")
  if not allow_batched and data.ndim > 1:
    raise ValueError(f"{name} accepts a single key, but was given a key array of shape "
                     f"{shape} != (). Use jax.vmap for batching.")
  return data, wrapped


def _return_keys(wrapped, data):
  return data if wrapped else PRNGKeyArray(threefry_prng_impl, data)


def _seed_array(seed):
  if type(seed) in (int, bool):
    # Python ints go through int64 (wrapping to 32 bits without x64), so hashes can seed.
    value = np.int64(seed)
    return core.to_array(value if config.jax_enable_x64 else value.astype(np.int32))
  return seed if isinstance(seed, core.Tracer) else core.to_array(seed)


def _key(ctor_name, seed, impl_spec):
  impl = resolve_prng_impl(impl_spec)
  if isinstance(seed, PRNGKeyArray):
    raise TypeError(f"{ctor_name} accepts a scalar seed, but was given a PRNG key.")
  if np.ndim(seed):
    raise TypeError(f"{ctor_name} accepts a scalar seed, but was given an array of shape "
                    f"{np.shape(seed)} != (). Use jax.vmap for batching")
  return impl.seed(_seed_array(seed))


def key(seed, *, impl=None, dtype=None) -> PRNGKeyArray:
  """A typed PRNG key (dtype ``key<fry>``) from an integer seed."""
  if dtype is not None:
    if impl is not None:
      raise ValueError("Cannot specify both `impl` and `dtype` arguments to jax.random.key")
    impl = dtype
  return PRNGKeyArray(resolve_prng_impl(impl), _key("key", seed, impl))


def PRNGKey(seed, *, impl=None):  # noqa: N802 - JAX's name
  """A legacy PRNG key: the ``uint32[2]`` key data of an integer seed."""
  return _key("PRNGKey", seed, impl)


def _split_shape(num):
  shape = tuple(num) if isinstance(num, Sequence) else (num,)
  shape = tuple(operator.index(core.concrete_or_error(None, d, "The split count of split"))
                for d in shape)
  if any(d < 0 for d in shape):
    raise ValueError(f"split: the number of keys must be non-negative, got {num}")
  return shape


def split(key, num=2):
  """Split a key into ``num`` new keys (``num`` an int or a shape), on a new leading axis."""
  data, wrapped = check_prng_key("split", key)
  return _return_keys(wrapped, threefry.threefry_split(data, _split_shape(num)))


def fold_in(key, data):
  """A new key derived from ``key`` and the 32-bit integer ``data``."""
  key_data_, wrapped = check_prng_key("fold_in", key)
  if np.ndim(data):
    raise TypeError("fold_in accepts a scalar, but was given an array of"
                    f"shape {np.shape(data)} != (). Use jax.vmap for batching.")
  if type(data) is int:
    msg = np.array(data, np.uint32)  # NumPy's OverflowError for values outside uint32
  else:
    msg = lax.convert_element_type(data, np.uint32)
  return _return_keys(wrapped, threefry.threefry_fold_in(key_data_, msg))


def canonicalize_shape(shape):
  """A tuple of ints from an int or a sequence of concrete integers (JAX's error otherwise)."""
  if isinstance(shape, (int, np.integer)):
    shape = (shape,)
  try:
    return tuple(operator.index(core.concrete_or_error(None, d)) for d in shape)
  except TypeError:
    raise TypeError("Shapes must be 1D sequences of concrete values of integer type, "
                    f"got {shape}.") from None


def bits(key, shape=(), dtype=None, *, out_sharding=None):
  """Uniform random unsigned integers (all bits random) of ``shape`` and ``dtype``."""
  data, _ = check_prng_key("bits", key)
  if dtype is None:
    dtype = dtypes.default_uint_dtype()
  else:
    dtype = dtypes.check_user_dtype_supported(dtype)
  if not dtypes.issubdtype(dtype, np.unsignedinteger):
    raise ValueError(f"dtype argument to `bits` must be an unsigned int dtype, got {dtype}")
  return threefry.threefry_random_bits(data, dtype.itemsize * 8, canonicalize_shape(shape))


def key_data(keys):
  """The uint32 key data underlying a key array (legacy keys are returned as they are)."""
  data, _ = check_prng_key("key_data", keys, allow_batched=True)
  return data


def wrap_key_data(key_bits_array, *, impl=None, dtype=None) -> PRNGKeyArray:
  """A typed key array over ``key_bits_array`` (uint32, trailing shape ``(2,)``)."""
  if dtype is not None:
    if impl is not None:
      raise ValueError("Cannot specify both `impl` and `dtype` arguments to "
                       "jax.random.wrap_key_data")
    impl = dtype
  return PRNGKeyArray(resolve_prng_impl(impl), key_bits_array)


def key_impl(keys) -> str:
  """The name of the PRNG implementation of ``keys``."""
  check_prng_key("key_impl", keys, allow_batched=True)
  impl = keys._impl if isinstance(keys, PRNGKeyArray) else threefry_prng_impl
  return impl.name


def clone(key):
  """A copy of ``key`` (values are immutable, so this only matters for key-reuse checking)."""
  return key.copy() if isinstance(key, PRNGKeyArray) else key
