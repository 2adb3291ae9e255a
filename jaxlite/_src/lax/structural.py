"""Primitives that rearrange elements: rev, pad, concatenate, split, sort, top_k, argmax and
argmin, and the cumulative reductions (cumsum, cumprod, cummax, cummin, cumlogsumexp).

Rules that take values by index (the JVPs of sort and top_k) use the slicing module's gather;
the JVPs of the non-linear cumulative reductions replay JAX's associative scan, so that ties
(cummax) and zeros (cumprod) get exactly the derivatives JAX gives."""
from __future__ import annotations

import operator

import numpy as np

from jaxlite._src import core
from jaxlite._src import dtypes
from jaxlite._src.compiler.codegen_rules import defexpr
from jaxlite._src.core import ShapedArray
from jaxlite._src.interpreters import ad, batching
from jaxlite._src.interpreters.ad import Zero, is_undefined_primal
from jaxlite._src.lax import elementwise as ew
from jaxlite._src.lax import shapes
from jaxlite._src.lax.reductions import quiet, reduce_sum
from jaxlite._src.lax.utils import _any, _float, _num, check_dtype, never_weak

__all__ = [
    "rev", "rev_p", "pad", "pad_p", "concatenate", "concatenate_p", "split", "split_p",
    "sort", "sort_key_val", "sort_p", "top_k", "top_k_p", "argmax", "argmax_p", "argmin",
    "argmin_p", "cumsum", "cumsum_p", "cumprod", "cumprod_p", "cummax", "cummax_p", "cummin",
    "cummin_p", "cumlogsumexp", "cumlogsumexp_p",
]


def _shape(x):
  return tuple(x.shape) if hasattr(x, "shape") else np.shape(x)


def _first_weak(flags, **_):
  return flags[0]


def _lax():
  # The full lax namespace, looked up when a rule runs (slicing.py imports after us).
  from jaxlite._src.lax import lax
  return lax


def _canonical_axis(axis, ndim):
  axis = operator.index(axis)
  if not -ndim <= axis < ndim:
    raise ValueError(f"axis {axis} is out of bounds for array of dimension {ndim}")
  return axis % ndim


def _ints(values):
  return tuple(operator.index(v) for v in values)


# ---------------------------------------------------------------------------
# rev

def _rev_abstract_eval(x, *, dimensions):
  if any(d < 0 for d in dimensions):
    raise TypeError(f"rev dimensions must have every element be nonnegative, got {dimensions}.")
  if len(set(dimensions)) != len(dimensions):
    raise TypeError(f"rev dimensions must be unique, got {dimensions}.")
  if dimensions and max(dimensions) >= x.ndim:
    raise TypeError(f"rev dimensions must all be less than operand ndim, got dimensions "
                    f"{dimensions} for operand ndim {x.ndim}.")
  return x


rev_p = core.Primitive("rev")
rev_p.def_impl(lambda x, *, dimensions: np.flip(x, dimensions))
rev_p.def_abstract_eval(_rev_abstract_eval)
rev_p.weak_type_rule = _first_weak


def rev(operand, dimensions):
  """Reverse ``operand`` along each of ``dimensions``."""
  return rev_p.bind(operand, dimensions=_ints(dimensions))


ad.deflinear2(rev_p, lambda ct, x, *, dimensions: [
    None if type(ct) is Zero else rev(ct, dimensions)])
batching.primitive_batchers[rev_p] = lambda vals, dims, *, dimensions: (
    rev(vals[0], tuple(d + (d >= dims[0]) for d in dimensions)), dims[0])
defexpr(rev_p, lambda args, *, dimensions: f"np.flip({args[0]}, {dimensions!r})")


# ---------------------------------------------------------------------------
# pad

def _padded_size(n, lo, hi, interior):
  return lo + hi + n + max(n - 1, 0) * interior


