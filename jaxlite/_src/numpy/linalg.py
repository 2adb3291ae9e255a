"""``jax.numpy.linalg``: NumPy's linear algebra on the lax.linalg primitives, differentiable
as in JAX (custom JVPs for solve, det, slogdet and pinv)."""
from __future__ import annotations

import math
import operator
import string
from typing import NamedTuple

import numpy as np

import jaxlite.numpy as jnp
from jaxlite._src import dtypes
from jaxlite._src.custom_derivatives import custom_jvp
from jaxlite._src.lax import lax
from jaxlite._src.lax import linalg as lax_linalg
from jaxlite._src.numpy import util

__all__ = ["cholesky", "cond", "cross", "det", "diagonal", "eig", "eigh", "eigvals",
           "eigvalsh", "inv", "lstsq", "matmul", "matrix_norm", "matrix_power", "matrix_rank",
           "matrix_transpose", "multi_dot", "norm", "outer", "pinv", "qr", "slogdet", "solve",
           "svd", "svdvals", "tensordot", "tensorinv", "tensorsolve", "trace", "vecdot",
           "vector_norm", "EighResult", "EigResult", "QRResult", "SlogdetResult", "SVDResult"]


class EighResult(NamedTuple):
  eigenvalues: object
  eigenvectors: object


class EigResult(NamedTuple):
  eigenvalues: object
  eigenvectors: object


class QRResult(NamedTuple):
  Q: object
  R: object


class SlogdetResult(NamedTuple):
  sign: object
  logabsdet: object


class SVDResult(NamedTuple):
  U: object
  S: object
  Vh: object


def _arrays(name, *xs):
  util.check_arraylike(name, *xs)
  return [jnp.asarray(x) for x in xs]


def _inexact(name, *xs):
  return util.promote_dtypes_inexact(*_arrays(name, *xs))


def _H(x):
  return jnp.conj(jnp.matrix_transpose(x))


def _symmetrize(x):
  return (x + _H(x)) / 2


def _trace(x):
  """Trace of the last two axes as a masked sum. (jnp.trace gathers inside a jit, which the
  reverse mode of a custom JVP rule cannot split into known and linear parts.)"""
  return jnp.sum(x * np.eye(x.shape[-1], dtype=x.dtype), axis=(-2, -1))


# ---------------------------------------------------------------------------
# Factorizations

def cholesky(a, *, upper: bool = False, symmetrize_input: bool = True):
  a, = _inexact("jnp.linalg.cholesky", a)
  L = lax_linalg.cholesky(a, symmetrize_input=symmetrize_input)
  return _H(L) if upper else L


def svd(a, full_matrices: bool = True, compute_uv: bool = True, hermitian: bool = False,
        subset_by_index=None):
  a, = _inexact("jnp.linalg.svd", a)
  if hermitian:
    # Singular values are |eigenvalues|, sorted descending; signs go into Vh.
    v, w = lax_linalg.eigh(a, subset_by_index=subset_by_index)
    s = lax.abs(w)
    if not compute_uv:
      return lax.rev(lax.sort(s, dimension=-1), (s.ndim - 1,))
    sign = lax.sign(w)
    idxs = lax.broadcasted_iota(np.int32, s.shape, s.ndim - 1)
    s, idxs, sign = lax.sort((s, idxs, sign), dimension=-1, num_keys=1)
    s, idxs, sign = (lax.rev(x, (s.ndim - 1,)) for x in (s, idxs, sign))
    u = jnp.take_along_axis(v, idxs[..., None, :], axis=-1)
    return SVDResult(u, s, _H(u * sign[..., None, :].astype(u.dtype)))
  if compute_uv:
    return SVDResult(*lax_linalg.svd(a, full_matrices=full_matrices, compute_uv=True,
                                     subset_by_index=subset_by_index))
  return lax_linalg.svd(a, full_matrices=full_matrices, compute_uv=False,
                        subset_by_index=subset_by_index)


def svdvals(x, /):
  return svd(x, compute_uv=False, hermitian=False)


