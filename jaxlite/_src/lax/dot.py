"""dot_general: contraction over paired dimensions with batch dimensions, on BLAS."""
from __future__ import annotations

import math

import numpy as np

from jaxlite._src import blas_threads, core
from jaxlite._src import dtypes
from jaxlite._src.compiler.codegen_rules import defexpr
from jaxlite._src.core import ShapedArray
from jaxlite._src.interpreters import ad, batching
from jaxlite._src.interpreters.ad import Zero
from jaxlite._src.lax.precision import canonicalize_precision
from jaxlite._src.lax.utils import _num, check_dtype

dot_general_p = core.Primitive("dot_general")


def _parse_dims(dimension_numbers):
  (lc, rc), (lb, rb) = dimension_numbers
  return tuple(map(int, lc)), tuple(map(int, rc)), tuple(map(int, lb)), tuple(map(int, rb))


def _dot_general_impl(lhs, rhs, *, dimension_numbers, precision=None,
                      preferred_element_type=None, out_sharding=None):
  lc, rc, lb, rb = _parse_dims(dimension_numbers)
  free_rhs = [rhs.shape[i] for i in range(rhs.ndim) if i not in rc and i not in rb]
  if blas_threads.wants_one_thread(2 * lhs.size * math.prod(free_rhs)):
    with blas_threads.one_thread():
      return _dot_general_numpy(lhs, rhs, lc, rc, lb, rb, preferred_element_type)
  return _dot_general_numpy(lhs, rhs, lc, rc, lb, rb, preferred_element_type)


def _dot_general_numpy(lhs, rhs, lc, rc, lb, rb, preferred_element_type):
  out_dtype = np.dtype(preferred_element_type or lhs.dtype)
  l_free = [i for i in range(lhs.ndim) if i not in lc and i not in lb]
  r_free = [i for i in range(rhs.ndim) if i not in rc and i not in rb]
  compute = _compute_dtype(lhs.dtype, out_dtype)
  lhs = lhs.astype(compute, copy=False)
  rhs = rhs.astype(compute, copy=False)
  if len(lc) == 1 and len(l_free) <= 1 and len(r_free) <= 1:
    # Transposed views go to BLAS as they are (it takes strides): no copies.
    a = np.transpose(lhs, list(lb) + l_free + list(lc))
    b = np.transpose(rhs, list(rb) + list(rc) + r_free)
    if not l_free:
      a = a[..., None, :]
    if not r_free:
      b = b[..., None]
    out = np.matmul(a, b)
    if not r_free:
      out = out[..., 0]
    if not l_free:
      out = out[..., 0] if r_free == [] else out[..., 0, :]
  else:
    # General case: gather free and contracting dims into one each.
    b_shape = tuple(lhs.shape[i] for i in lb)
    out = np.matmul(_as_matrix(lhs, lb, l_free, lc), _as_matrix(rhs, rb, rc, r_free))
    out = out.reshape(b_shape + tuple(lhs.shape[i] for i in l_free) +
                      tuple(rhs.shape[i] for i in r_free))
  if out_dtype == np.bool_:
    return out != 0
  return out.astype(out_dtype, copy=False)


def _swapped_layout(ndim, batch, rows, cols) -> bool:
  """Whether an array whose axes are ``batch + cols + rows`` in memory order should become a
  matrix by reshaping to (cols, rows) and swapping the two: a view where the plain
  transpose-then-reshape to (rows, cols) would copy. BLAS takes the swapped (column-major)
  matrix as it is."""
  order = list(batch) + list(rows) + list(cols)
  return order != list(range(ndim)) and list(batch) + list(cols) + list(rows) == list(range(ndim))


def _as_matrix(x, batch, rows, cols):
  """``x`` as an array of shape batch + (prod rows, prod cols)."""
  b_shape = tuple(x.shape[i] for i in batch)
  r = int(np.prod([x.shape[i] for i in rows], dtype=np.int64))
  c = int(np.prod([x.shape[i] for i in cols], dtype=np.int64))
  if _swapped_layout(x.ndim, batch, rows, cols):
    return np.swapaxes(x.reshape(b_shape + (c, r)), -1, -2)
  return np.transpose(x, list(batch) + list(rows) + list(cols)).reshape(b_shape + (r, c))


