"""jnp.linalg, jnp.fft, jax.scipy.linalg and jax.lax.linalg against NumPy/SciPy, derivative
checks, and values of the real JAX 0.10.2 where JAX has its own conventions."""
import numpy as np
import pytest
import scipy.linalg as spl

import jaxlite
import jaxlite.numpy as jnp
import jaxlite.numpy.fft as jfft
import jaxlite.numpy.linalg as jla
import jaxlite.scipy.linalg as jsl
from jaxlite._src.numpy.fft import lax_fft
from jaxlite._src.config import enable_x64
from jaxlite.lax import linalg as L
from jaxlite.test_util import check_grads

f32, f64, c64, c128 = np.float32, np.float64, np.complex64, np.complex128
RNG = np.random.default_rng(0)


def rnd(*shape, dtype=f32):
  x = RNG.normal(size=shape)
  if np.dtype(dtype).kind == "c":
    x = x + 1j * RNG.normal(size=shape)
  return x.astype(dtype)


def spd(*shape, dtype=f32):
  x = rnd(*shape, dtype=dtype)
  return (x @ np.conj(np.swapaxes(x, -1, -2)) + shape[-1] * np.eye(shape[-1])).astype(dtype)


def close(got, want, tol=1e-4):
  got = np.asarray(got)
  want = np.asarray(want)
  assert got.shape == want.shape, (got.shape, want.shape)
  np.testing.assert_allclose(got, want, rtol=tol, atol=tol)


# ---------------------------------------------------------------------------
# jnp.linalg against NumPy

@pytest.mark.parametrize("dtype", [f32, c64])
@pytest.mark.parametrize("shape", [(4, 4), (2, 3, 3)])
def test_inverse_solve_det(shape, dtype):
  a = rnd(*shape, dtype=dtype) + 2 * np.eye(shape[-1], dtype=dtype)
  b = rnd(*shape[:-1], dtype=dtype)
  close(jla.inv(a), np.linalg.inv(a))
  close(jla.solve(a, b[..., None]), np.linalg.solve(a, b[..., None]))
  close(jla.solve(a[0] if a.ndim == 3 else a, b[0] if b.ndim == 2 else b),
        np.linalg.solve(a[0] if a.ndim == 3 else a, b[0] if b.ndim == 2 else b))
  close(jla.det(a), np.linalg.det(a))
  sign, logdet = jla.slogdet(a)
  close(sign, np.linalg.slogdet(a)[0])
  close(logdet, np.linalg.slogdet(a)[1])
  assert jla.inv(a).dtype == dtype and jla.slogdet(a).logabsdet.dtype == np.real(a).dtype


def test_solve_broadcasts_batch_dims():
  a, b = rnd(2, 3, 3), rnd(5, 1, 3, 2)
  close(jla.solve(a, b), np.linalg.solve(a, b))
  a5 = rnd(2, 5, 5)
  close(jla.det(a5), np.linalg.det(a5))
  assert jla.inv(np.eye(3, dtype=np.int32)).dtype == f32


def test_cholesky_qr_svd_eigh():
  s = spd(2, 4, 4)
  close(jla.cholesky(s), np.linalg.cholesky(s))
  close(jla.cholesky(s, upper=True), np.linalg.cholesky(s, upper=True))
  for shape in [(5, 3), (3, 5), (2, 4, 4)]:
    x = rnd(*shape)
    for mode in ["reduced", "complete"]:
      q, r = jla.qr(x, mode=mode)
      nq, nr = np.linalg.qr(x, mode=mode)
      close(q, nq)  # LAPACK's sign convention, as JAX on CPU
      close(r, nr)
    close(jla.qr(x, mode="r"), np.linalg.qr(x, mode="r"))
    for full in [True, False]:
      u, sv, vh = jla.svd(x, full_matrices=full)
      nu, ns, nvh = np.linalg.svd(x, full_matrices=full)
      close(sv, ns)
      close(np.abs(u), np.abs(nu))
      close(np.abs(vh), np.abs(nvh))
    close(jla.svd(x, compute_uv=False), np.linalg.svd(x, compute_uv=False))
    close(jla.svdvals(x), np.linalg.svdvals(x))
  w, v = jla.eigh(s)
  nw, nv = np.linalg.eigh(s)
  close(w, nw)
  close(np.abs(v), np.abs(nv))
  close(jla.eigh(np.tril(s), UPLO="L", symmetrize_input=False)[0], nw)
  close(jla.eigh(np.triu(s), UPLO="U", symmetrize_input=False)[0], nw)
  close(jla.eigvalsh(s), nw)


def test_eig_eigvals():
  a = rnd(3, 4, 4)
  w, v = jla.eig(a)
  assert w.dtype == c64 and v.dtype == c64
  close(np.sort_complex(np.asarray(w)), np.sort_complex(np.linalg.eigvals(a)))
  close(a.astype(c64) @ np.asarray(v), np.asarray(v) * np.asarray(w)[..., None, :])
  close(np.linalg.norm(np.asarray(v), axis=-2), np.ones((3, 4)))
  close(np.sort_complex(np.asarray(jla.eigvals(a))), np.sort_complex(np.linalg.eigvals(a)))