def qr(a, mode: str = "reduced"):
  a, = _inexact("jnp.linalg.qr", a)
  if mode == "raw":
    raise NotImplementedError("jnp.linalg.qr(mode='raw') is not implemented in jaxlite.")
  if mode in ("reduced", "r", "full"):
    full_matrices = False
  elif mode == "complete":
    full_matrices = True
  else:
    raise ValueError(f"Unsupported QR decomposition mode '{mode}'")
  q, r = lax_linalg.qr(a, pivoting=False, full_matrices=full_matrices)
  return r if mode == "r" else QRResult(q, r)


def eig(a):
  a, = _inexact("jnp.linalg.eig", a)
  w, v = lax_linalg.eig(a, compute_left_eigenvectors=False)
  return EigResult(w, v)


def eigvals(a):
  a, = _inexact("jnp.linalg.eigvals", a)
  return lax_linalg.eig(a, compute_left_eigenvectors=False, compute_right_eigenvectors=False)[0]


def eigh(a, UPLO: str | None = None, symmetrize_input: bool = True):
  a, = _arrays("jnp.linalg.eigh", a)
  if UPLO is None or UPLO == "L":
    lower = True
  elif UPLO == "U":
    lower = False
  else:
    raise ValueError(f"UPLO must be one of None, 'L', or 'U', got {UPLO}")
  a, = util.promote_dtypes_inexact(a)
  v, w = lax_linalg.eigh(a, lower=lower, symmetrize_input=symmetrize_input)
  return EighResult(w, v)


def eigvalsh(a, UPLO: str | None = "L", *, symmetrize_input: bool = True):
  a, = _inexact("jnp.linalg.eigvalsh", a)
  return eigh(a, UPLO, symmetrize_input=symmetrize_input).eigenvalues


# ---------------------------------------------------------------------------
# Solves and inverses

@custom_jvp
def _solve(a, b):
  lu_, _, perm = lax_linalg.lu(a)
  return lax_linalg._lu_solve(lu_, perm, b, 0)


@_solve.defjvp
def _solve_jvp(primals, tangents):
  # x = A^-1 b  =>  dx = A^-1 (db - dA x), reusing the factorization of A.
  a, b = primals
  da, db = tangents
  lu_, _, perm = lax_linalg.lu(a)
  x = lax_linalg._lu_solve(lu_, perm, b, 0)
  return x, lax_linalg._lu_solve(lu_, perm, db - da @ x, 0)


def _core_dim_error(m_a, m_b, signature):
  return ValueError(f"inconsistent size for core dimension 'm': {m_b} vs {m_a} on vectorized "
                    f"function with excluded=frozenset() and signature='{signature}'")


def solve(a, b):
  a, b = _inexact("jnp.linalg.solve", a, b)
  if a.ndim < 2:
    raise ValueError(f"left hand array must be at least two dimensional; got a.shape={a.shape}")
  if (b.ndim > 1 and a.ndim == b.ndim + 1 and a.shape[-1] == b.shape[-1] and
      a.shape[-1] != b.shape[-2]):
    raise ValueError(
        f"Invalid shapes for solve: {a.shape}, {b.shape}. Prior to JAX v0.5.0, this would have "
        "been treated as a batched 1-dimensional solve. To recover this behavior, use "
        "solve(a, b[..., None]).squeeze(-1).")
  vector = b.ndim == 1
  signature = "(m,m),(m)->(m)" if vector else "(m,m),(m,n)->(m,n)"
  bm = b[:, None] if vector else b
  if a.shape[-1] != a.shape[-2]:
    raise _core_dim_error(a.shape[-2], a.shape[-1], signature)
  if bm.shape[-2] != a.shape[-1]:
    raise _core_dim_error(a.shape[-1], bm.shape[-2], signature)
  batch = _broadcast_batch(a.shape[:-2], bm.shape[:-2])
  x = _solve(jnp.broadcast_to(a, batch + a.shape[-2:]),
             jnp.broadcast_to(bm, batch + bm.shape[-2:]))
  return x[..., 0] if vector else x


def _broadcast_batch(*shapes):
  try:
    return tuple(np.broadcast_shapes(*shapes))
  except ValueError:
    raise ValueError(f"Incompatible shapes for broadcasting: shapes={list(shapes)}") from None


