"""Buffer reuse: the write-into helpers are exact, the planner reuses dead buffers and never
hands the caller one of them, and the pool is safe under re-entrant and threaded calls."""
import threading

import numpy as np
import pytest

import jaxlite
import jaxlite.numpy as jnp
from jaxlite import lax
from jaxlite._src.compiler import buffers
from jaxlite._src.lax.elementwise import _integer_pow_impl

from compiler_util import assert_identical, check_same, executables, run


@pytest.fixture
def pool_everything(monkeypatch):
  """Small test arrays get slots too."""
  monkeypatch.setattr(buffers, "POOL_MIN_BYTES", 0)


def _bit_patterns(dtype, n=4096):
  """Random bits, NaN payloads included, plus signed zeros and infinities."""
  rng = np.random.default_rng(0)
  u = buffers._UINT_OF_SIZE[np.dtype(dtype).itemsize]
  x = rng.integers(0, np.iinfo(u).max, n, dtype=u, endpoint=True).view(dtype).copy()
  if np.dtype(dtype).kind == "f":
    x[:4] = np.array([-0.0, 0.0, np.inf, -np.inf], dtype)
  return x


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16, np.int8, np.uint64])
def test_select_into_is_exact_for_every_bit_pattern(dtype):
  t, f = _bit_patterns(dtype), _bit_patterns(dtype)[::-1].copy()
  which = np.random.default_rng(1).random(t.shape) < 0.5
  want = np.where(which, t, f)
  assert_identical(buffers.select_into(which, t, f, np.empty_like(t)), want)
  # In place over on_true, as the planner allows.
  t2 = t.copy()
  assert_identical(buffers.select_into(which, t2, f, t2), want)
  assert_identical(buffers.select_zero_into(which, t, np.empty_like(t), True),
                   np.where(which, t, np.zeros_like(t)))
  assert_identical(buffers.select_zero_into(which, f, np.empty_like(t), False),
                   np.where(which, np.zeros_like(f), f))


def test_select_of_bools():
  which = np.array([True, False, True, False])
  t, f = np.array([True, True, False, False]), np.array([False, True, True, False])
  assert_identical(buffers.select_into(which, t, f, np.empty(4, bool)), np.where(which, t, f))


@pytest.mark.parametrize("y", [2, 3, 4, 5, 8, 9, 16, 17, -2, -3, -4])
def test_integer_pow_into_matches_impl(y):
  x = np.random.default_rng(2).standard_normal(1000).astype(np.float32) * 3
  assert buffers._integer_pow_one_buffer(y)
  out = np.empty_like(x)
  assert_identical(buffers.integer_pow_into(x, y, out), _integer_pow_impl(x, y=y))


def test_integer_pow_needing_two_buffers_is_not_written_into():
  assert [y for y in range(-8, 20) if buffers._integer_pow_one_buffer(y)] == [
      -8, -5, -4, -3, -2, 2, 3, 4, 5, 8, 9, 16, 17]


def test_convert_into_is_astype():
  x = np.array([1.5, -2.5, 1e30, np.nan], np.float64)
  assert_identical(buffers.convert_into(x, np.empty(4, np.float32)), x.astype(np.float32))


def test_np_call_recognises_exactly_one_call():
  assert buffers._np_call("np.add(a, b)") == ("add", False)
  assert buffers._np_call("np.sum(a, axis=(1,), dtype=a.dtype)") == ("sum", True)
  assert buffers._np_call("np.add.reduce(a, axis=(1,), dtype=a.dtype)") == ("add.reduce", True)
  assert buffers._np_call("np.add.outer(a, b)") is None
  assert buffers._np_call("np.matmul(np.transpose(a, (1, 0)), b)") == ("matmul", False)
  for expr in ("np.add(a, b)[0]", "np.add(a, b) + c", "a.astype(np.float32)", "(a * a)",
               "np.add(a, np.float32('nan'))", "select_bits(a, b, c)"):
    assert buffers._np_call(expr) is None, expr


def test_chain_reuses_dead_buffers_in_place(pool_everything):
  x = np.linspace(-3, 3, 64, dtype=np.float32).reshape(8, 8)
  f = lambda x: jaxlite.numpy.sin(jaxlite.numpy.exp(x * 2.0) + 1.0) * 3.0 + x
  opt = check_same(f, x)
  # Every intermediate is written into one slot, over its dying operand.
  assert opt.source.count("out=_b0") == 5 and "_b1" not in opt.source


def test_values_seen_through_views_keep_their_buffer(pool_everything):
  x = np.arange(12, dtype=np.float32).reshape(3, 4)

  def f(x):
    a = x * 2.0
    r = lax.reshape(a, (4, 3))  # a view of a: a's buffer lives as long as r
    b = jaxlite.numpy.exp(x)
    return jaxlite.numpy.sum(r, axis=0) + jaxlite.numpy.sum(b, axis=1)[:3]
  check_same(f, x)


