"""The remaining jnp functions: selection (select, choose, compress, piecewise...), window
functions, bit packing, index tricks (r_, c_, s_), dtype helpers and NumPy passthroughs; it
also re-exports polynomial.py, statistics.py and ufunc_api.py (the public module imports
this one)."""
from __future__ import annotations

import builtins
import operator

import numpy as np

from jaxlite._src import core
from jaxlite._src import dtypes
from jaxlite._src.numpy import util
from jaxlite._src.numpy.polynomial import *  # noqa: F403
from jaxlite._src.numpy.polynomial import __all__ as _poly_all
from jaxlite._src.numpy.statistics import *  # noqa: F403
from jaxlite._src.numpy.statistics import __all__ as _stats_all
from jaxlite._src.numpy.ufunc_api import *  # noqa: F403
from jaxlite._src.numpy.ufunc_api import __all__ as _ufunc_all
from jaxlite._src.numpy.scalar_types import _make
from jaxlite import lax
from jaxlite import numpy as jnp

__all__ = _poly_all + _stats_all + _ufunc_all + [
    "ComplexWarning", "apply_along_axis", "apply_over_axes", "array_repr", "array_str",
    "bartlett", "blackman", "block", "broadcast_shapes", "c_", "can_cast", "character",
    "choose", "compress", "extract", "fill_diagonal", "flexible",
    "float4_e2m1fn", "float6_e2m3fn", "float6_e3m2fn", "float8_e3m4", "float8_e4m3",
    "float8_e4m3b11fnuz", "float8_e4m3fnuz", "float8_e5m2fnuz", "float8_e8m0fnu",
    "from_dlpack", "fromfile", "fromiter", "get_printoptions",
    "hamming", "hanning", "index_exp", "int1", "int2",
    "isdtype", "kaiser", "load", "mask_indices", "object_", "packbits", "piecewise", "place",
    "printoptions", "put", "r_", "s_", "save", "savez", "select", "set_printoptions",
    "setxor1d", "uint1", "uint2", "unpackbits",
]

# ---------------------------------------------------------------------------
# Types and NumPy passthroughs.

import ml_dtypes as _ml  # noqa: E402

float4_e2m1fn = _make("float4_e2m1fn", _ml.float4_e2m1fn)
float6_e2m3fn = _make("float6_e2m3fn", _ml.float6_e2m3fn)
float6_e3m2fn = _make("float6_e3m2fn", _ml.float6_e3m2fn)
float8_e3m4 = _make("float8_e3m4", _ml.float8_e3m4)
float8_e4m3 = _make("float8_e4m3", _ml.float8_e4m3)
float8_e4m3b11fnuz = _make("float8_e4m3b11fnuz", _ml.float8_e4m3b11fnuz)
float8_e4m3fnuz = _make("float8_e4m3fnuz", _ml.float8_e4m3fnuz)
float8_e5m2fnuz = _make("float8_e5m2fnuz", _ml.float8_e5m2fnuz)
float8_e8m0fnu = _make("float8_e8m0fnu", _ml.float8_e8m0fnu)
int1 = _make("int1", _ml.int1)
int2 = _make("int2", _ml.int2)
uint1 = _make("uint1", _ml.uint1)
uint2 = _make("uint2", _ml.uint2)

ComplexWarning = np.exceptions.ComplexWarning
character = np.character
flexible = np.flexible
object_ = np.object_
s_ = np.s_
index_exp = np.index_exp
save = np.save
savez = np.savez
get_printoptions = np.get_printoptions
set_printoptions = np.set_printoptions
printoptions = np.printoptions


def array_repr(arr, max_line_width=None, precision=None, suppress_small=None):
  return np.array_repr(np.asarray(arr), max_line_width, precision, suppress_small)


def array_str(a, max_line_width=None, precision=None, suppress_small=None):
  return np.array_str(np.asarray(a), max_line_width, precision, suppress_small)


def load(file, *args, **kwargs):
  """``numpy.load``, with arrays returned as jax arrays (and archives left as they are)."""
  out = np.load(file, *args, **kwargs)
  return jnp.asarray(out) if isinstance(out, np.ndarray) and out.dtype != object else out


