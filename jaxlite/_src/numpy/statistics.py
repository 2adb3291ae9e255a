"""jnp's statistics and calculus helpers: cov, corrcoef, interp, gradient, unwrap,
histogramdd and histogram2d."""
from __future__ import annotations

import builtins
import math

import numpy as np

from jaxlite._src import dtypes
from jaxlite._src.numpy import util
from jaxlite import lax
from jaxlite import numpy as jnp

__all__ = ["corrcoef", "cov", "gradient", "histogram2d", "histogramdd", "interp", "unwrap"]


def cov(m, y=None, rowvar=True, bias=False, ddof=None, fweights=None, aweights=None,
        dtype=None):
  """Covariance matrix of the rows (variables) of ``m`` (and ``y``)."""
  if y is not None:
    m, y = util.promote_args_inexact("cov", m, y)
    if y.ndim > 2:
      raise ValueError("y has more than 2 dimensions")
  else:
    m, = util.promote_args_inexact("cov", m)
  if m.ndim > 2:
    raise ValueError("m has more than 2 dimensions")
  if dtype is not None and not dtypes.issubdtype(dtype, np.inexact):
    raise ValueError(f"cov: dtype must be a subclass of float or complex; got dtype={dtype}")
  x = jnp.atleast_2d(m)
  if not rowvar and m.ndim != 1:
    x = x.T
  if x.shape[0] == 0:
    return jnp.array([]).reshape(0, 0)
  if y is not None:
    y2 = jnp.atleast_2d(y)
    if not rowvar and y2.shape[0] != 1:
      y2 = y2.T
    x = jnp.concatenate((x, y2), axis=0)
  if x.shape[1] == 0:
    return jnp.full(() if x.shape[0] == 1 else (x.shape[0],) * 2, np.nan, x.dtype)
  if ddof is None:
    ddof = 1 if bias == 0 else 0
  w = None
  if fweights is not None:
    util.check_arraylike("cov", fweights)
    fweights = jnp.asarray(fweights)
    if fweights.ndim > 1:
      raise RuntimeError("cannot handle multidimensional fweights")
    if fweights.shape[0] != x.shape[1]:
      raise RuntimeError("incompatible numbers of samples and fweights")
    if not dtypes.issubdtype(fweights.dtype, np.integer):
      raise TypeError("fweights must be integer.")
    w = jnp.abs(fweights)
  if aweights is not None:
    util.check_arraylike("cov", aweights)
    aweights = jnp.asarray(aweights)
    if aweights.ndim > 1:
      raise RuntimeError("cannot handle multidimensional aweights")
    if aweights.shape[0] != x.shape[1]:
      raise RuntimeError("incompatible numbers of samples and aweights")
    aweights = jnp.abs(aweights)
    w = aweights if w is None else w * aweights
  if dtype is not None:
    x = x.astype(dtype)
    w = None if w is None else w.astype(dtype)
  avg, w_sum = jnp.average(x, axis=1, weights=w, returned=True)
  w_sum = w_sum[0]
  if w is None:
    f = x.shape[1] - ddof
  elif ddof == 0:
    f = w_sum
  elif aweights is None:
    f = w_sum - ddof
  else:
    f = w_sum - ddof * jnp.sum(w * aweights) / w_sum
  x = x - avg[:, None]
  x_t = x.T if w is None else (x * w).T
  return jnp.squeeze(jnp.dot(x, jnp.conj(x_t)) * (1 / f))


def corrcoef(x, y=None, rowvar=True, dtype=None):
  """Pearson correlation coefficients (clipped to [-1, 1])."""
  util.check_arraylike("corrcoef", x)
  if dtype is not None and not dtypes.issubdtype(dtype, np.inexact):
    raise ValueError(f"corrcoef: dtype must be a subclass of float or complex; got dtype={dtype}")
  c = cov(x, y, rowvar, dtype=dtype)
  if c.ndim == 0:
    return c / c
  stddev = jnp.sqrt(jnp.real(jnp.diag(c))).astype(c.dtype)
  c = c / stddev[:, None] / stddev[None, :]
  real = jnp.clip(jnp.real(c), -1, 1)
  if jnp.iscomplexobj(c):
    return lax.complex(real, jnp.clip(jnp.imag(c), -1, 1))
  return real