def _compute_dtype(in_dtype, out_dtype):
  """NumPy has no BLAS for small ints or bools: accumulate those in a wide integer."""
  if dtypes.is_inexact(out_dtype) and not in_dtype == np.bool_:
    return np.promote_types(in_dtype, out_dtype) if in_dtype != out_dtype else out_dtype
  return np.dtype(np.int64) if out_dtype != np.bool_ else np.dtype(np.int32)


def _dot_general_abstract_eval(lhs, rhs, *, dimension_numbers, precision=None,
                               preferred_element_type=None, out_sharding=None):
  lc, rc, lb, rb = _parse_dims(dimension_numbers)
  for name, dims, aval in (("lhs contracting", lc, lhs), ("rhs contracting", rc, rhs),
                           ("lhs batch", lb, lhs), ("rhs batch", rb, rhs)):
    if any(not 0 <= d < aval.ndim for d in dims):
      raise TypeError(f"dot_general requires {name} dimensions in range [0, {aval.ndim}), got "
                      f"{dims} for shape {aval.shape}.")
  if len(lc) != len(rc) or len(lb) != len(rb):
    raise TypeError("dot_general requires equal numbers of lhs and rhs contracting and batch "
                    f"dimensions, got {dimension_numbers}.")
  if tuple(lhs.shape[i] for i in lb) != tuple(rhs.shape[i] for i in rb):
    raise TypeError(f"dot_general requires lhs batch dimensions and rhs batch dimensions to have "
                    f"the same shape, got {tuple(lhs.shape[i] for i in lb)} and "
                    f"{tuple(rhs.shape[i] for i in rb)}.")
  if tuple(lhs.shape[i] for i in lc) != tuple(rhs.shape[i] for i in rc):
    raise TypeError(f"dot_general requires contracting dimensions to have the same shape, got "
                    f"{tuple(lhs.shape[i] for i in lc)} and {tuple(rhs.shape[i] for i in rc)}.")
  check_dtype("dot_general", lhs.dtype, _num + (np.bool_,))
  if preferred_element_type is None and lhs.dtype != rhs.dtype:
    raise TypeError(f"lax.dot_general requires arguments to have the same dtypes, got "
                    f"{lhs.dtype.name}, {rhs.dtype.name}. (Tip: jnp.dot is a similar function "
                    "that does automatic type promotion on inputs).")
  l_free = [lhs.shape[i] for i in range(lhs.ndim) if i not in lc and i not in lb]
  r_free = [rhs.shape[i] for i in range(rhs.ndim) if i not in rc and i not in rb]
  shape = tuple(lhs.shape[i] for i in lb) + tuple(l_free) + tuple(r_free)
  dt = preferred_element_type or lhs.dtype
  return ShapedArray(shape, dt, lhs.weak_type and rhs.weak_type)


dot_general_p.def_impl(_dot_general_impl)
dot_general_p.def_abstract_eval(_dot_general_abstract_eval)


def matmul_reshaped(a, b, shape, out=None):
  """``np.matmul(a, b)`` seen as ``shape``: the impl's path for several free or contracting
  dimensions. With ``out`` (an array of ``shape``), the product is written into it."""
  if out is None:
    return np.matmul(a, b).reshape(shape)
  np.matmul(a, b, out=out.reshape(a.shape[:-1] + b.shape[-1:]))
  return out


