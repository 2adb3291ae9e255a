"""Tier 2 (compiler/native.py): fused regions as numba kernels. Kernels give tier 1's bits
for exact operations and agree within 5 ulp for transcendentals (their own code); the
background worker swaps a kernel in after the threshold; flags, the disk cache, and life
without numba. numba compiles cost 0.1-1 s each here, so the tests share few kernels."""
import hashlib
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import jaxlite
import jaxlite.numpy as jnp
from jaxlite import lax
from jaxlite._src.compiler import buffers, fusion, native
from jaxlite._src.compiler.codegen import _Emitter, _expression
from jaxlite._src.config import config
from jaxlite._src.jit import Executable

from compiler_util import assert_identical

pytest.importorskip("numba")

import cases.core_cases as core_cases  # noqa: E402
import cases.elementwise_cases as elementwise_cases  # noqa: E402


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
  path = str(tmp_path_factory.mktemp("kernels"))
  old = os.environ.get("JAXLITE_CACHE_DIR")
  os.environ["JAXLITE_CACHE_DIR"] = path
  yield path
  if old is None:
    del os.environ["JAXLITE_CACHE_DIR"]
  else:
    os.environ["JAXLITE_CACHE_DIR"] = old


@pytest.fixture
def small_fusion(monkeypatch, cache_dir):
  monkeypatch.setattr(fusion, "FUSE_MIN_ELEMS", 16)
  monkeypatch.setattr(fusion, "CHUNK_ELEMS", 8)


def tiers(fn, *args, mode="force", threshold=20):
  """(tier-1 Executable, Executable with tier 2 in ``mode``) of ``fn`` on ``args``."""
  closed = jaxlite.make_jaxpr(fn)(*args)
  with config._override("jaxlite_native_kernels", "off"):
    plain = Executable(closed, "f")
  with config._override("jaxlite_native_kernels", mode), \
      config._override("jaxlite_native_threshold", threshold):
    tier2 = Executable(closed, "f")
  return plain, tier2


def run(exe, *args):
  return exe.fn(*exe.consts, *[np.asarray(a) for a in args])


def regions(exe):
  return native.regions_of(exe.fn)


def ulps(a, b):
  """Distance in float32 units in the last place (order-preserving integer map)."""
  def key(x):
    i = np.asarray(x, np.float32).view(np.int32).astype(np.int64)
    return np.where(i < 0, -(i & 0x7FFFFFFF), i)
  return np.abs(key(a) - key(b))


SPECIAL = np.array([0.0, -0.0, np.nan, np.inf, -np.inf, 1.5, -2.5, 3.0, 1e-30, -7.0],
                   np.float32)


def exact_program(x, row, col, s, i, j):
  """Exact operations only: tier 2 must give tier 1's bits. Two regions of 4x6x10 (clamp
  with scalar bounds is not fused: it ends the first)."""
  y = x * row - col / s + lax.neg(x)
  y = jnp.maximum(y, row) + jnp.minimum(col, x) + x / col
  z = lax.select(x > row, y, lax.square(x)) + lax.integer_pow(x, 3) - lax.integer_pow(x, -2)
  w = lax.clamp(np.float32(-1.0), z, np.float32(2.0)) + lax.round(z, 1) + jnp.floor(z)
  k = (i * j + i - j) ^ (i & j) | lax.bitwise_not(j)      # int32 wraps around
  b = (x == row) | (x != col) & lax.is_finite(z)
  m = jnp.where(b, k.astype(np.float32), w) + jnp.abs(x - 1e30) + (i < j)
  return m, k, lax.convert_element_type(z, np.float64), b


@pytest.fixture(scope="module")
def exact_args():
  rng = np.random.default_rng(0)
  x = rng.choice(SPECIAL, (4, 6, 10))
  row = rng.choice(SPECIAL, (1, 6, 10))
  col = rng.choice(SPECIAL, (4, 1, 1))
  i = rng.integers(-2**31, 2**31 - 1, (4, 6, 10), dtype=np.int32)
  j = rng.integers(-2**31, 2**31 - 1, (4, 6, 10), dtype=np.int32)
  return x, row, col, np.float32(3.0), i, j


def test_exact_operations_give_tier1_bits(small_fusion, exact_args):
  plain, tier2 = tiers(exact_program, *exact_args)
  assert "@_nb.njit(parallel=True" in tier2.source and " in (() if _native1(" in tier2.source
  for got, want in zip(run(tier2, *exact_args), run(plain, *exact_args)):
    assert_identical(got, want)
  assert [nat.native_calls for nat in regions(tier2)] == [1, 1]


