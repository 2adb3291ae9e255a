"""The heart of jaxlite: abstract values, primitives, tracers and the one current trace.

Dispatch is "stackless": a thread-local holds the current trace, ``prim.bind`` hands every
call to it, and each trace recognises its own tracers by identity. A value that belongs to
no trace (an Array, a NumPy array, a Python scalar) is a constant to every trace.
"""
from __future__ import annotations

import contextlib
import threading

import numpy as np

from jaxlite._src import dtypes
from jaxlite._src import errors
from jaxlite._src.config import config


# ---------------------------------------------------------------------------
# Abstract values

class ShapedArray:
  """Shape, dtype and weak-type flag: everything tracing knows about an array."""
  __slots__ = ("shape", "dtype", "weak_type", "_hash")
  array_abstraction_level = 1

  def __init__(self, shape, dtype, weak_type: bool = False):
    self.shape = tuple(shape)
    self.dtype = np.dtype(dtype)
    self.weak_type = bool(weak_type)
    self._hash = None

  @property
  def ndim(self):
    return len(self.shape)

  @property
  def size(self):
    return int(np.prod(self.shape, dtype=np.int64))

  def update(self, shape=None, dtype=None, weak_type=None):
    return ShapedArray(self.shape if shape is None else shape,
                       self.dtype if dtype is None else dtype,
                       self.weak_type if weak_type is None else weak_type)

  def strip_weak_type(self):
    return self if not self.weak_type else ShapedArray(self.shape, self.dtype, False)

  def to_tangent_aval(self):
    if dtypes.is_inexact(self.dtype):
      return ShapedArray(self.shape, self.dtype, self.weak_type)
    return ShapedArray(self.shape, dtypes.float0, False)

  def str_short(self, short_dtypes: bool = False) -> str:
    name = dtypes.short_dtype_name(self.dtype) if short_dtypes else self.dtype.name
    return f"{name}[{','.join(str(d) for d in self.shape)}]"

  def __eq__(self, other):
    return (type(other) is ShapedArray and self.shape == other.shape and
            self.dtype == other.dtype and self.weak_type == other.weak_type)

  def __hash__(self):
    h = self._hash
    if h is None:
      h = self._hash = hash((self.shape, self.dtype, self.weak_type))
    return h

  def __repr__(self):
    weak = ", weak_type=True" if self.weak_type else ""
    return f"ShapedArray({self.str_short(short_dtypes=False)}{weak})"

  def __str__(self):
    return ("~" if self.weak_type else "") + self.str_short()


def get_aval(x) -> ShapedArray:
  """The abstract value of any array-like: tracer, Array, NumPy value or Python scalar."""
  aval = getattr(x, "aval", None)
  if aval is not None:
    return aval
  t = type(x)
  if t in (int, float, complex, bool):
    return ShapedArray((), dtypes.python_scalar_dtype(x), t is not bool)
  if isinstance(x, (np.ndarray, np.generic)):
    return ShapedArray(x.shape, dtypes.canonicalize_dtype(x.dtype), False)
  raise TypeError(f"Value {x!r} of type {type(x).__name__} is not a valid JAX type. "
                  "Pass arrays, NumPy arrays or Python scalars (or a pytree of them).")


def is_array_like(x) -> bool:
  return (isinstance(x, (Tracer, np.ndarray, np.generic)) or type(x) in (int, float, complex, bool)
          or getattr(x, "aval", None) is not None)


# ---------------------------------------------------------------------------
# Primitives

all_primitives: dict[str, "Primitive"] = {}


class Primitive:
  """A named operation. Its rules live in tables of the interpreters, keyed by the primitive."""
  multiple_results = False
  effectful = False  # side effects (prints, io callbacks): never removed, kept in order

  def __init__(self, name: str, multiple_results: bool = False):
    self.name = name
    self.multiple_results = multiple_results
    self.impl = None
    self.abstract_eval = None
    # Eager evaluation needs only the weak flag of the result, not a full abstract eval.
    self.weak_type_rule = _all_weak
    all_primitives.setdefault(name, self)

  def def_impl(self, impl):
    self.impl = impl
    return impl

  def def_abstract_eval(self, rule):
    self.abstract_eval = rule
    return rule

  def bind(self, *args, **params):
    return _state.trace.process_primitive(self, args, params)

  def bind_with_trace(self, trace, args, params):
    return trace.process_primitive(self, args, params)

  def __repr__(self):
    return self.name


def _all_weak(weak_flags, **params):
  return bool(weak_flags) and all(weak_flags)


# ---------------------------------------------------------------------------
# Traces and tracers

class Trace:
  """Interprets primitives. Subclasses say how, and own the tracers they create."""
  _invalid = False

  def process_primitive(self, primitive, args, params):
    raise NotImplementedError

  def invalidate(self):
    self._invalid = True

  def __repr__(self):
    return type(self).__name__


