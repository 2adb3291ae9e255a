"""JAX's dtype rules: the promotion lattice with weak types, and x64 canonicalization."""
from __future__ import annotations

import functools
import warnings

import ml_dtypes
import numpy as np

from jaxlite._src.config import config

bfloat16 = np.dtype(ml_dtypes.bfloat16).type
float8_e4m3fn = np.dtype(ml_dtypes.float8_e4m3fn).type
float8_e5m2 = np.dtype(ml_dtypes.float8_e5m2).type
int4 = np.dtype(ml_dtypes.int4).type
uint4 = np.dtype(ml_dtypes.uint4).type

_ml_float_dtypes = [np.dtype(t) for t in (ml_dtypes.bfloat16, ml_dtypes.float8_e4m3fn,
                                          ml_dtypes.float8_e5m2)]
_float8_dtypes = _ml_float_dtypes[1:]
_ml_int_dtypes = [np.dtype(ml_dtypes.int4)]
_ml_uint_dtypes = [np.dtype(ml_dtypes.uint4)]

bool_ = np.dtype(np.bool_)
_unsigned = [np.dtype(t) for t in (np.uint8, np.uint16, np.uint32, np.uint64)]
_signed = [np.dtype(t) for t in (np.int8, np.int16, np.int32, np.int64)]
_floats = [np.dtype(t) for t in (np.float16, np.float32, np.float64)]
_complexes = [np.dtype(t) for t in (np.complex64, np.complex128)]

class _WeakNode:
  """A weakly typed lattice node (a Python int/float/complex). Not a dtype on purpose:
  ``np.dtype('int64') == int`` is True, which would confuse lattice lookups."""
  __slots__ = ("name",)

  def __init__(self, name):
    self.name = name

  def __repr__(self):
    return self.name


_weak_int, _weak_float, _weak_complex = _WeakNode("int"), _WeakNode("float"), _WeakNode("complex")
_weak_nodes = (_weak_int, _weak_float, _weak_complex)
_weak_node_of_type = {int: _weak_int, float: _weak_float, complex: _weak_complex}

_64_to_32 = {np.dtype(np.int64): np.dtype(np.int32), np.dtype(np.uint64): np.dtype(np.uint32),
             np.dtype(np.float64): np.dtype(np.float32),
             np.dtype(np.complex128): np.dtype(np.complex64)}

_supported = set([bool_, *_unsigned, *_signed, *_floats, *_complexes, *_ml_float_dtypes,
                  *_ml_int_dtypes, *_ml_uint_dtypes])


def _lattice_edges():
  b1 = bool_
  u1, u2, u4, u8 = _unsigned
  i1, i2, i4, i8 = _signed
  f2, f4, f8 = _floats
  c8, c16 = _complexes
  bf = _ml_float_dtypes[0]
  i_, f_, c_ = _weak_nodes
  edges = {
      b1: [i_],
      u1: [i2, u2], u2: [i4, u4], u4: [i8, u8], u8: [f_],
      i_: [u1, i1], i1: [i2], i2: [i4], i4: [i8], i8: [f_],
      f_: [*_float8_dtypes, bf, f2, c_],
      bf: [f4], f2: [f4], f4: [f8, c8], f8: [c16],
      c_: [c8], c8: [c16], c16: [],
  }
  for t in _float8_dtypes:
    edges[t] = []
  return edges


@functools.cache
def _upper_bounds():
  edges = _lattice_edges()
  closure = {}

  def up(node):
    if node not in closure:
      seen = {node}
      for nxt in edges[node]:
        seen |= up(nxt)
      closure[node] = frozenset(seen)
    return closure[node]

  for node in edges:
    up(node)
  return closure


@functools.cache
def _lub(a, b):
  ups = _upper_bounds()
  common = ups[a] & ups[b]
  for cand in common:
    if ups[cand] == common:
      return cand
  raise TypePromotionError(
      f"Input dtypes {_node_name(a)!r} and {_node_name(b)!r} have no available implicit dtype "
      "promotion path. Cast one of them explicitly, e.g. x.astype(jnp.float32).")


class TypePromotionError(ValueError):
  pass