def _impure(name):
  def fn(*args, **kwargs):
    raise NotImplementedError(
        f"jnp.{name}() is not implemented because it may be non-pure and thus unsafe for use "
        f"with JIT and other JAX transformations. Consider using jnp.asarray(np.{name}(...)) "
        f"instead, although care should be taken if np.{name} is used within a jax "
        f"transformations because of its potential side-effect of consuming the "
        f"{'iterable' if name == 'fromiter' else 'file'} object; for more information see "
        "https://docs.jax.dev/en/latest/notebooks/Common_Gotchas_in_JAX.html#pure-functions")
  fn.__name__ = name
  return fn


fromfile = _impure("fromfile")
fromiter = _impure("fromiter")


def from_dlpack(x, /, *, device=None, copy=None):
  """An array from any object with ``__dlpack__`` (or the array protocol)."""
  return jnp.array(np.from_dlpack(x) if hasattr(x, "__dlpack__") else np.asarray(x),
                   copy=bool(copy) if copy is not None else True)


def broadcast_shapes(*shapes):
  """The shape that broadcasting ``shapes`` together gives (a tuple of ints)."""
  if not shapes:
    return ()
  return tuple(np.broadcast_shapes(*(tuple(s) if np.ndim(s) else (s,) for s in shapes)))


def can_cast(from_, to, casting="safe"):
  """``numpy.can_cast`` on dtypes (values are not inspected)."""
  from_ = from_.dtype if hasattr(from_, "dtype") else from_
  return np.can_cast(np.dtype(from_), np.dtype(to), casting)


_KINDS = {
    "bool": lambda d: d == np.bool_,
    "signed integer": lambda d: dtypes.issubdtype(d, np.signedinteger),
    "unsigned integer": lambda d: dtypes.issubdtype(d, np.unsignedinteger),
    "integral": lambda d: dtypes.issubdtype(d, np.integer),
    "real floating": lambda d: dtypes.issubdtype(d, np.floating),
    "complex floating": lambda d: dtypes.issubdtype(d, np.complexfloating),
    "numeric": lambda d: dtypes.issubdtype(d, np.number),
}


def isdtype(dtype, kind):
  """Array-API ``isdtype``: is ``dtype`` of ``kind`` (a name, a dtype or a tuple of them)."""
  dt = np.dtype(dtype.dtype if hasattr(dtype, "dtype") and not isinstance(dtype, np.dtype)
                else dtype)
  kinds = kind if isinstance(kind, tuple) else (kind,)
  for k in kinds:
    if isinstance(k, str):
      if k not in _KINDS:
        raise ValueError(f"Unrecognized {k=!r}")
      if _KINDS[k](dt):
        return True
    elif np.dtype(k.dtype if hasattr(k, "dtype") and not isinstance(k, np.dtype) else k) == dt:
      return True
  return False


# ---------------------------------------------------------------------------
# Index tricks.

def _block(xs):
  if isinstance(xs, tuple):
    raise ValueError(f"jax.numpy.block does not allow tuples, got {xs}")
  if not isinstance(xs, list):
    return jnp.asarray(xs), 1
  if not xs:
    raise ValueError("jax.numpy.block does not allow empty list arguments")
  parts, depths = zip(*(_block(x) for x in xs))
  if any(d != depths[0] for d in depths[1:]):
    raise ValueError("Mismatched list depths in jax.numpy.block")
  rank = builtins.max(depths[0], builtins.max(p.ndim for p in parts))
  parts = [p.reshape((1,) * (rank - p.ndim) + p.shape) for p in parts]
  return jnp.concatenate(parts, axis=-depths[0]), depths[0] + 1


def block(arrays):
  """Assemble an array from nested lists of blocks (the innermost list is the last axis)."""
  return _block(arrays)[0]


