"""Small products run on one BLAS thread; the caller's setting comes back afterwards."""
import numpy as np
import pytest

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