def test_pinv_lstsq_rank_power_products():
  x = rnd(2, 5, 3)
  close(jla.pinv(x), np.linalg.pinv(x))
  s = spd(4, 4)
  close(jla.pinv(s, hermitian=True), np.linalg.pinv(s, hermitian=True))
  a, b = rnd(5, 3), rnd(5, 2)
  for got, want in zip(jla.lstsq(a, b), np.linalg.lstsq(a, b)):
    close(got, want)
  assert int(jla.matrix_rank(np.ones((3, 4)))) == 1
  close(jla.matrix_rank(rnd(3, 4, 4)), np.linalg.matrix_rank(rnd(3, 4, 4)))
  m = rnd(2, 3, 3) + 3 * np.eye(3, dtype=f32)
  for n in [0, 1, 3, 6, -2]:
    close(jla.matrix_power(m, n), np.linalg.matrix_power(m, n), 1e-3)
  arrs = [rnd(3), rnd(3, 4), rnd(4, 6), rnd(6, 2)]
  close(jla.multi_dot(arrs), np.linalg.multi_dot(arrs))
  t = rnd(4, 6, 8, 3)
  close(jla.tensorinv(t, ind=2), np.linalg.tensorinv(t, ind=2), 1e-3)
  t2, b2 = rnd(2, 3, 6), rnd(2, 3)
  close(jla.tensorsolve(t2, b2), np.linalg.tensorsolve(t2, b2), 1e-3)
  m4 = rnd(3, 4, 4)
  for p in [None, 1, -1, 2, -2, np.inf, -np.inf, "fro"]:
    close(jla.cond(m4, p), np.linalg.cond(m4, p), 1e-3)


@pytest.mark.parametrize("ord", [None, "fro", "nuc", 1, -1, 2, -2, np.inf, -np.inf])
def test_matrix_norms(ord):
  x = rnd(3, 4, 5)
  for axis in [(0, 1), (2, 0), (-1, -2)]:
    for keepdims in [False, True]:
      close(jla.norm(x, ord, axis, keepdims), np.linalg.norm(x, ord, axis, keepdims))
  close(jla.matrix_norm(x, ord="fro" if ord is None else ord),
        np.linalg.matrix_norm(x, ord="fro" if ord is None else ord))


@pytest.mark.parametrize("ord", [None, 0, 1, 2, 3, 0.5, -1, -2, np.inf, -np.inf])
def test_vector_norms(ord):
  x = rnd(3, 4, 5)
  for axis in [0, -1]:
    close(jla.norm(x, ord, axis), np.linalg.norm(x, ord, axis))
  close(jla.vector_norm(x, ord=2 if ord is None else ord, axis=(0, 2)),
        np.linalg.vector_norm(x, ord=2 if ord is None else ord, axis=(0, 2)))
  z = rnd(4, 3, dtype=c64)
  close(jla.norm(z, ord, 0), np.linalg.norm(z, ord, 0))


def test_array_api_aliases():
  x, v = rnd(3, 4, 5), rnd(3)
  close(jla.norm(x), np.linalg.norm(x))
  close(jla.outer(v, v[::-1]), np.linalg.outer(v, v[::-1]))
  close(jla.cross(x[..., :3], x[..., 1:4]), np.linalg.cross(x[..., :3], x[..., 1:4]))
  close(jla.vecdot(x, x), np.linalg.vecdot(x, x))
  close(jla.matmul(x, np.swapaxes(x, -1, -2)), np.linalg.matmul(x, np.swapaxes(x, -1, -2)))
  close(jla.trace(x, offset=1), np.linalg.trace(x, offset=1))
  close(jla.diagonal(x, offset=-1), np.linalg.diagonal(x, offset=-1))
  close(jla.tensordot(x, x, axes=((0, 1), (0, 1))), np.linalg.tensordot(x, x, axes=((0, 1), (0, 1))))
  close(jla.matrix_transpose(x), np.linalg.matrix_transpose(x))


def test_lax_linalg_against_numpy():
  dl, d, du, b = rnd(2, 5), rnd(2, 5) + 4, rnd(2, 5), rnd(2, 5, 3)
  dense = (np.apply_along_axis(np.diag, -1, d) + np.apply_along_axis(np.diag, -1, dl[:, 1:], -1)
           + np.apply_along_axis(np.diag, -1, du[:, :-1], 1))
  close(L.tridiagonal_solve(dl, d, du, b), np.linalg.solve(dense, b))
  a, rhs = rnd(2, 4, 4) + 4 * np.eye(4, dtype=f32), rnd(2, 3, 4)
  for lower in [True, False]:
    for transpose_a in [True, False]:
      tri = np.tril(a) if lower else np.triu(a)
      op = np.swapaxes(tri, -1, -2) if transpose_a else tri
      close(L.triangular_solve(a, rhs, lower=lower, transpose_a=transpose_a),
            np.swapaxes(np.linalg.solve(np.swapaxes(op, -1, -2), np.swapaxes(rhs, -1, -2)),
                        -1, -2))
  s = spd(4, 4)
  v, w = L.eigh(s, subset_by_index=(1, 3))  # JAX computes subsets on TPU only
  close(w, np.linalg.eigvalsh(s)[1:3])
  close(np.abs(v), np.abs(np.linalg.eigh(s)[1][:, 1:3]))
  close(L.svd(a[0], full_matrices=False, subset_by_index=(0, 2))[1],
        np.linalg.svd(a[0], compute_uv=False)[:2])
  w, vl, vr = L.eig(a[0])
  close(np.conj(vl.T) @ a[0], np.asarray(w)[:, None] * np.conj(vl.T))  # left eigenvectors
  close(np.linalg.norm(vl, axis=0), np.ones(4))
  perm = L.lu_pivots_to_permutation(np.array([[2, 2, 3], [0, 1, 2]], np.int32), 4)
  assert perm.tolist() == [[2, 0, 3, 1], [0, 1, 2, 3]]


# ---------------------------------------------------------------------------
# jnp.fft against NumPy

@pytest.mark.parametrize("norm", [None, "backward", "ortho", "forward"])
def test_fft_functions(norm):
  x = rnd(4, 6)
  z = rnd(4, 6, dtype=c64)
  for name in ["fft", "ifft", "fft2", "ifft2", "fftn", "ifftn", "rfft", "irfft", "rfft2",
               "irfft2", "rfftn", "irfftn", "hfft", "ihfft"]:
    arg = x if name.startswith("r") or name == "ihfft" else z
    out = getattr(jfft, name)(arg, norm=norm)
    close(out, getattr(np.fft, name)(arg, norm=norm), 2e-4)
    assert out.dtype in (f32, c64), (name, out.dtype)  # single precision is kept


