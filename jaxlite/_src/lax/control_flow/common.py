"""Tracing user functions into jaxprs for control-flow primitives, and running them."""
from __future__ import annotations

import math
import weakref

import numpy as np

from jaxlite._src import core
from jaxlite._src import tree_util
from jaxlite._src.interpreters import partial_eval as pe
from jaxlite._src.jaxpr import ClosedJaxpr


def trace_to_jaxpr_hoisting_consts(fun, in_tree, in_avals, what):
  """Trace ``fun`` (a pytree function) on ``in_avals``: (jaxpr without consts, consts, out_tree).

  Closed-over values become leading inputs, so outer transformations see them as operands."""
  info = {}

  def flat_fun(*flat):
    out = fun(*tree_util.tree_unflatten(in_tree, list(flat)))
    leaves, info["out_tree"] = tree_util.tree_flatten(out)
    return [core.to_array(x) if not isinstance(x, core.Tracer) else x for x in leaves]

  closed = pe.trace_to_jaxpr(flat_fun, in_avals, pe.DebugInfo(what, fun))
  jaxpr = pe.convert_constvars_jaxpr(closed.jaxpr)
  return ClosedJaxpr(jaxpr, []), list(closed.consts), info["out_tree"]


def avals_of(leaves):
  return [core.get_aval(core.to_array(x)) if not isinstance(x, core.Tracer) else x.aval
          for x in leaves]


def run_jaxpr(closed: ClosedJaxpr, args):
  """Run a sub-jaxpr on NumPy arguments through its compiled executable."""
  from jaxlite._src.jit import _executable_for
  return list(_executable_for(closed, "body").call_numpy(args))


class LoopBody:
  """A loop body's compiled code for iterations that may write over the carries.

  From the second iteration on, a carry is the body's own fresh result from the previous
  one, which nothing else holds: the body may update it in place (an ``.at[i].set`` on a
  carried buffer writes one row instead of copying the buffer), as XLA does with loop
  carries. The first iteration gets the caller's values and never writes over them. Only
  carries of at least ``MIN_BYTES`` are given up: below that a copy costs less than the
  per-iteration check that the carry is not shared."""
  MIN_BYTES = 1 << 16

  def __init__(self, closed: ClosedJaxpr, first_carry: int, n_carry: int):
    from jaxlite._src.jit import Executable, _executable_for
    self.plain = _executable_for(closed, "body")
    self.donated = tuple(
        i for i in range(first_carry, first_carry + n_carry)
        if math.prod(closed.in_avals[i].shape) * closed.in_avals[i].dtype.itemsize >=
        self.MIN_BYTES)
    self.in_place = Executable(closed, "body", donated=frozenset(self.donated)) \
        if self.donated else self.plain

  def __call__(self, args, own_carries: bool):
    """Run on ``args``; ``own_carries``: the carries are the body's earlier results."""
    exe = self.in_place if own_carries and self._unshared(args) else self.plain
    return list(exe.call_numpy(args))

  def _unshared(self, args) -> bool:
    """No donated carry is a view, read-only, or shares memory with another argument or a
    constant of the code (a body may return one of those as a carry)."""
    others = list(args) + list(self.in_place.consts)
    for i in self.donated:
      c = args[i]
      if c.base is not None or not c.flags.writeable:
        return False
      if any(o is not c and np.may_share_memory(c, o) for o in others):
        return False
    return True


_loop_bodies: "weakref.WeakKeyDictionary[ClosedJaxpr, dict]" = weakref.WeakKeyDictionary()


def loop_body(closed: ClosedJaxpr, first_carry: int, n_carry: int) -> LoopBody:
  per_jaxpr = _loop_bodies.setdefault(closed, {})
  body = per_jaxpr.get((first_carry, n_carry))
  if body is None:
    body = per_jaxpr[(first_carry, n_carry)] = LoopBody(closed, first_carry, n_carry)
  return body


def check_tree_and_avals(what, tree1, avals1, tree2, avals2):
  if tree1 != tree2:
    raise TypeError(f"{what} must have identical types, got\n{tree1}\nand\n{tree2}.")
  for a, b in zip(avals1, avals2):
    if a.shape != b.shape or a.dtype != b.dtype:
      raise TypeError(f"{what} must have identical types, got "
                      f"{[x.str_short(False) for x in avals1]} and "
                      f"{[x.str_short(False) for x in avals2]}.")


def join_weak(avals_list):
  """Output avals of several branches: weak only where every branch is weak."""
  first = avals_list[0]
  return [a.update(weak_type=all(avs[i].weak_type for avs in avals_list))
          for i, a in enumerate(first)]
