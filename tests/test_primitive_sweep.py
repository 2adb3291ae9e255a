"""The registry sweep: every primitive has its rules, and every rule agrees with the others.

For each Case: eager == jit == jaxpr interpreter (values, dtypes, shapes, and the abstract
eval); vmap == a Python loop over the batch; check_grads (fwd and rev) against finite
differences. A completeness test fails when a primitive lacks a rule or a case."""
from __future__ import annotations

import importlib
import pkgutil

import numpy as np
import pytest

import jaxlite
import jaxlite.numpy as jnp
from jaxlite._src import core, dtypes
from jaxlite._src.compiler.codegen_rules import expr_rules
from jaxlite._src.interpreters import ad, batching
from jaxlite._src.jaxpr import eval_jaxpr
from jaxlite.test_util import check_grads

import cases as cases_pkg

ALL_CASES = []
for info in pkgutil.iter_modules(cases_pkg.__path__):
  module = importlib.import_module(f"cases.{info.name}")
  ALL_CASES.extend(getattr(module, "CASES", []))

# Primitives that legitimately have no batching rule or no JVP rule here.
# Custom-derivative calls override bind: every trace handles them through the function and
# rules they carry, so they have no per-primitive JVP or batching rule; custom_lin is only
# ever transposed.
_CUSTOM = {"custom_jvp_call", "custom_vjp_call", "custom_lin"}
NO_JVP_OK = {"iota", "pmax", "pmin"} | _CUSTOM  # JAX has no JVP for pmax/pmin either
NO_BATCH_OK = {"iota"} | _CUSTOM  # iota takes no operands, so it is never batched
# Tested in test_control_flow: custom calls, and effects that have no outputs to compare.
NO_CASE_OK = {"jit", "add_any", "debug_print", "debug_callback", "io_callback"} | _CUSTOM


def _np(x):
  return np.asarray(x)


def _assert_same(a, b, case, what):
  a, b = _np(a), _np(b)
  assert a.shape == b.shape, f"{case.id}: {what} shape {a.shape} != {b.shape}"
  assert a.dtype == b.dtype, f"{case.id}: {what} dtype {a.dtype} != {b.dtype}"
  if a.dtype == dtypes.float0:
    return
  if a.dtype.kind in "fc" or a.dtype in dtypes._ml_float_dtypes:
    np.testing.assert_allclose(a.astype(np.complex128 if a.dtype.kind == "c" else np.float64),
                               b.astype(np.complex128 if b.dtype.kind == "c" else np.float64),
                               rtol=case.rtol, atol=case.atol, equal_nan=True,
                               err_msg=f"{case.id}: {what}")
  else:
    np.testing.assert_array_equal(a, b, err_msg=f"{case.id}: {what}")


def _leaves(x):
  return jaxlite.tree_util.tree_leaves(x)


@pytest.mark.parametrize("case", ALL_CASES, ids=lambda c: c.id)
def test_eager_jit_interpreter_agree(case):
  args = case.args(np.random.default_rng(0))
  eager = case.fn(*args)
  jitted = jaxlite.jit(case.fn)(*args)
  closed = jaxlite.make_jaxpr(case.fn)(*args)
  interp = eval_jaxpr(closed.jaxpr, closed.consts, *args)
  assert not case.check_prim or any(e.primitive.name == case.prim
                                    for e in _all_eqns(closed.jaxpr)), \
      f"{case.id}: the traced program does not contain {case.prim}"
  if not case.check_prim:
    from jaxlite._src.core import all_primitives
    assert case.prim in all_primitives
  for e, j, i, aval in zip(_leaves(eager), _leaves(jitted), interp, closed.out_avals):
    _assert_same(j, e, case, "jit vs eager")
    _assert_same(i, e, case, "interpreter vs eager")
    assert _np(e).shape == aval.shape and _np(e).dtype == aval.dtype, \
        f"{case.id}: eager {_np(e).dtype}{_np(e).shape} != abstract eval {aval.str_short()}"


def _all_eqns(jaxpr):
  for eqn in jaxpr.eqns:
    yield eqn
    for p in eqn.params.values():
      inner = getattr(p, "jaxpr", None)
      if inner is not None and hasattr(inner, "eqns"):
        yield from _all_eqns(inner)


@pytest.mark.parametrize("case", [c for c in ALL_CASES if c.vmap], ids=lambda c: c.id)
def test_vmap_matches_loop(case):
  rng = np.random.default_rng(1)
  batch = [case.args(rng) for _ in range(3)]
  n = len(batch[0])
  argnums = case.vmap_argnums if case.vmap_argnums is not None else tuple(range(n))
  for out_axis in (0, 1):
    stacked = []
    in_axes = []
    for i in range(n):
      if i in argnums:
        ax = min(out_axis, np.ndim(batch[0][i]))
        stacked.append(np.stack([b[i] for b in batch], axis=ax))
        in_axes.append(ax)
      else:
        stacked.append(batch[0][i])
        in_axes.append(None)
    got = jaxlite.vmap(case.fn, in_axes=tuple(in_axes))(*stacked)
    loop_args = [[b[i] if i in argnums else batch[0][i] for i in range(n)] for b in batch]
    expected = [case.fn(*a) for a in loop_args]
    for k, g in enumerate(_leaves(got)):
      want = np.stack([_np(_leaves(e)[k]) for e in expected])
      _assert_same(g, want, case, f"vmap (in axis {out_axis})")


@pytest.mark.parametrize("case", [c for c in ALL_CASES if c.grad], ids=lambda c: c.id)
def test_check_grads(case):
  args = case.args(np.random.default_rng(2))
  n = len(args)
  argnums = case.grad_argnums if case.grad_argnums is not None else tuple(
      i for i in range(n) if dtypes.is_inexact(np.asarray(args[i]).dtype))
  fixed = list(args)

  def f(*diff_args):
    full = list(fixed)
    for i, a in zip(argnums, diff_args):
      full[i] = a
    return case.fn(*full)

  check_grads(f, tuple(args[i] for i in argnums), order=case.grad_order, modes=case.modes,
              atol=case.grad_tol, rtol=case.grad_tol, eps=case.grad_eps)


def test_every_primitive_has_rules_and_a_case():
  covered = {c.prim for c in ALL_CASES}
  problems = []
  for name, prim in sorted(core.all_primitives.items()):
    if prim.impl is None or prim.abstract_eval is None:
      problems.append(f"{name}: missing impl or abstract_eval")
    if prim not in batching.primitive_batchers and prim not in batching.collective_batchers \
        and name not in NO_BATCH_OK:
      problems.append(f"{name}: no batching rule")
    if prim not in ad.primitive_jvps and name not in NO_JVP_OK:
      problems.append(f"{name}: no JVP rule")
    if name not in covered and name not in NO_CASE_OK:
      problems.append(f"{name}: no sweep case in tests/cases/")
  assert not problems, "\n".join(problems)