def test_fft_lengths_and_axes():
  x, z = rnd(4, 6), rnd(4, 6, dtype=c64)
  close(jfft.fft(z, n=9, axis=0), np.fft.fft(z, n=9, axis=0))
  close(jfft.fft(z, n=3), np.fft.fft(z, n=3))
  close(jfft.irfft(z, n=7, axis=0), np.fft.irfft(z, n=7, axis=0))
  close(jfft.rfftn(x, s=(3, 8), axes=(0, 1)), np.fft.rfftn(x, s=(3, 8), axes=(0, 1)))
  close(jfft.irfftn(z, s=(5, 7), axes=(1, 0)), np.fft.irfftn(z, s=(5, 7), axes=(1, 0)))
  close(jfft.fftn(z, axes=(0,)), np.fft.fftn(z, axes=(0,)))
  w = rnd(2, 3, 2, 3, dtype=c64)
  close(jfft.fftn(w), np.fft.fftn(w), 1e-3)
  close(jfft.hfft(z, n=7), np.fft.hfft(z, n=7), 1e-3)
  close(jfft.ihfft(x, n=5), np.fft.ihfft(x, n=5))
  close(jfft.fftfreq(7, 0.3), np.fft.fftfreq(7, 0.3))
  close(jfft.rfftfreq(8, 2), np.fft.rfftfreq(8, 2))
  close(jfft.fftshift(x), np.fft.fftshift(x))
  close(jfft.fftshift(x, axes=(1,)), np.fft.fftshift(x, axes=(1,)))
  close(jfft.ifftshift(x, axes=0), np.fft.ifftshift(x, axes=0))
  assert jfft.fft(np.arange(4)).dtype == c64 and jfft.rfft(np.arange(4)).dtype == c64
  assert jfft.fftfreq(4).dtype == f32 and jfft.fftfreq(5, dtype=jnp.complex64).dtype == c64
  with enable_x64(True):
    assert jfft.fft(rnd(4).astype(f64)).dtype == c128


# ---------------------------------------------------------------------------
# jax.scipy.linalg against SciPy

def test_scipy_solvers():
  s, b = spd(4, 4), rnd(4, 2)
  close(jsl.cho_solve(jsl.cho_factor(s), b[:, 0]), spl.cho_solve(spl.cho_factor(s), b[:, 0]))
  close(jsl.cho_solve(jsl.cho_factor(s, lower=True), b),
        spl.cho_solve(spl.cho_factor(s, lower=True), b))
  a = rnd(4, 4) + 4 * np.eye(4, dtype=f32)
  for trans in [0, 1, 2, "C"]:
    for lower in [True, False]:
      close(jsl.solve_triangular(a, b, trans=trans, lower=lower),
            spl.solve_triangular(a, b, trans=trans, lower=lower))
  close(jsl.solve_triangular(a, b[:, 0], unit_diagonal=True),
        spl.solve_triangular(a, b[:, 0], unit_diagonal=True))
  lu_, piv = jsl.lu_factor(a)
  nlu, npiv = spl.lu_factor(a)
  close(lu_, nlu)
  np.testing.assert_array_equal(piv, npiv)
  for trans in [0, 1, 2]:
    close(jsl.lu_solve((lu_, piv), b, trans=trans), spl.lu_solve((nlu, npiv), b, trans=trans))
  close(jsl.solve(s, b, assume_a="pos"), spl.solve(s, b, assume_a="pos"))
  close(jsl.solve(a, b), spl.solve(a, b))
  close(jsl.inv(a), spl.inv(a))
  close(jsl.det(a), spl.det(a), 1e-3)
  close(jsl.cholesky(s), spl.cholesky(s))
  close(jsl.cholesky(s, lower=True), spl.cholesky(s, lower=True))


def test_scipy_decompositions():
  for shape in [(4, 4), (5, 3), (3, 5)]:
    x = rnd(*shape)
    for got, want in zip(jsl.lu(x), spl.lu(x)):
      close(got, want)
    for got, want in zip(jsl.lu(x, permute_l=True), spl.lu(x, permute_l=True)):
      close(got, want)
    for mode in ["full", "economic", "r"]:
      for got, want in zip(jsl.qr(x, mode=mode), spl.qr(x, mode=mode)):
        close(got, want)
    q, r, p = jsl.qr(x, pivoting=True, mode="economic")
    nq, nr, nump = spl.qr(x, pivoting=True, mode="economic")
    np.testing.assert_array_equal(p, nump)
    close(q, nq)
    close(r, nr)
    close(jsl.svd(x, compute_uv=False), spl.svd(x, compute_uv=False))
  s = spd(3, 3)
  close(jsl.eigh(s, eigvals_only=True), spl.eigh(s, eigvals_only=True))
  blocks = (rnd(3, 3), np.ones(2, f32), np.float32(3.0), np.ones((2, 1), f32))
  close(jsl.block_diag(*blocks), spl.block_diag(*blocks))
  assert jsl.block_diag().shape == (1, 0)


@pytest.mark.parametrize("scale", [0.01, 0.3, 1.0, 3.0, 10.0])
def test_expm(scale):
  m = RNG.normal(size=(4, 4))
  close(jsl.expm((scale * m).astype(f32)), spl.expm(scale * m), 1e-3 * max(1, scale ** 2))
  with enable_x64(True):
    close(jsl.expm(scale * m), spl.expm(scale * m), 1e-9 * max(1, scale ** 2))
  batch = (0.5 * RNG.normal(size=(2, 3, 3))).astype(f32)
  close(jsl.expm(batch), np.stack([spl.expm(b) for b in batch]))
  upper = np.triu(batch[0])
  close(jsl.expm(upper, upper_triangular=True), spl.expm(upper))


