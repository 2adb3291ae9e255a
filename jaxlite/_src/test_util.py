"""Numerical derivative checks (``jax.test_util.check_grads``)."""
from __future__ import annotations


import numpy as np

from jaxlite._src import api
from jaxlite._src import dtypes
from jaxlite._src import tree_util

_DEFAULT_EPS = {np.dtype(np.float16): 1e-1, np.dtype(dtypes.bfloat16): 1e-1,
                np.dtype(np.float32): 1e-2, np.dtype(np.float64): 1e-5,
                np.dtype(np.complex64): 1e-2, np.dtype(np.complex128): 1e-5}
_DEFAULT_TOL = {np.dtype(np.float16): 1e-1, np.dtype(dtypes.bfloat16): 1e-1,
                np.dtype(np.float32): 2e-2, np.dtype(np.float64): 1e-5,
                np.dtype(np.complex64): 2e-2, np.dtype(np.complex128): 1e-5}


def _dtype_of_tree(tree):
  """The dtype the computation runs in (Python floats are float32 unless x64 is on)."""
  leaves = [np.asarray(x) for x in tree_util.tree_leaves(tree)]
  inexact = [dtypes.canonicalize_dtype(x.dtype) for x in leaves if dtypes.is_inexact(x.dtype)]
  return inexact[0] if inexact else np.dtype(np.float32)


def _tol(tree, tol):
  if tol is not None:
    return tol
  return _DEFAULT_TOL.get(_dtype_of_tree(tree), 1e-2)


def _assert_close(x, y, atol, rtol, err_msg):
  for a, b in zip(tree_util.tree_leaves(x), tree_util.tree_leaves(y)):
    a, b = np.asarray(a, np.float64 if not np.iscomplexobj(a) else np.complex128), \
        np.asarray(b, np.float64 if not np.iscomplexobj(b) else np.complex128)
    np.testing.assert_allclose(a, b, atol=atol, rtol=rtol, err_msg=err_msg)


def _add(tree, other, scale=1.0):
  return tree_util.tree_map(lambda a, b: np.asarray(a) + scale * np.asarray(b).astype(
      np.asarray(a).dtype), tree, other)


def _rand_like(rng, tree):
  def one(x):
    x = np.asarray(x)
    r = rng.standard_normal(x.shape)
    if np.iscomplexobj(x):
      r = r + 1j * rng.standard_normal(x.shape)
    return r.astype(x.dtype)
  return tree_util.tree_map(one, tree)


def _vdot(a, b):
  total = 0.0
  for x, y in zip(tree_util.tree_leaves(a), tree_util.tree_leaves(b)):
    total = total + np.vdot(np.asarray(x, np.complex128).ravel(),
                            np.asarray(y, np.complex128).ravel())
  return total


def check_jvp(f, f_jvp, args, atol=None, rtol=None, eps=None, err_msg=""):
  """Compare ``f_jvp`` against a central difference of ``f`` along a random direction."""
  rng = np.random.default_rng(0)
  eps = eps or _DEFAULT_EPS.get(_dtype_of_tree(args), 1e-2)
  tangent = _rand_like(rng, args)
  v_out, t_out = f_jvp(args, tangent)
  plus = f(*_add(args, tangent, eps / 2))
  minus = f(*_add(args, tangent, -eps / 2))
  numeric = tree_util.tree_map(
      lambda p, m: (np.asarray(p, np.float64 if not np.iscomplexobj(p) else np.complex128) -
                    np.asarray(m, np.float64 if not np.iscomplexobj(m) else np.complex128)) / eps,
      plus, minus)
  _assert_close(v_out, f(*args), _tol(args, atol), _tol(args, rtol), err_msg + " (primal)")
  _assert_close(t_out, numeric, _tol(args, atol), _tol(args, rtol), err_msg + " (jvp)")


def check_vjp(f, f_vjp, args, atol=None, rtol=None, eps=None, err_msg=""):
  """Check ``<vjp(ct), t> == <ct, jvp(t)>`` with the JVP taken numerically."""
  rng = np.random.default_rng(1)
  eps = eps or _DEFAULT_EPS.get(_dtype_of_tree(args), 1e-2)
  out, pullback = f_vjp(*args)
  ct = _rand_like(rng, out)
  tangent = _rand_like(rng, args)
  cts_in = pullback(ct)
  plus = f(*_add(args, tangent, eps / 2))
  minus = f(*_add(args, tangent, -eps / 2))
  numeric = tree_util.tree_map(lambda p, m: (np.asarray(p, np.complex128) -
                                             np.asarray(m, np.complex128)) / eps, plus, minus)
  # Real inner products with the first argument conjugated, as JAX's check_vjp.
  lhs = np.real(_vdot(numeric, ct))
  rhs = np.real(_vdot(tangent, cts_in))
  tol = _tol(args, atol)
  np.testing.assert_allclose(np.real(rhs), np.real(lhs), atol=tol * max(1.0, abs(lhs)),
                             rtol=_tol(args, rtol), err_msg=err_msg + " (vjp)")


def check_grads(f, args, order, modes=("fwd", "rev"), atol=None, rtol=None, eps=None):
  """Check derivatives of ``f`` at ``args`` against finite differences, up to ``order``."""
  args = tuple(args)
  for mode in modes:
    if mode not in ("fwd", "rev"):
      raise ValueError(f"Unrecognized mode: {mode}; use 'fwd' or 'rev'.")

  def _check(f, order):
    name = f"{getattr(f, '__name__', 'f')} order {order}"
    if "fwd" in modes:
      check_jvp(f, lambda p, t: api.jvp(f, p, t), args, atol, rtol, eps, name)
      if order > 1:
        # Directions are drawn once from the concrete arguments, never from tracers.
        direction = _rand_like(np.random.default_rng(order), args)
        _check(lambda *a: api.jvp(f, a, direction)[1], order - 1)
    if "rev" in modes:
      check_vjp(f, lambda *a: api.vjp(f, *a), args, atol, rtol, eps, name)
      if order > 1:
        ct = _rand_like(np.random.default_rng(order + 7), f(*args))

        def f_vjp(*a):
          return api.vjp(f, *a)[1](ct)
        _check(f_vjp, order - 1)

  _check(f, order)