class _Concatenator:
  """``r_`` / ``c_``: concatenate slices (as aranges/linspaces), arrays and scalars."""

  def __init__(self, axis, ndmin, trans1d):
    self.axis, self.ndmin, self.trans1d = axis, ndmin, trans1d

  def __getitem__(self, key):
    key = key if isinstance(key, tuple) else (key,)
    axis, ndmin, trans1d = self.axis, self.ndmin, self.trans1d
    if key and isinstance(key[0], str):
      directive, key = key[0], key[1:]
      if directive in ("r", "c"):
        raise NotImplementedError("jnp.r_/c_ matrix directives are not supported")
      parts = [int(v) for v in directive.split(",")]
      axis = parts[0]
      if len(parts) > 1:
        ndmin = parts[1]
      if len(parts) > 2:
        trans1d = parts[2]
    items = []
    for item in key:
      if isinstance(item, slice):
        step = 1 if item.step is None else item.step
        start = 0 if item.start is None else item.start
        if isinstance(step, complex):
          arr = jnp.linspace(start, item.stop, int(abs(step)))
        else:
          arr = jnp.arange(start, item.stop, step)
      else:
        arr = jnp.asarray(item)
      if arr.ndim < ndmin:
        arr = _promote_rank(arr, ndmin, trans1d)
      items.append(arr)
    if not items:
      return jnp.zeros((0,))
    return jnp.concatenate(items, axis=axis)


def _promote_rank(arr, ndmin, trans1d):
  old = arr.ndim
  arr = arr.reshape(arr.shape + (1,) * (ndmin - old))
  if trans1d != -1 and old > 0:
    trans1d = trans1d % ndmin
    axes = list(range(ndmin))
    moved = axes[:old]
    rest = axes[old:]
    order = rest[:trans1d] + moved + rest[trans1d:]
    arr = jnp.transpose(arr, np.argsort(order))
  return arr


r_ = _Concatenator(0, 1, -1)
c_ = _Concatenator(-1, 2, 0)


def mask_indices(n, mask_func, k=0, *, size=None):
  """Indices where ``mask_func(ones((n, n)), k)`` is nonzero."""
  i, j = jnp.nonzero(mask_func(jnp.ones((n, n)), k), size=size)
  return i, j


# ---------------------------------------------------------------------------
# Selection.

def select(condlist, choicelist, default=0):
  """The first choice whose condition holds, elementwise, else ``default``."""
  if len(condlist) != len(choicelist):
    raise ValueError("condlist must have length equal to choicelist "
                     f"({len(condlist)} vs {len(choicelist)})")
  if len(condlist) == 0:
    raise ValueError("condlist must be non-empty")
  util.check_arraylike("select", *condlist, *choicelist, default)
  choices = util.promote_dtypes(jnp.asarray(default), *(jnp.asarray(c) for c in choicelist))
  # The default sits first under a False condition: argmax of all-False picks it.
  conds = jnp.stack(jnp.broadcast_arrays(False, *(jnp.asarray(c) for c in condlist)))
  idx = jnp.argmax(conds.astype(bool), axis=0)
  return lax.select_n(*jnp.broadcast_arrays(idx, *choices))


def choose(a, choices, out=None, mode="raise"):
  """``choices[a[i]][i]`` elementwise; mode 'raise' needs a concrete ``a``."""
  if out is not None:
    raise NotImplementedError("The 'out' argument to jnp.choose is not supported.")
  util.check_arraylike("choose", a, *choices)
  a = jnp.asarray(a)
  choices = [jnp.asarray(c) for c in choices]
  if not dtypes.issubdtype(a.dtype, np.integer):
    raise ValueError("`a` array must be integer typed")
  n = len(choices)
  if mode == "raise":
    concrete = core.concrete_or_error(
        np.asarray, a, "The error occurred because jnp.choose was jit-compiled with "
        "mode='raise'. Use mode='wrap' or mode='clip' instead.")
    if np.any((concrete < 0) | (concrete >= n)):
      raise ValueError("invalid entry in choice array")
  elif mode == "wrap":
    a = a % n
  elif mode == "clip":
    a = jnp.clip(a, 0, n - 1)
  else:
    raise ValueError(f"mode={mode!r} not understood. Must be 'raise', 'wrap', or 'clip'")
  a, *choices = jnp.broadcast_arrays(a, *choices)
  return jnp.array(choices)[(a,) + jnp.indices(a.shape, sparse=True)]


