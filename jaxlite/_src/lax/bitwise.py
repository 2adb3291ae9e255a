"""Bit-level primitives: not/and/or/xor, population_count, clz, the three shifts,
bitcast_convert_type and reduce_precision."""
from __future__ import annotations

import operator

import numpy as np

from jaxlite._src import core
from jaxlite._src import dtypes
from jaxlite._src.compiler.codegen_rules import defexpr
from jaxlite._src.core import ShapedArray
from jaxlite._src.interpreters import ad, batching
from jaxlite._src.lax.elementwise import (
    _bind1, _bind2, _float, _int, _int_or_bool, _naryop, _shape, _unop)

__all__ = ["and_p", "bitcast_convert_type", "bitcast_convert_type_p", "bitwise_and",
           "bitwise_not", "bitwise_or", "bitwise_xor", "clz", "clz_p", "not_p", "or_p",
           "population_count", "population_count_p", "reduce_precision", "reduce_precision_p",
           "shift_left", "shift_left_p", "shift_right_arithmetic", "shift_right_arithmetic_p",
           "shift_right_logical", "shift_right_logical_p", "xor_p"]


def _unsigned(dt):
  return np.dtype(f"u{np.dtype(dt).itemsize}")


def _signed(dt):
  return np.dtype(f"i{np.dtype(dt).itemsize}")


def _bitwise(name, fn, n):
  if n == 1:
    prim = _unop(name, fn, _int_or_bool)
  else:
    prim = _naryop(name, fn, [_int_or_bool] * 2)
  ad.defjvp_zero(prim)
  defexpr(prim, f"np.{fn.__name__}({', '.join(f'{{{i}}}' for i in range(n))})")
  return prim


not_p = _bitwise("not", np.invert, 1)
and_p = _bitwise("and", np.bitwise_and, 2)
or_p = _bitwise("or", np.bitwise_or, 2)
xor_p = _bitwise("xor", np.bitwise_xor, 2)
bitwise_not = _bind1(not_p)
bitwise_and = _bind2(and_p)
bitwise_or = _bind2(or_p)
bitwise_xor = _bind2(xor_p)


def _population_count_impl(x):
  return np.bitwise_count(x.view(_unsigned(x.dtype))).astype(x.dtype)


def _clz_impl(x):
  u = x.view(_unsigned(x.dtype))
  bits = 8 * x.dtype.itemsize
  shift = 1
  while shift < bits:  # smear the highest set bit into every lower position
    u = u | (u >> np.array(shift, u.dtype))
    shift *= 2
  return (bits - np.bitwise_count(u).astype(np.int64)).astype(x.dtype)


population_count_p = _unop("population_count", _population_count_impl, _int)
population_count = _bind1(population_count_p)
ad.defjvp_zero(population_count_p)
clz_p = _unop("clz", _clz_impl, _int)
clz = _bind1(clz_p)
ad.defjvp_zero(clz_p)


def _shift_amount(x, y):
  """The shift as an unsigned count (negative shifts become huge) and where it is in range."""
  count = y.view(_unsigned(y.dtype))
  ok = count < 8 * x.dtype.itemsize
  return np.where(ok, count, 0).astype(x.dtype), ok


def _shift_left_impl(x, y):
  count, ok = _shift_amount(x, y)
  return np.where(ok, np.left_shift(x, count), 0).astype(x.dtype)


def _shift_right_logical_impl(x, y):
  count, ok = _shift_amount(x, y)
  u = np.right_shift(x.view(_unsigned(x.dtype)), count.view(_unsigned(x.dtype)))
  return np.where(ok, u, 0).astype(_unsigned(x.dtype)).view(x.dtype)


def _shift_right_arithmetic_impl(x, y):
  # Oversized shifts fill with the sign bit: the same as shifting by bits - 1.
  bits = 8 * x.dtype.itemsize
  count = np.minimum(y.view(_unsigned(y.dtype)), bits - 1).astype(_signed(x.dtype))
  return np.right_shift(x.view(_signed(x.dtype)), count).view(x.dtype)


def _shift(name, impl):
  prim = _naryop(name, impl, [_int, _int])
  ad.defjvp_zero(prim)
  return prim, _bind2(prim)


shift_left_p, shift_left = _shift("shift_left", _shift_left_impl)
shift_right_logical_p, shift_right_logical = _shift("shift_right_logical",
                                                    _shift_right_logical_impl)
shift_right_arithmetic_p, shift_right_arithmetic = _shift("shift_right_arithmetic",
                                                          _shift_right_arithmetic_impl)