def _node_name(node):
  return node.name if isinstance(node, _WeakNode) else str(node)


# ---------------------------------------------------------------------------
# Canonicalization

def default_int_dtype():
  return np.dtype(np.int64) if config.jax_enable_x64 else np.dtype(np.int32)


def default_uint_dtype():
  return np.dtype(np.uint64) if config.jax_enable_x64 else np.dtype(np.uint32)


def default_float_dtype():
  return np.dtype(np.float64) if config.jax_enable_x64 else np.dtype(np.float32)


def default_complex_dtype():
  return np.dtype(np.complex128) if config.jax_enable_x64 else np.dtype(np.complex64)


def canonicalize_dtype(dtype, allow_extended_dtype=False):
  """The dtype jaxlite actually uses for ``dtype``: 64-bit types shrink when x64 is off."""
  dt = np.dtype(dtype)
  if not config.jax_enable_x64:
    dt = _64_to_32.get(dt, dt)
  if dt not in _supported and not allow_extended_dtype:
    raise TypeError(f"JAX only supports number and bool dtypes, got dtype {dt}")
  return dt


def check_user_dtype_supported(dtype, fun_name=None):
  """Canonicalize a user-requested dtype, warning as JAX does when x64 truncates it."""
  if dtype is None:
    return None
  if isinstance(dtype, type) and dtype in _python_scalar_dtypes:
    return canonicalize_dtype(_python_scalar_dtypes[dtype])
  try:
    dt = np.dtype(dtype)
  except TypeError as e:
    raise TypeError(f"Cannot interpret {dtype!r} as a dtype: {e}") from None
  if dt not in _supported:
    msg = f"JAX only supports number and bool dtypes, got dtype {dt}"
    msg += f" in {fun_name}" if fun_name else ""
    raise TypeError(msg)
  canon = canonicalize_dtype(dt)
  if canon != dt:
    where = f" in {fun_name}" if fun_name else ""
    warnings.warn(
        f"Explicitly requested dtype {dt} requested{where} is not available, and will be "
        f"truncated to dtype {canon}. To enable more dtypes, set the jax_enable_x64 "
        "configuration option or the JAX_ENABLE_X64 shell environment variable. "
        "See https://github.com/jax-ml/jax#current-gotchas for more.", UserWarning, stacklevel=3)
  return canon


_python_scalar_dtypes = {bool: np.dtype(np.bool_), int: np.dtype(np.int64),
                         float: np.dtype(np.float64), complex: np.dtype(np.complex128)}


def python_scalar_dtype(x):
  """Canonical dtype of a Python scalar (weakly typed, except bool)."""
  t = type(x)
  if t is bool:
    return bool_
  if t is int:
    return default_int_dtype()
  if t is float:
    return default_float_dtype()
  if t is complex:
    return default_complex_dtype()
  raise TypeError(f"not a Python scalar: {x!r}")


def is_python_scalar(x) -> bool:
  return type(x) in _python_scalar_dtypes


def is_weakly_typed(x) -> bool:
  t = type(x)
  if t in (int, float, complex):
    return True
  return bool(getattr(x, "weak_type", False))


def dtype(x, canonicalize: bool = False):
  """The dtype of a value or dtype-like, as ``jax.dtypes.dtype``."""
  t = type(x)
  if t in _python_scalar_dtypes:
    dt = python_scalar_dtype(x)
  elif isinstance(x, type) and x in _python_scalar_dtypes:
    dt = _python_scalar_dtypes[x]
  elif hasattr(x, "dtype") and not isinstance(x, (type, np.dtype)):
    dt = np.dtype(x.dtype)
  else:
    try:
      dt = np.dtype(x)
    except TypeError:
      raise TypeError(f"Cannot determine dtype of {x!r}") from None
  if dt not in _supported:
    raise TypeError(f"Value {x!r} with dtype {dt} is not a valid JAX array type. "
                    "Only arrays of numeric types are supported by JAX.")
  return canonicalize_dtype(dt) if canonicalize else dt


# ---------------------------------------------------------------------------
# Promotion

