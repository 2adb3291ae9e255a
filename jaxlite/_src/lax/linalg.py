"""Linear-algebra primitives (``jax.lax.linalg``) on NumPy's LAPACK bindings.

Every primitive takes a batch of matrices: the trailing one or two dimensions are the
matrix (vector), all leading ones are batch dimensions that every operand shares, so vmap
simply moves its axis to the front. Results follow JAX on CPU (LAPACK conventions for
signs and pivots); a factorization that fails gives NaNs for that matrix, not an error.
The JVP rules are the standard ones JAX uses, written with lax operations so they run
under any trace and stay linear in the tangents."""
from __future__ import annotations

import enum
from functools import partial

import numpy as np

from jaxlite._src import core
from jaxlite._src import dtypes
from jaxlite._src.core import ShapedArray
from jaxlite._src.interpreters import ad, batching
from jaxlite._src.interpreters.ad import Zero
from jaxlite._src.lax import lax

__all__ = [
    "EigImplementation", "EighImplementation", "SvdAlgorithm", "cholesky", "cholesky_p", "eig",
    "eig_p", "eigh", "eigh_p", "lu", "lu_p", "lu_pivots_to_permutation",
    "lu_pivots_to_permutation_p", "qr", "qr_p", "svd", "svd_p", "triangular_solve",
    "triangular_solve_p", "tridiagonal_solve", "tridiagonal_solve_p",
]


class EigImplementation(enum.Enum):
  CUSOLVER = "cusolver"
  MAGMA = "magma"
  LAPACK = "lapack"


class EighImplementation(enum.Enum):
  QR = "qr"
  JACOBI = "jacobi"
  QDWH = "qdwh"


class SvdAlgorithm(enum.Enum):
  DEFAULT = "default"
  QR = "QR"
  JACOBI = "Jacobi"
  POLAR = "polar"
  DIVIDE_AND_CONQUER = "divide_and_conquer"


# ---------------------------------------------------------------------------
# Matrix helpers written with lax (used by the rules, under any trace)

def _T(x):
  nd = len(x.shape)
  return lax.transpose(x, (*range(nd - 2), nd - 1, nd - 2))


def _conj(x):
  return lax.conj(x) if dtypes.is_complex(x.dtype) else x


def _H(x):
  return _conj(_T(x))


def _mm(a, b):
  """Matrix product of operands with the same batch dimensions."""
  nb = len(a.shape) - 2
  batch = tuple(range(nb))
  return lax.dot_general(a, b, (((nb + 1,), (nb,)), (batch, batch)))


def _tril(x, k=0):
  *_, n, m = x.shape
  keep = np.broadcast_to(np.tri(n, m, k, dtype=bool), x.shape)
  return lax.select_n(keep, lax.full_like(x, 0), x)


def _triu(x, k=0):
  *_, n, m = x.shape
  drop = np.broadcast_to(np.tri(n, m, k - 1, dtype=bool), x.shape)
  return lax.select_n(drop, x, lax.full_like(x, 0))


def _diagonal(x):
  """The diagonal of square matrices, as a reduction (linear and transposable)."""
  return lax.reduce_sum(x * np.eye(x.shape[-1], dtype=x.dtype), (len(x.shape) - 1,))


def _diag_matrix(s):
  return lax.expand_dims(s, (len(s.shape) - 1,)) * np.eye(s.shape[-1], dtype=s.dtype)


def symmetrize(x):
  return (x + _H(x)) / 2


def _perm_matrix(perm, dtype):
  """``P`` with ``P @ x == x[perm]`` (rows), for integer ``perm`` of shape (..., m)."""
  m = perm.shape[-1]
  shape = tuple(perm.shape) + (m,)
  rows = lax.broadcast_in_dim(perm, shape, tuple(range(len(perm.shape))))
  return lax.convert_element_type(lax.eq(rows, lax.broadcasted_iota(np.int32, shape,
                                                                    len(shape) - 1)), dtype)


# ---------------------------------------------------------------------------
# Declaring a linalg primitive: shape rule on the matrix dimensions, shared batch dims

_FLOATING = (np.floating, np.complexfloating)
_TYPE_NAMES = {np.floating: "floating", np.complexfloating: "complexfloating",
               np.int32: "int32"}


def _check_operand_dtype(name, dt, accepted, pos):
  if any(dtypes.issubdtype(dt, t) for t in accepted):
    return
  names = ", ".join(_TYPE_NAMES[t] for t in accepted)
  raise TypeError(f"{name} does not accept dtype {np.dtype(dt).name} at position {pos}. "
                  f"Accepted dtypes at position {pos} are subtypes of {names}.")


def _linalg_primitive(name, ranks, shape_rule, dtype_rule, accepted=_FLOATING,
                      multiple_results=False):
  """``shape_rule(*matrix_shapes, **params)`` sees the trailing ``ranks`` dims only."""
  prim = core.Primitive(name, multiple_results=multiple_results)

  def abstract_eval(*avals, **params):
    batches, cores = [], []
    for i, (rank, a) in enumerate(zip(ranks, avals)):
      if a.ndim < rank:
        raise TypeError(f"Input {i} to {name} must have rank at least {rank}, but got "
                        f"shape={a.shape}")
      batches.append(a.shape[:a.ndim - rank])
      cores.append(a.shape[a.ndim - rank:])
    if len({len(b) for b in batches}) != 1:
      raise TypeError(f"All inputs to {name} must have the same number of batch dimensions, "
                      f"but got {[len(b) for b in batches]} batch dimensions for the inputs.")
    if any(b != batches[0] for b in batches):
      raise ValueError(f"All inputs to {name} must have the same batch dimensions, got "
                       f"{', '.join(str(tuple(b)) for b in batches)}.")
    for i, a in enumerate(avals):
      _check_operand_dtype(name, a.dtype, accepted, i)
    if len(avals) > 1 and any(a.dtype != avals[0].dtype for a in avals):
      raise TypeError(f"lax.{name} requires arguments to have the same dtypes, got "
                      f"{', '.join(a.dtype.name for a in avals)}.")
    shapes = shape_rule(*cores, **params)
    out_dtypes = dtype_rule(avals[0].dtype, **params)
    weak = prim.weak_type_rule([a.weak_type for a in avals], **params)
    batch = tuple(batches[0])
    if not multiple_results:
      return ShapedArray(batch + tuple(shapes), out_dtypes, weak)
    return [ShapedArray(batch + tuple(s), dt, weak and dtypes.is_inexact(dt))
            for s, dt in zip(shapes, out_dtypes)]

  prim.def_abstract_eval(abstract_eval)
  batching.primitive_batchers[prim] = partial(_batch_at_front, prim)
  return prim


