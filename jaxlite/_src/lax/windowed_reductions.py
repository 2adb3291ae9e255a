"""Windowed reductions: reduce_window_sum/max/min and the generic reduce_window, the
select_and_gather_add / select_and_scatter_add pair that differentiates max pooling, and
the generic ``lax.reduce``.

Implementations walk the window one element ("tap") at a time: for every tap, the padded
operand seen at that offset of every window is a strided view, so a window reduction is a
short loop of whole-array NumPy operations."""
from __future__ import annotations

import functools
import itertools

import numpy as np

from jaxlite._src import core
from jaxlite._src import dtypes
from jaxlite._src import tree_util
from jaxlite._src.core import ShapedArray
from jaxlite._src.interpreters import ad, batching
from jaxlite._src.interpreters import partial_eval as pe
from jaxlite._src.interpreters.ad import Zero
from jaxlite._src.jaxpr import eval_jaxpr
from jaxlite._src.lax import elementwise as ew
from jaxlite._src.lax.convolution import padtype_to_pads
from jaxlite._src.lax.window_kernels import (
    dilate_and_pad, dilate_dim, pad_slices, scratch, stride_dim)

__all__ = [
    "reduce",
    "reduce_p",
    "reduce_window",
    "reduce_window_max_p",
    "reduce_window_min_p",
    "reduce_window_p",
    "reduce_window_shape_tuple",
    "reduce_window_sum_p",
    "select_and_gather_add_p",
    "select_and_scatter_add_p",
]


def _shape(x):
  return core.get_aval(x).shape


def _max_identity(dtype):
  dtype = np.dtype(dtype)
  if dtypes.is_inexact(dtype):
    return np.array(-np.inf, dtype)
  if dtype == np.bool_:
    return np.array(False)
  return np.array(np.iinfo(dtype).min, dtype)


def _min_identity(dtype):
  dtype = np.dtype(dtype)
  if dtypes.is_inexact(dtype):
    return np.array(np.inf, dtype)
  if dtype == np.bool_:
    return np.array(True)
  return np.array(np.iinfo(dtype).max, dtype)


# ---------------------------------------------------------------------------
# Shapes

def _check_shapelike(fun_name, arg_name, obj, non_zero_shape=False):
  if not isinstance(obj, (tuple, list, np.ndarray)):
    raise TypeError(f"{fun_name} {arg_name} must be of type tuple/list/ndarray, got {type(obj)}.")
  if not len(obj):
    return
  if np.ndim(obj) != 1:
    raise TypeError(f"{fun_name} {arg_name} must be 1-dimensional, got {np.ndim(obj)}.")
  if not all(isinstance(d, (int, np.integer)) for d in obj):
    raise TypeError(f"{fun_name} {arg_name} must have every element be an integer type, got "
                    f"{tuple(map(type, obj))}.")
  lower, what = (1, "strictly positive") if non_zero_shape else (0, "nonnegative")
  if not all(d >= lower for d in obj):
    raise TypeError(f"{fun_name} {arg_name} must have every element be {what}, got {obj}.")


def reduce_window_shape_tuple(operand_shape, window_dimensions, window_strides, padding,
                              base_dilation=None, window_dilation=None):
  if base_dilation is not None:
    operand_shape = [dilate_dim(d, b) for d, b in zip(operand_shape, base_dilation)]
  if window_dilation is not None:
    window_dimensions = [dilate_dim(w, d) for w, d in zip(window_dimensions, window_dilation)]
  padded = [d + lo + hi for d, (lo, hi) in zip(operand_shape, padding)]
  return tuple(stride_dim(p, w, s) for p, w, s in zip(padded, window_dimensions, window_strides))


def _window_shape_rule(operand, window_dimensions, window_strides, padding, base_dilation,
                       window_dilation):
  _check_shapelike("reduce_window", "window_dimensions", window_dimensions, non_zero_shape=True)
  _check_shapelike("reduce_window", "window_strides", window_strides, non_zero_shape=True)
  _check_shapelike("reduce_window", "base_dilation", base_dilation)
  _check_shapelike("reduce_window", "window_dilation", window_dilation)
  if operand.ndim != len(window_dimensions):
    raise TypeError("reduce_window got the wrong number of window_dimensions for operand: got "
                    f"operand shape {operand.shape} with window_dimensions {window_dimensions}.")
  for name, value in (("window_strides", window_strides), ("base_dilation", base_dilation),
                      ("window_dilation", window_dilation)):
    if len(value) != len(window_dimensions):
      raise TypeError(f"reduce_window got inconsistent {name} and window_dimensions: got {name} "
                      f"{value} and window_dimensions {window_dimensions}.")
  return reduce_window_shape_tuple(operand.shape, window_dimensions, window_strides, padding,
                                   base_dilation, window_dilation)