def inv(a):
  arr, = _arrays("jnp.linalg.inv", a)
  if arr.ndim < 2 or arr.shape[-1] != arr.shape[-2]:
    raise ValueError(f"Argument to inv must have shape [..., n, n], got {arr.shape}.")
  eye = jnp.broadcast_to(jnp.eye(arr.shape[-1], dtype=arr.dtype), arr.shape)
  return solve(arr, eye)


def tensorinv(a, ind: int = 2):
  arr, = _arrays("tensorinv", a)
  ind = operator.index(ind)
  if ind <= 0:
    raise ValueError(f"ind must be a positive integer; got ind={ind}")
  contracting, batch = arr.shape[:ind], arr.shape[ind:]
  flat = (math.prod(contracting), math.prod(batch))
  if flat[0] != flat[1]:
    raise ValueError("tensorinv is only possible when the product of the first `ind` "
                     "dimensions equals that of the remaining dimensions. got "
                     f"arr.shape={arr.shape} with ind={ind}.")
  return inv(arr.reshape(flat)).reshape(*batch, *contracting)


def tensorsolve(a, b, axes=None):
  a, b = _arrays("tensorsolve", a, b)
  if axes is not None:
    a = jnp.moveaxis(a, axes, len(axes) * (a.ndim - 1,))
  out_shape = a.shape[b.ndim:]
  if a.shape[:b.ndim] != b.shape:
    raise ValueError("After moving axes to end, leading shape of a must match shape of b. "
                     f"got a.shape={a.shape}, b.shape={b.shape}")
  if b.size != math.prod(out_shape):
    raise ValueError("Input arrays must have prod(a.shape[:b.ndim]) == prod(a.shape[b.ndim:]);"
                     f" got a.shape={a.shape}, b.ndim={b.ndim}.")
  return solve(a.reshape(b.size, math.prod(out_shape)), b.ravel()).reshape(out_shape)


def _pinv_impl(a, rtol=None, hermitian=False):
  arr, = _inexact("jnp.linalg.pinv", a)
  m, n = arr.shape[-2:]
  if m == 0 or n == 0:
    return jnp.zeros(arr.shape[:-2] + (n, m), arr.dtype)
  arr = jnp.conj(arr)
  if rtol is None:
    rtol = 10.0 * max(m, n) * jnp.asarray(jnp.finfo(arr.dtype).eps)
  rtol = jnp.asarray(rtol)
  u, s, vh = svd(arr, full_matrices=False, hermitian=hermitian)
  # Singular values at or below rtol * the largest are treated as zero.
  rtol = jnp.expand_dims(rtol[..., None], tuple(range(s.ndim - rtol.ndim - 1)))
  s = jnp.where(s > rtol * s[..., 0:1], s, np.inf).astype(u.dtype)
  res = jnp.matmul(jnp.matrix_transpose(vh), jnp.matrix_transpose(u) / s[..., None])
  return res.astype(arr.dtype)


_pinv = custom_jvp(_pinv_impl, nondiff_argnums=(1, 2))


@_pinv.defjvp
def _pinv_jvp(rtol, hermitian, primals, tangents):
  # Golub & Pereyra (1973), via the Moore-Penrose derivative formula.
  a, = primals
  a_dot, = tangents
  p = pinv(a, rtol=rtol, hermitian=hermitian)
  if hermitian:
    a, a_dot = _symmetrize(a), _symmetrize(a_dot)
  m, n = a.shape[-2:]
  if m >= n:
    s = (p @ _H(p)) @ _H(a_dot)
    t = (_H(a_dot) @ _H(p)) @ p
    p_dot = -(p @ a_dot) @ p + s - (s @ a) @ p + t - (p @ a) @ t
  else:
    s = p @ (_H(p) @ _H(a_dot))
    t = _H(a_dot) @ (_H(p) @ p)
    p_dot = -p @ (a_dot @ p) + s - s @ (a @ p) + t - p @ (a @ t)
  return p, p_dot