def test_transcendentals_within_five_ulp(small_fusion):
  x = np.concatenate([np.linspace(-110, 95, 596, dtype=np.float32), SPECIAL,
                      np.float32([88.5, 88.72, -87.5, -103.5, 1e-7, -1e-7, 0.3466, -0.3466,
                                  20.0, -20.0, 0.624, -0.626, 9.0, -9.2])]).reshape(31, 20)

  def f(x):
    p = jnp.abs(x) + 0.5
    return (jnp.exp(x), jnp.expm1(x), jnp.tanh(x / 8.0), jnp.log(x) + 1.0, jnp.log1p(x) * 2.0,
            jnp.log(p * 1e-39), jnp.sqrt(p) * 2.0, lax.rsqrt(p) - 1.0, jnp.exp(p) - x)
  plain, tier2 = tiers(f, x)
  assert "_expm1_f32(" in tier2.source
  for got, want in zip(run(tier2, x), run(plain, x)):
    assert got.dtype == want.dtype == np.float32
    nan = np.isnan(want)
    assert np.array_equal(np.isnan(got), nan)   # a NaN's sign may differ, as in tier 1
    assert np.array_equal(np.signbit(got)[~nan], np.signbit(want)[~nan])
    assert ulps(got, want)[~nan].max() <= 5   # NumPy's float32 log is up to 4 ulp off
  assert regions(tier2)[0].native_calls == 1


def test_kernel_is_swapped_in_after_threshold_calls(small_fusion, exact_args):
  plain, tier2 = tiers(exact_program, *exact_args, mode="auto", threshold=3)
  nat = regions(tier2)[1]
  assert "compiled in the background after 3 calls" in tier2.source
  want = run(plain, *exact_args)
  for _ in range(3):
    for got, w in zip(run(tier2, *exact_args), want):
      assert_identical(got, w)
  assert nat.native_calls == 0   # no call waited: the third one queued the compile
  native.worker.wait()
  assert nat.kernel is not None
  for got, w in zip(run(tier2, *exact_args), want):
    assert_identical(got, w)
  assert (nat.calls, nat.native_calls) == (4, 1)


def test_by_default_a_kernel_is_built_after_enough_time_in_tier1(small_fusion, exact_args,
                                                                 monkeypatch):
  monkeypatch.setattr(native.NativeRegion, "PAYBACK_SECONDS", 1e-9)
  plain, tier2 = tiers(exact_program, *exact_args, mode="auto", threshold=None)
  nat = regions(tier2)[1]
  assert "compiled in the background after 1e-09 s in its tier-1 code" in tier2.source
  run(tier2, *exact_args)
  assert nat.tier1_seconds > 0 and not nat.descs   # timed, nothing queued yet
  run(tier2, *exact_args)                           # due now: queued, tier 1 still runs
  native.worker.wait()
  want = run(plain, *exact_args)
  for got, w in zip(run(tier2, *exact_args), want):
    assert_identical(got, w)
  assert nat.native_calls == 1


def test_a_new_layout_runs_tier1_until_compiled(small_fusion):
  x = np.linspace(-1, 1, 48, dtype=np.float32).reshape(6, 8)
  f = lambda x: (x * 3.0 + 1.0) * x
  plain, tier2 = tiers(f, x)
  (nat,) = regions(tier2)
  run(tier2, x)
  strided = x.T.copy().T   # 'A' layout: not the compiled signature
  for got, want in zip(run(tier2, strided), run(plain, strided)):
    assert_identical(got, want)
  assert len(nat.descs) == 2   # a second signature compiled (force mode: synchronously)
  assert nat.native_calls == 1   # the call that asked for it ran tier 1


def test_arrays_below_fuse_min_elems_get_whole_array_regions(monkeypatch, cache_dir):
  monkeypatch.setattr(fusion, "NATIVE_MIN_ELEMS", 16)
  x = np.linspace(-3, 3, 48, dtype=np.float32).reshape(6, 8)
  f = jaxlite.nn.selu   # expm1(where(x > 0, 0, x)): the 0 is a broadcast constant
  plain, tier2 = tiers(f, x, mode="auto", threshold=2)
  assert "# fused" not in plain.source and "tier 2" not in plain.source   # tier 1 alone
  assert "# tier 2 region: 6 equations on 6x8 (_native0;" in tier2.source
  assert "parallel=False" in tier2.source   # one core for small regions
  assert "_nc" in tier2.source   # the constant is passed as its 1x1 source
  (want,) = run(plain, x)
  for _ in range(2):   # until the kernel is ready: tier 1's own statements
    assert_identical(run(tier2, x)[0], want)
  native.worker.wait()
  assert ulps(run(tier2, x)[0], want).max() <= 5
  (nat,) = regions(tier2)
  assert nat.native_calls == 1
  assert all(d[3] == "C" for d in next(iter(nat.descs)) if d[0] == "a")   # contiguous
  _, tier2 = tiers(lambda x: jnp.sin(x * 2.0) + 1.0, x)   # one op on each side of sin
  assert "# fused" not in tier2.source


