"""Array creation: asarray/array, zeros/ones/full/empty (and _like), arange, eye."""
from __future__ import annotations

import operator

import numpy as np

from jaxlite._src import core
from jaxlite._src import dtypes
from jaxlite._src.array import ArrayImpl
from jaxlite._src.core import Tracer
from jaxlite._src.lax import shapes as lax_shapes
from jaxlite._src.numpy import util

_SCALARS = (int, float, complex, bool)


def _dtype_arg(dtype, fun_name):
  return dtypes.check_user_dtype_supported(dtype, fun_name)


def _contains_tracer_or_array(obj):
  if isinstance(obj, (Tracer, ArrayImpl)):
    return True
  if isinstance(obj, (list, tuple)):
    return any(_contains_tracer_or_array(o) for o in obj)
  return False


def _python_scalar_python_check(x, dtype=None):
  if type(x) is int and dtype is not None:
    if np.dtype(dtype).kind in "iu":
      info = np.iinfo(dtype)
      if not info.min <= x <= info.max:
        raise OverflowError(f"Python integer {x} out of bounds for {np.dtype(dtype).name}")
    return
  if type(x) is int:
    info = np.iinfo(dtypes.default_int_dtype()) if not dtypes.config.jax_enable_x64 else \
        np.iinfo(np.int64)
    if not (info.min <= x <= info.max) and not (0 <= x <= np.iinfo(np.uint64).max and
                                                dtypes.config.jax_enable_x64):
      raise OverflowError(f"Python int {x} too large to convert to {info.dtype}")


def asarray(a, dtype=None, order=None, *, copy=None, device=None):
  """Convert ``a`` to a jaxlite Array (no copy when it already is one of the right dtype)."""
  return array(a, dtype=dtype, copy=bool(copy), order=order, device=device)


def array(object, dtype=None, copy=True, order="K", ndmin=0, *, device=None):  # noqa: A002
  """Create an Array from an array-like: Python scalars stay weakly typed, as in JAX."""
  dt = _dtype_arg(dtype, "array")
  x = object
  if hasattr(x, "__jax_array__") and not isinstance(x, (ArrayImpl, Tracer)):
    x = x.__jax_array__()
  t = type(x)
  if t in _SCALARS:
    _python_scalar_python_check(x, dt)
    weak = dt is None and t is not bool
    out = ArrayImpl(np.asarray(x, dt if dt is not None else dtypes.python_scalar_dtype(x)), weak)
  elif t is ArrayImpl:
    out = x if dt is None or x.dtype == dt else util.convert_to(x, dt, False)
  elif isinstance(x, Tracer):
    out = x if dt is None or x.dtype == dt else util.convert_to(x, dt, False)
  elif isinstance(x, (np.ndarray, np.generic)):
    target = dt if dt is not None else dtypes.canonicalize_dtype(x.dtype)
    out = ArrayImpl(np.array(x, dtype=target, copy=True))
  elif isinstance(x, (list, tuple)):
    if _contains_tracer_or_array(x):
      out = _stack_nested(x, dt)
    else:
      if len(x) == 0:
        out = ArrayImpl(np.zeros((0,), dt if dt is not None else dtypes.default_float_dtype()))
      else:
        leaves = _flatten_nested(x)
        for leaf in leaves:
          if type(leaf) not in _SCALARS and not isinstance(leaf, (np.generic, np.ndarray)):
            raise TypeError(f"Unexpected input type for array: {type(leaf)}")
          _python_scalar_python_check(leaf, dt)
        target = dt if dt is not None else dtypes.result_type(*leaves)
        out = ArrayImpl(np.array(x, dtype=target))
  elif isinstance(x, (str, bytes)) or x is None:
    raise TypeError(f"Unexpected input type for array: {type(x)}")
  else:
    try:
      v = np.asarray(x)
    except Exception:
      raise TypeError(f"Unexpected input type for array: {type(x)}") from None
    if v.dtype == object:
      raise TypeError(f"Unexpected input type for array: {type(x)}")
    return array(v, dtype, copy, order, ndmin)
  if ndmin and util.ndim(out) < ndmin:
    s = util.shape(out)
    out = lax_shapes.reshape(out, (1,) * (ndmin - len(s)) + s)
  return out


def _flatten_nested(x):
  out = []
  for item in x:
    if isinstance(item, (list, tuple)):
      out.extend(_flatten_nested(item))
    elif isinstance(item, np.ndarray):
      out.append(item.dtype.type(0) if item.size else item.dtype.type(0))
    else:
      out.append(item)
  return out


def _stack_nested(x, dt):
  from jaxlite._src.numpy.shape_ops import stack
  items = [array(item, dtype=dt) if isinstance(item, (list, tuple)) else item for item in x]
  return stack([asarray(i) for i in items]) if dt is None else \
      util.convert_to(stack([asarray(i) for i in items]), dt, False)


def _shape_arg(shape, fun_name):
  if isinstance(shape, (int, np.integer)) or (hasattr(shape, "__index__") and
                                               not isinstance(shape, (tuple, list))):
    shape = (shape,)
  dims = []
  for d in shape:
    if isinstance(d, Tracer) and d.to_concrete_value() is None:
      from jaxlite._src import errors
      context = errors.tracing_context(d)
      raise TypeError(
          f"Shapes must be 1D sequences of concrete values of integer type, got {tuple(shape)}."
          "\nIf using `jit`, try using `static_argnums` or applying `jit` to smaller "
          "subfunctions." + (f"\n{context}" if context else ""))
    try:
      dims.append(operator.index(core.concrete_value(d)))
    except TypeError:
      raise TypeError(f"Shapes must be 1D sequences of concrete values of integer type, got "
                      f"{tuple(shape)}.") from None
  return tuple(dims)