def pinv(a, rtol=None, hermitian: bool = False, *, rcond=None):
  if rcond is not None:
    if rtol is not None:
      raise ValueError("pinv: only one of rtol and rcond may be specified.")
    rtol = rcond
  return _pinv(a, rtol, hermitian)


def lstsq(a, b, rcond=None, *, numpy_resid: bool = False):
  a, b = _arrays("jnp.linalg.lstsq", a, b)
  a, b = util.promote_dtypes_inexact(a, b)
  if a.shape[0] != b.shape[0]:
    raise ValueError("Leading dimensions of input arrays must match")
  b_orig_ndim = b.ndim
  if b_orig_ndim == 1:
    b = b[:, None]
  if a.ndim != 2:
    raise TypeError(f"{a.ndim}-dimensional array given. Array must be two-dimensional")
  if b.ndim != 2:
    raise TypeError(f"{b.ndim}-dimensional array given. Array must be one or two-dimensional")
  m, n = a.shape
  dtype = a.dtype
  if a.size == 0:
    s = jnp.zeros(0, dtype)
    rank = jnp.asarray(0, dtype=int)
    x = jnp.zeros((n, *b.shape[1:]), dtype)
  else:
    eps = float(jnp.finfo(dtype).eps)
    rcond = eps * max(n, m) if rcond is None else jnp.where(jnp.asarray(rcond) < 0, eps, rcond)
    u, s, vt = svd(a, full_matrices=False)
    mask = (s > 0) & (s >= jnp.asarray(rcond, dtype=s.dtype) * s[0])
    rank = mask.sum()
    safe_s = jnp.where(mask, s, 1).astype(dtype)
    s_inv = jnp.where(mask, 1 / safe_s, 0)[:, None]
    x = _H(vt) @ (s_inv * (_H(u) @ b))
  if numpy_resid and (rank < n or m <= n):
    resid = jnp.asarray([])
  else:
    resid = norm(b - a @ x, axis=0) ** 2
  if b_orig_ndim == 1:
    x = x.ravel()
  return x, resid, rank, s


# ---------------------------------------------------------------------------
# Determinants

def _slogdet_direct(a):
  """sign and log|det| of 1x1 and 2x2 matrices from the explicit formula."""
  if a.shape[-1] == 1:
    det_ = a[..., 0, 0]
  else:
    det_ = a[..., 0, 0] * a[..., 1, 1] - a[..., 0, 1] * a[..., 1, 0]
  return jnp.sign(det_), jnp.real(jnp.log(jnp.abs(det_)))


@custom_jvp
def _slogdet_small(a):
  return _slogdet_direct(a)


@_slogdet_small.defjvp
def _slogdet_small_jvp(primals, tangents):
  x, = primals
  g, = tangents
  sign, ans = _slogdet_direct(x)
  if x.shape[-1] == 1:
    ans_dot = g[..., 0, 0] / x[..., 0, 0]
  else:
    x00, x01, x10, x11 = x[..., 0, 0], x[..., 0, 1], x[..., 1, 0], x[..., 1, 1]
    ans_dot = (g[..., 0, 0] * x11 - g[..., 0, 1] * x10 - g[..., 1, 0] * x01 +
               g[..., 1, 1] * x00) / (x00 * x11 - x01 * x10)
  return (sign, ans), _slogdet_tangents(x, sign, ans_dot)


def _slogdet_tangents(x, sign, ans_dot):
  if dtypes.is_complex(x.dtype):
    sign_dot = (ans_dot - jnp.real(ans_dot).astype(ans_dot.dtype)) * sign
    return sign_dot, jnp.real(ans_dot)
  return jnp.zeros_like(sign), ans_dot


