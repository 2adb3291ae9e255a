"""``jax.scipy.ndimage.map_coordinates``: interpolation of order 0 (nearest) or 1 (linear)
at arbitrary coordinates, with SciPy's boundary modes."""
from __future__ import annotations

import functools
import itertools
import operator

import numpy as np

from jaxlite import lax
from jaxlite import numpy as jnp
from jaxlite._src import dtypes

__all__ = ["map_coordinates"]


def _mirror(index, size):
  period = size - 1
  return jnp.abs((index + period) % (2 * period) - period) if period else jnp.zeros_like(index)


def _reflect(index, size):
  return jnp.floor_divide(_mirror(2 * index + 1, 2 * size + 1) - 1, 2)


# How an index outside [0, size) is brought back inside, per mode.
_FIXERS = {
    "constant": lambda index, size: index,
    "nearest": lambda index, size: jnp.clip(index, 0, size - 1),
    "wrap": lambda index, size: index % size,
    "mirror": _mirror,
    "reflect": _reflect,
}


def _round_half_away(a):
  return a if dtypes.issubdtype(a.dtype, np.integer) else lax.round(a)


def _nearest(coordinate):
  return [(_round_half_away(coordinate).astype(np.int32), 1)]


def _linear(coordinate):
  lower = jnp.floor(coordinate)
  upper_weight = coordinate - lower
  index = lower.astype(np.int32)
  return [(index, 1 - upper_weight), (index + 1, upper_weight)]


def map_coordinates(input, coordinates, order, mode="constant", cval=0.0):  # noqa: A002
  """``input`` interpolated at ``coordinates`` (one array per input axis)."""
  arr = jnp.asarray(input)
  coords = [jnp.asarray(c) for c in coordinates]
  cval = jnp.asarray(cval, arr.dtype)
  if len(coords) != arr.ndim:
    raise ValueError("coordinates must be a sequence of length input.ndim, but "
                     f"{len(coords)} != {arr.ndim}")
  fixer = _FIXERS.get(mode)
  if fixer is None:
    raise NotImplementedError(
        f"jax.scipy.ndimage.map_coordinates does not yet support mode {mode}. Currently "
        f"supported modes are {set(_FIXERS)}.")
  if order == 0:
    nodes_of = _nearest
  elif order == 1:
    nodes_of = _linear
  else:
    raise NotImplementedError("jax.scipy.ndimage.map_coordinates currently requires order<=1")
  per_axis = []
  for coordinate, size in zip(coords, arr.shape):
    per_axis.append([(fixer(index, size),
                      (index >= 0) & (index < size) if mode == "constant" else None, weight)
                     for index, weight in nodes_of(coordinate)])
  total = None
  # Sum over the corners of the interpolation cell: product of the 1-D weights times the
  # input value there (cval at invalid corners in 'constant' mode).
  for corner in itertools.product(*per_axis):
    indices, valid, weights = zip(*corner)
    value = arr[tuple(indices)]
    checks = [v for v in valid if v is not None]
    if checks:
      value = jnp.where(functools.reduce(operator.and_, checks), value, cval)
    term = functools.reduce(operator.mul, weights) * value
    total = term if total is None else total + term
  if dtypes.issubdtype(arr.dtype, np.integer):
    total = _round_half_away(total)
  return total.astype(arr.dtype)
