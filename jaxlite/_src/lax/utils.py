"""Building blocks for declaring primitives: shape/dtype rules and their error messages."""
from __future__ import annotations

import numpy as np

from jaxlite._src import core
from jaxlite._src import dtypes

# Dtype classes accepted by primitives (checked with dtypes.issubdtype).
_bool = (np.bool_,)
_int = (np.integer,)
_float = (np.floating,)
_complex = (np.complexfloating,)
_num = (np.number,)
_any = (np.bool_, np.number)
_int_or_bool = (np.integer, np.bool_)
_float_or_complex = (np.floating, np.complexfloating)
_signed_or_float = (np.signedinteger, np.floating, np.complexfloating)

_CLASS_NAMES = {np.bool_: "bool", np.integer: "integer", np.floating: "floating",
                np.complexfloating: "complexfloating", np.number: "number",
                np.signedinteger: "signedinteger", np.unsignedinteger: "unsignedinteger"}


# lax functions whose dtype-mismatch error suggests a promoting jnp equivalent.
_JNP_EQUIVALENTS = {
    "add": "add", "sub": "subtract", "mul": "multiply", "div": "divide", "max": "maximum",
    "min": "minimum", "eq": "equal", "ne": "not_equal", "nextafter": "nextafter",
    "pow": "float_power", "select": "where", "shift_left": "left_shift",
    "shift_right_logical": "right_shift", "shift_right_arithmetic": "right_shift",
    "atan2": "arctan2",
}


_accepts: dict = {}  # (dtype, accepted classes) -> bool; abstract evals run on every eager op


def check_dtype(name, dt, accepted, pos=None):
  ok = _accepts.get((dt, accepted))
  if ok is None:
    ok = _accepts[(dt, accepted)] = any(dtypes.issubdtype(dt, t) for t in accepted)
  if ok:
    return
  at = "" if pos is None else f" at position {pos}"
  if dt == dtypes.float0:
    raise TypeError(f"Called {name} with a float0{' array' if pos is None else at}. float0s do "
                    "not support any operations by design. If you didn't expect to get a "
                    "float0 you might have accidentally taken a gradient with respect to an "
                    "integer argument.")
  raise TypeError(f"{name} does not accept dtype {np.dtype(dt).name}{at}. Accepted dtypes"
                  f"{at} are subtypes of {', '.join(t.__name__ for t in accepted)}.")


def check_same_dtypes(name, *avals):
  if any(a.dtype != avals[0].dtype for a in avals[1:]):
    msg = (f"lax.{name} requires arguments to have the same dtypes, got "
           f"{', '.join(a.dtype.name for a in avals)}.")
    if name in _JNP_EQUIVALENTS:
      msg += (f" (Tip: jnp.{_JNP_EQUIVALENTS[name]} is a similar function that does automatic "
              "type promotion on inputs).")
    raise TypeError(msg)


def broadcasting_shape(name, *shapes):
  """Equal ranks with size-1 dims broadcasting; rank-0 operands go with anything."""
  shapes = [tuple(s) for s in shapes if len(s)]
  if not shapes:
    return ()
  if all(s == shapes[0] for s in shapes[1:]):
    return shapes[0]
  ranks = {len(s) for s in shapes}
  if len(ranks) != 1:
    raise TypeError(f"{name}: arrays must have the same number of dimensions, got {ranks}")
  out = []
  for ds in zip(*shapes):
    big = {d for d in ds if d != 1}
    if len(big) > 1:
      raise TypeError(f"{name} got incompatible shapes for broadcasting: "
                      f"{', '.join(map(str, shapes))}.")
    out.append(big.pop() if big else 1)
  return tuple(out)


def never_weak(weak_flags, **params):
  return False


def as_tuple_of_ints(name, value, what):
  try:
    return tuple(int(core.concrete_or_error(None, v, f"{what} of {name}")) for v in value)
  except TypeError as e:
    if "Tracer" in type(e).__name__ or "Concretization" in type(e).__name__:
      raise
    raise TypeError(f"{name}: {what} must be a sequence of integers, got {value!r}") from None


def canonicalize_axis(axis, ndim, name="axis"):
  axis = int(axis)
  if not -ndim <= axis < max(ndim, 1) and not (ndim == 0 and axis in (0, -1)):
    raise ValueError(f"{name} {axis} is out of bounds for array of dimension {ndim}")
  return axis % ndim if ndim else 0


def numpy_value(x):
  """The NumPy value of an eager operand (impls receive these)."""
  return x