@custom_jvp
def _slogdet_lu(a):
  dtype = a.dtype
  lu_, pivot, _ = lax_linalg.lu(a)
  diag = jnp.diagonal(lu_, axis1=-2, axis2=-1)
  is_zero = jnp.any(diag == jnp.asarray(0, dtype=dtype), axis=-1)
  parity = jnp.count_nonzero(pivot != jnp.arange(a.shape[-1], dtype=pivot.dtype), axis=-1)
  if dtypes.is_complex(dtype):
    sign = jnp.prod(diag / jnp.abs(diag).astype(dtype), axis=-1)
  else:
    sign = jnp.asarray(1, dtype=dtype)
    parity = parity + jnp.count_nonzero(diag < 0, axis=-1)
  sign = jnp.where(is_zero, jnp.asarray(0, dtype=dtype),
                   sign * jnp.asarray(-2 * (parity % 2) + 1, dtype=dtype))
  logdet = jnp.where(is_zero, jnp.asarray(-np.inf, dtype=dtype),
                     jnp.sum(jnp.log(jnp.abs(diag)).astype(dtype), axis=-1))
  return sign, jnp.real(logdet)


@_slogdet_lu.defjvp
def _slogdet_jvp(primals, tangents):
  x, = primals
  g, = tangents
  sign, ans = slogdet(x)
  # d log|det x| = tr(x^-1 dx). The solve is spelled out: a custom_jvp function applied to
  # tangents inside this rule could not be transposed.
  lu_, _, perm = lax_linalg.lu(x)
  ans_dot = _trace(lax_linalg._lu_solve(lu_, perm, g, 0))
  return (sign, ans), _slogdet_tangents(x, sign, ans_dot)


def slogdet(a, *, method: str | None = None):
  a, = _inexact("jnp.linalg.slogdet", a)
  if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
    raise ValueError(f"Argument to slogdet() must have shape [..., n, n], got {a.shape}")
  if method is None or method == "lu":
    small = a.shape[-1] in (1, 2)
    return SlogdetResult(*(_slogdet_small(a) if small else _slogdet_lu(a)))
  if method == "qr":
    raise NotImplementedError("slogdet method='qr' is not implemented in jaxlite.")
  raise ValueError(f"Unknown slogdet method '{method}'. Supported methods are 'lu' (`None`), "
                   "and 'qr'.")


def _cofactor_solve(a, b):
  """``(det(a), adj(a) @ b)``, stable for singular ``a`` (the derivative of det).

  From P a = L U: scale L^-1 P b by det(a) except its last row, then back-substitute with
  U's last pivot replaced by 1 / (det(a) / u_nn), which never divides by u_nn itself."""
  n = a.shape[-1]
  if n == 1:
    return a[..., 0, 0], b
  lu_, pivots, perm = lax_linalg.lu(a)
  dtype = a.dtype
  diag = jnp.diagonal(lu_, axis1=-2, axis2=-1)
  parity = jnp.count_nonzero(pivots != jnp.arange(n, dtype=pivots.dtype), axis=-1)
  sign = jnp.asarray(-2 * (parity % 2) + 1, dtype=dtype)
  partial_det = jnp.cumprod(diag, axis=-1) * sign[..., None]
  last = np.zeros((n, n), bool)
  last[-1, -1] = True
  lu_ = jnp.where(last, (1.0 / partial_det[..., -2])[..., None, None], lu_)
  # Rank below n - 1: the adjugate is zero.
  probe = lax_linalg.triangular_solve(lu_, jnp.ones(b.shape[:-1], dtype), left_side=True,
                                      lower=False)
  bad = jnp.any(~jnp.isfinite(probe), axis=-1)[..., None, None]
  x = jnp.where(bad, jnp.zeros_like(b), b)
  x = lax_linalg._perm_matrix(perm, dtype) @ x
  x = lax_linalg.triangular_solve(lu_, x, left_side=True, lower=True, unit_diagonal=True)
  x = jnp.concatenate([x[..., :-1, :] * partial_det[..., -1, None, None], x[..., -1:, :]],
                      axis=-2)
  x = lax_linalg.triangular_solve(lu_, x, left_side=True, lower=False)
  return partial_det[..., -1], jnp.where(bad, jnp.zeros_like(x), x)


def _det_2x2(a):
  return a[..., 0, 0] * a[..., 1, 1] - a[..., 0, 1] * a[..., 1, 0]


