"""Collectives over named axes (psum, pmean, pmax, pmin, all_gather, ppermute, axis_index,
psum_scatter, all_to_all), as in ``jax.lax``.

A named axis is created by ``vmap(axis_name=...)`` / ``pmap`` / ``shard_map``. Under vmap a
collective over that axis becomes an array operation on the batch dimension (psum -> sum over
it); names of other axes pass through to the enclosing trace. Positional (integer) axes in
``axes`` mean array dimensions, which is how a batched collective is bound again.

When the axis spans processes (a multi-process pmap or shard_map), the result over this
process's members is then combined with those of the other processes of its group
(jaxlite._src.distributed.collectives)."""
from __future__ import annotations

import numpy as np

from jaxlite._src import core
from jaxlite._src import dtypes
from jaxlite._src import tree_util
from jaxlite._src.core import ShapedArray
from jaxlite._src.distributed import collectives as cross_process
from jaxlite._src.distributed.axes import position_in, process_group, process_span
from jaxlite._src.interpreters import ad, batching
from jaxlite._src.interpreters.ad import Zero

__all__ = ["psum", "pmean", "pmax", "pmin", "all_gather", "ppermute", "pshuffle", "axis_index",
           "psum_scatter", "all_to_all", "pbroadcast", "axis_size", "psum_p", "pmax_p",
           "pmin_p", "all_gather_p", "ppermute_p", "axis_index_p", "psum_scatter_p",
           "all_to_all_p"]


def _names(axes):
  return tuple(a for a in axes if not isinstance(a, (int, np.integer)))


def _positional(axes):
  return tuple(int(a) for a in axes if isinstance(a, (int, np.integer)))


def _unbound(name):
  return NameError(f"unbound axis name: {name}. The following axis names (e.g. defined by "
                   "pmap, vmap(axis_name=...) or shard_map) are available to collective "
                   "operations: []")


def _as_axes(axis_name):
  return tuple(axis_name) if isinstance(axis_name, (tuple, list)) else (axis_name,)


# ---------------------------------------------------------------------------
# psum / pmax / pmin: one primitive each, reducing over positional axes

def _reduce_collective(name, np_reduce, reduce_name):
  prim = core.Primitive(name, multiple_results=True)

  def impl(*xs, axes, axis_index_groups=None):
    named = _names(axes)
    if named:
      raise _unbound(named[0])
    pos = _positional(axes)
    return [np_reduce(x, axis=pos) if pos else x for x in xs]

  def abstract_eval(*avals, axes, axis_index_groups=None):
    pos = _positional(axes)
    return [a.update(shape=tuple(d for i, d in enumerate(a.shape) if i not in pos))
            for a in avals]

  def batch(axis_size, axis_name, vals, dims, /, *, axes, axis_index_groups=None):
    outs, out_dims = [], []
    mine = axis_name is not None and axis_name in _names(axes)
    rest = tuple(a for a in axes if a != axis_name) if mine else axes
    for v, d in zip(vals, dims):
      if d is None:
        if mine and prim is psum_p:  # summing n identical members
          v = _mul_by(v, axis_size)
        out = prim.bind(v, axes=rest, axis_index_groups=axis_index_groups)[0] if rest else v
        outs.append(out)
        out_dims.append(None)
        continue
      v = batching.moveaxis(v, d, 0)
      shifted = tuple(a + 1 if isinstance(a, (int, np.integer)) else a for a in rest)
      if mine:
        out = prim.bind(v, axes=shifted + (0,), axis_index_groups=axis_index_groups)[0]
        outs.append(out)
        out_dims.append(None)
      else:
        outs.append(prim.bind(v, axes=shifted, axis_index_groups=axis_index_groups)[0])
        out_dims.append(0)
    group = process_group(axis_name) if mine else None
    if group is not None:  # this process's total, then every process's
      outs = cross_process.allreduce(outs, reduce_name, group)
    return outs, out_dims

  prim.def_impl(impl)
  prim.def_abstract_eval(abstract_eval)
  prim.weak_type_rule = lambda flags, **_: list(flags)
  batching.collective_batchers[prim] = batch
  return prim


