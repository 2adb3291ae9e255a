"""Shape primitives: broadcast_in_dim, reshape, transpose, squeeze (+ expand_dims, full)."""
from __future__ import annotations

import numpy as np

from jaxlite._src import core
from jaxlite._src import dtypes
from jaxlite._src.compiler.codegen_rules import defexpr
from jaxlite._src.core import ShapedArray
from jaxlite._src.interpreters import ad, batching
from jaxlite._src.interpreters.ad import Zero
from jaxlite._src.lax.utils import as_tuple_of_ints


def _shape_of(x):
  return x.shape if hasattr(x, "shape") else np.shape(x)


# ---------------------------------------------------------------------------
# broadcast_in_dim

broadcast_in_dim_p = core.Primitive("broadcast_in_dim")


def _broadcast_in_dim_impl(x, *, shape, broadcast_dimensions, sharding=None):
  expanded = [1] * len(shape)
  for i, d in enumerate(broadcast_dimensions):
    expanded[d] = x.shape[i]
  return np.broadcast_to(x.reshape(expanded), shape)


def _broadcast_in_dim_abstract_eval(x, *, shape, broadcast_dimensions, sharding=None):
  if len(broadcast_dimensions) != x.ndim:
    raise TypeError(f"broadcast_in_dim broadcast_dimensions must have length equal to operand "
                    f"ndim; got broadcast_dimensions {broadcast_dimensions} for operand ndim "
                    f"{x.ndim}.")
  if any(not 0 <= d < len(shape) for d in broadcast_dimensions):
    raise TypeError(f"broadcast_in_dim broadcast_dimensions must be in range [0, {len(shape)}), "
                    f"got {broadcast_dimensions}.")
  if list(broadcast_dimensions) != sorted(set(broadcast_dimensions)):
    raise TypeError("broadcast_in_dim broadcast_dimensions must be strictly increasing; got "
                    f"broadcast_dimensions {broadcast_dimensions}")
  for i, d in enumerate(broadcast_dimensions):
    if x.shape[i] not in (1, shape[d]):
      raise TypeError(
          f"broadcast_in_dim operand dimension sizes must either be 1, or be equal to their "
          f"corresponding dimensions in the target broadcast shape; got operand of shape "
          f"{x.shape}, target broadcast shape {tuple(shape)}, broadcast_dimensions "
          f"{broadcast_dimensions} ")
  return ShapedArray(shape, x.dtype, x.weak_type)


broadcast_in_dim_p.def_impl(_broadcast_in_dim_impl)
broadcast_in_dim_p.def_abstract_eval(_broadcast_in_dim_abstract_eval)
broadcast_in_dim_p.weak_type_rule = lambda flags, **_: flags[0]


def broadcast_in_dim(operand, shape, broadcast_dimensions, out_sharding=None):
  shape = as_tuple_of_ints("broadcast_in_dim", shape, "shape")
  broadcast_dimensions = tuple(int(d) for d in broadcast_dimensions)
  if tuple(_shape_of(operand)) == shape and broadcast_dimensions == tuple(range(len(shape))) \
      and not isinstance(operand, (int, float, complex, bool)):
    return operand
  return broadcast_in_dim_p.bind(operand, shape=shape, broadcast_dimensions=broadcast_dimensions,
                                 sharding=None)


def broadcast(operand, sizes):
  """Add leading dimensions ``sizes`` (``lax.broadcast``)."""
  sizes = tuple(sizes)
  nd = len(_shape_of(operand))
  return broadcast_in_dim(operand, sizes + tuple(_shape_of(operand)),
                          tuple(range(len(sizes), len(sizes) + nd)))


def _broadcast_in_dim_transpose(ct, operand, *, shape, broadcast_dimensions, sharding=None):
  if type(ct) is Zero:
    return [None]
  from jaxlite._src.lax.reductions import reduce_sum
  in_shape = operand.aval.shape
  unit = tuple(d for i, d in enumerate(broadcast_dimensions) if in_shape[i] == 1 and shape[d] != 1)
  new = tuple(d for d in range(len(shape)) if d not in broadcast_dimensions)
  summed = reduce_sum(ct, tuple(sorted(unit + new))) if unit or new else ct
  return [reshape(summed, in_shape) if unit else summed]


def _broadcast_in_dim_batch(vals, dims, *, shape, broadcast_dimensions, sharding=None):
  (x,), (d,) = vals, dims
  x = batching.moveaxis(x, d, 0)
  size = _shape_of(x)[0]
  new_shape = (size,) + tuple(shape)
  new_dims = (0,) + tuple(b + 1 for b in broadcast_dimensions)
  return broadcast_in_dim_p.bind(x, shape=new_shape, broadcast_dimensions=new_dims,
                                 sharding=None), 0


ad.deflinear2(broadcast_in_dim_p, _broadcast_in_dim_transpose)


