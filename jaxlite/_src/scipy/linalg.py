"""``jax.scipy.linalg``: SciPy's linear-algebra API on the lax.linalg primitives.

SciPy's ``overwrite_*`` and ``check_finite`` arguments are accepted and ignored, as in JAX."""
from __future__ import annotations

import warnings

import numpy as np

import jaxlite.numpy as jnp
from jaxlite._src import api
from jaxlite._src import dtypes
from jaxlite._src.custom_derivatives import custom_jvp
from jaxlite._src.lax import lax
from jaxlite._src.lax import linalg as lax_linalg
from jaxlite._src.numpy import linalg as jnp_linalg
from jaxlite._src.numpy import util

__all__ = ["block_diag", "cho_factor", "cho_solve", "cholesky", "det", "eigh", "expm",
           "expm_frechet", "inv", "lu", "lu_factor", "lu_solve", "qr", "solve",
           "solve_triangular", "svd"]


def _inexact(*xs):
  return util.promote_dtypes_inexact(*[jnp.asarray(x) for x in xs])


def _vectorized_solve(name, solve, a, b):
  """Apply ``solve`` (square (..., n, n) with (..., n, k), same batch) with the broadcasting
  of a vectorized ``(n,n),(n)->(n)`` / ``(n,n),(n,k)->(n,k)`` core."""
  if b.ndim == 1:
    vector = True
  elif a.ndim == b.ndim + 1 and a.shape[-1] == b.shape[-1]:
    warnings.warn(
        f"jax.scipy.linalg.{name}: batched 1D solves with b.ndim > 1 are deprecated, and in "
        "the future will be treated as a batched 2D solve. Use "
        f"{name}(..., b[..., None]).squeeze(-1) to avoid this warning.",
        category=FutureWarning, stacklevel=3)
    vector = True
  else:
    vector = False
  signature = "(n,n),(n)->(n)" if vector else "(n,n),(n,k)->(n,k)"
  bm = b[..., None] if vector else b
  if a.ndim < 2 or bm.ndim < 2:
    raise ValueError(f"{name}: expected a (batched) square matrix and a vector or matrix, "
                     f"got shapes {a.shape} and {b.shape}")
  for size in (a.shape[-1], bm.shape[-2]):
    if size != a.shape[-2]:
      raise ValueError(f"inconsistent size for core dimension 'n': {size} vs {a.shape[-2]} "
                       f"on vectorized function with excluded=frozenset() and "
                       f"signature='{signature}'")
  batch = tuple(np.broadcast_shapes(a.shape[:-2], bm.shape[:-2]))
  x = solve(jnp.broadcast_to(a, batch + a.shape[-2:]), jnp.broadcast_to(bm, batch + bm.shape[-2:]))
  return x[..., 0] if vector else x


# ---------------------------------------------------------------------------
# Cholesky

def cholesky(a, lower: bool = False, overwrite_a: bool = False, check_finite: bool = True):
  a, = _inexact(a)
  # Only the named triangle is read; the upper factor is the conjugate transpose of the lower.
  l = lax_linalg.cholesky(a if lower else jnp.conj(a.mT), symmetrize_input=False)
  return l if lower else jnp.conj(l.mT)


def cho_factor(a, lower: bool = False, overwrite_a: bool = False, check_finite: bool = True):
  return cholesky(a, lower=lower), lower


def _cho_solve_core(c, b, lower):
  b = lax_linalg.triangular_solve(c, b, left_side=True, lower=lower, transpose_a=not lower,
                                  conjugate_a=not lower)
  return lax_linalg.triangular_solve(c, b, left_side=True, lower=lower, transpose_a=lower,
                                     conjugate_a=lower)


def cho_solve(c_and_lower, b, overwrite_b: bool = False, check_finite: bool = True):
  c, lower = c_and_lower
  c, b = _inexact(c, b)
  return _vectorized_solve("cho_solve", lambda c, b: _cho_solve_core(c, b, lower), c, b)


# ---------------------------------------------------------------------------
# LU