def test_off_and_force_flags(small_fusion):
  x = np.ones((6, 8), np.float32)
  f = lambda x: jnp.sqrt(jnp.exp(x) * 2.0)
  plain, forced = tiers(f, x)
  assert "_native" not in plain.source and not regions(plain)
  assert "compiled at the first call" in forced.source
  with config._override("jaxlite_native_kernels", "force"):
    text = jaxlite.jit(f).lower(x).as_text()
  assert "numba kernel (tier 2)" in text and "def kernel(a, o_" in text
  with pytest.raises(ValueError, match="'auto', 'off' or 'force'"):
    with config._override("jaxlite_native_kernels", "fast"):
      native.mode()


def test_without_numba_everything_is_tier1(small_fusion, monkeypatch):
  x = np.linspace(-1, 1, 48, dtype=np.float32).reshape(6, 8)
  f = lambda x: jnp.floor(jnp.exp(x) * 3.0) - x
  monkeypatch.setattr(native, "_numba_found", False)   # find_spec("numba") is None
  plain, tier2 = tiers(f, x)
  assert "_native" not in tier2.source
  monkeypatch.setattr(native, "_numba_found", True)   # found, but importing it fails
  monkeypatch.setitem(sys.modules, "numba", None)
  plain, tier2 = tiers(lambda x: f(x) * 0.5, x)
  (nat,) = regions(tier2)
  for got, want in zip(run(tier2, x), run(plain, x)):
    assert_identical(got, want)
  assert nat.kernel is None and nat.descs is None and nat.native_calls == 0


def test_unsupported_members_keep_the_region_at_tier1(small_fusion):
  x = np.ones((6, 8), np.float16)
  _, tier2 = tiers(lambda x: jnp.sin(jnp.exp(x) * 2.0), x)   # float16: no kernel
  assert not regions(tier2)
  y = np.ones((6, 8), np.float32)
  for f in (lambda x: lax.nextafter(jnp.exp(x), x) * 2.0,   # not in the table
            lambda x: jnp.sin(x) * 2.0 + x):   # libm per element: slower than tier 1
    _, tier2 = tiers(f, y)
    assert "# fused" in tier2.source and not regions(tier2)


_SCRIPT = textwrap.dedent("""
    import sys
    import numpy as np, jaxlite, jaxlite.numpy as jnp
    from jaxlite._src.compiler import fusion, native
    fusion.FUSE_MIN_ELEMS, fusion.CHUNK_ELEMS = 16, 8
    jaxlite.config.update("jaxlite_native_kernels", "force")
    f = jaxlite.jit(lambda x: jnp.expm1(x * 2.0 + 1.0) - x)
    x = jnp.ones((6, 8), np.float32)
    f.lower(x)   # traced and generated, kernel source included
    print("numba" in sys.modules)   # neither that nor import jaxlite imports numba
    y = f(x)
    (nat,) = native.regions_of(f.lower(x)._entry.executable.fn)
    print(nat.native_calls, nat.from_disk)
""")


def test_disk_cache_is_reused_by_a_second_process(tmp_path):
  env = dict(os.environ, JAXLITE_CACHE_DIR=str(tmp_path / "k"))
  root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
  env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
  outs = [subprocess.run([sys.executable, "-c", _SCRIPT], env=env, capture_output=True,
                         text=True, timeout=120) for _ in range(2)]
  assert [o.stdout.split() for o in outs] == [["False", "1", "False"],
                                             ["False", "1", "True"]], outs
  assert [p.suffix for p in (tmp_path / "k").iterdir()].count(".py") == 1


def test_a_cache_file_is_imported_only_if_it_holds_the_source(monkeypatch, tmp_path):
  monkeypatch.setenv("JAXLITE_CACHE_DIR", str(tmp_path))
  source = "import numba as _nb\n\n\n@_nb.njit(cache=True)\ndef kernel(x):\n  return x + 1\n"
  path = tmp_path / f"jaxlite_kernel_{hashlib.sha256(source.encode()).hexdigest()[:24]}.py"
  path.write_text("kernel = None\n")   # stale or planted: replaced, not imported
  assert native._load(source)(41) == 42
  assert path.read_text() == source


