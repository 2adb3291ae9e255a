"""jaxlite.scipy: special functions and distributions against SciPy on random inputs and
against literal outputs of JAX 0.10.2 at the edges; signal, ndimage and optimize against
JAX's results."""
import numpy as np
import pytest

import jaxlite
import jaxlite.numpy as jnp
import jaxlite.scipy.ndimage as nd
import jaxlite.scipy.optimize as opt
import jaxlite.scipy.signal as sig
import jaxlite.scipy.special as sp
import jaxlite.scipy.stats as st
from jaxlite._src.config import enable_x64
from jaxlite.test_util import check_grads

ss = pytest.importorskip("scipy.special")
sst = pytest.importorskip("scipy.stats")

RNG = np.random.RandomState(0)
POS = RNG.uniform(0.1, 8, 16)
ANY = RNG.uniform(-5, 5, 16)
UNIT = RNG.uniform(0.01, 0.99, 16)

# (name, scipy function, inputs): float64 values compared at float32 precision.
SPECIAL_CASES = [
    ("gammaln", ss.gammaln, (ANY,)), ("gamma", ss.gamma, (ANY,)),
    ("gammasgn", ss.gammasgn, (ANY,)), ("loggamma", ss.loggamma, (POS,)),
    ("digamma", ss.digamma, (ANY,)), ("betaln", ss.betaln, (POS, POS[::-1])),
    ("beta", ss.beta, (POS, POS[::-1])), ("factorial", ss.factorial, (POS,)),
    ("comb", ss.comb, (POS * 2, POS)), ("poch", ss.poch, (POS, UNIT)), ("erf", ss.erf, (ANY,)),
    ("erfc", ss.erfc, (ANY,)), ("erfinv", ss.erfinv, (2 * UNIT - 1,)),
    ("erfcx", ss.erfcx, (ANY * 4,)), ("ndtr", ss.ndtr, (ANY * 2,)), ("ndtri", ss.ndtri, (UNIT,)),
    ("log_ndtr", ss.log_ndtr, (ANY * 6,)), ("logit", ss.logit, (UNIT,)),
    ("expit", ss.expit, (ANY,)), ("xlogy", ss.xlogy, (ANY, POS)),
    ("xlog1py", ss.xlog1py, (ANY, POS)), ("entr", ss.entr, (ANY,)),
    ("rel_entr", ss.rel_entr, (ANY, POS)), ("kl_div", ss.kl_div, (ANY, POS)),
    ("boxcox", ss.boxcox, (POS, ANY / 3)), ("boxcox1p", ss.boxcox1p, (POS, ANY / 3)),
    ("i0", ss.i0, (ANY,)), ("i0e", ss.i0e, (ANY,)), ("i1", ss.i1, (ANY,)), ("i1e", ss.i1e, (ANY,)),
    ("gammainc", ss.gammainc, (POS, POS[::-1])), ("gammaincc", ss.gammaincc, (POS, POS[::-1])),
    ("gammainc", ss.gammainc, (POS * 20, POS[::-1] * 20)),
    ("betainc", ss.betainc, (POS, POS[::-1], UNIT)),
    ("betainc", ss.betainc, (POS * 10, POS * 9, UNIT)),
    ("polygamma", ss.polygamma, (np.arange(16) % 4, POS)), ("zeta", ss.zeta, (POS + 1.1, POS)),
    ("expi", ss.expi, (ANY * 4,)), ("exp1", ss.exp1, (POS * 3,)),
    ("expn", ss.expn, (np.arange(16) % 5, POS)), ("spence", ss.spence, (POS,)),
    ("dawsn", ss.dawsn, (ANY * 3,)), ("multigammaln", lambda a: ss.multigammaln(a, 3), (POS + 1,)),
]


@pytest.mark.parametrize("name,ref,args", SPECIAL_CASES, ids=[c[0] for c in SPECIAL_CASES])
def test_special_matches_scipy(name, ref, args):
  args32 = [a.astype(np.int32) if a.dtype.kind == "i" else a.astype(np.float32) for a in args]
  fn = getattr(sp, name) if name != "multigammaln" else (lambda a: sp.multigammaln(a, 3))
  got = fn(*args32)
  assert got.dtype == np.float32
  with np.errstate(all="ignore"):
    want = np.asarray(ref(*(a.astype(np.float64) for a in args32))).astype(np.float32)
  np.testing.assert_allclose(np.asarray(got), want, rtol=3e-5 if name != "gammainc" else 2e-4,
                             atol=2e-6)


