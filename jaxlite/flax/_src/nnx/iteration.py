"""``nnx.vmap`` and ``nnx.scan`` (with ``StateAxes`` and ``Carry``).

An axis spec says, per argument, how it is mapped: an int (batched/scanned along that axis),
``None`` (broadcast), ``nnx.Carry`` (scan carry), or for a Module a ``StateAxes({filter:
axis})`` choosing per Variable. Module state comes back with the axis it went in with."""
from __future__ import annotations

import functools

import jaxlite
from jaxlite import lax
from jaxlite import numpy as jnp
from jaxlite import tree_util as jtu
from jaxlite.flax._src.nnx import extract, filterlib, graphlib
from jaxlite.flax._src.nnx.graphlib import GraphDef
from jaxlite.flax._src.nnx.variablelib import Variable


class Carry:
  """Marks the scan carry in ``nnx.scan``'s ``in_axes``/``out_axes``."""


class StateAxes:
  """Per-Variable axes for one Module: ``StateAxes({nnx.Param: 0, ...: None})``; the first
  filter (in order) matching a Variable gives its axis."""

  def __init__(self, filter_axes):
    items = filter_axes.items() if hasattr(filter_axes, "items") else filter_axes
    self._items = tuple(items)
    self._predicates = tuple((filterlib.to_predicate(f), axis) for f, axis in self._items)

  def items(self):
    return self._items

  def axis_for(self, path, leaf):
    for predicate, axis in self._predicates:
      if predicate(path, leaf):
        return axis
    raise ValueError(f"No filter of {self!r} matched the Variable at path {path}; add a "
                     "catch-all `...: axis` entry.")

  def __repr__(self):
    return f"StateAxes({dict(self._items)!r})"

  def __eq__(self, other):
    return isinstance(other, StateAxes) and self._items == other._items

  def __hash__(self):
    return hash(self._items)


def _is_spec_leaf(x):
  return x is None or x is Carry or isinstance(x, (int, StateAxes))


def _leaf_specs(spec, tree):
  """The spec of every leaf of ``tree`` (graph nodes are leaves); ``spec`` is a prefix."""
  if _is_spec_leaf(spec):
    return [spec] * len(jtu.tree_leaves(tree, is_leaf=extract.is_graph_node))
  nested = jtu.tree_map(
      lambda s, sub: [s] * len(jtu.tree_leaves(sub, is_leaf=extract.is_graph_node)),
      spec, tree, is_leaf=_is_spec_leaf)
  return [s for group in jtu.tree_leaves(nested, is_leaf=lambda x: isinstance(x, list))
          for s in group]


def _arg_specs(axes, args, name):
  if _is_spec_leaf(axes):
    return (axes,) * len(args)
  axes = tuple(axes)
  if len(axes) != len(args):
    raise ValueError(f"{name} specification must be a tree prefix of the corresponding value, "
                     f"got specification {axes} for value tree with {len(args)} arguments.")
  return axes


def _classify(split, args, axes, name):
  """(axis per graph leaf, axis per other leaf) from per-argument specs."""
  node_specs, other_specs = [], []
  for arg, spec in zip(args, _arg_specs(axes, args, name)):
    leaves = jtu.tree_leaves(arg, is_leaf=extract.is_graph_node)
    for leaf, s in zip(leaves, _leaf_specs(spec, arg)):
      (node_specs if extract.is_graph_node(leaf) else other_specs).append(s)
  leaf_axes = [_resolve(node_specs[path[0]], path[1:], leaf)
               for path, leaf in zip(split.paths, split.leaves)]
  return leaf_axes, other_specs, node_specs


def _resolve(spec, path, leaf):
  return spec.axis_for(path, leaf) if isinstance(spec, StateAxes) else spec


def _fresh(leaves):
  return [x.copy() if isinstance(x, Variable) else x for x in leaves]