def _dot_general_expr(args, in_avals, out_avals, *, dimension_numbers, precision=None,
                      preferred_element_type=None, out_sharding=None):
  """The impl's BLAS paths written out (floats in and out of one dtype): ``np.matmul`` of
  the same transposed views for one contracting and one free dimension per side, the same
  reshaped copies for several."""
  lc, rc, lb, rb = _parse_dims(dimension_numbers)
  lhs, rhs = in_avals
  if not (lhs.dtype == rhs.dtype == out_avals[0].dtype and dtypes.is_inexact(lhs.dtype)):
    return None
  l_free = tuple(i for i in range(lhs.ndim) if i not in lc and i not in lb)
  r_free = tuple(i for i in range(rhs.ndim) if i not in rc and i not in rb)

  def view(name, perm):
    if perm == tuple(range(len(perm))):
      return name
    return f"{name}.T" if perm == (1, 0) else f"np.transpose({name}, {perm!r})"
  a, b = view(args[0], lb + l_free + lc), view(args[1], rb + rc + r_free)
  if len(lc) == 1 and len(l_free) == 1 and len(r_free) == 1:
    return f"np.matmul({a}, {b})"
  if len(lc) == 1 and len(l_free) <= 1 and len(r_free) <= 1:
    return None  # matrix-vector products: the impl adds and drops unit axes
  batch = tuple(lhs.shape[i] for i in lb)
  size = lambda shape, dims: int(np.prod([shape[i] for i in dims], dtype=np.int64))

  def matrix(name, text, shape, bdims, rows, cols):  # _as_matrix written out
    r, c = size(shape, rows), size(shape, cols)
    if _swapped_layout(len(shape), bdims, rows, cols):
      return f"np.swapaxes(np.reshape({name}, {batch + (c, r)!r}), -1, -2)"
    perm = bdims + rows + cols
    return text if tuple(shape[i] for i in perm) == batch + (r, c) else \
        f"np.reshape({text}, {batch + (r, c)!r})"
  a = matrix(args[0], a, lhs.shape, lb, l_free, lc)
  b = matrix(args[1], b, rhs.shape, rb, rc, r_free)
  return f"matmul_reshaped({a}, {b}, {tuple(out_avals[0].shape)!r})"


defexpr(dot_general_p, _dot_general_expr, with_avals=True,
        namespace={"matmul_reshaped": matmul_reshaped})


def dot_general(lhs, rhs, dimension_numbers, precision=None, preferred_element_type=None,
                out_sharding=None):
  (lc, rc), (lb, rb) = dimension_numbers
  dn = ((tuple(int(d) for d in lc), tuple(int(d) for d in rc)),
        (tuple(int(d) for d in lb), tuple(int(d) for d in rb)))
  pet = None if preferred_element_type is None else dtypes.canonicalize_dtype(preferred_element_type)
  return dot_general_p.bind(lhs, rhs, dimension_numbers=dn,
                            precision=canonicalize_precision(precision),
                            preferred_element_type=pet, out_sharding=out_sharding)


def dot(lhs, rhs, precision=None, preferred_element_type=None):
  """Vector/matrix products of rank <= 2 operands (``lax.dot``)."""
  l_nd, r_nd = len(core.get_aval(lhs).shape), len(core.get_aval(rhs).shape)
  if not (1 <= l_nd <= 2 and 1 <= r_nd <= 2):
    raise TypeError(f"dot requires 1- or 2-D operands, got shapes "
                    f"{core.get_aval(lhs).shape} and {core.get_aval(rhs).shape}.")
  return dot_general(lhs, rhs, (((l_nd - 1,), (0,)), ((), ())), precision,
                     preferred_element_type)


def _ranges_like(*xs):
  start = 0
  for x in xs:
    yield tuple(range(start, start + len(x)))
    start += len(x)


def _remaining(original, *removed_lists):
  removed = set(d for lst in removed_lists for d in lst)
  return [i for i in original if i not in removed]