# ---------------------------------------------------------------------------
# Values of the real JAX (conventions NumPy/SciPy do not pin down)

SING = np.array([[1., 2, 3], [2, 4, 6], [1, 0, 1]], f32)
C3 = np.array([[1 + 1j, 0.5 - 1j, 2], [0.3j, 2 - 1j, -1], [1, 1j, 3 + 0.5j]], c64)
M3 = np.array([[0.1, 0.5, -0.3], [0.2, -0.4, 0.6], [0.9, 0.1, 0.2]], f32)


def test_singular_and_failing_inputs_like_jax():
  sign, logdet = jla.slogdet(SING)
  assert float(sign) == 0.0 and float(logdet) == -np.inf
  assert float(jla.det(np.ones((4, 4), f32))) == 0.0
  # The derivative of det is the adjugate, also for singular matrices.
  close(jaxlite.grad(jla.det)(SING), [[4., 4, -4], [-2, -2, 2], [0, 0, 0]])
  close(jaxlite.grad(jla.det)(np.diag(np.array([1., 2, 3, 0], f32))),
        np.diag([0., 0, 0, 6]))
  close(jaxlite.grad(jla.det)(np.ones((4, 4), f32)), np.zeros((4, 4)))
  chol = np.asarray(L.cholesky(np.array([[[1., 2], [2, 1]], [[2, 0], [0, 2]]], f32)))
  assert np.isnan(chol[0, :, 0]).all() and np.isnan(chol[0, 1, 1]) and chol[0, 0, 1] == 0
  close(chol[1], np.sqrt(2) * np.eye(2))
  lu_, piv, perm = L.lu(np.array([[1., 2, 3], [2, 4, 6], [0, 0, 1]], f32))
  close(lu_, [[2., 4, 6], [0.5, 0, 0], [0, 0, 1]])
  assert piv.tolist() == [1, 1, 2] and perm.tolist() == [1, 0, 2]
  lu_, piv, perm = L.lu(np.array([[1., 2], [2, 4], [1, 1]], f32))
  close(lu_, [[2., 4], [0.5, -1], [0.5, 0]])
  assert piv.tolist() == [1, 2] and perm.tolist() == [1, 2, 0]
  close(L.triangular_solve(np.array([[1., 0], [2, 0]], f32), np.ones((2, 1), f32),
                           left_side=True, lower=True), [[1.], [-np.inf]])
  assert np.isnan(np.asarray(L.tridiagonal_solve(*[np.zeros(3, f32)] * 3,
                                                 np.ones((3, 2), f32)))).all()
  assert L.lu_pivots_to_permutation(np.array([1, 2, 2], np.int32), 4).tolist() == [1, 2, 0, 3]


def test_decomposition_conventions_like_jax():
  q, r, p = L.qr(np.array([[1., 5, 2], [3, 1, 4], [0, 2, 2], [1, 1, 1]], f32), pivoting=True)
  assert p.tolist() == [1, 2, 0]
  close(r[:3], [[-5.5677648, -3.4125, -1.6164474], [0., -3.654427, -2.5951734],
                [0., 0., 1.2853693]])
  close(q[:, :2], [[-0.89802635, 0.29129496], [-0.17960529, -0.92684764],
                   [-0.35921058, -0.21185091], [-0.17960529, -0.10592546]])
  w, vl, vr = L.eig(np.array([[2., 1], [0, 3]], f32))
  close(w, [2, 3])
  close(vl, [[0.70710677, 0], [-0.70710677, 1]])
  close(vr, [[1, 0.70710677], [0, 0.70710677]])
  w, v = jla.eigh(np.array([[2, 1j], [-1j, 3]], c64))
  close(w, [1.3819661, 3.618034])
  close(v, [[-0.85065085, -0.52573115], [-0.52573115j, 0.85065085j]])
  u, s, vh = jla.svd(M3 + M3.T, hermitian=True)
  close(s, [1.3597758, 1.256627, 0.30314893])
  close(u[:, 0], [-0.6031678, -0.41604936, -0.6805081])
  close(vh[1], [-0.32681978, 0.9071852, -0.26495895])
  close(jsl.expm(4 * M3), [[1.5031582, 1.1532626, 0.11069629], [4.805076, 2.7106404, 1.6672043],
                           [6.907531, 3.8976767, 1.938408]])


def _grad(f, x):
  return np.asarray(jaxlite.grad(f)(x))


