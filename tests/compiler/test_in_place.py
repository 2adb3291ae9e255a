"""Updates in place: scatters write over an operand that dies there, and loop bodies write
over their own carries from the second iteration on. Results equal the copying code."""
import weakref

import numpy as np
import pytest

import jaxlite
import jaxlite.numpy as jnp
from jaxlite import lax
from jaxlite._src.lax.control_flow import common


def test_a_scatter_whose_operand_dies_writes_into_its_buffer():
  f = lambda x, i, v: (x * 2).at[i].set(v).at[i + 1].add(v).at[i + 2].multiply(v)
  x = np.ones((300, 64), np.float32)
  v = np.full(64, 3.0, np.float32)
  text = jaxlite.jit(f).lower(x, 5, v).as_text()
  assert "scatter_impl(d, " in text and "out=_b0)" in text, text
  want = (x * 2)
  want[5] = v
  want[6] += v
  want[7] *= v
  np.testing.assert_array_equal(jaxlite.jit(f)(x, 5, v), want)


def build_rows(z, v):
  return lax.fori_loop(0, z.shape[0], lambda i, buf: buf.at[i].set(v * i), z)


def test_fori_loop_updates_its_carry_in_place_and_leaves_the_input_alone(monkeypatch):
  monkeypatch.setattr(common, "_loop_bodies", weakref.WeakKeyDictionary())  # only this loop's
  z = jnp.zeros((64, 256))
  v = jnp.ones(256)
  out = jaxlite.jit(build_rows)(z, v)
  np.testing.assert_array_equal(np.asarray(out)[:, 3], np.arange(64, dtype=np.float32))
  assert float(jnp.abs(z).sum()) == 0.0   # the caller's initial carry was not written
  # The body's in-place executable writes the scatter over the carry.
  (body,) = [b for per in common._loop_bodies.values() for b in per.values()]
  assert body.donated and "scatter_impl(" in body.in_place.source and \
      "out=" in body.in_place.source.split("scatter_impl(")[1].split("\n")[0]


def test_scan_with_in_place_carries_equals_the_copying_loop(monkeypatch):
  def step(c, x):
    c = c.at[x].add(1.0)
    return c, c[x, :2]
  z = jnp.zeros((40, 512))
  xs = jnp.arange(100) % 7
  fast = jaxlite.jit(lambda z, xs: lax.scan(step, z, xs))(z, xs)
  monkeypatch.setattr(common.LoopBody, "MIN_BYTES", 1 << 60)  # nothing donated
  slow = jaxlite.jit(lambda z, xs: lax.scan(lambda c, x: step(c, x), z, xs))(z, xs)
  for a, b in zip(fast, slow):
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("body", [
    lambda c: (c[0].at[0].add(1.0), c[0]),                # two carries, one buffer
    lambda c: (c[0].at[0].add(1.0), c[0].reshape(-1).reshape(c[0].shape)),  # a view
    lambda c: (jnp.zeros((64, 256)).at[0].add(c[0][0]), c[1].at[1].add(2.0)),  # a constant
])
def test_carries_that_share_memory_are_never_written_over(body):
  init = (jnp.zeros((64, 256)), jnp.zeros((64, 256)))
  def loop(init):
    return lax.fori_loop(0, 4, lambda i, c: body(c), init)
  got = jaxlite.jit(loop)(init)
  want = init
  for _ in range(4):
    want = tuple(np.array(w) for w in body(tuple(jnp.asarray(w) for w in want)))
  for g, w in zip(got, want):
    np.testing.assert_array_equal(g, w)
