"""The scatter primitives: scatter, scatter-add, scatter-sub, scatter-mul, scatter-min and
scatter-max, with their JVPs, transposes and batching rules.

They share the window kernel and the dimension-number checks of gather (slicing.py), which
imports this module at its end; import them from there (``jaxlite._src.lax.slicing``)."""
from __future__ import annotations

import functools

import numpy as np

from jaxlite._src import core
from jaxlite._src.core import ShapedArray
from jaxlite._src.interpreters import ad, batching
from jaxlite._src.interpreters.ad import Zero
from jaxlite._src.lax import elementwise as ew
from jaxlite._src.lax import shapes
from jaxlite._src.lax.slicing import (
    GatherDimensionNumbers, GatherScatterMode, ScatterDimensionNumbers, _canon_dnums,
    _check_common, _check_dims, _dtype, _index_arrays, _shape, _shift, _window_starts, gather)
from jaxlite._src.lax.utils import check_same_dtypes

__all__ = [
    "scatter", "scatter_p", "scatter_add", "scatter_add_p", "scatter_sub", "scatter_sub_p",
    "scatter_mul", "scatter_mul_p", "scatter_min", "scatter_min_p", "scatter_max",
    "scatter_max_p", "scatter_apply",
]


def _update_window(operand_shape, updates_shape, dn):
  """The window of the scatter in every operand dimension, and the window dimensions."""
  window = [1] * len(operand_shape)
  dropped = set(dn.inserted_window_dims) | set(dn.operand_batching_dims)
  window_dims = [d for d in range(len(operand_shape)) if d not in dropped]
  for d, ud in zip(window_dims, dn.update_window_dims):
    window[d] = updates_shape[ud]
  return window, window_dims


def _scatter_kernel(combine):
  """An impl applying ``combine(out, index_tuple, values, ...)`` to the in-bounds windows."""
  def impl(operand, indices, updates, *, dimension_numbers, indices_are_sorted,
           unique_indices, mode, update_jaxpr, update_consts, out=None):
    # ``out``: a buffer of the operand's shape for the result (generated code passes the
    # operand itself when it dies here: the scatter is then done in place).
    dn = dimension_numbers
    if out is None:
      out = operand.copy()
    elif out is not operand:
      np.copyto(out, operand)
    if not updates.size:
      return out
    window, _ = _update_window(operand.shape, updates.shape, dn)
    starts, in_bounds = _window_starts(
        indices, operand.shape, window, dn.scatter_dims_to_operand_dims,
        dn.operand_batching_dims, dn.scatter_indices_batching_dims,
        clamp=mode == GatherScatterMode.CLIP)
    batch_shape = indices.shape[:-1]
    # Updates as (batch..., window...), the layout of the index arrays.
    scatter_axes = [i for i in range(updates.ndim) if i not in dn.update_window_dims]
    vals = np.transpose(updates, scatter_axes + list(dn.update_window_dims))
    full = batch_shape + tuple(window)
    idx = [np.broadcast_to(i, full).reshape(vals.shape)
           for i in _index_arrays(starts, window, range(operand.ndim), len(batch_shape))]
    if in_bounds is not None:
      keep = np.broadcast_to(in_bounds, batch_shape)
      idx, vals = [i[keep] for i in idx], vals[keep]
    combine(out, tuple(idx), vals, update_jaxpr, update_consts)
    return out
  return impl


def _combine_with_ufunc(ufunc):
  return lambda out, idx, vals, *_: ufunc.at(out, idx, vals)


def _combine_replace(out, idx, vals, update_jaxpr, update_consts):
  if update_jaxpr is None:
    out[idx] = vals  # a repeated index keeps its last update, as XLA on CPU does
    return
  # scatter_apply: run the traced combiner vectorized over one round of distinct positions
  # at a time, so that a repeated position sees the previous result.
  from jaxlite._src.api import vmap
  from jaxlite._src.jaxpr import eval_jaxpr
  combine = vmap(lambda old, new: eval_jaxpr(update_jaxpr, update_consts, old, new)[0])
  flat = np.ravel_multi_index(tuple(np.ravel(i) for i in idx), out.shape)
  vals, flat_out = np.ravel(vals), out.reshape(-1)
  while flat.size:
    uniq, first = np.unique(flat, return_index=True)
    flat_out[uniq] = np.asarray(combine(flat_out[uniq], vals[first]))
    rest = np.ones(flat.size, bool)
    rest[first] = False
    flat, vals = flat[rest], vals[rest]


