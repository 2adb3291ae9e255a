"""jit's donate_argnums / donate_argnames: JAX's semantics (donated arrays are deleted, unusable
donations warn, bad argnums raise), and the in-place writes they allow."""
import warnings

import numpy as np
import pytest

import jaxlite as jax
import jaxlite.numpy as jnp


def fresh(shape, fill=0.0):
  return jnp.zeros(shape) + fill   # an array that owns its buffer


def address(x):
  return x._value.ctypes.data


def test_donated_array_is_deleted_and_its_use_raises_like_jax():
  f = jax.jit(lambda x, y: (x * 2 + y, y.sum()), donate_argnums=0)
  x, y = jnp.arange(4.0), jnp.ones(4)
  out, total = f(x, y)
  np.testing.assert_array_equal(out, [1, 3, 5, 7])
  assert float(total) == 4.0
  assert x.is_deleted() and not y.is_deleted()
  assert x.shape == (4,) and x.dtype == np.float32  # the type survives, as in JAX
  for use in (lambda: print(x), lambda: x + 1, lambda: np.asarray(x), lambda: f(x, y)):
    with pytest.raises(RuntimeError, match=r"Array has been deleted with shape=float32\[4\]\."):
      use()


def test_donations_pair_with_outputs_by_element_count_and_width_as_in_xla():
  # Real JAX 0.10.2 on CPU deletes these (an output of as many elements of the same width)...
  for x, f in ((jnp.ones(3), lambda x: x.astype(jnp.int32)),
               (jnp.ones(6), lambda x: x.reshape(2, 3)),
               (jnp.ones(4, jnp.int32), lambda x: x.astype(jnp.float32))):
    jax.jit(f, donate_argnums=0)(x)
    assert x.is_deleted()
  # ... and keeps this one (same bytes, another width), with the warning.
  x = jnp.ones(4)
  with pytest.warns(UserWarning, match=r"not usable: float32\[4\]"):
    jax.jit(lambda x: jnp.ones(8, jnp.float16), donate_argnums=0)(x)
  assert not x.is_deleted()
  with pytest.raises(jax.errors.JaxRuntimeError, match="BlockHostUntilReady\\(\\) called on "
                     "deleted or donated buffer"):
    _deleted().block_until_ready()


def _deleted():
  x = jnp.ones(2)
  x.delete()
  return x


def test_unusable_donation_warns_and_keeps_the_array():
  g = jax.jit(lambda x: x.sum(), donate_argnums=0)
  z = jnp.ones(5)
  with pytest.warns(UserWarning, match=r"Some donated buffers were not usable: float32\[5\]\."):
    assert float(g(z)) == 5.0
  assert not z.is_deleted()


def test_donate_argnames_and_pytrees():
  k = jax.jit(lambda a, b: a + b, donate_argnames="b")
  q = jnp.ones(3)
  k(jnp.ones(3), b=q)
  assert q.is_deleted()
  tree = {"a": jnp.ones(3), "b": jnp.ones(2)}
  out = jax.jit(lambda t: jax.tree.map(lambda v: v * 2, t), donate_argnums=0)(tree)
  assert tree["a"].is_deleted() and tree["b"].is_deleted()
  np.testing.assert_array_equal(out["b"], [2, 2])


def test_donating_a_numpy_array_leaves_it_alone():
  n = np.ones(3, np.float32)
  out = jax.jit(lambda a: a + 1, donate_argnums=0)(n)
  np.testing.assert_array_equal(out, [2, 2, 2])
  np.testing.assert_array_equal(n, [1, 1, 1])


def test_the_same_buffer_donated_and_passed_again_is_refused():
  h = jax.jit(lambda a, b: a + b, donate_argnums=(0,))
  w = jnp.ones(3)
  # JAX 0.10.2: "INVALID_ARGUMENT: Attempt to use a buffer that was previously donated in
  # the same call to Execute() (flattened argument 1, replica 0, partition 0, first use: 0)"
  with pytest.raises(jax.errors.JaxRuntimeError, match=r"previously donated in the same call "
                     r"\(flattened argument 1, first use: 0\)"):
    h(w, w)