def test_sici_fresnel_match_scipy():
  x = np.concatenate([ANY * 6, [0.0, 1.5, 4.0, 40.0]]).astype(np.float32)
  for ours, theirs in ((sp.sici, ss.sici), (sp.fresnel, ss.fresnel)):
    for got, want in zip(ours(x), theirs(x.astype(np.float64))):
      assert got.dtype == np.float32
      np.testing.assert_allclose(got, want, rtol=2e-5, atol=2e-6, err_msg=ours.__name__)
  # JAX 0.10.2 at the edges: Ci(-x) = Ci(x), Ci(0) = -inf, Ci(-inf) = nan.
  si, ci = sp.sici(jnp.array([-0.5, 0.0, np.inf, -np.inf]))
  np.testing.assert_allclose(si, [-0.4931074, 0, np.pi / 2, -np.pi / 2], rtol=1e-6)
  np.testing.assert_allclose(ci, [-0.17778407, -np.inf, 0, np.nan], rtol=1e-5)
  np.testing.assert_allclose(sp.fresnel(jnp.array([-np.inf, np.inf])), [[-.5, .5], [-.5, .5]])
  with enable_x64(True):
    check_grads(lambda t: sp.sici(t)[1], (2.5,), order=1)
    check_grads(lambda t: sp.fresnel(t)[0], (1.7,), order=1)


def test_special_edge_values_match_jax():
  nan, inf = np.nan, np.inf
  f32 = np.float32
  cases = [  # outputs of JAX 0.10.2
      (sp.gammasgn(jnp.array([-0., 0, -1, -1.5, -2.5, inf, -inf, nan])),
       [-1, 1, nan, 1, -1, 1, nan, nan]),
      (sp.gamma(jnp.array([-0., 0, -1])), [-inf, inf, nan]),
      (sp.loggamma(jnp.array([-0.5, 0.])), [nan, nan]),
      (sp.entr(jnp.array([-1., 0, 0.5])), [-inf, 0, 0.3465736]),
      (sp.kl_div(jnp.array([0., 0, 1, 1, -1]), jnp.array([1., -1, 2, 0, 1])),
       [1, inf, 0.30685282, inf, inf]),
      (sp.rel_entr(jnp.array([0., 0, 1, 1, -1]), jnp.array([1., -1, 2, 0, 1])),
       [0, inf, -0.6931472, inf, inf]),
      (sp.factorial(jnp.array([-1., 0, 3])), [0, 1, 6]),
      (sp.comb(jnp.array([5., 5, 5, -1]), jnp.array([2., 6, -1, 1])), [10, 0, 0, 0]),
      (sp.comb(5., 2., repetition=True), 15),
      (sp.logit(jnp.array([0., 1, 2])), [-inf, inf, nan]),
      (sp.ndtri(jnp.array([0., 1e-30, 0.5, 1, 1.1])), [-inf, -11.464024, 0, inf, nan]),
      (sp.log_ndtr(jnp.array([-50., -11, 0, 10])), [-1254.8313, -63.824936, -0.6931472,
                                                   -7.6198528e-24]),
      (sp.log_ndtr(jnp.array([-50.]), series_order=0), [-1254.8309]),
      (sp.erfcx(jnp.array([-30., 0, 30, 1e10, inf, -inf])),
       [inf, 1, 0.018795889, 5.6418956e-11, 0, inf]),
      (sp.expi(jnp.array([0., 50])), [nan, 1.0585635e+20]),
      (sp.exp1(jnp.array([-2., 0])), [nan, inf]),
      (sp.spence(jnp.array([-1., 0, 1])), [nan, 1.644934, 0]),
      (sp.zeta(jnp.array([1., 0.5, -1]), 2.), [inf, nan, nan]),
      (sp.gammainc(jnp.array([0., -1, 2, 1, 1, 3]), jnp.array([1., 1, 0, -1, inf, nan])),
       [1, nan, 0, nan, 1, nan]),
      (sp.gammaincc(jnp.array([0., 1, 2, 3, 1]), jnp.array([1., 0, 0., inf, -1])),
       [0, 1, 1, 0, nan]),
      (sp.betainc(jnp.array([0., 2, 3, 2]), jnp.array([1., 0, -1, 2]),
                  jnp.array([0.5, 0.5, 0.5, 1.5])), [1, 0, nan, nan]),
      (sp.bernoulli(6), [1, -0.5, 1 / 6, 0, -1 / 30, 0, 1 / 42]),
      (sp.logsumexp(jnp.array([1., 2, 3]), b=jnp.array([1., -2, 0.5])), nan),
      (sp.logsumexp(jnp.array([1., 2, 3]), b=jnp.array([1., -2, 0.5]), return_sign=True),
       (0.7016423, -1)),
      (sp.softmax(jnp.array([[1., 2], [3, 4]])),
       [[0.0320586, 0.08714432], [0.23688284, 0.6439143]]),
  ]
  for got, want in cases:
    np.testing.assert_allclose(np.asarray(got, f32), np.asarray(want, f32), rtol=2e-6)