def test_unwritable_cache_dir_falls_back(small_fusion, monkeypatch, tmp_path):
  blocker = tmp_path / "file"
  blocker.write_text("")
  monkeypatch.setenv("JAXLITE_CACHE_DIR", str(blocker / "kernels"))   # cannot be created
  monkeypatch.setattr(native, "_built", {})   # not the kernel another test loaded
  x = np.linspace(-1, 1, 48, dtype=np.float32).reshape(6, 8)
  plain, tier2 = tiers(lambda x: (x * 3.0 + 1.0) * x, x)
  for got, want in zip(run(tier2, x), run(plain, x)):
    assert_identical(got, want)
  (nat,) = regions(tier2)
  assert nat.native_calls == 1
  assert nat.kernel.py_func.__code__.co_filename.startswith("<jaxlite_kernel_")  # exec'd


def _kernel_case(case, rng):
  """``(output shape, args)`` when tier 1 would fuse every equation of ``case`` and tier 2
  has a scalar template and numba dtypes for each, else None."""
  args = case.args(rng)
  closed = jaxlite.make_jaxpr(case.fn)(*args)
  em = _Emitter()
  for e in closed.jaxpr.eqns:
    ins = [em.atom(a) for a in e.invars]
    form = buffers.out_form(e, _expression(em, e, ins), ins, {})
    if form is None or not form.elementwise or e.primitive.name not in \
        native.SCALAR_TEMPLATES or any(v.aval.dtype not in native._DTYPES
                                       for v in e.invars + e.outvars):
      return None
  shapes = {a.shape for a in closed.out_avals}
  return (shapes.pop(), args) if closed.jaxpr.eqns and len(shapes) == 1 else None


def _sweep_groups():
  """The sweep's elementwise cases that tier 2 can take, grouped by output shape: one
  program (one kernel) per group."""
  rng = np.random.default_rng(0)
  groups = {}
  for case in core_cases.CASES + elementwise_cases.CASES:
    found = _kernel_case(case, rng)
    if found is not None:
      groups.setdefault(found[0], []).append((case, found[1]))
  return [(shape, group) for shape, group in groups.items() if len(group) >= 2]  # a region


@pytest.mark.parametrize("shape,group", _sweep_groups(), ids=lambda v: str(v)[:20])
def test_sweep_cases_eager_equal_jit_with_tier2_forced(monkeypatch, cache_dir, shape, group):
  monkeypatch.setattr(fusion, "FUSE_MIN_ELEMS", 1)
  monkeypatch.setattr(fusion, "CHUNK_ELEMS", 1)
  flat = [a for _, args in group for a in args]

  def program(*flat):
    it = iter(flat)
    return [case.fn(*[next(it) for _ in args]) for case, args in group]
  jitted = jaxlite.jit(program)
  with config._override("jaxlite_native_kernels", "force"):
    got = jitted(*flat)
    exe = jitted.lower(*flat)._entry.executable
  assert regions(exe) and all(nat.native_calls == 1 for nat in regions(exe))
  for (case, args), out in zip(group, got):
    want = case.fn(*[jnp.asarray(a) for a in args])
    for g, w in zip(jaxlite.tree_util.tree_leaves(out), jaxlite.tree_util.tree_leaves(want)):
      g, w = np.asarray(g), np.asarray(w)
      assert g.dtype == w.dtype and g.shape == w.shape, case.id
      if g.dtype.kind in "fc" or g.dtype not in native._DTYPES:
        np.testing.assert_allclose(g.astype(np.float64 if g.dtype.kind != "c" else complex),
                                   w.astype(np.float64 if w.dtype.kind != "c" else complex),
                                   rtol=case.rtol, atol=case.atol, err_msg=case.id)
      else:
        np.testing.assert_array_equal(g, w, err_msg=case.id)


def test_slices_of_one_array_are_read_at_offsets_in_the_kernel(small_fusion):
  # A box blur written as shifted slices: the kernel takes the padded image once.
  def blur(img):
    p = jnp.pad(img, 1)
    h, w = img.shape
    total = p[0:h, 0:w]
    for i in range(3):
      for j in range(3):
        if i or j:
          total = total + p[i:i + h, j:j + w]
    return total / 9.0
  img = np.random.default_rng(0).random((7, 9), dtype=np.float32)
  plain, tier2 = tiers(blur, img)
  (region,) = regions(tier2)
  assert region.source.count("def kernel(") == 1 and "def kernel(b, o_" in region.source
  assert "b[_i0 + 2, _i1 + 1]" in region.source
  np.testing.assert_array_equal(run(tier2, img)[0], run(plain, img)[0])
  assert region.native_calls == 1