def _lattice_node(x):
  """Map a value or dtype-like to a lattice node and its weak flag."""
  t = type(x)
  if t is bool:
    return bool_, False
  if t in (int, float, complex):
    return _weak_node_of_type[t], True
  if isinstance(x, type) and x in (int, float, complex):
    return _weak_node_of_type[x], True
  if isinstance(x, type) and x is bool:
    return bool_, False
  if isinstance(x, np.dtype):
    return canonicalize_dtype(x), False
  if hasattr(x, "dtype") and not isinstance(x, type):
    dt = canonicalize_dtype(x.dtype)
    if getattr(x, "weak_type", False):
      return _weak_node_for(dt), True
    return dt, False
  return canonicalize_dtype(np.dtype(x)), False


def _weak_node_for(dt):
  if dt.kind in "iub":
    return _weak_int if dt.kind != "b" else bool_
  if dt.kind == "f" or dt in _ml_float_dtypes:
    return _weak_float
  if dt.kind == "c":
    return _weak_complex
  return dt


def _node_to_dtype(node):
  if node is _weak_int:
    return default_int_dtype()
  if node is _weak_float:
    return default_float_dtype()
  if node is _weak_complex:
    return default_complex_dtype()
  return node


def _fast_node(a):
  """Lattice node of an array-like without the general dispatch of ``_lattice_node``."""
  t = type(a)
  if t in (int, float, complex):
    return _weak_node_of_type[t]
  if t is bool:
    return bool_
  dt = getattr(a, "dtype", None)
  if dt is not None and not isinstance(a, type) and type(dt) is not type:
    key = (dt, bool(getattr(a, "weak_type", False)), config.jax_enable_x64)
    node = _node_cache.get(key)
    if node is None:
      node = _node_cache[key] = _lattice_node(a)[0]
    return node
  return _lattice_node(a)[0]


_node_cache: dict = {}
_result_cache: dict = {}


def result_type(*args, return_weak_type_flag: bool = False):
  """JAX's result type of combining ``args`` (values or dtypes), weak types included."""
  if not args:
    raise ValueError("at least one array or dtype is required")
  node = None
  for a in args:
    n = _fast_node(a)
    node = n if node is None else (n if n is node else _lub(node, n))
  key = (node, config.jax_enable_x64)
  res = _result_cache.get(key)
  if res is None:
    res = _result_cache[key] = (canonicalize_dtype(_node_to_dtype(node)),
                                isinstance(node, _WeakNode))
  return res if return_weak_type_flag else res[0]


def promote_types(a, b):
  """Promote two dtypes as JAX does (``jnp.promote_types``): no weak types involved."""
  na = np.dtype(a) if not (isinstance(a, type) and a in _python_scalar_dtypes) else _python_scalar_dtypes[a]
  nb = np.dtype(b) if not (isinstance(b, type) and b in _python_scalar_dtypes) else _python_scalar_dtypes[b]
  return canonicalize_dtype(_node_to_dtype(_lub(na, nb)))


# ---------------------------------------------------------------------------
# Classification

class extended(np.generic):
  """The abstract class of JAX's extended dtypes (``jax.dtypes.extended``)."""


class prng_key(extended):
  """The abstract class of typed PRNG key dtypes: ``issubdtype(key.dtype, prng_key)``."""


def issubdtype(a, b) -> bool:
  """``np.issubdtype`` that also knows the ml_dtypes floats and ints and key dtypes."""
  if b is prng_key or b is extended:
    return type(a).__name__ == "KeyTy" or (isinstance(a, type) and issubclass(a, b))
  if type(a).__name__ == "KeyTy":  # a key dtype is no NumPy kind
    return False
  if isinstance(a, type) and a in _python_scalar_dtypes:
    a = _python_scalar_dtypes[a]
  a_dt = np.dtype(a) if not (isinstance(a, type) and issubclass(a, np.generic) and
                             a in (np.floating, np.integer, np.number, np.inexact,
                                   np.signedinteger, np.unsignedinteger,
                                   np.complexfloating, np.generic, np.bool_)) else None
  if a_dt is None:
    return np.issubdtype(a, b)
  if isinstance(b, type) and b in _python_scalar_dtypes:
    b = {bool: np.bool_, int: np.integer, float: np.floating, complex: np.complexfloating}[b]
  if a_dt in _ml_float_dtypes:
    if isinstance(b, type) and b in (np.floating, np.inexact, np.number, np.generic):
      return True
    return _is_concrete_dtype(b) and a_dt == np.dtype(b)
  if a_dt in _ml_int_dtypes or a_dt in _ml_uint_dtypes:
    signed = a_dt in _ml_int_dtypes
    cats = (np.integer, np.number, np.generic,
            np.signedinteger if signed else np.unsignedinteger)
    if isinstance(b, type) and b in cats:
      return True
    return _is_concrete_dtype(b) and a_dt == np.dtype(b)
  return np.issubdtype(a_dt, b)