def _mul_by(v, n):
  from jaxlite._src.lax import lax
  aval = core.get_aval(v) if not isinstance(v, core.Tracer) else v.aval
  return lax.mul(v, np.array(n, aval.dtype))


psum_p = _reduce_collective("psum", lambda x, axis: np.sum(x, axis=axis, dtype=x.dtype), "sum")
pmax_p = _reduce_collective("pmax", np.max, "max")
pmin_p = _reduce_collective("pmin", np.min, "min")


def _psum_transpose(cts, *args, axes, axis_index_groups=None):
  # Every member received the sum, so each input's cotangent is the sum of the cotangents.
  pos = _positional(axes)
  named = _names(axes)
  outs = []
  for ct, x in zip(cts, args):
    if type(ct) is Zero:
      outs.append(None)
      continue
    if named:
      ct = psum_p.bind(ct, axes=named, axis_index_groups=axis_index_groups)[0]
    if pos:
      from jaxlite._src.lax import lax
      shape = x.aval.shape
      kept = tuple(i for i in range(len(shape)) if i not in pos)
      ct = lax.broadcast_in_dim(ct, shape, kept)
    outs.append(ct)
  return outs


ad.deflinear2(psum_p, _psum_transpose)


def psum(x, axis_name, *, axis_index_groups=None):
  """Sum ``x`` (a pytree) over the named axis/axes: every member gets the total."""
  axes = _as_axes(axis_name)
  leaves, tree = tree_util.tree_flatten(x)
  leaves = [core.to_array(v) for v in leaves]
  bools = [dtypes.is_bool(core.get_aval(v).dtype) for v in leaves]
  from jaxlite._src.lax import lax
  leaves = [lax.convert_element_type(v, np.int32) if b else v for v, b in zip(leaves, bools)]
  outs = psum_p.bind(*leaves, axes=axes, axis_index_groups=axis_index_groups)
  return tree_util.tree_unflatten(tree, outs)


def axis_size(axis_name):
  """The size of a named axis (or the product over several), known while tracing."""
  n = 1
  for name in _as_axes(axis_name):
    n *= core.axis_size(name) * process_span(name)
  return n


def pmean(x, axis_name, *, axis_index_groups=None):
  n = axis_size(axis_name) if axis_index_groups is None else len(axis_index_groups[0])
  from jaxlite._src.lax import lax
  return tree_util.tree_map(
      lambda v: lax.div(v, np.array(n, core.get_aval(v).dtype)),
      psum(x, axis_name, axis_index_groups=axis_index_groups))


def pmax(x, axis_name, *, axis_index_groups=None):
  leaves, tree = tree_util.tree_flatten(x)
  return tree_util.tree_unflatten(tree, pmax_p.bind(*[core.to_array(v) for v in leaves],
                                                    axes=_as_axes(axis_name),
                                                    axis_index_groups=axis_index_groups))


def pmin(x, axis_name, *, axis_index_groups=None):
  leaves, tree = tree_util.tree_flatten(x)
  return tree_util.tree_unflatten(tree, pmin_p.bind(*[core.to_array(v) for v in leaves],
                                                    axes=_as_axes(axis_name),
                                                    axis_index_groups=axis_index_groups))


def pbroadcast(x, axis_name, source):
  """Every member gets member ``source``'s value."""
  from jaxlite._src.lax import lax
  idx = axis_index(axis_name)
  return psum(tree_util.tree_map(
      lambda v: lax.select(lax.broadcast_in_dim(lax.eq(idx, np.int32(source)),
                                                core.get_aval(v).shape, ()), v,
                           lax.full_like(v, 0)), x), axis_name)


# ---------------------------------------------------------------------------
# axis_index

axis_index_p = core.Primitive("axis_index")


def _axis_index_impl(*, axis_name):
  raise _unbound(axis_name)


axis_index_p.def_impl(_axis_index_impl)
axis_index_p.def_abstract_eval(lambda *, axis_name: ShapedArray((), np.int32))
axis_index_p.weak_type_rule = lambda flags, **_: False
ad.defjvp_zero(axis_index_p)


