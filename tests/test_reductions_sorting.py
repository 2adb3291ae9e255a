"""jnp reductions, cumulative ops, quantiles, sorting, set routines, counting and padding:
random inputs against NumPy (hypothesis), JAX-specific semantics against literals taken from
the real JAX 0.10.2, errors, and the transformations (jit, grad, vmap) through them."""
import numpy as np
import pytest
from hypothesis import assume, given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import jaxlite
import jaxlite.numpy as jnp
from jaxlite import lax

FAST = settings(max_examples=10, deadline=None)
f32 = np.float32
nan, inf = np.nan, np.inf


def assert_array(got, want, dtype=None, exact=True, tol=1e-6):
  got = np.asarray(got)
  want = np.asarray(want)
  assert got.shape == want.shape, (got.shape, want.shape)
  if dtype is not None:
    assert got.dtype == np.dtype(dtype), (got.dtype, dtype)
  if exact:
    np.testing.assert_array_equal(got, want)
  else:
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol, equal_nan=True)


def floats(shape_min=1, shape_max=6, nans=False, dims=(1, 2)):
  elements = st.floats(-100, 100, width=32) if not nans else \
      st.one_of(st.floats(-100, 100, width=32), st.just(np.nan))
  return hnp.arrays(f32, hnp.array_shapes(min_dims=dims[0], max_dims=dims[1],
                                          min_side=shape_min, max_side=shape_max),
                    elements=elements)


small_ints = hnp.arrays(np.int32, hnp.array_shapes(min_dims=1, max_dims=2, min_side=1,
                                                   max_side=6),
                        elements=st.integers(-4, 4))


# ---------------------------------------------------------------------------
# Against NumPy on random inputs

@FAST
@given(floats(nans=True), st.booleans())
def test_sort_argsort_match_numpy(x, descending):
  for axis in (None, -1, 0):
    got = jnp.sort(x, axis=axis, descending=descending)
    want = np.sort(x, axis=axis, kind="stable")
    if descending:
      want = np.flip(want, axis=0 if axis is None else axis)
    assert_array(got, want, f32)
  ints = np.round(np.nan_to_num(x)).astype(np.int32)
  assert_array(jnp.argsort(ints, axis=0), np.argsort(ints, axis=0, kind="stable"), np.int32)


@FAST
@given(small_ints, st.booleans())
def test_argsort_descending_is_stable(x, stable):
  got = np.asarray(jnp.argsort(x, axis=-1, descending=True))
  # Stable descending: ties keep their original order (a lexsort on (index, -value)).
  idx = np.broadcast_to(np.arange(x.shape[-1]), x.shape)
  want = np.lexsort((idx, -x), axis=-1)
  if stable:
    assert_array(got, want)
  assert_array(np.take_along_axis(x, got, -1), np.take_along_axis(x, want, -1))


@FAST
@given(floats(nans=True))
def test_arg_reductions_match_numpy(x):
  for axis in (None, 0, -1):
    assert_array(jnp.argmax(x, axis=axis), np.argmax(x, axis=axis), np.int32)
    assert_array(jnp.argmin(x, axis=axis, keepdims=True), np.argmin(x, axis=axis, keepdims=True))


@FAST
@given(floats(), small_ints)
def test_cumulative_match_numpy(x, n):
  for axis in (None, 0, -1):
    assert_array(jnp.cumsum(x, axis=axis), np.cumsum(x, axis=axis), f32, exact=False, tol=1e-4)
    assert_array(jnp.cumprod(x / 50, axis=axis), np.cumprod(x / 50, axis=axis), f32,
                 exact=False, tol=1e-4)
  assert_array(jnp.cumsum(n, axis=0), np.cumsum(n, axis=0, dtype=np.int32), np.int32)
  assert_array(jnp.cumprod(n, axis=-1), np.cumprod(n, axis=-1, dtype=np.int32), np.int32)
  assert_array(jnp.cumulative_sum(n, axis=0, include_initial=True),
               np.cumulative_sum(n, axis=0, include_initial=True, dtype=np.int32), np.int32)
  assert_array(lax.cummax(x, axis=0), np.maximum.accumulate(x, axis=0))
  assert_array(lax.cummin(x, axis=0, reverse=True),
               np.flip(np.minimum.accumulate(np.flip(x, 0), axis=0), 0))
  assert_array(lax.cumlogsumexp(x, axis=0), np.logaddexp.accumulate(x, axis=0), exact=False,
               tol=1e-5)


@FAST
@given(floats(nans=True))
@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # NumPy warns on all-NaN slices
def test_nan_reductions_match_numpy(x):
  has_value = ~np.all(np.isnan(x), axis=0)
  with np.errstate(all="ignore"):
    for name in ("nansum", "nanprod", "nanmean", "nanvar", "nanstd"):
      got = getattr(jnp, name)(x / 10, axis=0)
      want = getattr(np, name)(x / 10, axis=0)
      assert_array(got, want, f32, exact=False, tol=1e-4)
  if has_value.all():
    for name in ("nanmax", "nanmin", "nanargmax", "nanargmin", "nanmedian"):
      assert_array(getattr(jnp, name)(x, axis=0), getattr(np, name)(x, axis=0), exact=False)
    assert_array(jnp.nanquantile(x, 0.3, axis=0), np.nanquantile(x, 0.3, axis=0),
                 exact=False, tol=1e-4)


