"""Sweep cases for the linear-algebra primitives (jax.lax.linalg) and fft.

Inputs are made well conditioned inside the case functions (SPD, diagonally dominant,
well-separated spectra), and eigenvector/singular-vector outputs are compared through
quantities that do not depend on their sign or phase."""
import numpy as np

import jaxlite.numpy as jnp
from jaxlite import lax
from jaxlite.lax import linalg
from jaxlite._src.numpy import fft as jfft
from cases import Case, args_of, rand

f32, c64, i32 = np.float32, np.complex64, np.int32
# check_vjp in jaxlite.test_util pairs cotangents without JAX's conjugation, so it only holds
# for real-linear maps with real coefficients: complex cases check forward mode (the
# transposes are checked against the real JAX in test_linalg_fft.py).
FWD = ("fwd",)


def _mT(x):
  nd = x.ndim
  return lax.transpose(x, (*range(nd - 2), nd - 1, nd - 2))


def _eye_like(x, scale):
  return (scale * np.eye(*x.shape[-2:])).astype(x.dtype)


def _spd(x):
  x = jnp.asarray(x)
  xh = lax.conj(_mT(x)) if np.issubdtype(x.dtype, np.complexfloating) else _mT(x)
  return x @ xh + _eye_like(x, x.shape[-1])


def _sym_spread(x):
  """A symmetric matrix with eigenvalues near 1, 2, 3, ...: well separated."""
  x = jnp.asarray(x)
  n = x.shape[-1]
  return 0.1 * (x + _mT(x)) + np.diag(np.arange(1, n + 1)).astype(x.dtype)


def _abs2(v):
  return lax.real(v * lax.conj(v)) if np.issubdtype(v.dtype, np.complexfloating) else v * v


def _eigh(x, **kw):
  v, w = linalg.eigh(_sym_spread(x), **kw)
  return w, _abs2(v)


def _eig_vals(x):
  w, = linalg.eig(_sym_spread(x) + 0.05 * jnp.asarray(x), compute_left_eigenvectors=False,
                  compute_right_eigenvectors=False)
  return w


def _eig_vecs(x):
  w, vl, vr = linalg.eig(_sym_spread(x) + 0.05 * jnp.asarray(x), enable_eigvec_derivs=True)
  return w, _abs2(vl), _abs2(vr)


def _svd(x, full_matrices=False):
  u, s, vt = linalg.svd(x, full_matrices=full_matrices)
  k = s.shape[-1]
  recon = (u[..., :, :k] * lax.convert_element_type(s[..., None, :], u.dtype)) @ vt[..., :k, :]
  return s, recon, _abs2(u), _abs2(vt)


def _qr(x, **kw):
  q, r, *p = linalg.qr(x, **kw)
  return (q, r, *p)


def _tri(a, b, **kw):
  return linalg.triangular_solve(jnp.asarray(a) + _eye_like(a, 4), b, **kw)


def _lu(x):
  return linalg.lu(jnp.asarray(x) + _eye_like(x, 0.5))


def _tridiag(dl, d, du, b):
  return linalg.tridiagonal_solve(dl, jnp.asarray(d) + 4.0, du, b)