def _move(x, src, dst):
  """Move the mapped axis of every array in ``x`` (a Variable or array) from src to dst;
  ``dst=None`` takes one slice (the value was broadcast)."""
  def one(a):
    if dst is None:
      return a[0] if src == 0 else jnp.take(a, 0, axis=src)
    return a if src == dst else jnp.moveaxis(a, src, dst)
  return jtu.tree_map(one, x)


# ---------------------------------------------------------------------------
# vmap

def vmap(f=None, *, in_axes=0, out_axes=0, axis_name=None, axis_size=None,
         spmd_axis_name=None, transform_metadata=None, graph=None, graph_updates=None):
  """``jax.vmap`` for functions of Modules (e.g. an ensemble of stacked models)."""
  if f is None:
    return functools.partial(vmap, in_axes=in_axes, out_axes=out_axes, axis_name=axis_name,
                             axis_size=axis_size)

  @functools.wraps(f)
  def wrapper(*args):
    split = extract.split_tree(args)
    leaf_axes, other_axes, node_specs = _classify(split, args, in_axes, "vmap in_axes")
    side = {}

    def pure(leaves, others):
      fresh = _fresh(leaves)
      in_index = {id(v): k for k, v in enumerate(fresh) if isinstance(v, Variable)}
      index_ref: dict = {}
      inner, nodes = extract.merge_tree(split.spec, fresh, others, index_ref)
      out = f(*inner)
      out_flat, out_treedef = jtu.tree_flatten(out, is_leaf=extract.is_graph_node)
      mask = tuple(extract.is_graph_node(x) for x in out_flat)
      out_nodes = tuple(x for x, m in zip(out_flat, mask) if m)
      fl = graphlib._Flattener(with_paths=True)
      root = fl.value((nodes, out_nodes), ())
      extract._check_no_tracer_in_static(root)
      out_specs = _leaf_specs(out_axes, out)
      out_node_specs = [s for s, m in zip(out_specs, mask) if m]
      axes = []
      for path, leaf in zip(fl.paths, fl.leaves):
        if isinstance(leaf, Variable) and id(leaf) in in_index:
          axes.append(leaf_axes[in_index[id(leaf)]])
        else:
          specs = node_specs if path[0] == 0 else out_node_specs
          axes.append(_resolve(specs[path[1]], path[2:], leaf))
      by_id = {id(obj): i for i, obj in index_ref.items()}
      link = tuple((a, by_id[id(o)]) for a, o in enumerate(fl.keep) if id(o) in by_id)
      side["spec"] = extract.OutputSpec(GraphDef(root, len(fl.leaves)), link, out_treedef,
                                        mask)
      side["axes"] = axes
      side["other_axes"] = [s for s, m in zip(out_specs, mask) if not m]
      return fl.leaves, [x for x, m in zip(out_flat, mask) if not m]

    mapped = jaxlite.vmap(pure, in_axes=(leaf_axes, other_axes), out_axes=0,
                          axis_name=axis_name, axis_size=axis_size)
    after, out_others = mapped(split.leaves, split.others)
    after = [_move(x, 0, a) for x, a in zip(after, side["axes"])]
    out_others = [_move(x, 0, a) for x, a in zip(out_others, side["other_axes"])]
    return extract.write_back(side["spec"], after, out_others, split.outer)
  return wrapper


# ---------------------------------------------------------------------------
# scan

def _to_front(x, axis):
  return _move(x, axis, 0) if axis else x