def compress(condition, a, axis=None, *, size=None, fill_value=0, out=None):
  """Slices of ``a`` along ``axis`` where ``condition`` is true (static ``size`` pads)."""
  util.check_arraylike("compress", condition, a, fill_value)
  if out is not None:
    raise NotImplementedError("The 'out' argument to jnp.compress is not supported.")
  cond = jnp.asarray(condition).astype(bool)
  if cond.ndim != 1:
    raise ValueError("condition must be a 1D array")
  arr = jnp.ravel(a) if axis is None else jnp.moveaxis(jnp.asarray(a), axis, 0)
  axis = 0 if axis is None else axis
  cond, extra = cond[:arr.shape[0]], cond[arr.shape[0]:]
  arr = arr[:cond.shape[0]]
  if size is None:
    if jnp.any(extra):
      raise ValueError("condition contains entries that are out of bounds")
    result = arr[cond]
  elif not 0 <= size <= arr.shape[0]:
    raise ValueError("size must be positive and not greater than the size of the array "
                     f"axis; got size={size} for a.shape[axis]={arr.shape[0]}")
  else:
    mask = cond.reshape(cond.shape + (1,) * (arr.ndim - 1))
    arr = jnp.where(mask, arr, jnp.array(fill_value, arr.dtype))
    result = arr[jnp.argsort(cond, stable=True, descending=True)][:size]
  return jnp.moveaxis(result, 0, axis)


def extract(condition, arr, *, size=None, fill_value=0):
  """Elements of ``arr`` where ``condition`` is true, both flattened."""
  util.check_arraylike("extract", condition, arr, fill_value)
  return compress(jnp.ravel(condition), jnp.ravel(arr), size=size, fill_value=fill_value)


def _immutable(name):
  return ValueError(f"jax.numpy.{name} cannot modify arrays in-place, because JAX arrays are "
                    "immutable. Pass inplace=False to instead return an updated array.")


def place(arr, mask, vals, *, inplace=True):
  """``arr`` with the masked positions filled by ``vals`` cycled (NumPy's ``place``)."""
  util.check_arraylike("place", arr, mask, vals)
  if inplace:
    raise _immutable("place")
  arr, mask, vals = jnp.asarray(arr), jnp.asarray(mask), jnp.asarray(vals)
  if arr.size == 0 or vals.size == 0:
    return arr
  flat_mask = jnp.ravel(mask).astype(bool)
  slot = jnp.cumsum(flat_mask) - 1
  fill = jnp.ravel(vals)[slot % vals.size].astype(arr.dtype)
  return jnp.where(flat_mask, fill, jnp.ravel(arr)).reshape(arr.shape)


def put(a, ind, v, mode=None, *, inplace=True):
  """``a`` with flat positions ``ind`` set to ``v`` (cycled); modes 'clip' (default) and
  'wrap'."""
  util.check_arraylike("put", a, ind, v)
  if inplace:
    raise _immutable("put")
  a, ind, v = jnp.asarray(a), jnp.ravel(jnp.asarray(ind)), jnp.ravel(jnp.asarray(v))
  if ind.size == 0 or v.size == 0:
    return a
  v = jnp.resize(v, ind.shape)
  if mode == "raise":
    raise NotImplementedError("The 'raise' mode to jnp.put is not supported.")
  if mode == "wrap":
    ind = ind % a.size
  elif mode in (None, "clip"):
    ind = jnp.clip(ind, 0, a.size - 1)
  else:
    raise ValueError(f"mode should be one of 'wrap' or 'clip'; got {mode=}")
  return jnp.ravel(a).at[ind].set(v.astype(a.dtype)).reshape(a.shape)


def fill_diagonal(a, val, wrap=False, *, inplace=True):
  """``a`` with its main diagonal set to ``val`` (cycled)."""
  if inplace:
    raise NotImplementedError("JAX arrays are immutable, must use inplace=False")
  if wrap:
    raise NotImplementedError("wrap=True is not implemented, must use wrap=False")
  util.check_arraylike("fill_diagonal", a, val)
  a, val = jnp.asarray(a), jnp.asarray(val)
  if a.ndim < 2:
    raise ValueError("array must be at least 2-d")
  if a.ndim > 2 and not all(n == a.shape[0] for n in a.shape[1:]):
    raise ValueError("All dimensions of input must be of equal length")
  n = builtins.min(a.shape)
  idx = jnp.diag_indices(n, a.ndim)
  return a.at[idx].set(val if val.ndim == 0 else jnp.resize(jnp.ravel(val), (n,)))