def lu_factor(a, overwrite_a: bool = False, check_finite: bool = True):
  a, = _inexact(a)
  lu_, pivots, _ = lax_linalg.lu(a)
  return lu_, pivots


def lu_solve(lu_and_piv, b, trans: int = 0, overwrite_b: bool = False,
             check_finite: bool = True):
  lu_, pivots = lu_and_piv
  lu_, b = _inexact(lu_, b)
  perm = lax_linalg.lu_pivots_to_permutation(pivots, lu_.shape[-2])
  if trans not in (0, 1, 2):
    raise ValueError(f"'trans' value must be 0, 1, or 2, got {trans}")
  return _vectorized_solve(
      "lu_solve", lambda m, y: lax_linalg._lu_solve(
          m, jnp.broadcast_to(perm, m.shape[:-1]), y, trans), lu_, b)


def lu(a, permute_l: bool = False, overwrite_a: bool = False, check_finite: bool = True):
  """``a = p @ l @ u`` (or ``(p @ l) @ u`` with ``permute_l``), for a 2-D ``a``."""
  a, = _inexact(a)
  lu_, _, permutation = lax_linalg.lu(a)
  m, n = np.shape(a)
  p = (permutation[None, :] == jnp.arange(m, dtype=permutation.dtype)[:, None]).astype(a.dtype)
  k = min(m, n)
  l = jnp.tril(lu_, -1)[:, :k] + jnp.eye(m, k, dtype=a.dtype)
  u = jnp.triu(lu_)[:k, :]
  return (p @ l, u) if permute_l else (p, l, u)


# ---------------------------------------------------------------------------
# Solves

def solve_triangular(a, b, trans=0, lower: bool = False, unit_diagonal: bool = False,
                     overwrite_b: bool = False, debug=None, check_finite: bool = True):
  if trans == 0 or trans == "N":
    transpose_a, conjugate_a = False, False
  elif trans == 1 or trans == "T":
    transpose_a, conjugate_a = True, False
  elif trans == 2 or trans == "C":
    transpose_a, conjugate_a = True, True
  else:
    raise ValueError(f"Invalid 'trans' value {trans}")
  a, b = _inexact(a, b)
  return _vectorized_solve(
      "solve_triangular", lambda a, b: lax_linalg.triangular_solve(
          a, b, left_side=True, lower=lower, transpose_a=transpose_a, conjugate_a=conjugate_a,
          unit_diagonal=unit_diagonal), a, b)


def _solve_pos_impl(a, b, lower):
  return _cho_solve_core(cholesky(a, lower=lower), b, lower)


_solve_pos = custom_jvp(_solve_pos_impl, nondiff_argnums=(2,))


@_solve_pos.defjvp
def _solve_pos_jvp(lower, primals, tangents):
  # x = A^-1 b  =>  dx = A^-1 (db - dA x), reusing the Cholesky factor.
  a, b = primals
  da, db = tangents
  c = cholesky(a, lower=lower)
  x = _cho_solve_core(c, b, lower)
  return x, _cho_solve_core(c, db - da @ x, lower)


def solve(a, b, lower: bool = False, overwrite_a: bool = False, overwrite_b: bool = False,
          debug: bool = False, check_finite: bool = True, assume_a: str = "gen"):
  valid = ["gen", "sym", "her", "pos"]
  if assume_a not in valid:
    raise ValueError(f"Expected assume_a to be one of {valid}; got {assume_a!r}")
  if assume_a != "pos":
    return jnp_linalg.solve(a, b)
  a, b = _inexact(a, b)
  if not (a.ndim >= 2 and b.ndim in (a.ndim, a.ndim - 1) and
          a.shape[-1] == a.shape[-2] == b.shape[a.ndim - 2]):
    raise ValueError("The arguments to solve must have shapes a=[..., m, m] and b=[..., m, k] "
                     f"or b=[..., m]; got a={a.shape} and b={b.shape}")
  vector = a.ndim == b.ndim + 1
  bm = b[..., None] if vector else b
  batch = tuple(np.broadcast_shapes(a.shape[:-2], bm.shape[:-2]))
  x = _solve_pos(jnp.broadcast_to(a, batch + a.shape[-2:]),
                 jnp.broadcast_to(bm, batch + bm.shape[-2:]), lower)
  return x[..., 0] if vector else x


