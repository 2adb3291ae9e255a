"""Operators and methods of ``jax.Array``, installed on both concrete arrays and tracers.

Eager arithmetic between arrays of one float dtype skips dispatch entirely: the result
NumPy computes is exactly the one the primitive would give, and it is the most common op."""
from __future__ import annotations

import numpy as np

from jaxlite._src import core
from jaxlite._src.array import ArrayImpl
from jaxlite._src.config import config
from jaxlite._src.core import Tracer
from jaxlite._src.lax import lax
from jaxlite._src.lax.elementwise import float_divide
from jaxlite._src import quiet
from jaxlite._src.numpy import reductions, shape_ops, ufuncs, util

_FAST_DTYPES = frozenset(np.dtype(t) for t in (np.float16, np.float32, np.float64))
_state = core._state
_eval_trace = core.eval_trace


def _fast_binary(np_fn, jnp_fn, swap=False):
  def op(self, other):
    if _state.trace is _eval_trace and type(self) is ArrayImpl:
      a = self._value
      t = type(other)
      if t is ArrayImpl:
        b = other._value
        if a.dtype is b.dtype and a.dtype in _FAST_DTYPES and (
            a.ndim == b.ndim or config.jax_numpy_rank_promotion == "allow") and \
            not config.jax_debug_nans:
          try:  # quietly: JAX is silent on inf/nan arithmetic
            out = quiet.call(np_fn, b, a) if swap else quiet.call(np_fn, a, b)
          except ValueError:  # shapes that don't broadcast: the slow path raises JAX's error
            return jnp_fn(other, self) if swap else jnp_fn(self, other)
          return ArrayImpl(out, self.weak_type and other.weak_type)
      elif (t is float or t is int) and a.dtype in _FAST_DTYPES and not config.jax_debug_nans:
        out = quiet.call(np_fn, other, a) if swap else quiet.call(np_fn, a, other)
        if type(out) is not np.ndarray:
          out = np.asarray(out)
        return ArrayImpl(out, self.weak_type)
    if not util.is_arraylike(other):
      return NotImplemented
    return jnp_fn(other, self) if swap else jnp_fn(self, other)
  return op


def _binary(jnp_fn, swap=False):
  def op(self, other):
    if not util.is_arraylike(other):
      return NotImplemented
    return jnp_fn(other, self) if swap else jnp_fn(self, other)
  return op


def _lazy(module_attr):
  """Look a jnp function up at call time (modules written later fill these in)."""
  mod_name, attr = module_attr.rsplit(".", 1)

  def call(*args, **kwargs):
    import importlib
    return getattr(importlib.import_module(mod_name), attr)(*args, **kwargs)
  return call


_jnp = "jaxlite._src.numpy"
floor_divide = _lazy(f"{_jnp}.ufuncs_extra.floor_divide")
remainder = _lazy(f"{_jnp}.ufuncs_extra.remainder")
bitwise_and = _lazy(f"{_jnp}.ufuncs_extra.bitwise_and")
bitwise_or = _lazy(f"{_jnp}.ufuncs_extra.bitwise_or")
bitwise_xor = _lazy(f"{_jnp}.ufuncs_extra.bitwise_xor")
left_shift = _lazy(f"{_jnp}.ufuncs_extra.left_shift")
right_shift = _lazy(f"{_jnp}.ufuncs_extra.right_shift")
invert = _lazy(f"{_jnp}.ufuncs_extra.invert")
absolute = _lazy(f"{_jnp}.ufuncs_extra.absolute")
getitem = _lazy(f"{_jnp}.indexing.getitem")
at_property = _lazy(f"{_jnp}.indexing.make_at")
argmax = _lazy(f"{_jnp}.reductions_extra.argmax")
argmin = _lazy(f"{_jnp}.reductions_extra.argmin")
cumsum = _lazy(f"{_jnp}.reductions_extra.cumsum")
cumprod = _lazy(f"{_jnp}.reductions_extra.cumprod")
sort = _lazy(f"{_jnp}.sorting.sort")
argsort = _lazy(f"{_jnp}.sorting.argsort")
take = _lazy(f"{_jnp}.indexing.take")
nonzero = _lazy(f"{_jnp}.indexing.nonzero")
repeat = _lazy(f"{_jnp}.shape_extra.repeat")
swapaxes = _lazy(f"{_jnp}.shape_extra.swapaxes")
trace_fn = _lazy(f"{_jnp}.linalg_basic.trace")
diagonal = _lazy(f"{_jnp}.linalg_basic.diagonal")
conj = _lazy(f"{_jnp}.ufuncs_extra.conjugate")
real = _lazy(f"{_jnp}.ufuncs_extra.real")
imag = _lazy(f"{_jnp}.ufuncs_extra.imag")
ptp = _lazy(f"{_jnp}.reductions_extra.ptp")


