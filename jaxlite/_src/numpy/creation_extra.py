"""More array creation: ranges (linspace, logspace, geomspace), grids (meshgrid, mgrid,
ogrid, indices), triangles and diagonals, fromfunction/frombuffer."""
from __future__ import annotations

import operator

import numpy as np

from jaxlite._src import core
from jaxlite._src import dtypes
from jaxlite._src.lax import lax
from jaxlite._src.numpy import util
from jaxlite._src.numpy.creation import asarray, zeros
from jaxlite._src.numpy.shape_ops import broadcast_to, reshape

__all__ = ["linspace", "logspace", "geomspace", "meshgrid", "mgrid", "ogrid", "indices", "tri",
           "tril", "triu", "diag", "diagflat", "diagonal", "fromfunction", "frombuffer",
           "fromstring", "vander"]


def _num(n, what):
  n = core.concrete_or_error(operator.index, n, f"The {what} argument of jnp.linspace")
  if n < 0:
    raise ValueError(f"Number of samples, {n}, must be non-negative.")
  return n


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0, *,
             device=None):
  """``num`` evenly spaced values from start to stop (computed in the float type, as JAX)."""
  num = _num(num, "num")
  dt = dtypes.check_user_dtype_supported(dtype, "linspace")
  computation = dtypes.to_inexact_dtype(dtypes.result_type(start, stop))
  start = util.convert_to(asarray(start), computation, False)
  stop = util.convert_to(asarray(stop), computation, False)
  bshape = np.broadcast_shapes(start.shape, stop.shape)
  start, stop = broadcast_to(start, bshape), broadcast_to(stop, bshape)
  div = (num - 1) if endpoint else num
  out_shape = (num,) + bshape
  iota = lax.broadcasted_iota(computation, out_shape, 0)
  delta = lax.sub(stop, start)
  if div > 0:
    step = lax.div(delta, np.array(div, computation))
    out = lax.add(lax.broadcast_in_dim(start, out_shape, tuple(range(1, len(out_shape)))),
                  lax.mul(iota, lax.broadcast_in_dim(step, out_shape,
                                                     tuple(range(1, len(out_shape))))))
    if endpoint and num > 1:
      from jaxlite._src.numpy.indexing import make_at
      out = make_at(out)[-1].set(stop)
  else:
    step = lax.full(bshape, np.nan, computation)
    out = lax.broadcast_in_dim(start, out_shape, tuple(range(1, len(out_shape)))) if num else \
        zeros(out_shape, computation)
  if axis != 0:
    from jaxlite._src.numpy.shape_extra import moveaxis
    out = moveaxis(out, 0, axis)
  target = dt if dt is not None else computation
  if dtypes.is_integer(target):
    out = lax.floor(out)
  out = util.convert_to(out, target, False) if out.dtype != target else out
  return (out, util.convert_to(step, target, False)) if retstep else out


def logspace(start, stop, num=50, endpoint=True, base=10.0, dtype=None, axis=0):
  dt = dtypes.check_user_dtype_supported(dtype, "logspace")
  computation = dtypes.to_inexact_dtype(dtypes.result_type(start, stop))
  lin = linspace(start, stop, num, endpoint=endpoint, axis=axis, dtype=computation)
  out = lax.pow(util.convert_to(asarray(base), computation, False) if not
                isinstance(base, (int, float)) else np.array(base, computation), lin)
  return out if dt is None else util.convert_to(out, dt, False)


def geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
  dt = dtypes.check_user_dtype_supported(dtype, "geomspace")
  computation = dtypes.to_inexact_dtype(dtypes.result_type(start, stop))
  start = util.convert_to(asarray(start), computation, False)
  stop = util.convert_to(asarray(stop), computation, False)
  sign = lax.sign(start)
  lo, hi = lax.log(lax.abs(start)), lax.log(lax.abs(stop))
  out = lax.exp(linspace(lo, hi, num, endpoint=endpoint, axis=0, dtype=computation))
  out = lax.mul(out, lax.broadcast_in_dim(sign, out.shape, tuple(range(1, out.ndim))))
  if axis != 0:
    from jaxlite._src.numpy.shape_extra import moveaxis
    out = moveaxis(out, 0, axis)
  return out if dt is None else util.convert_to(out, dt, False)


def meshgrid(*xi, copy=True, sparse=False, indexing="xy"):
  if indexing not in ("xy", "ij"):
    raise ValueError(f"Valid values for indexing are 'xy' and 'ij', got {indexing}")
  xs = [reshape(asarray(x), (-1,)) for x in xi]
  n = len(xs)
  shape = [x.shape[0] for x in xs]
  if indexing == "xy" and n > 1:
    shape[0], shape[1] = shape[1], shape[0]
  out = []
  for i, x in enumerate(xs):
    axis = i
    if indexing == "xy" and n > 1 and i < 2:
      axis = 1 - i
    if sparse:
      s = [1] * n
      s[axis] = x.shape[0]
      out.append(reshape(x, tuple(s)))
    else:
      out.append(lax.broadcast_in_dim(x, tuple(shape), (axis,)))
  return out