def test_special_errors_match_jax():
  with pytest.raises(ValueError, match="Argument `n` to polygamma must be of integer type"):
    sp.polygamma(1.0, 2.0)
  with pytest.raises(NotImplementedError, match="Riemann zeta function not implemented"):
    sp.zeta(2.0)
  with pytest.raises(NotImplementedError, match="factorial with exact=True"):
    sp.factorial(3, exact=True)
  with pytest.raises(ValueError, match="series_order must be <= 30"):
    sp.log_ndtr(1.0, series_order=31)
  with pytest.raises(ValueError, match="Betainc gradient with respect to a and b"):
    jaxlite.grad(sp.betainc)(2.0, 1.5, 0.3)
  with pytest.raises(NotImplementedError, match="igamma_grad_a"):
    jaxlite.grad(jaxlite.grad(sp.gammainc))(2.0, 1.5)


def test_special_grads_match_jax():
  # JAX 0.10.2: d/da and d/dx of gammainc at (2, 1.5), d/dx of betainc(2, 1.5, x) at 0.3,
  # d/dx d/dx of gammainc, and grads at 0 of xlogy / xlog1py / entr.
  g = jaxlite.grad
  np.testing.assert_allclose(g(sp.gammainc, 0)(2.0, 1.5), -0.3134886, rtol=1e-5)
  np.testing.assert_allclose(g(sp.gammainc, 1)(2.0, 1.5), 0.33469525, rtol=1e-6)
  np.testing.assert_allclose(g(g(sp.gammainc, 1), 1)(2.0, 1.5), -0.11156508, rtol=1e-5)
  np.testing.assert_allclose(g(sp.betainc, 2)(2.0, 1.5, 0.3), 0.94124234, rtol=1e-6)
  assert g(sp.xlogy)(0., 0.) == -np.inf and np.isnan(g(sp.xlogy, 1)(0., 0.))
  assert g(sp.xlog1py)(0., -1.) == -np.inf and g(sp.entr)(0.) == np.inf
  np.testing.assert_allclose(g(sp.zeta)(2.0, 1.0), -0.9375482, rtol=1e-5)
  np.testing.assert_allclose(g(sp.zeta, 1)(2.0, 1.0), -2.404114, rtol=1e-5)


@pytest.mark.parametrize("fn,args", [
    (sp.gammaln, (1.7,)), (sp.erfcx, (0.6,)), (sp.erfcx, (3.0,)), (sp.ndtri, (0.01,)),
    (sp.log_ndtr, (-12.0,)), (sp.log_ndtr, (0.4,)), (sp.xlogy, (0.7, 2.5)), (sp.entr, (0.4,)),
    (sp.kl_div, (0.4, 0.7)), (sp.i1, (0.8,)), (sp.expi, (0.7,)), (sp.expi, (-2.0,)),
    (sp.exp1, (3.0,)), (sp.spence, (0.3,)), (sp.dawsn, (0.1,)), (sp.dawsn, (2.0,)),
    (sp.spence, (3.0,)), (sp.zeta, (2.5, 1.5)),
    (lambda x: sp.gammainc(2.5, x), (1.2,)), (lambda x: sp.gammaincc(2.5, x), (5.0,)),
    (lambda x: sp.betainc(2.0, 3.0, x), (0.4,)), (lambda a: sp.gammainc(a, 2.0), (1.5,)),
])
def test_special_check_grads(fn, args):
  with enable_x64(True):
    check_grads(fn, tuple(np.float64(a) for a in args), order=1, modes=("fwd", "rev"))