def _det_3x3(a):
  return (a[..., 0, 0] * a[..., 1, 1] * a[..., 2, 2] +
          a[..., 0, 1] * a[..., 1, 2] * a[..., 2, 0] +
          a[..., 0, 2] * a[..., 1, 0] * a[..., 2, 1] -
          a[..., 0, 2] * a[..., 1, 1] * a[..., 2, 0] -
          a[..., 0, 0] * a[..., 1, 2] * a[..., 2, 1] -
          a[..., 0, 1] * a[..., 1, 0] * a[..., 2, 2])


@custom_jvp
def _det(a):
  sign, logdet = slogdet(a)
  return sign * jnp.exp(logdet).astype(sign.dtype)


@_det.defjvp
def _det_jvp(primals, tangents):
  x, = primals
  g, = tangents
  y, z = _cofactor_solve(x, g)
  return y, _trace(z)


def det(a):
  a, = _inexact("jnp.linalg.det", a)
  if a.ndim >= 2 and a.shape[-1] == a.shape[-2]:
    return {2: _det_2x2, 3: _det_3x3}.get(a.shape[-1], _det)(a)
  raise ValueError(f"Argument to _det() must have shape [..., n, n], got {a.shape}")


# ---------------------------------------------------------------------------
# Norms, ranks, conditions

def vector_norm(x, /, *, axis=None, keepdims: bool = False, ord=2):
  x, = _arrays("jnp.linalg.vector_norm", x)
  if ord is None or (not isinstance(ord, str) and ord == 2):
    return jnp.sqrt(jnp.sum(jnp.real(x * jnp.conj(x)), axis=axis, keepdims=keepdims))
  if isinstance(ord, str):
    msg = f"Invalid order '{ord}' for vector norm."
    if ord in ("inf", "-inf"):
      msg += f"Use '{ord[:-3]}jax.numpy.inf' instead."
    raise ValueError(msg)
  if ord == np.inf:
    return jnp.amax(jnp.abs(x), axis=axis, keepdims=keepdims, initial=0)
  if ord == -np.inf:
    return jnp.amin(jnp.abs(x), axis=axis, keepdims=keepdims)
  if ord == 0:
    return jnp.sum(x != 0, dtype=jnp.finfo(x.dtype).dtype, axis=axis, keepdims=keepdims)
  if ord == 1:
    return jnp.sum(jnp.abs(x), axis=axis, keepdims=keepdims)
  abs_x = jnp.abs(x)
  p = jnp.asarray(ord, abs_x.dtype)
  return jnp.power(jnp.sum(abs_x ** p, axis=axis, keepdims=keepdims), 1.0 / p)


def norm(x, ord=None, axis=None, keepdims: bool = False):
  x, = _inexact("jnp.linalg.norm", x)
  ndim = x.ndim
  if axis is None:
    if ord is None:  # NumPy's undocumented any-rank Frobenius/2-norm
      return jnp.sqrt(jnp.sum(jnp.real(x * jnp.conj(x)), keepdims=keepdims))
    axis = tuple(range(ndim))
  elif isinstance(axis, tuple):
    axis = tuple(util.canonicalize_axis(a, ndim) for a in axis)
  else:
    axis = (util.canonicalize_axis(axis, ndim),)
  if len(axis) == 1:
    return vector_norm(x, ord=2 if ord is None else ord, axis=axis, keepdims=keepdims)
  if len(axis) != 2:
    raise ValueError(f"Improper number of axes for norm: axis={axis}. Pass one axis to compute "
                     "a vector-norm, or two axes to compute a matrix-norm.")
  row, col = axis
  if ord is None or ord in ("f", "fro"):
    return jnp.sqrt(jnp.sum(jnp.real(x * jnp.conj(x)), axis=axis, keepdims=keepdims))
  if isinstance(ord, str) and ord != "nuc":
    raise ValueError(f"Invalid order '{ord}' for matrix norm.")
  if ord in (1, -1):
    # Largest (smallest) column sum.
    col -= 1 if not keepdims and col > row else 0
    sums = jnp.sum(jnp.abs(x), axis=row, keepdims=keepdims)
    return (jnp.amax(sums, axis=col, keepdims=keepdims, initial=0) if ord == 1 else
            jnp.amin(sums, axis=col, keepdims=keepdims))
  if ord in (np.inf, -np.inf):
    row -= 1 if not keepdims and row > col else 0
    sums = jnp.sum(jnp.abs(x), axis=col, keepdims=keepdims)
    return (jnp.amax(sums, axis=row, keepdims=keepdims, initial=0) if ord == np.inf else
            jnp.amin(sums, axis=row, keepdims=keepdims))
  if ord in ("nuc", 2, -2):
    s = svd(jnp.moveaxis(x, axis, (-2, -1)), compute_uv=False)
    if ord == 2:
      y = jnp.amax(s, axis=-1, initial=0)
    elif ord == -2:
      y = jnp.amin(s, axis=-1)
    else:
      y = jnp.sum(s, axis=-1)
    return jnp.expand_dims(y, axis) if keepdims else y
  raise ValueError(f"Invalid order '{ord}' for matrix norm.")


