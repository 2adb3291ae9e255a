"""More reductions with NumPy's signatures: argmax/argmin, cumulative sums and products,
ptp, count_nonzero, the nan-ignoring reductions, quantiles (median, percentile), average,
diff, ediff1d and trapezoid."""
from __future__ import annotations

import math
import operator

import numpy as np

from jaxlite._src import dtypes
from jaxlite._src.lax import lax
from jaxlite._src.lax.structural import _take_along_axis
from jaxlite._src.numpy import reductions, ufuncs, util
from jaxlite._src.numpy.creation import asarray
from jaxlite._src.numpy.shape_ops import broadcast_to, concatenate, ravel

__all__ = [
    "argmax", "argmin", "nanargmax", "nanargmin", "cumsum", "cumprod", "cumulative_sum",
    "cumulative_prod", "nancumsum", "nancumprod", "ptp", "count_nonzero", "nanmax", "nanmin",
    "nansum", "nanprod", "nanmean", "nanvar", "nanstd", "median", "nanmedian", "quantile",
    "nanquantile", "percentile", "nanpercentile", "average", "diff", "ediff1d", "trapezoid",
]


def _check_out(out, name):
  if out is not None:
    raise NotImplementedError(f"The 'out' argument to jnp.{name} is not supported.")


def _isnan(x):
  return lax.ne(x, x)


def _expand_at(x, axes):
  """Put back reduced axes as size-1 dimensions (keepdims)."""
  return lax.expand_dims(x, tuple(sorted(axes))) if axes else x


# ---------------------------------------------------------------------------
# argmax, argmin

def _arg_extreme(name, lax_fn):
  def fn(a, axis=None, out=None, keepdims=None):
    _check_out(out, name)
    util.check_arraylike(name, a)
    a = asarray(a)
    nd = a.ndim
    if axis is None:
      a = ravel(a)
      axis_ = 0
    else:
      axis_ = util.canonicalize_axis(operator.index(axis), nd, f"jnp.{name}")
    if a.shape[axis_] == 0:
      raise ValueError(f"attempt to get {name} of an empty sequence")
    result = lax_fn(a, axis_, dtypes.default_int_dtype())
    if keepdims:
      result = lax.reshape(result, (1,) * nd) if axis is None else _expand_at(result, (axis_,))
    return result
  fn.__name__ = fn.__qualname__ = name
  fn.__doc__ = (f"Index of the {name[3:]}imum along ``axis`` (of the flattened array when None); "
                "the first one on ties, the first NaN if there is one.")
  return fn


argmax = _arg_extreme("argmax", lax.argmax)
argmin = _arg_extreme("argmin", lax.argmin)


def _nan_arg_extreme(name, arg_fn, fill):
  def fn(a, axis=None, out=None, keepdims=None):
    _check_out(out, name)
    util.check_arraylike(name, a)
    a = asarray(a)
    if not dtypes.is_inexact(a.dtype):
      return arg_fn(a, axis=axis, keepdims=keepdims)
    nan = _isnan(a)
    res = arg_fn(ufuncs.where(nan, np.array(fill, a.dtype), a), axis=axis, keepdims=keepdims)
    all_nan = reductions.all(nan, axis=axis, keepdims=bool(keepdims))
    return ufuncs.where(all_nan, np.array(-1, res.dtype), res)
  fn.__name__ = fn.__qualname__ = name
  fn.__doc__ = f"``{name[3:]}`` ignoring NaNs; -1 where a slice is all NaN."
  return fn


nanargmax = _nan_arg_extreme("nanargmax", argmax, -np.inf)
nanargmin = _nan_arg_extreme("nanargmin", argmin, np.inf)


# ---------------------------------------------------------------------------
# Cumulative sums and products

def _cumulative(name, lax_fn, nan_fill=None):
  def fn(a, axis=None, dtype=None, out=None):
    _check_out(out, name)
    util.check_arraylike(name, a)
    a = asarray(a)
    if nan_fill is not None and dtypes.is_inexact(a.dtype):
      a = ufuncs.where(_isnan(a), np.array(nan_fill, a.dtype), a)
    if axis is None:
      a = ravel(a)
      axis = 0
    axis = util.canonicalize_axis(axis, a.ndim, f"jnp.{name}")
    dt = dtypes.check_user_dtype_supported(dtype, name)
    if dt is None:
      dt = dtypes.default_int_dtype() if a.dtype == np.bool_ else a.dtype
    return lax_fn(util.convert_to(a, dt, False), axis)
  fn.__name__ = fn.__qualname__ = name
  fn.__doc__ = (f"``jnp.{name}``: along ``axis`` (the flattened array when None); bools count as "
                "integers, other dtypes are kept" +
                (", NaNs count as the identity." if nan_fill is not None else "."))
  return fn