def _window_taps(x, fill, out_shape, window_dimensions, window_strides, padding, base_dilation,
                 window_dilation, slot=None):
  """For each window offset (row-major), the view of the dilated, padded operand holding the
  element at that offset of every window. ``out_shape`` must have no zero dimension. With a
  ``slot`` the padded operand lives in scratch memory (see ``window_kernels.scratch``)."""
  xp = dilate_and_pad(x, range(x.ndim), base_dilation, padding, fill, slot=slot)
  slices = []
  for offsets in itertools.product(*(range(w) for w in window_dimensions)):
    slices.append(tuple(slice(o * d, o * d + (n - 1) * s + 1, s) for o, d, n, s in
                        zip(offsets, window_dilation, out_shape, window_strides)))
  return xp, slices


def _tap_copies(xp, slices, shape):
  """The taps one after another, each copied into the same contiguous scratch array (valid
  until the next one): NumPy's comparisons on these strided views measured ~5x slower than
  the copy plus the comparison on contiguous memory (arithmetic ufuncs do not gain)."""
  buf = scratch("window_tap", shape, xp.dtype)
  for sl in slices:
    np.copyto(buf, xp[sl])
    yield buf


# ---------------------------------------------------------------------------
# reduce_window_sum, reduce_window_max, reduce_window_min

def _monoid_window_impl(op, identity):
  def impl(x, *, window_dimensions, window_strides, padding, base_dilation, window_dilation):
    out_shape = reduce_window_shape_tuple(x.shape, window_dimensions, window_strides, padding,
                                          base_dilation, window_dilation)
    init = identity(x.dtype)
    if 0 in out_shape:
      return np.full(out_shape, init, x.dtype)
    if _one_element_windows(window_dimensions, window_strides, base_dilation, window_dilation):
      return _spread(x, base_dilation, padding, init)
    xp, slices = _window_taps(x, init, out_shape, window_dimensions, window_strides, padding,
                              base_dilation, window_dilation, slot="window_operand")
    acc = xp[slices[0]].copy()
    for sl in slices[1:]:
      op(acc, xp[sl], out=acc)
    return acc
  return impl


def _one_element_windows(window_dimensions, window_strides, base_dilation, window_dilation):
  """Whether every window covers exactly one element of the dilated operand: windows as wide
  as the dilation, one step apart (the transpose of pooling with windows that tile)."""
  return any(b > 1 for b in base_dilation) and all(
      w == b and s == 1 and d == 1
      for w, s, b, d in zip(window_dimensions, window_strides, base_dilation, window_dilation))


def _spread(x, base_dilation, padding, fill):
  """The one-element windows' reduction: each element repeated ``dilation`` times, shifted
  by the padding (a window starting at p holds the element landing in [p, p + dilation))."""
  # Written into fresh memory: a reshaped broadcast could be a read-only view of x.
  spread = np.empty([n for d, b in zip(x.shape, base_dilation) for n in (d, b)], x.dtype)
  spread[...] = x.reshape([n for d in x.shape for n in (d, 1)])
  spread = spread.reshape([d * b for d, b in zip(x.shape, base_dilation)])
  pads = [(lo - b + 1, hi - b + 1) for (lo, hi), b in zip(padding, base_dilation)]
  return dilate_and_pad(spread, range(x.ndim), (1,) * x.ndim, pads, fill)


def _window_primitive(name, op, identity, accepted_number_only):
  prim = core.Primitive(name)
  prim.def_impl(_monoid_window_impl(op, identity))

  def abstract_eval(x, **params):
    if accepted_number_only and not dtypes.issubdtype(x.dtype, np.number):
      raise TypeError(f"operand to {name} must have a number dtype, got {x.dtype.name}")
    return ShapedArray(_window_shape_rule(x, **params), x.dtype, x.weak_type)
  prim.def_abstract_eval(abstract_eval)
  prim.weak_type_rule = lambda flags, **_: flags[0]

  def batch_rule(vals, dims, **params):
    (x,), (d,) = vals, dims
    return prim.bind(x, **_insert_unit_window(params, d)), d
  batching.primitive_batchers[prim] = batch_rule
  return prim