def _batch_at_front(prim, vals, dims, **params):
  size = next(np.shape(x)[d] for x, d in zip(vals, dims) if d is not None)
  vals = [batching.bdim_at_front(x, d, size) for x, d in zip(vals, dims)]
  out = prim.bind(*vals, **params)
  return out, ([0] * len(out) if prim.multiple_results else 0)


def _same_dtype(dt, **_):
  return dt


def _complex_dtype(dt):
  dt = np.dtype(dt)
  return dt if dtypes.is_complex(dt) else dtypes.complex_dtype_for(dt)


# NumPy's LAPACK wrappers take these four types; half precision is computed in float32.
_LAPACK_TYPES = {np.dtype(t) for t in (np.float32, np.float64, np.complex64, np.complex128)}


def _lapack_operand(x):
  return x if x.dtype in _LAPACK_TYPES else x.astype(np.float32)


def _nan_on_failure(fn, args, batch, out_shapes, out_dtypes):
  """``fn(*args)`` on the whole batch; when LAPACK fails, matrix by matrix with NaN results
  for the failing ones (JAX checks LAPACK's ``info`` per matrix the same way)."""
  try:
    with np.errstate(all="ignore"):
      return [np.asarray(o, dt) for o, dt in zip(fn(*args), out_dtypes)]
  except np.linalg.LinAlgError:
    pass
  outs = [np.full(batch + tuple(s), np.nan, dt) for s, dt in zip(out_shapes, out_dtypes)]
  for idx in np.ndindex(*batch):
    try:
      with np.errstate(all="ignore"):
        res = fn(*(a[idx] for a in args))
    except np.linalg.LinAlgError:
      continue
    for o, r in zip(outs, res):
      o[idx] = r
  return outs


# ---------------------------------------------------------------------------
# cholesky

def _cholesky_shape_rule(shape):
  if shape[0] != shape[1]:
    raise ValueError(f"The input to cholesky must be a square matrix. Got shape {shape}.")
  return shape


def _cholesky_impl(x):
  n = x.shape[-1]
  # np.linalg.cholesky reads only the lower triangle, like LAPACK's potrf with uplo=L.
  out, = _nan_on_failure(lambda a: [np.linalg.cholesky(a)], [_lapack_operand(x)],
                         x.shape[:-2], [(n, n)], [x.dtype])
  return out


def _cholesky_jvp(primals, tangents):
  x, = primals
  sigma_dot, = tangents
  L = _tril(cholesky_p.bind(x))
  # L_dot = L Phi(L^-1 dA L^-H), Phi taking the lower triangle with a halved diagonal.
  tmp = triangular_solve(L, sigma_dot, left_side=False, transpose_a=True, conjugate_a=True,
                         lower=True)
  inner = triangular_solve(L, tmp, left_side=True, transpose_a=False, lower=True)
  n = x.shape[-1]
  halve_diag = (np.ones((n, n)) - 0.5 * np.eye(n)).astype(x.dtype)
  return L, _mm(L, _tril(inner) * halve_diag)


cholesky_p = _linalg_primitive("cholesky", (2,), _cholesky_shape_rule, _same_dtype)
cholesky_p.def_impl(_cholesky_impl)
ad.primitive_jvps[cholesky_p] = _cholesky_jvp


def cholesky(x, *, symmetrize_input: bool = True):
  if symmetrize_input:
    x = symmetrize(x)
  return _tril(cholesky_p.bind(x))


# ---------------------------------------------------------------------------
# eig

def _eig_shape_rule(shape, *, compute_left_eigenvectors, compute_right_eigenvectors, **_):
  if shape[0] != shape[1]:
    raise ValueError(f"The input to eig must be a square matrix. Got shape {shape}.")
  return (shape[:-1],) + (shape,) * (compute_left_eigenvectors + compute_right_eigenvectors)


def _eig_dtype_rule(dt, *, compute_left_eigenvectors, compute_right_eigenvectors, **_):
  cdt = _complex_dtype(dt)
  return (cdt,) * (1 + compute_left_eigenvectors + compute_right_eigenvectors)


def _normalize_geev(v):
  """LAPACK's geev convention: unit 2-norm columns whose largest component is real."""
  v = v / np.linalg.norm(v, axis=-2, keepdims=True)
  k = np.argmax(np.abs(v), axis=-2)[..., None, :]
  big = np.take_along_axis(v, k, axis=-2)
  return v * (np.abs(big) / np.where(big == 0, 1, big))


def _eig_numpy(a, left, right):
  w, vr = np.linalg.eig(a)
  outs = [w]
  if left:
    # Rows of vr^-1 are the left eigenvectors, in the order of w.
    outs.append(_normalize_geev(np.conj(np.swapaxes(np.linalg.inv(vr), -1, -2))))
  if right:
    outs.append(vr)
  return outs


def _eig_impl(x, *, compute_left_eigenvectors, compute_right_eigenvectors,
              enable_eigvec_derivs=False, implementation=None):
  n = x.shape[-1]
  left, right = bool(compute_left_eigenvectors), bool(compute_right_eigenvectors)
  cdt = _complex_dtype(x.dtype)
  shapes = [(n,)] + [(n, n)] * (left + right)
  return _nan_on_failure(lambda a: _eig_numpy(a, left, right), [_lapack_operand(x)],
                         x.shape[:-2], shapes, [cdt] * len(shapes))