cumsum = _cumulative("cumsum", lax.cumsum)
cumprod = _cumulative("cumprod", lax.cumprod)
nancumsum = _cumulative("nancumsum", lax.cumsum, nan_fill=0)
nancumprod = _cumulative("nancumprod", lax.cumprod, nan_fill=1)


def _cumulative_array_api(name, what, lax_fn, identity):
  def fn(x, /, *, axis=None, dtype=None, include_initial=False):
    util.check_arraylike(name, x)
    x = asarray(x)
    if x.ndim == 0:
      raise ValueError(f"The input must be non-scalar to take a cumulative {what}, however a "
                       "scalar value or scalar array was given.")
    if axis is None:
      if x.ndim > 1:
        raise ValueError(f"The input array has rank {x.ndim}, however axis was not set to an "
                         "explicit value. The axis argument is only optional for "
                         "one-dimensional arrays.")
      axis = 0
    axis = util.canonicalize_axis(axis, x.ndim, f"jnp.{name}")
    dt = dtypes.check_user_dtype_supported(dtype, name)
    if dt is None:  # integers widen as in sum(): to the default (unsigned) integer
      dt = x.dtype
      if dt == np.bool_:
        dt = dtypes.default_int_dtype()
      elif dtypes.is_unsigned(dt):
        dt = np.promote_types(dt, dtypes.default_uint_dtype())
      elif dtypes.is_integer(dt):
        dt = np.promote_types(dt, dtypes.default_int_dtype())
    out = lax_fn(util.convert_to(x, dt, False), axis)
    if include_initial:
      config = [(0, 0, 0)] * x.ndim
      config[axis] = (1, 0, 0)
      out = lax.pad(out, np.array(identity, dt), config)
    return out
  fn.__name__ = fn.__qualname__ = name
  fn.__doc__ = (f"Array-API cumulative {what} along ``axis`` (required unless 1-D); "
                "``include_initial`` prepends the identity.")
  return fn


cumulative_sum = _cumulative_array_api("cumulative_sum", "sum", lax.cumsum, 0)
cumulative_prod = _cumulative_array_api("cumulative_prod", "product", lax.cumprod, 1)


# ---------------------------------------------------------------------------
# ptp, count_nonzero

def ptp(a, axis=None, out=None, keepdims=False):
  """Range (maximum minus minimum) along ``axis``."""
  _check_out(out, "ptp")
  util.check_arraylike("ptp", a)
  a = asarray(a)
  hi = reductions.max(a, axis=axis, keepdims=keepdims)
  lo = reductions.min(a, axis=axis, keepdims=keepdims)
  return lax.sub(hi, lo)


def count_nonzero(a, axis=None, keepdims=False):
  """Number of non-zero entries along ``axis`` (default integer dtype)."""
  util.check_arraylike("count_nonzero", a)
  a = asarray(a)
  nonzero = lax.ne(a, np.zeros((), a.dtype))
  return reductions.sum(nonzero, axis=axis, keepdims=keepdims,
                        dtype=dtypes.default_int_dtype())


# ---------------------------------------------------------------------------
# NaN-ignoring reductions

def _nan_reduce(name, reduce_fn, identity, nan_if_all_nan, a, axis, keepdims, **kwargs):
  """``reduce_fn`` with NaNs replaced by ``identity`` (and NaN results for all-NaN slices)."""
  util.check_arraylike(name, a)
  a = asarray(a)
  if not dtypes.is_inexact(a.dtype):
    return reduce_fn(a, axis, keepdims=keepdims, **kwargs)
  nan = _isnan(a)
  out = reduce_fn(ufuncs.where(nan, np.array(identity, a.dtype), a), axis, keepdims=keepdims,
                  **kwargs)
  if nan_if_all_nan:
    all_nan = reductions.all(nan, axis=axis, keepdims=keepdims)
    out = ufuncs.where(all_nan, np.array(np.nan, out.dtype), out)
  return out