def _insert_unit_window(params, axis):
  """Window params for an operand with a new axis at ``axis`` that the window does not span."""
  def ins(seq, value):
    return tuple(seq[:axis]) + (value,) + tuple(seq[axis:])
  out = dict(params)
  out.update(window_dimensions=ins(params["window_dimensions"], 1),
             window_strides=ins(params["window_strides"], 1),
             padding=ins(params["padding"], (0, 0)))
  for name in ("base_dilation", "window_dilation"):
    if name in params:
      out[name] = ins(params[name], 1)
  return out


reduce_window_sum_p = _window_primitive("reduce_window_sum", np.add,
                                        lambda dt: np.zeros((), dt), True)
reduce_window_max_p = _window_primitive("reduce_window_max", np.maximum, _max_identity, False)
reduce_window_min_p = _window_primitive("reduce_window_min", np.minimum, _min_identity, False)


def _reduce_window_sum_transpose(ct, operand, *, window_dimensions, window_strides, padding,
                                 base_dilation, window_dilation):
  # Each input element receives the sum of the cotangents of the windows covering it: a
  # window sum over the cotangent spread out by the strides (base dilation), shifted so the
  # windows line up with the input, and stepping by the input's own base dilation.
  if type(ct) is Zero:
    return [None]
  in_shape, out_shape = operand.aval.shape, _shape(ct)
  pads = []
  for d, w, s, o, (lo, _), b, wd in zip(in_shape, window_dimensions, window_strides, out_shape,
                                        padding, base_dilation, window_dilation):
    w_eff = dilate_dim(w, wd)
    before = w_eff - lo - 1
    pads.append((before, dilate_dim(d, b) + w_eff - 1 - dilate_dim(o, s) - before))
  return [reduce_window_sum_p.bind(
      ct, window_dimensions=tuple(window_dimensions), window_strides=tuple(base_dilation),
      padding=tuple(pads), base_dilation=tuple(window_strides),
      window_dilation=tuple(window_dilation))]


ad.deflinear2(reduce_window_sum_p, _reduce_window_sum_transpose)


def _chooser_jvp(select_prim):
  def rule(g, operand, **params):
    return select_and_gather_add_p.bind(g, operand, select_prim=select_prim, **params)
  return rule


ad.defjvp(reduce_window_max_p, _chooser_jvp(ew.ge_p))
ad.defjvp(reduce_window_min_p, _chooser_jvp(ew.le_p))


# ---------------------------------------------------------------------------
# select_and_gather_add: per window, the tangent at the position the operand's max (ge) or
# min (le) is taken from -- the JVP of max/min pooling.

def _select_identity(select_prim, dtype):
  return _max_identity(dtype) if select_prim is ew.ge_p else _min_identity(dtype)


def _select_ufunc(select_prim):
  return np.greater_equal if select_prim is ew.ge_p else np.less_equal


def _select_taps(taps, best, chosen, select_prim, first):
  """Fold ``taps`` into ``best`` in place, recording in ``chosen`` (in place) the index,
  counted from ``first``, of the tap each window selects. As XLA's pairwise reduction: the
  current choice survives ties (the first maximal element of a window wins) and a NaN
  candidate is taken. Branch-free arithmetic: with unpredictable masks np.where measured
  ~25x slower than a comparison or np.fmax on the same arrays."""
  keep_current = _select_ufunc(select_prim)
  dtype = best.dtype
  if dtype.type in (np.float16, np.float32, np.float64):
    pick = np.fmax if select_prim is ew.ge_p else np.fmin
  elif dtype.kind in "iub":
    pick = np.maximum if select_prim is ew.ge_p else np.minimum
  else:
    pick = None
  replace = np.empty(best.shape, np.bool_)
  step = np.empty(best.shape, chosen.dtype)
  for k, tap in enumerate(taps, first):
    keep_current(best, tap, out=replace)
    np.logical_not(replace, out=replace)
    np.subtract(chosen.dtype.type(k), chosen, out=step)
    np.multiply(step, replace, out=step)
    np.add(chosen, step, out=chosen)
    if pick is None:
      best[...] = np.where(replace, tap, best)
      continue
    pick(best, tap, out=best)
    if dtype.kind == "f":
      nan = np.isnan(tap)
      if nan.any():  # fmax/fmin skip a NaN candidate, the selection takes it
        np.copyto(best, tap, where=nan)


def _index_dtype(n):
  return np.dtype(np.int8) if n < 127 else np.dtype(np.int32)


def _masked(values, mask, exact):
  """``values`` where ``mask``, else zero; multiplying by the mask when that is ``exact``
  (no infinities or NaNs to turn into NaN), since np.where is slow on random masks."""
  if values.dtype == np.bool_:
    return np.logical_and(values, mask)
  if exact:
    return np.multiply(values, mask)
  return np.where(mask, values, np.zeros((), values.dtype))