def _solve(a, b):
  """``a^-1 b`` for square ``a`` and matrices ``b`` with the same batch dimensions."""
  lu_, _, perm = lu(a)
  return _lu_solve(lu_, perm, b, 0)


def _eig_vec_jvp(w, v, da):
  # Nondegenerate perturbation theory, differentiating through geev's normalization:
  # dv_j = u_j + c_j v_j where the free c_j is fixed by unit norm and a real largest entry.
  n = w.shape[-1]
  eye = np.eye(n, dtype=w.dtype)
  fmat = lax.integer_pow(eye + lax.expand_dims(w, (w.ndim - 1,)) -
                         lax.expand_dims(w, (w.ndim,)), -1) - eye
  p = _mm(_solve(v, da), v)
  dw = _diagonal(p)
  u = _mm(v, fmat * p)
  k = lax.argmax(lax.abs(v), v.ndim - 2, np.int32)
  shape = tuple(v.shape)
  mask = lax.convert_element_type(lax.eq(
      lax.broadcasted_iota(np.int32, shape, v.ndim - 2),
      lax.broadcast_in_dim(k, shape, tuple(i for i in range(v.ndim) if i != v.ndim - 2))),
      v.dtype)
  axis = (v.ndim - 2,)
  c = lax.complex(-lax.real(lax.reduce_sum(lax.conj(v) * u, axis)),
                  -lax.imag(lax.reduce_sum(mask * u, axis)) /
                  lax.real(lax.reduce_sum(mask * v, axis)))
  return dw, u + v * lax.expand_dims(c, axis)


def _eig_jvp(primals, tangents, *, compute_left_eigenvectors, compute_right_eigenvectors,
             enable_eigvec_derivs, implementation):
  a, = primals
  da, = tangents
  if (compute_left_eigenvectors or compute_right_eigenvectors) and not enable_eigvec_derivs:
    raise NotImplementedError(
        "Derivatives of non-symmetric eigenvectors are only valid under assumptions on the "
        "input that JAX cannot check (see the enable_eigvec_derivs argument to "
        "jax.lax.linalg.eig). Pass enable_eigvec_derivs=True to jax.lax.linalg.eig to opt "
        "in. See https://github.com/jax-ml/jax/issues/2748 for discussion.")
  outs = eig(a, compute_left_eigenvectors=compute_left_eigenvectors,
             compute_right_eigenvectors=True, enable_eigvec_derivs=enable_eigvec_derivs,
             implementation=implementation)
  w, vr = outs[0], outs[-1]
  da = lax.convert_element_type(da, vr.dtype)
  if not (compute_left_eigenvectors or compute_right_eigenvectors):
    # dw_j = (V^-1 dA V)_jj
    return [w], [lax.reduce_sum(_solve(vr, da) * _T(vr), (vr.ndim - 1,))]
  dw, dvr = _eig_vec_jvp(w, vr, da)
  primal_out, tangent_out = [w], [dw]
  if compute_left_eigenvectors:
    _, dvl = _eig_vec_jvp(lax.conj(w), outs[1], _H(da))
    primal_out.append(outs[1])
    tangent_out.append(dvl)
  if compute_right_eigenvectors:
    primal_out.append(vr)
    tangent_out.append(dvr)
  return primal_out, tangent_out


eig_p = _linalg_primitive("eig", (2,), _eig_shape_rule, _eig_dtype_rule, multiple_results=True)
eig_p.def_impl(_eig_impl)
ad.primitive_jvps[eig_p] = _eig_jvp


def eig(x, *, compute_left_eigenvectors: bool = True, compute_right_eigenvectors: bool = True,
        enable_eigvec_derivs: bool = False, implementation=None, use_magma=None):
  if use_magma is not None:
    implementation = EigImplementation.MAGMA if use_magma else EigImplementation.LAPACK
  return eig_p.bind(x, compute_left_eigenvectors=bool(compute_left_eigenvectors),
                    compute_right_eigenvectors=bool(compute_right_eigenvectors),
                    enable_eigvec_derivs=bool(enable_eigvec_derivs),
                    implementation=implementation)


# ---------------------------------------------------------------------------
# eigh

def _eigh_shape_rule(shape, *, subset_by_index, **_):
  if shape[0] != shape[-1]:
    raise ValueError("Argument to symmetric eigendecomposition must have shape [..., n, n], "
                     f"got shape {shape}")
  n = shape[0]
  d = n if subset_by_index is None else subset_by_index[1] - subset_by_index[0]
  return (n, d), (d,)


def _eigh_dtype_rule(dt, **_):
  return dt, dtypes.real_dtype(dt)


def _eigh_impl(x, *, lower, sort_eigenvalues, subset_by_index, algorithm):
  if algorithm == EighImplementation.QDWH:
    raise NotImplementedError("QDWH implementation is only supported on TPU")
  if algorithm == EighImplementation.JACOBI:
    raise NotImplementedError("Jacobi implementation is not supported on CPU")
  n = x.shape[-1]
  lo, hi = (0, n) if subset_by_index is None else subset_by_index

  def run(a):
    w, v = np.linalg.eigh(a, UPLO="L" if lower else "U")  # ascending, like syevd
    return [v[..., lo:hi], w[..., lo:hi]]
  return _nan_on_failure(run, [_lapack_operand(x)], x.shape[:-2], [(n, hi - lo), (hi - lo,)],
                         [x.dtype, dtypes.real_dtype(x.dtype)])