def piecewise(x, condlist, funclist, *args, **kw):
  """Apply ``funclist[i]`` where ``condlist[i]`` holds (the last true condition wins)."""
  util.check_arraylike("piecewise", x)
  x = jnp.asarray(x)
  nc, nf = len(condlist), len(funclist)
  if nf == nc + 1:
    funclist = list(funclist[-1:]) + list(funclist[:-1])
  elif nf == nc:
    funclist = [0] + list(funclist)
  else:
    raise ValueError(f"with {nc} condition(s), either {nc} or {nc + 1} functions are "
                     f"expected; got {nf}")
  conds = jnp.asarray(condlist, dtype=bool)
  # Branch 0 (the "otherwise" one) unless some condition holds: then the last one that does.
  idx = jnp.argmax(jnp.cumsum(jnp.concatenate([jnp.zeros_like(conds[:1]), conds], 0), 0), 0)
  dt = x.dtype

  def branch(f):
    if callable(f):
      return lambda v: jnp.asarray(f(v, *args, **kw)).astype(dt)
    return lambda v: jnp.array(f, dtype=dt)
  branches = [branch(f) for f in funclist]
  return jnp.vectorize(lambda i, v: lax.switch(i, branches, v))(idx, x)


def setxor1d(ar1, ar2, assume_unique=False, *, size=None, fill_value=None):
  """Sorted values in exactly one of the inputs (padded to a static ``size`` if given)."""
  util.check_arraylike("setxor1d", ar1, ar2)
  a1, a2 = util.promote_dtypes(jnp.ravel(ar1), jnp.ravel(ar2))
  if size is None:
    if not assume_unique:
      a1, a2 = jnp.unique(a1), jnp.unique(a2)
    aux = jnp.sort(jnp.concatenate((a1, a2)))
    if aux.size == 0:
      return aux
    flag = jnp.concatenate((jnp.array([True]), aux[1:] != aux[:-1], jnp.array([True])))
    return aux[flag[1:] & flag[:-1]]
  size = core.concrete_or_error(operator.index, size, "The size argument of jnp.setxor1d")
  parts = [_first_occurrences(a, assume_unique) for a in (a1, a2)]
  aux = jnp.concatenate([p[0] for p in parts])
  valid = jnp.concatenate([p[1] for p in parts])
  if aux.size == 0:
    return jnp.full((size,), 0 if fill_value is None else fill_value, aux.dtype)
  # Valid entries first, in order; a value is kept when no valid neighbour equals it.
  order = jnp.lexsort((aux, ~valid))
  aux, valid = aux[order], valid[order]
  same = aux[1:] == aux[:-1]
  no = jnp.array([False])
  dup = (jnp.concatenate((no, same & valid[:-1])) | jnp.concatenate((same & valid[1:], no)))
  keep = valid & ~dup
  fill = aux[jnp.argmax(keep)] if fill_value is None else fill_value
  out = compress(keep, aux, size=builtins.min(size, aux.shape[0]), fill_value=fill)
  if size > aux.shape[0]:
    out = jnp.concatenate([out, jnp.full((size - aux.shape[0],), fill, aux.dtype)])
  return out


def _first_occurrences(a, assume_unique):
  """(sorted a, mask of the first occurrence of each value)."""
  if assume_unique:
    return a, jnp.ones(a.shape, bool)
  s = jnp.sort(a)
  return s, jnp.concatenate((jnp.ones((builtins.min(1, s.size),), bool), s[1:] != s[:-1]))


def apply_along_axis(func1d, axis, arr, *args, **kwargs):
  """``func1d`` applied to each 1-D slice along ``axis`` (by nested vmaps)."""
  from jaxlite._src.api import vmap
  util.check_arraylike("apply_along_axis", arr)
  nd = np.ndim(arr)
  axis = util.canonicalize_axis(axis, nd)

  def func(a):
    return func1d(a, *args, **kwargs)
  for i in builtins.range(1, nd - axis):
    func = vmap(func, in_axes=i, out_axes=-1)
  for _ in builtins.range(axis):
    func = vmap(func, in_axes=0, out_axes=0)
  return func(arr)


def apply_over_axes(func, a, axes):
  """Apply ``func(a, axis)`` repeatedly, keeping the rank (a lost axis is re-inserted)."""
  util.check_arraylike("apply_over_axes", a)
  a = jnp.asarray(a)
  for ax in axes:
    b = func(a, ax)
    if b.ndim == a.ndim:
      a = b
    elif b.ndim == a.ndim - 1:
      a = jnp.expand_dims(b, ax)
    else:
      raise ValueError("function is not returning an array of the correct shape")
  return a