def test_complex_gradients_like_jax():
  """Reverse mode of complex functions follows JAX's convention (grad = conj of the
  Wirtinger derivative for real losses)."""
  w9 = np.arange(9.).reshape(3, 3)
  close(_grad(lambda c: jnp.sum(jnp.abs(jla.qr(c)[1]) ** 2 * w9), C3),
        [[-8.354283 - 20.508274j, -0.1965678 + 4.7603493j, 9.209923 + 13.142904j],
         [20.254028 + 4.1981225j, 18.26901 + 5.363197j, -14.621914 - 1.4664029j],
         [-10.894556 + 22.786343j, 4.965874 - 7.844485j, 23.493061 - 13.166246j]], 1e-3)
  close(_grad(lambda c: jnp.sum(jnp.abs(jla.svd(c)[0][:, 0]) * np.arange(3.)) +
              jla.svd(c)[1] @ np.arange(3.), C3),
        [[-0.0924717 - 1.1365547j, -0.08373238 + 0.32056355j, -0.39042047 + 0.49250597j],
         [0.7642273 + 0.409958j, 1.009547 + 0.26320544j, -0.3745979 - 0.2538684j],
         [0.24606137 + 0.9997581j, 0.23912224 - 0.3656394j, 0.09590025 - 0.42894354j]])
  close(_grad(lambda c: jnp.sum(jnp.abs(jla.cholesky(c @ c.conj().T + 3 * np.eye(3))) * w9),
              C3),
        [[0.23238662 + 0.3558364j, -0.0150578 + 1.891255j, -0.30797017 - 0.77445436j],
         [-1.2142807 - 1.44681j, 3.474059 + 1.6462886j, -1.8171818 - 0.545766j],
         [2.8752189 - 0.22393878j, -0.77920353 - 4.0598264j, 9.786467 - 1.2966969j]], 1e-3)
  close(_grad(lambda c: jnp.abs(jla.det(c)), C3),
        [[0.29017544 - 6.5700674j, -1.0488212 + 0.65762746j, 0.53100544 + 2.4511287j],
         [4.2672853 + 2.8901157j, 3.5302086 + 0.19396758j, -1.6681206 - 1.8620882j],
         [2.0622625 + 4.9997067j, 1.7646389 - 0.667869j, 1.3614969 - 2.481698j]])
  close(_grad(lambda c: jla.slogdet(c)[1], C3),
        [[0.03602209 - 0.81560326j, -0.13019986 + 0.08163738j, 0.06591862 + 0.3042813j],
         [0.52973765 + 0.3587768j, 0.43823743 + 0.02407897j, -0.20707925 - 0.23115823j],
         [0.25600773 + 0.6206598j, 0.21906093 - 0.08290875j, 0.16901518 - 0.3080761j]])
  sign, sign_dot = jaxlite.jvp(lambda c: jla.slogdet(c)[0], (C3,), (C3.T,))
  close(sign, 0.1955193 + 0.9806999j)
  close(sign_dot, 0.95849687 - 0.19109274j)
  close(_grad(lambda c: jla.eigvalsh(c + c.conj().T) @ np.arange(3.), C3),
        [[1.0903888, 0.13377112 + 0.49333078j, 1.4756833 - 0.02425425j],
         [0.13377112 - 0.49333078j, 1.7770623, -0.5252444 + 0.4524814j],
         [1.4756833 + 0.02425425j, -0.5252444 - 0.4524814j, 3.1325483]])


def test_fft_gradients_like_jax():
  """The transposes of RFFT/IRFFT carry JAX's Hermitian masks and conjugations."""
  close(_grad(lambda x: jnp.sum(jnp.abs(jfft.rfft(x)) ** 2 * np.arange(3.)),
              np.array([1., 2, -1, 0.5, 3], f32)),
        [-6.899187, 10.663119, -14.07295, -3.3819666, 13.690985])
  close(_grad(lambda x: jnp.sum(jnp.abs(jfft.rfft(x)) * np.arange(3.)),
              np.array([1., 2, -1, 0.5], f32)), [-1.2, 2.6, -2.8, 1.4])
  z = np.array([1 + 1j, 2 - 1j, 0.5j], c64)
  close(_grad(lambda x: jnp.sum(jfft.irfft(x) * np.arange(4.)), z), [1.5, -1 - 1j, -0.5])
  close(_grad(lambda x: jnp.sum(jfft.irfft(x, n=5) * np.arange(5.)), z),
        [2, -1 - 1.376382j, -1 - 0.32491967j])
  close(_grad(lambda x: jnp.sum(jfft.hfft(x) ** 2), z), [8, 32 + 16j, 0])
  close(_grad(lambda x: jnp.sum(jnp.real(jfft.fft(x)) * np.arange(3.)), z),
        [3, -1.5 + 0.8660254j, -1.5 - 0.8660254j])
  row = [0.17353122 - 0.606799j, 0.4792151 + 0.50439095j, 0.34285372 + 0.00870453j]
  close(_grad(lambda x: jnp.sum(jnp.abs(jfft.ifft2(x, norm="ortho")[0])), C3), [row] * 3)


def test_real_gradients_like_jax():
  w9 = np.arange(9.).reshape(3, 3)
  close(_grad(lambda m: jnp.sum(jsl.expm(m * 4) * w9), M3),
        [[117.62842, 238.44601, 335.38312], [65.3892, 138.0139, 193.53624],
         [66.68448, 156.6232, 221.17627]], 1e-3)
  close(_grad(lambda m: jnp.sum(jla.pinv(m[:, :2]) * np.arange(6.).reshape(2, 3)), M3),
        [[-7.99138, 5.5945935, 0], [5.538413, 6.745814, 0], [-2.9901025, -1.2134051, 0]], 1e-3)
  close(_grad(lambda m: jnp.sum(jla.lstsq(m[:, :2], np.arange(3.))[0]), M3),
        [[-2.7337346, 1.3759391, 0], [1.8505166, -0.12587047, 0],
         [-2.7547545, 0.7823728, 0]], 1e-3)
  close(_grad(lambda m: jnp.sum(jnp.real(jla.eigvals(m)) * np.arange(3.)), M3),
        [[1.1683505, -1.211858, -1.6234329], [-0.20328096, 0.75720525, -0.99506485],
         [-0.08693624, -0.31766838, 1.0744443]])
  close(_grad(lambda m: jla.norm(m, 2) + jla.norm(m, "nuc"), M3),
        [[-0.18402289, 1.0536511, -0.03132681], [0.4654925, -0.24915242, 1.3301139],
         [1.6060808, -0.19237223, 0.43647593]])
  close(_grad(lambda m: jnp.sum(L.lu(m)[0] * w9), M3),
        [[-1.6375115, 20.91942, 11.909091], [2.7121215, 19.590908, 8.],
         [-0.420748, -5.677916, -1.1010103]], 1e-3)


