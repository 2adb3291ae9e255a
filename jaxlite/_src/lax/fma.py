"""``x * y + z`` with one rounding, as XLA's CPU backend emits it.

XLA fuses a multiply feeding an add into a fused multiply-add; the random samplers depend on
that single rounding to give JAX's exact bits (``uniform(minval=-3, maxval=7)`` differs in a
fifth of its samples with two roundings). Not public: JAX has no ``lax.fma``.
"""
from __future__ import annotations

import numpy as np

from jaxlite._src import core, dtypes
from jaxlite._src.core import ShapedArray
from jaxlite._src.interpreters import ad, batching
from jaxlite._src.lax.elementwise import _broadcast_to, mul
from jaxlite._src.lax.utils import broadcasting_shape, check_dtype, check_same_dtypes

# float64 holds the exact product of two numbers of 24 mantissa bits or fewer, so the sum
# is the only rounding before the final narrowing (double rounding there is rarer than
# 1 in 2**29 and XLA's own CPU fma for f64 has no wider type either).
_WIDE_ENOUGH = 24


def _fma_impl(x, y, z):
  x, y, z = np.asarray(x), np.asarray(y), np.asarray(z)
  with np.errstate(all="ignore"):
    if dtypes.finfo(x.dtype).nmant < _WIDE_ENOUGH:
      wide = x.astype(np.float64) * y.astype(np.float64) + z.astype(np.float64)
      return wide.astype(x.dtype)
    return x * y + z


def _fma_abstract_eval(x, y, z):
  shape = broadcasting_shape("fused_multiply_add", x.shape, y.shape, z.shape)
  for i, a in enumerate((x, y, z)):
    check_dtype("fused_multiply_add", a.dtype, (np.floating,), i)
  check_same_dtypes("fused_multiply_add", x, y, z)
  return ShapedArray(shape, x.dtype, x.weak_type and y.weak_type and z.weak_type)


fma_p = core.Primitive("fused_multiply_add")
fma_p.def_impl(_fma_impl)
fma_p.def_abstract_eval(_fma_abstract_eval)
batching.broadcast_batcher(fma_p)


def _spread(t, x, y, z):
  """A tangent term broadcast to the output's shape (operands may have size-1 dims)."""
  return _broadcast_to(t, broadcasting_shape("tangent", *(np.shape(a) for a in (x, y, z))))


ad.defjvp(fma_p,
          lambda g, x, y, z: _spread(mul(g, y), x, y, z),
          lambda g, x, y, z: _spread(mul(x, g), x, y, z),
          lambda g, x, y, z: _spread(g, x, y, z))


def fused_multiply_add(x, y, z):
  """``x * y + z`` rounded once (floating operands of one dtype)."""
  return fma_p.bind(x, y, z)
