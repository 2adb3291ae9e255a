"""Type promotion and canonicalization, against tables printed by the real JAX 0.10.2.

Each cell is the dtype (``*`` = weakly typed) of ``val(a) + val(b)`` where val(dtype) is a
0-d array of that dtype and val(int/float/complex) is the Python scalar 1 / 1.0 / 1j."""
import warnings

import ml_dtypes
import numpy as np
import pytest

import jaxlite
import jaxlite.numpy as jnp
from jaxlite import dtypes

TABLE_X32 = """
       b1     u8     u16    u32    i8     i16    i32    bf16   f16    f32    c64    i*     f*     c*
b1     b1     u8     u16    u32    i8     i16    i32    bf16   f16    f32    c64    i32*   f32*   c64*
u8     u8     u8     u16    u32    i16    i16    i32    bf16   f16    f32    c64    u8     f32*   c64*
u16    u16    u16    u16    u32    i32    i32    i32    bf16   f16    f32    c64    u16    f32*   c64*
u32    u32    u32    u32    u32    i32    i32    i32    bf16   f16    f32    c64    u32    f32*   c64*
i8     i8     i16    i32    i32    i8     i16    i32    bf16   f16    f32    c64    i8     f32*   c64*
i16    i16    i16    i32    i32    i16    i16    i32    bf16   f16    f32    c64    i16    f32*   c64*
i32    i32    i32    i32    i32    i32    i32    i32    bf16   f16    f32    c64    i32    f32*   c64*
bf16   bf16   bf16   bf16   bf16   bf16   bf16   bf16   bf16   f32    f32    c64    bf16   bf16   c64
f16    f16    f16    f16    f16    f16    f16    f16    f32    f16    f32    c64    f16    f16    c64
f32    f32    f32    f32    f32    f32    f32    f32    f32    f32    f32    c64    f32    f32    c64
c64    c64    c64    c64    c64    c64    c64    c64    c64    c64    c64    c64    c64    c64    c64
i*     i32*   u8     u16    u32    i8     i16    i32    bf16   f16    f32    c64    i32*   f32*   c64*
f*     f32*   f32*   f32*   f32*   f32*   f32*   f32*   bf16   f16    f32    c64    f32*   f32*   c64*
c*     c64*   c64*   c64*   c64*   c64*   c64*   c64*   c64    c64    c64    c64    c64*   c64*   c64*
"""

TABLE_X64 = """
       b1     u8     u16    u32    u64    i8     i16    i32    i64    bf16   f16    f32    f64    c64    c128   i*     f*     c*
b1     b1     u8     u16    u32    u64    i8     i16    i32    i64    bf16   f16    f32    f64    c64    c128   i64*   f64*   c128*
u8     u8     u8     u16    u32    u64    i16    i16    i32    i64    bf16   f16    f32    f64    c64    c128   u8     f64*   c128*
u16    u16    u16    u16    u32    u64    i32    i32    i32    i64    bf16   f16    f32    f64    c64    c128   u16    f64*   c128*
u32    u32    u32    u32    u32    u64    i64    i64    i64    i64    bf16   f16    f32    f64    c64    c128   u32    f64*   c128*
u64    u64    u64    u64    u64    u64    f64*   f64*   f64*   f64*   bf16   f16    f32    f64    c64    c128   u64    f64*   c128*
i8     i8     i16    i32    i64    f64*   i8     i16    i32    i64    bf16   f16    f32    f64    c64    c128   i8     f64*   c128*
i16    i16    i16    i32    i64    f64*   i16    i16    i32    i64    bf16   f16    f32    f64    c64    c128   i16    f64*   c128*
i32    i32    i32    i32    i64    f64*   i32    i32    i32    i64    bf16   f16    f32    f64    c64    c128   i32    f64*   c128*
i64    i64    i64    i64    i64    f64*   i64    i64    i64    i64    bf16   f16    f32    f64    c64    c128   i64    f64*   c128*
bf16   bf16   bf16   bf16   bf16   bf16   bf16   bf16   bf16   bf16   bf16   f32    f32    f64    c64    c128   bf16   bf16   c64
f16    f16    f16    f16    f16    f16    f16    f16    f16    f16    f32    f16    f32    f64    c64    c128   f16    f16    c64
f32    f32    f32    f32    f32    f32    f32    f32    f32    f32    f32    f32    f32    f64    c64    c128   f32    f32    c64
f64    f64    f64    f64    f64    f64    f64    f64    f64    f64    f64    f64    f64    f64    c128   c128   f64    f64    c128
c64    c64    c64    c64    c64    c64    c64    c64    c64    c64    c64    c64    c64    c128   c64    c128   c64    c64    c64
c128   c128   c128   c128   c128   c128   c128   c128   c128   c128   c128   c128   c128   c128   c128   c128   c128   c128   c128
i*     i64*   u8     u16    u32    u64    i8     i16    i32    i64    bf16   f16    f32    f64    c64    c128   i64*   f64*   c128*
f*     f64*   f64*   f64*   f64*   f64*   f64*   f64*   f64*   f64*   bf16   f16    f32    f64    c64    c128   f64*   f64*   c128*
c*     c128*  c128*  c128*  c128*  c128*  c128*  c128*  c128*  c128*  c64    c64    c64    c128   c64    c128   c128*  c128*  c128*
"""