def _pad_impl(x, padding_value, *, padding_config):
  # Place the operand (dilated by the interior padding) into a buffer padded by the
  # non-negative parts of lo/hi, then crop away the negative parts.
  x = np.asarray(x)
  buf_shape, placed, crop = [], [], []
  for n, (lo, hi, interior) in zip(x.shape, padding_config):
    dilated = n + max(n - 1, 0) * interior
    size = max(lo, 0) + dilated + max(hi, 0)
    buf_shape.append(size)
    placed.append(slice(max(lo, 0), max(lo, 0) + dilated, interior + 1))
    crop.append(slice(max(-lo, 0), size - max(-hi, 0)))
  out = np.full(buf_shape, padding_value, dtype=x.dtype)
  out[tuple(placed)] = x
  return out[tuple(crop)]


def _pad_abstract_eval(x, padding_value, *, padding_config):
  if x.dtype != padding_value.dtype:
    raise TypeError(f"pad operand and padding_value must be same dtype: got "
                    f"{x.dtype.name} and {padding_value.dtype.name}.")
  if padding_value.shape:
    raise ValueError(f"padding_value must be a scalar; got np.shape(padding_value)="
                     f"{padding_value.shape}")
  if len(padding_config) != x.ndim:
    raise ValueError(f"length of padding_config must equal the number of axes of operand, got "
                     f"padding_config {padding_config} for operand shape {x.shape}")
  if any(i < 0 for _, _, i in padding_config):
    raise ValueError(f"interior padding in padding_config must be nonnegative, got "
                     f"padding_config {padding_config}")
  shape = tuple(_padded_size(n, *c) for n, c in zip(x.shape, padding_config))
  if any(d < 0 for d in shape):
    raise ValueError(f"Dimension size after padding is not at least 0, got result shape "
                     f"{shape}, for padding_config {padding_config} and operand shape {x.shape}")
  return ShapedArray(shape, x.dtype, x.weak_type and padding_value.weak_type)


pad_p = core.Primitive("pad")
pad_p.def_impl(_pad_impl)
pad_p.def_abstract_eval(_pad_abstract_eval)


def pad(operand, padding_value, padding_config):
  """Pad with ``padding_value``: ``padding_config`` holds a (low, high, interior) triple per
  dimension; negative low/high padding removes elements."""
  config = tuple(_ints(c) for c in padding_config)
  if any(len(c) != 3 for c in config):
    raise ValueError(f"padding_config must be a sequence of (low, high, interior) triples, got "
                     f"{padding_config}")
  return pad_p.bind(operand, padding_value, padding_config=config)


def _pad_transpose(ct, operand, padding_value, *, padding_config):
  if type(ct) is Zero:
    return [None, None]
  t_operand = None
  if is_undefined_primal(operand):
    # Undo low/high (cropping what was added, zero-filling what was cropped), then keep every
    # (interior + 1)-th element.
    undo = tuple((-lo, -hi, 0) for lo, hi, _ in padding_config)
    t_operand = pad(ct, np.zeros((), ct.dtype), undo)
    if any(i for _, _, i in padding_config):
      t_operand = _lax().slice(t_operand, (0,) * len(undo), _shape(t_operand),
                               tuple(i + 1 for _, _, i in padding_config))
  t_value = None
  if is_undefined_primal(padding_value):
    everything = tuple(range(len(padding_config)))
    total = reduce_sum(ct, everything)
    t_value = total if t_operand is None else ew.sub(total, reduce_sum(t_operand, everything))
  return [t_operand, t_value]


def _pad_batch(vals, dims, *, padding_config):
  (x, value), (xd, vd) = vals, dims
  if vd is None:
    config = list(padding_config)
    config.insert(xd, (0, 0, 0))
    return pad(x, value, tuple(config)), xd
  # A batched padding value: pad with zeros, then select the value where nothing was placed.
  size = _shape(value)[vd]
  x = batching.bdim_at_front(x, xd, size)
  config = ((0, 0, 0),) + tuple(padding_config)
  padded = pad(x, np.zeros((), x.dtype), config)
  out_shape = _shape(padded)
  placed = pad(shapes.full(_shape(x), True, np.bool_), np.array(False), config)
  fill = shapes.broadcast_in_dim(value, out_shape, (0,))
  return ew.select(placed, padded, fill), 0


