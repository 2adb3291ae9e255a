"""NumPy indexing of jaxlite arrays: x[idx] and x.at[idx] against NumPy on random index
expressions (eagerly and staged), JAX's own results for out-of-bounds indices and errors,
gradients, vmap, jit and the jaxprs indexing produces (values from JAX 0.10.2)."""
import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import jaxlite
import jaxlite.numpy as jnp
from jaxlite import lax
from jaxlite._src.jaxpr import eval_jaxpr


def staged(f, *args):
  """``f(*args)`` through make_jaxpr and the jaxpr interpreter: the lax lowering of the
  indexing, not the eager NumPy shortcut."""
  closed = jaxlite.make_jaxpr(f)(*args)
  return eval_jaxpr(closed.jaxpr, closed.consts, *args)[0]


def eqn_summary(f, *args):
  closed = jaxlite.make_jaxpr(f)(*args)
  return [(e.primitive.name, {k: v for k, v in e.params.items() if k != "update_jaxpr"})
          for e in closed.jaxpr.eqns]


# ---------------------------------------------------------------------------
# Random index expressions vs NumPy

@st.composite
def index_case(draw, allow_none=True):
  shape = tuple(draw(st.lists(st.integers(1, 4), min_size=1, max_size=3)))
  adv_shape = tuple(draw(st.lists(st.integers(1, 3), min_size=0, max_size=2)))
  idx, axis = [], 0
  kinds = ["int", "slice", "array", "mask"] + (["none"] if allow_none else [])
  while axis < len(shape) and draw(st.integers(0, 3)):
    kind = draw(st.sampled_from(kinds))
    size = shape[axis]
    if kind == "none":
      idx.append(None)
      continue
    if kind == "int":
      idx.append(draw(st.integers(-size, size - 1)))
    elif kind == "slice":
      bound = st.none() | st.integers(-size - 2, size + 2)
      step = st.none() | st.integers(-3, 3).filter(bool)
      idx.append(slice(draw(bound), draw(bound), draw(step)))
    elif kind == "array":
      values = draw(st.lists(st.integers(-size, size - 1), min_size=int(np.prod(adv_shape)),
                             max_size=int(np.prod(adv_shape))))
      idx.append(np.array(values, np.int32).reshape(adv_shape))
    else:
      idx.append(np.array(draw(st.lists(st.booleans(), min_size=size, max_size=size))))
    axis += 1
  if draw(st.booleans()):
    idx.insert(draw(st.integers(0, len(idx))), Ellipsis)
  return shape, tuple(idx)


def _jnp_index(idx):
  return tuple(jnp.asarray(i) if isinstance(i, np.ndarray) else i for i in idx)


@settings(max_examples=150, deadline=None)
@given(index_case())
def test_getitem_matches_numpy(case):
  shape, idx = case
  x = np.arange(np.prod(shape), dtype=np.float32).reshape(shape)
  try:
    expected = x[idx]
  except IndexError:  # shape mismatches between advanced indices: nothing to compare
    return
  got = jnp.asarray(x)[_jnp_index(idx)]
  np.testing.assert_array_equal(np.asarray(got), expected)
  np.testing.assert_array_equal(np.asarray(staged(lambda a: a[_jnp_index(idx)], x)), expected)


@settings(max_examples=100, deadline=None)
@given(index_case(allow_none=False), st.sampled_from(["set", "add", "min", "max", "multiply"]))
def test_at_update_matches_numpy(case, method):
  shape, idx = case
  x = np.arange(np.prod(shape), dtype=np.float32).reshape(shape) - 5
  try:
    target_shape = x[idx].shape
  except IndexError:
    return
  y = (np.arange(np.prod(target_shape), dtype=np.float32).reshape(target_shape) * 0.5 - 3)
  expected = x.copy()
  if method == "set":
    expected[idx] = y
  else:
    ufunc = {"add": np.add, "min": np.minimum, "max": np.maximum,
             "multiply": np.multiply}[method]
    ufunc.at(expected, idx, y)
  got = getattr(jnp.asarray(x).at[_jnp_index(idx)], method)(jnp.asarray(y))
  staged_got = staged(lambda a, b: getattr(a.at[_jnp_index(idx)], method)(b), x, y)
  if method == "set" and any(isinstance(i, np.ndarray) for i in idx):
    # Repeated positions keep one of their updates: compare where positions are unique.
    count = np.zeros(shape, int)
    np.add.at(count, idx, 1)
    keep = count <= 1
    np.testing.assert_array_equal(np.asarray(got)[keep], expected[keep])
    np.testing.assert_array_equal(np.asarray(staged_got)[keep], expected[keep])
  else:
    np.testing.assert_allclose(np.asarray(got), expected, rtol=1e-6)
    np.testing.assert_allclose(np.asarray(staged_got), expected, rtol=1e-6)