def _multiplies_exactly(x):
  return x.dtype.kind in "iub" or bool(np.isfinite(x).all())


def _select_and_gather_add_impl(tangents, operand, *, select_prim, window_dimensions,
                                window_strides, padding, base_dilation, window_dilation):
  out_shape = reduce_window_shape_tuple(operand.shape, window_dimensions, window_strides,
                                        padding, base_dilation, window_dilation)
  ident = _select_identity(select_prim, operand.dtype)
  value = np.zeros(out_shape, tangents.dtype)
  if 0 in out_shape:
    return value
  window = (window_dimensions, window_strides, padding, base_dilation, window_dilation)
  xp, slices = _window_taps(operand, ident, out_shape, *window, slot="window_operand")
  tp, _ = _window_taps(tangents, 0, out_shape, *window, slot="window_tangents")
  # Starting from the identity, a window of identities selects nothing (-1): tangent 0.
  best = np.full(out_shape, ident, operand.dtype)
  chosen = np.full(out_shape, -1, _index_dtype(len(slices)))
  _select_taps(_tap_copies(xp, slices, out_shape), best, chosen, select_prim, 0)
  exact = _multiplies_exactly(tangents)
  combine = np.logical_or if tangents.dtype == np.bool_ else np.add
  for k, sl in enumerate(slices):
    combine(value, _masked(tp[sl], chosen == k, exact), out=value)
  return value


def _select_and_gather_add_abstract_eval(tangents, operand, *, select_prim, **params):
  if tangents.shape != operand.shape:
    raise TypeError("select_and_gather_add tangents and operand shapes must match, got "
                    f"{tangents.shape} and {operand.shape}.")
  return ShapedArray(_window_shape_rule(operand, **params), tangents.dtype,
                     tangents.weak_type and operand.weak_type)


select_and_gather_add_p = core.Primitive("select_and_gather_add")
select_and_gather_add_p.def_impl(_select_and_gather_add_impl)
select_and_gather_add_p.def_abstract_eval(_select_and_gather_add_abstract_eval)


def _select_and_gather_add_jvp(primals, tangents, **params):
  (source, operand), (g_source, _) = primals, tangents
  out = select_and_gather_add_p.bind(source, operand, **params)
  if type(g_source) is Zero:
    return out, Zero.from_primal_value(out)
  return out, select_and_gather_add_p.bind(g_source, operand, **params)


def _select_and_gather_add_transpose(ct, tangents, operand, *, select_prim, window_dimensions,
                                     window_strides, padding, base_dilation, window_dilation):
  if any(d != 1 for d in window_dilation):
    raise NotImplementedError("VJP not implemented for select_and_gather (MaxPool) with window "
                              f"dilation, got window_dilation={window_dilation}.")
  if type(ct) is Zero:
    return [None, None]
  from jaxlite._src.lax import lax
  dilated = any(d != 1 for d in base_dilation)
  if dilated:
    # The holes of the base dilation hold the identity, so they are never selected.
    ident = _select_identity(select_prim, core.get_aval(operand).dtype)
    operand = lax.pad(operand, ident, tuple((0, 0, d - 1) for d in base_dilation))
  out = select_and_scatter_add_p.bind(ct, operand, select_prim=select_prim,
                                      window_dimensions=window_dimensions,
                                      window_strides=window_strides, padding=padding)
  if dilated:
    out = lax.slice(out, (0,) * len(base_dilation), _shape(out), tuple(base_dilation))
  return [out, None]


def _two_operand_window_batch(prim):
  def rule(vals, dims, **params):
    size = next(_shape(v)[d] for v, d in zip(vals, dims) if d is not None)
    a, b = (batching.bdim_at_front(v, d, size) for v, d in zip(vals, dims))
    return prim.bind(a, b, **_insert_unit_window(params, 0)), 0
  batching.primitive_batchers[prim] = rule


ad.primitive_jvps[select_and_gather_add_p] = _select_and_gather_add_jvp
ad.primitive_transposes[select_and_gather_add_p] = _select_and_gather_add_transpose
_two_operand_window_batch(select_and_gather_add_p)


# ---------------------------------------------------------------------------
# select_and_scatter_add: each window's source value added at the position its max (ge) or
# min (le) is taken from -- the transpose of select_and_gather_add.

