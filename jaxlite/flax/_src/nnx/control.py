"""``nnx.remat``, ``nnx.cond``, ``nnx.switch``, ``nnx.fori_loop``, ``nnx.while_loop``: the
lax control-flow primitives for functions of Modules.

Each traces a pure function of the arguments' leaves (see ``extract``); what the function
writes into the Modules is written back to the caller's objects afterwards."""
from __future__ import annotations

import functools

import jaxlite
from jaxlite import lax
from jaxlite import tree_util as jtu
from jaxlite.flax._src.nnx import extract
from jaxlite.flax._src.nnx.variablelib import Variable


def _fresh(leaves):
  # Variables owned by the current trace, so the function may write to them.
  return [x.copy() if isinstance(x, Variable) else x for x in leaves]


def _pure(fn, split, specs, prefix=()):
  """``fn`` as a function of ``(leaves, others)`` returning ``(after, out_others)``."""
  def pure(*args):
    *front, (leaves, others) = args
    index_ref: dict = {}
    inner, nodes = extract.merge_tree(split.spec, _fresh(leaves), others, index_ref)
    out = fn(*prefix, *front, *inner)
    spec, after, out_others = extract.split_outputs(nodes, index_ref, out)
    specs.append(spec)
    return after, out_others
  return pure


def _finish(specs, result, split, what):
  if any(s != specs[0] for s in specs[1:]):
    raise TypeError(f"nnx.{what}: every branch must return the same structure (outputs and "
                    "Module state), but the branches differ.")
  after, out_others = result
  return extract.write_back(specs[0], after, out_others, split.outer)


def remat(f=None, *, prevent_cse: bool = True, static_argnums=(), policy=None, graph=None,
          graph_updates=None):
  """``jax.checkpoint`` for functions of Modules: recompute ``f`` in the backward pass."""
  if f is None:
    return functools.partial(remat, prevent_cse=prevent_cse, static_argnums=static_argnums,
                             policy=policy)

  @functools.wraps(f)
  def wrapper(*args):
    split = extract.split_tree(args)
    specs: list = []
    pure = jaxlite.checkpoint(_pure(f, split, specs), prevent_cse=prevent_cse, policy=policy)
    return _finish(specs, pure((split.leaves, split.others)), split, "remat")
  return wrapper


def cond(pred, true_fun, false_fun, *operands, graph=None, graph_updates=None):
  """``lax.cond`` whose branches may read and update Modules among ``operands``."""
  split = extract.split_tree(operands)
  specs: list = []
  result = lax.cond(pred, _pure(true_fun, split, specs), _pure(false_fun, split, specs),
                    (split.leaves, split.others))
  return _finish(specs, result, split, "cond")


def switch(index, branches, *operands, graph=None, graph_updates=None):
  """``lax.switch`` whose branches may read and update Modules among ``operands``."""
  split = extract.split_tree(operands)
  specs: list = []
  result = lax.switch(index, [_pure(b, split, specs) for b in branches],
                      (split.leaves, split.others))
  return _finish(specs, result, split, "switch")


def _loop_body(fn, split, what, with_index):
  """A carry function ``(i?, (leaves, others)) -> (leaves, others)`` for ``fn``."""
  def body(*args):
    i, (leaves, others) = (args if with_index else (None, args[0]))
    index_ref: dict = {}
    val, nodes = extract.merge_tree(split.spec, _fresh(leaves), others, index_ref)
    out = fn(i, val) if with_index else fn(val)
    flat, treedef = jtu.tree_flatten(out, is_leaf=extract.is_graph_node)
    out_nodes = [x for x in flat if extract.is_graph_node(x)]
    if treedef != split.spec.treedef or any(a is not b for a, b in zip(out_nodes, nodes)):
      raise TypeError(f"nnx.{what}: the body function must return a value with the same "
                      "structure as init_val, holding the same Modules.")
    after = extract.leaves_after(split.spec, nodes, what)
    return after, [x for x in flat if not extract.is_graph_node(x)]
  return body


def _loop_result(split, carry):
  leaves, others = carry
  extract.update_outer(split, leaves)
  nodes, it_others = iter(split.nodes), iter(others)
  flat = [next(nodes) if m else next(it_others) for m in split.spec.mask]
  return split.spec.treedef.unflatten(flat)


def fori_loop(lower, upper, body_fun, init_val, *, unroll=None, graph=None,
              graph_updates=None):
  """``lax.fori_loop`` whose carry ``init_val`` may hold Modules (updated in place)."""
  split = extract.split_tree(init_val)
  carry = lax.fori_loop(lower, upper, _loop_body(body_fun, split, "fori_loop", True),
                        (split.leaves, split.others))
  return _loop_result(split, carry)


def while_loop(cond_fun, body_fun, init_val, *, graph=None, graph_updates=None):
  """``lax.while_loop`` whose carry ``init_val`` may hold Modules (updated in place)."""
  split = extract.split_tree(init_val)

  def cond_pure(carry):
    leaves, others = carry
    val, _ = extract.merge_tree(split.spec, _fresh(leaves), others, {})
    return cond_fun(val)

  carry = lax.while_loop(cond_pure, _loop_body(body_fun, split, "while_loop", False),
                         (split.leaves, split.others))
  return _loop_result(split, carry)