def _eigh_jvp(primals, tangents, *, lower, sort_eigenvalues, subset_by_index, algorithm):
  a, = primals
  a_dot, = tangents
  n = a.shape[-1]
  if not (subset_by_index is None or tuple(subset_by_index) == (0, n)):
    raise NotImplementedError("Derivatives not defined for partial eigen decomposition.")
  v, w_real = eigh_p.bind(symmetrize(a), lower=lower, sort_eigenvalues=sort_eigenvalues,
                          subset_by_index=subset_by_index, algorithm=algorithm)
  # Distinct eigenvalues: dv = V (F o V^H dA V), dw = diag(V^H dA V), F_ij = 1/(w_j - w_i).
  w = lax.convert_element_type(w_real, a.dtype)
  eye = np.eye(n, dtype=a.dtype)
  fmat = lax.integer_pow(eye + lax.expand_dims(w, (w.ndim - 1,)) -
                         lax.expand_dims(w, (w.ndim,)), -1) - eye
  vdag_adot_v = _mm(_mm(_H(v), a_dot), v)
  dv = _mm(v, fmat * vdag_adot_v)
  dw = lax.real(_diagonal(vdag_adot_v)) if dtypes.is_complex(a.dtype) else _diagonal(vdag_adot_v)
  return [v, w_real], [dv, dw]


eigh_p = _linalg_primitive("eigh", (2,), _eigh_shape_rule, _eigh_dtype_rule,
                           multiple_results=True)
eigh_p.def_impl(_eigh_impl)
ad.primitive_jvps[eigh_p] = _eigh_jvp


def eigh(x, *, lower: bool = True, symmetrize_input: bool = True,
         sort_eigenvalues: bool = True, subset_by_index=None, implementation=None):
  if symmetrize_input:
    x = symmetrize(x)
  if subset_by_index is not None:
    subset_by_index = tuple(int(i) for i in subset_by_index)
  v, w = eigh_p.bind(x, lower=bool(lower), sort_eigenvalues=bool(sort_eigenvalues),
                     subset_by_index=subset_by_index, algorithm=implementation)
  return v, w


# ---------------------------------------------------------------------------
# lu: P A = L U with partial pivoting, as LAPACK's getrf

def _lu_shape_rule(shape):
  m, n = shape
  return shape, (min(m, n),), (m,)


def _lu_dtype_rule(dt, **_):
  return dt, np.dtype(np.int32), np.dtype(np.int32)


def _lu_impl(x):
  *batch, m, n = x.shape
  a = _lapack_operand(x).reshape(-1, m, n).copy()
  rows = np.arange(a.shape[0])
  k = min(m, n)
  pivots = np.zeros((a.shape[0], k), np.int32)
  perm = np.tile(np.arange(m, dtype=np.int32), (a.shape[0], 1))
  with np.errstate(all="ignore"):
    for j in range(k):
      col = a[:, j:, j]
      mag = np.abs(col.real) + np.abs(col.imag) if np.iscomplexobj(a) else np.abs(col)
      p = j + np.argmax(mag, axis=1)  # the first largest, as i?amax
      pivots[:, j] = p
      a[rows, j], a[rows, p] = a[rows, p], a[rows, j].copy()
      perm[rows, j], perm[rows, p] = perm[rows, p], perm[rows, j].copy()
      pivot = a[:, j, j][:, None]
      # A zero pivot (singular matrix) leaves its column unscaled, like getrf.
      a[:, j + 1:, j] = np.where(pivot != 0, a[:, j + 1:, j] / np.where(pivot != 0, pivot, 1),
                                 a[:, j + 1:, j])
      a[:, j + 1:, j + 1:] -= a[:, j + 1:, j, None] * a[:, j, None, j + 1:]
  return [a.reshape(x.shape).astype(x.dtype, copy=False), pivots.reshape(*batch, k),
          perm.reshape(*batch, m)]


def _lu_jvp(primals, tangents):
  a, = primals
  a_dot, = tangents
  lu_, pivots, perm = lu_p.bind(a)
  # L' = L tril(L^-1 P A' U^-1, -1) and U' = triu(L^-1 P A' U^-1) U, padded to square.
  *batch, m, n = a.shape
  k = min(m, n)
  nb = len(batch)
  zero = np.zeros((), a.dtype)
  no_pad = [(0, 0, 0)] * nb
  l = lax.pad(_tril(lu_[..., :, :k], -1), zero, no_pad + [(0, 0, 0), (0, m - k, 0)])
  l = l + np.eye(m, dtype=a.dtype)
  u = lax.pad(_triu(lu_[..., :k, :]), zero, no_pad + [(0, n - k, 0), (0, 0, 0)])
  u = u + np.pad(np.eye(n - k, dtype=a.dtype), ((k, 0), (k, 0)))
  la = triangular_solve(l, _mm(_perm_matrix(perm, a.dtype), a_dot), left_side=True,
                        lower=True, unit_diagonal=True)
  lau = triangular_solve(u, la, left_side=False, lower=False)
  lu_dot = _mm(l, _tril(lau, -1)) + _mm(_triu(lau), u)
  return [lu_, pivots, perm], [lu_dot, Zero.from_primal_value(pivots),
                               Zero.from_primal_value(perm)]


lu_p = _linalg_primitive("lu", (2,), _lu_shape_rule, _lu_dtype_rule, multiple_results=True)
lu_p.def_impl(_lu_impl)
ad.primitive_jvps[lu_p] = _lu_jvp


def lu(x):
  lu_, pivots, perm = lu_p.bind(x)
  return lu_, pivots, perm


def _lu_solve(lu_, perm, b, trans):
  """Solve ``op(A) x = b`` from ``P A = L U``; ``b`` is (..., m, k) with lu's batch dims.
  ``trans`` 0: A, 1: A^T, 2: A^H."""
  p = _perm_matrix(perm, b.dtype)
  if trans == 0:
    x = triangular_solve(lu_, _mm(p, b), left_side=True, lower=True, unit_diagonal=True)
    return triangular_solve(lu_, x, left_side=True, lower=False)
  if trans not in (1, 2):
    raise ValueError(f"'trans' value must be 0, 1, or 2, got {trans}")
  conj = trans == 2
  x = triangular_solve(lu_, b, left_side=True, lower=False, transpose_a=True,
                       conjugate_a=conj)
  x = triangular_solve(lu_, x, left_side=True, lower=True, unit_diagonal=True,
                       transpose_a=True, conjugate_a=conj)
  return _mm(_T(p), x)


