"""Arithmetic on pytrees of arrays (``optax.tree.add``, ``optax.tree.norm``...)."""
from __future__ import annotations

import functools
import operator

import jaxlite as jax
import jaxlite.numpy as jnp
from jaxlite.optax._src import numerics

_is_none = lambda x: x is None  # noqa: E731


def tree_add(tree_x, tree_y, *other_trees):
  """Leafwise sum of two or more trees.

  >>> import jaxlite.numpy as jnp
  >>> import jaxlite.optax as optax
  >>> optax.tree.add({'a': jnp.ones(2)}, {'a': jnp.ones(2)})
  {'a': Array([2., 2.], dtype=float32)}
  """
  return jax.tree.map(lambda *leaves: sum(leaves), tree_x, tree_y, *other_trees)


def tree_sub(tree_x, tree_y):
  return jax.tree.map(operator.sub, tree_x, tree_y)


def tree_mul(tree_x, tree_y):
  return jax.tree.map(operator.mul, tree_x, tree_y)


def tree_div(tree_x, tree_y):
  return jax.tree.map(operator.truediv, tree_x, tree_y)


def tree_scale(scalar, tree):
  return jax.tree.map(lambda x: scalar * x, tree)


def tree_add_scale(tree_x, scalar, tree_y):
  """``tree_x + scalar * tree_y``; ``None`` leaves of ``tree_x`` stay ``None``."""
  scalar = jnp.asarray(scalar)
  return jax.tree.map(lambda x, y: None if x is None else x + scalar * y,
                      tree_x, tree_y, is_leaf=_is_none)


def _vdot(a, b):
  a, b = jnp.asarray(a), jnp.asarray(b)
  if a.shape != b.shape:
    raise ValueError(f"tree_vdot needs leaves of equal shapes, got {a.shape} and {b.shape}.")
  return jnp.vdot(a, b)


def tree_vdot(tree_x, tree_y):
  """The sum over leaves of ``vdot(x_leaf, y_leaf)`` (conjugating ``tree_x``).

  >>> import jaxlite.numpy as jnp
  >>> import jaxlite.optax as optax
  >>> optax.tree.vdot({'a': jnp.array([1., 2.])}, {'a': jnp.array([3., 4.])})
  Array(11., dtype=float32)
  """
  vdots = jax.tree.map(_vdot, tree_x, tree_y)
  return jax.tree.reduce(operator.add, vdots, initializer=0)


def tree_sum(tree, associative_reduction: bool = False):
  """The sum of all the entries of all the leaves."""
  sums = jax.tree.map(jnp.sum, tree)
  if associative_reduction:
    return jax.tree.reduce_associative(operator.add, sums, identity=0)
  return jax.tree.reduce(operator.add, sums, initializer=0)


def _leaf_reduce(reducer):
  return lambda a: None if jnp.size(a) == 0 else reducer(a)


def tree_max(tree):
  maxes = jax.tree.map(_leaf_reduce(jnp.max), tree)
  return jax.tree.reduce(jnp.maximum, maxes, initializer=-float("inf"))


def tree_min(tree):
  mins = jax.tree.map(_leaf_reduce(jnp.min), tree)
  return jax.tree.reduce(jnp.minimum, mins, initializer=float("inf"))


def tree_size(tree) -> int:
  return sum(jnp.size(leaf) for leaf in jax.tree.leaves(tree))


def tree_conj(tree):
  return jax.tree.map(jnp.conj, tree)


def tree_real(tree):
  return jax.tree.map(jnp.real, tree)


def _square(leaf):
  return jnp.square(leaf.real) + jnp.square(leaf.imag)


def tree_norm(tree, ord=None, squared: bool = False):  # noqa: A002
  """The norm of the vector of all entries: ``ord`` in ``None``/2, 1, ``inf``.

  >>> import jaxlite.numpy as jnp
  >>> import jaxlite.optax as optax
  >>> optax.tree.norm({'a': jnp.array([3.]), 'b': jnp.array([4.])})
  Array(5., dtype=float32)
  """
  if ord is None or ord == 2:
    sqnorm = tree_sum(jax.tree.map(_square, tree))
    return jnp.array(sqnorm if squared else jnp.sqrt(sqnorm))
  if ord == 1:
    ret = tree_sum(jax.tree.map(jnp.abs, tree))
  elif ord == jnp.inf or ord in ("inf", "infinity"):
    ret = tree_max(jax.tree.map(jnp.abs, tree))
  else:
    raise ValueError(f"Unsupported ord: {ord}")
  return jnp.array(_square(jnp.asarray(ret)) if squared else ret)


def tree_batch_shape(tree, shape: tuple[int, ...] = ()):
  """Broadcasts every leaf to ``shape + leaf.shape``."""
  return jax.tree.map(lambda x: jnp.broadcast_to(x, (*shape, *jnp.shape(x))), tree)


def tree_zeros_like(tree, dtype=None):
  return jax.tree.map(lambda x: jnp.zeros_like(x, dtype=dtype), tree)


def tree_ones_like(tree, dtype=None):
  return jax.tree.map(lambda x: jnp.ones_like(x, dtype=dtype), tree)


def tree_full_like(tree, fill_value, dtype=None):
  return jax.tree.map(lambda x: jnp.full_like(x, fill_value, dtype=dtype), tree)


def tree_clip(tree, min_value=None, max_value=None):
  return jax.tree.map(lambda g: jnp.clip(g, min_value, max_value), tree)


def tree_update_moment(updates, moments, decay, order):
  """``(1 - decay) * g**order + decay * moment`` leafwise (an EMA of ``g**order``)."""
  return jax.tree.map(
      lambda g, t: None if g is None else (1 - decay) * (g ** order) + decay * t,
      updates, moments, is_leaf=_is_none)


def tree_update_infinity_moment(updates, moments, decay, eps):
  """``max(|g| + eps, decay * moment)`` leafwise."""
  return jax.tree.map(
      lambda g, t: g if g is None else jnp.maximum(jnp.abs(g) + eps, decay * t),
      updates, moments, is_leaf=_is_none)


def tree_update_moment_per_elem_norm(updates, moments, decay, order):
  """EMA of ``|g|**order`` (``g**order`` for real ``g``)."""
  def orderth_norm(g):
    if not jnp.issubdtype(jnp.result_type(g), jnp.complexfloating):
      return g ** order
    half_order = order / 2
    if half_order.is_integer():
      half_order = int(half_order)
    return numerics.abs_sq(g) ** half_order
  return jax.tree.map(
      lambda g, t: None if g is None else (1 - decay) * orderth_norm(g) + decay * t,
      updates, moments, is_leaf=_is_none)


def tree_bias_correction(moment, decay, count):
  """Divides every leaf by ``1 - decay**count`` (Adam's debiasing)."""
  bias_correction_ = 1 - decay ** count
  return jax.tree.map(lambda t: t / bias_correction_.astype(t.dtype), moment)


def tree_where(condition, tree_x, tree_y):
  return jax.tree.map(lambda x, y: jnp.where(condition, x, y), tree_x, tree_y)


def tree_allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan: bool = False):
  leaves = jax.tree.leaves(jax.tree.map(
      lambda x, y: jnp.allclose(x, y, rtol=rtol, atol=atol, equal_nan=equal_nan), a, b))
  return functools.reduce(operator.and_, leaves, True)
