"""Summary statistics of ``jax.scipy.stats``: mode, rankdata and sem."""
import math
from typing import Any, NamedTuple

import numpy as np

from jaxlite import lax
from jaxlite import numpy as jnp
from jaxlite._src import dtypes
from jaxlite._src.numpy import util

__all__ = ["ModeResult", "mode", "rankdata", "sem"]


def _check_nan_policy(name, nan_policy):
  if nan_policy not in ("propagate", "omit", "raise"):
    raise ValueError(f"Illegal nan_policy value {nan_policy!r}; expected one of "
                     "{'propagate', 'omit', 'raise'}")
  if nan_policy == "omit":
    raise NotImplementedError(f"Logic for `nan_policy` of {nan_policy} is not implemented")
  if nan_policy == "raise":
    raise NotImplementedError(
        f"In order to best JIT compile `{name}`, we cannot know whether `x` contains nans. "
        f"Please check if nans exist in `x` outside of the `{name}` function.")


class ModeResult(NamedTuple):
  mode: Any
  count: Any


def mode(a, axis=0, nan_policy="propagate", keepdims=False):
  """The most common value along ``axis`` (the smallest on ties) and its count."""
  from jaxlite._src.api import vmap
  util.check_arraylike("mode", a)
  x = jnp.atleast_1d(a)
  _check_nan_policy("mode", nan_policy)
  if axis is None:
    out_shape = (1,) * x.ndim if keepdims else ()
    x, axis = x.ravel(), 0
  else:
    axis = util.canonicalize_axis(axis, x.ndim)
    out_shape = tuple(1 if i == axis else s for i, s in enumerate(x.shape) if keepdims or
                      i != axis)

  def one(column):
    if column.size == 0:
      nan = jnp.array(np.nan, dtypes.default_float_dtype())
      return nan, jnp.zeros((), dtypes.default_float_dtype())
    values, counts = jnp.unique(column, return_counts=True, size=column.size)
    return values[jnp.argmax(counts)], counts.max()
  x = jnp.moveaxis(x, axis, 0)
  x = x.reshape(x.shape[0], math.prod(x.shape[1:]))
  values, counts = vmap(one, in_axes=1)(x)
  return ModeResult(values.reshape(out_shape), counts.reshape(out_shape))


def rankdata(a, method="average", *, axis=None, nan_policy="propagate"):
  """Ranks (from 1) of the data, ties resolved by ``method``; all nan if any value is."""
  util.check_arraylike("rankdata", a)
  _check_nan_policy("rankdata", nan_policy)
  if method not in ("average", "min", "max", "dense", "ordinal"):
    raise ValueError(f"unknown method '{method}'")
  if axis is not None:
    return jnp.apply_along_axis(rankdata, axis, a, method)
  a = jnp.ravel(a)
  out = dtypes.default_float_dtype()

  def ranks(v):
    order = jnp.argsort(v, stable=True)
    s = v[order]
    inverse = jnp.zeros_like(order).at[order].set(jnp.arange(v.size, dtype=order.dtype))
    if method == "ordinal":
      return (inverse + 1).astype(out)
    first = jnp.concatenate([jnp.array([True]), s[1:] != s[:-1]])
    dense = jnp.cumsum(first)[inverse]
    if method == "dense":
      return dense.astype(out)
    # starts[k]: position of the first element of the k-th group of ties (then n).
    starts = jnp.nonzero(first, size=v.size + 1, fill_value=v.size)[0].astype(out)
    if method == "max":
      return starts[dense]
    if method == "min":
      return starts[dense - 1] + 1
    return 0.5 * (starts[dense] + starts[dense - 1] + 1)
  return lax.cond(jnp.any(jnp.isnan(a)), lambda v: jnp.full_like(v, np.nan, out), ranks, a)


def sem(a, axis=0, ddof=1, nan_policy="propagate", *, keepdims=False):
  """Standard error of the mean: std(ddof) / sqrt(count)."""
  a, = util.promote_args_inexact("sem", a)
  if nan_policy == "propagate":
    size = a.size if axis is None else a.shape[axis]
    return a.std(axis, ddof=ddof, keepdims=keepdims) / np.sqrt(size).astype(a.dtype)
  if nan_policy == "omit":
    count = jnp.sum(~jnp.isnan(a), axis, keepdims=keepdims)
    return jnp.nanstd(a, axis, ddof=ddof, keepdims=keepdims) / jnp.sqrt(count).astype(a.dtype)
  raise ValueError(f"{nan_policy} is not supported")
