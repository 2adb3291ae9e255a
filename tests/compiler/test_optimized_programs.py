"""Whole programs through the optimiser: products, a training step, the SELU of the
benchmarks; generated text stays readable Python; the per-statement profiler."""
import numpy as np
import pytest

import jaxlite
import jaxlite.numpy as jnp
from jaxlite import lax
from jaxlite._src.compiler import buffers, fusion, profiler

from compiler_util import check_same, executables, run


@pytest.fixture
def pool_everything(monkeypatch):
  monkeypatch.setattr(buffers, "POOL_MIN_BYTES", 0)


RNG = np.random.default_rng(0)
X3 = RNG.standard_normal((2, 3, 4)).astype(np.float32)
W = RNG.standard_normal((4, 5)).astype(np.float32)


@pytest.mark.parametrize("dims,rhs", [
    ((((2,), (0,)), ((), ())), W),                         # flax Dense on (B, T, D)
    ((((0, 1), (0, 1)), ((), ())), X3[..., :1] + X3),      # its weight gradient
    ((((2,), (1,)), ((0,), (0,))), X3.transpose(0, 2, 1)),  # batched, one free dim each
    ((((2,), (0,)), ((), ())), np.ones(4, np.float32)),    # matrix-vector: impl path
])
def test_dot_general_paths_write_into_buffers(pool_everything, dims, rhs):
  f = lambda x, w: lax.dot_general(x, w, dims) * 2.0
  opt = check_same(f, X3, rhs)
  if dims[0] == ((2,), (0,)) and rhs.ndim == 2:
    assert "matmul_reshaped(np.reshape(a, (6, 4)), b, (2, 3, 5), out=_b0)" in opt.source


def _mlp_step():
  def loss(params, x, y):
    h = x
    for w, b in params[:-1]:
      h = jax_selu(h @ w + b)
    w, b = params[-1]
    logits = h @ w + b
    logp = jaxlite.nn.log_softmax(logits)
    return -jnp.mean(jnp.sum(logp * jaxlite.nn.one_hot(y, 10), axis=-1))

  def jax_selu(x):
    return 1.05 * jnp.where(x > 0, x, 1.67 * jnp.exp(x) - 1.67)

  def step(params, x, y):
    value, grads = jaxlite.value_and_grad(loss)(params, x, y)
    return jaxlite.tree_util.tree_map(lambda p, g: p - 0.1 * g, params, grads), value
  return step


def test_training_step_identical_with_every_buffer_pooled(pool_everything, monkeypatch):
  monkeypatch.setattr(fusion, "FUSE_MIN_ELEMS", 64)
  monkeypatch.setattr(fusion, "CHUNK_ELEMS", 32)
  rng = np.random.default_rng(1)
  params = [(rng.standard_normal((8, 16)).astype(np.float32), np.zeros(16, np.float32)),
            (rng.standard_normal((16, 10)).astype(np.float32), np.zeros(10, np.float32))]
  x = rng.standard_normal((20, 8)).astype(np.float32)
  y = rng.integers(0, 10, 20).astype(np.int32)
  step = _mlp_step()
  flat, tree = jaxlite.tree_util.tree_flatten((params, x, y))
  f = lambda *leaves: step(*jaxlite.tree_util.tree_unflatten(tree, leaves))
  opt = check_same(f, *flat)
  assert "# fused" in opt.source and "select_into(" in opt.source
  # Ten steps feeding results back: still identical to the unoptimised code.
  plain, opt = executables(f, *flat)
  a = b = flat
  for _ in range(10):
    a = list(run(plain, *a))[:-1] + [x, y]
    b = list(run(opt, *b))[:-1] + [x, y]
  for u, v in zip(a, b):
    assert np.asarray(u).tobytes() == np.asarray(v).tobytes()


def test_selu_of_the_benchmarks_is_one_fused_loop(monkeypatch):
  monkeypatch.setattr(fusion, "FUSE_MIN_ELEMS", 1000)
  monkeypatch.setattr(fusion, "CHUNK_ELEMS", 256)
  x = np.random.default_rng(2).standard_normal((64, 64)).astype(np.float32)
  x[0, :3] = [-0.0, np.nan, np.inf]
  selu = lambda x: 1.0507 * jnp.where(x > 0, x, 1.6733 * jnp.exp(x) - 1.6733)
  opt = check_same(selu, x)
  body = opt.source.split("def fn")[1]
  assert body.count("for _c") == 1 and "select_into(" in body


def test_as_text_is_python_and_jit_uses_the_optimiser():
  f = jaxlite.jit(lambda x: jnp.sin(x) * 2.0 + 1.0)
  x = jnp.ones((64, 64), jnp.float32)
  text = f.lower(x).as_text()
  assert text.count("def fn(") == 1 and "np.sin(" in text
  compile(text, "<as_text>", "exec")
  np.testing.assert_array_equal(f(x), np.sin(np.ones((64, 64), np.float32)) * 2 + 1)


def test_profiler_times_every_statement():
  f = jaxlite.jit(lambda x: jnp.sum(jnp.exp(x) * 2.0) + jnp.max(x))
  x = jnp.linspace(0.0, 1.0, 1000)
  report = f.lower(x).compile().profile(x, number=5)
  texts = [t for _, t in report.regions]
  assert any("np.exp(" in t for t in texts) and texts[-1].startswith("return")
  assert all(t >= 0 for t, _ in report.regions) and report.total > 0
  assert sum(t for t, _ in report.regions) <= report.total * 1.5
  assert "ms per call" in str(report)
  # The module-level entry point gives the same statements.
  again = profiler.profile(f, x, number=2)
  assert [t for _, t in again.regions] == texts


def test_profiler_times_a_fused_loop_as_one_region(monkeypatch):
  monkeypatch.setattr(fusion, "FUSE_MIN_ELEMS", 100)
  monkeypatch.setattr(fusion, "CHUNK_ELEMS", 64)
  x = np.ones((32, 32), np.float32)
  _, opt = executables(lambda x: jnp.tanh(jnp.exp(x) * 2.0), x)
  report = profiler.profile_executable(opt, [x], number=2)
  loops = [t for _, t in report.regions if t.startswith("for _c")]
  assert len(loops) == 1 and "np.tanh(" in loops[0]
