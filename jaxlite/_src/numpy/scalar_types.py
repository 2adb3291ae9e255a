"""``jnp.float32`` and friends: usable as dtypes, and callable to make (strong) 0-d arrays."""
from __future__ import annotations

import numpy as np

from jaxlite._src import dtypes


class _ScalarMeta(type):
  def __hash__(cls):
    return hash(cls.dtype.type)

  def __eq__(cls, other):
    return cls is other or other is cls.dtype.type

  def __ne__(cls, other):
    return not cls.__eq__(other)

  def __instancecheck__(cls, instance):
    return isinstance(instance, cls.dtype.type)

  def __call__(cls, x=0):
    from jaxlite._src.numpy.creation import asarray
    return asarray(x, dtype=cls.dtype)


def _make(name, np_type):
  dt = np.dtype(np_type)
  return _ScalarMeta(name, (object,), {"dtype": dt, "__module__": "jaxlite.numpy"})


bool_ = _make("bool_", np.bool_)
int8 = _make("int8", np.int8)
int16 = _make("int16", np.int16)
int32 = _make("int32", np.int32)
int64 = _make("int64", np.int64)
uint8 = _make("uint8", np.uint8)
uint16 = _make("uint16", np.uint16)
uint32 = _make("uint32", np.uint32)
uint64 = _make("uint64", np.uint64)
float16 = _make("float16", np.float16)
float32 = _make("float32", np.float32)
float64 = _make("float64", np.float64)
complex64 = _make("complex64", np.complex64)
complex128 = _make("complex128", np.complex128)
bfloat16 = _make("bfloat16", dtypes.bfloat16)
float8_e4m3fn = _make("float8_e4m3fn", dtypes.float8_e4m3fn)
float8_e5m2 = _make("float8_e5m2", dtypes.float8_e5m2)
int4 = _make("int4", dtypes.int4)
uint4 = _make("uint4", dtypes.uint4)

# The default-width aliases follow the x64 flag only through canonicalization, as in JAX.
int_ = int64
uint = uint64
float_ = float64
complex_ = complex128
single = float32
double = float64
half = float16
csingle = complex64
cdouble = complex128

generic = np.generic
number = np.number
inexact = np.inexact
floating = np.floating
complexfloating = np.complexfloating
integer = np.integer
signedinteger = np.signedinteger
unsignedinteger = np.unsignedinteger
bool = bool_  # noqa: A001 - jnp.bool exists in JAX