@FAST
@given(floats(shape_min=2), st.floats(0, 1), st.sampled_from(
    ["linear", "lower", "higher", "midpoint", "inverted_cdf"]))
def test_quantile_methods_match_numpy(x, q, method):
  q = f32(q)
  if method == "inverted_cdf":
    # JAX (and jaxlite) compute q * n in float32; at a step of the inverted CDF the float64
    # reference can land on the other side (q = f32(1/3), n = 3: 1.0 vs 1.00000003).
    sizes = {x.size} | set(x.shape)
    assume(all(np.ceil(f32(q) * f32(n)) == np.ceil(np.float64(q) * n)
                          for n in sizes))
  for axis in (None, 0, (0, -1) if x.ndim == 2 else -1):
    got = jnp.quantile(x, q, axis=axis, method=method)
    want = np.quantile(x.astype(np.float64), np.float64(q), axis=axis, method=method)
    assert_array(got, want, f32, exact=False, tol=1e-3)
  qs = np.array([0.0, q, 1.0], f32)
  assert_array(jnp.percentile(x, qs * 100, axis=0, keepdims=True),
               np.percentile(x, qs * 100, axis=0, keepdims=True), exact=False, tol=1e-3)
  assert_array(jnp.median(x, axis=-1), np.median(x, axis=-1), exact=False, tol=1e-5)


@FAST
@given(small_ints, st.integers(0, 3))
def test_diff_ediff1d_trapezoid_match_numpy(x, n):
  assert_array(jnp.diff(x, n=n, axis=0), np.diff(x, n=n, axis=0), np.int32)
  assert_array(jnp.diff(x, prepend=7, append=x[..., :1]),
               np.diff(x, prepend=7, append=x[..., :1]))
  assert_array(jnp.ediff1d(x, to_begin=[5, 6], to_end=9), np.ediff1d(x, to_begin=[5, 6],
                                                                     to_end=9))
  xs = np.cumsum(np.abs(x), axis=-1).astype(f32)
  assert_array(jnp.trapezoid(x, xs, axis=-1), np.trapezoid(x, xs, axis=-1), exact=False,
               tol=1e-5)
  assert_array(jnp.trapezoid(x, dx=0.5, axis=0), np.trapezoid(x, dx=0.5, axis=0), exact=False)


@FAST
@given(floats(nans=True), st.booleans())
def test_ptp_count_average_match_numpy(x, keepdims):
  assert_array(jnp.ptp(x, axis=0, keepdims=keepdims), np.ptp(x, axis=0, keepdims=keepdims))
  assert_array(jnp.count_nonzero(x, axis=-1), np.count_nonzero(x, axis=-1), np.int32)
  w = np.arange(1, x.shape[0] + 1, dtype=f32)
  got, total = jnp.average(x, axis=0, weights=w, returned=True)
  want, want_total = np.average(x, axis=0, weights=w, returned=True)
  assert_array(got, want, exact=False, tol=1e-4)
  assert_array(total, want_total, exact=False)


@FAST
@given(hnp.arrays(f32, st.integers(0, 12), elements=st.sampled_from(
    [0.0, -0.0, 1.5, -2.0, 3.0, np.nan])), st.booleans())
def test_unique_matches_numpy(x, want_all):
  got = jnp.unique(x, return_index=want_all, return_inverse=want_all, return_counts=want_all)
  want = np.unique(x, return_index=want_all, return_inverse=want_all, return_counts=want_all)
  for g, w in zip(got if want_all else [got], want if want_all else [want]):
    assert_array(g, w)


@FAST
@given(small_ints, small_ints)
def test_set_routines_match_numpy(a, b):
  assert_array(jnp.union1d(a, b), np.union1d(a, b), np.int32)
  assert_array(jnp.setdiff1d(a, b), np.setdiff1d(a, b))
  assert_array(jnp.isin(a, b), np.isin(a, b))
  assert_array(jnp.isin(a, b, invert=True), np.isin(a, b, invert=True))
  for g, w in zip(jnp.intersect1d(a, b, return_indices=True),
                  np.intersect1d(a, b, return_indices=True)):
    assert_array(g, w)
  assert_array(jnp.unique(a, axis=0), np.unique(a, axis=0))


@FAST
@given(floats(nans=True, dims=(1, 1)), floats(nans=True))
def test_searchsorted_digitize_match_numpy(a, v):
  a = np.sort(a)
  for side in ("left", "right"):
    assert_array(jnp.searchsorted(a, v, side=side), np.searchsorted(a, v, side=side), np.int32)
  bins = np.unique(a[~np.isnan(a)])
  for right in (False, True):
    assert_array(jnp.digitize(v, bins, right=right), np.digitize(v, bins, right=right))
    assert_array(jnp.digitize(v, bins[::-1], right=right),
                 np.digitize(v, bins[::-1], right=right))


@FAST
@given(hnp.arrays(np.int32, st.integers(0, 10), elements=st.integers(0, 7)),
       st.integers(0, 9))
def test_bincount_histogram_match_numpy(x, minlength):
  assert_array(jnp.bincount(x, minlength=minlength), np.bincount(x, minlength=minlength),
               np.int32)
  w = np.linspace(0, 1, x.size).astype(f32)
  assert_array(jnp.bincount(x, w), np.bincount(x, w), exact=False)
  if x.size:
    counts, edges = jnp.histogram(x.astype(f32), bins=4, range=(0, 7))
    want_counts, want_edges = np.histogram(x.astype(f32), bins=4, range=(0, 7))
    assert_array(counts, want_counts.astype(f32), f32)
    assert_array(edges, want_edges, exact=False)


