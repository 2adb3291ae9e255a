"""Argument checking and NumPy-style promotion (dtypes, then ranks) for jnp functions."""
from __future__ import annotations

import numpy as np

from jaxlite._src import core
from jaxlite._src import dtypes
from jaxlite._src.array import ArrayImpl
from jaxlite._src.core import Tracer
from jaxlite._src.lax import elementwise as ew
from jaxlite._src.lax import shapes as lax_shapes

_SCALARS = (int, float, complex, bool)


def is_arraylike(x) -> bool:
  return (type(x) in _SCALARS or isinstance(x, (ArrayImpl, Tracer, np.ndarray, np.generic))
          or hasattr(x, "__jax_array__"))


def check_arraylike(fun_name: str, *args):
  for pos, x in enumerate(args):
    if not is_arraylike(x):
      what = "list" if isinstance(x, list) else type(x).__name__
      hint = (" Use jnp.array(...) or jnp.asarray(...) to convert a list or tuple first."
              if isinstance(x, (list, tuple)) else "")
      raise TypeError(f"{fun_name} requires ndarray or scalar arguments, got {what} at "
                      f"position {pos}.{hint}")


def convert_to(x, dt, weak: bool):
  """``x`` as dtype ``dt`` with weak flag ``weak`` (Python scalars converted right here)."""
  t = type(x)
  if t in _SCALARS:
    return ArrayImpl(np.asarray(x, dt), weak)
  if t is ArrayImpl:
    if x._value.dtype == dt and x.weak_type == weak:
      return x
    if x._value.ndim == 0 and x._value.dtype == dt:
      return ArrayImpl(x._value, weak)
  elif isinstance(x, (np.ndarray, np.generic)):
    return ArrayImpl(np.asarray(x, dt), weak)
  elif hasattr(x, "__jax_array__"):
    return convert_to(x.__jax_array__(), dt, weak)
  aval = x.aval
  if aval.dtype == dt and aval.weak_type == weak:
    return x
  return ew.convert_element_type_p.bind(x, new_dtype=dt, weak_type=weak, sharding=None)


def _same_typed_arrays(args):
  """True when every argument is an array of one dtype and one weak flag: nothing to do."""
  first = args[0]
  if not isinstance(first, (ArrayImpl, Tracer)):
    return False
  dt, weak = first.dtype, first.weak_type
  for x in args[1:]:
    if not isinstance(x, (ArrayImpl, Tracer)) or x.dtype != dt or x.weak_type != weak:
      return False
  return True


def promote_dtypes(*args):
  """Convert all arguments to their common JAX result type."""
  if args and _same_typed_arrays(args):
    return list(args)
  if len(args) < 2:
    return [convert_to(args[0], *dtypes.result_type(args[0], return_weak_type_flag=True))] \
        if args else []
  dt, weak = dtypes.result_type(*args, return_weak_type_flag=True)
  return [convert_to(x, dt, weak) for x in args]


def promote_dtypes_inexact(*args):
  """Like promote_dtypes, but integers and bools go to the default float type."""
  dt, weak = dtypes.result_type(*args, return_weak_type_flag=True)
  if not dtypes.is_inexact(dt):
    dt = dtypes.default_float_dtype()
  return [convert_to(x, dt, weak) for x in args]


def promote_dtypes_numeric(*args):
  dt, weak = dtypes.result_type(*args, return_weak_type_flag=True)
  if dtypes.is_bool(dt):
    dt = dtypes.default_int_dtype()
  return [convert_to(x, dt, weak) for x in args]


def ndim(x) -> int:
  return len(x.shape) if hasattr(x, "shape") else np.ndim(x)


def shape(x):
  return tuple(x.shape) if hasattr(x, "shape") else np.shape(x)


def promote_shapes(fun_name: str, *args):
  """Give every non-scalar argument the same rank by adding leading size-1 dimensions."""
  if len(args) < 2:
    return list(args)
  ranks = [ndim(x) for x in args]
  nd = max(ranks)
  if all(r == nd or r == 0 for r in ranks):
    return list(args)
  from jaxlite._src.config import config
  if config.jax_numpy_rank_promotion != "allow":
    msg = (f"Operands could not be broadcast together for {fun_name} on shapes "
           f"{' '.join(str(shape(x)) for x in args)} and with the config option "
           "jax_numpy_rank_promotion='raise'. For more information, see "
           "https://docs.jax.dev/en/latest/rank_promotion_warning.html.")
    if config.jax_numpy_rank_promotion == "raise":
      raise ValueError(msg)
    import warnings
    warnings.warn(msg)
  out = []
  for x, r in zip(args, ranks):
    if r == 0 or r == nd:
      out.append(x)
    else:
      s = shape(x)
      out.append(lax_shapes.broadcast_in_dim(x, (1,) * (nd - r) + s, tuple(range(nd - r, nd))))
  return out


def promote_args(fun_name: str, *args):
  check_arraylike(fun_name, *args)
  return promote_shapes(fun_name, *promote_dtypes(*args))


def promote_args_inexact(fun_name: str, *args):
  check_arraylike(fun_name, *args)
  return promote_shapes(fun_name, *promote_dtypes_inexact(*args))


def promote_args_numeric(fun_name: str, *args):
  check_arraylike(fun_name, *args)
  return promote_shapes(fun_name, *promote_dtypes_numeric(*args))


def canonicalize_axis(axis, nd, fun_name="axis"):
  axis = core.concrete_or_error(int, axis, f"The axis argument of {fun_name}")
  if not -nd <= axis < max(nd, 1) and not (nd == 0 and axis in (0, -1)):
    from jaxlite._src.numpy.errors import AxisError
    raise AxisError(f"axis {axis} is out of bounds for array of dimension {nd}")
  return axis % nd if nd else 0


def canonicalize_axes(axis, nd, fun_name="axis"):
  if axis is None:
    return tuple(range(nd))
  if isinstance(axis, (tuple, list)):
    axes = tuple(canonicalize_axis(a, nd, fun_name) for a in axis)
    if len(set(axes)) != len(axes):
      raise ValueError(f"{fun_name}: repeated axis in {axis}")
    return axes
  return (canonicalize_axis(axis, nd, fun_name),)