def _scatter_abstract_eval(operand, indices, updates, *, update_jaxpr, update_consts,
                           dimension_numbers, indices_are_sorted, unique_indices, mode):
  dn = dimension_numbers
  _check_common("scatter", operand, indices, dn.inserted_window_dims, "inserted_window_dims",
                dn.scatter_dims_to_operand_dims, "scatter_dims_to_operand_dims",
                dn.operand_batching_dims, dn.scatter_indices_batching_dims,
                "scatter_indices_batching_dims")
  check_same_dtypes("scatter", operand, updates)
  expected = indices.ndim - 1 + len(dn.update_window_dims)
  if updates.ndim != expected:
    raise TypeError(f"Updates tensor must be of rank {expected}; got {updates.ndim}.")
  _check_dims("scatter", "update_window_dims", dn.update_window_dims, updates.ndim)
  update_scatter_dims = [i for i in range(updates.ndim) if i not in dn.update_window_dims]
  u_batch = tuple(updates.shape[update_scatter_dims[i]] for i in dn.scatter_indices_batching_dims)
  o_batch = tuple(operand.shape[i] for i in dn.operand_batching_dims)
  if o_batch != u_batch:
    raise TypeError("Scatter op requires operand batching dimensions and updates batching "
                    f"dimensions to have the same shape, got {o_batch} and {u_batch}.")
  window_size = (len(dn.update_window_dims) + len(dn.inserted_window_dims)
                 + len(dn.operand_batching_dims))
  if operand.ndim != window_size:
    raise TypeError(f"Scatter op has window of size {window_size}; doesn't match operand of "
                    f"rank {operand.ndim}.")
  for d, ud in zip(_update_window(operand.shape, updates.shape, dn)[1], dn.update_window_dims):
    if operand.shape[d] < updates.shape[ud]:
      raise TypeError("Bounds of the window dimensions of updates must not exceed the bounds "
                      f"of the corresponding dimensions of operand. For dimension {ud}, updates "
                      f"bound is {updates.shape[ud]}, operand bound is {operand.shape[d]}.")
  for i, bound in zip(update_scatter_dims, indices.shape[:-1]):
    if updates.shape[i] != bound:
      raise TypeError("Bounds of the scatter dimensions of updates must be the same as the "
                      "bounds of the corresponding dimensions of scatter indices. For scatter "
                      f"dimension {i}, updates bound is {updates.shape[i]}, indices bound is "
                      f"{bound}.")
  return ShapedArray(operand.shape, operand.dtype, operand.weak_type)


def _scatter_primitive(name, combine):
  prim = core.Primitive(name)
  prim.def_impl(_scatter_kernel(combine))
  prim.def_abstract_eval(_scatter_abstract_eval)
  prim.weak_type_rule = lambda flags, **_: flags[0]
  return prim


scatter_p = _scatter_primitive("scatter", _combine_replace)
scatter_add_p = _scatter_primitive("scatter-add", _combine_with_ufunc(np.add))
scatter_sub_p = _scatter_primitive("scatter-sub", _combine_with_ufunc(np.subtract))
scatter_mul_p = _scatter_primitive("scatter-mul", _combine_with_ufunc(np.multiply))
scatter_min_p = _scatter_primitive("scatter-min", _combine_with_ufunc(np.minimum))
scatter_max_p = _scatter_primitive("scatter-max", _combine_with_ufunc(np.maximum))


@functools.lru_cache(maxsize=None)
def _combiner_jaxpr(fn, dtype):
  """The scalar jaxpr of ``fn(a, b)`` a scatter carries as ``update_jaxpr`` (cached, so an
  eager ``.at[].add`` in a loop does not retrace it)."""
  return _trace_combiner(fn, dtype)


def _trace_combiner(fn, dtype):
  from jaxlite._src.interpreters import partial_eval as pe
  aval = ShapedArray((), dtype)
  closed = pe.trace_to_jaxpr(lambda a, b: [fn(a, b)], [aval, aval], "scatter combiner")
  return closed.jaxpr, tuple(closed.consts)