@FAST
@given(small_ints, st.integers(0, 7), st.integers(0, 7),
       st.sampled_from(["constant", "edge", "reflect", "symmetric", "wrap", "linear_ramp",
                        "maximum", "minimum", "mean", "median"]))
def test_pad_modes_match_numpy(x, before, after, mode):
  x = x.astype(f32)
  got = jnp.pad(x, ((before, after), (after, before)) if x.ndim == 2 else (before, after),
                mode=mode)
  want = np.pad(x, ((before, after), (after, before)) if x.ndim == 2 else (before, after),
                mode=mode)
  assert_array(got, want, f32, exact=False, tol=1e-5)
  if mode in ("reflect", "symmetric"):
    assert_array(jnp.pad(x, before, mode=mode, reflect_type="odd"),
                 np.pad(x, before, mode=mode, reflect_type="odd"), exact=False)


@FAST
@given(floats(shape_min=2, dims=(1, 1)), st.integers(1, 2))
def test_top_k_and_partition(x, k):
  x = x + f32(0)  # no -0.0: top_k ranks it below 0.0, NumPy's argsort does not
  vals, idx = lax.top_k(x, k)
  order = np.argsort(-x, kind="stable")[:k]
  assert_array(vals, x[order])
  assert_array(idx, order, np.int32)
  kth = x.size // 2
  part = np.asarray(jnp.partition(x, kth))
  assert part[kth] == np.sort(x)[kth]
  assert (part[:kth] <= part[kth]).all() and (part[kth + 1:] >= part[kth]).all()
  taken = x[np.asarray(jnp.argpartition(x, kth))]
  assert_array(taken[:kth + 1], part[:kth + 1])  # the smallest, ascending in both
  assert_array(np.sort(taken[kth + 1:]), np.sort(part[kth + 1:]))


# ---------------------------------------------------------------------------
# JAX's semantics, with values from the real JAX

A = np.array([[1, nan, 3, nan], [2, 5, 5, 1], [inf, 1, inf, 0]], f32)


def test_argmax_nan_and_ties_like_jax():
  assert_array(lax.argmax(A, 1, np.int32), [1, 1, 0], np.int32)
  assert_array(lax.argmin(A, 1, np.int32), [1, 3, 3], np.int32)
  assert_array(jnp.argmax(A), 1, np.int32)
  assert_array(jnp.argmax(A, axis=1, keepdims=True), [[1], [1], [0]])
  assert_array(jnp.nanargmax(A, axis=1), [2, 1, 0], np.int32)
  assert_array(jnp.nanargmin(A, axis=1), [0, 3, 3])
  assert_array(jnp.nanargmax(np.array([[nan, nan], [1, 2]], f32), axis=1), [-1, 1])
  assert_array(lax.argmax(np.array([-0.0, 0.0], f32), 0, np.int32), 0)
  assert_array(lax.argmax(np.array([1, 3], np.int32), 0, np.int16), 1, np.int16)


def test_sort_orders_like_jax():
  x = np.array([nan, 1., -0., 0., -inf, inf, -nan], f32)
  got = np.asarray(lax.sort(x))
  assert_array(got, [-inf, -0., 0., 1., inf, nan, nan])
  assert np.signbit(got[1]) and not np.signbit(got[2])
  # -0.0 and 0.0 are equal to sort: a stable sort keeps them in place.
  assert_array(np.signbit(lax.sort(np.array([0., -0., 0., -0.], f32))), [0, 1, 0, 1])
  k1, k2 = np.array([2, 1, 2, 1, 0], np.int32), np.array([5, 3, 1, 4, 9], f32)
  v = np.arange(10, 15, dtype=np.int32)
  out = lax.sort((k1, k2, v), num_keys=2)
  assert_array(out[1], [9., 3., 4., 1., 5.])
  assert_array(out[2], [14, 11, 13, 12, 10])
  out = lax.sort((k1, k2, v), num_keys=1)
  assert_array(out[2], [14, 11, 13, 10, 12])
  assert_array(jnp.sort(np.array([3., 1, nan, 2, 1, -0., 0.], f32), descending=True),
               [nan, 3., 2., 1., 1., 0., -0.])
  assert_array(jnp.argsort(np.array([3., 1, nan, 2, 1, -0., 0.], f32), descending=True),
               [2, 0, 3, 1, 4, 5, 6])
  c = np.array([2 + 0j, 1 + 1j, nan + 1j, nan + 2j], np.complex64)
  assert_array(lax.sort(c), [1 + 1j, 2 + 0j, nan + 1j, nan + 2j])


def test_top_k_like_jax():
  vals, idx = lax.top_k(np.array([1., nan, 3.], f32), 2)
  assert_array(vals, [nan, 3.])
  assert_array(idx, [1, 2])
  vals, idx = lax.top_k(np.array([-inf, nan, -nan, 1.], f32), 4)  # -NaN is the smallest
  assert_array(idx, [1, 3, 0, 2])
  vals, idx = lax.top_k(np.array([0., -0., 0., -0.], f32), 4)
  assert_array(idx, [0, 2, 1, 3])
  assert_array(lax.top_k(np.array([-2**31, 5, 0], np.int32), 3)[1], [1, 2, 0])
  assert_array(lax.top_k(np.array([1, 3, 3, 2], np.int32), 3)[1], [1, 2, 3])
  weak = lax.top_k(lax.broadcast_in_dim(jnp.asarray(1.0), (3,), ()), 2)
  assert weak[0].weak_type and weak[1].weak_type  # JAX marks the indices weak too