ad.deflinear2(pad_p, _pad_transpose)
batching.primitive_batchers[pad_p] = _pad_batch


# ---------------------------------------------------------------------------
# concatenate and split

def _concatenate_abstract_eval(*operands, dimension):
  if not operands:
    raise ValueError("concatenate requires a non-empty sequences of arrays")
  if len({o.dtype for o in operands}) > 1:
    raise TypeError("lax.concatenate requires arguments to have the same dtypes, got "
                    f"{', '.join(o.dtype.name for o in operands)}. (Tip: jnp.concatenate is a "
                    "similar function that does automatic type promotion on inputs).")
  shapes_ = ", ".join(str(o.shape) for o in operands)
  if len({o.ndim for o in operands}) > 1:
    raise TypeError(f"Cannot concatenate arrays with different numbers of dimensions: got "
                    f"{shapes_}.")
  if not 0 <= dimension < operands[0].ndim:
    raise TypeError(f"concatenate dimension out of bounds: dimension {dimension} for shapes "
                    f"{shapes_}.")
  others = {o.shape[:dimension] + o.shape[dimension + 1:] for o in operands}
  if len(others) > 1:
    raise TypeError("Cannot concatenate arrays with shapes that differ in dimensions other "
                    f"than the one being concatenated: concatenating along dimension "
                    f"{dimension} for shapes {shapes_}.")
  shape = list(operands[0].shape)
  shape[dimension] = sum(o.shape[dimension] for o in operands)
  return ShapedArray(shape, operands[0].dtype, all(o.weak_type for o in operands))


concatenate_p = core.Primitive("concatenate")
concatenate_p.def_impl(lambda *xs, dimension: np.concatenate(xs, axis=dimension))
concatenate_p.def_abstract_eval(_concatenate_abstract_eval)


def concatenate(operands, dimension):
  """Join ``operands`` (same dtype and rank) along ``dimension``."""
  operands = list(operands)
  if len(operands) == 1:
    return operands[0]
  return concatenate_p.bind(*operands, dimension=operator.index(dimension))


def _concatenate_transpose(ct, *operands, dimension):
  if type(ct) is Zero:
    return [None] * len(operands)
  sizes = tuple(o.aval.shape[dimension] if is_undefined_primal(o) else _shape(o)[dimension]
                for o in operands)
  pieces = split(ct, sizes, dimension)
  return [p if is_undefined_primal(o) else None for p, o in zip(pieces, operands)]


def _concatenate_batch(vals, dims, *, dimension):
  size = next(_shape(v)[d] for v, d in zip(vals, dims) if d is not None)
  vals = [batching.bdim_at_front(v, d, size) for v, d in zip(vals, dims)]
  return concatenate(vals, dimension + 1), 0


ad.deflinear2(concatenate_p, _concatenate_transpose)
batching.primitive_batchers[concatenate_p] = _concatenate_batch
defexpr(concatenate_p, lambda args, *, dimension:
        f"np.concatenate(({', '.join(args)},), axis={dimension})")


def _split_abstract_eval(x, *, sizes, axis):
  if any(s < 0 for s in sizes):
    raise ValueError(f"Sizes passed to split must be nonnegative, got {list(sizes)}")
  if not 0 <= axis < x.ndim:
    raise ValueError(f"axis {axis} is out of bounds for array of dimension {x.ndim}")
  if sum(sizes) != x.shape[axis]:
    raise ValueError(f"Sum of sizes {sum(sizes)} must be equal to dimension {axis} of the "
                     f"operand shape {list(x.shape)}")
  return [x.update(shape=x.shape[:axis] + (s,) + x.shape[axis + 1:]) for s in sizes]


