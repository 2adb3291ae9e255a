"""Which trace is current, and which values are tracers or arrays.

jaxlite's public API has no ``jax.core``; these few facts come from jaxlite's core and are
kept in this one file."""
from __future__ import annotations

import numpy as np

import jaxlite
from jaxlite._src import core as _core


def current_trace():
  return _core.current_trace()


def is_tracer(x) -> bool:
  return isinstance(x, _core.Tracer)


def is_array(x) -> bool:
  """Arrays a Module holds as data: jax Arrays, tracers of them, NumPy arrays."""
  return isinstance(x, (jaxlite.Array, np.ndarray, _core.Tracer))


class TraceState:
  """Remembers the trace an object was created under: mutating it from another trace
  (e.g. a Module captured by a jitted closure) would leak tracers."""
  __slots__ = ("_trace",)

  def __init__(self):
    self._trace = current_trace()

  def is_valid(self) -> bool:
    return self._trace is current_trace()

  def __repr__(self):
    return f"TraceState(trace={self._trace!r})"