def _select_and_scatter_add_impl(source, operand, *, select_prim, window_dimensions,
                                 window_strides, padding):
  out = np.zeros(operand.shape, source.dtype)
  if source.size == 0:
    return out
  ones = (1,) * operand.ndim
  xp, slices = _window_taps(operand, _select_identity(select_prim, operand.dtype), source.shape,
                            window_dimensions, window_strides, padding, ones, ones,
                            slot="window_operand")
  best = xp[slices[0]].copy()
  chosen = np.zeros(source.shape, _index_dtype(len(slices)))
  _select_taps(_tap_copies(xp, slices[1:], source.shape), best, chosen, select_prim, 1)
  padded = xp is not operand
  scattered = scratch("window_scatter", xp.shape, source.dtype) if padded else out
  if padded:
    scattered.fill(0)
  exact = _multiplies_exactly(source)
  combine = np.logical_or if source.dtype == np.bool_ else np.add
  for k, sl in enumerate(slices):
    combine(scattered[sl], _masked(source, chosen == k, exact), out=scattered[sl])
  if padded:
    _, src, dst = pad_slices(operand.shape, range(operand.ndim), ones, padding)
    out[src] = scattered[dst]
  return out


select_and_scatter_add_p = core.Primitive("select_and_scatter_add")
select_and_scatter_add_p.def_impl(_select_and_scatter_add_impl)
select_and_scatter_add_p.def_abstract_eval(
    lambda source, operand, **params: ShapedArray(operand.shape, source.dtype,
                                                  source.weak_type and operand.weak_type))


def _select_and_scatter_add_jvp(primals, tangents, **params):
  (source, operand), (g_source, _) = primals, tangents
  out = select_and_scatter_add_p.bind(source, operand, **params)
  if type(g_source) is Zero:
    return out, Zero.from_primal_value(out)
  return out, select_and_scatter_add_p.bind(g_source, operand, **params)


def _select_and_scatter_add_transpose(ct, source, operand, *, select_prim, window_dimensions,
                                      window_strides, padding):
  if type(ct) is Zero:
    return [None, None]
  ones = (1,) * len(window_dimensions)
  return [select_and_gather_add_p.bind(
      ct, operand, select_prim=select_prim, window_dimensions=window_dimensions,
      window_strides=window_strides, padding=padding, base_dilation=ones,
      window_dilation=ones), None]


ad.primitive_jvps[select_and_scatter_add_p] = _select_and_scatter_add_jvp
ad.primitive_transposes[select_and_scatter_add_p] = _select_and_scatter_add_transpose
_two_operand_window_batch(select_and_scatter_add_p)


# ---------------------------------------------------------------------------
# Computations given as Python functions, traced once to a jaxpr over scalars

@functools.lru_cache(maxsize=256)
def _reduction_jaxpr(computation, avals, tree):
  """ClosedJaxpr of ``computation(a, b)`` for pytrees ``a``, ``b`` of scalars with ``avals``,
  flattened to (a leaves..., b leaves...) -> out leaves, and the output's tree."""
  n = len(avals)
  out_trees = []

  def flat_fun(*args):
    out = computation(tree_util.tree_unflatten(tree, args[:n]),
                      tree_util.tree_unflatten(tree, args[n:]))
    leaves, out_tree = tree_util.tree_flatten(out)
    out_trees.append(out_tree)
    return leaves

  closed = pe.trace_to_jaxpr(flat_fun, list(avals) * 2)
  return closed, out_trees[0]


def _eager_fold(jaxpr, consts, accs, steps):
  """``accs = computation(accs, step)`` for each step, eagerly on whole NumPy arrays (the
  scalar computation's operations apply elementwise)."""
  with core.set_current_trace(core.eval_trace):
    for step in steps:
      accs = eval_jaxpr(jaxpr, consts, *accs, *step)
  return [np.asarray(a) for a in accs]


# ---------------------------------------------------------------------------
# Generic reduce_window: any computation, several operands

def _reduce_window_impl(*args, jaxpr, consts, window_dimensions, window_strides, padding,
                        base_dilation, window_dilation):
  n = len(args) // 2
  xs, inits = args[:n], args[n:]
  out_shape = reduce_window_shape_tuple(xs[0].shape, window_dimensions, window_strides, padding,
                                        base_dilation, window_dilation)
  accs = [np.full(out_shape, init, x.dtype) for x, init in zip(xs, inits)]
  if 0 in out_shape:
    return accs
  taps = []
  for x, init in zip(xs, inits):
    xp, slices = _window_taps(x, init, out_shape, window_dimensions, window_strides, padding,
                              base_dilation, window_dilation)
    taps.append([xp[sl] for sl in slices])
  outs = _eager_fold(jaxpr, consts, accs, zip(*taps))
  return [o.astype(x.dtype, copy=False) for o, x in zip(outs, xs)]