def nanmax(a, axis=None, out=None, keepdims=False, initial=None, where=None):
  """Maximum ignoring NaNs (NaN where a slice is all NaN)."""
  return _nan_reduce("nanmax", reductions.max, -np.inf, True, a, axis, keepdims, out=out,
                     initial=initial, where=where)


def nanmin(a, axis=None, out=None, keepdims=False, initial=None, where=None):
  """Minimum ignoring NaNs (NaN where a slice is all NaN)."""
  return _nan_reduce("nanmin", reductions.min, np.inf, True, a, axis, keepdims, out=out,
                     initial=initial, where=where)


def nansum(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
  """Sum treating NaNs as zero."""
  return _nan_reduce("nansum", reductions.sum, 0, False, a, axis, keepdims, dtype=dtype,
                     out=out, initial=initial, where=where)


def nanprod(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
  """Product treating NaNs as one."""
  return _nan_reduce("nanprod", reductions.prod, 1, False, a, axis, keepdims, dtype=dtype,
                     out=out, initial=initial, where=where)


def nanmean(a, axis=None, dtype=None, out=None, keepdims=False, where=None):
  """Mean of the non-NaN entries (NaN where there are none)."""
  _check_out(out, "nanmean")
  util.check_arraylike("nanmean", a)
  a = asarray(a)
  if not dtypes.is_inexact(a.dtype):
    return reductions.mean(a, axis, dtype=dtype, keepdims=keepdims, where=where)
  count = reductions.sum(lax.eq(a, a), axis=axis, dtype=np.int32, keepdims=keepdims,
                         where=where)
  total = nansum(a, axis, dtype=dtype, keepdims=keepdims, where=where)
  return ufuncs.true_divide(total, count)


def nanvar(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, where=None, mean=None):
  """Variance of the non-NaN entries, dividing by (their count - ``ddof``)."""
  _check_out(out, "nanvar")
  util.check_arraylike("nanvar", a)
  a = asarray(a)
  dt = dtypes.check_user_dtype_supported(dtype, "nanvar")
  compute_dt = dtypes.to_inexact_dtype(a.dtype)
  a = util.convert_to(a, compute_dt, False)
  if mean is None:
    mean = nanmean(a, axis, keepdims=True, where=where)
  nan = _isnan(a)
  centered = ufuncs.where(nan, np.zeros((), compute_dt), ufuncs.subtract(a, mean))
  if dtypes.is_complex(compute_dt):
    sq = lax.real(lax.mul(centered, lax.conj(centered)))
  else:
    sq = lax.mul(centered, centered)
  count = reductions.sum(lax.eq(a, a), axis=axis, keepdims=keepdims, where=where)
  count = lax.sub(count, np.array(ddof, count.dtype))
  empty = lax.le(count, np.zeros((), count.dtype))
  total = reductions.sum(sq, axis=axis, keepdims=keepdims, where=where)
  total = ufuncs.where(empty, np.array(np.nan, total.dtype), total)
  divisor = ufuncs.where(empty, np.ones((), count.dtype), count)
  out = lax.div(total, lax.convert_element_type(divisor, total.dtype))
  return out if dt is None else lax.convert_element_type(out, dt)


def nanstd(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, where=None, mean=None):
  """Standard deviation of the non-NaN entries."""
  return lax.sqrt(nanvar(a, axis, dtype, out, ddof, keepdims, where=where, mean=mean))


# ---------------------------------------------------------------------------
# Quantiles

_METHODS = ("linear", "lower", "higher", "midpoint", "nearest", "inverted_cdf")


def _reduce_axes_last(a, axis):
  """``a`` with the reduced ``axis`` (None, int or tuple) merged into one last dimension, and
  the shape the result gets with keepdims."""
  nd = a.ndim
  axes = util.canonicalize_axes(axis, nd, "jnp.quantile")
  kept = tuple(i for i in range(nd) if i not in axes)
  keep_shape = tuple(1 if i in axes else d for i, d in enumerate(a.shape))
  moved = lax.transpose(a, kept + axes)
  merged = lax.reshape(moved, tuple(a.shape[i] for i in kept) + (math.prod(a.shape[i]
                                                                           for i in axes),))
  return merged, keep_shape, axes


def _quantile(name, a, q, axis, out, overwrite_input, method, keepdims, weights, ignore_nan):
  util.check_arraylike(name, a, q)
  if overwrite_input or out is not None:
    raise ValueError(f"jax.numpy.{name} does not support overwrite_input=True or out != None")
  if method not in _METHODS:
    raise ValueError("method can only be 'linear', 'lower', 'higher', 'midpoint', 'nearest' "
                     "or 'inverted_cdf'")
  if weights is not None and method != "inverted_cdf":
    raise NotImplementedError(f"{method} doesn't support weights. Only method 'inverted_cdf' "
                              "supports weights.")
  a = asarray(a)
  if dtypes.is_complex(a.dtype):
    raise ValueError("quantile does not support complex input, as the operation is poorly "
                     "defined.")
  (a,) = util.promote_dtypes_inexact(a)
  a = util.convert_to(a, a.dtype, False)
  q = asarray(q)
  if q.ndim > 1:
    raise ValueError(f"q must be have rank <= 1, got shape {q.shape}")
  if not dtypes.is_inexact(q.dtype):
    raise TypeError(f"floor does not accept dtype {q.dtype.name}. Accepted dtypes are subtypes "
                    "of floating.")
  q = util.convert_to(q, a.dtype, False)
  if weights is not None:
    weights = asarray(weights)
    if weights.shape != a.shape:
      if axis is None or isinstance(axis, (tuple, list)) or weights.ndim != 1:
        raise ValueError("Shape of weights must match the shape of a or be 1-D along the "
                         "given axis.")
      axis_ = util.canonicalize_axis(axis, a.ndim, f"jnp.{name}")
      weights = lax.broadcast_in_dim(weights, a.shape, (axis_,))
    weights, _, _ = _reduce_axes_last(util.convert_to(weights, a.dtype, False), axis)
  a, keep_shape, axes = _reduce_axes_last(a, axis)
  n = a.shape[-1]
  nan = _isnan(a)
  if ignore_nan:
    count = reductions.sum(lax.eq(a, a), axis=-1, keepdims=True, dtype=np.int32)
  else:  # a NaN anywhere in a slice makes all of it (and so the result) NaN
    a = ufuncs.where(reductions.any(nan, axis=-1, keepdims=True), np.array(np.nan, a.dtype), a)
    count = None
  # Results are computed with the q values along the last axis, then moved to the front.
  qs = lax.broadcast_in_dim(q, a.shape[:-1] + (q.size,), (a.ndim - 1,) if q.ndim else ())
  if weights is not None:
    result = _weighted_inverted_cdf(a, weights, qs, nan, ignore_nan)
  else:
    result = _interpolated_quantile(lax.sort(a, dimension=a.ndim - 1), qs, n, count, method)
  if keepdims:  # the kept axes are in order, so the reduced ones just become 1s
    result = lax.reshape(result, keep_shape + (q.size,))
  nd = result.ndim
  result = lax.transpose(result, (nd - 1,) + tuple(range(nd - 1)))
  return result if q.ndim else lax.reshape(result, result.shape[1:])


def _interpolated_quantile(sorted_a, qs, n, count, method):
  """Quantiles ``qs`` (shape batch + (Q,)) of the rows of ``sorted_a``; ``count`` holds the
  number of non-NaN entries per row (None: all ``n`` count)."""
  dt = sorted_a.dtype
  one = np.ones((), dt)
  size = np.array(n, dt) if count is None else lax.convert_element_type(count, dt)
  last = ufuncs.subtract(size, one)
  if method == "inverted_cdf":
    low = high = ufuncs.subtract(lax.ceil(ufuncs.multiply(qs, size)), one)
  else:
    pos = ufuncs.multiply(qs, last)
    low, high = lax.floor(pos), lax.ceil(pos)
    frac = lax.sub(pos, low)
  top = ufuncs.maximum(last, np.zeros((), dt))

  def value_at(index):
    index = ufuncs.minimum(ufuncs.maximum(index, np.zeros((), dt)), top)
    return _take_along_axis(sorted_a, lax.convert_element_type(index, np.int32), sorted_a.ndim - 1)

  low_value, high_value = value_at(low), value_at(high)
  if method == "linear":
    return lax.add(lax.mul(low_value, lax.sub(one, frac)), lax.mul(high_value, frac))
  if method in ("lower", "inverted_cdf"):
    return low_value
  if method == "higher":
    return high_value
  if method == "nearest":  # halfway rounds down, as in JAX
    return ufuncs.where(lax.le(frac, np.array(0.5, dt)), low_value, high_value)
  return lax.mul(lax.add(low_value, high_value), np.array(0.5, dt))  # midpoint


def _weighted_inverted_cdf(a, weights, qs, nan, ignore_nan):
  """The first sorted value whose cumulative weight reaches q times the total weight (NaN if
  any weight is negative)."""
  dt = a.dtype
  last = a.ndim - 1
  if ignore_nan:
    weights = ufuncs.where(nan, np.zeros((), dt), weights)
  sorted_a, sorted_w = lax.sort((a, weights), dimension=last, num_keys=1)
  cum = lax.cumsum(sorted_w, last)
  total = lax.slice_in_dim(cum, cum.shape[-1] - 1, cum.shape[-1], axis=last)
  target = ufuncs.multiply(qs, total)
  below = ufuncs.less(lax.expand_dims(cum, (last,)), lax.expand_dims(target, (last + 1,)))
  index = reductions.sum(below, axis=-1, dtype=np.int32)
  index = lax.min(index, np.array(a.shape[-1] - 1, np.int32))
  result = _take_along_axis(sorted_a, index, last)
  negative = reductions.any(lax.lt(weights, np.zeros((), dt)), axis=-1, keepdims=True)
  return ufuncs.where(negative, np.array(np.nan, dt), result)


def quantile(a, q, axis=None, out=None, overwrite_input=False, method="linear", keepdims=False,
             *, weights=None):
  """The ``q``-th quantiles (0 <= q <= 1) along ``axis``; q's dimension comes first."""
  return _quantile("quantile", a, q, axis, out, overwrite_input, method, keepdims, weights,
                   ignore_nan=False)


def nanquantile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
                keepdims=False, *, weights=None):
  """Quantiles of the non-NaN entries."""
  return _quantile("nanquantile", a, q, axis, out, overwrite_input, method, keepdims, weights,
                   ignore_nan=True)


def _percent(name, q):
  util.check_arraylike(name, q)
  (q,) = util.promote_dtypes_inexact(q)
  return lax.div(q, np.array(100, q.dtype))


def percentile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
               keepdims=False, *, weights=None, out_sharding=None):
  """The ``q``-th percentiles (0 <= q <= 100) along ``axis``."""
  return quantile(a, _percent("percentile", q), axis, out, overwrite_input, method, keepdims,
                  weights=weights)


