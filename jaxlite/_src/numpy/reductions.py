"""Reductions with NumPy's signature: sum, prod, mean, var, std, max, min, all, any."""
from __future__ import annotations

import numpy as np

from jaxlite._src import dtypes
from jaxlite._src.lax import lax
from jaxlite._src.numpy import util
from jaxlite._src.numpy.creation import asarray


def _keepdims(out, axes, in_shape):
  shape = tuple(1 if i in axes else d for i, d in enumerate(in_shape))
  kept = tuple(i for i in range(len(in_shape)) if i not in axes)
  return lax.broadcast_in_dim(out, shape, kept)


def _check_out(out, name):
  if out is not None:
    raise NotImplementedError(f"The 'out' argument to jnp.{name} is not supported: JAX arrays "
                              "are immutable; use the return value instead.")


def _reduction(a, name, lax_reduce, axis, dtype, out, keepdims, initial, where, identity,
               promote_integers=True, upcast_bool=True):
  _check_out(out, name)
  util.check_arraylike(name, a)
  a = asarray(a)
  in_shape = util.shape(a)
  axes = util.canonicalize_axes(axis, len(in_shape), f"jnp.{name}")
  dt = dtypes.check_user_dtype_supported(dtype, name)
  if dt is None:
    dt = a.dtype
    if promote_integers and dtypes.is_integer(dt) or (upcast_bool and dtypes.is_bool(dt)):
      if dtypes.is_unsigned(dt) and not dtypes.is_bool(dt):
        dt = dtypes.default_uint_dtype() if dt.itemsize < dtypes.default_uint_dtype().itemsize \
            else dt
      elif dt.itemsize < dtypes.default_int_dtype().itemsize or dtypes.is_bool(dt):
        dt = dtypes.default_int_dtype()
  if a.dtype != dt:
    a = util.convert_to(a, dt, False)
  if where is not None:
    from jaxlite._src.numpy.ufuncs import where as jwhere
    a = jwhere(where, a, np.array(identity, dt))
  result = lax_reduce(a, axes) if axes else a
  if initial is not None:
    from jaxlite._src.numpy.ufuncs import add, maximum, minimum, multiply
    combine = {"sum": add, "prod": multiply, "max": maximum, "min": minimum}[name]
    result = util.convert_to(combine(result, initial), dt, False)
  if keepdims:
    result = _keepdims(result, axes, in_shape)
  return result


def sum(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None,  # noqa: A001
        promote_integers=True):
  return _reduction(a, "sum", lax.reduce_sum, axis, dtype, out, keepdims, initial, where, 0,
                    promote_integers)


def prod(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None,
         promote_integers=True):
  return _reduction(a, "prod", lambda x, ax: lax.reduce_prod(x, ax), axis, dtype, out,
                    keepdims, initial, where, 1, promote_integers)


def _chooser(name, lax_name):
  def fn(a, axis=None, out=None, keepdims=False, initial=None, where=None):
    util.check_arraylike(name, a)
    a = asarray(a)
    if a.size == 0 and initial is None:
      axes = util.canonicalize_axes(axis, a.ndim)
      if any(a.shape[i] == 0 for i in axes):
        raise ValueError(f"zero-size array to reduction operation {name} which has no "
                         "identity")
    if where is not None and initial is None:
      raise ValueError(f"reduction operation {name} does not have an identity, so to use a "
                       "where mask one has to specify 'initial'")
    ident = initial if initial is not None else 0
    return _reduction(a, name, getattr(lax, lax_name), axis, None, out, keepdims, initial,
                      where, ident, promote_integers=False, upcast_bool=False)
  fn.__name__ = name
  return fn


max = _chooser("max", "reduce_max")  # noqa: A001
min = _chooser("min", "reduce_min")  # noqa: A001
amax = max
amin = min


def _bool_reduction(name, lax_name):
  def fn(a, axis=None, out=None, keepdims=False, *, where=None):
    util.check_arraylike(name, a)
    a = asarray(a)
    if a.dtype != np.bool_:
      a = lax.ne(a, np.array(0, a.dtype))
    return _reduction(a, name, getattr(lax, lax_name), axis, None, out, keepdims, None, where,
                      name == "all", promote_integers=False, upcast_bool=False)
  fn.__name__ = name
  return fn


all = _bool_reduction("all", "reduce_and")  # noqa: A001
any = _bool_reduction("any", "reduce_or")  # noqa: A001


def mean(a, axis=None, dtype=None, out=None, keepdims=False, *, where=None):
  _check_out(out, "mean")
  util.check_arraylike("mean", a)
  a = asarray(a)
  axes = util.canonicalize_axes(axis, a.ndim, "jnp.mean")
  if where is None:
    count = int(np.prod([a.shape[i] for i in axes], dtype=np.int64))
  else:
    from jaxlite._src.numpy.shape_ops import broadcast_to
    count = sum(broadcast_to(where, a.shape), axis=axis, keepdims=keepdims, dtype=np.int32)
  dt = dtypes.check_user_dtype_supported(dtype, "mean")
  if dt is None:
    dt = dtypes.to_inexact_dtype(a.dtype)
  total = sum(a, axis=axis, dtype=dt, keepdims=keepdims, where=where)
  if isinstance(count, int):
    return lax.div(total, np.array(count, dt))
  return lax.div(total, util.convert_to(count, dt, False))


def var(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None,
        correction=None, mean=None):
  _check_out(out, "var")
  if correction is not None:
    ddof = correction
  util.check_arraylike("var", a)
  a = asarray(a)
  dt = dtypes.check_user_dtype_supported(dtype, "var") or dtypes.to_inexact_dtype(a.dtype)
  a = util.convert_to(a, dt, False) if a.dtype != dt else a
  axes = util.canonicalize_axes(axis, a.ndim, "jnp.var")
  centered = lax.sub(a, globals()["mean"](a, axis=axis, keepdims=True, where=where)
                     if mean is None else mean)
  sq = lax.mul(centered, centered) if not dtypes.is_complex(dt) else \
      lax.real(lax.mul(centered, lax.conj(centered)))
  total = sum(sq, axis=axis, keepdims=keepdims, where=where)
  n = int(np.prod([a.shape[i] for i in axes], dtype=np.int64)) - ddof
  return lax.div(total, np.array(n if n > 0 else np.nan, total.dtype))


def std(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=None,
        correction=None, mean=None):
  return lax.sqrt(var(a, axis, dtype, out, ddof, keepdims, where=where, correction=correction,
                      mean=mean))