split_p = core.Primitive("split", multiple_results=True)
split_p.def_impl(lambda x, *, sizes, axis: np.split(x, np.cumsum(sizes[:-1]), axis=axis))
split_p.def_abstract_eval(_split_abstract_eval)
split_p.weak_type_rule = _first_weak


def split(operand, sizes, axis=0):
  """Cut ``operand`` along ``axis`` into consecutive pieces of the given ``sizes``."""
  axis = _canonical_axis(axis, len(_shape(operand)))
  return split_p.bind(operand, sizes=_ints(sizes), axis=axis)


def _split_transpose(cts, x, *, sizes, axis):
  if all(type(ct) is Zero for ct in cts):
    return [None]
  return [concatenate([ad.instantiate_zeros(ct) for ct in cts], axis)]


ad.deflinear2(split_p, _split_transpose)
batching.primitive_batchers[split_p] = lambda vals, dims, *, sizes, axis: (
    split(vals[0], sizes, axis + (axis >= dims[0])), [dims[0]] * len(sizes))


# ---------------------------------------------------------------------------
# Taking values along an axis by index (for JVPs)

def _take_along_axis(x, indices, axis):
  """``out[..., i, ...] = x[..., indices[..., i, ...], ...]`` along ``axis`` (one gather)."""
  lax = _lax()
  nd = len(_shape(x))
  others = tuple(d for d in range(nd) if d != axis)
  idx = shapes.expand_dims(indices, (nd,))
  dnums = lax.GatherDimensionNumbers(
      offset_dims=(), collapsed_slice_dims=(axis,), start_index_map=(axis,),
      operand_batching_dims=others, start_indices_batching_dims=others)
  return lax.gather(x, idx, dnums, (1,) * nd, mode=lax.GatherScatterMode.PROMISE_IN_BOUNDS)


# ---------------------------------------------------------------------------
# sort

def _sort_keys(key):
  """NumPy sort keys (most significant last, as np.lexsort wants) giving lax.sort's order.

  NumPy already sorts NaNs last and -0.0 equal to 0.0 as JAX does; complex numbers compare
  by real part, then imaginary part. ml_dtypes' floats (bfloat16...) do not order NaNs, so
  they are compared as float32, which holds them exactly."""
  if dtypes.is_complex(key.dtype):
    return [np.imag(key), np.real(key)]
  if key.dtype.kind not in "biuf":
    return [key.astype(np.float32)]
  return [key]


def _sort_impl(*operands, dimension, is_stable, num_keys):
  first = np.asarray(operands[0])
  if len(operands) == 1 and first.dtype.kind in "biuf":
    return [np.sort(first, axis=dimension, kind="stable")]
  keys = []
  for k in reversed(operands[:num_keys]):
    keys.extend(_sort_keys(np.asarray(k)))
  if len(keys) == 1:
    perm = np.argsort(keys[0], axis=dimension, kind="stable")
  else:
    perm = np.lexsort(keys, axis=dimension)
  return [np.take_along_axis(np.asarray(o), perm, axis=dimension) for o in operands]


def _sort_abstract_eval(*operands, dimension, is_stable, num_keys):
  if not operands:
    raise TypeError("Sort requires at least one operand")
  if len({o.shape for o in operands}) > 1:
    raise TypeError(f"Arguments to sort must have equal shapes, got: "
                    f"{' '.join(str(o.shape) for o in operands)}")
  if not 1 <= num_keys <= len(operands):
    raise ValueError(f"num_keys={num_keys} must be between 1 and len(operand)={len(operands)}")
  if not 0 <= dimension < operands[0].ndim:
    raise ValueError(f"axis {dimension} is out of bounds for array of dimension "
                     f"{operands[0].ndim}")
  return list(operands)


sort_p = core.Primitive("sort", multiple_results=True)
sort_p.def_impl(_sort_impl)
sort_p.def_abstract_eval(_sort_abstract_eval)