def nanpercentile(a, q, axis=None, out=None, overwrite_input=False, method="linear",
                  keepdims=False, *, weights=None):
  """Percentiles of the non-NaN entries."""
  return nanquantile(a, _percent("nanpercentile", q), axis, out, overwrite_input, method,
                     keepdims, weights=weights)


def median(a, axis=None, out=None, overwrite_input=False, keepdims=False):
  """The median along ``axis`` (the mean of the middle two for an even count)."""
  return quantile(a, 0.5, axis, out, overwrite_input, "midpoint", keepdims)


def nanmedian(a, axis=None, out=None, overwrite_input=False, keepdims=False):
  """The median of the non-NaN entries."""
  return nanquantile(a, 0.5, axis, out, overwrite_input, "midpoint", keepdims)


# ---------------------------------------------------------------------------
# average

def average(a, axis=None, weights=None, returned=False, keepdims=False):
  """Weighted mean along ``axis``; with ``returned`` also the sum of the weights."""
  util.check_arraylike("average", a)
  a = asarray(a)
  if weights is None:
    avg = reductions.mean(a, axis=axis, keepdims=keepdims)
    axes = util.canonicalize_axes(axis, a.ndim, "jnp.average")
    count = math.prod(a.shape[i] for i in axes)
    weights_sum = lax.full(avg.shape, count, avg.dtype)
  else:
    util.check_arraylike("average", weights)
    a, weights = util.promote_dtypes_inexact(a, asarray(weights))
    if a.shape != weights.shape:
      if axis is None:
        raise ValueError("Axis must be specified when shapes of a and weights differ.")
      axes = util.canonicalize_axes(axis, a.ndim, "jnp.average")
      if weights.shape != tuple(a.shape[i] for i in axes):
        raise ValueError("Shape of weights must be consistent with shape of a along specified "
                         "axis.")
      weights = lax.broadcast_in_dim(weights, a.shape, axes)
    weights_sum = reductions.sum(weights, axis=axis, keepdims=keepdims)
    avg = ufuncs.true_divide(reductions.sum(ufuncs.multiply(a, weights), axis=axis,
                                            keepdims=keepdims), weights_sum)
  if returned:
    if weights_sum.shape != avg.shape:
      weights_sum = broadcast_to(weights_sum, avg.shape)
    return avg, weights_sum
  return avg