def test_partition_like_jax():
  a = np.array([5, 1, 4, 2, 3, 0, 6], np.int32)
  assert_array(jnp.partition(a, 3), [0, 1, 2, 3, 6, 5, 4])
  assert_array(jnp.argpartition(a, 3), [5, 1, 3, 4, 0, 2, 6])
  assert_array(jnp.partition(np.array([5., 1, 4, nan, 3, 0, 6], f32), 2),
               [0., 1., 3., nan, 6., 5., 4.])
  assert_array(jnp.argpartition(np.array([1, 1, 1, 0, 0]), 2), [3, 4, 0, 1, 2])


def test_cumulative_reductions_like_jax():
  x = np.array([3., 1., 2.], f32)
  assert_array(lax.cumprod(x), [3., 3., 6.])
  assert_array(lax.cumlogsumexp(np.array([0., 1., 2.], f32), reverse=True),
               [2.4076061, 2.3132617, 2.], exact=False)
  assert_array(lax.cumlogsumexp(np.array([-inf, -inf, 0.], f32)), [-inf, -inf, 0.])
  assert_array(lax.cumsum(np.array([100, 100], np.int8)), [100, -56], np.int8)
  assert_array(np.signbit(lax.cummin(np.array([0., -0., 0.], f32))), [0, 1, 1])
  assert_array(np.signbit(lax.cummax(np.array([-0., 0., -0.], f32))), [1, 0, 0])
  assert_array(jnp.cumsum(np.array([True, True])), [1, 2], np.int32)
  assert_array(jnp.cumsum(np.array([100, 100], np.int8)), [100, -56], np.int8)
  assert_array(jnp.cumulative_sum(np.array([100, 100], np.uint8)), [100, 200], np.uint32)
  assert_array(jnp.cumsum(np.array([1.5, 2.5], f32), dtype=np.int32), [1, 3], np.int32)
  assert not jnp.cumsum(jnp.asarray(3.)).weak_type
  assert_array(jnp.nancumprod(np.array([2., nan, 2.], f32)), [2., 2., 4.])


def test_reductions_like_jax():
  assert_array(lax.reduce_max(np.array([0., -0.], f32), (0,)), 0.)
  assert not np.signbit(lax.reduce_max(np.array([0., -0.], f32), (0,)))
  assert np.signbit(lax.reduce_min(np.array([0., -0.], f32), (0,)))
  assert_array(lax.reduce_min(np.zeros((0,), f32), (0,)), inf)
  assert_array(lax.reduce_max(np.zeros((0,), np.int32), (0,)), -2**31)
  assert_array(lax.reduce_and(np.zeros((0,), bool), (0,)), True)
  assert_array(lax.reduce_xor(np.array([3, 5, 6], np.int32), (0,)), 0)
  assert_array(lax.reduce_or(np.array([3, 5, 8], np.uint8), (0,)), 15, np.uint8)
  assert_array(lax.reduce_max(np.array([1 + 2j, 1 + 1j, 5j], np.complex64), (0,)), 1 + 2j)
  assert not lax.reduce_or(lax.broadcast_in_dim(jnp.asarray(1), (3,), ()), (0,)).weak_type
  assert lax.reduce_prod(lax.broadcast_in_dim(jnp.asarray(1.), (3,), ()), (0,)).weak_type
  assert "reduce_prod[axes=(1, 0)]" in str(jaxlite.make_jaxpr(
      lambda x: lax.reduce_prod(x, (1, 0)))(np.ones((2, 3), f32)))
  assert "reduce_max[axes=(1,)]" in str(jaxlite.make_jaxpr(
      lambda x: lax.reduce_max(x, (1,)))(np.ones((2, 3), f32)))