def sort(operand, dimension=-1, is_stable=True, num_keys=1):
  """Sort along ``dimension`` (NaNs last). A sequence of operands is sorted together by the
  lexicographic order of its first ``num_keys`` members, and a tuple is returned."""
  if isinstance(operand, (list, tuple)):
    if not operand:
      raise TypeError("Sort requires at least one operand")
    if not 1 <= num_keys <= len(operand):
      raise ValueError(f"num_keys={num_keys} must be between 1 and len(operand)={len(operand)}")
    dimension = _canonical_axis(dimension, len(_shape(operand[0])))
    return tuple(sort_p.bind(*operand, dimension=dimension, is_stable=bool(is_stable),
                             num_keys=operator.index(num_keys)))
  if num_keys != 1:
    raise ValueError(f"num_keys={num_keys} must equal 1 for a single operand.")
  dimension = _canonical_axis(dimension, len(_shape(operand)))
  return sort_p.bind(operand, dimension=dimension, is_stable=bool(is_stable), num_keys=1)[0]


def sort_key_val(keys, values, dimension=-1, is_stable=True):
  """Sort ``keys`` along ``dimension`` and permute ``values`` the same way."""
  k, v = sort((keys, values), dimension=dimension, is_stable=is_stable, num_keys=1)
  return k, v


def _sort_jvp(primals, tangents, *, dimension, is_stable, num_keys):
  shape = _shape(primals[0])
  iota = shapes.broadcasted_iota(np.int32, shape, dimension)
  *outs, perm = sort_p.bind(*primals, iota, dimension=dimension, is_stable=is_stable,
                            num_keys=num_keys)
  tangents_out = [t if type(t) is Zero else _take_along_axis(t, perm, dimension)
                  for t in tangents]
  return outs, [Zero.from_primal_value(o) if type(t) is Zero else t
                for o, t in zip(outs, tangents_out)]


def _sort_batch(vals, dims, *, dimension, is_stable, num_keys):
  size = next(_shape(v)[d] for v, d in zip(vals, dims) if d is not None)
  vals = [batching.bdim_at_front(v, d, size) for v, d in zip(vals, dims)]
  outs = sort_p.bind(*vals, dimension=dimension + 1, is_stable=is_stable, num_keys=num_keys)
  return outs, [0] * len(outs)


ad.primitive_jvps[sort_p] = _sort_jvp
batching.primitive_batchers[sort_p] = _sort_batch


# ---------------------------------------------------------------------------
# top_k

def _descending_key(x):
  """An array whose stable ascending argsort is top_k's order: descending in the total
  order -NaN < -inf < ... < -0.0 < 0.0 < ... < inf < NaN, ties by lower index."""
  if x.dtype == np.bool_:
    return ~x
  if dtypes.is_integer(x.dtype):
    return ~x  # reverses the order of every integer, INT_MIN included
  bits = x.view(np.dtype(f"i{x.dtype.itemsize}"))
  # Flip the magnitude bits of negative floats: the integers then order like the floats.
  magnitude = np.array(np.iinfo(bits.dtype).max, bits.dtype)
  return ~(bits ^ ((bits >> (8 * x.dtype.itemsize - 1)) & magnitude))


def _top_k_impl(x, *, k, axis):
  x = np.asarray(x)
  perm = np.argsort(_descending_key(x), axis=axis, kind="stable")
  idx = np.take(perm, np.arange(k), axis=axis)
  return [np.take_along_axis(x, idx, axis=axis), idx.astype(np.int32)]


def _top_k_abstract_eval(x, *, k, axis):
  if k < 0:
    raise ValueError(f"k argument to top_k must be nonnegative, got {k}")
  if not 0 <= axis < x.ndim:
    raise ValueError(f"axis {axis} is out of bounds for array of dimension {x.ndim}")
  if x.shape[axis] < k:
    raise ValueError(f"k argument to top_k must be no larger than size along axis; got k={k} "
                     f"with shape={list(x.shape)} and axis={axis}")
  check_dtype("top_k", x.dtype, _any)
  shape = x.shape[:axis] + (k,) + x.shape[axis + 1:]
  # JAX marks the indices weak too when the operand is weak.
  return [ShapedArray(shape, x.dtype, x.weak_type),
          ShapedArray(shape, np.int32, x.weak_type)]


