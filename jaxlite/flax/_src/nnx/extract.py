"""Moving graph objects across a JAX transform boundary.

A transform can only carry arrays. On the way in, every graph node (Module, Variable...) in
the arguments is flattened, all together so sharing across arguments is kept, into a
static ``InputSpec`` and a list of leaves; inside, fresh objects are rebuilt from traced
leaves. On the way out, the inner objects (and any graph nodes the function returned) are
flattened again, and the caller's objects are updated in place from the results."""
from __future__ import annotations

import dataclasses
import typing as tp

from jaxlite import dtypes as jax_dtypes
from jaxlite import errors as jax_errors
from jaxlite import tree_util as jtu
from jaxlite.flax._src.nnx import graphlib, tracers
from jaxlite.flax._src.nnx.graphlib import GraphDef, Static, NodeDef


def is_graph_node(x):
  return graphlib.is_graph_node(x)


@dataclasses.dataclass(frozen=True)
class InputSpec:
  treedef: tp.Any  # the argument pytree with graph nodes as leaves
  mask: tuple  # which of its leaves are graph nodes
  graphdef: GraphDef  # all graph nodes, flattened together as one tuple


@dataclasses.dataclass(frozen=True)
class OutputSpec:
  graphdef: GraphDef  # (inner input nodes, output nodes) flattened together
  link: tuple  # (index in graphdef, index in the input graphdef) of objects passed in
  treedef: tp.Any
  mask: tuple


@dataclasses.dataclass
class Split:
  spec: InputSpec
  leaves: list  # Variables and arrays, in graph order
  paths: list  # their paths; path[0] is the position of the node among the graph nodes
  others: list  # the non-graph leaves of the arguments
  outer: list  # the caller's objects, by graph index
  nodes: tuple  # the caller's graph nodes found in the arguments, in order


def split_tree(tree) -> Split:
  leaves, treedef = jtu.tree_flatten(tree, is_leaf=is_graph_node)
  mask = tuple(is_graph_node(x) for x in leaves)
  nodes = tuple(x for x, m in zip(leaves, mask) if m)
  f = graphlib._Flattener(with_paths=True)
  root = f.value(nodes, ())
  spec = InputSpec(treedef, mask, GraphDef(root, len(f.leaves)))
  others = [x for x, m in zip(leaves, mask) if not m]
  return Split(spec, f.leaves, f.paths, others, f.keep, nodes)


def merge_tree(spec: InputSpec, leaves, others, index_ref):
  """Rebuild the argument tree with fresh graph objects; returns (tree, inner nodes)."""
  nodes = graphlib.unflatten(spec.graphdef, leaves, index_ref=index_ref)
  it_nodes, it_others = iter(nodes), iter(others)
  flat = [next(it_nodes) if m else next(it_others) for m in spec.mask]
  return spec.treedef.unflatten(flat), nodes


def _contains_tracer(value, depth=3):
  """Whether a static value hides a tracer: in a container, an object's attributes, or a
  function's closure (the usual ways one slips past the data/static check)."""
  if depth == 0:
    return False
  for leaf in jtu.tree_leaves(value):
    if tracers.is_tracer(leaf):
      return True
    cells = getattr(leaf, "__closure__", None) or ()
    inner = [c.cell_contents for c in cells
             if c.cell_contents is not leaf] if all(_filled(c) for c in cells) else []
    if hasattr(leaf, "__dict__") and not isinstance(leaf, type) and not callable(leaf):
      inner += list(vars(leaf).values())
    if any(_contains_tracer(x, depth - 1) for x in inner):
      return True
  return False


def _filled(cell):
  try:
    cell.cell_contents
    return True
  except ValueError:  # a closure variable not assigned yet
    return False


def _check_no_tracer_in_static(attr, owner=None, key=None):
  if type(attr) is Static:
    if _contains_tracer(attr.value):
      raise jax_errors.UnexpectedTracerError(
          f"A traced value was stored in the static attribute '{key}' of {owner} inside an "
          "nnx transform; it would leak out of the trace. Store arrays in Variables (e.g. "
          "nnx.Variable(x)) or as data attributes (nnx.data(x)) instead.")
  elif type(attr) is NodeDef:
    for sub_key, sub in attr.attributes:
      _check_no_tracer_in_static(sub, attr.type.__name__, sub_key)


def split_outputs(inner_nodes, index_ref, out_tree):
  """Flatten the inner objects (after the function ran) and the output tree."""
  out_leaves, out_treedef = jtu.tree_flatten(out_tree, is_leaf=is_graph_node)
  mask = tuple(is_graph_node(x) for x in out_leaves)
  out_nodes = tuple(x for x, m in zip(out_leaves, mask) if m)
  f = graphlib._Flattener(with_paths=False)
  root = f.value((inner_nodes, out_nodes), ())
  _check_no_tracer_in_static(root)
  by_id = {id(obj): i for i, obj in index_ref.items()}
  link = tuple((after, by_id[id(obj)]) for after, obj in enumerate(f.keep) if id(obj) in by_id)
  spec = OutputSpec(GraphDef(root, len(f.leaves)), link, out_treedef, mask)
  others = [x for x, m in zip(out_leaves, mask) if not m]
  return spec, f.leaves, others


def write_back(spec: OutputSpec, leaves, others, outer):
  """Update the caller's objects from ``leaves`` and return the output tree, whose graph
  nodes are the caller's own objects where the function returned one it was given."""
  existing = {after: outer[before] for after, before in spec.link}
  _, out_nodes = graphlib.unflatten(spec.graphdef, leaves, existing=existing)
  it_nodes, it_others = iter(out_nodes), iter(others)
  flat = [next(it_nodes) if m else next(it_others) for m in spec.mask]
  return spec.treedef.unflatten(flat)


def leaf_signature(x):
  aval = getattr(x, "aval", None)
  if aval is not None:
    return (tuple(aval.shape), aval.dtype, aval.weak_type)
  if hasattr(x, "shape") and hasattr(x, "dtype"):
    return (tuple(x.shape), jax_dtypes.canonicalize_dtype(x.dtype),
            getattr(x, "weak_type", False))
  return (type(x),)


def leaves_after(spec: InputSpec, inner_nodes, transform: str):
  """The inner objects' leaves after the function ran; their structure must be unchanged
  (the transform's carry/axes were fixed from the inputs)."""
  f = graphlib._Flattener(with_paths=False)
  root = f.value(inner_nodes, ())
  _check_no_tracer_in_static(root)
  if GraphDef(root, len(f.leaves)) != spec.graphdef:
    raise ValueError(f"The graph structure of the arguments changed inside nnx.{transform} "
                     "(an attribute, Variable or sub-Module was added, removed or replaced). "
                     f"nnx.{transform} needs the same structure before and after the call; "
                     "create new state before the transform instead.")
  return f.leaves


def update_outer(split: Split, leaves):
  """Write ``leaves`` (same structure as ``split.leaves``) into the caller's objects."""
  graphlib.unflatten(split.spec.graphdef, leaves, existing=dict(enumerate(split.outer)))


def raw(x):
  """A Variable's raw value (leaves cross transforms as Variables or arrays)."""
  from jaxlite.flax._src.nnx.variablelib import Variable
  return x.get_raw_value() if isinstance(x, Variable) else x