# ---------------------------------------------------------------------------
# JAX's results where NumPy has none (values from JAX 0.10.2)

def test_out_of_bounds_reads_clamp():
  x = jnp.arange(3.)
  assert float(x[5]) == 2.0 and float(x[-4]) == 0.0
  np.testing.assert_array_equal(x[jnp.array([5, -7])], [2.0, 0.0])
  np.testing.assert_array_equal(jaxlite.jit(lambda a, i: a[i])(x, jnp.array([5, -7])),
                                [2.0, 0.0])
  np.testing.assert_array_equal(staged(lambda a: a[5], x), 2.0)
  np.testing.assert_array_equal(staged(lambda a, i: a[i], x, jnp.array(-9)), 0.0)


def test_out_of_bounds_get_fill():
  x = jnp.arange(3.)
  np.testing.assert_array_equal(x.at[jnp.array([5, -7])].get(mode="fill"), [np.nan, np.nan])
  np.testing.assert_array_equal(x.at[jnp.array([5, -1])].get(mode="fill", fill_value=-1.),
                                [-1.0, 2.0])
  assert int(jnp.arange(3).at[7].get(mode="fill")) == np.iinfo(np.int32).min
  np.testing.assert_array_equal(x.at[jnp.array([5, -1])].get(mode="clip"), [2.0, 2.0])


def test_out_of_bounds_updates_drop():
  np.testing.assert_array_equal(jnp.ones(3).at[5].set(2.), [1.0, 1.0, 1.0])
  np.testing.assert_array_equal(jnp.ones(3).at[-1].set(2.), [1.0, 1.0, 2.0])
  np.testing.assert_array_equal(jnp.arange(3.).at[jnp.array([5, -7])].set(9.), [0., 1., 2.])
  np.testing.assert_array_equal(jnp.arange(3.).at[5].add(9., mode="clip"), [0., 1., 11.])
  np.testing.assert_array_equal(staged(lambda a: a.at[5].set(2.), jnp.ones(3)), [1., 1., 1.])


def test_size_zero_axis_errors():
  with pytest.raises(IndexError, match="index is out of bounds for axis 0 with size 0"):
    jnp.zeros((0, 3))[0]


def test_repeated_indices_accumulate():
  x = jnp.zeros(4)
  np.testing.assert_array_equal(x.at[jnp.array([1, 1, 3, 1])].add(1.), [0., 3., 0., 1.])
  np.testing.assert_array_equal(jnp.ones(3).at[jnp.array([0, 0])].multiply(3.), [9., 1., 1.])
  np.testing.assert_array_equal(jnp.zeros(3).at[jnp.array([2, 2])].min(jnp.array([-1., -5.])),
                                [0., 0., -5.])
  np.testing.assert_array_equal(jnp.zeros(3).at[jnp.array([2, 2])].subtract(2.), [0., 0., -4.])
  np.testing.assert_array_equal(jnp.arange(4.).at[jnp.array([1, 1])].apply(lambda v: v * 2 + 1),
                                [0., 7., 2., 3.])


def test_at_divide_power_and_dtypes():
  x = jnp.arange(12.).reshape(3, 4)
  np.testing.assert_array_equal(x.at[:, 1].divide(2.)[:, 1], [0.5, 2.5, 4.5])
  np.testing.assert_array_equal(x.at[0, 1:3].power(2)[0], [0., 1., 4., 3.])
  np.testing.assert_array_equal(x.at[1, ::2].multiply(jnp.array([2., 3.]))[1], [8., 5., 18., 7.])
  with warnings.catch_warnings(record=True) as w:
    warnings.simplefilter("always")
    out = jnp.ones(3, jnp.int32).at[0].set(2.7)
  assert out.dtype == np.int32 and out.tolist() == [2, 1, 1]
  assert any(issubclass(r.category, FutureWarning) for r in w)
  weak = jnp.asarray(1.0).at[()].set(3)
  assert weak.weak_type and float(weak) == 3.0


