"""Which named axes span processes.

A multi-process ``pmap`` maps over this process's devices, but its axis is global: it also
covers the devices of every other process. pmap marks its axis while its function is traced;
the collectives ask ``process_span(name)`` to know whether they must also combine values across
processes. A mark belongs to one binding of the name (its position in the axis environment),
so an inner ``vmap`` that reuses the name stays local."""
from __future__ import annotations

import contextlib
import threading

from jaxlite._src import core


class _Marks(threading.local):
  def __init__(self):
    self.marks = []  # (axis name, position of its binding in core's axis env, process count)


_marks = _Marks()


def _innermost(name):
  env = core._state.axis_env
  for i in range(len(env) - 1, -1, -1):
    if env[i][0] == name:
      return i
  return None


@contextlib.contextmanager
def spanning_processes(name, count: int):
  """Within: the innermost binding of axis ``name`` spans ``count`` processes."""
  if count == 1 or name is None:
    yield
    return
  _marks.marks.append((name, _innermost(name), count))
  try:
    yield
  finally:
    _marks.marks.pop()


def process_span(name) -> int:
  """How many processes the innermost binding of axis ``name`` spans (1: only this one)."""
  if not _marks.marks:
    return 1
  position = _innermost(name)
  for marked, where, count in reversed(_marks.marks):
    if marked == name and where == position:
      return count
  return 1