_NAMES = {"b1": np.bool_, "u8": np.uint8, "u16": np.uint16, "u32": np.uint32, "u64": np.uint64,
          "i8": np.int8, "i16": np.int16, "i32": np.int32, "i64": np.int64,
          "bf16": ml_dtypes.bfloat16, "f16": np.float16, "f32": np.float32, "f64": np.float64,
          "c64": np.complex64, "c128": np.complex128}
_SCALARS = {"i*": 1, "f*": 1.0, "c*": 1j}


def _val(name):
  if name in _SCALARS:
    return _SCALARS[name]
  return jnp.zeros((), _NAMES[name])


def _cells(table):
  lines = [ln.split() for ln in table.strip().splitlines()]
  cols = lines[0]
  for row in lines[1:]:
    for col, want in zip(cols, row[1:]):
      yield row[0], col, want


def _check_cell(a, b, want):
  x, y = _val(a), _val(b)
  if a in _SCALARS and b in _SCALARS:
    x = jnp.asarray(x)
  out = x + y
  got = jnp.dtype(out.dtype)
  weak = want.endswith("*")
  assert got == np.dtype(_NAMES[want.rstrip("*")]), f"{a} + {b}: got {got}, want {want}"
  assert out.weak_type == weak, f"{a} + {b}: weak_type {out.weak_type}, want {want}"


@pytest.mark.parametrize("a,b,want", list(_cells(TABLE_X32)))
def test_promotion_table_x32(a, b, want):
  _check_cell(a, b, want)


def test_promotion_table_x64():
  # One test for the whole table: flipping x64 per cell would dominate the run time.
  with jaxlite._src.config.enable_x64(True):
    for a, b, want in _cells(TABLE_X64):
      _check_cell(a, b, want)


@pytest.mark.parametrize("a,b,want", [
    (np.int8, np.uint8, np.int16), (np.uint32, np.int8, np.int32),
    (ml_dtypes.bfloat16, np.float16, np.float32), (ml_dtypes.bfloat16, np.int32, ml_dtypes.bfloat16),
])
def test_promote_types(a, b, want):
  assert jnp.promote_types(a, b) == np.dtype(want)


def test_result_type_of_python_scalars():
  assert jnp.result_type(1) == np.int32
  assert jnp.result_type(1.0) == np.float32
  assert jnp.result_type(1j) == np.complex64
  assert jnp.result_type(True) == np.bool_
  assert jnp.result_type(jnp.int8, 1000) == np.int8


@pytest.mark.parametrize("make,dtype,weak", [
    (lambda: jnp.array(1), np.int32, True), (lambda: jnp.array(1.0), np.float32, True),
    (lambda: jnp.asarray(1j), np.complex64, True), (lambda: jnp.float32(1.0), np.float32, False),
    (lambda: jnp.array(np.float64(1.0)), np.float32, False),
    (lambda: jnp.array(np.arange(3)), np.int32, False),
    (lambda: jnp.array([1, 2.5]), np.float32, False), (lambda: jnp.array([True, 2]), np.int32, False),
    (lambda: jnp.arange(3), np.int32, False), (lambda: jnp.arange(3.0), np.float32, False),
    (lambda: jnp.ones(2, jnp.bool_) + 1, np.int32, True),
    (lambda: jnp.ones(2, jnp.bool_) * 1.5, np.float32, True),
    (lambda: jnp.ones(2, jnp.int32) / 2, np.float32, False),
    (lambda: jnp.ones(2) + np.float64(1.0), np.float32, False),
    (lambda: jnp.sum(jnp.ones(3, jnp.int8)), np.int32, False),
    (lambda: jnp.sum(jnp.ones(3, jnp.uint8)), np.uint32, False),
    (lambda: jnp.mean(jnp.ones(3, jnp.int32)), np.float32, False),
    (lambda: jnp.sqrt(jnp.ones(3, jnp.int32)), np.float32, False),
])
def test_value_dtypes(make, dtype, weak):
  x = make()
  assert x.dtype == np.dtype(dtype)
  assert x.weak_type == weak