def _is_concrete_dtype(b) -> bool:
  """False for abstract NumPy classes (np.integer...), which are categories, not dtypes."""
  return not (isinstance(b, type) and issubclass(b, np.generic) and b in _ABSTRACT)


_ABSTRACT = (np.generic, np.number, np.integer, np.signedinteger, np.unsignedinteger,
             np.inexact, np.floating, np.complexfloating)


def is_floating(dt) -> bool:
  dt = np.dtype(dt)
  return dt.kind == "f" or dt in _ml_float_dtypes


def is_complex(dt) -> bool:
  return np.dtype(dt).kind == "c"


def is_inexact(dt) -> bool:
  return is_floating(dt) or is_complex(dt)


def is_integer(dt) -> bool:
  dt = np.dtype(dt)
  return dt.kind in "iu" or dt in _ml_int_dtypes or dt in _ml_uint_dtypes


def is_unsigned(dt) -> bool:
  dt = np.dtype(dt)
  return dt.kind == "u" or dt in _ml_uint_dtypes


def is_bool(dt) -> bool:
  return np.dtype(dt) == bool_


def finfo(dt):
  dt = np.dtype(dt)
  if dt in _ml_float_dtypes:
    return ml_dtypes.finfo(dt)
  return np.finfo(dt)


def iinfo(dt):
  dt = np.dtype(dt)
  if dt in _ml_int_dtypes or dt in _ml_uint_dtypes:
    return ml_dtypes.iinfo(dt)
  return np.iinfo(dt)


def to_inexact_dtype(dt):
  """The float dtype an integer/bool input is computed in (``sin(int32) -> float32``)."""
  dt = np.dtype(dt)
  if is_inexact(dt):
    return dt
  return default_float_dtype()


def real_dtype(dt):
  dt = np.dtype(dt)
  if dt == np.complex64:
    return np.dtype(np.float32)
  if dt == np.complex128:
    return np.dtype(np.float64)
  return dt


def complex_dtype_for(dt):
  """The complex dtype holding ``dt`` (float64/complex128 -> complex128, else complex64)."""
  dt = np.dtype(dt)
  return np.dtype(np.complex128) if dt in (np.dtype(np.float64), np.dtype(np.complex128)) \
      else np.dtype(np.complex64)


# float0: the tangent dtype of integer and boolean values.
float0 = np.dtype([("float0", np.void, 0)])


def short_dtype_name(dt) -> str:
  """Name used in jaxpr text: f32, i32, u8, bool, bf16, c64."""
  dt = np.dtype(dt)
  return _short_names.get(dt) or dt.name


_short_names = {
    np.dtype(np.bool_): "bool", np.dtype(np.int8): "i8", np.dtype(np.int16): "i16",
    np.dtype(np.int32): "i32", np.dtype(np.int64): "i64", np.dtype(np.uint8): "u8",
    np.dtype(np.uint16): "u16", np.dtype(np.uint32): "u32", np.dtype(np.uint64): "u64",
    np.dtype(np.float16): "f16", np.dtype(np.float32): "f32", np.dtype(np.float64): "f64",
    np.dtype(np.complex64): "c64", np.dtype(np.complex128): "c128",
    np.dtype(ml_dtypes.bfloat16): "bf16", np.dtype(ml_dtypes.float8_e4m3fn): "f8_e4m3fn",
    np.dtype(ml_dtypes.float8_e5m2): "f8_e5m2", np.dtype(ml_dtypes.int4): "i4",
    np.dtype(ml_dtypes.uint4): "u4", float0: "float0",
}