@pytest.mark.parametrize("kwargs, message", [
    (dict(static_argnums=1, donate_argnums=1),
     r"static_argnames and donate_argnames cannot intersect. Argument names \{'n'\}"),
    (dict(static_argnames="n", donate_argnames="n"),
     r"static_argnames and donate_argnames cannot intersect"),
    (dict(donate_argnums=5), r"donate_argnums=\(5,\), but only accepts 2 positional"),
    (dict(donate_argnames="zz"), r"invalid argnames \{'zz'\} in donate_argnames"),
])
def test_bad_donation_arguments_raise_at_jit_time(kwargs, message):
  with pytest.raises(ValueError, match=message):
    jax.jit(lambda a, n: a * n, **kwargs)


def test_dynamic_update_slice_writes_into_the_donated_buffer():
  upd = jax.jit(lambda c, u, i: jax.lax.dynamic_update_slice(c, u, (i, 0)), donate_argnums=0)
  cache = fresh((100, 8))
  before = address(cache)
  for i in range(3):
    cache = upd(cache, jnp.full((1, 8), i + 1.0), i)
  assert address(cache) == before   # updated in place, no copy
  np.testing.assert_array_equal(cache.sum(axis=1)[:4], [8, 16, 24, 0])
  assert "out=a" in upd.lower(cache, jnp.ones((1, 8)), 0).as_text()


def test_parameter_update_writes_into_the_donated_parameters():
  sgd = jax.jit(lambda p, g: jax.tree.map(lambda a, b: a - 0.5 * b, p, g), donate_argnums=0)
  params = {"w": fresh((64, 64), 1.0)}
  before = address(params["w"])
  params = sgd(params, {"w": jnp.ones((64, 64))})
  assert address(params["w"]) == before
  np.testing.assert_array_equal(params["w"], np.full((64, 64), 0.5, np.float32))


def test_a_buffer_something_else_can_see_is_copied_not_overwritten():
  f = jax.jit(lambda x: x * 10, donate_argnums=0)
  x = fresh((6,), 1.0)
  view = x.reshape(2, 3)            # shares x's buffer
  held = np.asarray(x)              # so does this NumPy view
  both = jax.jit(lambda x: (x, x))(fresh((3,), 2.0))  # two outputs on one buffer
  out = f(x)
  np.testing.assert_array_equal(out, np.full(6, 10, np.float32))
  np.testing.assert_array_equal(view, np.ones((2, 3), np.float32))
  np.testing.assert_array_equal(held, np.ones(6, np.float32))
  f(both[0])
  np.testing.assert_array_equal(both[1], [2, 2, 2])


def test_an_input_read_after_the_update_is_not_overwritten():
  # x dies only at the last equation: the first output may not take its buffer.
  f = jax.jit(lambda x: (x + 1, x * 2), donate_argnums=0)
  x = fresh((5,), 3.0)
  a, b = f(x)
  np.testing.assert_array_equal(a, np.full(5, 4, np.float32))
  np.testing.assert_array_equal(b, np.full(5, 6, np.float32))


def test_donation_matches_the_result_without_it_on_random_programs():
  rng = np.random.default_rng(0)
  def step(p, m, g):
    m = 0.9 * m + g
    return p - 0.01 * m, m, jnp.tanh(p).sum()
  plain = jax.jit(step)
  donating = jax.jit(step, donate_argnums=(0, 1))
  p0 = rng.standard_normal((50, 40)).astype(np.float32)
  m0 = np.zeros((50, 40), np.float32)
  pa, ma = jnp.asarray(p0), jnp.asarray(m0)
  pb, mb = jnp.asarray(p0) + 0, jnp.asarray(m0) + 0
  for _ in range(5):
    g = jnp.asarray(rng.standard_normal((50, 40)).astype(np.float32))
    pa, ma, sa = plain(pa, ma, g)
    pb, mb, sb = donating(pb, mb, g)
  for u, v in ((pa, pb), (ma, mb), (sa, sb)):
    np.testing.assert_array_equal(u, v)


def test_no_warning_when_every_donation_is_used():
  with warnings.catch_warnings():
    warnings.simplefilter("error")
    jax.jit(lambda x: x + 1, donate_argnums=0)(jnp.ones(3))

