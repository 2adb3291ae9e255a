"""``jnp.ufunc`` and ``jnp.frompyfunc``: universal functions from scalar functions."""
from __future__ import annotations

import operator

from jaxlite._src.numpy import util
from jaxlite import lax
from jaxlite import numpy as jnp

__all__ = ["frompyfunc", "ufunc"]


class ufunc:
  """A universal function built from a scalar function (``jnp.ufunc``): broadcasting calls
  through ``vectorize``, and for binary functions ``outer``, ``reduce``, ``accumulate`` and
  ``at``."""

  def __init__(self, func, /, nin, nout, *, name=None, nargs=None, identity=None,
               call=None, reduce=None, accumulate=None, at=None, reduceat=None):
    self._func = func
    self.nin, self.nout = operator.index(nin), operator.index(nout)
    self.nargs = nargs or self.nin
    self.identity = identity
    self.__name__ = name or getattr(func, "__name__", "<ufunc>")
    self._call = call

  def __repr__(self):
    return f"<jnp.ufunc '{self.__name__}'>"

  def __call__(self, *args, out=None, where=None):
    if out is not None:
      raise NotImplementedError(f"out argument of {self}")
    if where is not None:
      raise NotImplementedError(f"where argument of {self}")
    if len(args) != self.nin:
      raise TypeError(f"{self.__name__}() takes {self.nin} positional argument(s) but "
                      f"{len(args)} were given")
    if self._call is not None:
      return self._call(*args)
    return jnp.vectorize(self._func)(*args)

  def _check_binary(self, what):
    if self.nin != 2 or self.nout != 1:
      raise ValueError(f"{what} only supported for binary ufuncs with a single output; "
                       f"{self.__name__} has nin={self.nin}, nout={self.nout}")

  def outer(self, A, B, /):
    self._check_binary("outer")
    A, B = jnp.asarray(A), jnp.asarray(B)
    return self(A.reshape(A.shape + (1,) * B.ndim), B)

  def reduce(self, a, axis=0, dtype=None, out=None, keepdims=False, initial=None, where=None):
    """Fold along ``axis`` from the left (a ``lax.scan``)."""
    self._check_binary("reduce")
    if out is not None or where is not None:
      raise NotImplementedError(f"out and where arguments of {self}.reduce")
    a = jnp.asarray(a if dtype is None else jnp.asarray(a, dtype))
    axes = util.canonicalize_axes(axis, a.ndim, f"{self.__name__}.reduce")
    if len(axes) != 1:
      result = a
      for ax in sorted(axes, reverse=True):
        result = self.reduce(result, ax, keepdims=keepdims, initial=initial)
      return result
    moved = jnp.moveaxis(a, axes[0], 0)
    if initial is None and self.identity is not None and moved.shape[0] == 0:
      initial = self.identity
    if initial is None:
      if moved.shape[0] == 0:
        raise ValueError(f"zero-size array to reduction operation {self.__name__} which has "
                         "no identity")
      init, rest = moved[0], moved[1:]
    else:
      init, rest = jnp.broadcast_to(jnp.asarray(initial, moved.dtype), moved.shape[1:]), moved
    result = lax.scan(lambda c, x: (jnp.asarray(self(c, x)).astype(moved.dtype), None),
                      init, rest)[0]
    return jnp.expand_dims(result, axes[0]) if keepdims else result

  def accumulate(self, a, axis=0, dtype=None, out=None):
    """Running fold along ``axis`` (first element kept as is)."""
    self._check_binary("accumulate")
    if out is not None:
      raise NotImplementedError(f"out argument of {self}.accumulate")
    a = jnp.asarray(a if dtype is None else jnp.asarray(a, dtype))
    moved = jnp.moveaxis(a, util.canonicalize_axis(axis, a.ndim), 0)
    if moved.shape[0] == 0:
      return a

    def step(c, x):
      c = jnp.asarray(self(c, x)).astype(moved.dtype)
      return c, c
    rest = lax.scan(step, moved[0], moved[1:])[1]
    return jnp.moveaxis(jnp.concatenate([moved[:1], rest]), 0, axis)

  def at(self, a, indices, b=None, /, *, inplace=True):
    """``a`` with ``a[indices] = f(a[indices], b)`` applied one index at a time."""
    if inplace:
      raise NotImplementedError("jnp.ufunc.at does not support inplace=True")
    a = jnp.asarray(a)
    idx = jnp.asarray(indices)
    if idx.ndim == 0:
      return a.at[idx].set(jnp.asarray(self(a[idx], b) if b is not None else self(a[idx]))
                           .astype(a.dtype))
    vals = jnp.broadcast_to(jnp.asarray(0 if b is None else b, a.dtype),
                            idx.shape + a.shape[1:])

    def step(arr, iv):
      i, v = iv
      new = self(arr[i], v) if b is not None else self(arr[i])
      return arr.at[i].set(jnp.asarray(new).astype(arr.dtype)), None
    return lax.scan(step, a, (idx, vals))[0]

  def reduceat(self, a, indices, axis=0, dtype=None, out=None):
    raise NotImplementedError(f"{self}.reduceat is not implemented in jaxlite")


def frompyfunc(func, /, nin, nout, *, identity=None):
  """A ``jnp.ufunc`` from a scalar function written with jax operations."""
  return ufunc(func, nin, nout, identity=identity)