def _bind_scatter(prim, operand, indices, updates, dimension_numbers, indices_are_sorted,
                  unique_indices, mode, combiner):
  jaxpr, consts = combiner
  return prim.bind(operand, indices, updates, update_jaxpr=jaxpr, update_consts=consts,
                   dimension_numbers=_canon_dnums(ScatterDimensionNumbers, dimension_numbers),
                   indices_are_sorted=bool(indices_are_sorted),
                   unique_indices=bool(unique_indices), mode=GatherScatterMode.from_any(mode))


def scatter(operand, scatter_indices, updates, dimension_numbers, *, indices_are_sorted=False,
            unique_indices=False, mode=None):
  """``lax.scatter``: ``operand`` with windows replaced by ``updates`` (out-of-bounds
  windows dropped unless ``mode`` is CLIP)."""
  return _bind_scatter(scatter_p, operand, scatter_indices, updates, dimension_numbers,
                       indices_are_sorted, unique_indices, mode, (None, ()))


def _scatter_fn(prim, fn, name, doc):
  def op(operand, scatter_indices, updates, dimension_numbers, *, indices_are_sorted=False,
         unique_indices=False, mode=None):
    return _bind_scatter(prim, operand, scatter_indices, updates, dimension_numbers,
                         indices_are_sorted, unique_indices, mode,
                         _combiner_jaxpr(fn, _dtype(operand)))
  op.__name__ = op.__qualname__ = name
  op.__doc__ = f"``lax.{name}``: {doc} (repeated indices combine one after the other)."
  return op


scatter_add = _scatter_fn(scatter_add_p, ew.add, "scatter_add", "add updates to windows")
scatter_sub = _scatter_fn(scatter_sub_p, ew.sub, "scatter_sub", "subtract updates from windows")
scatter_mul = _scatter_fn(scatter_mul_p, ew.mul, "scatter_mul", "multiply windows by updates")
scatter_min = _scatter_fn(scatter_min_p, ew.min, "scatter_min", "minimum of windows and updates")
scatter_max = _scatter_fn(scatter_max_p, ew.max, "scatter_max", "maximum of windows and updates")


def scatter_apply(operand, scatter_indices, func, dimension_numbers, *, update_shape=(),
                  indices_are_sorted=False, unique_indices=False, mode=None):
  """``lax.scatter_apply``: ``func`` applied to every window element, once per time the
  element is indexed."""
  unused = shapes.full(tuple(update_shape), 0, _dtype(operand))
  return _bind_scatter(scatter_p, operand, scatter_indices, unused, dimension_numbers,
                       indices_are_sorted, unique_indices, mode,
                       _trace_combiner(lambda x, _: func(x), _dtype(operand)))


def _params(params):
  return {k: params[k] for k in ("indices_are_sorted", "unique_indices", "mode")}


def _inverse_gather(x, indices, updates_shape, dn, mode=None, fill_value=None):
  """The gather reading back, for every update, the window of ``x`` it lands on."""
  gdn = GatherDimensionNumbers(dn.update_window_dims, dn.inserted_window_dims,
                               dn.scatter_dims_to_operand_dims, dn.operand_batching_dims,
                               dn.scatter_indices_batching_dims)
  window, _ = _update_window(_shape(x), updates_shape, dn)
  return gather(x, indices, gdn, window, mode=mode, fill_value=fill_value)


def _zeros(x):
  return shapes.full_like(x, 0)


def _scatter_addsub_jvp(prim, primals, tangents, **params):
  out = prim.bind(*primals, **params)
  if type(tangents[0]) is Zero and type(tangents[2]) is Zero:
    return out, Zero.from_primal_value(out)
  g_op, g_up = ad.instantiate_zeros(tangents[0]), ad.instantiate_zeros(tangents[2])
  return out, prim.bind(g_op, primals[1], g_up, **params)


def _scatter_addsub_transpose(prim, ct, operand, indices, updates, **params):
  if type(ct) is Zero:
    return [None, None, None]
  up_ct = None
  if ad.is_undefined_primal(updates):
    up_ct = _inverse_gather(ct, indices, updates.aval.shape, params["dimension_numbers"],
                            params["mode"], 0)
    up_ct = ew.neg(up_ct) if prim is scatter_sub_p else up_ct
  return [ct if ad.is_undefined_primal(operand) else None, None, up_ct]