class Tracer:
  """A stand-in for an array while a trace is active; arithmetic is installed by jnp."""
  __slots__ = ("_trace", "__weakref__")
  __array_priority__ = 1000

  @property
  def aval(self):
    raise NotImplementedError

  @property
  def shape(self):
    return self.aval.shape

  @property
  def dtype(self):
    return self.aval.dtype

  @property
  def ndim(self):
    return len(self.aval.shape)

  @property
  def size(self):
    return self.aval.size

  @property
  def weak_type(self):
    return self.aval.weak_type

  def to_concrete_value(self):
    """The concrete value behind this tracer if it has one (JVP tracers of Arrays do)."""
    return None

  def _concrete_or_error(self, error_cls, context=""):
    if self._trace._invalid:
      raise errors.UnexpectedTracerError(errors.escaped_tracer_message(self))
    value = self.to_concrete_value()
    if value is None:
      raise error_cls(self, context)
    return value

  def __bool__(self):
    return bool(self._concrete_or_error(errors.TracerBoolConversionError))

  def __int__(self):
    return int(self._concrete_or_error(errors.ConcretizationTypeError, _conversion_hint("int")))

  def __index__(self):
    return int(self._concrete_or_error(errors.TracerIntegerConversionError))

  def __float__(self):
    return float(self._concrete_or_error(errors.ConcretizationTypeError,
                                         _conversion_hint("float")))

  def __complex__(self):
    return complex(self._concrete_or_error(errors.ConcretizationTypeError,
                                           _conversion_hint("complex")))

  def __array__(self, dtype=None, copy=None):
    raise errors.TracerArrayConversionError(self)

  def __hash__(self):
    raise TypeError(f"unhashable type: {type(self).__name__}. Tracers cannot be dict keys or set "
                    "members; use a static argument (static_argnums) if the value is a constant.")

  def __len__(self):
    if not self.shape:
      raise TypeError("len() of unsized object")
    return self.shape[0]

  def __iter__(self):
    if not self.shape:
      raise TypeError("iteration over a 0-d array")
    return (self[i] for i in range(self.shape[0]))

  def __setitem__(self, idx, value):
    raise TypeError(errors.immutable_message(type(self).__name__))

  def __repr__(self):
    return f"{self._repr_name}({_weak_str(self.aval)})"

  _repr_name = "Tracer"

  def item(self, *args):
    value = self._concrete_or_error(errors.ConcretizationTypeError,
                                    "This occurred in the item() method of jax.Array")
    return np.asarray(value).item(*args)

  def tolist(self):
    value = self._concrete_or_error(
        errors.ConcretizationTypeError,
        f"The tolist() method was called on traced array with shape {_weak_str(self.aval)}.")
    return np.asarray(value).tolist()


def _conversion_hint(fn):
  return (f"The problem arose with the `{fn}` function. If trying to convert the data type of "
          f"a value, try using `x.astype({fn})` or `jnp.array(x, {fn})` instead.")


def _weak_str(aval) -> str:
  return ("~" if aval.weak_type else "") + aval.str_short(short_dtypes=False)


class EvalTrace(Trace):
  """The bottom trace: runs each primitive's NumPy implementation right away.

  The abstract evaluation runs too, so bad input raises the same error eagerly as under
  jit, and the result gets exactly the dtype and weak type the rules say."""

  def process_primitive(self, primitive, args, params):
    vals = []
    sig = []
    for x in args:
      if type(x) is ArrayImpl:
        v = x._value
        vals.append(v)
        sig.append((v.shape, v.dtype, x.weak_type))
      else:
        v, w = _to_eager_value(x)
        vals.append(v)
        sig.append((v.shape, v.dtype, w))
    out_aval = _eager_abstract_eval(primitive, sig, params)
    out = primitive.impl(*vals, **params)
    if primitive.multiple_results:
      outs = [_wrap_result(o, a, primitive) for o, a in zip(out, out_aval)]
    else:
      outs = _wrap_result(out, out_aval, primitive)
    if config.jax_debug_nans or config.jax_debug_infs:
      check_nans(primitive.name, outs if primitive.multiple_results else [outs])
    return outs


# Eager code repeats the same shapes again and again: remember each primitive's output type
# per (input signatures, params) instead of re-running its shape and dtype checks.
_aval_cache: dict = {}


def _eager_abstract_eval(primitive, sig, params):
  try:
    key = (primitive, tuple(sig), tuple(params.items()))
    out = _aval_cache.get(key)
  except TypeError:  # unhashable params: no caching
    return primitive.abstract_eval(*[ShapedArray(*s) for s in sig], **params)
  if out is None:
    out = primitive.abstract_eval(*[ShapedArray(*s) for s in sig], **params)
    if len(_aval_cache) > 20000:
      _aval_cache.clear()
    _aval_cache[key] = out
  return out