def test_scalar_and_mask_indices():
  x = jnp.arange(12.).reshape(3, 4)
  assert x[True].shape == (1, 3, 4) and x[False].shape == (0, 3, 4)
  np.testing.assert_array_equal(x[jnp.array([True, False, True])], np.asarray(x)[[0, 2]])
  np.testing.assert_array_equal(x.at[jnp.array([True, False, True])].get(), np.asarray(x)[[0, 2]])
  assert int(jnp.arange(5)[jnp.array(7, jnp.uint8)]) == 4


def test_index_errors():
  x = jnp.arange(3.)
  with pytest.raises(TypeError, match="Indexer must have integer or boolean type, got indexer "
                     "with type float64"):
    x[1.5]
  with pytest.raises(TypeError, match=r"use `arr\[array\(seq\)\]` instead of `arr\[seq\]`"):
    x[[0, 1]]
  with pytest.raises(TypeError, match=r"use `arr\[tuple\(seq\)\]`"):
    x[[0, slice(None)]]
  with pytest.raises(IndexError, match="Too many indices: array is 1-dimensional, but 2 were "
                     "indexed"):
    x[0, 0]
  with pytest.raises(IndexError, match="an index can only have a single ellipsis"):
    x[..., ...]
  with pytest.raises(IndexError, match=r"boolean index did not match shape of indexed array in "
                     r"index 0: got \(2,\), expected \[3\]"):
    x[jnp.array([True, False])]
  with pytest.raises(jaxlite.errors.NonConcreteBooleanIndexError,
                     match="Array boolean indices must be concrete; got bool"):
    jaxlite.jit(lambda a: a[a > 1])(x)
  with pytest.raises(IndexError, match="Slice entries must be static integers"):
    jaxlite.jit(lambda a, i: a[i:i + 2])(x, 1)
  with pytest.raises(TypeError, match=r"x = x.at\[idx\].set\(y\)"):
    x[0] = 1.0


# ---------------------------------------------------------------------------
# Transformations

def test_grad_through_indexing():
  x = jnp.arange(12.).reshape(3, 4)
  g = jaxlite.grad(lambda a: a[1, 2:].sum() * 2 + a[jnp.array([0, 0, 2]), 1].sum())(x)
  np.testing.assert_array_equal(g, [[0., 2., 0., 0.], [0., 0., 2., 2.], [0., 1., 0., 0.]])
  g = jaxlite.grad(lambda a: a[::-2, None].sum() + a[..., -1].sum())(x)
  np.testing.assert_array_equal(g, [[1., 1., 1., 2.], [0., 0., 0., 1.], [1., 1., 1., 2.]])


def test_grad_through_at_updates():
  x = jnp.arange(12.).reshape(3, 4)
  np.testing.assert_array_equal(jaxlite.grad(lambda a: (a.at[1].set(3.) ** 2).sum())(x),
                                [[0., 2., 4., 6.], [0., 0., 0., 0.], [16., 18., 20., 22.]])
  rows = jnp.array([0, 0])
  np.testing.assert_array_equal(
      jaxlite.grad(lambda v: (x.at[rows, 1].set(v) ** 2).sum())(jnp.array([2., 5.])), [0., 10.])
  np.testing.assert_array_equal(
      jaxlite.grad(lambda v: (x.at[rows, 1].add(v) ** 2).sum())(jnp.array([2., 5.])), [16., 16.])
  np.testing.assert_array_equal(
      jaxlite.grad(lambda a: (a.at[rows, 1].set(7.) ** 2).sum())(x)[0], [0., 0., 4., 6.])
  np.testing.assert_array_equal(
      jaxlite.grad(lambda a: (a.at[0].max(jnp.array([1., 10., 1., 10.])) ** 2).sum())(x)[0],
      [0., 0., 4., 0.])


def test_vmap_of_indexing():
  x = jnp.arange(12.).reshape(3, 4)
  np.testing.assert_array_equal(jaxlite.vmap(lambda r, i: r[i])(x, jnp.array([0, 5, -1])),
                                [0., 7., 11.])
  np.testing.assert_array_equal(jaxlite.vmap(lambda i: x[i, ::-1])(jnp.array([[0, 1], [2, 2]])),
                                np.asarray(x)[[[0, 1], [2, 2]], ::-1])
  np.testing.assert_array_equal(jaxlite.vmap(lambda r, i: r.at[i].add(1.))(x, jnp.array([1, 1, 7])),
                                np.asarray(x) + [[0, 1, 0, 0], [0, 1, 0, 0], [0, 0, 0, 0]])
  np.testing.assert_array_equal(
      jaxlite.vmap(lambda r, i: lax.dynamic_slice(r, (i,), (2,)))(x, jnp.array([3, -1, 1])),
      [[2., 3.], [6., 7.], [9., 10.]])