def test_derivatives_like_jax():
  grad = jaxlite.grad
  assert_array(grad(lambda x: lax.reduce_prod(x, (0,)))(np.array([0., 2., 3.], f32)),
               [6., 0., 0.])
  assert_array(grad(lambda x: lax.reduce_prod(x, (0,)))(np.array([0., 2., 0.], f32)),
               [0., 0., 0.])
  assert_array(grad(lambda x: lax.reduce_min(x, (0, 1)))(np.array([[1., 2.], [1., 1.]], f32)),
               [[1 / 3, 0.], [1 / 3, 1 / 3]], exact=False)
  assert_array(grad(lambda x: lax.cummax(x).sum())(np.array([3., 1., 3., 2., 5.], f32)),
               [3., 0., 1., 0., 1.])
  assert_array(grad(lambda x: lax.cummin(x).sum())(np.array([3., 1., 3., 1., 5.], f32)),
               [1., 3., 0., 1., 0.])
  # Ties are split the way JAX's associative scan splits them.
  assert_array(grad(lambda x: (lax.cummax(x) * np.arange(9.)).sum())(np.ones(9, f32)),
               [4.625, 4.625, 4.625, 3.625, 5.375, 3.375, 4.375, 1.375, 4.])
  assert_array(grad(lambda x: (lax.cummax(x, reverse=True) * np.arange(6.)).sum())(
      np.array([3., 1., 3., 2., 5., 5.], f32)), [0., 0., 0., 0., 5., 10.])
  assert_array(grad(lambda x: lax.cumprod(x).sum())(np.array([2., 0., 3., 0., 5.], f32)),
               [1., 8., 0., 0., 0.])
  assert_array(grad(lambda x: (lax.cumprod(x, reverse=True) * np.arange(5.)).sum())(
      np.array([2., 0., 3., 0., 5.], f32)), [0., 0., 0., 45., 4.])
  assert_array(grad(lambda x: lax.cumlogsumexp(x).sum())(np.array([2., -inf, 3.], f32)),
               [2.2689414, 0., 0.73105854], exact=False)
  assert_array(grad(lambda x: (lax.sort(x) * np.arange(4.)).sum())(np.array([2., 1., 2., 1.],
                                                                             f32)),
               [2., 0., 3., 1.])
  assert_array(grad(lambda x: (lax.top_k(x, 3)[0] * np.arange(3.)).sum())(
      np.array([2., 1., 2., 1.], f32)), [0., 2., 1., 0.])
  assert_array(grad(lambda x: jnp.quantile(x, 0.4))(np.array([1., 2., 3., 7.], f32)),
               [0., 0.8, 0.2, 0.], exact=False)
  assert_array(grad(lambda x: (jnp.pad(x, (2, 3), mode="reflect") * np.arange(8.)).sum())(
      np.array([1., 2., 3.], f32)), [8., 16., 4.])
  cts = grad(lambda x, v: (lax.pad(x, v, [(1, -1, 2)]) * np.arange(10, dtype=f32)).sum(),
              (0, 1))(np.arange(4, dtype=f32), f32(0))
  assert_array(cts[0], [1., 4., 7., 0.])
  assert_array(cts[1], 33.)


def test_pad_like_jax():
  a = np.arange(4, dtype=f32)
  assert_array(lax.pad(a, f32(0), [(1, -1, 1)]), [0., 0., 0., 1., 0., 2., 0.])
  assert_array(lax.pad(a, f32(0), [(-1, 2, 0)]), [1., 2., 3., 0., 0.])
  assert_array(lax.pad(a, f32(9), [(0, 0, 2)]), [0., 9., 9., 1., 9., 9., 2., 9., 9., 3.])
  assert_array(lax.pad(a, f32(0), [(-2, -2, 1)]), [1., 0., 2.])
  b = np.array([1, 2, 3, 4, 5])
  assert_array(jnp.pad(b, (2, 3), mode="mean", stat_length=2), [2, 2, 1, 2, 3, 4, 5, 4, 4, 4])
  assert_array(jnp.pad(b, (2, 3), mode="linear_ramp", end_values=(10, -5)),
               [10, 5, 1, 2, 3, 4, 5, 1, -2, -5])
  assert_array(jnp.pad(b, (7, 9), mode="symmetric", reflect_type="odd"),
               [-4, -3, -3, -2, -1, 0, 1, 1, 2, 3, 4, 5, 5, 6, 7, 8, 9, 9, 10, 11, 12])
  assert_array(jnp.pad(np.ones((2, 2), f32), ((1, 0), (0, 1)), constant_values=((5, 6), (7, 8))),
               [[5., 5., 8.], [1., 1., 8.], [1., 1., 8.]])
  assert_array(jnp.pad(b, 2, mode=lambda v, w, i, kw: v * 0 + kw["x"], x=9), [9] * 9)
  assert_array(jaxlite.jit(lambda x, c: jnp.pad(x, 1, constant_values=c))(np.ones(2, f32), 5.),
               [5., 1., 1., 5.])


def test_quantiles_like_jax():
  x = np.array([[3., 1., 4., 1., 5.], [9., 2., 6., 5., 3.]], f32)
  q = np.array([0., 0.3, 0.5, 0.625, 0.9, 1.], f32)
  want = {
      "linear": [[1, 1.4000001, 3, 3.5, 4.6, 5], [2, 3.4, 5, 5.5, 7.7999997, 9]],
      "nearest": [[1, 1, 3, 3, 5, 5], [2, 3, 5, 5, 9, 9]],  # halfway rounds down
      "midpoint": [[1, 2, 3, 3.5, 4.5, 5], [2, 4, 5, 5.5, 7.5, 9]],
      "inverted_cdf": [[1, 1, 3, 4, 5, 5], [2, 3, 5, 6, 9, 9]],
  }
  for method, values in want.items():
    assert_array(jnp.quantile(x, q, axis=1, method=method), np.array(values, f32).T,
                 exact=False)
  assert_array(jnp.quantile(np.array([1., 2., 3., 4.], f32), np.array([0.5, 1 / 6], f32),
                            method="nearest"), [2., 1.])
  assert_array(jnp.quantile(np.array([1., nan, 3.], f32), 0.5), nan)
  assert_array(jnp.quantile(x, np.array([0.5, 0.1], f32), axis=1, keepdims=True),
               [[[3.], [5.]], [[1.], [2.4]]], exact=False)
  assert jnp.quantile(np.arange(24.).reshape(2, 3, 4), np.array([0.5]), axis=(0, 2),
                      keepdims=True).shape == (1, 1, 3, 1)
  assert_array(jnp.nanquantile(np.array([1., nan, 3., 7.], f32), np.array([0., .25, .5, .75, 1.],
                                                                          f32),
                               method="nearest"), [1., 1., 3., 3., 7.])
  q = np.array([0., 0.2, 0.3, 0.5, 0.9, 1.], f32)
  assert_array(jnp.quantile(np.array([3., 1., 4., 1., 5.], f32), q, method="inverted_cdf",
                            weights=np.array([1., 2., 1., 0.5, 3.], f32)),
               [1., 1., 1., 4., 5., 5.])
  assert_array(jnp.median(np.array([True, False, True])), 1., f32)
  assert_array(jnp.quantile(np.array([1, 2, 3, 4]), 0.5), 2.5, f32)
  assert_array(jaxlite.jit(jnp.quantile)(np.array([1., 2., 3., 7.], f32), 0.4), 2.2,
               exact=False)