CASES = [
    Case("cholesky", lambda x: linalg.cholesky(_spd(x)), args_of(rand((3, 3))), grad_tol=5e-2),
    Case("cholesky", lambda x: linalg.cholesky(_spd(x)), args_of(rand((2, 3, 3))),
         name="batched", grad_order=1),
    Case("cholesky", lambda x: linalg.cholesky(_spd(x)), args_of(rand((3, 3), c64)),
         name="complex", grad_order=1, atol=1e-5, modes=FWD),
    Case("eigh", _eigh, args_of(rand((4, 4))), grad_order=1, atol=1e-5),
    Case("eigh", _eigh, args_of(rand((2, 3, 3))), name="batched", grad_order=1, atol=1e-5),
    Case("eigh", lambda x: _eigh(x, lower=False), args_of(rand((3, 3), c64)), name="complex",
         grad_order=1, atol=1e-5, modes=FWD),
    Case("eig", _eig_vals, args_of(rand((3, 3))), grad_order=1, atol=1e-5),
    Case("eig", _eig_vecs, args_of(rand((3, 3))), name="vectors", grad_order=1, atol=1e-5),
    # check_grads cannot take the float0 tangents of integer outputs: differentiate lu alone.
    Case("lu", _lu, args_of(rand((3, 3))), grad=False),
    Case("lu", lambda x: _lu(x)[0], args_of(rand((3, 3))), name="grad", grad_order=1,
         atol=1e-5),
    Case("lu", lambda x: _lu(x)[0], args_of(rand((4, 3))), name="tall", grad_order=1,
         atol=1e-5),
    Case("lu", lambda x: _lu(x)[0], args_of(rand((3, 5), c64)), name="wide_complex",
         grad_order=1, atol=1e-5, modes=FWD),
    Case("lu_pivots_to_permutation", lambda p: linalg.lu_pivots_to_permutation(p, 5),
         args_of(rand((3,), i32, 0, 5)), grad=False),
    Case("qr", lambda x: _qr(x, full_matrices=False), args_of(rand((4, 3))), grad_order=1,
         atol=1e-5),
    Case("qr", _qr, args_of(rand((3, 3))), name="square_full", grad_order=1, atol=1e-5),
    Case("qr", _qr, args_of(rand((4, 2))), name="tall_full", grad_order=1, atol=1e-5),
    Case("qr", _qr, args_of(rand((2, 4), c64)), name="wide_complex", grad_order=1, atol=1e-5,
         modes=FWD),
    Case("qr", lambda x: _qr(x, pivoting=True, full_matrices=False), args_of(rand((4, 3))),
         name="pivoting", grad=False),
    Case("qr", lambda x: _qr(x, pivoting=True, full_matrices=False)[:2], args_of(rand((4, 3))),
         name="pivoting_grad", grad_order=1, atol=1e-5),
    Case("svd", lambda x: linalg.svd(x, compute_uv=False), args_of(rand((4, 3))),
         name="values", atol=1e-5, grad_tol=5e-2),
    Case("svd", _svd, args_of(rand((4, 3))), name="tall", grad_order=1, atol=1e-5),
    Case("svd", _svd, args_of(rand((2, 4), c64)), name="wide_complex", grad_order=1,
         atol=1e-5, modes=FWD),
    Case("svd", lambda x: _svd(x, full_matrices=True), args_of(rand((3, 3))),
         name="square_full", grad_order=1, atol=1e-5),
    Case("triangular_solve", lambda a, b: _tri(a, b, left_side=True, lower=True),
         args_of(rand((3, 3)), rand((3, 2))), atol=1e-5, grad_tol=5e-2),
    Case("triangular_solve", lambda a, b: _tri(a, b), args_of(rand((3, 3)), rand((2, 3))),
         name="right_upper", atol=1e-5, grad_order=1),
    Case("triangular_solve", lambda a, b: _tri(a, b, left_side=True, transpose_a=True,
                                              unit_diagonal=True),
         args_of(rand((3, 3)), rand((3, 2))), name="unit_transposed", atol=1e-5,
         grad_order=1),
    Case("triangular_solve", lambda a, b: _tri(a, b, left_side=True, lower=True,
                                              transpose_a=True, conjugate_a=True),
         args_of(rand((3, 3), c64), rand((3, 2), c64)), name="conj", atol=1e-5, grad_order=1,
         modes=FWD),
    Case("triangular_solve", lambda a, b: _tri(a, b, left_side=True, lower=True),
         args_of(rand((3, 3)), rand((3, 2))), name="shared_a", vmap_argnums=(1,), atol=1e-5,
         grad=False),
    Case("triangular_solve", lambda a, b: _tri(a, b, lower=True),
         args_of(rand((3, 3)), rand((2, 3))), name="shared_a_right", vmap_argnums=(1,),
         atol=1e-5, grad=False),
    Case("tridiagonal_solve", _tridiag, args_of(rand((4,)), rand((4,)), rand((4,)),
                                                rand((4, 2))), atol=1e-5, grad_order=1),
    Case("tridiagonal_solve", _tridiag, args_of(rand((4,)), rand((4,)), rand((4,)),
                                                rand((4, 2))), name="shared_diags",
         vmap_argnums=(3,), atol=1e-5, grad=False),
    # fft: one case per transform type, plus several axes.
    Case("fft", lambda x: jfft.lax_fft(x, jfft.FftType.FFT, (4,)), args_of(rand((3, 4), c64)),
         atol=1e-5, modes=FWD),
    Case("fft", lambda x: jfft.lax_fft(x, jfft.FftType.IFFT, (3, 4)),
         args_of(rand((2, 3, 4), c64)), name="ifft2", atol=1e-5, modes=FWD),
    Case("fft", lambda x: jfft.lax_fft(x, jfft.FftType.RFFT, (4,)), args_of(rand((3, 4))),
         name="rfft_even", atol=1e-5, modes=FWD),
    Case("fft", lambda x: jfft.lax_fft(x, jfft.FftType.RFFT, (3, 5)), args_of(rand((3, 5))),
         name="rfft2_odd", atol=1e-5, modes=FWD),
    Case("fft", lambda x: jfft.lax_fft(x, jfft.FftType.IRFFT, (6,)), args_of(rand((2, 4), c64)),
         name="irfft_even", atol=1e-5, modes=FWD),
    Case("fft", lambda x: jfft.lax_fft(x, jfft.FftType.IRFFT, (2, 5)),
         args_of(rand((2, 3), c64)), name="irfft2_odd", atol=1e-5, modes=FWD),
]