top_k_p = core.Primitive("top_k", multiple_results=True)
top_k_p.def_impl(_top_k_impl)
top_k_p.def_abstract_eval(_top_k_abstract_eval)
top_k_p.weak_type_rule = _first_weak


def top_k(operand, k, *, axis=-1):
  """The ``k`` largest entries along ``axis`` (descending, NaN largest) and their int32
  indices (the lower index first among equal values)."""
  if k < 0:
    raise ValueError(f"k argument to top_k must be nonnegative, got {k}")
  axis = _canonical_axis(axis, len(_shape(operand)))
  return top_k_p.bind(operand, k=int(k), axis=axis)


def _top_k_jvp(primals, tangents, *, k, axis):
  (x,), (t,) = primals, tangents
  values, indices = top_k_p.bind(x, k=k, axis=axis)
  t_idx = Zero(core.get_aval(indices).to_tangent_aval())
  if type(t) is Zero:
    return [values, indices], [Zero.from_primal_value(values), t_idx]
  return [values, indices], [_take_along_axis(t, indices, axis), t_idx]


ad.primitive_jvps[top_k_p] = _top_k_jvp
batching.primitive_batchers[top_k_p] = lambda vals, dims, *, k, axis: (
    top_k_p.bind(vals[0], k=k, axis=axis + (axis >= dims[0])), [dims[0], dims[0]])


# ---------------------------------------------------------------------------
# argmax and argmin

def _arg_reduction(name, np_fn):
  prim = core.Primitive(name)

  def impl(x, *, axes, index_dtype):
    return np_fn(x, axis=axes[0]).astype(index_dtype, copy=False)

  def abstract_eval(x, *, axes, index_dtype):
    check_dtype(name, x.dtype, (np.bool_, np.integer, np.floating))
    if not dtypes.is_integer(index_dtype):
      raise TypeError(f"index_dtype must be an integer type, but got {index_dtype.name}")
    axis, = axes
    if not 0 <= axis < x.ndim:
      raise ValueError(f"Invalid axis {axis} for operand shape {x.shape}")
    if x.shape[axis] == 0:
      raise ValueError(f"argmin and argmax require non-empty reduced dimension. "
                       f"operand.shape={x.shape} axis={axis}")
    return ShapedArray(x.shape[:axis] + x.shape[axis + 1:], index_dtype, False)

  prim.def_impl(impl)
  prim.def_abstract_eval(abstract_eval)
  prim.weak_type_rule = never_weak
  ad.defjvp_zero(prim)
  batching.primitive_batchers[prim] = lambda vals, dims, *, axes, index_dtype: (
      prim.bind(vals[0], axes=(axes[0] + (axes[0] >= dims[0]),), index_dtype=index_dtype),
      dims[0] - (axes[0] < dims[0]))
  defexpr(prim, lambda args, *, axes, index_dtype:
          f"np.{np_fn.__name__}({args[0]}, axis={axes[0]}).astype(np.{index_dtype.name})")

  def fn(operand, axis, index_dtype):
    dt = dtypes.canonicalize_dtype(dtypes.dtype(index_dtype))
    return prim.bind(operand, axes=(operator.index(axis),), index_dtype=dt)
  fn.__name__ = name
  fn.__doc__ = f"Index of the first {name[3:]}imum along ``axis`` (NaN counts as the extreme)."
  return prim, fn


argmax_p, argmax = _arg_reduction("argmax", np.argmax)
argmin_p, argmin = _arg_reduction("argmin", np.argmin)


# ---------------------------------------------------------------------------
# Cumulative reductions