def test_special_under_jit_and_vmap():
  a, x = jnp.array(POS[:4], np.float32), jnp.array(POS[4:8], np.float32)
  for fn in (sp.gammainc, sp.gammaincc, sp.zeta, sp.kl_div):
    np.testing.assert_allclose(jaxlite.jit(fn)(a, x), fn(a, x), rtol=1e-6)
    np.testing.assert_allclose(jaxlite.vmap(fn)(a, x), fn(a, x), rtol=1e-6)
  np.testing.assert_allclose(jaxlite.vmap(lambda t: sp.betainc(2., 3., t))(jnp.array(UNIT[:4])),
                             ss.betainc(2., 3., UNIT[:4]), rtol=1e-5)


# ---------------------------------------------------------------------------
# Distributions.

X, Q = ANY[:8] / 2, UNIT[:8]
LOC, SCALE = RNG.uniform(-1, 1, 8), RNG.uniform(0.5, 2, 8)
A, B = POS[:8] / 2 + 0.5, POS[8:] / 2 + 0.5
K = RNG.randint(0, 6, 8).astype(float)

STATS_CASES = [
    ("norm", ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"], (X, LOC, SCALE)),
    ("norm", ["ppf", "isf"], (Q, LOC, SCALE)),
    ("uniform", ["logpdf", "pdf", "cdf"], (X, LOC, SCALE)), ("uniform", ["ppf"], (Q, LOC, SCALE)),
    ("expon", ["logpdf", "cdf", "logcdf", "sf", "logsf"], (np.abs(X), 0 * LOC, SCALE)),
    ("expon", ["ppf"], (Q, LOC, SCALE)),
    ("gamma", ["logpdf", "cdf", "sf"], (np.abs(X) + 0.1, A, 0 * LOC, SCALE)),
    ("beta", ["logpdf", "cdf", "sf"], (Q, A, B)),
    ("t", ["logpdf", "pdf"], (X, A * 2, LOC, SCALE)),
    ("laplace", ["logpdf", "cdf"], (X, LOC, SCALE)),
    ("logistic", ["logpdf", "cdf", "sf"], (X, LOC, SCALE)),
    ("logistic", ["ppf", "isf"], (Q, LOC, SCALE)),
    ("cauchy", ["logpdf", "cdf", "logcdf", "sf", "logsf"], (X, LOC, SCALE)),
    ("cauchy", ["ppf", "isf"], (Q, LOC, SCALE)),
    ("chi2", ["logpdf", "cdf", "sf"], (np.abs(X) + 0.1, A * 2)),
    ("pareto", ["logpdf", "cdf", "logsf"], (np.abs(X) + 1.1, A)), ("pareto", ["ppf"], (Q, A)),
    ("gumbel_r", ["logpdf", "cdf", "logcdf", "sf", "logsf"], (X, LOC, SCALE)),
    ("gumbel_l", ["logpdf", "cdf", "logcdf", "sf", "logsf"], (X, LOC, SCALE)),
    ("gumbel_r", ["ppf"], (Q, LOC, SCALE)), ("gumbel_l", ["ppf"], (Q, LOC, SCALE)),
    ("vonmises", ["logpdf"], (X, A)), ("wrapcauchy", ["logpdf"], (np.abs(X) * 2, Q)),
    ("gennorm", ["logpdf", "cdf"], (X, A)),
    ("bernoulli", ["logpmf", "cdf"], (K % 2, Q)), ("bernoulli", ["ppf"], (Q, Q[::-1])),
    ("poisson", ["logpmf", "cdf"], (K, A)), ("geom", ["logpmf"], (K + 1, Q)),
    ("binom", ["logpmf"], (K, K + 3, Q)), ("nbinom", ["logpmf"], (K, A, Q)),
    ("betabinom", ["logpmf"], (K, K + 2, A, B)),
    ("truncnorm", ["logpdf", "cdf", "logcdf", "sf", "logsf"], (X, -A / 2, B, LOC / 4, SCALE)),
]


@pytest.mark.parametrize("dist,fns,args", STATS_CASES, ids=[c[0] for c in STATS_CASES])
def test_distributions_match_scipy(dist, fns, args):
  for fn in fns:
    got = getattr(getattr(st, dist), fn)(*(a.astype(np.float32) for a in args))
    with np.errstate(all="ignore"):
      want = getattr(getattr(sst, dist), fn)(*(a.astype(np.float32).astype(np.float64)
                                               for a in args))
    np.testing.assert_allclose(np.asarray(got), want, rtol=5e-5, atol=1e-6, err_msg=fn)


def test_multivariate_distributions_match_scipy():
  mean = RNG.normal(size=3)
  m = RNG.normal(size=(3, 3))
  cov = m @ m.T + np.eye(3)
  xs = RNG.normal(size=(4, 3))
  f32 = np.float32
  got = st.multivariate_normal.logpdf(xs.astype(f32), mean.astype(f32), cov.astype(f32))
  np.testing.assert_allclose(got, sst.multivariate_normal.logpdf(xs, mean, cov), rtol=1e-5)
  got = st.multivariate_normal.logpdf(xs.astype(f32), mean.astype(f32), 2.0)
  np.testing.assert_allclose(got, sst.multivariate_normal.logpdf(xs, mean, 2.0), rtol=1e-5)
  x = np.array([0.2, 0.3, 0.5])
  np.testing.assert_allclose(st.dirichlet.logpdf(x.astype(f32), np.array([1.5, 2., 3.], f32)),
                             sst.dirichlet.logpdf(x, [1.5, 2., 3.]), rtol=1e-5)
  np.testing.assert_allclose(st.multinomial.logpmf(np.array([1, 2, 3]), 6,
                                                   np.array([.2, .3, .5], f32)),
                             sst.multinomial.logpmf([1, 2, 3], 6, [.2, .3, .5]), rtol=1e-5)
  np.testing.assert_allclose(st.sem(xs.astype(f32)), sst.sem(xs), rtol=1e-5)
  # JAX 0.10.2's poisson.entropy at mu = 0, 0.5, 5, 50, 500.
  np.testing.assert_allclose(st.poisson.entropy(jnp.array([0., 0.5, 5, 50, 500])),
                             [0., 0.9276376, 2.2043943, 3.3732593, 4.526076], rtol=1e-5)


def test_rankdata_and_mode_match_scipy():
  x = RNG.randint(0, 4, (3, 7)).astype(np.float32)
  for method in ("average", "min", "max", "dense", "ordinal"):
    np.testing.assert_array_equal(st.rankdata(x, method), sst.rankdata(x, method))
    np.testing.assert_array_equal(st.rankdata(x, method, axis=1),
                                  sst.rankdata(x, method, axis=1))
  assert np.isnan(st.rankdata(jnp.array([1., np.nan]))).all()
  got, want = st.mode(x, axis=0), sst.mode(x, axis=0)
  np.testing.assert_array_equal(got.mode, want.mode)
  np.testing.assert_array_equal(got.count, want.count)
  assert st.mode(x, axis=None, keepdims=True).mode.shape == (1, 1)
  with pytest.raises(NotImplementedError, match="nan_policy` of omit"):
    st.rankdata(x, nan_policy="omit")


def test_distribution_grads_and_jit():
  with enable_x64(True):
    check_grads(lambda m: st.norm.logcdf(0.3, m, 1.5), (0.2,), order=2)
    check_grads(lambda a: st.gamma.logpdf(1.3, a), (2.0,), order=2)
    check_grads(lambda x: st.beta.cdf(x, 2.0, 3.0), (0.3,), order=1)
    check_grads(lambda m: st.multivariate_normal.logpdf(jnp.ones(2), m, jnp.eye(2) * 2),
                (np.array([0.1, 0.2]),), order=1, modes=("rev",))
  f = jaxlite.jit(lambda x: st.norm.ppf(st.norm.cdf(x)))
  np.testing.assert_allclose(f(jnp.array([-2., 0.5, 3.])), [-2., 0.5, 3.], rtol=2e-5)


# ---------------------------------------------------------------------------
# signal, ndimage, optimize.

def test_signal_matches_scipy():
  ssig = pytest.importorskip("scipy.signal")
  m, k = RNG.normal(size=(4, 6)), RNG.normal(size=(2, 3))
  for mode in ("full", "same", "valid"):
    for a, b in ((m, k), (k, m)):
      a32, b32 = a.astype(np.float32), b.astype(np.float32)
      for ours, theirs in ((sig.convolve, ssig.convolve), (sig.correlate, ssig.correlate),
                           (sig.convolve2d, ssig.convolve2d), (sig.correlate2d, ssig.correlate2d)):
        if mode == "valid" and a.shape[0] < b.shape[0] and ours is sig.correlate:
          continue
        np.testing.assert_allclose(ours(a32, b32, mode), theirs(a32, b32, mode), rtol=1e-4,
                                   atol=1e-5, err_msg=f"{ours.__name__} {mode}")
    np.testing.assert_allclose(sig.fftconvolve(m.astype(np.float32), k.astype(np.float32), mode),
                               ssig.fftconvolve(m, k, mode), rtol=1e-4, atol=1e-5)
  np.testing.assert_allclose(sig.detrend(m.astype(np.float32), bp=[3]),
                             ssig.detrend(m, bp=[3]), atol=1e-5)
  with pytest.raises(NotImplementedError, match="only supports boundary='fill'"):
    sig.convolve2d(m, k, boundary="wrap")


def test_map_coordinates_matches_jax():
  img = np.arange(20, dtype=np.float32).reshape(4, 5) ** 1.5
  coords = [np.array([-1.2, 0.5, 2.7, 3.9], np.float32), np.array([4.6, 1.25, -0.5, 2.0],
                                                                   np.float32)]
  # JAX 0.10.2 outputs.
  expected = {
      ("constant", 1): [-1.7, 8.5549, 24.2266, 5.4793],
      ("nearest", 0): [8.0, 14.6969, 58.0948, 70.0928],
      ("wrap", 1): [62.373, 8.5549, 61.9207, 9.5549],
      ("mirror", 1): [29.3165, 8.5549, 52.949, 44.4216],
      ("reflect", 1): [11.8, 8.5549, 50.1532, 70.0928],
  }
  for (mode, order), want in expected.items():
    got = nd.map_coordinates(img, coords, order, mode=mode, cval=-1.7)
    np.testing.assert_allclose(got, want, rtol=1e-4, err_msg=mode)


def _rosen(x):
  return jnp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def test_minimize_bfgs_matches_jax():
  r = opt.minimize(_rosen, jnp.array([0.5, 0.5]), method="BFGS")
  assert isinstance(r, opt.OptimizeResults)
  np.testing.assert_allclose(r.x, [1., 1.], atol=1e-6)
  # JAX 0.10.2: success, status 0, 23 evaluations, 14 iterations.
  assert bool(r.success) and int(r.status) == 0
  assert (int(r.nfev), int(r.njev), int(r.nit)) == (23, 23, 14)
  assert r.hess_inv.shape == (2, 2)
  # A quadratic: float32 line search stops early exactly where JAX's does (status 3).
  quad = opt.minimize(lambda x, a: jnp.sum((x - a) ** 2 * jnp.arange(1., 5.)), jnp.zeros(4),
                      (jnp.array([1., 2, 3, 4]),), method="BFGS")
  np.testing.assert_allclose(quad.x, [0.73861, 1.9474, 3.06695, 4.00335], atol=2e-5)
  assert (int(quad.status), int(quad.nfev), int(quad.nit)) == (3, 7, 5)
  capped = opt.minimize(_rosen, jnp.array([-1.2, 1.0]), method="BFGS", options={"maxiter": 5})
  assert (int(capped.status), int(capped.nfev), int(capped.nit)) == (1, 12, 5)
  jitted = jaxlite.jit(lambda x0: opt.minimize(_rosen, x0, method="BFGS").x)
  np.testing.assert_allclose(jitted(jnp.array([-1.2, 1.0])), [-0.27780628, 0.04334117],
                             atol=1e-4)
  with enable_x64(True):
    # JAX 0.10.2 (x64): the line search gives up after 6 iterations.
    r64 = opt.minimize(_rosen, jnp.array([-1.2, 1.0, 0.8]), method="BFGS")
    np.testing.assert_allclose(r64.x, [-0.75089932, 0.57710463, 0.33068095], rtol=1e-7)
    assert (int(r64.status), int(r64.nfev), int(r64.nit)) == (3, 10, 6)
  with pytest.raises(ValueError, match="Method foo not recognized"):
    opt.minimize(_rosen, jnp.zeros(2), method="foo")
  with pytest.raises(TypeError, match="must be a tuple"):
    opt.minimize(_rosen, jnp.zeros(2), [1], method="BFGS")
