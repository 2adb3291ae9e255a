"""Elementwise jnp functions: promote like NumPy-with-JAX-rules, then call one lax op."""
from __future__ import annotations

import numpy as np

from jaxlite._src import core
from jaxlite._src import dtypes
from jaxlite._src.lax import lax
from jaxlite._src import quiet
from jaxlite._src.numpy import util


from jaxlite._src.array import ArrayImpl  # noqa: E402
from jaxlite._src.config import config  # noqa: E402

# Eager calls on float arrays of one dtype skip dispatch: NumPy's result is exactly the
# primitive's (same dtype, same broadcasting), and these are the most frequent calls.
_FAST_DTYPES = frozenset(np.dtype(t) for t in (np.float16, np.float32, np.float64))
_state = core._state
_eval_trace = core.eval_trace


def _one_arg(name, lax_name, inexact=False, np_fn=None, may_warn=False):
  def fn(x, /):
    # The fast path: a concrete array of a fast dtype, no debug checks (ArrayImpl makes
    # NumPy's 0-d scalars arrays again).
    if np_fn is not None and type(x) is ArrayImpl and _state.trace is _eval_trace and \
        x._value.dtype in _FAST_DTYPES and not config.jax_debug_nans and \
        not config.jax_debug_infs:
      if may_warn:  # NumPy warns where JAX silently gives inf/nan
        return ArrayImpl(quiet.call1(np_fn, x._value), x.weak_type)
      return ArrayImpl(np_fn(x._value), x.weak_type)
    util.check_arraylike(name, x)
    (x,) = util.promote_dtypes_inexact(x) if inexact else util.promote_dtypes(x)
    return getattr(lax, lax_name)(x)
  fn.__name__ = fn.__qualname__ = name
  fn.__doc__ = f"Elementwise ``{name}`` (``jnp.{name}``), computed by ``lax.{lax_name}``."
  return fn


def _fast_pair(np_fn, x, y):
  """``np_fn`` on two concrete arrays of one fast dtype and shape, quietly (inf - inf is a
  silent nan in JAX); None for anything else."""
  if type(x) is ArrayImpl and type(y) is ArrayImpl and _state.trace is _eval_trace:
    a, b = x._value, y._value
    if a.dtype is b.dtype and a.shape == b.shape and a.dtype in _FAST_DTYPES and \
        not config.jax_debug_nans and not config.jax_debug_infs:
      return ArrayImpl(quiet.call(np_fn, a, b), x.weak_type and y.weak_type)
  return None


def _two_args(name, lax_name, inexact=False, np_fn=None):
  promote = util.promote_args_inexact if inexact else util.promote_args

  def fn(x, y, /):
    if np_fn is not None:
      out = _fast_pair(np_fn, x, y)
      if out is not None:
        return out
    x, y = promote(name, x, y)
    return getattr(lax, lax_name)(x, y)
  fn.__name__ = fn.__qualname__ = name
  fn.__doc__ = f"Elementwise ``{name}`` (``jnp.{name}``), computed by ``lax.{lax_name}``."
  return fn




def add(x, y, /):
  """``x + y``; on booleans a logical or, as in JAX."""
  out = _fast_pair(np.add, x, y)
  if out is not None:
    return out
  x, y = util.promote_args("add", x, y)
  if core.get_aval(x).dtype == np.bool_:
    return lax.bitwise_or(x, y)
  return lax.add(x, y)


def _mul_bool_aware(x, y, /):
  x, y = util.promote_args("multiply", x, y)
  if core.get_aval(x).dtype == np.bool_:
    return lax.bitwise_and(x, y)
  return lax.mul(x, y)
subtract = _two_args("subtract", "sub", np_fn=np.subtract)
def multiply(x, y, /):
  """``x * y``; on booleans a logical and, as in JAX."""
  out = _fast_pair(np.multiply, x, y)
  if out is not None:
    return out
  return _mul_bool_aware(x, y)
