"""Building blocks for declaring primitives: shape/dtype rules and their error messages."""
from __future__ import annotations

import numpy as np

from jaxlite._src import core
from jaxlite._src import dtypes
from jaxlite._src.core import ShapedArray

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


_dtype_ok: dict = {}


def check_dtype(name, dt, accepted):
  key = (dt, accepted)
  if _dtype_ok.get(key):
    return
  if any(dtypes.issubdtype(dt, c) for c in accepted):
    _dtype_ok[key] = True
    return
  names = ", ".join(_CLASS_NAMES.get(c, str(c)) for c in accepted)
  raise TypeError(f"{name} does not accept dtype {np.dtype(dt).name}. Accepted dtypes are "
                  f"subtypes of {names}.")


def check_same_dtypes(name, *avals):
  if len(avals) < 2:
    return
  dt = avals[0].dtype
  if any(a.dtype != dt for a in avals[1:]):
    msg = f"lax.{name} requires arguments to have the same dtypes, got " + \
          ", ".join(a.dtype.name for a in avals) + "."
    if name in ("dot_general", "conv_general_dilated", "add", "sub", "mul", "div"):
      jnp_name = {"dot_general": "dot", "conv_general_dilated": "convolve", "sub": "subtract",
                  "mul": "multiply", "div": "divide"}.get(name, name)
      msg += (f" (Tip: jnp.{jnp_name} is a similar function that does automatic type "
              "promotion on inputs).")
    raise TypeError(msg)


def broadcasting_shape(name, *shapes):
  """Elementwise shape rule: equal ranks with size-1 dims broadcasting; rank-0 operands
  broadcast against anything."""
  first = shapes[0]
  if all(s == first for s in shapes):
    return tuple(first)
  nonscalar = [tuple(s) for s in shapes if len(s)]
  if not nonscalar:
    return ()
  if len({len(s) for s in nonscalar}) != 1:
    raise TypeError(f"{name}: arrays must have same number of dimensions, got "
                    f"{', '.join(map(str, nonscalar))}.")
  out = []
  for ds in zip(*nonscalar):
    big = {d for d in ds if d != 1}
    if len(big) > 1:
      raise TypeError(f"{name} got incompatible shapes for broadcasting: "
                      f"{', '.join(map(str, map(tuple, shapes)))}.")
    out.append(big.pop() if big else 1)
  return tuple(out)


def unop(name, impl, accepted, result_dtype=None, weak_type_rule=None):
  """An elementwise unary primitive: shape kept, dtype checked (and possibly changed)."""
  prim = core.Primitive(name)
  prim.def_impl(impl)

  def abstract_eval(x, **params):
    check_dtype(name, x.dtype, accepted)
    dt = x.dtype if result_dtype is None else result_dtype(x.dtype)
    weak = x.weak_type if weak_type_rule is None else weak_type_rule([x.weak_type], **params)
    return ShapedArray(x.shape, dt, weak)
  prim.def_abstract_eval(abstract_eval)
  if weak_type_rule is not None:
    prim.weak_type_rule = weak_type_rule
  return prim


def naryop(name, impl, accepted, result_dtype=None, weak_type_rule=None, same_dtypes=True):
  """An elementwise n-ary primitive with rank-0 broadcasting."""
  prim = core.Primitive(name)
  prim.def_impl(impl)

  def abstract_eval(*avals, **params):
    for a in avals:
      check_dtype(name, a.dtype, accepted)
    if same_dtypes:
      check_same_dtypes(name, *avals)
    shape = broadcasting_shape(name, *(a.shape for a in avals))
    dt = avals[0].dtype if result_dtype is None else result_dtype(avals[0].dtype)
    flags = [a.weak_type for a in avals]
    weak = (prim.weak_type_rule)(flags, **params)
    return ShapedArray(shape, dt, weak)
  prim.def_abstract_eval(abstract_eval)
  if weak_type_rule is not None:
    prim.weak_type_rule = weak_type_rule
  return prim


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