def _bitcast_impl(x, *, new_dtype):
  old, new = x.dtype.itemsize, np.dtype(new_dtype).itemsize
  if old == new:
    return x.view(new_dtype)
  out = np.ascontiguousarray(x).view(new_dtype)
  return out.reshape(x.shape + (old // new,) if old > new else x.shape[:-1])


def _bitcast_abstract_eval(x, *, new_dtype):
  old_dt, new_dt = x.dtype, np.dtype(new_dtype)
  old, new = 8 * old_dt.itemsize, 8 * new_dt.itemsize
  if old == new:
    shape = x.shape
  elif old > new:
    shape = x.shape + (old // new,)
  else:
    last = x.shape[-1] if x.shape else 1
    if last * old != new:
      raise ValueError(f"Attempting to convert array of shape {x.shape} from {old_dt} of size "
                       f"{old} bits to {new_dt} of size {new}, bits but {last} * {old} != {new}")
    shape = x.shape[:-1]
  special = lambda dt: dtypes.is_bool(dt) or dtypes.is_complex(dt)  # noqa: E731
  if (special(old_dt) or special(new_dt)) and old_dt != new_dt:
    raise TypeError("lax.bitcast_convert_type does not support bool or complex values unless "
                    "the operand and destination types match. Got operand dtype="
                    f"{old_dt}, new_dtype={new_dt!r}. Consider using the arr.view() method "
                    "instead.")
  return ShapedArray(shape, new_dt, False)


bitcast_convert_type_p = core.Primitive("bitcast_convert_type")
bitcast_convert_type_p.def_impl(_bitcast_impl)
bitcast_convert_type_p.def_abstract_eval(_bitcast_abstract_eval)
bitcast_convert_type_p.weak_type_rule = lambda flags, **_: False
ad.defjvp_zero(bitcast_convert_type_p)


def bitcast_convert_type(operand, new_dtype):
  new_dtype = dtypes.canonicalize_dtype(dtypes.dtype(new_dtype))
  return bitcast_convert_type_p.bind(operand, new_dtype=new_dtype)


def _bitcast_batch(vals, dims, *, new_dtype):
  (x,), (d,) = vals, dims
  if d == len(_shape(x)) - 1:  # a narrowing bitcast consumes the last axis
    x, d = batching.moveaxis(x, d, 0), 0
  return bitcast_convert_type_p.bind(x, new_dtype=new_dtype), d


batching.primitive_batchers[bitcast_convert_type_p] = _bitcast_batch


def _reduce_precision_impl(x, *, exponent_bits, mantissa_bits):
  """Round to the nearest value with the given exponent/mantissa widths, as XLA does:
  round-half-even on the mantissa, overflow to inf, underflow (incl. denormals) to 0."""
  info = dtypes.finfo(x.dtype)
  nbits = 8 * x.dtype.itemsize
  src_mant = info.nmant
  src_exp = nbits - 1 - src_mant
  ut = _unsigned(x.dtype)
  one = ut.type(1)
  bits = x.view(ut)
  with np.errstate(over="ignore"):
    if mantissa_bits < src_mant:
      drop = ut.type(src_mant - mantissa_bits)
      last = one << drop
      bias = ((bits & last) >> drop) + ((last >> one) - one)
      bits = (bits + bias) & ~(last - one)
    if exponent_bits < src_exp:
      exp_mask = ((one << ut.type(src_exp)) - one) << ut.type(src_mant)
      src_bias = (1 << (src_exp - 1)) - 1
      new_bias = (1 << (exponent_bits - 1)) - 1
      exponent = bits & exp_mask
      sign = bits & (one << ut.type(nbits - 1))
      bits = np.where(exponent > ut.type(src_bias + new_bias) << ut.type(src_mant),
                      sign | exp_mask, bits)
      bits = np.where(exponent <= ut.type(src_bias - new_bias) << ut.type(src_mant), sign, bits)
  out = np.asarray(bits, ut).view(x.dtype)
  return np.where(np.isnan(x), x, out) if mantissa_bits > 0 else out


reduce_precision_p = _unop("reduce_precision", _reduce_precision_impl, _float)
_reduce_precision_eval = reduce_precision_p.abstract_eval


def _reduce_precision_abstract_eval(x, *, exponent_bits, mantissa_bits):
  if exponent_bits < 1:
    raise ValueError(f"reduce_precision: exponent_bits must be positive; got {exponent_bits}")
  if mantissa_bits < 0:
    raise ValueError(f"reduce_precision: mantissa_bits must be non-negative; got "
                     f"{mantissa_bits}")
  return _reduce_precision_eval(x, exponent_bits=exponent_bits, mantissa_bits=mantissa_bits)


reduce_precision_p.def_abstract_eval(_reduce_precision_abstract_eval)
ad.deflinear(reduce_precision_p, lambda ct, x, **params: [reduce_precision_p.bind(ct, **params)])


def reduce_precision(operand, exponent_bits, mantissa_bits):
  exponent_bits = core.concrete_or_error(
      operator.index, exponent_bits, "exponent_bits argument of lax.reduce_precision")
  mantissa_bits = core.concrete_or_error(
      operator.index, mantissa_bits, "mantissa_bits argument of lax.reduce_precision")
  return reduce_precision_p.bind(operand, exponent_bits=exponent_bits,
                                 mantissa_bits=mantissa_bits)
