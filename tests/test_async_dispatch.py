"""Asynchronous dispatch: long jitted calls return pending arrays; reading one waits; errors
surface where a result is read; effects, short calls and eager ops stay synchronous."""
import threading

import numpy as np
import pytest

import jaxlite as jax
import jaxlite.numpy as jnp
from jaxlite._src import async_dispatch


@pytest.fixture
def always_async(monkeypatch):
  """Every effect-free executable goes to the worker after its probe calls."""
  monkeypatch.setattr(async_dispatch, "MIN_SECONDS", 0.0)
  yield
  async_dispatch.wait_all()


class _async:
  def __init__(self, on):
    self.on = on

  def __enter__(self):
    self.old = jax.config.jax_cpu_enable_async_dispatch
    jax.config.update("jax_cpu_enable_async_dispatch", self.on)

  def __exit__(self, *exc):
    jax.config.update("jax_cpu_enable_async_dispatch", self.old)


def is_pending(x):
  return type(x._later) is async_dispatch.Result


def warm(f, *args):
  for _ in range(async_dispatch.PROBE_CALLS):
    f(*args)


def test_long_calls_return_pending_arrays_with_the_right_values(always_async):
  f = jax.jit(lambda x, w: (jnp.tanh(x @ w), (x * x).sum()))
  x = jnp.asarray(np.random.default_rng(0).standard_normal((64, 64)).astype(np.float32))
  w = jnp.eye(64) * 0.5
  warm(f, x, w)
  assert next(iter(f._cache.values())).executable.run_async
  gate = threading.Event()
  async_dispatch.submit(lambda: gate.wait(5) and (), [], [], [])  # holds the worker
  y, s = f(x, w)
  assert is_pending(y) and is_pending(s)    # returned before the worker ran it
  gate.set()
  assert y.shape == (64, 64) and y.dtype == np.float32 and y.ndim == 2 and y.size == 4096
  np.testing.assert_allclose(np.asarray(y), np.tanh(np.asarray(x) * 0.5), rtol=1e-6)
  assert float(s) == pytest.approx(float((np.asarray(x) ** 2).sum()), rel=1e-5)


def test_chained_calls_equal_synchronous_ones(always_async):
  step = jax.jit(lambda p, g: (p - 0.1 * g * p, jnp.abs(p).max()))
  p0 = jnp.linspace(-1.0, 1.0, 1000).reshape(10, 100)
  g = jnp.ones((10, 100))
  warm(step, p0, g)
  p = p0
  for _ in range(20):
    p, m = step(p, g)       # p is pending: the next call takes it without waiting
  with _async(False):
    q = p0
    for _ in range(20):
      q, n = step(q, g)
  assert q._later is None
  np.testing.assert_array_equal(p, q)
  assert float(m) == float(n)


def test_eager_ops_and_conversions_wait_for_pending_values(always_async):
  f = jax.jit(lambda x: x * 3.0)
  x = jnp.arange(6.0)
  warm(f, x)
  results = [f(x) for _ in range(4)]
  np.testing.assert_array_equal(results[0] + 1, [1, 4, 7, 10, 13, 16])
  assert results[1].tolist() == [0, 3, 6, 9, 12, 15]
  assert float(results[2][2]) == 6.0 and results[3].block_until_ready() is results[3]
  assert "Array([ 0.,  3.," in repr(f(x))


def test_an_error_on_the_worker_surfaces_where_a_result_is_read(always_async):
  f = jax.jit(lambda x: jnp.sin(x) * 2)
  x = jnp.ones(8)
  warm(f, x)
  exe = next(iter(f._cache.values())).executable
  assert exe.run_async

  def broken(*args):
    raise ZeroDivisionError("boom inside the compiled call")

  original, exe.fn = exe.fn, broken
  try:
    y = f(x)            # returns at once
  finally:
    exe.fn = original
  with pytest.raises(ZeroDivisionError, match="boom inside the compiled call") as info:
    np.asarray(y)
  # The traceback reaches into the call that failed.
  assert any(tb.name == "broken" for tb in info.traceback)
  # A later call reading the failed result fails with the same error when read.
  g = jax.jit(lambda y: y * 0 + 1.0)
  warm(g, x)
  with pytest.raises(ZeroDivisionError):
    np.asarray(g(y))


def test_effects_and_callbacks_stay_synchronous(always_async, capsys):
  def f(x):
    jax.debug.print("value {}", x.sum())
    return x * 2
  jf = jax.jit(f)
  pf = jax.jit(lambda x: jax.pure_callback(lambda v: np.asarray(v) * 2, x, x) + 1)
  for _ in range(5):
    y = jf(jnp.ones(3))
    z = pf(jnp.ones(3))
  assert y._later is None and z._later is None
  assert capsys.readouterr().out.count("value 3.0") == 5


def test_short_calls_stay_synchronous(monkeypatch):
  monkeypatch.setattr(async_dispatch, "MIN_SECONDS", 0.01)
  f = jax.jit(lambda x: x + 1)
  for _ in range(async_dispatch.PROBE_CALLS + 2):
    y = f(jnp.ones(3))
  assert y._later is None
  assert next(iter(f._cache.values())).executable.plain


def test_the_flag_turns_it_off(always_async):
  f = jax.jit(lambda x: x * 2)
  with _async(False):
    for _ in range(async_dispatch.PROBE_CALLS + 2):
      y = f(jnp.ones(4))
    assert y._later is None


def test_the_queue_is_bounded(always_async, monkeypatch):
  gate = threading.Event()

  def slow(v):
    gate.wait(5)
    return v

  f = jax.jit(lambda x: x * 2)
  warm(f, jnp.ones(2))
  exe = next(iter(f._cache.values())).executable
  original, exe.fn = exe.fn, lambda *a: (slow(original(*a)[0]),)
  submitted = []

  def submit_many():
    for _ in range(async_dispatch.MAX_IN_FLIGHT + 3):
      submitted.append(f(jnp.ones(2)))

  t = threading.Thread(target=submit_many)
  t.start()
  t.join(0.5)
  assert t.is_alive()  # blocked: the queue is full while the worker waits on the gate
  assert len(submitted) <= async_dispatch.MAX_IN_FLIGHT + 2
  gate.set()
  t.join(5)
  exe.fn = original
  assert not t.is_alive()
  np.testing.assert_array_equal(submitted[-1], [2, 2])


def test_donating_a_pending_array_updates_in_place(always_async):
  upd = jax.jit(lambda c, u, i: jax.lax.dynamic_update_slice(c, u, (i, 0)), donate_argnums=0)
  cache = jnp.zeros((50, 4)) + 0
  warm_cache = jnp.zeros((50, 4)) + 0
  for i in range(async_dispatch.PROBE_CALLS):
    warm_cache = upd(warm_cache, jnp.ones((1, 4)), i)
  for i in range(10):
    cache = upd(cache, jnp.full((1, 4), float(i)), i)
  np.testing.assert_array_equal(np.asarray(cache)[:10, 0], np.arange(10))
