"""Dtype handling for pytrees: cast, cast like another tree, find the tree's dtype."""
from __future__ import annotations

import functools

import jaxlite as jax
import jaxlite.numpy as jnp


def tree_cast_like(tree, other_tree):
  """Casts each leaf to the dtype of the matching leaf of ``other_tree``."""
  return jax.tree.map(lambda t, o: t.astype(o.dtype) if hasattr(o, "dtype") else t,
                      tree, other_tree)


def tree_cast(tree, dtype):
  """Casts every leaf to ``dtype``; ``dtype=None`` leaves the tree unchanged.

  >>> import jaxlite.numpy as jnp
  >>> import jaxlite.optax as optax
  >>> optax.tree.cast({'a': jnp.ones(1)}, jnp.int32)
  {'a': Array([1], dtype=int32)}
  """
  if dtype is None:
    return tree
  return jax.tree.map(lambda t: t.astype(dtype), tree)


def _lower_dtype(dtype1, dtype2):
  if jnp.promote_types(dtype1, dtype2) == dtype1:
    return dtype2
  if jnp.promote_types(dtype1, dtype2) == dtype2:
    return dtype1
  raise ValueError(
      f"Cannot compare dtype of dtype1={dtype1!r} and dtype2={dtype2!r}. Neither "
      f"{dtype1} nor {dtype2} can be promoted to the other.")


def _higher_dtype(dtype1, dtype2):
  return dtype2 if _lower_dtype(dtype1, dtype2) == dtype1 else dtype1


def tree_dtype(tree, mixed_dtype_handler=None):
  """The common dtype of the leaves.

  ``mixed_dtype_handler``: ``None`` (all leaves must agree), ``'promote'``,
  ``'highest'`` or ``'lowest'`` (in the promotion order).
  """
  leaves = jax.tree.leaves(tree)
  if not leaves:
    return jnp.asarray(leaves).dtype
  dtypes = [jnp.asarray(x).dtype for x in leaves]
  if mixed_dtype_handler is None:
    errs = [f"Expected dtype={dtypes[0]!r} for {jax.tree_util.keystr(path)} but got {d}."
            for (path, _), d in zip(jax.tree_util.tree_leaves_with_path(tree), dtypes)
            if d != dtypes[0]]
    if errs:
      raise ValueError("\n".join(errs))
    return dtypes[0]
  if mixed_dtype_handler == "promote":
    return functools.reduce(jnp.promote_types, dtypes)
  if mixed_dtype_handler == "highest":
    return functools.reduce(_higher_dtype, dtypes)
  if mixed_dtype_handler == "lowest":
    return functools.reduce(_lower_dtype, dtypes)
  raise ValueError(
      f"Invalid value for mixed_dtype_handler={mixed_dtype_handler!r}, possible values "
      'are: None, "promote", "highest", "lowest".')
