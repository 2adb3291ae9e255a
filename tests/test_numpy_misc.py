"""The remaining jnp functions (jaxlite/_src/numpy/misc.py, polynomial.py) against NumPy on
random inputs, and against literal JAX 0.10.2 outputs where jnp departs from NumPy."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hst
from hypothesis.extra import numpy as hnp

import jaxlite
import jaxlite.numpy as jnp

RNG = np.random.RandomState(7)
A = RNG.normal(size=7).astype(np.float32)
V = RNG.normal(size=3).astype(np.float32)
M = RNG.normal(size=(3, 5)).astype(np.float32)
XS = np.sort(RNG.uniform(0, 10, 6)).astype(np.float32)

floats = hnp.arrays(np.float32, hst.integers(1, 9),
                    elements=hst.floats(-4, 4, width=32, allow_subnormal=False))


def close(got, want, rtol=1e-4, atol=1e-4):
  np.testing.assert_allclose(np.asarray(got), want, rtol=rtol, atol=atol)


@settings(max_examples=25, deadline=None, derandomize=True)
@given(floats, floats, hst.sampled_from(["full", "same", "valid"]))
def test_convolve_correlate_match_numpy(a, v, mode):
  close(jnp.convolve(a, v, mode), np.convolve(a, v, mode))
  close(jnp.correlate(a, v, mode), np.correlate(a, v, mode))


@settings(max_examples=25, deadline=None, derandomize=True)
@given(floats, floats)
def test_polynomial_arithmetic_matches_numpy(p, q):
  close(jnp.polyadd(p, q), np.polyadd(p, q))
  close(jnp.polysub(p, q), np.polysub(p, q))
  close(jnp.polymul(p, q, trim_leading_zeros=True), np.polymul(p, q), rtol=1e-3, atol=1e-3)
  x = np.linspace(-1, 1, 5).astype(np.float32)
  close(jnp.polyval(p, x), np.polyval(p, x), rtol=1e-3, atol=1e-3)
  close(jnp.polyder(p), np.polyder(p), rtol=1e-5)
  close(jnp.polyint(p, 2, k=np.array([1.0, 2.0])), np.polyint(p, 2, k=[1.0, 2.0]), rtol=1e-5)


def test_polynomials_match_numpy():
  q, r = jnp.polydiv(A, V)
  nq, nr = np.polydiv(A.astype(np.float64), V.astype(np.float64))
  close(q, nq, rtol=1e-3)
  close(r[-len(nr):], nr, rtol=1e-3, atol=1e-3)   # jnp keeps u's length (leading zeros)
  close(jnp.poly(V), np.poly(V))
  close(jnp.sort_complex(jnp.roots(V)), np.sort_complex(np.roots(V)), rtol=1e-4)
  # JAX 0.10.2: leading zeros stripped, or kept (their roots become nan) under strip_zeros=False.
  close(jnp.sort_complex(jnp.roots(jnp.array([0., 0, 1, -3, 2]))), [1, 2])
  got = jnp.roots(jnp.array([0., 0, 1, -3, 2]), strip_zeros=False)
  close(jnp.sort_complex(got[:2]), [1, 2])
  assert np.isnan(got[2:]).all() and got.dtype == np.complex64
  close(jnp.polyfit(XS, XS ** 2 - 3 * XS, 2), [1, -3, 0], atol=2e-3)
  close(jnp.polyfit(XS, XS ** 2, 2, w=XS), np.polyfit(XS, XS ** 2, 2, w=XS), atol=2e-3)
  c, cov = jnp.polyfit(XS, XS ** 2 + XS[::-1], 1, cov=True)
  nc, ncov = np.polyfit(XS.astype(np.float64), (XS ** 2 + XS[::-1]).astype(np.float64), 1,
                        cov=True)
  close(c, nc, rtol=1e-3)
  close(cov, ncov, rtol=1e-2)
  assert jnp.polymul(jnp.array([1, 2]), jnp.array([3])).dtype == np.float32   # inexact, as JAX
  assert jnp.polyval(jnp.array([1, 2]), jnp.array([3])).dtype == np.int32


@settings(max_examples=20, deadline=None, derandomize=True)
@given(hnp.arrays(np.float32, (4, 5), elements=hst.floats(-5, 5, width=32)))
def test_statistics_match_numpy(m):
  close(jnp.cov(m), np.cov(m), rtol=1e-3, atol=1e-3)
  close(jnp.cov(m, rowvar=False, bias=True), np.cov(m, rowvar=False, bias=True), rtol=1e-3,
        atol=1e-3)
  fw, aw = np.array([1, 2, 1, 3, 1]), np.array([0.5, 1, 2, 1, 0.25])
  close(jnp.cov(m, fweights=fw, aweights=aw), np.cov(m, fweights=fw, aweights=aw), rtol=1e-3,
        atol=1e-3)
  for got, want in zip(jnp.gradient(m), np.gradient(m)):
    close(got, want, rtol=1e-4)
  close(jnp.gradient(m, 2.0, axis=1), np.gradient(m, 2.0, axis=1))
  close(jnp.unwrap(m * 2), np.unwrap(m * 2), rtol=1e-4)


def test_corrcoef_interp_histograms_match_numpy():
  with np.errstate(all="ignore"):
    close(jnp.corrcoef(M), np.corrcoef(M), rtol=1e-5)
    close(jnp.corrcoef(M[0], M[1]), np.corrcoef(M[0], M[1]), rtol=1e-5)
  x = np.linspace(-2, 12, 9).astype(np.float32)
  close(jnp.interp(x, XS, XS ** 2), np.interp(x, XS, XS ** 2), rtol=1e-5)
  close(jnp.interp(x, XS, XS ** 2, left=-1, right=-2), np.interp(x, XS, XS ** 2, -1, -2))
  close(jnp.interp(x, XS, XS ** 2, period=3.0), np.interp(x, XS, XS ** 2, period=3.0), rtol=1e-4)
  spacing = np.cumsum(np.abs(A) + 0.1)
  close(jnp.gradient(A, spacing), np.gradient(A, spacing), rtol=1e-4)
  h, ex, ey = jnp.histogram2d(A, A[::-1], bins=3)
  nh, nex, ney = np.histogram2d(A, A[::-1], bins=3)
  close(h, nh)
  close(ex, nex)
  close(ey, ney)
  assert h.dtype == np.int32   # counts stay integers in jnp (JAX 0.10.2)
  h, edges = jnp.histogramdd(M.T, bins=(2, 3, 2), weights=XS[:5], density=True)
  nh, nedges = np.histogramdd(M.T, bins=(2, 3, 2), weights=XS[:5], density=True)
  close(h, nh, rtol=1e-4)
  for e, ne in zip(edges, nedges):
    close(e, ne)


def test_selection_functions():
  choices = [np.arange(4), 10 * np.arange(4), 100 + np.arange(4)]
  idx = np.array([0, 2, 1, 0])
  close(jnp.choose(idx, choices), np.choose(idx, choices))
  close(jnp.choose(np.array([0, 5, -1, 3]), choices, mode="wrap"),
        np.choose(np.array([0, 5, -1, 3]), choices, mode="wrap"))
  with pytest.raises(ValueError, match="invalid entry in choice array"):
    jnp.choose(np.array([0, 3]), choices[:2])
  close(jnp.select([A > 0, A < -1], [A, A * 2], default=7),
        np.select([A > 0, A < -1], [A, A * 2], default=7))
  keep = np.array([True, False, True])
  close(jnp.compress(keep, M, axis=0), np.compress(keep, M, 0))
  close(jnp.extract(M > 0, M), np.extract(M > 0, M))
  # Static sizes: padding with fill_value (JAX 0.10.2).
  close(jnp.extract(jnp.array([1, 0, 1]), jnp.array([4, 5, 6]), size=3, fill_value=-1),
        [4, 6, -1])
  close(jnp.compress(jnp.array([True, False, True]), jnp.arange(6).reshape(2, 3), axis=1, size=3,
                     fill_value=9), [[0, 2, 9], [3, 5, 9]])
  with pytest.raises(ValueError, match="condition contains entries that are out of bounds"):
    jnp.compress(jnp.array([True, False, True, True]), jnp.arange(3))
  f = np.array([lambda x: -x, lambda x: x ** 2, 7.0], dtype=object)
  close(jnp.piecewise(A, [A < 0, A > 1], list(f)), np.piecewise(A, [A < 0, A > 1], list(f)))
  out = jaxlite.jit(lambda x: jnp.piecewise(x, [x < 0], [0., lambda t: t * 3]))(A)
  close(out, np.piecewise(A, [A < 0], [0., lambda t: t * 3]))


def test_functions_that_numpy_runs_in_place():
  arr = M.copy()
  np.place(arr, M > 0, [1., 2])
  close(jnp.place(M, M > 0, jnp.array([1., 2]), inplace=False), arr)
  arr = M.copy()
  np.put(arr, [0, 3, 20], [7., 8], mode="clip")
  close(jnp.put(M, jnp.array([0, 3, 20]), jnp.array([7., 8]), inplace=False), arr)
  arr = np.zeros((4, 3))
  np.fill_diagonal(arr, [1., 2])
  close(jnp.fill_diagonal(jnp.zeros((4, 3)), jnp.array([1., 2]), inplace=False), arr)
  with pytest.raises(ValueError, match="jax.numpy.place cannot modify arrays in-place"):
    jnp.place(M, M > 0, 1.0)
  with pytest.raises(ValueError, match="jax.numpy.put cannot modify arrays in-place"):
    jnp.put(M, 0, 1.0)
  with pytest.raises(NotImplementedError, match="JAX arrays are immutable"):
    jnp.fill_diagonal(M, 1.0)
  with pytest.raises(NotImplementedError, match="'raise' mode to jnp.put"):
    jnp.put(M, 0, 1.0, mode="raise", inplace=False)


@settings(max_examples=25, deadline=None, derandomize=True)
@given(hnp.arrays(np.uint8, hst.tuples(hst.integers(1, 4), hst.integers(1, 11))),
       hst.sampled_from(["big", "little"]), hst.sampled_from([None, 0, 1]))
def test_packbits_unpackbits_match_numpy(bits, order, axis):
  close(jnp.packbits(bits % 2, axis=axis, bitorder=order),
        np.packbits(bits % 2, axis=axis, bitorder=order))
  close(jnp.unpackbits(bits, axis=axis, bitorder=order),
        np.unpackbits(bits, axis=axis, bitorder=order))
  close(jnp.unpackbits(bits, axis=axis, count=5, bitorder=order),
        np.unpackbits(bits, axis=axis, count=5, bitorder=order))


@settings(max_examples=25, deadline=None, derandomize=True)
@given(hnp.arrays(np.int32, hst.integers(0, 8), elements=hst.integers(-4, 4)),
       hnp.arrays(np.int32, hst.integers(0, 8), elements=hst.integers(-4, 4)))
def test_setxor1d_matches_numpy(a, b):
  want = np.setxor1d(a, b)
  close(jnp.setxor1d(a, b), want)
  size = len(want) + 2
  got = jnp.setxor1d(a, b, size=size, fill_value=99)
  close(got, np.concatenate([want, [99, 99]]))


def test_setxor1d_default_fill_matches_jax():
  close(jnp.setxor1d(jnp.array([1, 2, 3]), jnp.array([2, 3, 4]), size=4), [1, 4, 1, 1])


def test_windows_and_apply_functions():
  for name in ("bartlett", "blackman", "hamming", "hanning"):
    for m in (0, 1, 6):
      close(getattr(jnp, name)(m), getattr(np, name)(m), atol=1e-6)
  close(jnp.kaiser(6, 4.0), np.kaiser(6, 4.0), rtol=1e-5)
  close(jnp.apply_along_axis(lambda r: r[::-1] * 2, 1, M), np.apply_along_axis(
      lambda r: r[::-1] * 2, 1, M))
  close(jnp.apply_along_axis(jnp.sum, 0, M), M.sum(0), rtol=1e-5)
  close(jnp.apply_over_axes(jnp.sum, M, [0, 1]), np.apply_over_axes(np.sum, M, [0, 1]),
        rtol=1e-5)


def test_index_tricks_and_dtype_helpers():
  close(jnp.block([[M, M[:, :1]], [M[:1], M[:1, :1]]]),
        np.block([[M, M[:, :1]], [M[:1], M[:1, :1]]]))
  close(jnp.r_[0:3, jnp.array([7, 8]), 4], np.r_[0:3, [7, 8], 4])
  close(jnp.r_[0:1:5j], np.r_[0:1:5j])
  close(jnp.r_["0,2,0", [1, 2], [3, 4]], np.r_["0,2,0", [1, 2], [3, 4]])
  close(jnp.r_["-1", M, M], np.r_["-1", M, M])
  close(jnp.c_[A, A], np.c_[A, A])
  assert jnp.s_[1:2] == np.s_[1:2] and jnp.index_exp[1] == (1,)
  for got, want in zip(jnp.mask_indices(3, jnp.triu, 1), np.mask_indices(3, np.triu, 1)):
    close(got, want)
  assert jnp.broadcast_shapes((3, 1), (1, 4), (4,)) == (3, 4)
  assert not jnp.can_cast(jnp.float32, jnp.int32) and jnp.can_cast(jnp.int8, jnp.float32)
  assert jnp.isdtype(jnp.float32, "numeric") and not jnp.isdtype(jnp.uint8, "signed integer")
  assert jnp.isdtype(jnp.complex64, ("real floating", "complex floating"))
  assert jnp.isdtype(jnp.int32, ("integral", jnp.float32)) and not jnp.isdtype(jnp.bool_,
                                                                               "numeric")
  assert jnp.float8_e4m3.dtype.name == "float8_e4m3" and jnp.int2.dtype.itemsize == 1
  assert jnp.array_str(jnp.arange(3)) == "[0 1 2]"
  with pytest.raises(NotImplementedError, match="jnp.fromiter\\(\\) is not implemented"):
    jnp.fromiter([1, 2])


def test_ufunc_from_pyfunc():
  f = jnp.frompyfunc(lambda x, y: x * y + 1, 2, 1)
  assert repr(f) == "<jnp.ufunc '<lambda>'>"
  close(f(A, V[:1]), A * V[0] + 1)
  close(f.outer(V, V), np.multiply.outer(V, V) + 1)
  expected = M[:, 0]
  acc = [expected]
  for j in range(1, 5):
    expected = expected * M[:, j] + 1
    acc.append(expected)
  close(f.reduce(M, axis=1), expected, rtol=1e-5)
  close(f.accumulate(M, axis=1), np.stack(acc, 1), rtol=1e-5)
  add = jnp.frompyfunc(lambda x, y: x + y, 2, 1, identity=0)
  close(add.reduce(M, axis=None), M.sum(), rtol=1e-5)
  close(add.at(jnp.zeros(4), jnp.array([0, 1, 1]), jnp.array([1., 2, 3]), inplace=False),
        [1, 5, 0, 0])
  # JAX 0.10.2 results for frompyfunc(add) without identity.
  close(jnp.frompyfunc(lambda a, b: a + b, 2, 1).reduce(jnp.arange(5)), 10)


def test_transformations_of_misc_functions():
  g = jaxlite.grad(lambda z: jnp.convolve(z, V).sum())(A)
  close(g, np.full(7, V.sum()), rtol=1e-5)
  z = (XS[1:3] + XS[2:4]) / 2   # midpoints of two grid intervals: the secant slopes there
  g = jaxlite.grad(lambda t: jnp.interp(t, XS, XS ** 2).sum())(z)
  close(g, XS[1:3] + XS[2:4], rtol=1e-4)
  close(jaxlite.vmap(lambda z: jnp.polyval(V, z))(A), np.polyval(V, A), rtol=1e-5)
  close(jaxlite.jit(lambda z: jnp.select([z > 0], [z]))(A), np.where(A > 0, A, 0))
  close(jaxlite.jit(jnp.cov)(M), np.cov(M), rtol=1e-4)