def inv(a, overwrite_a: bool = False, check_finite: bool = True):
  return jnp_linalg.inv(a)


def det(a, overwrite_a: bool = False, check_finite: bool = True):
  return jnp_linalg.det(a)


# ---------------------------------------------------------------------------
# Decompositions

def qr(a, overwrite_a: bool = False, lwork=None, mode: str = "full", pivoting: bool = False,
       check_finite: bool = True):
  if mode in ("full", "r"):
    full_matrices = True
  elif mode == "economic":
    full_matrices = False
  else:
    raise ValueError(f"Unsupported QR decomposition mode '{mode}'")
  a, = _inexact(a)
  q, r, *p = lax_linalg.qr(a, pivoting=pivoting, full_matrices=full_matrices)
  if mode == "r":
    return (r, p[0]) if pivoting else (r,)
  return (q, r, p[0]) if pivoting else (q, r)


def svd(a, full_matrices: bool = True, compute_uv: bool = True, overwrite_a: bool = False,
        check_finite: bool = True, lapack_driver: str = "gesdd"):
  a, = _inexact(a)
  return lax_linalg.svd(a, full_matrices=full_matrices, compute_uv=compute_uv)


def eigh(a, b=None, lower: bool = True, eigvals_only: bool = False, overwrite_a: bool = False,
         overwrite_b: bool = False, turbo: bool = True, eigvals=None, type: int = 1,  # noqa: A002
         check_finite: bool = True):
  if b is not None:
    raise NotImplementedError("Only the b=None case of eigh is implemented")
  if type != 1:
    raise NotImplementedError("Only the type=1 case of eigh is implemented.")
  if eigvals is not None:
    raise NotImplementedError("Only the eigvals=None case of eigh is implemented.")
  a, = _inexact(a)
  v, w = lax_linalg.eigh(a, lower=lower)
  return w if eigvals_only else (w, v)


# ---------------------------------------------------------------------------
# expm: scaling and squaring with Padé approximants (Higham 2005), as JAX

_PADE = {
    3: (120., 60., 12., 1.),
    5: (30240., 15120., 3360., 420., 30., 1.),
    7: (17297280., 8648640., 1995840., 277200., 25200., 1512., 56., 1.),
    9: (17643225600., 8821612800., 2075673600., 302702400., 30270240., 2162160., 110880.,
        3960., 90., 1.),
    13: (64764752532480000., 32382376266240000., 7771770303897600., 1187353796428800.,
         129060195264000., 10559470521600., 670442572800., 33522128640., 1323241920.,
         40840800., 960960., 16380., 182., 1.),
}


def _pade(order):
  """(U, V) of the [order/order] Padé approximant: exp(A) ~ (V - U)^-1 (V + U)."""
  b = _PADE[order]

  def uv(A):
    ident = jnp.eye(*A.shape, dtype=A.dtype)
    A2 = A @ A
    if order == 13:
      A4 = A2 @ A2
      A6 = A4 @ A2
      U = A @ (A6 @ (b[13] * A6 + b[11] * A4 + b[9] * A2) + b[7] * A6 + b[5] * A4 +
               b[3] * A2 + b[1] * ident)
      V = A6 @ (b[12] * A6 + b[10] * A4 + b[8] * A2) + b[6] * A6 + b[4] * A4 + b[2] * A2 + \
          b[0] * ident
      return U, V
    powers = [ident, A2]  # even powers A^0, A^2, A^4, ...
    while len(powers) <= order // 2:
      powers.append(powers[-1] @ A2)
    # Highest power first, the summation order of JAX.
    U = A @ sum(reversed([b[2 * i + 1] * p for i, p in enumerate(powers)]))
    V = sum(reversed([b[2 * i] * p for i, p in enumerate(powers)]))
    return U, V
  return uv