def matrix_norm(x, /, *, keepdims: bool = False, ord="fro"):
  x, = _arrays("jnp.linalg.matrix_norm", x)
  return norm(x, ord=ord, keepdims=keepdims, axis=(-2, -1))


def matrix_rank(M, rtol=None, *, hermitian: bool = False, tol=None):
  M, = _arrays("jnp.linalg.matrix_rank", M)
  if tol is not None:
    if rtol is not None:
      raise ValueError("matrix_rank: only one of tol or rtol may be specified.")
    rtol = tol
  M, = util.promote_dtypes_inexact(M)
  if M.ndim < 2:
    return jnp.any(M != 0).astype(np.int32)
  S = svd(M, full_matrices=False, compute_uv=False, hermitian=hermitian)
  if rtol is None:
    rtol = S.max(-1) * np.asarray(max(M.shape[-2:]), S.dtype) * jnp.finfo(S.dtype).eps
  rtol = jnp.asarray(rtol)
  rtol = jnp.expand_dims(rtol, rtol.ndim)
  return jnp.sum(S > rtol, axis=-1)


def cond(x, p=None):
  arr, = _arrays("cond", x)
  if arr.ndim < 2:
    raise ValueError(f"jnp.linalg.cond: input array must be at least 2D; got arr.shape={arr.shape}")
  if arr.shape[-1] == 0 or arr.shape[-2] == 0:
    raise ValueError(f"jnp.linalg.cond: input array must not be empty; got arr.shape={arr.shape}")
  if p is None or p == 2:
    s = svdvals(arr)
    return s[..., 0] / s[..., -1]
  if p == -2:
    s = svdvals(arr)
    r = s[..., -1] / s[..., 0]
  else:
    if arr.shape[-2] != arr.shape[-1]:
      raise ValueError(f"jnp.linalg.cond: for p={p}, array must be square; got "
                       f"arr.shape={arr.shape}")
    r = norm(arr, ord=p, axis=(-2, -1)) * norm(inv(arr), ord=p, axis=(-2, -1))
  # NaN from a singular matrix means an infinite condition number.
  return jnp.where(jnp.isnan(r) & ~jnp.any(jnp.isnan(arr), axis=(-2, -1)), np.inf, r)


def matrix_power(a, n: int):
  arr, = _arrays("jnp.linalg.matrix_power", a)
  if arr.ndim < 2:
    raise TypeError(f"{arr.ndim}-dimensional array given. Array must be at least "
                    "two-dimensional")
  if arr.shape[-2] != arr.shape[-1]:
    raise TypeError("Last 2 dimensions of the array must be square")
  try:
    n = operator.index(n)
  except TypeError as err:
    raise TypeError(f"exponent must be an integer, got {n}") from err
  if n == 0:
    return jnp.broadcast_to(jnp.eye(arr.shape[-2], dtype=arr.dtype), arr.shape)
  if n < 0:
    arr, n = inv(arr), -n
  if n <= 3:
    result = arr
    for _ in range(n - 1):
      result = result @ arr
    return result
  # Binary powering: z runs through arr^(2^k); result collects the set bits of n.
  z = result = None
  while n > 0:
    z = arr if z is None else z @ z
    n, bit = divmod(n, 2)
    if bit:
      result = z if result is None else result @ z
  return result