def _axis_index_batch(axis_size, trace_axis, vals, dims, /, *, axis_name):
  if axis_name != trace_axis:
    return axis_index_p.bind(axis_name=axis_name), None
  from jaxlite._src.lax import lax
  index = lax.iota(np.int32, axis_size)
  group = process_group(trace_axis)
  if group is not None:  # this process's members come after those of the ones before it
    index = lax.add(index, np.int32(position_in(group) * axis_size))
  return index, 0


batching.collective_batchers[axis_index_p] = _axis_index_batch


def axis_index(axis_name):
  """This member's position along the named axis."""
  return axis_index_p.bind(axis_name=axis_name)


# ---------------------------------------------------------------------------
# all_gather, psum_scatter, all_to_all, ppermute (array-valued exchanges)

def _exchange(name, batch_rule, abstract_eval, linear_transpose=None, shift=None):
  """An array-valued collective. ``batch_rule(size, vals, dims, **params)`` handles the
  trace's own axis; other axes pass through with the batch dim leading (``shift`` moves the
  positional params past it)."""
  prim = core.Primitive(name)

  def impl(x, **params):
    raise _unbound(_as_axes(params["axis_name"])[0])

  def collective(trace_size, trace_axis, vals, dims, /, **params):
    if trace_axis is not None and trace_axis in _as_axes(params["axis_name"]):
      group = process_group(trace_axis)
      if group is not None:
        return _across_processes(batch_rule, trace_size, group, vals, dims, params)
      return batch_rule(trace_size, vals, dims, **params)
    (x,), (d,) = vals, dims
    if d is None:
      return prim.bind(x, **params), None
    moved = batching.moveaxis(x, d, 0)
    return prim.bind(moved, **(shift(params) if shift else params)), 0

  prim.def_impl(impl)
  prim.def_abstract_eval(abstract_eval)
  prim.weak_type_rule = lambda flags, **_: flags[0]
  batching.collective_batchers[prim] = collective
  if linear_transpose is not None:
    ad.deflinear2(prim, linear_transpose)
  return prim


def _across_processes(batch_rule, size, group, vals, dims, params):
  """The exchange over an axis whose members live in the processes ``group``, ``size`` in
  each: gather the group's members, exchange as one process would, keep this process's part.
  (Simple, not bandwidth-optimal: every process receives all members.)"""
  (x,), (d,) = vals, dims
  members = cross_process.mpi_allgather_p.bind(batching.bdim_at_front(x, d, size),
                                               num_processes=len(group), group=group)
  out, out_dim = batch_rule(size * len(group), [members], [0], **params)
  if out_dim is None:
    return out, None
  return cross_process.local_block(batching.moveaxis(out, out_dim, 0), size, group), 0


def _shift(*keys):
  return lambda params: {k: (v + 1 if k in keys else v) for k, v in params.items()}


def _all_gather_abstract_eval(x, *, all_gather_dimension, axis_name, axis_index_groups,
                              axis_size, tiled):
  shape = list(x.shape)
  if tiled:
    shape[all_gather_dimension] *= axis_size
  else:
    shape.insert(all_gather_dimension, axis_size)
  return x.update(shape=tuple(shape))


def _all_gather_batch(size, vals, dims, /, *, all_gather_dimension, axis_name, axis_index_groups,
                      axis_size, tiled):
  from jaxlite._src.lax import lax
  (x,), (d,) = vals, dims
  x = batching.bdim_at_front(x, d, size)
  out = batching.moveaxis(x, 0, all_gather_dimension)  # members stacked at the dimension
  if tiled:
    shape = list(batching._shape(x)[1:])
    shape[all_gather_dimension] *= size
    out = lax.reshape(out, tuple(shape))
  return out, None  # every member holds the same gathered array


all_gather_p = _exchange("all_gather", _all_gather_batch, _all_gather_abstract_eval,
                         shift=_shift("all_gather_dimension"))