def test_jit_with_traced_indices():
  x = jnp.arange(12.).reshape(3, 4)
  f = jaxlite.jit(lambda a, i, j: a[i, j] + a[i, 1:3].sum() + a[j - 1])
  np.testing.assert_array_equal(f(x, 2, jnp.array(1)), 9. + 19. + np.asarray(x)[0])
  g = jaxlite.jit(lambda a, i, v: a.at[i].add(v))
  np.testing.assert_array_equal(g(jnp.zeros(4), jnp.array([1, 1, 3]), 2.), [0., 4., 0., 2.])


# ---------------------------------------------------------------------------
# The jaxprs of indexing (JAX 0.10.2, /work/scratch/refs/core.txt)

def _dn(offset, collapsed, start):
  return lax.GatherDimensionNumbers(offset_dims=offset, collapsed_slice_dims=collapsed,
                                    start_index_map=start)


def test_jaxprs_of_basic_indexing():
  x = jnp.ones((4, 3))
  assert eqn_summary(lambda a: a[0], x) == [
      ("slice", dict(start_indices=(0, 0), limit_indices=(1, 3), strides=None)),
      ("squeeze", dict(dimensions=(0,)))]
  assert eqn_summary(lambda a: a[1:3], x) == [
      ("slice", dict(start_indices=(1, 0), limit_indices=(3, 3), strides=None))]
  assert [n for n, _ in eqn_summary(lambda a: a[::-1], x)] == ["rev"]
  assert eqn_summary(lambda a: a[:, None], x) == [
      ("broadcast_in_dim", dict(shape=(4, 1, 3), broadcast_dimensions=(0, 2), sharding=None))]
  assert eqn_summary(lambda a: a[1, 2], x) == [
      ("slice", dict(start_indices=(1, 2), limit_indices=(2, 3), strides=None)),
      ("squeeze", dict(dimensions=(0, 1)))]
  traced = eqn_summary(lambda a, i: a[i], x, 1)
  assert [n for n, _ in traced] == ["convert_element_type", "lt", "add", "select_n", "lt", "add",
                                    "select_n", "dynamic_slice", "squeeze"]
  assert traced[7][1] == dict(slice_sizes=(1, 3))


def test_jaxprs_of_gather_and_scatter():
  x = jnp.ones((4, 3))
  eqns = eqn_summary(lambda a: a[jnp.array([0, 2])], x)
  assert [n for n, _ in eqns] == ["lt", "add", "select_n", "broadcast_in_dim", "gather"]
  assert eqns[-1][1] == dict(dimension_numbers=_dn((1,), (0,), (0,)), fill_value=None,
                             indices_are_sorted=False, unique_indices=False, slice_sizes=(1, 3),
                             mode=lax.GatherScatterMode.PROMISE_IN_BOUNDS)
  sdn = lax.ScatterDimensionNumbers(update_window_dims=(), inserted_window_dims=(0,),
                                    scatter_dims_to_operand_dims=(0,))
  for f, name, sorted_unique in [(lambda a: a.at[0].set(1.), "scatter", True),
                                 (lambda a: a.at[1].add(2.), "scatter-add", True),
                                 (lambda a: a.at[jnp.array([0, 2])].add(2.), "scatter-add", False)]:
    eqns = eqn_summary(f, jnp.ones(4))
    assert eqns[-1] == (name, dict(dimension_numbers=sdn, indices_are_sorted=sorted_unique,
                                   unique_indices=sorted_unique, update_consts=(),
                                   mode=lax.GatherScatterMode.FILL_OR_DROP))
  text = str(jaxlite.make_jaxpr(lambda a: a.at[1].add(2.))(jnp.ones(4)))
  assert "update_jaxpr={ lambda ; " in text and "= add " in text
  assert "update_jaxpr=None" in str(jaxlite.make_jaxpr(lambda a: a.at[0].set(1.))(jnp.ones(4)))


# ---------------------------------------------------------------------------
# Index functions (values from JAX 0.10.2)