# ---------------------------------------------------------------------------
# Differences and integration

def _adjacent_difference(a, axis):
  n = a.shape[axis]
  hi = lax.slice_in_dim(a, 1, n, axis=axis)
  lo = lax.slice_in_dim(a, 0, n - 1, axis=axis)
  return lax.ne(hi, lo) if a.dtype == np.bool_ else lax.sub(hi, lo)


def diff(a, n=1, axis=-1, prepend=None, append=None):
  """The ``n``-th discrete difference along ``axis`` (xor for booleans)."""
  util.check_arraylike("diff", a)
  a = asarray(a)
  n = operator.index(n)
  if n < 0:
    raise ValueError(f"order must be non-negative but got {n}")
  if n == 0:
    return a
  if a.ndim == 0:
    raise ValueError(f"diff requires input that is at least one dimensional; got {a!r}")
  axis = util.canonicalize_axis(axis, a.ndim, "jnp.diff")
  pieces = []
  for extra in (prepend, a, append):
    if extra is None:
      continue
    extra = asarray(extra)
    if extra.ndim == 0:
      shape = list(a.shape)
      shape[axis] = 1
      extra = broadcast_to(extra, tuple(shape))
    pieces.append(extra)
  if len(pieces) > 1:
    a = concatenate(pieces, axis=axis)
  for _ in range(n):
    if a.shape[axis] == 0:
      break
    a = _adjacent_difference(a, axis)
  return a