def test_weak_types_do_not_widen_arrays():
  assert (jnp.ones(3, jnp.int8) + 1).dtype == np.int8
  assert (jnp.ones(3, jnp.float16) + 2.0).dtype == np.float16
  assert (jnp.ones(3, jnp.uint8) + jnp.ones(3, jnp.int8)).dtype == np.int16
  assert (jnp.ones(3, jnp.int32) + jnp.ones(3, jnp.float16)).dtype == np.float16


@pytest.mark.parametrize("fn,where", [
    (lambda: jnp.zeros(3, dtype="float64"), "zeros"), (lambda: jnp.ones(3, jnp.float64), "ones"),
    (lambda: jnp.array([1, 2], dtype=jnp.int64), "array"),
    (lambda: jnp.arange(3, dtype=jnp.int64), "arange"),
    (lambda: jnp.ones(2).astype(jnp.float64), "astype"),
])
def test_x64_truncation_warns_like_jax(fn, where):
  with pytest.warns(UserWarning, match=f"Explicitly requested dtype .*64 requested in {where} "
                    "is not available, and will be truncated to dtype .*32"):
    out = fn()
  assert out.dtype.itemsize == 4


def test_x64_flag_enables_64_bit_types():
  with jaxlite._src.config.enable_x64(True):
    assert jnp.array(1.0).dtype == np.float64
    assert jnp.arange(3).dtype == np.int64
    assert (jnp.ones(2, jnp.float64) * 2).dtype == np.float64
    with warnings.catch_warnings():
      warnings.simplefilter("error")
      assert jnp.zeros(2, jnp.float64).dtype == np.float64
  assert jnp.array(1.0).dtype == np.float32


def test_config_update_and_read():
  assert jaxlite.config.jax_enable_x64 is False
  jaxlite.config.update("jax_enable_x64", True)
  try:
    assert jaxlite.config.jax_enable_x64 is True
    assert jnp.array(1).dtype == np.int64
  finally:
    jaxlite.config.update("jax_enable_x64", False)
  with pytest.raises(AttributeError, match="Unrecognized config option"):
    jaxlite.config.update("jax_no_such_flag", True)


def test_python_int_overflow_raises():
  with pytest.raises(OverflowError, match="Python int 1099511627776 too large to convert to int32"):
    jnp.array(2**40)
  assert int(jnp.array(2**31 - 1)) == 2**31 - 1


def test_issubdtype_knows_ml_dtypes():
  assert dtypes.issubdtype(jnp.bfloat16, jnp.floating)
  assert dtypes.issubdtype(np.float32, np.inexact)
  assert not dtypes.issubdtype(np.int32, np.floating)
  assert jnp.finfo(jnp.bfloat16).bits == 16
  assert jnp.iinfo(jnp.int8).max == 127


@pytest.mark.parametrize("make, want", [
    (lambda: jnp.uint32(3000000000), "3000000000 uint32"),
    (lambda: jnp.array([3000000000], jnp.uint32), "[3000000000] uint32"),
    (lambda: jnp.array(2**33, jnp.float32), "8589934592.0 float32"),
])
def test_python_ints_are_range_checked_against_the_requested_dtype(make, want):
  out = make()
  assert f"{np.asarray(out).tolist()} {out.dtype}" == want


@pytest.mark.parametrize("make, msg", [
    (lambda: jnp.uint8(300), "Python integer 300 out of bounds for uint8"),
    (lambda: jnp.array(-1, jnp.uint32), "Python integer -1 out of bounds for uint32"),
    (lambda: jnp.array(3000000000), "Python int 3000000000 too large to convert to int32"),
])
def test_out_of_range_python_ints_raise_jax_overflow_errors(make, msg):
  with pytest.raises(OverflowError, match=msg):
    make()