def test_take_and_take_along_axis():
  x = jnp.arange(12.).reshape(3, 4)
  i = jnp.array([0, 5, -1])
  np.testing.assert_array_equal(jnp.take(x, i, axis=1)[0], [0., np.nan, 3.])
  np.testing.assert_array_equal(jnp.take(x, i, axis=1, mode="clip")[0], [0., 3., 0.])
  np.testing.assert_array_equal(jnp.take(x, jnp.array([1, 11])), [1., 11.])
  np.testing.assert_array_equal(jnp.take(x, jnp.array([4, -13]), mode="wrap"), [4., 11.])
  np.testing.assert_array_equal(jaxlite.jit(lambda a, j: a.take(j, axis=0))(x, i)[:, 0],
                                [0., np.nan, 8.])
  jaxpr = jaxlite.make_jaxpr(lambda a, j: jnp.take(a, j, axis=1))(x, i)
  assert [(e.primitive.name, e.params["name"]) for e in jaxpr.eqns] == [("jit", "_take")]
  np.testing.assert_array_equal(jnp.take_along_axis(x, jnp.array([[0], [1], [5]]), axis=1),
                                [[0.], [5.], [np.nan]])
  np.testing.assert_array_equal(
      jnp.take_along_axis(x, jnp.array([[0], [-1], [5]]), axis=1, mode="clip"),
      [[0.], [7.], [11.]])
  with pytest.raises(ValueError, match="cannot modify arrays in-place"):
    jnp.put_along_axis(x, jnp.array([[0]]), 1., axis=1)
  np.testing.assert_array_equal(
      jnp.put_along_axis(x, jnp.array([[0], [1], [5]]), 1., axis=1, inplace=False),
      [[1., 1., 2., 3.], [4., 1., 6., 7.], [8., 9., 10., 11.]])


def test_nonzero_family():
  a = jnp.array([[0, 1], [1, 1]])
  np.testing.assert_array_equal(jnp.argwhere(a), [[0, 1], [1, 0], [1, 1]])
  np.testing.assert_array_equal(jnp.argwhere(a, size=4, fill_value=-1),
                                [[0, 1], [1, 0], [1, 1], [-1, -1]])
  assert jnp.argwhere(jnp.array(True)).shape == (1, 0)
  (idx,) = jnp.nonzero(jnp.array([0, 3, 0, 4]), size=3, fill_value=9)
  assert idx.dtype == np.int32 and idx.tolist() == [1, 3, 9]
  np.testing.assert_array_equal(jnp.flatnonzero(a), [1, 2, 3])
  with pytest.raises(jaxlite.errors.ConcretizationTypeError):
    jaxlite.jit(jnp.nonzero)(a)
  rows, cols = jaxlite.jit(lambda m: jnp.nonzero(m, size=4, fill_value=-1))(a)
  assert rows.tolist() == [0, 1, 1, -1] and cols.tolist() == [1, 0, 1, -1]
  np.testing.assert_array_equal(jaxlite.vmap(lambda r: jnp.nonzero(r, size=2)[0])(a),
                                [[1, 0], [0, 1]])


def test_index_grids():
  np.testing.assert_array_equal(jnp.tril_indices(3, 1, 4)[1], [0, 1, 0, 1, 2, 0, 1, 2, 3])
  np.testing.assert_array_equal(jnp.triu_indices(3, -1)[0], [0, 0, 0, 1, 1, 1, 2, 2])
  assert jnp.diag_indices(3)[0].tolist() == [0, 1, 2]
  a, b = jnp.ix_(jnp.array([0, 1]), jnp.array([2, 3, 4]))
  assert a.shape == (2, 1) and b.shape == (1, 3)
  assert jnp.indices((2, 3)).shape == (2, 2, 3) and jnp.indices((2, 3)).dtype == np.int32
  r, c = jnp.unravel_index(jnp.array([5, -1, 100, -100]), (3, 4))
  assert r.tolist() == [1, 2, 2, 0] and c.tolist() == [1, 3, 3, 0]
  assert jnp.ravel_multi_index((jnp.array([1, 5]), jnp.array([2, -1])), (3, 4),
                               mode="clip").tolist() == [6, 8]


# ---------------------------------------------------------------------------
# lax slicing functions (values and messages from JAX 0.10.2)