# ---------------------------------------------------------------------------
# lu_pivots_to_permutation

def _lu_pivots_to_permutation_shape_rule(shape, *, permutation_size):
  pivots_size, = shape
  if not permutation_size >= pivots_size:
    raise ValueError(f"Output permutation size {permutation_size} has to exceed the trailing "
                     f"dimension of the pivots. Got pivots size {pivots_size}")
  return (permutation_size,)


def _lu_pivots_to_permutation_impl(pivots, *, permutation_size):
  *batch, k = pivots.shape
  piv = pivots.reshape(-1, k)
  rows = np.arange(piv.shape[0])
  perm = np.tile(np.arange(permutation_size, dtype=np.int32), (piv.shape[0], 1))
  for i in range(k):
    j = piv[:, i]
    perm[rows, i], perm[rows, j] = perm[rows, j], perm[rows, i].copy()
  return perm.reshape(*batch, permutation_size)


lu_pivots_to_permutation_p = _linalg_primitive(
    "lu_pivots_to_permutation", (1,), _lu_pivots_to_permutation_shape_rule,
    lambda dt, **_: np.dtype(np.int32), accepted=(np.int32,))
lu_pivots_to_permutation_p.def_impl(_lu_pivots_to_permutation_impl)
ad.defjvp_zero(lu_pivots_to_permutation_p)


def lu_pivots_to_permutation(pivots, permutation_size: int):
  return lu_pivots_to_permutation_p.bind(pivots, permutation_size=int(permutation_size))


# ---------------------------------------------------------------------------
# qr

def _qr_shape_rule(shape, *, pivoting, full_matrices, **_):
  m, n = shape
  k = m if full_matrices else min(m, n)
  return ((m, k), (k, n), (n,)) if pivoting else ((m, k), (k, n))


def _qr_dtype_rule(dt, *, pivoting, **_):
  return (dt, dt, np.dtype(np.int32)) if pivoting else (dt, dt)


def _qr_column_pivots(x):
  """geqp3's column order: repeatedly take the column with the largest norm orthogonal to the
  columns already taken (the first on ties)."""
  *batch, m, n = x.shape
  a = x.reshape(-1, m, n).copy()
  rows = np.arange(a.shape[0])
  perm = np.tile(np.arange(n, dtype=np.int32), (a.shape[0], 1))
  for j in range(min(m, n)):
    c = j + np.argmax(np.sum(np.abs(a[:, :, j:]) ** 2, axis=1), axis=1)
    a[rows, :, j], a[rows, :, c] = a[rows, :, c], a[rows, :, j].copy()
    perm[rows, j], perm[rows, c] = perm[rows, c], perm[rows, j].copy()
    q = a[:, :, j]
    norm = np.linalg.norm(q, axis=1, keepdims=True)
    q = q / np.where(norm == 0, 1, norm)
    a[:, :, j + 1:] -= q[:, :, None] * np.einsum("bi,bij->bj", q.conj(), a[:, :, j + 1:])[:, None]
  return perm.reshape(*batch, n)


def _qr_impl(x, *, pivoting, full_matrices, use_magma=None):
  *batch, m, n = x.shape
  a = _lapack_operand(x)
  k = m if full_matrices else min(m, n)
  p = _qr_column_pivots(a) if pivoting else None
  if p is not None:
    a = np.take_along_axis(a, p[..., None, :], axis=-1)
  if m == 0 or n == 0:
    q = np.broadcast_to(np.eye(m, k, dtype=x.dtype), (*batch, m, k))
    r = np.zeros((*batch, k, n), x.dtype)
  else:
    q, r = np.linalg.qr(a, mode="complete" if full_matrices else "reduced")
  outs = [q.astype(x.dtype, copy=False), r.astype(x.dtype, copy=False)]
  return outs + [p] if pivoting else outs


def _thin_qr_jvp(q, r, dx):
  """dQ, dR for m >= n (see j-towns.github.io/papers/qr-derivative.pdf)."""
  dx_rinv = triangular_solve(r, dx)
  qt_dx_rinv = _mm(_H(q), dx_rinv)
  lower = _tril(qt_dx_rinv, -1)
  do = lower - _H(lower)  # skew-Hermitian
  n = r.shape[-1]
  if dtypes.is_complex(q.dtype):
    # The diagonal of Q^H dX R^-1 keeps its imaginary part.
    imag = qt_dx_rinv - lax.convert_element_type(lax.real(qt_dx_rinv), q.dtype)
    do = do + np.eye(n, dtype=q.dtype) * imag
  dq = _mm(q, do - qt_dx_rinv) + dx_rinv
  dr = _mm(qt_dx_rinv - do, r)
  return dq, dr


