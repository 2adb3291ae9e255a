"""``nnx.eval_shape``: run a function abstractly; Modules come back holding
``ShapeDtypeStruct`` values instead of arrays (e.g. to inspect a model without allocating)."""
from __future__ import annotations

import jaxlite
from jaxlite import tree_util as jtu
from jaxlite.flax._src.nnx import extract, graphlib


def eval_shape(f, *args, graph=None, graph_updates=None, **kwargs):
  split = extract.split_tree((args, kwargs))
  flat, vtree = jtu.tree_flatten(split.leaves)
  side = {}

  def pure(flat, others):
    index_ref: dict = {}
    (a, kw), inner_nodes = extract.merge_tree(split.spec, vtree.unflatten(flat), others,
                                              index_ref)
    out = f(*a, **kw)
    spec, leaves, out_others = extract.split_outputs((), {}, out)
    flat_out, side["vtree"] = jtu.tree_flatten(leaves)
    side["spec"] = spec
    return flat_out, out_others

  flat_out, others_out = jaxlite.eval_shape(pure, flat, split.others)
  spec = side["spec"]
  _, out_nodes = graphlib.unflatten(spec.graphdef, side["vtree"].unflatten(flat_out))
  it_nodes, it_others = iter(out_nodes), iter(others_out)
  return spec.treedef.unflatten([next(it_nodes) if m else next(it_others) for m in spec.mask])