def _calc_P_Q(A):
  A_L1 = jnp_linalg.norm(A, 1)
  if A.dtype in (np.float64, np.complex128):
    maxnorm = 5.371920351148152
    conds = [1.495585217958292e-002, 2.539398330063230e-001, 9.504178996162932e-001,
             2.097847961257068e+000]
    orders = [3, 5, 7, 9, 13]
  elif A.dtype in (np.float32, np.complex64):
    maxnorm = 3.925724783138660
    conds = [4.258730016922831e-001, 1.880152677804762e+000]
    orders = [3, 5, 7]
  else:
    raise TypeError(f"A.dtype={A.dtype} is not supported.")
  n_squarings = jnp.maximum(0, jnp.floor(jnp.log2(A_L1 / maxnorm)))
  A = A / (2 ** n_squarings).astype(A.dtype)
  idx = jnp.digitize(A_L1, jnp.asarray(conds, dtype=A_L1.dtype))
  U, V = lax.switch(idx, [_pade(o) for o in orders], A)
  return U + V, -U + V, n_squarings


def _expm_2d(A, upper_triangular, max_squarings):
  P, Q, n_squarings = _calc_P_Q(A)

  def compute(args):
    A, P, Q = args
    R = solve_triangular(Q, P) if upper_triangular else jnp_linalg.solve(Q, P)

    def square(c, i):
      return lax.cond(i < n_squarings, lambda x: x @ x, lambda x: x, c), None
    R, _ = lax.scan(square, R, jnp.arange(max_squarings, dtype=n_squarings.dtype))
    return R

  return lax.cond(n_squarings > max_squarings, lambda args: jnp.full_like(args[0], np.nan),
                  compute, (A, P, Q))


def expm(A, *, upper_triangular: bool = False, max_squarings: int = 16):
  A, = _inexact(A)
  if A.ndim < 2 or A.shape[-1] != A.shape[-2]:
    raise ValueError(f"Expected A to be a (batched) square matrix, got A.shape={A.shape}.")
  fn = lambda x: _expm_2d(x, upper_triangular, max_squarings)  # noqa: E731
  for _ in range(A.ndim - 2):
    fn = api.vmap(fn)
  return fn(A)


def expm_frechet(A, E, *, method=None, compute_expm: bool = True):
  """exp(A) and its directional derivative along E (the JVP of expm)."""
  A, E = jnp.asarray(A), jnp.asarray(E)
  if A.ndim < 2 or A.shape[-2] != A.shape[-1]:
    raise ValueError(f"expected A to be a (batched) square matrix, got A.shape={A.shape}")
  if E.ndim < 2 or E.shape[-2] != E.shape[-1]:
    raise ValueError(f"expected E to be a (batched) square matrix, got E.shape={E.shape}")
  if A.shape != E.shape:
    raise ValueError(f"expected A and E to be the same shape, got A.shape={A.shape} "
                     f"E.shape={E.shape}")
  expm_A, frechet = api.jvp(lambda x: expm(x), (A,), (E,))
  return (expm_A, frechet) if compute_expm else frechet


def block_diag(*arrs):
  if not arrs:
    arrs = (jnp.zeros((1, 0)),)
  arrs = util.promote_dtypes(*[jnp.asarray(a) for a in arrs])
  bad = [i for i, a in enumerate(arrs) if np.ndim(a) > 2]
  if bad:
    raise ValueError("Arguments to jax.scipy.linalg.block_diag must have at most 2 "
                     f"dimensions, got {arrs[bad[0]]} at argument {bad[0]}.")
  mats = [jnp.atleast_2d(a) for a in arrs]
  zero = np.zeros((), dtypes.dtype(mats[0]))
  total = sum(a.shape[1] for a in mats)
  rows, start = [], 0
  for a in mats:
    cols = a.shape[1]
    rows.append(lax.pad(a, zero, ((0, 0, 0), (start, total - cols - start, 0))))
    start += cols
  return jnp.concatenate(rows, axis=0)
