"""Test cases for the primitive registry sweep, one module per primitive family.

Each module defines ``CASES``: a list of ``Case``. The sweep (tests/test_primitive_sweep.py)
runs every case eagerly, under jit, through the jaxpr interpreter, under vmap (against a
Python loop) and, when ``grad`` is set, through check_grads in both modes."""
from __future__ import annotations

import dataclasses
from typing import Callable

import numpy as np


@dataclasses.dataclass
class Case:
  prim: str                       # the primitive this case exercises (name as in jaxprs)
  fn: Callable                    # function of the args calling jaxlite.lax (params baked in)
  args: Callable                  # rng -> tuple of NumPy arrays
  name: str = ""                  # distinguishes several cases of one primitive
  grad: bool = True               # run check_grads
  grad_order: int = 2
  modes: tuple = ("fwd", "rev")
  grad_argnums: tuple | None = None  # which args to differentiate (default: all inexact ones)
  vmap: bool = True               # run the vmap-vs-loop check
  vmap_argnums: tuple | None = None  # which args get a batch axis (default: all)
  rtol: float = 1e-5
  atol: float = 1e-6
  grad_tol: float | None = None   # check_grads tolerance override
  grad_eps: float | None = None   # check_grads step override
  check_prim: bool = True         # the traced program must contain ``prim`` (collectives
                                  # over a vmapped axis lower to array ops instead)

  @property
  def id(self):
    return f"{self.prim}-{self.name}" if self.name else self.prim


def rand(shape, dtype=np.float32, low=-2.0, high=2.0):
  """An args-maker helper: uniform values of ``dtype`` (ints/bools handled)."""
  def make(rng):
    dt = np.dtype(dtype)
    if dt == np.bool_:
      return rng.random(shape) > 0.5
    if dt.kind in "iu":
      lo = max(int(low), np.iinfo(dt).min)
      return rng.integers(lo, max(int(high), lo + 1), size=shape).astype(dt)
    if dt.kind == "c":
      return (rng.uniform(low, high, shape) + 1j * rng.uniform(low, high, shape)).astype(dt)
    return rng.uniform(low, high, shape).astype(dt)
  return make


def args_of(*makers):
  return lambda rng: tuple(m(rng) for m in makers)
