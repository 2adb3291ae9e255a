"""Shared helpers of the compiler tests: build both executables of a function, run them,
compare results bit for bit."""
from __future__ import annotations

import numpy as np

import jaxlite
from jaxlite._src.config import config
from jaxlite._src.jit import Executable


def executables(fn, *args):
  """(unoptimised, optimised) Executables of ``fn`` traced on ``args``. Tier 1 only: these
  tests compare bits, and tier 2's transcendentals may differ in the last ones
  (test_native.py covers tier 2)."""
  closed = jaxlite.make_jaxpr(fn)(*args)
  with config._override("jaxlite_native_kernels", "off"):
    return Executable(closed, "f", optimize=False), Executable(closed, "f", optimize=True)


def run(exe, *args):
  return exe.fn(*exe.consts, *[np.asarray(a) for a in args])


def assert_identical(got, want):
  """Same shape, dtype and bytes (so -0.0 vs 0.0 counts), NaNs in the same places. A NaN's
  sign and payload are not compared: NumPy's SIMD and scalar loops propagate different
  operands' NaNs (so does XLA), and chunked loops change which loop handles an element."""
  got, want = np.asarray(got), np.asarray(want)
  assert got.shape == want.shape and got.dtype == want.dtype, (got, want)
  if got.dtype.kind in "fc":
    nan = np.isnan(got)
    assert np.array_equal(nan, np.isnan(want)), f"\n{got}\n!=\n{want}"
    got, want = np.where(nan, 0, got), np.where(nan, 0, want)
  assert got.tobytes() == want.tobytes(), f"\n{got}\n!=\n{want}"


def check_same(fn, *args):
  """Optimised == unoptimised == eager, bit for bit; returns the optimised Executable."""
  plain, opt = executables(fn, *args)
  want = run(plain, *args)
  got = run(opt, *args)
  eager = jaxlite.tree_util.tree_leaves(fn(*[jaxlite.numpy.asarray(a) for a in args]))
  assert len(got) == len(want) == len(eager)
  for g, w, e in zip(got, want, eager):
    assert_identical(g, w)
    assert_identical(g, np.asarray(e))
  return opt


def primitive_names(exe):
  return [e.primitive.name for e in exe.jaxpr.eqns]