def ediff1d(ary, to_end=None, to_begin=None):
  """Differences of consecutive entries of the flattened ``ary``, with ``to_begin`` and
  ``to_end`` (cast to its dtype) attached."""
  util.check_arraylike("ediff1d", ary)
  arr = ravel(asarray(ary))
  result = lax.sub(lax.slice_in_dim(arr, 1, arr.shape[0]), lax.slice_in_dim(arr, 0,
                                                                             arr.shape[0] - 1))
  pieces = [result]
  if to_begin is not None:
    pieces.insert(0, ravel(asarray(to_begin, dtype=arr.dtype)))
  if to_end is not None:
    pieces.append(ravel(asarray(to_end, dtype=arr.dtype)))
  return concatenate(pieces) if len(pieces) > 1 else result


def trapezoid(y, x=None, dx=1.0, axis=-1):
  """Integral of ``y`` along ``axis`` by the trapezoidal rule (sample points ``x``, or a
  spacing ``dx``)."""
  if x is None:
    util.check_arraylike("trapezoid", y)
    (y,) = util.promote_dtypes_inexact(y)
    dx = asarray(dx)
  else:
    util.check_arraylike("trapezoid", y, x)
    y, x = util.promote_dtypes_inexact(y, x)
    dx = diff(x) if x.ndim == 1 else _move_to_last(diff(x, axis=axis), axis)
  y = _move_to_last(y, util.canonicalize_axis(axis, y.ndim, "jnp.trapezoid"))
  n = y.shape[-1]
  pair_sums = ufuncs.add(lax.slice_in_dim(y, 1, n, axis=y.ndim - 1),
                         lax.slice_in_dim(y, 0, n - 1, axis=y.ndim - 1))
  return ufuncs.multiply(0.5, reductions.sum(ufuncs.multiply(dx, pair_sums), axis=-1))


def _move_to_last(x, axis):
  axis = util.canonicalize_axis(axis, x.ndim, "axis")
  perm = tuple(i for i in range(x.ndim) if i != axis) + (axis,)
  return lax.transpose(x, perm)