def _qr_jvp(primals, tangents, *, pivoting, full_matrices, use_magma):
  x, = primals
  dx, = tangents
  outs = qr_p.bind(x, pivoting=pivoting, full_matrices=full_matrices, use_magma=use_magma)
  q, r = outs[:2]
  *_, m, n = x.shape
  if pivoting:
    dx = _mm(dx, _T(_perm_matrix(outs[2], dx.dtype)))  # columns in pivot order
  if m < n:
    # X = [X1 X2] = Q [R1 R2]: X1 is a square QR, and R2 = Q^H X2.
    dq, dr1 = _thin_qr_jvp(q, r[..., :, :m], dx[..., :, :m])
    dr2 = _mm(_H(dq), x[..., :, m:]) + _mm(_H(q), dx[..., :, m:])
    dq_dr = [dq, lax.concatenate([dr1, dr2], len(dr1.shape) - 1)]
  elif not full_matrices or m == n:
    dq_dr = list(_thin_qr_jvp(q, r, dx))
  else:
    # The extra columns of a complete Q, from https://arxiv.org/pdf/2409.13374 (eqs 32-33).
    q_mn, r_nn = q[..., :, :n], r[..., :n, :n]
    dq_mn, dr_nn = _thin_qr_jvp(q_mn, r_nn, dx)
    q_nn, q_pn, q_mp = q_mn[..., :n, :], q_mn[..., n:, :], q[..., :, n:]
    dq_nn, dq_pn = dq_mn[..., :n, :], dq_mn[..., n:, :]
    lu_, _, perm = lu(q_nn - np.eye(n, dtype=q.dtype))
    z_pn_h = _lu_solve(lu_, perm, _H(q_pn), 2)
    z_pn = _H(z_pn_h)
    dq_mp = _mm(dq_mn, z_pn_h) - _mm(q_mn + _mm(q_mp, z_pn), _H(dq_pn - _mm(z_pn, dq_nn)))
    zeros = lax.full((*dr_nn.shape[:-2], m - n, n), 0, dr_nn.dtype)
    dq_dr = [lax.concatenate([dq_mn, dq_mp], len(dq_mn.shape) - 1),
             lax.concatenate([dr_nn, zeros], len(dr_nn.shape) - 2)]
  if pivoting:
    return list(outs), dq_dr + [Zero.from_primal_value(outs[2])]
  return list(outs), dq_dr


qr_p = _linalg_primitive("qr", (2,), _qr_shape_rule, _qr_dtype_rule, multiple_results=True)
qr_p.def_impl(_qr_impl)
ad.primitive_jvps[qr_p] = _qr_jvp


def qr(x, *, pivoting: bool = False, full_matrices: bool = True, use_magma=None):
  q, r, *p = qr_p.bind(x, pivoting=bool(pivoting), full_matrices=bool(full_matrices),
                       use_magma=use_magma)
  return (q, r, p[0]) if pivoting else (q, r)


# ---------------------------------------------------------------------------
# svd (outputs s, u, vt)

def _svd_shape_rule(shape, *, full_matrices, compute_uv, subset_by_index, **_):
  m, n = shape
  rank = min(m, n)
  if subset_by_index is not None:
    if full_matrices and tuple(subset_by_index) != (0, rank):
      raise ValueError("full_matrices and subset_by_index cannot both be set")
    rank = min(rank, subset_by_index[1] - subset_by_index[0])
  if compute_uv:
    return (rank,), (m, m if full_matrices else rank), (n if full_matrices else rank, n)
  return ((rank,),)


def _svd_dtype_rule(dt, *, compute_uv, **_):
  return (dtypes.real_dtype(dt), dt, dt) if compute_uv else (dtypes.real_dtype(dt),)


def _svd_impl(x, *, full_matrices, compute_uv, subset_by_index, algorithm=None):
  *batch, m, n = x.shape
  shapes = _svd_shape_rule((m, n), full_matrices=full_matrices, compute_uv=compute_uv,
                           subset_by_index=subset_by_index)
  out_dtypes = _svd_dtype_rule(x.dtype, compute_uv=compute_uv)
  if m == 0 or n == 0:
    outs = [np.zeros((*batch, *s), dt) for s, dt in zip(shapes, out_dtypes)]
    if compute_uv and full_matrices:
      outs[1] = np.broadcast_to(np.eye(m, dtype=x.dtype), (*batch, m, m))
      outs[2] = np.broadcast_to(np.eye(n, dtype=x.dtype), (*batch, n, n))
    return outs
  lo, hi = (0, min(m, n)) if subset_by_index is None else subset_by_index

  def run(a):
    if not compute_uv:
      return [np.linalg.svd(a, compute_uv=False)[..., lo:hi]]
    u, s, vt = np.linalg.svd(a, full_matrices=full_matrices)
    if full_matrices:
      return [s, u, vt]
    return [s[..., lo:hi], u[..., :, lo:hi], vt[..., lo:hi, :]]
  return _nan_on_failure(run, [_lapack_operand(x)], tuple(batch), shapes, out_dtypes)


def _svd_jvp(primals, tangents, *, full_matrices, compute_uv, subset_by_index, algorithm=None):
  a, = primals
  da, = tangents
  s, u, vt = svd_p.bind(a, full_matrices=False, compute_uv=True,
                        subset_by_index=subset_by_index, algorithm=algorithm)
  m, n = a.shape[-2:]
  if compute_uv and full_matrices and m != n:
    raise NotImplementedError(
        "Singular value decomposition JVP not implemented for full matrices")
  ut, v = _H(u), _H(vt)
  s_row = lax.expand_dims(s, (s.ndim - 1,))  # (..., 1, k)
  ds_mat = _mm(_mm(ut, da), v)
  ds = _diagonal(lax.real(ds_mat) if dtypes.is_complex(a.dtype) else ds_mat)
  if not compute_uv:
    return [s], [ds]
  k = s.shape[-1]
  eye = np.eye(k, dtype=s.dtype)
  # F_ij = 1 / (s_j^2 - s_i^2) off the diagonal, 0 on it.
  f = 1 / ((s_row + _T(s_row)) * (s_row - _T(s_row)) + eye) - eye
  f = lax.convert_element_type(f, a.dtype)
  s_a = lax.convert_element_type(s_row, a.dtype)
  dss = s_a * ds_mat
  sds = _T(s_a) * ds_mat
  s_zero = lax.convert_element_type(lax.eq(s, lax.full_like(s, 0)), s.dtype)
  s_inv = 1 / (s + s_zero) - s_zero
  du_dv_diag = 0.5 * (ds_mat - _H(ds_mat)) * lax.convert_element_type(_diag_matrix(s_inv),
                                                                       a.dtype)
  du = _mm(u, f * (dss + _H(dss)) + du_dv_diag)
  dv = _mm(v, f * (sds + _H(sds)))
  if m > n:
    dav = _mm(da, v)
    du = du + (dav - _mm(u, _mm(ut, dav))) / s_a
  if n > m:
    dahu = _mm(_H(da), u)
    dv = dv + (dahu - _mm(v, _mm(vt, dahu))) / s_a
  return [s, u, vt], [ds, du, _H(dv)]