for _p in (scatter_add_p, scatter_sub_p):
  ad.primitive_jvps[_p] = functools.partial(_scatter_addsub_jvp, _p)
  ad.primitive_transposes[_p] = functools.partial(_scatter_addsub_transpose, _p)


def _require_unique(params):
  if not params["unique_indices"]:
    raise NotImplementedError(
        "scatter_mul gradients are only implemented if `unique_indices=True`")


def _scatter_mul_jvp_updates(g, x, i, y, **params):
  _require_unique(params)
  return ew.mul(x, scatter_add(_zeros(x), i, g, params["dimension_numbers"], **_params(params)))


def _scatter_mul_transpose(ct, operand, indices, updates, **params):
  if type(ct) is Zero:
    return [None, None, None]
  op_ct = up_ct = None
  if ad.is_undefined_primal(operand):
    op_ct = scatter_mul(ct, indices, updates, params["dimension_numbers"], **_params(params))
  if ad.is_undefined_primal(updates):
    _require_unique(params)
    up_ct = _inverse_gather(ew.mul(ct, operand), indices, updates.aval.shape,
                            params["dimension_numbers"], params["mode"], 0)
  return [op_ct, None, up_ct]


ad.defjvp(scatter_mul_p, lambda g, x, i, y, **params: scatter_mul_p.bind(g, i, y, **params),
          None, _scatter_mul_jvp_updates)
ad.primitive_transposes[scatter_mul_p] = _scatter_mul_transpose


def _scatter_extremal_jvp(prim, primals, tangents, **params):
  operand, indices, updates = primals
  out = prim.bind(operand, indices, updates, **params)
  if type(tangents[0]) is Zero and type(tangents[2]) is Zero:
    return out, Zero.from_primal_value(out)
  g_op, g_up = ad.instantiate_zeros(tangents[0]), ad.instantiate_zeros(tangents[2])
  dn, u_shape = params["dimension_numbers"], _shape(updates)

  def back(x):
    return _inverse_gather(x, indices, u_shape, dn)

  def count(x):
    return back(scatter_add(_zeros(operand), indices, x, dn))

  # As for max/min reductions, the values reaching a position (the winning updates and,
  # if it survived, the old value) share its tangent equally.
  won, kept = ew.eq(updates, back(out)), ew.eq(back(operand), back(out))
  one = shapes.full_like(updates, 1)
  n_won, n_refs = count(ew.select(won, one, _zeros(updates))), count(one)
  share_if_kept = ew.div(one, ew.add(n_won, one))
  updates_coef = ew.select(won, ew.select(kept, share_if_kept, ew.div(one, n_won)),
                           _zeros(updates))
  operand_coef = ew.div(ew.sub(ew.select(kept, share_if_kept, _zeros(n_won)), one), n_refs)
  tangent_updates = ew.add(ew.mul(back(g_op), operand_coef), ew.mul(g_up, updates_coef))
  return out, scatter_add(g_op, indices, tangent_updates, dn, **_params(params))


for _p in (scatter_min_p, scatter_max_p):
  ad.primitive_jvps[_p] = functools.partial(_scatter_extremal_jvp, _p)