def _signed_zero_fix(out, x, axis, positive):
  """np.maximum/np.minimum pick either zero on a -0.0/0.0 tie; XLA's max prefers 0.0 and its
  min -0.0. Fix the zeros of a running max (positive=True) or min (positive=False)."""
  zeros = out == 0
  if not zeros.any():
    return out
  wanted = (x == 0) & (np.signbit(x) != positive)
  seen = np.logical_or.accumulate(wanted, axis=axis)
  fixed = np.where(seen == positive, np.zeros((), out.dtype), -np.zeros((), out.dtype))
  return np.where(zeros, fixed, out)


def _accumulate(np_fn, fix_zeros=None):
  def run(x, axis):
    out = np_fn(x, axis)
    if fix_zeros is not None and dtypes.is_floating(x.dtype):
      out = _signed_zero_fix(out, x, axis, fix_zeros)
    return out

  def impl(x, *, axis, reverse):
    x = np.asarray(x)
    if reverse:
      return np.flip(run(np.flip(x, axis), axis), axis)
    return run(x, axis)
  return impl


def _cumulative(name, np_fn, accepted, fix_zeros=None, expr=None):
  prim = core.Primitive(name)
  prim.def_impl(quiet(_accumulate(np_fn, fix_zeros)))

  def abstract_eval(x, *, axis, reverse):
    check_dtype(name, x.dtype, accepted)
    if axis < 0:
      raise ValueError("XLA operations do not allow negative axes")
    if axis >= x.ndim:
      raise ValueError(f"axis {axis} is out of bounds for array of shape {x.shape}")
    return x

  prim.def_abstract_eval(abstract_eval)
  prim.weak_type_rule = _first_weak
  batching.primitive_batchers[prim] = lambda vals, dims, *, axis, reverse: (
      prim.bind(vals[0], axis=axis + (axis >= dims[0]), reverse=reverse), dims[0])
  if expr is not None:
    def emit(args, *, axis, reverse):
      if not reverse:
        return expr.format(x=args[0], axis=axis)
      flipped = f"np.flip({args[0]}, {axis})"
      return f"np.flip({expr.format(x=flipped, axis=axis)}, {axis})"
    defexpr(prim, emit)

  def fn(operand, axis=0, reverse=False):
    return prim.bind(operand, axis=operator.index(axis), reverse=bool(reverse))
  fn.__name__ = name
  fn.__doc__ = f"Cumulative {name[3:]} along ``axis`` (from the end when ``reverse``)."
  return prim, fn


cumsum_p, cumsum = _cumulative(
    "cumsum", lambda x, axis: np.cumsum(x, axis=axis, dtype=x.dtype), _num,
    expr="np.cumsum({x}, axis={axis}, dtype={x}.dtype)")
cumprod_p, cumprod = _cumulative(
    "cumprod", lambda x, axis: np.cumprod(x, axis=axis, dtype=x.dtype), _num,
    expr="np.cumprod({x}, axis={axis}, dtype={x}.dtype)")
cummax_p, cummax = _cumulative("cummax", np.maximum.accumulate, _num, fix_zeros=True)
cummin_p, cummin = _cumulative("cummin", np.minimum.accumulate, _num, fix_zeros=False)
cumlogsumexp_p, cumlogsumexp = _cumulative(
    "cumlogsumexp", np.logaddexp.accumulate, _float,
    expr="np.logaddexp.accumulate({x}, axis={axis})")

ad.deflinear2(cumsum_p, lambda ct, x, *, axis, reverse: [
    None if type(ct) is Zero else cumsum(ct, axis, not reverse)])


def _interleave(a, b, axis):
  """Alternate the entries of ``a`` and ``b`` along ``axis`` (a first; len(a) - len(b) is 0
  or 1) by padding each with zeros where the other's entries go and adding."""
  n_a, n_b = _shape(a)[axis], _shape(b)[axis]
  nd = len(_shape(a))
  a_cfg = [(0, 0, 0)] * nd
  b_cfg = [(0, 0, 0)] * nd
  a_cfg[axis] = (0, int(n_a == n_b), 1)
  b_cfg[axis] = (1, int(n_a != n_b), 1)
  zero = np.zeros((), core.get_aval(a).dtype)
  return ew.add(pad(a, zero, tuple(a_cfg)), pad(b, zero, tuple(b_cfg)))