# ---------------------------------------------------------------------------
# Derivatives against finite differences (float64)

def _sym(x):
  return 0.5 * (x + jnp.swapaxes(x, -1, -2)) + jnp.diag(jnp.arange(1., x.shape[-1] + 1))


REAL_GRAD_FNS = {
    "inv": (lambda a: jla.inv(a + 3 * jnp.eye(3)), [(3, 3)]),
    "solve": (lambda a, b: jla.solve(a + 3 * jnp.eye(3), b), [(2, 3, 3), (2, 3, 2)]),
    "det": (lambda a: jla.det(a), [(4, 4)]),
    "det3": (lambda a: jla.det(a), [(3, 3)]),
    "slogdet": (lambda a: jla.slogdet(a + 3 * jnp.eye(4))[1], [(4, 4)]),
    "slogdet2": (lambda a: jla.slogdet(a + 3 * jnp.eye(2))[1], [(2, 2)]),
    "cholesky": (lambda a: jla.cholesky(a @ a.T + 3 * jnp.eye(3), upper=True), [(3, 3)]),
    "eigh": (lambda a: jla.eigh(_sym(a))[0], [(3, 3)]),
    "eigvals": (lambda a: jnp.real(jla.eigvals(_sym(a) + 0.1 * a)), [(3, 3)]),
    "pinv": (lambda a: jla.pinv(a), [(4, 3)]),
    "pinv_wide": (lambda a: jla.pinv(a), [(2, 4)]),
    "pinv_h": (lambda a: jla.pinv(_sym(a), hermitian=True), [(3, 3)]),
    "svd_vals": (lambda a: jla.svd(a, compute_uv=False), [(4, 3)]),
    "lstsq": (lambda a, b: jla.lstsq(a, b)[0], [(4, 3), (4,)]),
    "norm_nuc": (lambda a: jla.norm(a, "nuc"), [(4, 3)]),
    "norm_fro": (lambda a: jla.norm(a, axis=(0, 1)), [(4, 3)]),
    "cond": (lambda a: jla.cond(a + 3 * jnp.eye(3)), [(3, 3)]),
    "matrix_power": (lambda a: jla.matrix_power(a + 2 * jnp.eye(3), -3), [(3, 3)]),
    "tensorsolve": (lambda a, b: jla.tensorsolve(a + 3 * jnp.eye(4).reshape(2, 2, 4), b),
                    [(2, 2, 4), (2, 2)]),
    "expm": (lambda a: jsl.expm(a), [(3, 3)]),
    "cho_solve": (lambda a, b: jsl.cho_solve(jsl.cho_factor(a @ a.T + 3 * jnp.eye(3)), b),
                  [(3, 3), (3, 2)]),
    "solve_pos": (lambda a, b: jsl.solve(a @ a.T + 3 * jnp.eye(3), b, assume_a="pos"),
                  [(3, 3), (3,)]),
    "solve_triangular": (lambda a, b: jsl.solve_triangular(a + 3 * jnp.eye(3), b, trans=1),
                         [(3, 3), (3, 2)]),
    "lu_solve": (lambda a, b: jsl.lu_solve(jsl.lu_factor(a + 3 * jnp.eye(3)), b, trans=1),
                 [(3, 3), (3,)]),
    "scipy_lu": (lambda a: jsl.lu(a + 3 * jnp.eye(4, 3))[1:], [(4, 3)]),
    "rfft": (lambda x: jnp.real(jfft.rfftn(x, norm="ortho")), [(3, 5)]),
    "irfft": (lambda x: jfft.irfft(x, n=6), [(4,)]),
    "fftshift": (lambda x: jfft.fftshift(x), [(3, 4)]),
}


@pytest.mark.parametrize("name", sorted(REAL_GRAD_FNS))
def test_check_grads_real(name):
  f, shapes = REAL_GRAD_FNS[name]
  rng = np.random.default_rng(3)
  with enable_x64(True):
    args = tuple(rng.uniform(-1, 1, s) for s in shapes)
    check_grads(f, args, order=2 if name in ("inv", "det", "solve") else 1, modes=("fwd", "rev"))


COMPLEX_GRAD_FNS = {
    "inv": lambda a: jla.inv(a + 3 * jnp.eye(3)),
    "det": lambda a: jla.det(a),
    "slogdet": lambda a: jla.slogdet(a + 3 * jnp.eye(3)),
    "qr": lambda a: jla.qr(a),
    "fft": lambda a: jfft.fft2(a, norm="forward"),
    "hfft": lambda a: jfft.hfft(a, axis=0),
    "expm": lambda a: jsl.expm(0.5 * a),
}


@pytest.mark.parametrize("name", sorted(COMPLEX_GRAD_FNS))
def test_check_grads_complex_forward(name):
  rng = np.random.default_rng(4)
  with enable_x64(True):
    a = rng.uniform(-1, 1, (3, 3)) + 1j * rng.uniform(-1, 1, (3, 3))
    check_grads(COMPLEX_GRAD_FNS[name], (a,), order=1, modes=("fwd",))