class _Grid:
  def __init__(self, sparse):
    self.sparse = sparse

  def __getitem__(self, key):
    single = isinstance(key, slice)
    keys = (key,) if single else tuple(key)
    axes = []
    for k in keys:
      start = 0 if k.start is None else k.start
      step = 1 if k.step is None else k.step
      if isinstance(step, complex):
        axes.append(linspace(start, k.stop, int(abs(step))))
      else:
        axes.append(asarray(np.arange(start, k.stop, step)))
    if single:
      return axes[0]
    grids = meshgrid(*axes, indexing="ij", sparse=self.sparse)
    if self.sparse:
      return grids
    from jaxlite._src.numpy.shape_ops import stack
    return stack(grids)


mgrid = _Grid(sparse=False)
ogrid = _Grid(sparse=True)


def indices(dimensions, dtype=None, sparse=False):
  dt = dtypes.check_user_dtype_supported(dtype, "indices") or dtypes.default_int_dtype()
  dimensions = tuple(dimensions)
  out = []
  for i, d in enumerate(dimensions):
    if sparse:
      s = [1] * len(dimensions)
      s[i] = d
      out.append(lax.broadcasted_iota(dt, tuple(s), i))
    else:
      out.append(lax.broadcasted_iota(dt, dimensions, i))
  if sparse:
    return tuple(out)
  from jaxlite._src.numpy.shape_ops import stack
  return stack(out) if out else zeros((0,), dt)


def _tri_mask(n, m, k):
  rows = lax.broadcasted_iota(np.int32, (n, m), 0)
  cols = lax.broadcasted_iota(np.int32, (n, m), 1)
  return lax.ge(lax.add(rows, np.int32(k)), cols)


def tri(N, M=None, k=0, dtype=None):
  dt = dtypes.check_user_dtype_supported(dtype, "tri") or dtypes.default_float_dtype()
  N = core.concrete_or_error(operator.index, N, "The N argument of jnp.tri")
  M = N if M is None else core.concrete_or_error(operator.index, M, "The M argument of jnp.tri")
  k = core.concrete_or_error(operator.index, k, "The k argument of jnp.tri")
  return lax.convert_element_type(_tri_mask(N, M, k), dt)


def _triangle(m, k, lower):
  m = asarray(m)
  if m.ndim < 2:
    raise ValueError(f"{'tril' if lower else 'triu'} requires an array of at least two "
                     f"dimensions, got {m.ndim}")
  n, c = m.shape[-2:]
  mask = _tri_mask(n, c, k if lower else k - 1)
  if not lower:
    mask = lax.bitwise_not(mask)
  mask = lax.broadcast_in_dim(mask, m.shape, (m.ndim - 2, m.ndim - 1))
  return lax.select(mask, m, lax.full(m.shape, 0, m.dtype))


def tril(m, k=0):
  return _triangle(m, k, True)


def triu(m, k=0):
  return _triangle(m, k, False)


def diagonal(a, offset=0, axis1=0, axis2=1):
  a = asarray(a)
  ax1 = util.canonicalize_axis(axis1, a.ndim, "jnp.diagonal")
  ax2 = util.canonicalize_axis(axis2, a.ndim, "jnp.diagonal")
  if ax1 == ax2:
    raise ValueError("axis1 and axis2 cannot be the same")
  from jaxlite._src.numpy.shape_extra import moveaxis
  a = moveaxis(a, (ax1, ax2), (-2, -1))
  n, m = a.shape[-2:]
  length = max(0, min(n + min(offset, 0), m - max(offset, 0)))
  rows = np.arange(length) - min(offset, 0)
  cols = np.arange(length) + max(offset, 0)
  flat = reshape(a, a.shape[:-2] + (n * m,))
  from jaxlite._src.numpy.indexing import take
  return take(flat, asarray((rows * m + cols).astype(np.int32)), axis=-1)


def diag(v, k=0):
  v = asarray(v)
  if v.ndim == 1:
    n = v.shape[0] + abs(k)
    out = lax.full((n * n,), 0, v.dtype)
    rows = np.arange(v.shape[0]) - min(k, 0)
    cols = np.arange(v.shape[0]) + max(k, 0)
    from jaxlite._src.numpy.indexing import make_at
    return reshape(make_at(out)[asarray((rows * n + cols).astype(np.int32))].set(v), (n, n))
  if v.ndim == 2:
    return diagonal(v, k)
  raise ValueError("diag input must be 1d or 2d")


def diagflat(v, k=0):
  return diag(reshape(asarray(v), (-1,)), k)


def fromfunction(function, shape, *, dtype=float, **kwargs):
  dt = dtypes.check_user_dtype_supported(dtype, "fromfunction")
  shape = tuple(shape)
  grids = [lax.broadcasted_iota(dt, shape, i) for i in range(len(shape))]
  return function(*grids, **kwargs)


def frombuffer(buffer, dtype=float, count=-1, offset=0):
  return asarray(np.frombuffer(buffer, dtype=dtype, count=count, offset=offset))


def fromstring(string, dtype=float, count=-1, *, sep):
  return asarray(np.fromstring(string, dtype=dtype, count=count, sep=sep))


def vander(x, N=None, increasing=False):
  x = asarray(x)
  if x.ndim != 1:
    raise ValueError("x must be a one-dimensional array")
  N = x.shape[0] if N is None else N
  powers = np.arange(N) if increasing else np.arange(N - 1, -1, -1)
  from jaxlite._src.numpy.ufuncs import power
  return power(lax.broadcast_in_dim(x, (x.shape[0], N), (0,)),
               asarray(powers.astype(np.int32 if dtypes.is_integer(x.dtype) else x.dtype)))