# ---------------------------------------------------------------------------
# Window functions.

def _window(name, M):
  M = core.concrete_or_error(int, M, f"M argument of jnp.{name}")
  dt = dtypes.default_float_dtype()
  return M, dt, (None if M > 1 else jnp.ones((builtins.max(M, 0),), dt))


def bartlett(M):
  """Triangular window."""
  M, dt, small = _window("bartlett", M)
  if small is not None:
    return small
  n = jnp.arange(M, dtype=dt)
  return 1 - jnp.abs(2 * n + 1 - M) / (M - 1)


def blackman(M):
  """Blackman window."""
  M, dt, small = _window("blackman", M)
  if small is not None:
    return small
  n = jnp.arange(M, dtype=dt)
  return 0.42 - 0.5 * jnp.cos(2 * np.pi * n / (M - 1)) + 0.08 * jnp.cos(4 * np.pi * n / (M - 1))


def hamming(M):
  """Hamming window."""
  M, dt, small = _window("hamming", M)
  if small is not None:
    return small
  return 0.54 - 0.46 * jnp.cos(2 * np.pi * jnp.arange(M, dtype=dt) / (M - 1))


def hanning(M):
  """Hann window."""
  M, dt, small = _window("hanning", M)
  if small is not None:
    return small
  return 0.5 - 0.5 * jnp.cos(2 * np.pi * jnp.arange(M, dtype=dt) / (M - 1))


def kaiser(M, beta):
  """Kaiser window with shape parameter ``beta``."""
  M, dt, small = _window("kaiser", M)
  if small is not None:
    return small
  alpha = 0.5 * (M - 1)
  n = jnp.arange(M, dtype=dt)
  return jnp.i0(beta * jnp.sqrt(1 - ((n - alpha) / alpha) ** 2)) / jnp.i0(jnp.asarray(beta, dt))


# ---------------------------------------------------------------------------
# Bit packing.

def packbits(a, axis=None, bitorder="big"):
  """Pack the truth values of ``a`` into uint8 bytes along ``axis``."""
  util.check_arraylike("packbits", a)
  arr = jnp.asarray(a)
  if not (dtypes.issubdtype(arr.dtype, np.integer) or arr.dtype == np.bool_):
    raise TypeError("Expected an input array of integer or boolean data type")
  if bitorder not in ("little", "big"):
    raise ValueError("'order' must be either 'little' or 'big'")
  arr = (arr != 0).astype(np.uint8)
  shifts = jnp.arange(8, dtype=np.uint8)
  if bitorder == "big":
    shifts = shifts[::-1]
  if axis is None:
    arr, axis = jnp.ravel(arr), 0
  arr = jnp.swapaxes(arr, axis, -1)
  rem = arr.shape[-1] % 8
  if rem:
    arr = jnp.pad(arr, [(0, 0)] * (arr.ndim - 1) + [(0, 8 - rem)])
  arr = arr.reshape(arr.shape[:-1] + (arr.shape[-1] // 8, 8))
  packed = jnp.sum(jnp.left_shift(arr, shifts), axis=-1).astype(np.uint8)
  return jnp.swapaxes(packed, axis, -1)


def unpackbits(a, axis=None, count=None, bitorder="big"):
  """Unpack uint8 bytes into bits along ``axis`` (``count`` bits kept or zero-padded)."""
  util.check_arraylike("unpackbits", a)
  arr = jnp.asarray(a)
  if arr.dtype != np.uint8:
    raise TypeError("Expected an input array of unsigned byte data type")
  if bitorder not in ("little", "big"):
    raise ValueError("'order' must be either 'little' or 'big'")
  bits = jnp.left_shift(jnp.ones((), np.uint8), jnp.arange(8, dtype=np.uint8))
  if bitorder == "big":
    bits = bits[::-1]
  if axis is None:
    arr, axis = jnp.ravel(arr), 0
  arr = jnp.swapaxes(arr, axis, -1)
  out = ((arr[..., None] & bits) > 0).astype(np.uint8)
  out = out.reshape(out.shape[:-2] + (-1,))
  if count is not None:
    if count > out.shape[-1]:
      out = jnp.pad(out, [(0, 0)] * (out.ndim - 1) + [(0, count - out.shape[-1])])
    else:
      out = out[..., :count]
  return jnp.swapaxes(out, axis, -1)