# ---------------------------------------------------------------------------
# Array API aliases and products

def multi_dot(arrays, *, precision=None):
  arrs = _arrays("jnp.linalg.multi_dot", *arrays)
  if len(arrs) < 2:
    raise ValueError(f"multi_dot requires at least two arrays; got len(arrays)={len(arrs)}")
  shapes = [a.shape for a in arrs]
  if not (arrs[0].ndim in (1, 2) and arrs[-1].ndim in (1, 2) and
          all(a.ndim == 2 for a in arrs[1:-1])):
    raise ValueError("multi_dot: input arrays must all be two-dimensional, except for the "
                     "first and last array which may be 1 or 2 dimensional. Got array shapes "
                     f"{shapes}")
  if any(a.shape[-1] != b.shape[0] for a, b in zip(arrs[:-1], arrs[1:])):
    raise ValueError("multi_dot: last dimension of each array must match first dimension of "
                     f"following array. Got array shapes {shapes}")
  # Operand i has axes (i, i + 1); opt_einsum picks the cheapest contraction order.
  letters = string.ascii_letters
  specs = [letters[i] + letters[i + 1] for i in range(len(arrs))]
  if arrs[0].ndim == 1:
    specs[0] = specs[0][1:]
  if arrs[-1].ndim == 1:
    specs[-1] = specs[-1][:1]
  out = "".join(c for c in letters[:len(arrs) + 1] if sum(c in s for s in specs) == 1)
  return jnp.einsum(",".join(specs) + "->" + out, *arrs, optimize="auto", precision=precision)


def cross(x1, x2, /, *, axis=-1):
  x1, x2 = _arrays("jnp.linalg.outer", x1, x2)
  if x1.shape[axis] != 3 or x2.shape[axis] != 3:
    raise ValueError("Both input arrays must be (arrays of) 3-dimensional vectors, but they "
                     f"have x1.shape[axis]={x1.shape[axis]} and x2.shape[axis]={x2.shape[axis]}")
  return jnp.cross(x1, x2, axis=axis)


def outer(x1, x2, /):
  x1, x2 = _arrays("jnp.linalg.outer", x1, x2)
  if x1.ndim != 1 or x2.ndim != 1:
    raise ValueError(f"Input arrays must be one-dimensional, but they are x1.ndim={x1.ndim} "
                     f"x2.ndim={x2.ndim}")
  return x1[:, None] * x2[None, :]


def matrix_transpose(x, /):
  x, = _arrays("jnp.linalg.matrix_transpose", x)
  if x.ndim < 2:
    raise ValueError(f"matrix_transpose requires at least 2 dimensions; got ndim={x.ndim}")
  return jnp.matrix_transpose(x)


def vecdot(x1, x2, /, *, axis: int = -1, precision=None, preferred_element_type=None):
  x1, x2 = _arrays("jnp.linalg.vecdot", x1, x2)
  out = jnp.vecdot(x1, x2, axis=axis)
  return out if preferred_element_type is None else out.astype(preferred_element_type)


def matmul(x1, x2, /, *, precision=None, preferred_element_type=None):
  x1, x2 = _arrays("jnp.linalg.matmul", x1, x2)
  return jnp.matmul(x1, x2, precision=precision, preferred_element_type=preferred_element_type)


def tensordot(x1, x2, /, *, axes=2, precision=None, preferred_element_type=None,
              out_sharding=None):
  x1, x2 = _arrays("jnp.linalg.tensordot", x1, x2)
  return jnp.tensordot(x1, x2, axes=axes, precision=precision,
                       preferred_element_type=preferred_element_type)


def diagonal(x, /, *, offset: int = 0):
  x, = _arrays("jnp.linalg.diagonal", x)
  if x.ndim < 2:
    raise ValueError("diagonal requires an array of at least two dimensions.")
  return jnp.diagonal(x, offset=offset, axis1=-2, axis2=-1)


def trace(x, /, *, offset: int = 0, dtype=None):
  x, = _arrays("jnp.linalg.trace", x)
  return jnp.trace(x, offset=offset, axis1=-2, axis2=-1, dtype=dtype)
