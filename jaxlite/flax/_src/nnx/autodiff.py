"""``nnx.grad`` and ``nnx.value_and_grad``.

For an argument that is (or contains) a Module, the gradient is taken with respect to the
Variables its filter selects (``nnx.Param`` unless a ``DiffState(argnum, filter)`` says
otherwise) and returned as a State of those Variables holding the gradients. Everything
else the function reads from the graph is passed in undifferentiated, and whatever it writes
(e.g. BatchNorm statistics) is written back to the caller's objects."""
from __future__ import annotations

import dataclasses
import functools
import inspect
import typing as tp

import jaxlite
from jaxlite import tree_util as jtu
from jaxlite.flax._src.nnx import extract, filterlib, statelib
from jaxlite.flax._src.nnx.variablelib import Param, Variable


@dataclasses.dataclass(frozen=True)
class DiffState:
  argnum: int
  filter: tp.Any


def resolve_kwargs(fun, args, kwargs):
  """Bind keyword arguments to positions (grad differentiates by position)."""
  if not kwargs:
    return tuple(args)
  sig = inspect.signature(fun)
  for param in sig.parameters.values():
    if param.kind is param.VAR_KEYWORD:
      raise ValueError("Keyword arguments are not supported with var keyword arguments.")
  bound = sig.bind(*args, **kwargs)
  bound.apply_defaults()
  return tuple(bound.args)


def _normalize_argnums(argnums):
  single = isinstance(argnums, (int, DiffState))
  items = (argnums,) if single else tuple(argnums)
  filters = {}
  for item in items:
    index, filt = (item.argnum, item.filter) if isinstance(item, DiffState) else (item, Param)
    if index in filters:
      raise ValueError(f"argnum {index} is repeated in argnums")
    filters[index] = filt
  return single, filters


class _DiffSplit:
  """The arguments of a differentiated call, split into what is differentiated (per
  argument: the argument with each graph node replaced by the State of its selected
  Variables) and everything else (passed through undifferentiated)."""

  def __init__(self, args, filters):
    self.args = args
    self.split = split = extract.split_tree(args)
    # Per argument: how many graph nodes and other leaves it contributes, in flatten order.
    self.counts, self.owner = [], []
    for i, arg in enumerate(args):
      leaves = jtu.tree_leaves(arg, is_leaf=extract.is_graph_node)
      n_nodes = sum(map(extract.is_graph_node, leaves))
      self.counts.append((n_nodes, len(leaves) - n_nodes))
      self.owner += [i] * n_nodes
    self.predicates = {i: filterlib.to_predicate(f) for i, f in filters.items()}
    self.diff_paths: dict[int, list] = {}  # node position -> [(leaf index, path in node)]
    self.node_paths: dict[int, list] = {}  # the same for every leaf of the node
    for k, (path, leaf) in enumerate(zip(split.paths, split.leaves)):
      arg = self.owner[path[0]]
      self.node_paths.setdefault(path[0], []).append((k, path[1:]))
      if arg in self.predicates and isinstance(leaf, Variable) and \
          self.predicates[arg](path[1:], leaf):
        self.diff_paths.setdefault(path[0], []).append((k, path[1:]))
    diff_set = {k for entries in self.diff_paths.values() for k, _ in entries}
    self.rest = [None if k in diff_set else x for k, x in enumerate(split.leaves)]

  def per_node(self, i, paths_by_node, leaves):
    """Argument ``i`` with each graph node replaced by ``State({path: leaves[k]})``."""
    positions = iter(range(sum(c[0] for c in self.counts[:i]), len(self.owner)))

    def to_state(x):
      if not extract.is_graph_node(x):
        return x
      pos = next(positions)
      return statelib.from_flat_state({p: leaves[k] for k, p in paths_by_node.get(pos, ())})
    return jtu.tree_map(to_state, self.args[i], is_leaf=extract.is_graph_node)

  def diff_args(self, indices):
    return [self.per_node(i, self.diff_paths, self.split.leaves) for i in indices]

  def rebuild(self, diff_vals, indices, rest, others):
    """Fresh inner arguments from traced differentiated values and the passed-through rest;
    returns (inner args, inner nodes, index_ref)."""
    # Fresh Variables, owned by this trace, so the function may write to them.
    leaves = [x.copy() if isinstance(x, Variable) else x for x in rest]
    inner_others = []
    pos = other_pos = 0
    for i, (n_nodes, n_others) in enumerate(self.counts):
      if i in indices:
        value = diff_vals[indices.index(i)]
        for x in jtu.tree_leaves(value, is_leaf=lambda x: isinstance(x, statelib.State)):
          if isinstance(x, statelib.State):
            flat = statelib.flatten_mapping(x._mapping)
            for k, p in self.diff_paths.get(pos, ()):
              leaves[k] = flat[p]
            pos += 1
          else:
            inner_others.append(x)
      else:
        pos += n_nodes
        inner_others += others[other_pos:other_pos + n_others]
      other_pos += n_others
    index_ref: dict = {}
    inner_args, nodes = extract.merge_tree(self.split.spec, leaves, inner_others, index_ref)
    return inner_args, nodes, index_ref