svd_p = _linalg_primitive("svd", (2,), _svd_shape_rule, _svd_dtype_rule, multiple_results=True)
svd_p.def_impl(_svd_impl)
ad.primitive_jvps[svd_p] = _svd_jvp


def svd(x, *, full_matrices: bool = True, compute_uv: bool = True, subset_by_index=None,
        algorithm=None):
  if subset_by_index is not None:
    subset_by_index = tuple(int(i) for i in subset_by_index)
  result = svd_p.bind(x, full_matrices=bool(full_matrices), compute_uv=bool(compute_uv),
                      subset_by_index=subset_by_index, algorithm=algorithm)
  if compute_uv:
    s, u, vt = result
    return u, s, vt
  return result[0]


# ---------------------------------------------------------------------------
# triangular_solve

def _triangular_solve_shape_rule(a_shape, b_shape, *, left_side=False, **_):
  if a_shape[0] != a_shape[1]:
    raise ValueError("The first input to triangular_solve must be a square matrix. Got "
                     f"shape {a_shape}.")
  if a_shape[-1] != b_shape[-2 if left_side else -1]:
    raise ValueError(f"Incompatible shapes for arguments to triangular_solve: {a_shape} and "
                     f"{b_shape}.")
  return b_shape


def _substitute(a, b, lower):
  """Solve ``a x = b`` for triangular ``a`` row by row (inf/nan for a zero pivot, no error)."""
  m = a.shape[-1]
  x = np.zeros(b.shape, np.result_type(a, b))
  for i in (range(m) if lower else reversed(range(m))):
    done = slice(0, i) if lower else slice(i + 1, m)
    acc = np.matmul(a[..., i:i + 1, done], x[..., done, :])[..., 0, :]
    x[..., i, :] = (b[..., i, :] - acc) / a[..., i, i, None]
  return x


def _triangular_solve_impl(a, b, *, left_side, lower, transpose_a, conjugate_a,
                           unit_diagonal):
  dt = b.dtype
  a, b = _lapack_operand(a), _lapack_operand(b)
  a = np.tril(a) if lower else np.triu(a)
  if unit_diagonal:
    a = a.copy()
    np.einsum("...ii->...i", a)[...] = 1
  if conjugate_a:
    a = a.conj()
  if transpose_a:
    a, lower = np.swapaxes(a, -1, -2), not lower
  if not left_side:  # X A = B  <=>  A^T X^T = B^T
    a, lower, b = np.swapaxes(a, -1, -2), not lower, np.swapaxes(b, -1, -2)
  with np.errstate(all="ignore"):
    x = _substitute(a, b, lower)
  return (x if left_side else np.swapaxes(x, -1, -2)).astype(dt, copy=False)


def _triangular_solve_jvp_a(g_a, ans, a, b, *, left_side, lower, transpose_a, conjugate_a,
                            unit_diagonal):
  m, n = b.shape[-2:]
  k = 1 if unit_diagonal else 0
  g_a = _tril(g_a, -k) if lower else _triu(g_a, k)
  g_a = -g_a
  g_a = _T(g_a) if transpose_a else g_a
  g_a = _conj(g_a) if conjugate_a else g_a

  def a_inverse(rhs):
    return triangular_solve(a, rhs, left_side=left_side, lower=lower, transpose_a=transpose_a,
                            conjugate_a=conjugate_a, unit_diagonal=unit_diagonal)
  # Whichever order of the solve and the product is cheaper.
  if left_side:
    return a_inverse(_mm(g_a, ans)) if m > n else _mm(a_inverse(g_a), ans)
  return a_inverse(_mm(ans, g_a)) if m < n else _mm(ans, a_inverse(g_a))


def _triangular_solve_transpose(ct, a, b, *, left_side, lower, transpose_a, conjugate_a,
                                unit_diagonal):
  if ad.is_undefined_primal(a):
    raise ValueError("triangular_solve is not linear in its first argument")
  if type(ct) is Zero:
    return [None, None]
  return [None, triangular_solve(a, ct, left_side=left_side, lower=lower,
                                 transpose_a=not transpose_a, conjugate_a=conjugate_a,
                                 unit_diagonal=unit_diagonal)]


def _triangular_solve_batch(vals, dims, **params):
  a, b = vals
  ad_, bd = dims
  if ad_ is None:
    # One matrix for the whole batch: fold the batch into the right-hand sides.
    nd = len(b.shape)
    if params["left_side"]:
      b = batching.moveaxis(b, bd, nd - 1)
      flat = lax.reshape(b, b.shape[:-2] + (b.shape[-2] * b.shape[-1],))
      out_dim = nd - 1
    else:
      b = batching.moveaxis(b, bd, nd - 2)
      flat = lax.reshape(b, b.shape[:-3] + (b.shape[-3] * b.shape[-2], b.shape[-1]))
      out_dim = nd - 2
    out = triangular_solve_p.bind(a, flat, **params)
    return lax.reshape(out, b.shape), out_dim
  return _batch_at_front(triangular_solve_p, vals, dims, **params)


triangular_solve_p = _linalg_primitive("triangular_solve", (2, 2),
                                       _triangular_solve_shape_rule, _same_dtype)
triangular_solve_p.def_impl(_triangular_solve_impl)
ad.defjvp2(triangular_solve_p, _triangular_solve_jvp_a,
           lambda g_b, ans, a, b, **params: triangular_solve_p.bind(a, g_b, **params))
ad.primitive_transposes[triangular_solve_p] = _triangular_solve_transpose
batching.primitive_batchers[triangular_solve_p] = _triangular_solve_batch