def check_nans(name, outs):
  """Raise FloatingPointError naming ``name`` if an output has a NaN (or inf), per the flags."""
  for o in outs:
    v = o._value if type(o) is ArrayImpl else np.asarray(o)
    if not dtypes.is_inexact(v.dtype):
      continue
    if config.jax_debug_nans and np.isnan(v).any():
      raise FloatingPointError(f"invalid value (nan) encountered in {name}")
    if config.jax_debug_infs and np.isinf(v).any():
      raise FloatingPointError(f"invalid value (inf) encountered in {name}")


def _wrap_result(out, aval, primitive):
  if type(out) is not np.ndarray:
    out = np.asarray(out)
  if out.dtype != aval.dtype:
    out = out.astype(aval.dtype)
  if out.shape != aval.shape:
    raise AssertionError(f"jaxlite bug: {primitive.name} impl returned shape {out.shape}, "
                         f"its shape rule says {aval.shape}")
  return ArrayImpl(out, aval.weak_type)


def _to_eager_value(x):
  if isinstance(x, Tracer):
    if x._trace._invalid:
      raise errors.UnexpectedTracerError(errors.escaped_tracer_message(x))
    raise errors.UnexpectedTracerError(
        f"Encountered a tracer {x!r} where a concrete value was expected: a value from a "
        "transformation was used outside of it (or under jax.ensure_compile_time_eval).")
  t = type(x)
  if t in (int, float, complex, bool):
    return np.asarray(x, dtypes.python_scalar_dtype(x)), t is not bool
  if isinstance(x, np.ndarray):
    dt = dtypes.canonicalize_dtype(x.dtype)
    return (x if dt == x.dtype else x.astype(dt)), False
  if isinstance(x, np.generic):
    return np.asarray(x, dtypes.canonicalize_dtype(x.dtype)), False
  if isinstance(x, ArrayImpl):
    return x._value, x.weak_type
  raise TypeError(f"Value {x!r} of type {t.__name__} is not a valid JAX type.")


class _TraceState(threading.local):
  def __init__(self):
    self.trace = eval_trace
    self.axis_env = []  # (name, size) of the named axes (vmap/pmap) being traced


eval_trace = EvalTrace()
_state = _TraceState()


def current_trace() -> Trace:
  return _state.trace


@contextlib.contextmanager
def set_current_trace(trace: Trace):
  old = _state.trace
  _state.trace = trace
  try:
    yield trace
  finally:
    _state.trace = old


@contextlib.contextmanager
def extend_axis_env(name, size):
  """Make the named axis ``name`` of ``size`` visible to code traced inside (collectives)."""
  _state.axis_env.append((name, size))
  try:
    yield
  finally:
    _state.axis_env.pop()


def axis_size(name) -> int:
  for n, size in reversed(_state.axis_env):
    if n == name:
      return size
  names = [n for n, _ in _state.axis_env]
  raise NameError(f"unbound axis name: {name}. The following axis names (e.g. defined by "
                  f"pmap, vmap(axis_name=...) or shard_map) are available to collective "
                  f"operations: {names}")


def is_eval_trace() -> bool:
  return _state.trace is eval_trace


def concrete_value(x):
  """The NumPy value of ``x`` when it is known at trace time, else None."""
  if isinstance(x, Tracer):
    return x.to_concrete_value()
  if type(x) is ArrayImpl:
    return x._value
  return x


def concrete_or_error(force, x, context=""):
  """``force(x)`` when ``x`` is concrete; ConcretizationTypeError naming ``context`` otherwise."""
  if isinstance(x, Tracer):
    value = x.to_concrete_value()
    if value is None:
      raise errors.ConcretizationTypeError(x, context)
    x = value
  return x if force is None else force(x)


# Late import: ArrayImpl needs the aval class defined above.
from jaxlite._src.array import Array, ArrayImpl  # noqa: E402

Array.register(Tracer)  # isinstance(tracer, jax.Array) holds, as in JAX


@contextlib.contextmanager
def ensure_compile_time_eval():
  """Run the enclosed operations eagerly even while tracing (``jax.ensure_compile_time_eval``)."""
  with set_current_trace(eval_trace):
    yield


def to_array(x):
  """Python scalars and NumPy values as Arrays; Arrays and tracers unchanged. Used where a
  transformation receives its inputs, so rules never see raw Python numbers."""
  t = type(x)
  if t is ArrayImpl or isinstance(x, Tracer):
    return x
  if t in (int, float, complex, bool):
    return ArrayImpl(np.asarray(x, dtypes.python_scalar_dtype(x)), t is not bool)
  if isinstance(x, (np.ndarray, np.generic)):
    return ArrayImpl(np.array(x, dtype=dtypes.canonicalize_dtype(x.dtype)))
  if hasattr(x, "__jax_array__"):
    return to_array(x.__jax_array__())
  raise TypeError(f"Argument {x!r} of type {t} is not a valid JAX type.")