def test_complex_vjps_are_transposes_of_jvps():
  """JAX's convention: vjp(ct) is the plain transpose of the JVP (no conjugation)."""
  rng = np.random.default_rng(5)
  with enable_x64(True):
    a = rng.normal(size=(3, 3)) + 1j * rng.normal(size=(3, 3))
    for f in [lambda x: jla.solve(x + 3 * jnp.eye(3), x[:, 0]), lambda x: jfft.rfft(x.real),
              lambda x: jfft.irfft(x), lambda x: jla.cholesky(x @ x.conj().T + jnp.eye(3)),
              lambda x: jsl.solve_triangular(x + 3 * jnp.eye(3), x, trans=2)]:
      t = rng.normal(size=a.shape) + 1j * rng.normal(size=a.shape)
      _, f_jvp = jaxlite.linearize(f, a)
      y, f_vjp = jaxlite.vjp(f, a)
      ct = rng.normal(size=np.shape(y))
      if np.iscomplexobj(np.asarray(y)):
        ct = ct + 1j * rng.normal(size=np.shape(y))
      lhs = np.sum(np.asarray(f_jvp(t)) * ct)
      rhs = np.sum(np.asarray(f_vjp(ct)[0]) * t)
      if np.isrealobj(np.asarray(y)):  # a real output sees only the real part of its tangent
        lhs = np.sum(np.real(np.asarray(f_jvp(t))) * ct)
      np.testing.assert_allclose(np.real(lhs), np.real(rhs), rtol=1e-8)


# ---------------------------------------------------------------------------
# Transformations

def test_jit_and_vmap_of_linalg_functions():
  a = rnd(3, 4, 4) + 3 * np.eye(4, dtype=f32)
  b = rnd(3, 4)
  for f in [lambda x, y: jla.solve(x, y), lambda x, y: jla.det(x) * y,
            lambda x, y: jla.slogdet(x)[1] * y, lambda x, y: jla.pinv(x) @ y,
            lambda x, y: jsl.expm(0.1 * x) @ y, lambda x, y: jnp.abs(jfft.rfft(y))]:
    loop = np.stack([np.asarray(f(x, y)) for x, y in zip(a, b)])
    close(jaxlite.vmap(f)(a, b), loop)
    close(jaxlite.jit(jaxlite.vmap(f))(a, b), loop)
    grads = jaxlite.vmap(jaxlite.grad(lambda x, y: jnp.sum(f(x, y))))(a, b)
    close(grads, np.stack([np.asarray(jaxlite.grad(lambda x, y: jnp.sum(f(x, y)))(x, y))
                           for x, y in zip(a, b)]), 1e-3)


def test_jaxprs_name_primitives_and_params_like_jax():
  text = str(jaxlite.make_jaxpr(lambda a, b: L.triangular_solve(a, b, left_side=True))(M3, M3))
  assert "triangular_solve[" in text
  for param in ["conjugate_a=False", "left_side=True", "lower=False", "transpose_a=False",
                "unit_diagonal=False"]:
    assert param in text
  text = str(jaxlite.make_jaxpr(lambda a: jla.svd(a, full_matrices=False))(M3))
  assert "svd[" in text and "compute_uv=True" in text and "subset_by_index=None" in text
  text = str(jaxlite.make_jaxpr(jfft.rfft)(M3))
  assert "fft[fft_lengths=(3,) fft_type=2]" in text
  out = jaxlite.make_jaxpr(L.lu)(M3).out_avals
  assert [a.str_short(True) for a in out] == ["f32[3,3]", "i32[3]", "i32[3]"]
  out = jaxlite.make_jaxpr(lambda a: L.eigh(a, subset_by_index=(1, 3)))(M3).out_avals
  assert [a.str_short(True) for a in out] == ["f32[3,2]", "f32[2]"]


# ---------------------------------------------------------------------------
# Errors (JAX's classes and messages)

