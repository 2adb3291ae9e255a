"""jnp's 1-D convolutions and polynomial functions (poly, polyval, polyfit, roots...)."""
from __future__ import annotations

import operator

import numpy as np

from jaxlite._src import core
from jaxlite._src import dtypes
from jaxlite._src.lax import convolution as lax_conv
from jaxlite._src.numpy import util
from jaxlite import numpy as jnp

__all__ = ["convolve", "correlate", "poly", "polyadd", "polyder", "polydiv", "polyfit",
           "polyint", "polymul", "polysub", "polyval", "roots"]


def _conv(x, y, mode, op, precision, preferred_element_type):
  util.check_arraylike(op, x, y)
  if util.ndim(x) != 1 or util.ndim(y) != 1:
    raise ValueError(f"{op}() only support 1-dimensional inputs.")
  if preferred_element_type is None:
    x, y = util.promote_dtypes_inexact(x, y)   # NumPy's convolutions are inexact
  else:
    x, y = util.promote_dtypes(x, y)
  if x.shape[0] == 0 or y.shape[0] == 0:
    raise ValueError(f"{op}: inputs cannot be empty, got shapes {x.shape} and {y.shape}.")
  reverse_out = False
  if op == "correlate":
    y = jnp.conj(y)
    if x.shape[0] < y.shape[0]:
      x, y, reverse_out = y, x, True
  else:
    if x.shape[0] < y.shape[0]:
      x, y = y, x
    y = jnp.flip(y)
  n = y.shape[0]
  pads = {"valid": (0, 0), "same": (n // 2, n - n // 2 - 1), "full": (n - 1, n - 1)}
  if mode not in pads:
    raise ValueError("mode must be one of ['full', 'same', 'valid']")
  out = lax_conv.conv_general_dilated(
      x[None, None, :], y[None, None, :], (1,), [pads[mode]], precision=precision,
      preferred_element_type=preferred_element_type)[0, 0]
  return out[::-1] if reverse_out else out


def convolve(a, v, mode="full", *, precision=None, preferred_element_type=None):
  """Discrete 1-D convolution (``numpy.convolve``), through ``lax.conv_general_dilated``."""
  return _conv(a, v, mode, "convolve", precision, preferred_element_type)


def correlate(a, v, mode="valid", *, precision=None, preferred_element_type=None):
  """Discrete 1-D cross-correlation (``numpy.correlate``)."""
  return _conv(a, v, mode, "correlate", precision, preferred_element_type)


def polyval(p, x, *, unroll=16):
  """Evaluate the polynomial with coefficients ``p`` (highest first) at ``x`` (Horner)."""
  from jaxlite._src.lax.control_flow.loops import scan
  util.check_arraylike("polyval", p, x)
  p, x = util.promote_dtypes(p, x)
  shape = np.broadcast_shapes(p.shape[1:], x.shape)
  y = jnp.zeros(shape, x.dtype)
  return scan(lambda y, c: (y * x + c, None), y, p, unroll=unroll)[0]


def polyadd(a1, a2):
  """Sum of two polynomials (coefficients aligned at the constant term)."""
  util.check_arraylike("polyadd", a1, a2)
  a1, a2 = util.promote_dtypes(a1, a2)
  if a2.shape[0] <= a1.shape[0]:
    return a1.at[-a2.shape[0]:].add(a2)
  return a2.at[-a1.shape[0]:].add(a1)


def polysub(a1, a2):
  """Difference of two polynomials."""
  util.check_arraylike("polysub", a1, a2)
  a1, a2 = util.promote_dtypes(a1, a2)
  return polyadd(a1, -a2)


def polymul(a1, a2, *, trim_leading_zeros=False):
  """Product of two polynomials."""
  util.check_arraylike("polymul", a1, a2)
  a1, a2 = util.promote_dtypes_inexact(a1, a2)
  if trim_leading_zeros and (a1.shape[0] > 1 or a2.shape[0] > 1):
    a1, a2 = jnp.trim_zeros(a1, trim="f"), jnp.trim_zeros(a2, trim="f")
  if a1.shape[0] == 0:
    a1 = jnp.zeros(1, a2.dtype)
  if a2.shape[0] == 0:
    a2 = jnp.zeros(1, a1.dtype)
  return convolve(a1, a2, mode="full")


def polydiv(u, v, *, trim_leading_zeros=False):
  """Quotient and remainder of polynomial division (remainder keeps ``u``'s length)."""
  util.check_arraylike("polydiv", u, v)
  u, v = util.promote_dtypes_inexact(u, v)
  m, n = u.shape[0] - 1, v.shape[0] - 1
  scale = 1.0 / v[0]
  q = jnp.zeros(max(m - n + 1, 1), u.dtype)
  for k in range(m - n + 1):
    d = scale * u[k]
    q = q.at[k].set(d)
    u = u.at[k:k + n + 1].add(-d * v)
  if trim_leading_zeros:
    tol = float(np.sqrt(dtypes.finfo(u.dtype).eps))
    nonzero = np.flatnonzero(np.abs(np.asarray(core.concrete_or_error(
        None, u, "trim_leading_zeros=True in jnp.polydiv"))) > tol)
    u = u[nonzero[0]:] if nonzero.size else u[:0]
  return q, u


def polyder(p, m=1):
  """Coefficients of the ``m``-th derivative."""
  util.check_arraylike("polyder", p)
  m = core.concrete_or_error(operator.index, m, "'m' argument of jnp.polyder")
  p, = util.promote_dtypes_inexact(p)
  if m < 0:
    raise ValueError("Order of derivative must be positive")
  if m == 0:
    return p
  n = p.shape[0]
  # falling factorial (n-1-i)(n-2-i)...(n-m-i) for the coefficient at position i
  coeff = np.prod(np.arange(m, n)[None, :] - np.arange(m)[:, None], axis=0)[::-1]
  return p[:-m] * jnp.asarray(coeff, p.dtype)


def polyint(p, m=1, k=None):
  """Coefficients of the ``m``-th antiderivative, with integration constants ``k``."""
  m = core.concrete_or_error(operator.index, m, "'m' argument of jnp.polyint")
  k = 0 if k is None else k
  util.check_arraylike("polyint", p, k)
  p, k = util.promote_dtypes_inexact(p, k)
  if m < 0:
    raise ValueError("Order of integral must be positive (see polyder)")
  k = jnp.atleast_1d(k)
  if k.shape[0] == 1:
    k = jnp.full((m,), k[0])
  if k.shape != (m,):
    raise ValueError("k must be a scalar or a rank-1 array of length 1 or m.")
  if m == 0:
    return p
  grid = np.arange(p.shape[0] + m)[None, :] - np.arange(m)[:, None]
  coeff = np.maximum(1, grid).prod(0)[::-1]
  return jnp.concatenate((p, k)) / jnp.asarray(coeff, p.dtype)


def poly(seq_of_zeros):
  """Coefficients of the monic polynomial with the given roots (or a matrix's eigenvalues)."""
  util.check_arraylike("poly", seq_of_zeros)
  z, = util.promote_dtypes_inexact(seq_of_zeros)
  z = jnp.atleast_1d(z)
  if z.ndim == 2 and z.shape[0] == z.shape[1] and z.shape[0] != 0:
    from jaxlite._src.numpy import linalg
    z = linalg.eigvals(z)
  if z.ndim != 1:
    raise ValueError("input must be 1d or non-empty square 2d array.")
  if z.shape[0] == 0:
    return jnp.ones((), z.dtype)
  a = jnp.ones((1,), z.dtype)
  for k in range(z.shape[0]):
    a = convolve(a, jnp.stack([jnp.ones((), z.dtype), -z[k]]), mode="full")
  return a


def _roots_of(p):
  """Eigenvalues of the companion matrix of ``p`` (leading coefficient nonzero)."""
  from jaxlite._src.numpy import linalg
  if p.shape[0] < 2:
    return jnp.zeros((0,), dtypes.complex_dtype_for(p.dtype))
  a = jnp.diag(jnp.ones((p.shape[0] - 2,), p.dtype), -1)
  a = a.at[0, :].set(-p[1:] / p[0])
  return linalg.eigvals(a)


def roots(p, *, strip_zeros=True):
  """Roots of the polynomial with coefficients ``p``, as complex numbers."""
  util.check_arraylike("roots", p)
  p, = util.promote_dtypes_inexact(p)
  p = jnp.atleast_1d(p)
  if p.ndim != 1:
    raise ValueError("Input must be a rank-1 array.")
  if p.shape[0] < 2:
    return jnp.zeros((0,), dtypes.complex_dtype_for(p.dtype))
  is_zero = p == 0
  leading = jnp.where(jnp.all(is_zero), p.shape[0], jnp.argmin(is_zero))
  if strip_zeros:
    leading = core.concrete_or_error(
        int, leading, "The error occurred in the jnp.roots() function. To use this within a "
        "JIT-compiled context, pass strip_zeros=False, but be aware that leading zeros will "
        "result in some returned roots being set to NaN.")
    return _roots_of(p[leading:])
  p = jnp.where(leading == p.shape[0], 1.0, p)
  r = _roots_of(jnp.roll(p, -leading))
  from jaxlite._src.lax.structural import sort
  r = sort((r == 0, r), num_keys=1)[1]
  return jnp.where(jnp.arange(r.shape[0]) < r.shape[0] - leading, r, complex(np.nan, np.nan))


def polyfit(x, y, deg, rcond=None, full=False, w=None, cov=False):
  """Least-squares polynomial fit (``numpy.polyfit``), through ``jnp.linalg.lstsq``."""
  from jaxlite._src.numpy import linalg
  util.check_arraylike("polyfit", x, y, *(() if w is None else (w,)))
  x, y = jnp.asarray(x), jnp.asarray(y)
  deg = core.concrete_or_error(int, deg, "deg must be int")
  order = deg + 1
  if deg < 0:
    raise ValueError("expected deg >= 0")
  if x.ndim != 1:
    raise TypeError("expected 1D vector for x")
  if x.size == 0:
    raise TypeError("expected non-empty vector for x")
  if y.ndim < 1 or y.ndim > 2:
    raise TypeError("expected 1D or 2D array for y")
  if x.shape[0] != y.shape[0]:
    raise TypeError("expected x and y to have same length")
  if rcond is None:
    rcond = x.shape[0] * float(dtypes.finfo(util.promote_dtypes_inexact(x)[0].dtype).eps)
  rcond = core.concrete_or_error(float, rcond, "rcond must be float")
  lhs = jnp.vander(x, order)
  rhs = y
  if w is not None:
    w, = util.promote_dtypes_inexact(w)
    if w.ndim != 1:
      raise TypeError("expected a 1-d array for weights")
    if w.shape[0] != y.shape[0]:
      raise TypeError("expected w and y to have the same length")
    lhs = lhs * w[:, None]
    rhs = rhs * (w[:, None] if rhs.ndim == 2 else w)
  # Scaling the columns improves the conditioning of the Vandermonde matrix.
  scale = jnp.sqrt((lhs * lhs).sum(axis=0))
  lhs = lhs / scale[None, :]
  c, resids, rank, s = linalg.lstsq(lhs, rhs, rcond)
  c = (c.T / scale).T if c.ndim > 1 else c / scale
  if full:
    return c, resids, rank, s, jnp.asarray(rcond)
  if cov:
    vbase = linalg.inv(jnp.dot(lhs.T, lhs)) / jnp.outer(scale, scale)
    if cov == "unscaled":
      fac = jnp.array(1.0)
    else:
      if x.shape[0] <= order:
        raise ValueError("the number of data points must exceed order to scale the "
                         "covariance matrix")
      fac = resids / (x.shape[0] - order)
      fac = fac[0] if fac.ndim == 1 and fac.shape[0] == 1 else fac
    if y.ndim == 1:
      return c, vbase * fac
    return c, vbase[:, :, None] * fac
  return c