def all_gather(x, axis_name, *, axis_index_groups=None, axis=0, tiled=False):
  """Every member gets the stack (or, tiled, the concatenation) of all members' ``x``."""
  n = axis_size(axis_name)

  def one(v):
    v = core.to_array(v)
    nd = len(core.get_aval(v).shape) if not isinstance(v, core.Tracer) else v.ndim
    ax = axis % (nd + (0 if tiled else 1)) if (nd or not tiled) else 0
    return all_gather_p.bind(v, all_gather_dimension=ax, axis_name=axis_name,
                             axis_index_groups=axis_index_groups, axis_size=n, tiled=tiled)
  return tree_util.tree_map(one, x)


def _ppermute_abstract_eval(x, *, axis_name, perm):
  return x


def _ppermute_batch(axis_size, vals, dims, /, *, axis_name, perm):
  from jaxlite._src.lax import lax
  (x,), (d,) = vals, dims
  x = batching.bdim_at_front(x, d, axis_size)
  src = np.zeros(axis_size, np.int32)
  has = np.zeros(axis_size, bool)
  for s, t in perm:
    src[t] = s
    has[t] = True
  from jaxlite._src.numpy.indexing import take
  moved = take(x, src, axis=0)
  shape = core.get_aval(moved).shape if not isinstance(moved, core.Tracer) else moved.shape
  mask = lax.broadcast_in_dim(np.asarray(has), shape, (0,))
  return lax.select(mask, moved, lax.full_like(moved, 0)), 0


def _ppermute_transpose(ct, x, *, axis_name, perm):
  if type(ct) is Zero:
    return [None]
  return [ppermute_p.bind(ct, axis_name=axis_name, perm=tuple((t, s) for s, t in perm))]


ppermute_p = _exchange("ppermute", _ppermute_batch, _ppermute_abstract_eval, _ppermute_transpose)


def ppermute(x, axis_name, perm):
  """Member ``s`` sends ``x`` to member ``t`` for each ``(s, t)`` in ``perm``; others get 0."""
  perm = tuple((int(s), int(t)) for s, t in perm)
  if len({s for s, _ in perm}) != len(perm) or len({t for _, t in perm}) != len(perm):
    raise ValueError(f"ppermute sources and destinations must be unique, got {perm}.")
  return tree_util.tree_map(lambda v: ppermute_p.bind(core.to_array(v), axis_name=axis_name,
                                                      perm=perm), x)


def pshuffle(x, axis_name, perm):
  return ppermute(x, axis_name, [(p, i) for i, p in enumerate(perm)])


def _psum_scatter_abstract_eval(x, *, axis_name, scatter_dimension, axis_index_groups,
                                axis_size, tiled):
  shape = list(x.shape)
  if tiled:
    shape[scatter_dimension] //= axis_size
  else:
    del shape[scatter_dimension]
  return x.update(shape=tuple(shape))


