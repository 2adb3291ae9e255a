"""dot_general's operands become BLAS matrices without copies where their memory order
allows: a contraction over leading axes (the weight gradient of a batched dense layer) is a
reshape and a swap of axes, not a transpose and a copy."""
import numpy as np
import pytest

import jaxlite
from jaxlite import lax


@pytest.mark.parametrize("lhs_shape, rhs_shape, dims, spec", [
    ((8, 16, 32), (8, 16, 24), (((0, 1), (0, 1)), ((), ())), "btd,btn->dn"),
    ((4, 8, 16, 32), (4, 8, 16, 24), (((1, 2), (1, 2)), ((0,), (0,))), "abcd,abce->ade"),
    ((32, 8, 16), (8, 16, 24), (((1, 2), (0, 1)), ((), ())), "dab,abn->dn"),
])
def test_contractions_over_leading_axes_use_views(lhs_shape, rhs_shape, dims, spec):
  rng = np.random.default_rng(0)
  x = rng.standard_normal(lhs_shape).astype(np.float32)
  y = rng.standard_normal(rhs_shape).astype(np.float32)
  f = lambda x, y: lax.dot_general(x, y, dims)
  want = np.einsum(spec, x, y)
  eager, jitted = f(x, y), jaxlite.jit(f)(x, y)
  np.testing.assert_allclose(jitted, want, rtol=1e-4, atol=1e-4)
  np.testing.assert_array_equal(eager, jitted)   # the impl takes the same path
  text = jaxlite.jit(f).lower(x, y).as_text()
  assert "np.transpose" not in text, text


def test_swapped_layout_is_chosen_only_when_it_avoids_a_copy():
  from jaxlite._src.lax.dot import _swapped_layout
  assert _swapped_layout(3, (), (2,), (0, 1))          # x[b,t,d] contracted over b, t
  assert not _swapped_layout(3, (), (0, 1), (2,))      # already rows then columns
  assert not _swapped_layout(3, (), (1,), (0, 2))      # interleaved: a copy either way
  assert _swapped_layout(4, (0,), (3,), (1, 2))        # batch axis first