def _broadcast_in_dim_expr(args, in_avals, out_avals, *, shape, broadcast_dimensions,
                           sharding=None):
  expanded = [1] * len(shape)
  for i, d in enumerate(broadcast_dimensions):
    expanded[d] = in_avals[0].shape[i]
  if tuple(expanded) == tuple(in_avals[0].shape):
    return f"np.broadcast_to({args[0]}, {tuple(shape)!r})"
  return f"np.broadcast_to(np.reshape({args[0]}, {tuple(expanded)!r}), {tuple(shape)!r})"


defexpr(broadcast_in_dim_p, _broadcast_in_dim_expr, with_avals=True)
batching.primitive_batchers[broadcast_in_dim_p] = _broadcast_in_dim_batch


def full(shape, fill_value, dtype=None):
  """An array of ``shape`` filled with ``fill_value`` (``lax.full``)."""
  shape = as_tuple_of_ints("full", shape, "shape") if not isinstance(shape, int) else (shape,)
  weak = dtype is None and dtypes.is_weakly_typed(fill_value)
  dt = dtypes.canonicalize_dtype(dtypes.dtype(fill_value) if dtype is None else dtypes.dtype(dtype))
  if isinstance(fill_value, core.Tracer):
    from jaxlite._src.lax.elementwise import convert_element_type
    value = convert_element_type(fill_value, dt) if fill_value.dtype != dt else fill_value
    if weak and value is fill_value:
      pass
    return broadcast_in_dim(value, shape, ())
  from jaxlite._src.array import ArrayImpl
  scalar = ArrayImpl(np.asarray(np.asarray(fill_value).astype(dt) if not hasattr(fill_value, "_value")
                                else np.asarray(fill_value._value).astype(dt)), weak)
  if np.ndim(scalar._value) != 0:
    raise TypeError(f"full must be called with a scalar fill_value, got shape "
                    f"{np.shape(scalar._value)}.")
  if not shape:
    return scalar
  return broadcast_in_dim_p.bind(scalar, shape=shape, broadcast_dimensions=(), sharding=None)


def full_like(x, fill_value, dtype=None, shape=None):
  aval = core.get_aval(x)
  return full(aval.shape if shape is None else shape, fill_value,
              aval.dtype if dtype is None else dtype)


def zeros_like_array(x):
  return full_like(x, 0)


# ---------------------------------------------------------------------------
# reshape

reshape_p = core.Primitive("reshape")


def _reshape_impl(x, *, new_sizes, dimensions=None, sharding=None):
  if dimensions is not None:
    x = np.transpose(x, dimensions)
  return np.reshape(x, new_sizes)


def _reshape_abstract_eval(x, *, new_sizes, dimensions=None, sharding=None):
  if int(np.prod(new_sizes, dtype=np.int64)) != x.size or any(d < 0 for d in new_sizes):
    raise TypeError(f"reshape total size must be unchanged, got new_sizes {tuple(new_sizes)} "
                    f"(of total size {int(np.prod(new_sizes))}) for shape {x.shape} (of total "
                    f"size {x.size}).")
  return ShapedArray(new_sizes, x.dtype, x.weak_type)


reshape_p.def_impl(_reshape_impl)
reshape_p.def_abstract_eval(_reshape_abstract_eval)
reshape_p.weak_type_rule = lambda flags, **_: flags[0]


def reshape(operand, new_sizes, dimensions=None, out_sharding=None):
  new_sizes = as_tuple_of_ints("reshape", new_sizes, "new_sizes")
  if dimensions is not None:
    dimensions = tuple(int(d) for d in dimensions)
    if dimensions == tuple(range(len(_shape_of(operand)))):
      dimensions = None
  if tuple(_shape_of(operand)) == new_sizes and dimensions is None and \
      not isinstance(operand, (int, float, complex, bool)):
    return operand
  return reshape_p.bind(operand, new_sizes=new_sizes, dimensions=dimensions, sharding=None)


def _reshape_transpose(ct, operand, *, new_sizes, dimensions=None, sharding=None):
  if type(ct) is Zero:
    return [None]
  shape = operand.aval.shape
  if dimensions is None:
    return [reshape(ct, shape)]
  permuted = tuple(shape[d] for d in dimensions)
  return [transpose(reshape(ct, permuted), tuple(np.argsort(dimensions)))]


def _reshape_batch(vals, dims, *, new_sizes, dimensions=None, sharding=None):
  (x,), (d,) = vals, dims
  x = batching.moveaxis(x, d, 0)
  if dimensions is not None:
    x = transpose(x, (0,) + tuple(i + 1 for i in dimensions))
  return reshape(x, (_shape_of(x)[0],) + tuple(new_sizes)), 0


ad.deflinear2(reshape_p, _reshape_transpose)
batching.primitive_batchers[reshape_p] = _reshape_batch
defexpr(reshape_p, lambda args, *, new_sizes, dimensions=None, sharding=None:
        f"np.reshape({args[0]}, {new_sizes!r})" if dimensions is None else None)


# ---------------------------------------------------------------------------
# transpose