def _psum_scatter_batch(size, vals, dims, /, *, axis_name, scatter_dimension, axis_index_groups,
                        axis_size, tiled):
  from jaxlite._src.lax import lax
  (x,), (d,) = vals, dims
  x = batching.bdim_at_front(x, d, size)
  total = lax.reduce_sum(x, (0,))  # the psum, shape = one member's input
  shape = core.get_aval(total).shape if not isinstance(total, core.Tracer) else total.shape
  if tiled:
    split = list(shape)
    split[scatter_dimension:scatter_dimension + 1] = [axis_size,
                                                      shape[scatter_dimension] // axis_size]
    total = lax.reshape(total, tuple(split))
  return batching.moveaxis(total, scatter_dimension, 0), 0


def _psum_scatter_transpose(ct, x, *, axis_name, scatter_dimension, axis_index_groups,
                            axis_size, tiled):
  if type(ct) is Zero:
    return [None]
  return [all_gather_p.bind(ct, all_gather_dimension=scatter_dimension, axis_name=axis_name,
                            axis_index_groups=axis_index_groups, axis_size=axis_size,
                            tiled=tiled)]


psum_scatter_p = _exchange("reduce_scatter", _psum_scatter_batch, _psum_scatter_abstract_eval,
                           _psum_scatter_transpose, shift=_shift("scatter_dimension"))


def psum_scatter(x, axis_name, *, scatter_dimension=0, axis_index_groups=None, tiled=False):
  """Sum over the axis, then member i keeps block i of the result along scatter_dimension."""
  n = axis_size(axis_name)
  return tree_util.tree_map(lambda v: psum_scatter_p.bind(
      core.to_array(v), axis_name=axis_name, scatter_dimension=scatter_dimension,
      axis_index_groups=axis_index_groups, axis_size=n, tiled=tiled), x)


def _all_gather_transpose(ct, x, *, all_gather_dimension, axis_name, axis_index_groups,
                          axis_size, tiled):
  if type(ct) is Zero:
    return [None]
  return [psum_scatter_p.bind(ct, axis_name=axis_name, scatter_dimension=all_gather_dimension,
                              axis_index_groups=axis_index_groups, axis_size=axis_size,
                              tiled=tiled)]


ad.deflinear2(all_gather_p, _all_gather_transpose)


def _all_to_all_abstract_eval(x, *, axis_name, split_axis, concat_axis, axis_index_groups,
                              tiled, axis_size):
  shape = list(x.shape)
  if tiled:
    shape[split_axis] //= axis_size
    shape[concat_axis] *= axis_size
  else:
    del shape[split_axis]
    shape.insert(concat_axis, axis_size)
  return x.update(shape=tuple(shape))


def _all_to_all_batch(size, vals, dims, /, *, axis_name, split_axis, concat_axis, axis_index_groups,
                      tiled, axis_size):
  from jaxlite._src.lax import lax
  (x,), (d,) = vals, dims
  x = batching.bdim_at_front(x, d, axis_size)  # (members, ...per-member shape)
  shape = list(core.get_aval(x).shape if not isinstance(x, core.Tracer) else x.shape)
  if tiled:
    chunk = shape[1 + split_axis] // axis_size
    split = shape[:1 + split_axis] + [axis_size, chunk] + shape[2 + split_axis:]
    x = lax.reshape(x, tuple(split))
    # axis 0: sender j, axis 1+split_axis: receiver i -> receiver first, sender at concat
    x = batching.moveaxis(x, 1 + split_axis, 0)
    x = batching.moveaxis(x, 1, 1 + concat_axis + (1 if concat_axis > split_axis else 0))
    out_shape = list(shape[1:])
    out_shape[split_axis] = chunk
    out_shape[concat_axis] *= axis_size
    return lax.reshape(x, (axis_size,) + tuple(out_shape)), 0
  # Not tiled: the split axis (size = axis size) indexes receivers.
  x = batching.moveaxis(x, 1 + split_axis, 0)  # receiver, sender, rest
  return batching.moveaxis(x, 1, 1 + concat_axis), 0


def _all_to_all_transpose(ct, x, *, axis_name, split_axis, concat_axis, axis_index_groups,
                          tiled, axis_size):
  # The exchange is a permutation of blocks; sending them back undoes it.
  if type(ct) is Zero:
    return [None]
  return [all_to_all_p.bind(ct, axis_name=axis_name, split_axis=concat_axis,
                            concat_axis=split_axis, axis_index_groups=axis_index_groups,
                            tiled=tiled, axis_size=axis_size)]


all_to_all_p = _exchange("all_to_all", _all_to_all_batch, _all_to_all_abstract_eval,
                         _all_to_all_transpose, shift=_shift("split_axis", "concat_axis"))


def all_to_all(x, axis_name, split_axis, concat_axis, *, axis_index_groups=None, tiled=False):
  """Member i sends chunk j of ``x`` (split along split_axis) to member j, which concatenates
  what it receives along concat_axis."""
  n = axis_size(axis_name)
  return tree_util.tree_map(lambda v: all_to_all_p.bind(
      core.to_array(v), axis_name=axis_name, split_axis=split_axis, concat_axis=concat_axis,
      axis_index_groups=axis_index_groups, tiled=tiled, axis_size=n), x)
