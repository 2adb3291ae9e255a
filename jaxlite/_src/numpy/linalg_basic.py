"""Products and contractions: inner, outer, tensordot, einsum (opt_einsum paths), kron,
cross, trace, matvec/vecmat/vecdot."""
from __future__ import annotations


import numpy as np
import opt_einsum

from jaxlite._src import dtypes
from jaxlite._src.lax import lax
from jaxlite._src.numpy import util
from jaxlite._src.numpy.creation import asarray
from jaxlite._src.numpy.creation_extra import diagonal
from jaxlite._src.numpy.shape_ops import reshape

__all__ = ["inner", "outer", "tensordot", "einsum", "einsum_path", "kron", "cross", "trace",
           "matvec", "vecmat", "vecdot"]


def _pet(a, preferred_element_type):
  return dtypes.canonicalize_dtype(preferred_element_type) if preferred_element_type else a.dtype


def inner(a, b, *, precision=None, preferred_element_type=None):
  a, b = util.promote_dtypes(asarray(a), asarray(b))
  if a.ndim == 0 or b.ndim == 0:
    return lax.mul(a, b)
  return lax.dot_general(a, b, (((a.ndim - 1,), (b.ndim - 1,)), ((), ())), precision=precision,
                         preferred_element_type=_pet(a, preferred_element_type))


def outer(a, b, out=None):
  a, b = util.promote_dtypes(asarray(a), asarray(b))
  a, b = reshape(a, (-1,)), reshape(b, (-1,))
  return lax.mul(lax.broadcast_in_dim(a, (a.shape[0], b.shape[0]), (0,)),
                 lax.broadcast_in_dim(b, (a.shape[0], b.shape[0]), (1,)))


def tensordot(a, b, axes=2, *, precision=None, preferred_element_type=None):
  a, b = util.promote_dtypes(asarray(a), asarray(b))
  if isinstance(axes, (int, np.integer)):
    n = int(axes)
    if n > min(a.ndim, b.ndim) or n < 0:
      raise TypeError(f"Number of tensordot axes (axes {n}) exceeds input ranks ({a.shape} and "
                      f"{b.shape})")
    ca, cb = tuple(range(a.ndim - n, a.ndim)), tuple(range(n))
  else:
    ax_a, ax_b = axes
    ax_a = (ax_a,) if isinstance(ax_a, (int, np.integer)) else tuple(ax_a)
    ax_b = (ax_b,) if isinstance(ax_b, (int, np.integer)) else tuple(ax_b)
    if len(ax_a) != len(ax_b):
      raise TypeError("tensordot requires axes lists to have equal length, got "
                      f"{ax_a} and {ax_b}.")
    ca = tuple(util.canonicalize_axis(x, a.ndim) for x in ax_a)
    cb = tuple(util.canonicalize_axis(x, b.ndim) for x in ax_b)
  return lax.dot_general(a, b, ((ca, cb), ((), ())), precision=precision,
                         preferred_element_type=_pet(a, preferred_element_type))


def einsum_path(subscripts, *operands, optimize="greedy"):
  shapes = [np.empty(asarray(o).shape, np.int8) for o in operands]
  return opt_einsum.contract_path(subscripts, *shapes, optimize=optimize, shapes=False)


def einsum(subscripts, *operands, out=None, optimize="auto", precision=None,
           preferred_element_type=None, _dot_general=None):
  """Einstein summation; the pairwise contraction order comes from opt_einsum, each step is
  one dot_general (with batch dims) or a reduction."""
  if out is not None:
    raise NotImplementedError("The 'out' argument to jnp.einsum is not supported.")
  operands = util.promote_dtypes(*[asarray(o) for o in operands])
  opt = "greedy" if optimize in (True, "auto") else ("optimal" if optimize == "optimal" else
                                                     optimize if optimize else False)
  shapes = [tuple(o.shape) for o in operands]
  _, contractions = opt_einsum.contract_path(subscripts, *shapes, shapes=True,
                                             einsum_call=True, use_blas=True,
                                             optimize=opt if opt else "no-optimization")
  pet = _pet(operands[0], preferred_element_type)
  ops = list(operands)
  for contraction in contractions:
    positions, einstr = contraction[0], contraction[2]
    inputs = [ops.pop(p) for p in positions]  # opt_einsum lists them in popping order
    in_specs, out_spec = einstr.split("->")
    in_specs = in_specs.split(",")
    result = _contract(inputs, in_specs, out_spec, precision, pet)
    ops.append(result)
  return ops[0]


def _reduce_unique(x, spec, keep):
  """Sum away labels of ``x`` that appear nowhere else; take diagonals of repeated ones."""
  # Repeated labels within one operand: take the diagonal.
  while len(set(spec)) != len(spec):
    for i, c in enumerate(spec):
      j = spec.find(c, i + 1)
      if j >= 0:
        x = diagonal(x, 0, i, j)
        spec = spec[:i] + spec[i + 1:j] + spec[j + 1:] + c
        break
  drop = tuple(i for i, c in enumerate(spec) if c not in keep)
  if drop:
    x = lax.reduce_sum(x, drop)
    spec = "".join(c for c in spec if c in keep)
  return x, spec