def triangular_solve(a, b, *, left_side: bool = False, lower: bool = False,
                     transpose_a: bool = False, conjugate_a: bool = False,
                     unit_diagonal: bool = False):
  conjugate_a = bool(conjugate_a) and dtypes.is_complex(core.get_aval(a).dtype)
  a_nd, b_nd = np.ndim(a), np.ndim(b)
  singleton = b_nd == a_nd - 1
  if singleton:
    b = lax.expand_dims(b, (b_nd if left_side else b_nd - 1,))
  out = triangular_solve_p.bind(a, b, left_side=bool(left_side), lower=bool(lower),
                                transpose_a=bool(transpose_a), conjugate_a=conjugate_a,
                                unit_diagonal=bool(unit_diagonal))
  if singleton:
    out = out[..., 0] if left_side else out[..., 0, :]
  return out


# ---------------------------------------------------------------------------
# tridiagonal_solve

def _tridiagonal_solve_shape_rule(dl_shape, d_shape, du_shape, b_shape, **_):
  if dl_shape != d_shape or dl_shape != du_shape:
    raise TypeError("tridiagonal_solve requires that all diagonal arguments have the same "
                    "shape.")
  if dl_shape != b_shape[:-1]:
    raise TypeError("tridiagonal_solve requires that the leading ndim-1 dimensions of b "
                    "equal the dimensions of the diagonal arguments.")
  return b_shape


def _tridiagonal_dense(dl, d, du):
  m = d.shape[-1]
  a = np.zeros(d.shape + (m,), d.dtype)
  i = np.arange(m)
  a[..., i, i] = d
  a[..., i[1:], i[:-1]] = dl[..., 1:]
  a[..., i[:-1], i[1:]] = du[..., :-1]
  return a


def _tridiagonal_solve_impl(dl, d, du, b, *, perturb_singular):
  if perturb_singular:
    raise NotImplementedError("perturb_singular=True is not supported in jaxlite.")
  dt = b.dtype
  dense = _tridiagonal_dense(*map(_lapack_operand, (dl, d, du)))
  out, = _nan_on_failure(lambda a, y: [np.linalg.solve(a, y)], [dense, _lapack_operand(b)],
                         b.shape[:-2], [b.shape[-2:]], [dt])
  return out


def _tridiagonal_product(dl, d, du, b):
  """A b for the tridiagonal A, with rows shifted by padding (linear in each argument)."""
  nd = len(b.shape)
  zero = np.zeros((), b.dtype)
  keep = [(0, 0, 0)] * (nd - 2)
  col = lambda v: lax.expand_dims(v, (nd - 1,))  # noqa: E731
  y = col(d) * b
  below = col(dl)[..., 1:, :] * b[..., :-1, :]
  above = col(du)[..., :-1, :] * b[..., 1:, :]
  y = y + lax.pad(below, zero, keep + [(1, 0, 0), (0, 0, 0)])
  return y + lax.pad(above, zero, keep + [(0, 1, 0), (0, 0, 0)])


def _tridiagonal_solve_jvp(primals, tangents, *, perturb_singular):
  *diags, _ = primals
  *diags_dot, b_dot = tangents
  ans = tridiagonal_solve_p.bind(*primals, perturb_singular=perturb_singular)
  if all(type(t) is Zero for t in diags_dot):
    rhs = b_dot
  else:
    matvec_dot = _tridiagonal_product(*map(ad.instantiate_zeros, diags_dot), ans)
    rhs = ad.add_tangents(b_dot, -matvec_dot)
  return ans, tridiagonal_solve_p.bind(*diags, ad.instantiate_zeros(rhs),
                                       perturb_singular=perturb_singular)


def _tridiagonal_solve_transpose(ct, dl, d, du, b, *, perturb_singular):
  if any(ad.is_undefined_primal(x) for x in (dl, d, du)):
    raise ValueError("tridiagonal_solve is not linear in its diagonal arguments")
  if type(ct) is Zero:
    return [None] * 4
  # A^T has the upper diagonal of A (shifted) below and its lower diagonal above.
  last = len(dl.shape) - 1
  dl_t = lax.concatenate([lax.full_like(du[..., -1:], 0), du[..., :-1]], last)
  du_t = lax.concatenate([dl[..., 1:], lax.full_like(dl[..., :1], 0)], last)
  return [None, None, None, tridiagonal_solve_p.bind(dl_t, d, du_t, ct,
                                                     perturb_singular=perturb_singular)]


def _tridiagonal_solve_batch(vals, dims, *, perturb_singular):
  dl, d, du, b = vals
  if all(x is None for x in dims[:3]):
    # Shared matrices: fold the batch into the columns of b.
    nd = len(b.shape)
    b = batching.moveaxis(b, dims[3], nd - 2)
    flat = lax.reshape(b, b.shape[:-3] + (b.shape[-3], b.shape[-2] * b.shape[-1]))
    out = tridiagonal_solve_p.bind(dl, d, du, flat, perturb_singular=perturb_singular)
    return lax.reshape(out, b.shape), nd - 2
  return _batch_at_front(tridiagonal_solve_p, vals, dims, perturb_singular=perturb_singular)


tridiagonal_solve_p = _linalg_primitive("tridiagonal_solve", (1, 1, 1, 2),
                                        _tridiagonal_solve_shape_rule, _same_dtype)
tridiagonal_solve_p.def_impl(_tridiagonal_solve_impl)
ad.primitive_jvps[tridiagonal_solve_p] = _tridiagonal_solve_jvp
ad.primitive_transposes[tridiagonal_solve_p] = _tridiagonal_solve_transpose
batching.primitive_batchers[tridiagonal_solve_p] = _tridiagonal_solve_batch


def tridiagonal_solve(dl, d, du, b, *, perturb_singular: bool = False):
  return tridiagonal_solve_p.bind(dl, d, du, b, perturb_singular=bool(perturb_singular))