def test_lax_dynamic_slices_clamp():
  np.testing.assert_array_equal(lax.dynamic_slice(jnp.arange(5.), (3,), (3,)), [2., 3., 4.])
  np.testing.assert_array_equal(lax.dynamic_slice(jnp.arange(5.), (-2,), (2,)), [3., 4.])
  np.testing.assert_array_equal(lax.dynamic_slice(jnp.arange(5.), (-9,), (2,)), [0., 1.])
  np.testing.assert_array_equal(lax.dynamic_update_slice(jnp.zeros(5), jnp.ones(2) * 7, (4,)),
                                [0., 0., 0., 7., 7.])
  np.testing.assert_array_equal(lax.dynamic_update_slice(jnp.zeros(5), jnp.ones(2) * 7, (-1,)),
                                [0., 0., 0., 7., 7.])


def test_lax_in_dim_helpers():
  x = jnp.arange(12.).reshape(3, 4)
  np.testing.assert_array_equal(lax.slice_in_dim(x, -3, None, 2, 1), [[1., 3.], [5., 7.],
                                                                     [9., 11.]])
  assert lax.index_in_dim(x, -1, 1, keepdims=False).tolist() == [3., 7., 11.]
  assert lax.dynamic_index_in_dim(x, 5, keepdims=False).tolist() == [8., 9., 10., 11.]
  assert lax.dynamic_slice_in_dim(x, jnp.array(-1), 2, axis=1).shape == (3, 2)
  np.testing.assert_array_equal(lax.dynamic_update_slice_in_dim(x, jnp.ones((3, 2)), 3, 1)[0],
                                [0., 1., 1., 1.])
  np.testing.assert_array_equal(lax.dynamic_update_index_in_dim(x, jnp.ones(4), -1, 0)[2],
                                [1., 1., 1., 1.])
  eqns = jaxlite.make_jaxpr(lambda a, i: lax.dynamic_index_in_dim(a, i, 1))(x, 2).eqns
  assert [(e.primitive.name, e.params["name"]) for e in eqns] == [("jit", "dynamic_index_in_dim")]


GD, SD = lax.GatherDimensionNumbers, lax.ScatterDimensionNumbers


@pytest.mark.parametrize("fn, error, message", [
    (lambda x: lax.slice(x, (0, 0), (4, 4)), TypeError,
     "slice limit_indices must be less than or equal to operand shape, got limit_indices "
     "(4, 4) for operand shape (3, 4)."),
    (lambda x: lax.dynamic_slice(x, (0,), (1, 1)), ValueError,
     "Length of slice indices must match number of operand dimensions (1 vs (3, 4))"),
    (lambda x: lax.dynamic_update_slice(x, jnp.ones((1, 5)), (0, 0)), TypeError,
     "dynamic_update_slice update shape must be smaller than operand shape, got update shape "
     "(1, 5) for operand shape (3, 4)."),
    (lambda x: lax.gather(x, jnp.array([[0]]), GD((1,), (0,), (0,)), (2, 4)), TypeError,
     "Gather op can only collapse slice dims with bound 1, but bound is 2 for index 0 at "
     "position 0."),
    (lambda x: lax.gather(x, jnp.array([[0.]]), GD((1,), (0,), (0,)), (1, 4)), ValueError,
     "indices must have an integer type"),
    (lambda x: lax.gather(x, jnp.array([[0]]), GD((1,), (0,), (0,)), (1, 5)), TypeError,
     "Slice size at index 1 in gather op is out of range, must be within [0, 4 + 1), got 5."),
    (lambda x: lax.scatter_add(x, jnp.array([[0]]), jnp.ones((2, 4)), SD((1,), (0,), (0,))),
     TypeError, "Bounds of the scatter dimensions of updates must be the same as the bounds "
     "of the corresponding dimensions of scatter indices. For scatter dimension 0, updates "
     "bound is 2, indices bound is 1."),
    (lambda x: lax.scatter_add(x, jnp.array([[0]]), jnp.ones((1,)), SD((1,), (0,), (0,))),
     TypeError, "Updates tensor must be of rank 2; got 1."),
    (lambda x: lax.index_in_dim(x, 5, 1), IndexError,
     "index 5 is out of bounds for axis 1 with size 4"),
    (lambda x: lax.gather(x, jnp.array([[0]]), GD((1,), (0,), (0,)), (1, 4), mode="bogus"),
     ValueError, 'Unknown gather mode "bogus"'),
])
def test_lax_errors(fn, error, message):
  x = jnp.arange(12.).reshape(3, 4)
  with pytest.raises(error) as info:
    jaxlite.jit(fn)(x)
  assert str(info.value) == message