def full(shape, fill_value, dtype=None, *, device=None):
  shape = _shape_arg(shape, "full")
  dt = _dtype_arg(dtype, "full")
  if util.ndim(fill_value) == 0:
    return lax_shapes.full(shape, fill_value, dt if dt is not None else
                           dtypes.result_type(fill_value))
  from jaxlite._src.numpy.shape_ops import broadcast_to
  return broadcast_to(asarray(fill_value, dtype=dt), shape)


def zeros(shape, dtype=None, *, device=None):
  shape = _shape_arg(shape, "zeros")
  dt = _dtype_arg(dtype, "zeros") or dtypes.default_float_dtype()
  return lax_shapes.full(shape, 0, dt)


def ones(shape, dtype=None, *, device=None):
  shape = _shape_arg(shape, "ones")
  dt = _dtype_arg(dtype, "ones") or dtypes.default_float_dtype()
  return lax_shapes.full(shape, 1, dt)


def empty(shape, dtype=None, *, device=None):
  return zeros(shape, dtype)


def _like(a, dtype, shape, fill, fun_name):
  util.check_arraylike(fun_name, a)
  dt = _dtype_arg(dtype, fun_name)
  aval = core.get_aval(core.to_array(a)) if not isinstance(a, core.Tracer) else a.aval
  s = aval.shape if shape is None else _shape_arg(shape, fun_name)
  out = lax_shapes.full(s, fill, aval.dtype if dt is None else dt)
  if dt is None and aval.weak_type:  # a weakly typed prototype gives a weak result, as JAX
    out = util.convert_to(out, aval.dtype, True)
  return out


def zeros_like(a, dtype=None, shape=None, *, device=None):
  return _like(a, dtype, shape, 0, "zeros_like")


def ones_like(a, dtype=None, shape=None, *, device=None):
  return _like(a, dtype, shape, 1, "ones_like")


def empty_like(prototype, dtype=None, shape=None, *, device=None):
  return _like(prototype, dtype, shape, 0, "empty_like")


def full_like(a, fill_value, dtype=None, shape=None, *, device=None):
  util.check_arraylike("full_like", a)
  dt = _dtype_arg(dtype, "full_like")
  aval = core.get_aval(core.to_array(a)) if not isinstance(a, core.Tracer) else a.aval
  s = aval.shape if shape is None else _shape_arg(shape, "full_like")
  if util.ndim(fill_value) == 0:
    out = lax_shapes.full(s, fill_value, aval.dtype if dt is None else dt)
    if dt is None and aval.weak_type:
      out = util.convert_to(out, aval.dtype, True)
    return out
  from jaxlite._src.numpy.shape_ops import broadcast_to
  return broadcast_to(asarray(fill_value, dtype=aval.dtype if dt is None else dt), s)


def arange(start, stop=None, step=None, dtype=None, *, device=None):
  """Evenly spaced values; the bounds must be concrete (they decide the shape)."""
  dt = _dtype_arg(dtype, "arange")
  for name, v in (("start", start), ("stop", stop), ("step", step)):
    if isinstance(v, Tracer) and v.to_concrete_value() is None:
      raise core.errors.ConcretizationTypeError(
          v, f"It arose in the jnp.arange argument '{name}'. The shape of the result depends "
             "on it; pass it as a Python number or mark it static.")
  vals = [core.concrete_value(v) for v in (start, stop, step) if v is not None]
  vals = [np.asarray(v).item() if hasattr(v, "shape") else v for v in vals]
  if dt is None:
    dt = dtypes.canonicalize_dtype(dtypes.result_type(*[np.asarray(v).dtype.type(0)
                                                         if not isinstance(v, (int, float, complex, bool))
                                                         else v for v in vals]))
    if dtypes.is_bool(dt):
      dt = dtypes.default_int_dtype()
  if stop is None and step is None:
    n = vals[0]
    if not isinstance(n, (complex,)) and dtypes.is_integer(dt) and \
        float(n) == int(n) and np.ndim(n) == 0:
      return _iota(dt, max(int(np.ceil(n)), 0))
  values = np.arange(*vals, dtype=dt if not dtypes.is_integer(dt) else None)
  if values.dtype != dt:
    values = values.astype(dt)
  return ArrayImpl(values) if core.is_eval_trace() else _staged_const(values)


def _iota(dt, n):
  from jaxlite._src.lax.shapes import iota
  return iota(dt, n)


def _staged_const(values):
  return ArrayImpl(values)


def eye(N, M=None, k=0, dtype=None, *, device=None):
  dt = _dtype_arg(dtype, "eye") or dtypes.default_float_dtype()
  N = core.concrete_or_error(operator.index, N, "The N argument of jnp.eye")
  M = N if M is None else core.concrete_or_error(operator.index, M, "The M argument of jnp.eye")
  k = core.concrete_or_error(operator.index, k, "The k argument of jnp.eye")
  if N < 0 or M < 0:
    raise ValueError(f"negative dimensions are not allowed, got {N} and {M}")
  return ArrayImpl(np.eye(N, M, k, dtype=dt))


def identity(n, dtype=None):
  return eye(n, dtype=dtype)