def test_unique_and_sets_like_jax():
  x = np.array([3., 1., nan, 2., 1., -0., 0., nan, 3.], f32)
  vals, idx, inv, counts = jnp.unique(x, return_index=True, return_inverse=True,
                                      return_counts=True)
  assert_array(vals, [-0., 1., 2., 3., nan])
  assert np.signbit(np.asarray(vals)[0])
  assert_array(idx, [5, 1, 3, 0, 2])
  assert_array(inv, [3, 1, 4, 2, 1, 0, 0, 4, 3])
  assert_array(counts, [2, 2, 1, 2, 2])
  assert_array(jnp.unique(x, equal_nan=False), [-0., 1., 2., 3., nan, nan])
  out = jnp.unique(np.array([3., nan, 3., 2.], f32), size=5, return_index=True,
                   return_inverse=True, return_counts=True)
  for got, want in zip(out, ([2., 3., nan, 2., 2.], [3, 0, 1, 3, 3], [1, 2, 1, 0],
                             [1, 2, 1, 0, 0])):
    assert_array(got, want)
  assert_array(jnp.unique(np.array([3, 1, 3, 2]), size=5, fill_value=-1), [1, 2, 3, -1, -1])
  assert_array(jnp.unique(np.array([3, 1, 3, 2]), size=2), [1, 2])
  assert_array(jaxlite.jit(lambda v: jnp.unique(v, size=3))(np.array([3, 1, 3, 2])), [1, 2, 3])
  vals, inv = jnp.unique(np.array([[1, 2], [2, 1]]), return_inverse=True)
  assert_array(inv, [[0, 1], [1, 0]])  # shaped like the input
  rows = jnp.unique(np.array([[1, 2], [0, 5], [1, 2]]), axis=0, size=4, return_counts=True)
  assert_array(rows[0], [[0, 5], [1, 2], [0, 5], [0, 5]])
  assert_array(rows[1], [1, 2, 0, 0])
  common, i1, i2 = jnp.intersect1d(np.array([3, 1, 4, 1, 8, 8]), np.array([1, 4, 5]), size=4,
                                   return_indices=True)
  assert_array(common, [1, 4, 1, 1])
  assert_array(i1, [1, 2, 6, 6])
  assert_array(i2, [0, 1, 3, 3])
  assert_array(jnp.setdiff1d(np.array([3, 1, 4, 1, 7]), np.array([1, 4]), size=4), [3, 7, 0, 0])
  assert_array(jnp.setdiff1d(np.array([7, 3, 1, 4]), np.array([1, 4]), assume_unique=True),
               [7, 3])
  assert_array(jnp.union1d(np.array([3, 1]), np.array([2, 1]), size=5, fill_value=0),
               [1, 2, 3, 0, 0])
  assert_array(jnp.isin(np.array([nan, 1., -0.], f32), np.array([nan, 1., 0.], f32)),
               [False, True, True])
  counts = jnp.unique_counts(np.array([3, 1, 3, 2]))
  assert_array(counts.values, [1, 2, 3])
  assert_array(counts.counts, [1, 1, 2])


def test_counting_and_searching_like_jax():
  assert_array(jnp.bincount(np.array([-1, 1, 1, 3])), [1, 2, 0, 1], np.int32)
  assert_array(jnp.bincount(np.array([0, 1, 1, 3]), length=2), [1, 2])
  assert_array(jaxlite.jit(lambda v: jnp.bincount(v, length=5))(np.array([0, 1, 1, 3])),
               [1, 2, 0, 1, 0])
  counts, edges = jnp.histogram(np.array([1., nan, 2.], f32), bins=2, range=(0, 2))
  assert_array(counts, [0., 2.], f32)
  counts, edges = jnp.histogram(np.array([2., 2.], f32), bins=2)
  assert_array(counts, [0., 2.])
  assert_array(edges, [1.5, 2., 2.5])
  counts, _ = jnp.histogram(np.array([1., 2., 1., 4., 2.5, 0.], f32), bins=3,
                            weights=np.array([1., 2., 1., 1., 1., 1.], f32), density=True)
  assert_array(counts, [0.3214286, 0.3214286, 0.10714287], exact=False)
  a = np.array([1., 2., 2., 3., nan], f32)
  v = np.array([2., 0., 5., nan, 2.5], f32)
  assert_array(jnp.searchsorted(a, v), [1, 0, 4, 4, 3], np.int32)
  assert_array(jnp.searchsorted(a, v, side="right"), [3, 0, 4, 5, 3])
  assert_array(jnp.searchsorted(np.array([-1., -0., 0., 1.], f32), np.array([0., -0.], f32),
                                side="right"), [3, 3])
  assert_array(jnp.searchsorted(np.array([3, 1, 2]), np.array([2, 4]),
                                sorter=np.array([1, 2, 0])), [1, 3])
  x = np.array([0.5, 1., 2.5, 4., 9.], f32)
  assert_array(jnp.digitize(x, np.array([4., 3., 2., 1.], f32)), [4, 3, 2, 0, 0])
  assert_array(jnp.digitize(x, np.array([4., 3., 2., 1.], f32), right=True), [4, 4, 2, 1, 0])
  assert_array(jnp.lexsort((np.array([1, 1, 2, 2]), np.array([4, 3, 2, 1]))), [3, 2, 1, 0])