def _associative_scan(combine, elems, axis):
  """Inclusive scan of the arrays ``elems`` (combined together) along ``axis``, with JAX's
  recursion: combine adjacent pairs, scan those (the odd positions), then fill in the even
  positions. Its evaluation order is JAX's, and with it the derivative at ties."""
  lax = _lax()
  n = _shape(elems[0])[axis]
  if n < 2:
    return elems

  def take(e, start, stop, stride=1):
    return lax.slice_in_dim(e, start, stop, stride, axis)

  odd = _associative_scan(
      combine, combine([take(e, 0, n - 1, 2) for e in elems], [take(e, 1, n, 2) for e in elems]),
      axis)
  m = _shape(odd[0])[axis]
  rest = [take(e, 2, n, 2) for e in elems]
  even = combine([take(o, 0, m - 1) for o in odd] if n % 2 == 0 else odd, rest)
  even = [concatenate([take(e, 0, 1), r], axis) for e, r in zip(elems, even)]
  return [_interleave(e, o, axis) for e, o in zip(even, odd)]


def _balanced_eq(x, z, y):
  """1 where x attains z, halved where y attains it too (JAX's max/min tie split)."""
  dt = core.get_aval(z).dtype
  x_at = ew.convert_element_type(ew.eq(x, z), dt)
  y_at = ew.convert_element_type(ew.eq(y, z), dt)
  return ew.div(x_at, ew.add(np.ones((), dt), y_at))


def _chooser_combine(choose):
  def combine(xs, ys):
    (a, ta), (b, tb) = xs, ys
    c = choose(a, b)
    return [c, ew.add(ew.mul(ta, _balanced_eq(a, c, b)), ew.mul(tb, _balanced_eq(b, c, a)))]
  return combine


def _mul_combine(xs, ys):
  (a, ta), (b, tb) = xs, ys
  return [ew.mul(a, b), ew.add(ew.mul(ta, b), ew.mul(a, tb))]


def _logaddexp_combine(xs, ys):
  lax = _lax()
  (a, ta), (b, tb) = xs, ys
  delta = ew.sub(a, b)
  c = ew.select(ew.ne(delta, delta), ew.add(a, b),
                ew.add(ew.max(a, b), lax.log1p(ew.exp(ew.neg(lax.abs(delta))))))
  dt = core.get_aval(c).dtype

  def finite(v):  # +inf would give inf - inf = nan below; JAX uses 0 in its place
    return ew.select(ew.eq(v, np.array(np.inf, dt)), shapes.full(_shape(v), 0, dt), v)
  tc = ew.add(ew.mul(ta, ew.exp(ew.sub(finite(a), finite(c)))),
              ew.mul(tb, ew.exp(ew.sub(finite(b), finite(c)))))
  return [c, tc]


def _cumulative_jvp(prim, combine):
  def jvp(primals, tangents, *, axis, reverse):
    (x,), (t,) = primals, tangents
    if type(t) is Zero:
      out = prim.bind(x, axis=axis, reverse=reverse)
      return out, Zero.from_primal_value(out)
    if reverse:
      x, t = rev(x, (axis,)), rev(t, (axis,))
    out, t_out = _associative_scan(combine, [x, t], axis)
    if reverse:
      out, t_out = rev(out, (axis,)), rev(t_out, (axis,))
    return out, t_out
  ad.primitive_jvps[prim] = jvp


_cumulative_jvp(cumprod_p, _mul_combine)
_cumulative_jvp(cummax_p, _chooser_combine(ew.max))
_cumulative_jvp(cummin_p, _chooser_combine(ew.min))
_cumulative_jvp(cumlogsumexp_p, _logaddexp_combine)
