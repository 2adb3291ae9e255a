"""Small products run on one BLAS thread; the caller's setting comes back afterwards."""
import numpy as np
import pytest

import jaxlite as jax
import jaxlite.numpy as jnp
from jaxlite._src import blas_threads

threadpoolctl = pytest.importorskip("threadpoolctl")


def test_thresholds():
  assert not blas_threads.wants_one_thread(2 * 8 * 8 * 8)      # BLAS keeps it on one thread
  assert blas_threads.wants_one_thread(2 * 1347 * 64 * 128)    # the digits demo's layer
  assert not blas_threads.wants_one_thread(2 * 1024 ** 3)      # big: keep the user's threads


def test_one_thread_inside_and_restored_after():
  blas = blas_threads._controller()
  if not blas:
    pytest.skip("no BLAS that threadpoolctl can drive")
  before = blas.get_num_threads()
  with threadpoolctl.threadpool_limits(2, user_api="blas"):
    outer = blas.get_num_threads()
    with blas_threads.one_thread():
      assert blas.get_num_threads() == 1
    assert blas.get_num_threads() == outer
  assert blas.get_num_threads() == before


def test_small_products_give_numpys_result():
  rng = np.random.default_rng(0)
  a, b = rng.standard_normal((300, 64), np.float32), rng.standard_normal((64, 128), np.float32)
  np.testing.assert_allclose(np.asarray(jnp.dot(a, b)), a @ b, rtol=1e-5, atol=1e-5)


def test_jitted_programs_with_only_small_products_run_on_one_thread():
  import jaxlite
  blas = blas_threads._controller()
  if not blas:
    pytest.skip("no BLAS that threadpoolctl can drive")
  seen = []

  def spy(y):
    seen.append(blas.get_num_threads())
    return y

  def f(w, x):
    y = x @ w
    return jaxlite.pure_callback(spy, jaxlite.ShapeDtypeStruct(y.shape, y.dtype), y)

  w, x = np.ones((64, 128), np.float32), np.ones((1347, 64), np.float32)
  with threadpoolctl.threadpool_limits(2, user_api="blas"):
    outer = blas.get_num_threads()
    np.testing.assert_array_equal(np.asarray(jaxlite.jit(f)(w, x)), np.full((1347, 128), 64.))
    assert blas.get_num_threads() == outer
  assert seen == [1]


def test_convolutions_count_as_products():
  from jaxlite._src.jit import _largest_product_flops
  x, k = jnp.ones((2, 8, 8, 3)), jnp.ones((3, 3, 3, 4))
  conv = lambda x, k: jax.lax.conv_general_dilated(
      x, k, (1, 1), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC"))
  # Each of the 2*8*8*4 outputs sums 3*3*3 products.
  assert _largest_product_flops(jax.make_jaxpr(conv)(x, k).jaxpr) == 2 * (2 * 8 * 8 * 4) * 27