def _divmod(x, y):
  return floor_divide(x, y), remainder(x, y)


def _reshape(self, *args, order="C", **kwargs):
  if "shape" in kwargs:
    shape = kwargs.pop("shape")
  elif len(args) == 1 and not isinstance(args[0], (int, np.integer)) and \
      not hasattr(args[0], "__index__"):
    shape = args[0]
  else:
    shape = args
  return shape_ops.reshape(self, shape, order=order)


def _transpose(self, *args):
  if not args or (len(args) == 1 and args[0] is None):
    axes = None
  elif len(args) == 1 and isinstance(args[0], (tuple, list)):
    axes = args[0]
  else:
    axes = args
  return shape_ops.transpose(self, axes)


def _astype(self, dtype, copy=False, device=None):
  return shape_ops.astype(self, dtype)


def _flatten(self, order="C"):
  return shape_ops.ravel(self, order)


def _view(self, dtype=None, type=None):
  if dtype is None:
    return self
  return lax.bitcast_convert_type(self, dtype)


def _item(self, *args):
  if isinstance(self, Tracer):
    return Tracer.item(self, *args)
  return self._value.item(*args)


_methods = {
    "sum": reductions.sum, "prod": reductions.prod, "mean": reductions.mean,
    "var": reductions.var, "std": reductions.std, "max": reductions.max,
    "min": reductions.min, "all": reductions.all, "any": reductions.any,
    "argmax": argmax, "argmin": argmin, "cumsum": cumsum, "cumprod": cumprod, "ptp": ptp,
    "reshape": _reshape, "transpose": _transpose, "astype": _astype,
    "squeeze": shape_ops.squeeze, "ravel": shape_ops.ravel, "flatten": _flatten,
    "clip": shape_ops.clip, "round": shape_ops.round, "dot": shape_ops.dot,
    "copy": shape_ops.copy, "sort": sort, "argsort": argsort, "take": take,
    "nonzero": nonzero, "repeat": repeat, "swapaxes": swapaxes, "trace": trace_fn,
    "diagonal": diagonal, "conj": conj, "conjugate": conj, "view": _view,
}

_operators = {
    "__add__": _fast_binary(np.add, ufuncs.add),
    "__radd__": _fast_binary(np.add, ufuncs.add, swap=True),
    "__sub__": _fast_binary(np.subtract, ufuncs.subtract),
    "__rsub__": _fast_binary(np.subtract, ufuncs.subtract, swap=True),
    "__mul__": _fast_binary(np.multiply, ufuncs.multiply),
    "__rmul__": _fast_binary(np.multiply, ufuncs.multiply, swap=True),
    "__truediv__": _fast_binary(float_divide, ufuncs.true_divide),
    "__rtruediv__": _fast_binary(float_divide, ufuncs.true_divide, swap=True),
    "__floordiv__": _binary(floor_divide), "__rfloordiv__": _binary(floor_divide, True),
    "__mod__": _binary(remainder), "__rmod__": _binary(remainder, True),
    "__divmod__": _binary(_divmod), "__rdivmod__": _binary(_divmod, True),
    "__pow__": _binary(ufuncs.power), "__rpow__": _binary(ufuncs.power, True),
    "__matmul__": _binary(shape_ops.matmul), "__rmatmul__": _binary(shape_ops.matmul, True),
    "__and__": _binary(bitwise_and), "__rand__": _binary(bitwise_and, True),
    "__or__": _binary(bitwise_or), "__ror__": _binary(bitwise_or, True),
    "__xor__": _binary(bitwise_xor), "__rxor__": _binary(bitwise_xor, True),
    "__lshift__": _binary(left_shift), "__rlshift__": _binary(left_shift, True),
    "__rshift__": _binary(right_shift), "__rrshift__": _binary(right_shift, True),
    "__eq__": _binary(ufuncs.equal), "__ne__": _binary(ufuncs.not_equal),
    "__lt__": _binary(ufuncs.less), "__le__": _binary(ufuncs.less_equal),
    "__gt__": _binary(ufuncs.greater), "__ge__": _binary(ufuncs.greater_equal),
    "__neg__": ufuncs.negative, "__pos__": ufuncs.positive, "__abs__": absolute,
    "__invert__": invert, "__getitem__": getitem,
}

_properties = {
    "T": lambda self: shape_ops.transpose(self),
    "mT": lambda self: shape_ops.matrix_transpose(self),
    "at": lambda self: at_property(self),
    "real": lambda self: real(self),
    "imag": lambda self: imag(self),
    "flat": lambda self: iter(shape_ops.ravel(self)),
}


def _install():
  for cls in (ArrayImpl, Tracer):
    for name, fn in _methods.items():
      setattr(cls, name, fn)
    for name, fn in _operators.items():
      setattr(cls, name, fn)
    for name, fn in _properties.items():
      setattr(cls, name, property(fn))


_install()