def _reduce_window_abstract_eval(*avals, jaxpr, consts, **params):
  n = len(avals) // 2
  operands, inits = avals[:n], avals[n:]
  if any(o.dtype != i.dtype for o, i in zip(operands, inits)):
    raise TypeError("reduce_window got inconsistent dtypes for operands and init_values: got "
                    f"operand dtypes {[o.dtype for o in operands]} and init_value dtypes "
                    f"{[i.dtype for i in inits]}.")
  if any(i.shape != () for i in inits):
    raise TypeError("reduce_window expected init_values to be scalars but init_values have "
                    f"shapes {[i.shape for i in inits]}.")
  shape = _window_shape_rule(operands[0], **params)
  return [ShapedArray(shape, o.dtype) for o in operands]


reduce_window_p = core.Primitive("reduce_window", multiple_results=True)
reduce_window_p.def_impl(_reduce_window_impl)
reduce_window_p.def_abstract_eval(_reduce_window_abstract_eval)


def _reduce_window_jvp(primals, tangents, *, jaxpr, consts, **params):
  # The tangent rides along as extra operands, reduced with the JVP of the computation.
  # This serves forward mode only, as in JAX: the result mixes primals and tangents.
  n = len(primals) // 2
  xs, inits = primals[:n], primals[n:]
  if any(type(t) is not Zero for t in tangents[n:]):
    raise TypeError("reduce_window jvp does not support non-zero init_value_tangent.")
  ts = [ad.instantiate_zeros(t) for t in tangents[:n]]
  scalar_avals = [ShapedArray((), core.get_aval(x).dtype) for x in xs]
  tangent_avals = [a.to_tangent_aval() for a in scalar_avals]

  def pair_computation(*args):
    pl, tl, pr, tr = (list(args[i * n:(i + 1) * n]) for i in range(4))
    outs_p, outs_t = ad.jvp_flat(lambda *a: eval_jaxpr(jaxpr, consts, *a), pl + pr, tl + tr)
    return list(outs_p) + [ad.instantiate_zeros(t) for t in outs_t]

  closed = pe.trace_to_jaxpr(pair_computation, (scalar_avals + tangent_avals) * 2)
  zeros = [np.zeros((), a.dtype) for a in tangent_avals]
  outs = reduce_window_p.bind(*xs, *ts, *inits, *zeros, jaxpr=closed.jaxpr,
                              consts=tuple(closed.consts), **params)
  return outs[:n], outs[n:]


def _reduce_window_batch(vals, dims, *, jaxpr, consts, **params):
  n = len(vals) // 2
  if any(d is not None for d in dims[n:]):
    raise NotImplementedError("reduce_window batching is not implemented for initial values")
  size = next(_shape(v)[d] for v, d in zip(vals[:n], dims[:n]) if d is not None)
  xs = [batching.bdim_at_front(v, d, size) for v, d in zip(vals[:n], dims[:n])]
  outs = reduce_window_p.bind(*xs, *vals[n:], jaxpr=jaxpr, consts=consts,
                              **_insert_unit_window(params, 0))
  return outs, [0] * n


ad.primitive_jvps[reduce_window_p] = _reduce_window_jvp
batching.primitive_batchers[reduce_window_p] = _reduce_window_batch


def _known_scalar_init(inits):
  """``(value, dtype)`` of a single init value known while tracing, else None: only then
  can a reduction be one of the specialised primitives."""
  if len(inits) != 1:
    return None
  val = core.concrete_value(inits[0])
  if val is None or np.shape(val) != ():
    return None
  return val, core.get_aval(inits[0]).dtype


def _flat_operands_and_inits(operands, init_values):
  """The leaves of ``operands`` and ``init_values``, which must be pytrees of one structure."""
  flat_operands, operand_tree = tree_util.tree_flatten(operands)
  flat_inits, init_tree = tree_util.tree_flatten(init_values)
  if operand_tree != init_tree:
    raise ValueError("Operands must have the same tree structure as init_values: "
                     f"{operand_tree} vs. {init_tree}")
  if len(flat_operands) != len(flat_inits):
    raise ValueError("Must have same total number of operands as init_values:  "
                     f"{len(flat_operands)} vs. {len(flat_inits)}")
  return flat_operands, flat_inits, operand_tree


