"""Random programs of elementwise, broadcast, select, reduce, dot, slice, transpose and
reshape operations: the optimised code (simplification, fusion, buffer reuse) computes the
same bits as the unoptimised code and as eager execution. Tiny thresholds make the small
test arrays take the paths big arrays take: every intermediate in a pooled buffer, every
elementwise chain in a chunked loop with a partial last chunk."""
import contextlib

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st

import jaxlite
import jaxlite.numpy as jnp
from jaxlite import lax
from jaxlite._src.compiler import buffers, fusion

from compiler_util import assert_identical, executables, run


@contextlib.contextmanager
def tiny_thresholds(chunk=4):
  saved = buffers.POOL_MIN_BYTES, fusion.FUSE_MIN_ELEMS, fusion.CHUNK_ELEMS
  buffers.POOL_MIN_BYTES, fusion.FUSE_MIN_ELEMS, fusion.CHUNK_ELEMS = 0, 4, chunk
  try:
    yield
  finally:
    buffers.POOL_MIN_BYTES, fusion.FUSE_MIN_ELEMS, fusion.CHUNK_ELEMS = saved


UNARY = {
    "exp": jnp.exp, "sin": jnp.sin, "tanh": jnp.tanh, "neg": lax.neg, "abs": jnp.abs,
    "log1p": lambda v: jnp.log1p(jnp.abs(v)), "sqrt": lambda v: jnp.sqrt(jnp.abs(v)),
    "expm1": jnp.expm1, "square": lax.square, "pow2": lambda v: lax.integer_pow(v, 2),
    "pow3": lambda v: lax.integer_pow(v, 3), "pow-2": lambda v: lax.integer_pow(v, -2),
    "pow7": lambda v: lax.integer_pow(v, 7), "floor": jnp.floor,
    "f64": lambda v: lax.convert_element_type(lax.convert_element_type(v, np.float64),
                                              np.float32),
    "times1": lambda v: v * 1.0, "plus0": lambda v: v + 0.0, "minus0": lambda v: v - 0.0,
    "T2": lambda v: v.T.T, "rs2": lambda v: v.reshape(-1).reshape(v.shape),
}
BINARY = {"add": lax.add, "sub": lax.sub, "mul": lax.mul, "div": lax.div, "max": lax.max,
          "min": lax.min}


def _program(ops):
  """A function of (x, y, w, row) built from the op list; returns several values."""
  def f(x, y, w, row):
    vals = [x, y]
    for op in ops:
      kind, a, b, c = op
      # Counted from the newest value: recent values are often last used here.
      va, vb, vc = (vals[-1 - k % len(vals)] for k in (a, b, c))
      if kind in UNARY:
        out = UNARY[kind](va)
      elif kind in BINARY:
        out = BINARY[kind](va, vb)
      elif kind == "row":  # a broadcast operand
        out = BINARY["add" if c % 2 else "mul"](va, lax.broadcast_in_dim(row, va.shape, (1,)))
      elif kind == "scalar":
        out = va * np.float32(c % 5 - 2)
      elif kind == "select":
        out = jnp.where(vb > vc, va, vb) if c % 2 else jnp.where(vc > 0, vb, va)
      elif kind == "select0":
        out = jnp.where(va > 0, vb, 0.0) if c % 2 else jnp.where(va > 0, 0.0, vb)
      elif kind == "reduce":
        red = (jnp.sum if c % 2 else jnp.max)(jnp.exp(va), axis=1, keepdims=True)
        out = va - red
      elif kind == "dot":
        out = va @ w
      elif kind == "slice":
        out = lax.pad(va[:, 1:], np.float32(0), ((0, 0, 0), (0, 1, 0)))
      elif kind == "dus":  # in place when va dies here
        out = lax.dynamic_update_slice(va, vb[:1, :2] * 2.0, (c % 3, c % 4))
      else:  # "rev"
        out = lax.rev(va, (0,))
      vals.append(out)
    return vals[-1], vals[-2], jnp.sum(vals[-1]), jnp.sum(vals[-1] * 2.0, axis=-1)
  return f


op_strategy = st.tuples(
    st.sampled_from(sorted(UNARY) + sorted(BINARY) +
                    ["row", "scalar", "select", "select0", "reduce", "dot", "slice", "rev",
                     "dus"]),
    st.integers(0, 20), st.integers(0, 20), st.integers(0, 20))


@settings(max_examples=60, deadline=None)
@given(ops=st.lists(op_strategy, min_size=1, max_size=12),
       shape=st.sampled_from([(6, 5), (3, 4), (1, 7), (9, 2)]), seed=st.integers(0, 3),
       chunk=st.sampled_from([4, 10, 64]))
# Programs where a select's false case dies at the select (it must not be written over).
@example(ops=[("exp", 0, 0, 0), ("select", 0, 1, 0), ("exp", 0, 0, 0), ("exp", 0, 0, 0)],
         shape=(6, 5), seed=0, chunk=4)
@example(ops=[("exp", 0, 0, 0), ("sin", 0, 0, 0), ("select", 1, 0, 1), ("exp", 0, 0, 0),
              ("exp", 0, 0, 0)], shape=(6, 5), seed=0, chunk=64)
def test_optimised_equals_unoptimised_and_eager(ops, shape, seed, chunk):
  rng = np.random.default_rng(seed)
  x, y = (rng.standard_normal(shape).astype(np.float32) for _ in range(2))
  x.flat[0], y.flat[-1] = -0.0, np.nan  # signed zeros and NaNs must survive
  w = rng.standard_normal((shape[1], shape[1])).astype(np.float32)
  row = rng.standard_normal(shape[1]).astype(np.float32)
  f = _program(ops)
  with tiny_thresholds(chunk):
    plain, opt = executables(f, x, y, w, row)
    for _ in range(2):  # the second call runs on reused buffers
      got, want = run(opt, x, y, w, row), run(plain, x, y, w, row)
      for g, wt in zip(got, want):
        assert_identical(g, wt)
  with np.errstate(all="ignore"):
    eager = f(*map(jnp.asarray, (x, y, w, row)))
  for g, e in zip(got, eager):
    assert_identical(g, np.asarray(e))