transpose_p = core.Primitive("transpose")
transpose_p.def_impl(lambda x, *, permutation: np.transpose(x, permutation))


def _transpose_abstract_eval(x, *, permutation):
  if tuple(sorted(permutation)) != tuple(range(x.ndim)):
    raise TypeError(f"transpose permutation isn't a permutation of operand dimensions, got "
                    f"permutation {tuple(permutation)} for operand shape {x.shape}.")
  return ShapedArray(tuple(x.shape[p] for p in permutation), x.dtype, x.weak_type)


transpose_p.def_abstract_eval(_transpose_abstract_eval)
transpose_p.weak_type_rule = lambda flags, **_: flags[0]


def transpose(operand, permutation):
  permutation = tuple(int(p) for p in permutation)
  if permutation == tuple(range(len(_shape_of(operand)))) and \
      not isinstance(operand, (int, float, complex, bool)):
    return operand
  return transpose_p.bind(operand, permutation=permutation)


ad.deflinear2(transpose_p, lambda ct, x, *, permutation: [
    None if type(ct) is Zero else transpose(ct, tuple(np.argsort(permutation)))])
batching.primitive_batchers[transpose_p] = lambda vals, dims, *, permutation: (
    transpose(batching.moveaxis(vals[0], dims[0], 0), (0,) + tuple(p + 1 for p in permutation)), 0)
defexpr(transpose_p, lambda args, *, permutation: f"np.transpose({args[0]}, {permutation!r})")


# ---------------------------------------------------------------------------
# squeeze and expand_dims

squeeze_p = core.Primitive("squeeze")
squeeze_p.def_impl(lambda x, *, dimensions: np.squeeze(x, axis=dimensions))


def _squeeze_abstract_eval(x, *, dimensions):
  for d in dimensions:
    if not 0 <= d < x.ndim or x.shape[d] != 1:
      raise ValueError(f"cannot select an axis to squeeze out which has size not equal to one, "
                       f"got shape={x.shape} and dimensions={dimensions}")
  return ShapedArray(tuple(s for i, s in enumerate(x.shape) if i not in dimensions), x.dtype,
                     x.weak_type)


squeeze_p.def_abstract_eval(_squeeze_abstract_eval)
squeeze_p.weak_type_rule = lambda flags, **_: flags[0]


def squeeze(array, dimensions):
  nd = len(_shape_of(array))
  dims = tuple(sorted(int(d) % nd if nd else int(d) for d in dimensions))
  if not dims:
    return array
  return squeeze_p.bind(array, dimensions=dims)


ad.deflinear2(squeeze_p, lambda ct, x, *, dimensions: [
    None if type(ct) is Zero else reshape(ct, x.aval.shape)])


def _squeeze_batch(vals, dims, *, dimensions):
  x = batching.moveaxis(vals[0], dims[0], 0)
  return squeeze(x, tuple(d + 1 for d in dimensions)), 0


batching.primitive_batchers[squeeze_p] = _squeeze_batch
defexpr(squeeze_p, lambda args, *, dimensions: f"np.squeeze({args[0]}, axis={dimensions!r})")


def expand_dims(array, dimensions):
  """Insert size-1 dimensions at ``dimensions`` (a reshape-like broadcast, as in JAX)."""
  shape = list(_shape_of(array))
  nd_out = len(shape) + len(dimensions)
  dims = sorted(int(d) % nd_out for d in dimensions)
  for d in dims:
    shape.insert(d, 1)
  keep = tuple(i for i in range(nd_out) if i not in dims)
  return broadcast_in_dim(array, tuple(shape), keep)


# ---------------------------------------------------------------------------
# iota

iota_p = core.Primitive("iota")


def _iota_impl(*, dtype, shape, dimension, sharding=None):
  ar = np.arange(shape[dimension], dtype=dtype)
  expanded = [1] * len(shape)
  expanded[dimension] = shape[dimension]
  return np.broadcast_to(ar.reshape(expanded), shape)


iota_p.def_impl(_iota_impl)
iota_p.def_abstract_eval(lambda *, dtype, shape, dimension, sharding=None:
                         ShapedArray(shape, dtype, False))
iota_p.weak_type_rule = lambda flags, **_: False
ad.defjvp_zero(iota_p)


def iota(dtype, size):
  """``lax.iota``: 0, 1, ..., size-1."""
  dt = dtypes.canonicalize_dtype(dtypes.dtype(dtype))
  size = int(core.concrete_or_error(int, size, "The size argument of lax.iota"))
  return iota_p.bind(dtype=dt, shape=(size,), dimension=0, sharding=None)


def broadcasted_iota(dtype, shape, dimension):
  dt = dtypes.canonicalize_dtype(dtypes.dtype(dtype))
  shape = as_tuple_of_ints("broadcasted_iota", shape, "shape")
  return iota_p.bind(dtype=dt, shape=shape, dimension=int(dimension) % len(shape), sharding=None)
