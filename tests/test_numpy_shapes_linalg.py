"""jnp arrangement, creation and contraction functions against NumPy."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import jaxlite as jax
import jaxlite.numpy as jnp

rng = np.random.default_rng(0)
X = rng.normal(size=(3, 4, 5)).astype(np.float32)


def _same(a, b, **kw):
  a = np.asarray(a)
  b = np.asarray(b)
  assert a.shape == b.shape, (a.shape, b.shape)
  np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5, **kw)


@pytest.mark.parametrize("name,args", [
    ("moveaxis", (X, 0, -1)), ("moveaxis", (X, (0, 1), (2, 0))), ("swapaxes", (X, 0, 2)),
    ("rollaxis", (X, 2)), ("hstack", ((X, X),)), ("vstack", ((X, X),)), ("dstack", ((X, X),)),
    ("column_stack", ((X[0, 0], X[0, 1]),)), ("tile", (X[0], (2, 3))), ("tile", (X[0, 0], 2)),
    ("repeat", (X[0], 2)), ("repeat", (X[0], 2, 1)), ("repeat", (X[0, 0], [1, 0, 2, 1, 3])),
    ("flip", (X,)), ("flip", (X, 1)), ("fliplr", (X,)), ("flipud", (X,)), ("roll", (X, 2)),
    ("roll", (X, -1, 1)), ("roll", (X, (1, 2), (0, 2))), ("rot90", (X[0],)),
    ("rot90", (X[0], 3)), ("rot90", (X, 2, (1, 2))), ("resize", (X[0, 0], (3, 4))),
    ("append", (X[0], X[1], 0)), ("delete", (X[0, 0], [1, 3])), ("insert", (X[0, 0], 2, 9.0)),
    ("atleast_3d", (X[0, 0],)), ("tril", (X[0], -1)), ("triu", (X[0], 1)),
    ("diagonal", (X, 1, 1, 2)), ("trace", (X[0],)), ("diag", (X[0, 0],)), ("diag", (X[0], 1)),
    ("kron", (X[0, :2, :2], X[1, :3, :2])), ("outer", (X[0, 0], X[0, 1])),
    ("inner", (X[0], X[1])), ("tensordot", (X, X[0], ([1, 2], [0, 1]))),
    ("cross", (X[0, :, :3], X[1, :, :3])), ("vander", (X[0, 0], 3)),
])
def test_matches_numpy(name, args):
  _same(getattr(jnp, name)(*args), getattr(np, name)(*args))


def test_splits():
  for fn in ("split", "array_split"):
    for got, want in zip(getattr(jnp, fn)(X, 3 if fn == "split" else 2, axis=0),
                         getattr(np, fn)(X, 3 if fn == "split" else 2, axis=0)):
      _same(got, want)
  for got, want in zip(jnp.split(X, [1, 3], axis=1), np.split(X, [1, 3], axis=1)):
    _same(got, want)
  with pytest.raises(ValueError, match="array split does not result in an equal division"):
    jnp.split(X, 2, axis=2)


def test_ranges_and_grids():
  _same(jnp.linspace(0, 1, 7), np.linspace(0, 1, 7, dtype=np.float32))
  _same(jnp.linspace(2, 3, 5, endpoint=False), np.linspace(2, 3, 5, endpoint=False))
  out, step = jnp.linspace(0, 10, 5, retstep=True)
  assert float(step) == 2.5 and out.dtype == np.float32
  _same(jnp.linspace(jnp.zeros(2), jnp.ones(2), 3, axis=1), np.linspace(np.zeros(2), np.ones(2),
                                                                         3, axis=1))
  _same(jnp.logspace(0, 2, 3), np.logspace(0, 2, 3))
  _same(jnp.geomspace(1, 1000, 4), np.geomspace(1, 1000, 4))
  for g, w in zip(jnp.meshgrid(jnp.arange(3), jnp.arange(2)), np.meshgrid(np.arange(3),
                                                                        np.arange(2))):
    _same(g, w)
  _same(jnp.mgrid[0:3, 0:2], np.mgrid[0:3, 0:2])
  _same(jnp.indices((2, 3)), np.indices((2, 3)))
  _same(jnp.tri(3, 4, 1), np.tri(3, 4, 1))
  assert jnp.linspace(0, 5, 3, dtype=jnp.int32).tolist() == [0, 2, 5]


@pytest.mark.parametrize("spec,shapes", [
    ("ij,jk->ik", [(2, 3), (3, 4)]), ("ij,jk->", [(2, 3), (3, 4)]), ("ii->i", [(3, 3)]),
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]), ("ijk,ikl,lm->jm", [(2, 3, 4), (2, 4, 5), (5, 6)]),
    ("ab,cd->abcd", [(2, 3), (4, 5)]), ("abc->ca", [(2, 3, 4)]), ("i,i", [(4,), (4,)]),
    ("...ij,...jk->...ik", [(2, 3, 4), (2, 4, 2)]),
])
def test_einsum_matches_numpy(spec, shapes):
  ops = [rng.normal(size=s).astype(np.float32) for s in shapes]
  _same(jnp.einsum(spec, *ops), np.einsum(spec, *ops))
  grads = jax.grad(lambda *o: jnp.sum(jnp.einsum(spec, *o) ** 2), argnums=0)(*ops)
  assert grads.shape == shapes[0]


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(1, 4), min_size=1, max_size=3), st.integers(-5, 5))
def test_roll_and_tile_hypothesis(shape, shift):
  x = np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape)
  _same(jnp.roll(x, shift, axis=-1), np.roll(x, shift, axis=-1))
  _same(jnp.tile(x, (2,) * len(shape)), np.tile(x, (2,) * len(shape)))


def test_traced_roll_and_repeat_with_total_length():
  f = jax.jit(lambda x, s: jnp.roll(x, s))
  _same(f(jnp.arange(5.0), 2), np.roll(np.arange(5.0), 2))
  g = jax.jit(lambda x, r: jnp.repeat(x, r, total_repeat_length=6))
  _same(g(jnp.arange(3.0), jnp.array([1, 2, 3])), np.repeat(np.arange(3.0), [1, 2, 3]))


def test_column_stack_of_an_array_iterates_its_rows():
  assert jnp.column_stack(jnp.arange(3.)).shape == (1, 3)  # three scalars side by side
  assert jnp.column_stack([jnp.arange(3.)]).shape == (3, 1)
  assert jnp.column_stack((jnp.arange(3.), jnp.ones((3, 2)))).shape == (3, 3)


@pytest.mark.parametrize("precision", ["highest", "float32", jax.lax.Precision.HIGHEST,
                                       ("highest", jax.lax.Precision.HIGHEST)])
def test_precision_is_canonicalized_to_a_pair_as_in_jax(precision):
  a, b = jnp.ones((2, 3)), jnp.ones((3, 2))
  text = str(jax.make_jaxpr(lambda a, b: jnp.dot(a, b, precision=precision))(a, b))
  assert "precision=(Precision.HIGHEST, Precision.HIGHEST)" in text
  np.testing.assert_array_equal(np.asarray(jax.jit(
      lambda a, b: jnp.matmul(a, b, precision=precision))(a, b)), np.full((2, 2), 3.))


def test_bad_precision_is_jax_value_error():
  with pytest.raises(ValueError, match="'fast' is not a valid Precision"):
    jnp.dot(jnp.ones(2), jnp.ones(2), precision="fast")


# jnp.matmul lowers as JAX does: batch dimensions only one operand has are free dimensions
# (one GEMM, not a batch of GEMMs with a broadcast operand); size-1 ones are squeezed.
# The dot_general dimension numbers and the surrounding ops come from JAX 0.10.2's jaxprs.
@pytest.mark.parametrize("sa, sb, dims, others", [
    ((8, 128, 256), (256, 64), "(([2], [0]), ([], []))", []),
    ((3, 4), (2, 4, 5), "(([1], [1]), ([], []))", ["transpose[permutation=(1, 0, 2)]"]),
    ((2, 1, 3, 4), (5, 4, 6), "(([2], [1]), ([], []))",
     ["squeeze[dimensions=(1,)]", "transpose[permutation=(0, 2, 1, 3)]"]),
    ((2, 3, 4), (2, 4, 5), "(([2], [1]), ([0], [0]))", []),
    ((1, 3, 4), (1, 4, 5), "(([1], [0]), ([], []))",
     ["squeeze[dimensions=(0,)]", "broadcast_in_dim[broadcast_dimensions=(1, 2)"]),
    ((2, 1, 3, 4), (1, 5, 4, 6), "(([2], [1]), ([], []))", ["transpose[permutation=(0, 2, 1, 3)]"]),
])
def test_matmul_lowers_batch_dimensions_like_jax(sa, sb, dims, others):
  rng = np.random.default_rng(0)
  a = rng.standard_normal(sa).astype(np.float32)
  b = rng.standard_normal(sb).astype(np.float32)
  np.testing.assert_allclose(jnp.matmul(a, b), a @ b, rtol=1e-5, atol=1e-5)
  text = str(jax.make_jaxpr(jnp.matmul)(a, b))
  assert text.count("dot_general") == 1 and f"dimension_numbers={dims}" in text, text
  for op in others:
    assert op in text, text
  assert text.count("transpose") == sum("transpose" in o for o in others), text


def test_matmul_incompatible_batch_dimensions_say_both_types():
  with pytest.raises(ValueError, match=r"Incompatible types for matmul arguments: "
                     r"float32\[2,3,4\] and float32\[3,4,5\]"):
    jnp.matmul(jnp.ones((2, 3, 4)), jnp.ones((3, 4, 5)))