def _dot_transpose_lhs(ct, x_aval, y, *, dimension_numbers, precision, preferred_element_type,
                       swap_ans=False):
  from jaxlite._src.lax.shapes import transpose
  from jaxlite._src.lax.elementwise import convert_element_type
  (x_contract, y_contract), (x_batch, y_batch) = dimension_numbers
  x_ndim = len(x_aval.shape)
  y_ndim = len(core.get_aval(y).shape)
  x_kept = _remaining(range(x_ndim), x_contract, x_batch)
  y_kept = _remaining(range(y_ndim), y_contract, y_batch)
  if swap_ans:
    ans_batch, ans_y, _ = _ranges_like(x_batch, y_kept, x_kept)
  else:
    ans_batch, _, ans_y = _ranges_like(x_batch, x_kept, y_kept)
  dims = ((ans_y, y_kept), (ans_batch, y_batch))
  x_contract_sorted_by_y = list(np.take(x_contract, np.argsort(y_contract))) if x_contract else []
  out_axes = np.argsort(list(x_batch) + x_kept + x_contract_sorted_by_y)
  out = dot_general(ct, y, dims, precision=precision, preferred_element_type=ct.dtype)
  out = transpose(out, tuple(int(a) for a in out_axes))
  if out.dtype != x_aval.dtype:
    out = convert_element_type(out, x_aval.dtype)
  return out


def _dot_transpose_rhs(ct, x, y_aval, *, dimension_numbers, precision, preferred_element_type):
  (x_contract, y_contract), (x_batch, y_batch) = dimension_numbers
  swapped = ((y_contract, x_contract), (y_batch, x_batch))
  return _dot_transpose_lhs(ct, y_aval, x, dimension_numbers=swapped, precision=precision,
                            preferred_element_type=preferred_element_type, swap_ans=True)


def _dot_general_transpose(ct, x, y, *, dimension_numbers, precision=None,
                           preferred_element_type=None, out_sharding=None):
  if type(ct) is Zero:
    return [None, None]
  if ad.is_undefined_primal(x):
    return [_dot_transpose_lhs(ct, x.aval, y, dimension_numbers=dimension_numbers,
                               precision=precision,
                               preferred_element_type=preferred_element_type), None]
  return [None, _dot_transpose_rhs(ct, x, y.aval, dimension_numbers=dimension_numbers,
                                   precision=precision,
                                   preferred_element_type=preferred_element_type)]


def _dot_jvp_lhs(g, x, y, **params):
  return dot_general_p.bind(g, y, **params)


def _dot_jvp_rhs(g, x, y, **params):
  return dot_general_p.bind(x, g, **params)


ad.defjvp(dot_general_p, _dot_jvp_lhs, _dot_jvp_rhs)
ad.primitive_transposes[dot_general_p] = _dot_general_transpose


def _dot_general_batch(vals, dims, *, dimension_numbers, precision=None,
                       preferred_element_type=None, out_sharding=None):
  (lhs, rhs), (ld, rd) = vals, dims
  lc, rc, lb, rb = _parse_dims(dimension_numbers)

  def shift(ds, at):
    return tuple(d + (d >= at) for d in ds)

  params = dict(precision=precision, preferred_element_type=preferred_element_type,
                out_sharding=out_sharding)
  if ld is not None and rd is not None:
    # Both batched: the vmapped axis becomes a new leading batch dimension of dot_general.
    lhs = batching.moveaxis(lhs, ld, 0)
    rhs = batching.moveaxis(rhs, rd, 0)
    dn = ((shift(lc, 0), shift(rc, 0)), ((0,) + shift(lb, 0), (0,) + shift(rb, 0)))
    return dot_general_p.bind(lhs, rhs, dimension_numbers=dn, **params), 0
  if ld is not None:
    # Only lhs batched: the axis is a free lhs dimension; find where it lands in the output.
    dn = ((shift(lc, ld), rc), (shift(lb, ld), rb))
    out = dot_general_p.bind(lhs, rhs, dimension_numbers=dn, **params)
    lhs_free = [i for i in range(len(lhs.shape)) if i not in dn[0][0] and i not in dn[1][0]]
    return out, len(lb) + lhs_free.index(ld)
  dn = ((lc, shift(rc, rd)), (lb, shift(rb, rd)))
  out = dot_general_p.bind(lhs, rhs, dimension_numbers=dn, **params)
  l_free = len(lhs.shape) - len(lc) - len(lb)
  rhs_free = [i for i in range(len(rhs.shape)) if i not in dn[0][1] and i not in dn[1][1]]
  return out, len(lb) + l_free + rhs_free.index(rd)


batching.primitive_batchers[dot_general_p] = _dot_general_batch