maximum = _two_args("maximum", "max", np_fn=np.maximum)
minimum = _two_args("minimum", "min", np_fn=np.minimum)
equal = _two_args("equal", "eq")
not_equal = _two_args("not_equal", "ne")
less = _two_args("less", "lt")
less_equal = _two_args("less_equal", "le")
greater = _two_args("greater", "gt")
greater_equal = _two_args("greater_equal", "ge")

sin = _one_arg("sin", "sin", inexact=True, np_fn=np.sin)
cos = _one_arg("cos", "cos", inexact=True, np_fn=np.cos)
tanh = _one_arg("tanh", "tanh", inexact=True, np_fn=np.tanh)
exp = _one_arg("exp", "exp", inexact=True, np_fn=np.exp, may_warn=True)
log = _one_arg("log", "log", inexact=True, np_fn=np.log, may_warn=True)
sqrt = _one_arg("sqrt", "sqrt", inexact=True, np_fn=np.sqrt, may_warn=True)
negative = _one_arg("negative", "neg", np_fn=np.negative)


def positive(x, /):
  util.check_arraylike("positive", x)
  return util.promote_dtypes(x)[0]


def true_divide(x, y, /):
  """``x / y``; integers are divided in the default float type."""
  x, y = util.promote_args_inexact("true_divide", x, y)
  return lax.div(x, y)


divide = true_divide


def square(x, /):
  util.check_arraylike("square", x)
  (x,) = util.promote_dtypes_numeric(x)
  return lax.integer_pow(x, 2)


def reciprocal(x, /):
  util.check_arraylike("reciprocal", x)
  (x,) = util.promote_dtypes_inexact(x)
  return lax.integer_pow(x, -1)


def power(x1, x2, /):
  """``x1 ** x2``: a concrete integer exponent becomes ``integer_pow``, as in JAX."""
  util.check_arraylike("power", x1, x2)
  if type(x2) is int or isinstance(x2, np.integer):
    (x1,) = util.promote_dtypes_numeric(x1)
    return lax.integer_pow(x1, int(x2))
  x1, x2 = util.promote_args_numeric("power", x1, x2)
  if dtypes.is_integer(x1.dtype):
    from jaxlite._src.numpy.shape_ops import broadcast_arrays
    return _integer_power(*broadcast_arrays(x1, x2))
  return lax.pow(x1, x2)


def _integer_power(x, y):
  """Integer ``x ** y`` by squaring over the bits of the (non-negative) exponent."""
  from jaxlite._src.numpy.creation import ones_like
  acc = ones_like(x)
  base = x
  one = np.array(1, y.dtype)
  for _ in range(8 * y.dtype.itemsize):
    bit = lax.ne(lax.bitwise_and(y, one), np.array(0, y.dtype))
    acc = lax.select(bit, lax.mul(acc, base), acc)
    y = lax.shift_right_logical(y, one)
    base = lax.mul(base, base)
  return acc


def float_power(x1, x2, /):
  """``x1 ** x2`` computed in a floating point type (JAX's promotion, then ``pow``)."""
  x1, x2 = util.promote_args_inexact("float_power", x1, x2)
  return lax.pow(x1, x2)


def where(condition, x=None, y=None, /, *, size=None, fill_value=None):
  """Choose from ``x`` where ``condition`` holds, else from ``y`` (broadcasting all three)."""
  if x is None and y is None:
    from jaxlite._src.numpy.indexing import nonzero
    return nonzero(condition, size=size, fill_value=fill_value)
  if x is None or y is None:
    raise ValueError("Either both or neither of the x and y arguments should be provided to "
                     "jax.numpy.where, got only one of them.")
  util.check_arraylike("where", condition, x, y)
  x, y = util.promote_dtypes(x, y)
  condition = util.convert_to(condition, np.dtype(np.bool_), False) \
      if core.get_aval(condition).dtype != np.bool_ else condition
  shape = np.broadcast_shapes(util.shape(condition), util.shape(x), util.shape(y))
  from jaxlite._src.numpy.shape_ops import broadcast_to
  condition, x, y = (broadcast_to(a, shape) for a in (condition, x, y))
  return lax.select(condition, x, y)