def _monoid_window_primitive(computation, inits):
  """The specialised primitive for add/max/min with their identity as init, as JAX picks."""
  known = _known_scalar_init(inits)
  if known is None:
    return None
  val, dtype = known
  if computation is ew.add:
    return reduce_window_sum_p if val == 0 else None
  if computation is ew.max:
    return reduce_window_max_p if val == _max_identity(dtype) else None
  if computation is ew.min:
    return reduce_window_min_p if val == _min_identity(dtype) else None
  return None


def reduce_window(operand, init_value, computation, window_dimensions, window_strides=None,
                  padding="VALID", base_dilation=None, window_dilation=None):
  """Reduce each (padded, dilated, strided) window of ``operand`` with ``computation``."""
  flat_operands, flat_inits, operand_tree = _flat_operands_and_inits(operand, init_value)
  if not flat_operands:
    raise ValueError("reduce_window must have at least one operand.")
  ones = (1,) * len(window_dimensions)
  window_strides = ones if window_strides is None else tuple(window_strides)
  if isinstance(padding, str):
    dilated = window_dimensions if window_dilation is None else [
        dilate_dim(w, d) for w, d in zip(window_dimensions, window_dilation)]
    padding = padtype_to_pads(_shape(flat_operands[0]), dilated, window_strides, padding)
  params = dict(window_dimensions=tuple(window_dimensions), window_strides=window_strides,
                padding=tuple((int(lo), int(hi)) for lo, hi in padding),
                base_dilation=ones if base_dilation is None else tuple(base_dilation),
                window_dilation=ones if window_dilation is None else tuple(window_dilation))
  prim = _monoid_window_primitive(computation, flat_inits)
  if prim is not None:
    return tree_util.tree_unflatten(operand_tree, [prim.bind(flat_operands[0], **params)])
  avals = tuple(core.get_aval(i) for i in flat_inits)
  closed, out_tree = _reduction_jaxpr(computation, avals, operand_tree)
  if operand_tree != out_tree:
    raise ValueError("reduce_window output must have the same tree structure as the operands "
                     f"{operand_tree} vs. {out_tree}")
  outs = reduce_window_p.bind(*flat_operands, *flat_inits, jaxpr=closed.jaxpr,
                              consts=tuple(closed.consts), **params)
  return tree_util.tree_unflatten(out_tree, outs)


# ---------------------------------------------------------------------------
# Generic reduce over axes

def _reduce_impl(*args, computation, jaxpr, dimensions):
  n = len(args) // 2
  xs, inits = args[:n], args[n:]
  kept = [i for i in range(xs[0].ndim) if i not in dimensions]
  rest = tuple(xs[0].shape[i] for i in kept)
  # The reduced axes, flattened, lead; the fold runs along them in order, like XLA on CPU.
  moved = [np.transpose(x, tuple(dimensions) + tuple(kept)).reshape((-1,) + rest) for x in xs]
  accs = [np.full(rest, init, x.dtype) for x, init in zip(xs, inits)]
  outs = _eager_fold(jaxpr.jaxpr, jaxpr.consts, accs,
                     ([m[i] for m in moved] for i in range(moved[0].shape[0])))
  return [o.astype(x.dtype, copy=False) for o, x in zip(outs, xs)]


def _reduce_abstract_eval(*avals, computation, jaxpr, dimensions):
  n = len(avals) // 2
  operands, inits = avals[:n], avals[n:]
  if any(i.shape != () for i in inits):
    raise ValueError(f"reduce found non-scalar initial value: {[i.shape for i in inits]}")
  if [o.dtype for o in operands] != [i.dtype for i in inits]:
    raise TypeError("reduce operand dtypes should match corresponding initial value dtypes, got "
                    f"operands={list(operands)} and initial_values={list(inits)}")
  for o in operands:
    if any(not 0 <= d < o.ndim for d in dimensions) or len(set(dimensions)) != len(dimensions):
      raise ValueError(f"reduction axes {tuple(dimensions)} contains out-of-bounds indices for "
                       f"{o.str_short(short_dtypes=False)}.")
  return [ShapedArray(tuple(s for k, s in enumerate(o.shape) if k not in dimensions), o.dtype,
                      o.weak_type and i.weak_type) for o, i in zip(operands, inits)]


reduce_p = core.Primitive("reduce", multiple_results=True)
reduce_p.def_impl(_reduce_impl)
reduce_p.def_abstract_eval(_reduce_abstract_eval)


