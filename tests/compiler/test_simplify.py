"""Each algebraic simplification rule: what it removes, what it must leave alone, and that
the simplified program computes the same bits (signed zeros and NaNs included)."""
import numpy as np
import pytest

import jaxlite
from jaxlite import lax
from jaxlite._src.compiler import passes, simplify
from jaxlite._src.lax import elementwise as ew
from jaxlite._src.lax import misc, shapes

from compiler_util import check_same, primitive_names

X = np.array([[-0.0, 0.0, 1.5], [np.nan, -np.inf, -2.0]], np.float32)


def simplified_names(fn, *args):
  jaxpr = jaxlite.make_jaxpr(fn)(*args).jaxpr
  return [e.primitive.name for e in passes.dce(simplify.simplify(jaxpr)).eqns]


def test_identity_shape_ops_vanish():
  def f(x):
    x = shapes.reshape_p.bind(x, new_sizes=(2, 3), dimensions=None, sharding=None)
    x = shapes.transpose_p.bind(x, permutation=(0, 1))
    x = shapes.broadcast_in_dim_p.bind(x, shape=(2, 3), broadcast_dimensions=(0, 1),
                                       sharding=None)
    x = ew.convert_element_type_p.bind(x, new_dtype=np.dtype(np.float32), weak_type=False,
                                       sharding=None)
    x = shapes.squeeze_p.bind(x, dimensions=())
    return misc.copy_p.bind(x)
  assert simplified_names(f, X) == []
  assert primitive_names(check_same(f, X)) == []


def test_real_conversions_and_broadcasts_stay():
  def f(x):
    return (ew.convert_element_type_p.bind(x, new_dtype=np.dtype(np.int32), weak_type=False,
                                           sharding=None),
            lax.broadcast_in_dim(x, (4, 2, 3), (1, 2)))
  assert simplified_names(f, X) == ["convert_element_type", "broadcast_in_dim"]


def test_transpose_of_transpose_composes():
  x = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
  f = lambda x: lax.transpose(lax.transpose(x, (1, 2, 0)), (2, 0, 1))  # back to x
  assert simplified_names(f, x) == []
  g = lambda x: lax.transpose(lax.transpose(x, (1, 2, 0)), (1, 0, 2))
  jaxpr = passes.dce(simplify.simplify(jaxlite.make_jaxpr(g)(x).jaxpr))
  assert [e.params["permutation"] for e in jaxpr.eqns] == [(2, 1, 0)]
  check_same(g, x)


def test_reshape_of_reshape_collapses():
  x = np.arange(24, dtype=np.float32)
  f = lambda x: lax.reshape(lax.reshape(lax.reshape(x, (4, 6)), (2, 12)), (3, 8))
  jaxpr = passes.dce(simplify.simplify(jaxlite.make_jaxpr(f)(x).jaxpr))
  assert [(e.primitive.name, e.params["new_sizes"]) for e in jaxpr.eqns] == [
      ("reshape", (3, 8))]
  assert simplified_names(lambda x: lax.reshape(lax.reshape(x, (4, 6)), (24,)), x) == []
  check_same(f, x)


def test_broadcast_of_broadcast_composes():
  x = np.arange(3, dtype=np.float32)
  f = lambda x: lax.broadcast_in_dim(lax.broadcast_in_dim(x, (2, 3), (1,)), (4, 2, 3), (1, 2))
  jaxpr = passes.dce(simplify.simplify(jaxlite.make_jaxpr(f)(x).jaxpr))
  assert [(e.params["shape"], e.params["broadcast_dimensions"]) for e in jaxpr.eqns] == [
      ((4, 2, 3), (2,))]
  check_same(f, x)


def test_multiply_by_one():
  f = lambda x: (lax.mul(x, 1.0), lax.mul(1.0, x), x * lax.full(x.shape, 1.0, x.dtype))
  assert simplified_names(f, X) == []
  check_same(f, X)
  # A scalar times an array of ones is an array: the scalar cannot stand for it.
  g = lambda s: lax.mul(s, lax.full((3,), 1.0, np.float32))
  assert simplified_names(g, np.float32(2)) == ["broadcast_in_dim", "mul"]
  # (a+bj)*(1+0j) has a - b*0: NaN for an infinite b, so complex products stay.
  z = np.array([complex(1, np.inf)], np.complex64)
  assert simplified_names(lambda z: lax.mul(z, np.complex64(1)), z) == ["mul"]


def test_adding_zero_only_where_exact():
  # -0.0 + 0.0 is +0.0: adding +0.0 is not the identity, adding -0.0 is.
  assert simplified_names(lambda x: lax.add(x, 0.0), X) == ["add"]
  assert simplified_names(lambda x: lax.add(x, -0.0), X) == []
  assert simplified_names(lambda x: lax.sub(x, 0.0), X) == []
  assert simplified_names(lambda x: lax.sub(x, -0.0), X) == ["sub"]
  i = np.array([1, -2], np.int32)
  assert simplified_names(lambda x: (lax.add(x, 0), lax.sub(x, 0), lax.add(0, x)), i) == []
  for f in (lambda x: lax.add(x, 0.0), lambda x: lax.add(x, -0.0), lambda x: lax.sub(x, 0.0),
            lambda x: lax.sub(x, -0.0)):
    check_same(f, X)


def test_select_with_known_predicate_or_equal_cases():
  # An out-of-range integer predicate picks the last case, as the impl's clip does.
  f = lambda x: (lax.select(True, x, -x), lax.select_n(np.int32(5), x, -x, x * 2))
  assert simplified_names(f, X) == ["mul"]
  check_same(f, X)
  g = lambda p, x: lax.select(p, x, x)
  assert simplified_names(g, X > 0, X) == []
  check_same(g, X > 0, X)


def test_neg_neg_integer_pow_one():
  f = lambda x: (lax.neg(lax.neg(x)), lax.integer_pow(x, 1))
  assert simplified_names(f, X) == []
  check_same(f, X)
  assert simplified_names(lambda x: lax.integer_pow(x, 2), X) == ["integer_pow"]


@pytest.mark.parametrize("rule", sorted(simplify.rules))
def test_every_rule_is_exercised(rule):
  # A rule registered under a name no primitive has would never fire.
  from jaxlite._src.core import all_primitives
  assert rule in all_primitives
