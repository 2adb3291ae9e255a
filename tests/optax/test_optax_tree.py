"""``optax.tree`` / ``optax.tree_utils``: tree arithmetic, norms, dtypes, and reading or
editing optimizer states by name. Expected values come from optax 0.2.8."""
import numpy as np
import pytest

import jaxlite.numpy as jnp
import jaxlite.optax as optax

T = optax.tree
X = {'a': jnp.array([1., -2., 3.]), 'b': (jnp.array([[0.5, -4.]]), jnp.array(2.))}
Y = {'a': jnp.array([0.5, 0.5, -1.]), 'b': (jnp.array([[2., 1.]]), jnp.array(-3.))}


def close(a, b):
  np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-6, atol=1e-7)


def test_reductions_and_norms():
  close(T.norm(X), 5.8523498)
  close(T.norm(X, ord=1), 12.5)
  close(T.norm(X, ord='inf'), 4.0)
  close(T.norm(X, squared=True), 34.25)
  close(T.norm(X, ord=1, squared=True), 156.25)
  close(T.vdot(X, Y), -12.5)
  close(T.sum(X), 0.5)
  close(T.max(X), 3.0)
  close(T.min(X), -4.0)
  assert T.size(X) == 6
  with pytest.raises(ValueError, match="Unsupported ord"):
    T.norm(X, ord=3)


def test_leafwise_arithmetic():
  close(T.add(X, Y, Y)['a'], [2., -1., 1.])
  close(T.sub(X, Y)['a'], [0.5, -2.5, 4.])
  close(T.mul(X, Y)['a'], [0.5, -1., -3.])
  close(T.div(X, Y)['a'], [2., -4., -3.])
  close(T.scale(2., X)['a'], [2., -4., 6.])
  close(T.add_scale(X, 0.5, Y)['a'], [1.25, -1.75, 2.5])
  close(T.clip(X, -1., 1.)['a'], [1., -1., 1.])
  close(T.where(True, X, Y)['a'], [1., -2., 3.])
  close(T.full_like(X, 3)['b'][1], 3.)
  assert T.zeros_like(X, jnp.int32)['a'].dtype == jnp.int32
  assert T.batch_shape(X, (2,))['b'][0].shape == (2, 1, 2)
  assert T.allclose(X, X)
  assert T.cast(X, jnp.bfloat16)['a'].dtype == jnp.bfloat16
  with pytest.raises(ValueError):  # the trees must have the same structure
    T.add(X, {'a': Y['a']})


def test_moment_updates_and_bias_correction():
  close(T.bias_correction(X, 0.9, jnp.asarray(3, jnp.int32))['a'],
        [3.6900358, -7.3800716, 11.070107])
  close(T.update_moment(X, Y, 0.9, 2)['a'], [0.55, 0.85, 5.9604645e-08])
  close(T.update_moment_per_elem_norm(X, Y, 0.9, 2)['a'], [0.55, 0.85, 5.9604645e-08])
  close(T.update_infinity_moment(X, Y, 0.9, 1e-3)['a'], [1.001, 2.001, 3.001])


def test_tree_dtype():
  mixed = {'a': jnp.ones(1, jnp.bfloat16), 'b': jnp.ones(1)}
  assert T.dtype(mixed, 'highest') == jnp.float32
  assert T.dtype(mixed, 'lowest') == jnp.bfloat16
  assert T.dtype({'a': jnp.ones(1, jnp.bfloat16), 'b': jnp.ones(1, jnp.float16)},
                 'promote') == jnp.float32
  with pytest.raises(ValueError, match="Expected dtype"):
    T.dtype(mixed)
  with pytest.raises(ValueError, match="mixed_dtype_handler"):
    T.dtype(mixed, 'median')


def test_get_and_set_state_fields_by_name():
  state = optax.chain(optax.add_decayed_weights(0.1),
                      optax.inject_hyperparams(optax.adam)(0.1)).init(X)
  close(T.get(state, 'learning_rate'), 0.1)
  assert T.get(state, 'hyperparams_states') == {}
  assert T.get(state, 'missing', 'dflt') == 'dflt'
  two_adams = optax.chain(optax.adam(1.), optax.adam(1.)).init(X)
  with pytest.raises(KeyError, match="multiple values"):
    T.get(two_adams, 'count')
  paths = T.get_all_with_path(two_adams, 'count')
  assert [str(path[-1]) for path, _ in paths] == ['ScaleByAdamState.count'] * 2
  new_state = T.set(state, learning_rate=jnp.asarray(0.5))
  close(new_state[1].hyperparams['learning_rate'], 0.5)
  close(T.get(new_state, 'b1'), 0.9)
  with pytest.raises(KeyError, match="Found no values matching 'nope'"):
    T.set(state, nope=1)


def test_tree_utils_names_and_deprecated_aliases():
  assert optax.tree_utils.tree_add is T.add
  assert optax.tree_utils.tree_get is T.get
  with pytest.warns(DeprecationWarning, match="tree_l2_norm is deprecated"):
    l2 = optax.tree_utils.tree_l2_norm
  close(l2(X), 5.8523498)
  with pytest.raises(AttributeError):
    optax.tree_utils.tree_nothing  # noqa: B018