def _contract(inputs, in_specs, out_spec, precision, pet):
  if len(inputs) == 1:
    x, spec = _reduce_unique(inputs[0], in_specs[0], set(out_spec))
  else:
    a, b = inputs
    sa, sb = in_specs
    a, sa = _reduce_unique(a, sa, set(sb) | set(out_spec))
    b, sb = _reduce_unique(b, sb, set(sa) | set(out_spec))
    batch = [c for c in sa if c in sb and c in out_spec]
    contract = [c for c in sa if c in sb and c not in out_spec]
    dn = ((tuple(sa.index(c) for c in contract), tuple(sb.index(c) for c in contract)),
          (tuple(sa.index(c) for c in batch), tuple(sb.index(c) for c in batch)))
    x = lax.dot_general(a, b, dn, precision=precision, preferred_element_type=pet)
    spec = "".join(batch) + "".join(c for c in sa if c not in sb) + \
        "".join(c for c in sb if c not in sa)
  perm = tuple(spec.index(c) for c in out_spec)
  return lax.transpose(x, perm) if perm != tuple(range(len(perm))) else x


def kron(a, b):
  a, b = util.promote_dtypes(asarray(a), asarray(b))
  nd = max(a.ndim, b.ndim)
  a = reshape(a, (1,) * (nd - a.ndim) + a.shape)
  b = reshape(b, (1,) * (nd - b.ndim) + b.shape)
  shape = []
  for i in range(nd):
    shape += [a.shape[i], b.shape[i]]
  av = lax.broadcast_in_dim(a, tuple(shape), tuple(range(0, 2 * nd, 2)))
  bv = lax.broadcast_in_dim(b, tuple(shape), tuple(range(1, 2 * nd, 2)))
  return reshape(lax.mul(av, bv), tuple(a.shape[i] * b.shape[i] for i in range(nd)))


def cross(a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
  from jaxlite._src.numpy.shape_extra import moveaxis
  from jaxlite._src.numpy.shape_ops import stack
  if axis is not None:
    axisa = axisb = axisc = axis
  a, b = util.promote_dtypes(asarray(a), asarray(b))
  a, b = moveaxis(a, axisa, -1), moveaxis(b, axisb, -1)
  if a.shape[-1] not in (2, 3) or b.shape[-1] not in (2, 3):
    raise ValueError("Dimension must be either 2 or 3 for cross product")
  pick = lambda x, i: lax.index_in_dim(x, i, x.ndim - 1, keepdims=False)
  a0, a1 = pick(a, 0), pick(a, 1)
  b0, b1 = pick(b, 0), pick(b, 1)
  a2 = pick(a, 2) if a.shape[-1] == 3 else None
  b2 = pick(b, 2) if b.shape[-1] == 3 else None
  from jaxlite._src.numpy.ufuncs import multiply, subtract
  if a2 is None and b2 is None:
    return subtract(multiply(a0, b1), multiply(a1, b0))
  zero = lambda x: lax.full(x.shape, 0, x.dtype)
  a2 = zero(a0) if a2 is None else a2
  b2 = zero(b0) if b2 is None else b2
  c = stack([subtract(multiply(a1, b2), multiply(a2, b1)),
             subtract(multiply(a2, b0), multiply(a0, b2)),
             subtract(multiply(a0, b1), multiply(a1, b0))], axis=-1)
  return moveaxis(c, -1, axisc)


def trace(a, offset=0, axis1=0, axis2=1, dtype=None, out=None):
  from jaxlite._src.numpy.reductions import sum as jsum
  return jsum(diagonal(a, offset, axis1, axis2), axis=-1, dtype=dtype)


def matvec(x1, x2, /):
  from jaxlite._src.numpy.shape_ops import matmul
  return matmul(x1, lax.expand_dims(asarray(x2), (asarray(x2).ndim,)))[..., 0]


def vecmat(x1, x2, /):
  from jaxlite._src.numpy.shape_ops import matmul
  x1 = asarray(x1)
  return matmul(lax.expand_dims(lax.conj(x1) if dtypes.is_complex(x1.dtype) else x1,
                                (x1.ndim - 1,)), x2)[..., 0, :]


def vecdot(x1, x2, /, *, axis=-1):
  from jaxlite._src.numpy.reductions import sum as jsum
  x1, x2 = util.promote_dtypes(asarray(x1), asarray(x2))
  if dtypes.is_complex(x1.dtype):
    x1 = lax.conj(x1)
  return jsum(lax.mul(x1, x2) if x1.shape == x2.shape else x1 * x2, axis=axis)