def _reduce_tree(closed, xs, inits, dimensions):
  """Reduce with jaxlite operations (so it differentiates): pair the halves of the reduced
  elements until one is left; odd elements left over join at the end."""
  from jaxlite._src.lax import lax
  shape = _shape(xs[0])
  kept = tuple(i for i in range(len(shape)) if i not in dimensions)
  rest = tuple(shape[i] for i in kept)
  n = int(np.prod([shape[d] for d in dimensions], dtype=np.int64))
  if n == 0:
    return [lax.broadcast_in_dim(i, rest, ()) for i in inits]
  xs = [lax.reshape(x, (n,) + rest, dimensions=tuple(dimensions) + kept) for x in xs]
  leftovers = []
  while n > 1:
    half = n // 2
    if n % 2:
      leftovers.append([lax.slice_in_dim(x, n - 1, n) for x in xs])
    xs = eval_jaxpr(closed.jaxpr, closed.consts, *[lax.slice_in_dim(x, 0, half) for x in xs],
                *[lax.slice_in_dim(x, half, 2 * half) for x in xs])
    n = half
  for left in reversed(leftovers):
    xs = eval_jaxpr(closed.jaxpr, closed.consts, *xs, *left)
  return [lax.squeeze(x, (0,)) for x in xs]


def _reduce_jvp(primals, tangents, *, computation, jaxpr, dimensions):
  n = len(primals) // 2
  if any(type(t) is not Zero for t in tangents[n:]):
    raise NotImplementedError("Gradient of general lax.reduce with non-zero tangents for "
                              "initial values to reduction not implemented")
  inits = primals[n:]
  return ad.jvp_flat(lambda *xs: _reduce_tree(jaxpr, xs, inits, dimensions), primals[:n],
                     [ad.instantiate_zeros(t) for t in tangents[:n]])


def _reduce_batch(vals, dims, *, computation, jaxpr, dimensions):
  n = len(vals) // 2
  if any(d is not None for d in dims[n:]):
    raise NotImplementedError("lax.reduce batching is not implemented for initial values")
  size = next(_shape(v)[d] for v, d in zip(vals[:n], dims[:n]) if d is not None)
  xs = [batching.bdim_at_front(v, d, size) for v, d in zip(vals[:n], dims[:n])]
  outs = reduce_p.bind(*xs, *vals[n:], computation=computation, jaxpr=jaxpr,
                       dimensions=tuple(d + 1 for d in dimensions))
  return outs, [0] * n


ad.primitive_jvps[reduce_p] = _reduce_jvp
batching.primitive_batchers[reduce_p] = _reduce_batch


def _monoid_reducer(computation, inits):
  """The specialised reduction JAX binds for a known monoid with its identity as init."""
  from jaxlite._src.lax import bitwise, lax
  known = _known_scalar_init(inits)
  if known is None:
    return None
  val, dtype = known
  intlike = dtype == np.bool_ or dtypes.issubdtype(dtype, np.integer)
  candidates = [(ew.add, 0, "reduce_sum"), (ew.mul, 1, "reduce_prod"),
                (ew.max, _max_identity(dtype), "reduce_max"),
                (ew.min, _min_identity(dtype), "reduce_min")]
  if intlike:
    all_ones = np.array(-1).astype(dtype)
    candidates += [(bitwise.bitwise_or, 0, "reduce_or"),
                   (bitwise.bitwise_and, all_ones, "reduce_and"),
                   (bitwise.bitwise_xor, 0, "reduce_xor")]
  for op, identity, name in candidates:
    if computation is op:
      return getattr(lax, name) if np.equal(val, identity) else None
  return None


def reduce(operands, init_values, computation, dimensions, out_sharding=None):
  """Reduce ``operands`` over ``dimensions`` with ``computation`` starting from
  ``init_values`` (pytrees of matching structure)."""
  flat_operands, flat_inits, operand_tree = _flat_operands_and_inits(operands, init_values)
  dimensions = tuple(int(d) for d in dimensions)
  reducer = _monoid_reducer(computation, flat_inits)
  if reducer is not None:
    out = reducer(flat_operands[0], dimensions)
    # The specialised reductions keep the operand's weak type; lax.reduce wants both weak.
    weak = core.get_aval(flat_operands[0]).weak_type and core.get_aval(flat_inits[0]).weak_type
    aval = core.get_aval(out)
    if aval.weak_type != weak:
      out = ew.convert_element_type_p.bind(out, new_dtype=aval.dtype, weak_type=weak,
                                           sharding=None)
    return out
  avals = tuple(core.get_aval(i) for i in flat_inits)
  closed, out_tree = _reduction_jaxpr(computation, avals, operand_tree)
  outs = reduce_p.bind(*flat_operands, *flat_inits, computation=computation, jaxpr=closed,
                       dimensions=dimensions)
  return tree_util.tree_unflatten(out_tree, outs)