def _grad_general(f, argnums, has_aux, holomorphic, allow_int, return_value):
  single, filters = _normalize_argnums(argnums)
  diff_indices = tuple(filters)

  @functools.wraps(f)
  def wrapper(*args, **kwargs):
    args = resolve_kwargs(f, args, kwargs)
    for i in diff_indices:
      if not -len(args) <= i < len(args):
        raise TypeError(f"differentiating with respect to argnums={argnums} requires at least "
                        f"{i + 1} positional arguments to be passed by the caller, but got "
                        f"only {len(args)} positional arguments.")
    ds = _DiffSplit(args, filters)
    side = {}

    def pure(*diff_and_rest):
      diff_vals, (rest, others) = diff_and_rest[:-1], diff_and_rest[-1]
      inner_args, nodes, index_ref = ds.rebuild(diff_vals, diff_indices, rest, others)
      out = f(*inner_args)
      if has_aux:
        if not (isinstance(out, tuple) and len(out) == 2):
          raise TypeError("grad with has_aux=True requires the function to return a pair "
                          f"(output, aux), got {type(out).__name__}")
        loss, aux = out
      else:
        loss, aux = out, None
      spec, after, aux_others = extract.split_outputs(nodes, index_ref, aux)
      side["spec"] = spec
      return loss, (after, aux_others)

    transform = jaxlite.value_and_grad if return_value else jaxlite.grad
    gradded = transform(pure, argnums=tuple(range(len(diff_indices))), has_aux=True,
                        holomorphic=holomorphic, allow_int=allow_int)
    out = gradded(*ds.diff_args(diff_indices), (ds.rest, ds.split.others))
    if return_value:
      (loss, (after, aux_others)), grads = out
    else:
      grads, (after, aux_others) = out
    aux = extract.write_back(side["spec"], after, aux_others, ds.split.outer)
    grads = grads[0] if single else tuple(grads)
    if return_value:
      return ((loss, aux), grads) if has_aux else (loss, grads)
    return (grads, aux) if has_aux else grads

  return wrapper


def grad(f=None, *, argnums=0, has_aux=False, holomorphic=False, allow_int=False,
         reduce_axes=(), graph=None, graph_updates=None):
  """Gradient of ``f``; Module arguments are differentiated through their Params."""
  if f is None:
    return functools.partial(grad, argnums=argnums, has_aux=has_aux, holomorphic=holomorphic,
                             allow_int=allow_int)
  return _grad_general(f, argnums, has_aux, holomorphic, allow_int, return_value=False)


def value_and_grad(f=None, *, argnums=0, has_aux=False, holomorphic=False, allow_int=False,
                   reduce_axes=(), graph=None, graph_updates=None):
  """``(f(...), grad f(...))``; Module arguments are differentiated through their Params."""
  if f is None:
    return functools.partial(value_and_grad, argnums=argnums, has_aux=has_aux,
                             holomorphic=holomorphic, allow_int=allow_int)
  return _grad_general(f, argnums, has_aux, holomorphic, allow_int, return_value=True)


class CustomVjp:
  """What ``nnx.custom_vjp(f)`` returns; set its rule with ``defvjp(fwd, bwd)``.

  ``bwd(res, (input_updates_g, out_g))`` gets, for each differentiated argument, the
  cotangent of its (updated) state: a State for a Module (all its Variables), None for other
  arguments; it returns one cotangent per differentiated argument, a State of the Module's
  differentiated Variables (all of them unless a ``DiffState`` in ``nondiff_argnums`` selects
  fewer) for a Module. Integer ``nondiff_argnums`` are passed first to ``bwd``, as in JAX."""

  def __init__(self, fun, nondiff_argnums=()):
    functools.update_wrapper(self, fun)
    self.fun = fun
    self.nondiff_argnums = tuple(nondiff_argnums)
    self.fwd = self.bwd = None

  def defvjp(self, fwd, bwd, symbolic_zeros: bool = False):
    self.fwd, self.bwd = fwd, bwd

  def __call__(self, *args):
    if self.fwd is None:
      raise AttributeError(f"No VJP defined for custom_vjp function {self.fun.__name__} using "
                           "defvjp.")
    static = sorted(a for a in self.nondiff_argnums if isinstance(a, int))
    filters = {i: ... for i in range(len(args)) if i not in static}
    for d in self.nondiff_argnums:
      if isinstance(d, DiffState):
        filters[d.argnum] = d.filter
    indices = tuple(filters)
    ds = _DiffSplit(args, filters)
    bwd_user = self.bwd

    def run(fn, diff_vals):
      inner_args, nodes, _ = ds.rebuild(diff_vals, indices, ds.rest, ds.split.others)
      out = fn(*inner_args)
      return out, extract.leaves_after(ds.split.spec, nodes, "custom_vjp")

    @jaxlite.custom_vjp
    def pure(*diff_vals):
      return run(self.fun, diff_vals)

    def pure_fwd(*diff_vals):
      (out, res), after = run(self.fwd, diff_vals)
      return (out, after), res

    def pure_bwd(res, g):
      out_g, after_g = g
      updates_g = tuple(ds.per_node(i, ds.node_paths, after_g) for i in indices)
      updates_g = tuple(jtu.tree_map(lambda x: x if isinstance(x, statelib.State) else None,
                                     u, is_leaf=lambda x: isinstance(x, statelib.State))
                        for u in updates_g)
      nondiff = [args[i] for i in static]
      return tuple(bwd_user(*nondiff, res, (updates_g, out_g)))

    pure.defvjp(pure_fwd, pure_bwd)
    out, after = pure(*ds.diff_args(indices))
    extract.update_outer(ds.split, after)
    return out


def custom_vjp(fun=None, *, nondiff_argnums=(), graph=None, graph_updates=None):
  """``jax.custom_vjp`` for functions of Modules (see ``CustomVjp``)."""
  if fun is None:
    return functools.partial(custom_vjp, nondiff_argnums=nondiff_argnums)
  return CustomVjp(fun, nondiff_argnums)