def test_misc_reductions_like_jax():
  assert_array(jnp.ptp(np.array([250, 3], np.uint8)), 247, np.uint8)
  assert_array(jnp.count_nonzero(np.array([[0, 1., nan], [0, 0, 3]], f32)), 3, np.int32)
  assert_array(jnp.nanmax(np.array([[1., nan], [nan, nan]], f32), axis=1, keepdims=True),
               [[1.], [nan]])
  assert_array(jnp.nanvar(np.array([[1., nan, 3.], [4., 5., 9.]], f32), axis=1, ddof=1),
               [2., 7.])
  assert_array(jnp.nanvar(np.array([1., nan], f32), ddof=1), nan)
  assert_array(jnp.nanvar(np.array([1 + 1j, nan, 3 - 1j], np.complex64)), 2., f32)
  avg, total = jnp.average(np.array([[1., 2.], [3., 4.]], f32), axis=1,
                           weights=np.array([1., 3.], f32), keepdims=True, returned=True)
  assert_array(avg, [[1.75], [3.75]])
  assert_array(total, [[4.], [4.]])
  assert_array(jnp.average(np.ones((2, 3, 4), f32), axis=(0, 2), weights=np.ones((2, 4), f32)),
               [1., 1., 1.])
  assert_array(jnp.average(np.array([1., 2.], f32), weights=np.zeros(2, f32)), nan)
  assert_array(jnp.diff(np.array([True, False, False, True])), [True, False, True])
  out = jnp.diff(np.array([1, 4]), prepend=0.5)
  assert_array(out, [0.5, 3.], f32)
  assert out.weak_type
  assert_array(jnp.ediff1d(np.array([1, 4]), to_begin=0.5), [0, 3], np.int32)
  assert_array(jnp.cumulative_prod(np.array([1., 2., 3.], f32), include_initial=True),
               [1., 1., 2., 6.])


# ---------------------------------------------------------------------------
# Errors