def interp(x, xp, fp, left=None, right=None, period=None):
  """Piecewise-linear interpolation (``left``/``right`` may be 'extrapolate')."""
  util.check_arraylike("interp", x, xp, fp)
  if np.shape(xp) != np.shape(fp) or np.ndim(xp) != 1:
    raise ValueError("xp and fp must be one-dimensional arrays of equal size")
  x, xp = util.promote_dtypes_inexact(x, xp)
  fp, = util.promote_dtypes_inexact(fp)
  for name, side in (("left", left), ("right", right)):
    if isinstance(side, str) and side != "extrapolate":
      raise ValueError(f"the only valid string value of `{name}` is 'extrapolate', but got: "
                       f"{side!r}")
  if dtypes.issubdtype(x.dtype, np.complexfloating):
    raise ValueError("jnp.interp: complex x values not supported.")
  if period is not None:
    if np.ndim(period) != 0:
      raise ValueError(f"period must be a scalar; got {period}")
    period = jnp.abs(period)
    x = x % period
    xp = xp % period
    xp, fp = lax.sort((xp, fp), num_keys=1)
    xp = jnp.concatenate([xp[-1:] - period, xp, xp[:1] + period])
    fp = jnp.concatenate([fp[-1:], fp, fp[:1]])
  i = jnp.clip(jnp.searchsorted(xp, x, side="right"), 1, xp.shape[0] - 1)
  df = fp[i] - fp[i - 1]
  dx = xp[i] - xp[i - 1]
  delta = x - xp[i - 1]
  # A zero-width interval would give a nan gradient: take its left value instead.
  dx0 = jnp.abs(dx) <= np.spacing(dtypes.finfo(xp.dtype).eps)
  f = jnp.where(dx0, fp[i - 1], fp[i - 1] + (delta / jnp.where(dx0, 1, dx)) * df)
  if period is None:
    if not isinstance(left, str):
      f = jnp.where(x < xp[0], fp[0] if left is None else left, f)
    if not isinstance(right, str):
      f = jnp.where(x > xp[-1], fp[-1] if right is None else right, f)
  return f


def gradient(f, *varargs, axis=None, edge_order=None):
  """Central differences inside, one-sided at the edges (``numpy.gradient``)."""
  if edge_order is not None:
    raise NotImplementedError("The 'edge_order' argument to jnp.gradient is not supported.")
  a, *spacing = util.promote_dtypes_inexact(f, *varargs)

  def along(a, h, ax):
    def sl(start, stop):
      return lax.slice_in_dim(a, start, stop, axis=ax)
    n = a.shape[ax]
    upper = sl(1, 2) - sl(0, 1)
    lower = sl(n - 1, n) - sl(n - 2, n - 1)
    if np.ndim(h) == 0:
      return jnp.concatenate((upper / h, (sl(2, n) - sl(0, n - 2)) * 0.5 / h, lower / h), ax)
    if np.ndim(h) != 1:
      raise ValueError("Spacing arrays must be 1D arrays or scalars.")
    if h.shape[0] != n:
      raise ValueError("Spacing arrays must have the same length as the dimension along "
                       "which the gradient is calculated.")
    h = h.reshape([n if d == ax else 1 for d in range(a.ndim)])

    def hs(start, stop):
      return lax.slice_in_dim(h, start, stop, axis=ax)
    dx1 = hs(1, n - 1) - hs(0, n - 2)
    dx2 = hs(2, n) - hs(1, n - 1)
    inner = (-dx2 / (dx1 * (dx1 + dx2)) * sl(0, n - 2) + (dx2 - dx1) / (dx1 * dx2) * sl(1, n - 1)
             + dx1 / (dx2 * (dx1 + dx2)) * sl(2, n))
    upper = upper / (hs(1, 2) - hs(0, 1))
    lower = lower / (hs(n - 1, n) - hs(n - 2, n - 1))
    return jnp.concatenate((upper, inner, lower), ax)

  axes = (tuple(range(a.ndim)) if axis is None
          else util.canonicalize_axes(axis if isinstance(axis, (tuple, list)) else (axis,),
                                      a.ndim))
  if not axes:
    return []
  if builtins.min(a.shape[i] for i in axes) < 2:
    raise ValueError("Shape of array too small to calculate a numerical gradient, at least "
                     "2 elements are required.")
  if not spacing:
    dx = [1.0] * len(axes)
  elif len(spacing) == 1:
    dx = spacing * len(axes)
  elif len(spacing) == len(axes):
    dx = spacing
  else:
    raise TypeError(f"Invalid number of spacing arguments {len(spacing)} for axis={axis}")
  grads = [along(a, h, ax) for ax, h in zip(axes, dx)]
  return grads[0] if len(axes) == 1 else grads