def scan(f=None, *, length=None, reverse=False, unroll=1, _split_transpose=False,
         in_axes=(Carry, 0), out_axes=(Carry, 0), transform_metadata=None, graph=None,
         graph_updates=None):
  """``lax.scan`` for functions of Modules. ``in_axes`` marks each argument as the carry
  (``nnx.Carry``), scanned along an axis (int) or broadcast (``None``); Modules may use
  ``StateAxes``. The output follows ``out_axes`` (by default ``(Carry, 0)``: the new carry
  and values stacked along axis 0)."""
  if f is None:
    return functools.partial(scan, length=length, reverse=reverse, unroll=unroll,
                             in_axes=in_axes, out_axes=out_axes)

  @functools.wraps(f)
  def wrapper(*args):
    split = extract.split_tree(args)
    leaf_axes, other_axes, _ = _classify(split, args, in_axes, "scan in_axes")
    # Graph leaves: carried unless scanned. Broadcast ones are carried too, so writes to
    # them (e.g. an Rngs counter) accumulate across steps like any carried state.
    scanned = [k for k, a in enumerate(leaf_axes) if isinstance(a, int)]
    carried = [k for k, a in enumerate(leaf_axes) if not isinstance(a, int)]
    o_carry = [k for k, a in enumerate(other_axes) if a is Carry]
    o_scan = [k for k, a in enumerate(other_axes) if isinstance(a, int)]
    o_bcast = [k for k, a in enumerate(other_axes) if a is None]
    if not scanned and not o_scan and length is None:
      raise ValueError("nnx.scan: nothing is scanned over; pass `length`.")
    side = {}

    def body(carry, xs):
      g_carry, oc = carry
      g_scan, os = xs
      leaves = [None] * len(split.leaves)
      for k, v in zip(carried, g_carry):
        leaves[k] = v
      for k, v in zip(scanned, g_scan):
        leaves[k] = v
      others = [None] * len(split.others)
      for ks, vs in ((o_carry, oc), (o_scan, os), (o_bcast, [split.others[k] for k in o_bcast])):
        for k, v in zip(ks, vs):
          others[k] = v
      index_ref: dict = {}
      inner, nodes = extract.merge_tree(split.spec, _fresh(leaves), others, index_ref)
      out = f(*inner)
      after = extract.leaves_after(split.spec, nodes, "scan")
      out_flat, out_treedef = jtu.tree_flatten(out, is_leaf=extract.is_graph_node)
      specs = _leaf_specs(out_axes, out)
      new_carry, ys, layout = [], [], []
      for x, s in zip(out_flat, specs):
        if extract.is_graph_node(x):
          if id(x) not in {id(n) for n in index_ref.values()}:
            raise ValueError("nnx.scan: a Module returned by the scanned function must be "
                             "one of its arguments.")
          layout.append(("node", next(i for i, n in index_ref.items() if n is x)))
        elif s is Carry:
          layout.append(("carry", len(new_carry)))
          new_carry.append(x)
        else:
          layout.append(("y", len(ys), s))
          ys.append(x)
      if len(new_carry) != len(oc):
        raise ValueError("nnx.scan: the carry returned must have the same structure as the "
                         f"carry passed in ({len(oc)} arrays), got {len(new_carry)}.")
      side["out"] = (out_treedef, layout)
      return ([after[k] for k in carried], new_carry), ([after[k] for k in scanned], ys)

    init = ([split.leaves[k] for k in carried], [split.others[k] for k in o_carry])
    xs = ([_to_front(split.leaves[k], leaf_axes[k]) for k in scanned],
          [_to_front(split.others[k], other_axes[k]) for k in o_scan])
    (g_carry, oc), (g_ys, ys) = lax.scan(body, init, xs, length=length, reverse=reverse,
                                        unroll=unroll)
    final = [None] * len(split.leaves)
    for k, v in zip(carried, g_carry):
      final[k] = v
    for k, v in zip(scanned, g_ys):
      final[k] = _move(v, 0, leaf_axes[k])
    extract.update_outer(split, final)
    treedef, layout = side["out"]
    flat = []
    for entry in layout:
      if entry[0] == "node":
        flat.append(split.outer[entry[1]])
      elif entry[0] == "carry":
        flat.append(oc[entry[1]])
      else:
        flat.append(_move(ys[entry[1]], 0, entry[2]) if entry[2] is not None else ys[entry[1]])
    return treedef.unflatten(flat)
  return wrapper
