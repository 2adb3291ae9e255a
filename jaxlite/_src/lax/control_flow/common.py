"""Tracing user functions into jaxprs for control-flow primitives, and running them."""
from __future__ import annotations

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