@pytest.mark.parametrize("fn, exc, msg", [
    (lambda: lax.rev(np.ones((2, 3)), (0, 0)), TypeError, "rev dimensions must be unique"),
    (lambda: lax.pad(np.ones(2, f32), 0, [(0, 0, 0)]), TypeError,
     "pad operand and padding_value must be same dtype: got float32 and int32."),
    (lambda: lax.pad(np.ones(3, f32), f32(0), [(-2, -2, 0)]), ValueError,
     "Dimension size after padding is not at least 0"),
    (lambda: lax.pad(np.ones(3, f32), f32(0), [(0, 0, -1)]), ValueError,
     "interior padding in padding_config must be nonnegative"),
    (lambda: lax.concatenate([np.ones(2, f32), np.ones(2, np.int32)], 0), TypeError,
     "(Tip: jnp.concatenate is a similar function"),
    (lambda: lax.concatenate([np.ones((2, 3)), np.ones((2, 2))], 0), TypeError,
     "differ in dimensions other than the one being concatenated"),
    (lambda: lax.split(np.arange(6.), (2, 3)), ValueError,
     "Sum of sizes 5 must be equal to dimension 0 of the operand shape [6]"),
    (lambda: lax.sort((np.ones(2), np.ones(2)), num_keys=3), ValueError,
     "num_keys=3 must be between 1 and len(operand)=2"),
    (lambda: lax.sort(np.ones(3), num_keys=2), ValueError, "must equal 1 for a single operand"),
    (lambda: lax.sort((np.ones(3), np.ones(2))), TypeError, "Arguments to sort must have equal"),
    (lambda: lax.top_k(np.arange(3.), 4), ValueError,
     "k argument to top_k must be no larger than size along axis; got k=4 with shape=[3]"),
    (lambda: lax.argmax(np.ones((2, 3)), 2, np.int32), ValueError,
     "Invalid axis 2 for operand shape (2, 3)"),
    (lambda: lax.argmax(np.ones(2), 0, np.float32), TypeError,
     "index_dtype must be an integer type"),
    (lambda: lax.argmin(np.zeros(0), 0, np.int32), ValueError,
     "argmin and argmax require non-empty reduced dimension"),
    (lambda: lax.cumsum(np.ones((2, 3)), -1), ValueError, "XLA operations do not allow negative"),
    (lambda: lax.cumsum(np.array([True])), TypeError, "cumsum does not accept dtype bool"),
    (lambda: lax.reduce_and(np.ones(2, f32), (0,)), TypeError,
     "logical reduction requires operand dtype bool or int, got float32."),
    (lambda: lax.reduce_min(np.ones((2, 3), f32), (-1,)), ValueError,
     "reduction axes (-1,) contains out-of-bounds indices for float32[2,3]."),
    (lambda: lax.reduce_prod(np.ones((2, 3)), (1, 1)), ValueError,
     "duplicate value in 'axes' of reduction: (1, 1)"),
    (lambda: jnp.argmax(np.zeros(0)), ValueError, "attempt to get argmax of an empty sequence"),
    (lambda: jnp.argmax(np.ones(2), out=np.ones(1)), NotImplementedError,
     "The 'out' argument to jnp.argmax is not supported."),
    (lambda: jnp.cumulative_sum(np.ones((2, 2))), ValueError,
     "The input array has rank 2, however axis was not set"),
    (lambda: jnp.quantile(np.ones(3), 0.5, method="hazen"), ValueError,
     "method can only be 'linear', 'lower', 'higher', 'midpoint', 'nearest' or 'inverted_cdf'"),
    (lambda: jnp.quantile(np.ones(3), 0.5, weights=np.ones(3)), NotImplementedError,
     "linear doesn't support weights."),
    (lambda: jnp.quantile(np.ones(3), np.ones((1, 2)) / 2), ValueError, "q must be have rank"),
    (lambda: jnp.median(np.array([1 + 1j])), ValueError, "quantile does not support complex"),
    (lambda: jnp.average(np.ones((2, 2)), weights=np.ones(2)), ValueError,
     "Axis must be specified when shapes of a and weights differ."),
    (lambda: jnp.diff(np.ones(3), n=-1), ValueError, "order must be non-negative but got -1"),
    (lambda: jnp.sort(np.ones(2), kind="quicksort"), TypeError,
     "'kind' argument to sort is not supported."),
    (lambda: jnp.sort(np.array(3.)), ValueError, "axis -1 is out of bounds for array of "
                                                 "dimension 0"),
    (lambda: jnp.lexsort(()), TypeError, "need sequence of keys with len > 0 in lexsort"),
    (lambda: jnp.searchsorted(np.ones((1, 2)), 1), ValueError, "a should be 1-dimensional"),
    (lambda: jnp.searchsorted(np.ones(2), 1, side="up"), ValueError,
     "invalid argument side='up', expected 'left' or 'right'"),
    (lambda: jnp.isin(np.ones(2), np.ones(2), method="x"), ValueError,
     "method='x' is not implemented"),
    (lambda: jnp.unique(np.array([], np.int32), size=2), ValueError,
     "fill_value must be specified"),
    (lambda: jnp.bincount(np.ones(2, f32)), TypeError,
     "x argument to bincount must have an integer type; got float32"),
    (lambda: jnp.pad(np.ones(2), -1), ValueError, "index can't contain negative values"),
    (lambda: jnp.pad(np.ones(2), 1.5), TypeError, "`pad_width` must be of integral type."),
    (lambda: jnp.pad(np.ones(2), ((1, 2), (3, 4))), ValueError,
     "pad_width with nd=1 has unsupported shape (2, 2)"),
    (lambda: jnp.pad(np.ones(2), 1, mode="foo"), NotImplementedError,
     "Unimplemented padding mode 'foo' for np.pad."),
    (lambda: jnp.pad(np.ones(2), 1, mode="edge", constant_values=3), ValueError,
     "unsupported keyword arguments for mode 'edge'"),
    (lambda: jnp.pad(np.ones(0), 1, mode="wrap"), ValueError,
     "Cannot apply 'wrap' padding to empty axis"),
])
def test_errors(fn, exc, msg):
  with pytest.raises(exc) as info:
    fn()
  assert msg in str(info.value)


@pytest.mark.parametrize("fn", [
    lambda x: jnp.unique(x),
    lambda x: jnp.bincount(x),
    lambda x: jnp.setdiff1d(x, x),
    lambda x: jnp.pad(x, x[0]),
])
def test_data_dependent_sizes_need_static_arguments_under_jit(fn):
  with pytest.raises(jaxlite.errors.ConcretizationTypeError):
    jaxlite.jit(fn)(np.array([1, 2], np.int32))


# ---------------------------------------------------------------------------
# Transformations through the jnp functions

def test_jit_and_vmap_agree_with_eager():
  x = np.random.default_rng(0).normal(size=(3, 5)).astype(f32)
  fns = [
      lambda a: jnp.sort(a, descending=True), lambda a: jnp.argsort(a, axis=0),
      lambda a: jnp.cumsum(a, axis=1), lambda a: jnp.median(a, axis=0),
      lambda a: jnp.quantile(a, np.array([0.2, 0.7], f32), axis=1, method="nearest"),
      lambda a: jnp.pad(a, 2, mode="symmetric"), lambda a: jnp.searchsorted(jnp.sort(a[0]), a),
      lambda a: jnp.nanargmax(a, axis=1), lambda a: jnp.partition(a, 2, axis=1),
      lambda a: jnp.unique(a[0] > 0, size=3), lambda a: jnp.histogram(a, bins=3, range=(-1, 1)),
  ]
  for fn in fns:
    eager = fn(x)
    for g, w in zip(jaxlite.tree_util.tree_leaves(jaxlite.jit(fn)(x)),
                    jaxlite.tree_util.tree_leaves(eager)):
      assert_array(g, w, exact=False)
    batched = jaxlite.vmap(fn)(np.stack([x, 2 * x]))
    for g, w0, w1 in zip(jaxlite.tree_util.tree_leaves(batched),
                         jaxlite.tree_util.tree_leaves(eager),
                         jaxlite.tree_util.tree_leaves(fn(2 * x))):
      assert_array(g, np.stack([w0, w1]), exact=False)