def unwrap(p, discont=None, axis=-1, period=2 * np.pi):
  """Remove jumps larger than ``discont`` by adding multiples of ``period``."""
  util.check_arraylike("unwrap", p)
  p, period = util.promote_dtypes(p, period)
  if dtypes.issubdtype(p.dtype, np.complexfloating):
    raise ValueError("jnp.unwrap does not support complex inputs.")
  if p.shape[axis] == 0:
    return p
  if discont is None:
    discont = period / 2
  interval = period // 2 if dtypes.issubdtype(p.dtype, np.integer) else period / 2
  dd = jnp.diff(p, axis=axis)
  ddmod = jnp.mod(dd + interval, period) - interval
  ddmod = jnp.where((ddmod == -interval) & (dd > 0), interval, ddmod)
  correction = jnp.where(jnp.abs(dd) < discont, 0, ddmod - dd)
  n = p.shape[axis]
  return jnp.concatenate((lax.slice_in_dim(p, 0, 1, axis=axis),
                          lax.slice_in_dim(p, 1, n, axis=axis)
                          + jnp.cumsum(correction, axis=axis)), axis=axis)


def histogramdd(sample, bins=10, range=None, weights=None, density=None):  # noqa: A002
  """Multidimensional histogram of ``sample`` (shape (N, D))."""
  if weights is None:
    util.check_arraylike("histogramdd", sample)
    sample, = util.promote_dtypes_inexact(sample)
  else:
    util.check_arraylike("histogramdd", sample, weights)
    if np.shape(weights) != np.shape(sample)[:1]:
      raise ValueError("should have one weight for each sample.")
    sample, weights = util.promote_dtypes_inexact(sample, weights)
  n, d = sample.shape
  if range is not None and (len(range) != d or any(
      r is not None and np.shape(r)[0] != 2 for r in range)):
    raise ValueError(f"For sample.shape={(n, d)}, range must be a sequence of {d} pairs or "
                     f"Nones; got range={range}")
  try:
    bins_per_dim = list(bins)
  except TypeError:
    bins_per_dim = d * [bins]
  else:
    if len(bins_per_dim) != d:
      raise ValueError("should be a bin for each dimension.")
  idx, edges = [], []
  for i in builtins.range(d):
    e = jnp.histogram_bin_edges(sample[:, i], bins_per_dim[i],
                                None if range is None else range[i], weights)
    k = jnp.searchsorted(e, sample[:, i], side="right")
    idx.append(jnp.where(sample[:, i] == e[-1], k - 1, k))
    edges.append(e)
  # Bins 0 and len(edges) catch the outliers; they are cut off below.
  nbins = tuple(e.shape[0] + 1 for e in edges)
  flat = jnp.ravel_multi_index(tuple(idx), nbins, mode="clip")
  hist = jnp.bincount(flat, weights, length=math.prod(nbins)).reshape(nbins)
  hist = hist[(slice(1, -1),) * d]
  if density:
    hist = hist.astype(sample.dtype)
    hist = hist / hist.sum()
    for i in builtins.range(d):
      widths = jnp.diff(edges[i])
      hist = hist / widths.reshape([-1 if j == i else 1 for j in builtins.range(d)])
  return hist, edges


def histogram2d(x, y, bins=10, range=None, weights=None, density=None):  # noqa: A002
  """2-D histogram: (counts, x edges, y edges)."""
  util.check_arraylike("histogram2d", x, y)
  try:
    nb = len(bins)
  except TypeError:
    nb = 1
  if nb != 1 and nb != 2:
    bins = [jnp.asarray(bins)] * 2
  hist, edges = histogramdd(jnp.stack([jnp.asarray(x), jnp.asarray(y)], axis=1), bins, range,
                            weights, density)
  return hist, edges[0], edges[1]


