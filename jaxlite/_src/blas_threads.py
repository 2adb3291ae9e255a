"""Small matrix products run on one BLAS thread.

OpenBLAS's worker threads spin after each product. When the cores are shared (another
process, or on two cores simply the Python thread itself) a small product with two threads
measured 2-50x slower than with one, e.g. the digits demo trains in 19 s instead of 7 s on
these machines. A product this small gains at most ~0.1 ms from a second thread when the
machine is idle, so below ``SMALL_PRODUCT_FLOPS`` jaxlite asks for one thread and restores
the caller's setting afterwards; larger products keep it. Needs threadpoolctl (a dependency);
without it products run with whatever BLAS has.
"""
from __future__ import annotations

import contextlib

SMALL_PRODUCT_FLOPS = 2 ** 26
# OpenBLAS already runs products below ~65536 * 4 multiply-adds on one thread.
ALREADY_ONE_THREAD_FLOPS = 2 ** 19

_blas = None  # threadpoolctl's controller of NumPy's BLAS, or False when there is none


def _controller():
  global _blas
  if _blas is None:
    try:
      from threadpoolctl import ThreadpoolController
      libs = ThreadpoolController().select(user_api="blas").lib_controllers
      _blas = libs[0] if libs else False
    except Exception:  # noqa: BLE001 - no threadpoolctl, or a BLAS it cannot drive
      _blas = False
  return _blas


@contextlib.contextmanager
def one_thread():
  """Run the body with one BLAS thread (no-op when BLAS already has one)."""
  blas = _controller()
  if not blas:
    yield
    return
  before = blas.get_num_threads()
  if before == 1:
    yield
    return
  blas.set_num_threads(1)
  try:
    yield
  finally:
    blas.set_num_threads(before)


def wants_one_thread(flops: int) -> bool:
  """Whether a product of ``flops`` is one BLAS would split but should not."""
  return ALREADY_ONE_THREAD_FLOPS <= flops < SMALL_PRODUCT_FLOPS