def _scatter_jvp(primals, tangents, *, update_jaxpr, update_consts, dimension_numbers,
                 indices_are_sorted, unique_indices, mode):
  if update_jaxpr is not None:
    raise NotImplementedError("scatter_apply JVP not implemented")
  operand, indices, updates = primals
  dn = dimension_numbers
  params = dict(update_jaxpr=None, update_consts=update_consts, dimension_numbers=dn,
                indices_are_sorted=indices_are_sorted, unique_indices=unique_indices, mode=mode)
  if type(tangents[0]) is Zero and type(tangents[2]) is Zero:
    out = scatter_p.bind(operand, indices, updates, **params)
    return out, Zero.from_primal_value(out)
  g_op, g_up = ad.instantiate_zeros(tangents[0]), ad.instantiate_zeros(tangents[2])
  if unique_indices:
    return (scatter_p.bind(operand, indices, updates, **params),
            scatter_p.bind(g_op, indices, g_up, **params))
  # Which update wins a repeated position is unspecified, so tag each update with an id,
  # scatter the ids, read back which id won where, and rebuild both the value and its
  # tangent with scatter-add of the winners only (scatter-add has a transpose).
  ids_shape = [1 if d in dn.update_window_dims else s for d, s in enumerate(_shape(updates))]
  n = int(np.prod(ids_shape, dtype=np.int64))
  id_dtype = np.dtype(np.uint32)
  ids = ew.add(shapes.reshape(shapes.iota(id_dtype, n), tuple(ids_shape)),
               np.asarray(1, id_dtype))
  ids = shapes.broadcast_in_dim(ids, _shape(updates), tuple(range(len(ids_shape))))
  scattered = scatter(shapes.full(_shape(operand), 0, id_dtype), indices, ids, dn,
                      indices_are_sorted=indices_are_sorted, mode=mode)
  untouched = ew.eq(scattered, _zeros(scattered))
  won = ew.eq(ids, _inverse_gather(scattered, indices, _shape(updates), dn))
  flags = dict(indices_are_sorted=indices_are_sorted, unique_indices=False, mode=mode)
  out = scatter_add(ew.select(untouched, operand, _zeros(operand)), indices,
                    ew.select(won, updates, _zeros(updates)), dn, **flags)
  tangent = scatter_add(ew.select(untouched, g_op, _zeros(g_op)), indices,
                        ew.select(won, g_up, _zeros(g_up)), dn, **flags)
  return out, tangent


def _scatter_transpose(ct, operand, indices, updates, *, update_jaxpr, update_consts,
                       dimension_numbers, indices_are_sorted, unique_indices, mode):
  if not unique_indices:
    raise NotImplementedError("scatter transpose is only implemented where "
                              "unique_indices=True")
  if type(ct) is Zero:
    return [None, None, None]
  u_undef = ad.is_undefined_primal(updates)
  u_shape = updates.aval.shape if u_undef else _shape(updates)
  op_ct = up_ct = None
  if ad.is_undefined_primal(operand):  # overwritten positions get no cotangent
    op_ct = scatter(ct, indices, shapes.full(u_shape, 0, _dtype(ct)), dimension_numbers,
                    indices_are_sorted=indices_are_sorted, unique_indices=True, mode=mode)
  if u_undef:
    up_ct = _inverse_gather(ct, indices, u_shape, dimension_numbers, mode, 0)
  return [op_ct, None, up_ct]


ad.primitive_jvps[scatter_p] = _scatter_jvp
ad.primitive_transposes[scatter_p] = _scatter_transpose


def _scatter_batch(prim, vals, dims, *, dimension_numbers, **params):
  (operand, indices, updates), (o_dim, i_dim, u_dim) = vals, dims
  dn = dimension_numbers
  size = next(_shape(v)[d] for v, d in zip(vals, dims) if d is not None)
  operand = batching.bdim_at_front(operand, o_dim, size)
  updates = batching.bdim_at_front(updates, u_dim, size)
  if i_dim is None:  # shared indices: the batch axis is one more window dimension
    dn = ScatterDimensionNumbers((0,) + _shift(dn.update_window_dims),
                                 _shift(dn.inserted_window_dims),
                                 _shift(dn.scatter_dims_to_operand_dims),
                                 _shift(dn.operand_batching_dims),
                                 tuple(dn.scatter_indices_batching_dims))
  else:  # pair the batch axes of operand and indices up as batching dimensions
    indices = batching.bdim_at_front(indices, i_dim, size)
    dn = ScatterDimensionNumbers(_shift(dn.update_window_dims), _shift(dn.inserted_window_dims),
                                 _shift(dn.scatter_dims_to_operand_dims),
                                 (0,) + _shift(dn.operand_batching_dims),
                                 (0,) + _shift(dn.scatter_indices_batching_dims))
  return prim.bind(operand, indices, updates, dimension_numbers=dn, **params), 0


for _p in (scatter_p, scatter_add_p, scatter_sub_p, scatter_mul_p, scatter_min_p, scatter_max_p):
  batching.primitive_batchers[_p] = functools.partial(_scatter_batch, _p)