ERRORS = [
    (lambda: L.lu(np.ones(3, f32)), TypeError,
     "Input 0 to lu must have rank at least 2, but got shape=(3,)"),
    (lambda: L.lu(np.ones((3, 3), np.int32)), TypeError,
     "lu does not accept dtype int32 at position 0. Accepted dtypes at position 0 are "
     "subtypes of floating, complexfloating."),
    (lambda: L.eig(np.ones((2, 3), f32)), ValueError,
     "The input to eig must be a square matrix. Got shape (2, 3)."),
    (lambda: L.svd(np.ones((3, 4), f32), subset_by_index=(0, 2)), ValueError,
     "full_matrices and subset_by_index cannot both be set"),
    (lambda: L.triangular_solve(np.ones((2, 3), f32), np.ones((2, 3), f32)), ValueError,
     "The first input to triangular_solve must be a square matrix. Got shape (2, 3)."),
    (lambda: L.triangular_solve(np.ones((3, 3), f32), np.ones((2, 4), f32)), ValueError,
     "Incompatible shapes for arguments to triangular_solve: (3, 3) and (2, 4)."),
    (lambda: L.triangular_solve(np.ones((3, 3), f32), np.ones((2, 3), np.float16)), TypeError,
     "lax.triangular_solve requires arguments to have the same dtypes, got float32, float16."),
    (lambda: L.tridiagonal_solve(*[np.ones(3, f32)] * 2, np.ones(4, f32), np.ones((3, 2), f32)),
     TypeError, "tridiagonal_solve requires that all diagonal arguments have the same shape."),
    (lambda: L.lu_pivots_to_permutation(np.array([1, 2, 2], np.int32), 2), ValueError,
     "Output permutation size 2 has to exceed the trailing dimension of the pivots. Got "
     "pivots size 3"),
    (lambda: L.eig(np.eye(2, dtype=f32), enable_eigvec_derivs=False) and jaxlite.jvp(
        lambda x: L.eig(x)[2], (np.eye(2, dtype=f32),), (np.eye(2, dtype=f32),)),
     NotImplementedError, "Derivatives of non-symmetric eigenvectors are only valid"),
    (lambda: jla.solve(np.ones((3, 3), f32), np.ones(4, f32)), ValueError,
     "inconsistent size for core dimension 'm': 4 vs 3 on vectorized function with "
     "excluded=frozenset() and signature='(m,m),(m)->(m)'"),
    (lambda: jla.solve(np.ones(3, f32), np.ones(3, f32)), ValueError,
     "left hand array must be at least two dimensional; got a.shape=(3,)"),
    (lambda: jla.solve(np.ones((2, 3, 3), f32), np.ones((2, 3), f32)), ValueError,
     "Invalid shapes for solve: (2, 3, 3), (2, 3). Prior to JAX v0.5.0"),
    (lambda: jla.inv(np.ones((3, 4), f32)), ValueError,
     "Argument to inv must have shape [..., n, n], got (3, 4)."),
    (lambda: jla.det(np.ones(3, f32)), ValueError,
     "Argument to _det() must have shape [..., n, n], got (3,)"),
    (lambda: jla.slogdet(np.ones((3, 3), f32), method="x"), ValueError,
     "Unknown slogdet method 'x'. Supported methods are 'lu' (`None`), and 'qr'."),
    (lambda: jla.eigh(np.ones((3, 3), f32), UPLO="X"), ValueError,
     "UPLO must be one of None, 'L', or 'U', got X"),
    (lambda: jla.qr(np.ones((3, 4), f32), mode="x"), ValueError,
     "Unsupported QR decomposition mode 'x'"),
    (lambda: jla.norm(np.ones((3, 3), f32), ord="x"), ValueError,
     "Invalid order 'x' for matrix norm."),
    (lambda: jla.norm(np.ones((3, 3, 3), f32), axis=(0, 1, 2)), ValueError,
     "Improper number of axes for norm: axis=(0, 1, 2). Pass one axis to compute a "
     "vector-norm, or two axes to compute a matrix-norm."),
    (lambda: jla.norm(np.ones(3, f32), ord="inf"), ValueError,
     "Invalid order 'inf' for vector norm.Use 'jax.numpy.inf' instead."),
    (lambda: jla.matrix_power(np.ones((3, 4), f32), 2), TypeError,
     "Last 2 dimensions of the array must be square"),
    (lambda: jla.matrix_power(np.ones((3, 3), f32), 2.5), TypeError,
     "exponent must be an integer, got 2.5"),
    (lambda: jla.lstsq(np.ones((3, 3), f32), np.ones(4, f32)), ValueError,
     "Leading dimensions of input arrays must match"),
    (lambda: jla.multi_dot([np.ones((3, 3), f32), np.ones((4, 3), f32)]), ValueError,
     "multi_dot: last dimension of each array must match first dimension of following array."),
    (lambda: jla.tensorinv(np.ones((3, 4), f32), 1), ValueError,
     "tensorinv is only possible when the product of the first `ind` dimensions equals"),
    (lambda: jla.cond(np.ones((3, 4), f32), p=1), ValueError,
     "jnp.linalg.cond: for p=1, array must be square; got arr.shape=(3, 4)"),
    (lambda: jla.cross(np.ones(2, f32), np.ones(2, f32)), ValueError,
     "Both input arrays must be (arrays of) 3-dimensional vectors"),
    (lambda: jla.pinv(np.ones((2, 2), f32), rtol=0.1, rcond=0.1), ValueError,
     "pinv: only one of rtol and rcond may be specified."),
    (lambda: jfft.fft(np.ones(4, f32), axis=(0,)), ValueError,
     "jax.numpy.fft.fft does not support multiple axes. Please use jax.numpy.fft.fftn. Got "
     "axis = (0,)."),
    (lambda: jfft.fft2(np.ones((4, 4), f32), axes=(0,)), ValueError,
     "jax.numpy.fft.fft2 only supports 2 axes. Got axes = (0,)."),
    (lambda: jfft.fftn(np.ones((4, 4), f32), axes=(0, 0)), ValueError,
     "jax.numpy.fft.fftn does not support repeated axes. Got axes (0, 0)."),
    (lambda: jfft.fft(np.ones(4, f32), norm="x"), ValueError,
     'Invalid norm value x; should be "backward","ortho" or "forward".'),
    (lambda: jfft.fftn(np.ones((4, 4), f32), s=(2, 0)), ValueError, "Shape should be positive."),
    (lambda: jfft.fftfreq([3]), ValueError,
     "The n argument of jax.numpy.fft.fftfreq only takes an int. Got n = [3]."),
    (lambda: lax_fft(np.ones(4, f32), "x", (4,)), ValueError, "Unknown FFT type 'x'"),
    (lambda: lax_fft(np.ones(4, c64), "rfft", (4,)), ValueError,
     "only real valued inputs supported for rfft"),
    (lambda: lax_fft(np.ones(4, f32), "fft", (5,)), ValueError,
     "FFT input shape (4,) minor dimensions must be equal to fft_lengths (5,)"),
    (lambda: lax_fft(np.ones(4, np.float16), "rfft", (4,)), ValueError,
     "RFFT input must be float32 or float64, got float16"),
    (lambda: jsl.expm(np.ones((3, 4), f32)), ValueError,
     "Expected A to be a (batched) square matrix, got A.shape=(3, 4)."),
    (lambda: jsl.solve_triangular(np.eye(3, dtype=f32), np.ones(3, f32), trans=5), ValueError,
     "Invalid 'trans' value 5"),
    (lambda: jsl.solve(np.eye(3, dtype=f32), np.ones(3, f32), assume_a="x"), ValueError,
     "Expected assume_a to be one of ['gen', 'sym', 'her', 'pos']; got 'x'"),
    (lambda: jsl.lu_solve(jsl.lu_factor(np.eye(3, dtype=f32)), np.ones(3, f32), trans=3),
     ValueError, "'trans' value must be 0, 1, or 2, got 3"),
    (lambda: jsl.eigh(np.eye(3, dtype=f32), np.eye(3, dtype=f32)), NotImplementedError,
     "Only the b=None case of eigh is implemented"),
]


@pytest.mark.parametrize("i", range(len(ERRORS)))
def test_errors_like_jax(i):
  fn, cls, msg = ERRORS[i]
  with pytest.raises(cls) as info:
    fn()
  assert msg in str(info.value)