def test_outputs_never_alias_the_pool_or_the_inputs(pool_everything):
  x = np.linspace(-1, 1, 32, dtype=np.float32).reshape(4, 8)

  def f(x):
    a = jaxlite.numpy.tanh(x) * 2.0
    return a + 1.0, lax.reshape(a, (8, 4)), x, jaxlite.numpy.exp(a)
  plain, opt = executables(f, x)
  first = [np.array(o, copy=True) for o in run(opt, x)]
  outs = run(opt, x)
  pool = opt.fn.__globals__["_pool"]
  for o in outs:
    for b in pool.kept:
      assert not np.shares_memory(o, b)
  run(opt, x * 3)  # a later call must not change earlier results
  for o, o0, w in zip(outs, first, run(plain, x)):
    assert_identical(o, o0)
    assert_identical(o, w)


def test_busy_pool_gives_the_call_fresh_buffers(pool_everything):
  x = np.linspace(-1, 1, 16, dtype=np.float32)
  plain, opt = executables(lambda x: jaxlite.numpy.exp(x * 2.0) * 3.0, x)
  run(opt, x)
  pool = opt.fn.__globals__["_pool"]
  for b in pool.kept:
    b.fill(7)
  with pool.lock:  # as if another thread (or an outer call of a recursion) were running it
    assert_identical(run(opt, x)[0], run(plain, x)[0])
  assert all((b == 7).all() for b in pool.kept)


def test_threads_calling_one_executable(pool_everything):
  xs = [np.full((64, 64), i, np.float32) / 7 for i in range(8)]
  plain, opt = executables(lambda x: jaxlite.numpy.sin(x * 2.0 + 1.0) * x, xs[0])
  want = [run(plain, x)[0] for x in xs]
  errors = []

  def work(k):
    for _ in range(50):
      got = run(opt, xs[k])[0]
      if got.tobytes() != want[k].tobytes():
        errors.append(k)
  threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
  for t in threads:
    t.start()
  for t in threads:
    t.join()
  assert not errors


def test_callbacks_never_see_pooled_buffers(pool_everything):
  seen = []
  x = np.arange(8, dtype=np.float32)

  def f(x):
    a = x * 2.0
    jaxlite.debug.callback(lambda v: seen.append(v), a)
    return a + 1.0
  plain, opt = executables(f, x)
  run(opt, x)
  run(opt, x + 1)
  np.testing.assert_array_equal(np.asarray(seen[0]), x * 2)  # not overwritten by call 2
  np.testing.assert_array_equal(np.asarray(seen[1]), (x + 1) * 2)


def test_select_never_writes_over_its_false_case(pool_everything):
  # select_into reads on_false after writing out: out may alias on_true only.
  x = np.linspace(-2, 2, 16, dtype=np.float32)
  for f in (lambda x: jnp.where(x > 0, jnp.exp(x), x * 2.0) * 1.5,
            lambda x: jnp.where(x > 0, x * 2.0, jnp.exp(x)) * 1.5):
    check_same(f, x)


def test_dynamic_update_slice_in_place_only_into_dead_buffers(pool_everything):
  x = np.arange(20, dtype=np.float32).reshape(4, 5)
  u = -np.ones((2, 2), np.float32)

  def f(x, u, i):
    a = x * 2.0                                   # dies at the update: written in place
    b = lax.dynamic_update_slice(a, u, (i, i))
    c = lax.dynamic_update_slice(x, u, (i, 0))    # x is the caller's: copied
    d = x + 1.0
    e = lax.dynamic_update_slice(d, u, (0, i))    # d is read again below: copied
    return b * 3.0, c, e + d
  for i in (1, 3, -1):  # 3 and -1: the window is clamped back inside
    opt = check_same(f, x, u, np.int32(i))
  lines = [l.strip() for l in opt.source.splitlines()]
  slot = {l.split(" = ")[0]: l.split("out=")[1][:-1] for l in lines if "out=" in l}
  updates = [l for l in lines if "dynamic_update_slice_into(" in l]
  operand = lambda l: l.split("dynamic_update_slice_into(")[1].split(",")[0]
  doubled = next(l for l in lines if "np.multiply(a, _f32_2_0" in l).split(" = ")[0]
  plus_one = next(l for l in lines if "np.add(a, _f32_1_0" in l).split(" = ")[0]
  in_place = next(l for l in updates if operand(l) == doubled)
  copied = next(l for l in updates if operand(l) == plus_one)
  assert slot[in_place.split(" = ")[0]] == slot[doubled]
  assert slot[copied.split(" = ")[0]] != slot[plus_one]
  np.testing.assert_array_equal(x, np.arange(20, dtype=np.float32).reshape(4, 5))


def test_zero_constants_are_recognised_bit_for_bit():
  zeros = np.broadcast_to(np.zeros(3, np.float32), (4, 3))  # how folded broadcasts look
  from jaxlite._src.core import ShapedArray
  from jaxlite._src.jaxpr import Var
  a = Var(ShapedArray((4, 3), np.dtype(np.float32)))
  is_zero = lambda c: buffers._is_zero_const(a, {a: c})
  assert is_zero(zeros) and is_zero(np.zeros((5, 5), np.int8))
  assert not is_zero(np.full((4, 3), -0.0, np.float32))  # -0.0 has its sign bit set
  assert not is_zero(np.eye(3, dtype=np.float32))
  assert not buffers._is_zero_const(a, {})
