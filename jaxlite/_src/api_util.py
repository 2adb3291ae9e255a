"""Argument handling shared by the transformations: argnums, axes specs, error text."""
from __future__ import annotations

import inspect

from jaxlite._src import tree_util


def fun_name(fun) -> str:
  return getattr(fun, "__name__", None) or type(fun).__name__


def fun_signature(fun):
  try:
    return inspect.signature(fun)
  except (TypeError, ValueError):
    return None


def check_argnums(argnums, nargs, what="argnums"):
  single = isinstance(argnums, int)
  nums = (argnums,) if single else tuple(argnums)
  for n in nums:
    if not isinstance(n, int):
      raise TypeError(f"{what} must be an int or a tuple of ints, got {argnums!r}")
    if not -nargs <= n < nargs:
      raise TypeError(f"Differentiating with respect to {what}={argnums} requires at least "
                      f"{max(nums) + 1} positional arguments to be passed by the caller, but "
                      f"got only {nargs} positional arguments.")
  return single, tuple(n % nargs for n in nums)


def flatten_axes(name, treedef, axis_tree, kws=False):
  """Broadcast a prefix pytree of axes (``in_axes``) to one entry per leaf of ``treedef``."""
  proxy = object()
  dummy = tree_util.tree_unflatten(treedef, [proxy] * treedef.num_leaves)
  axes = []

  def add_leaves(axis, subtree):
    n = tree_util.tree_structure(subtree).num_leaves
    axes.extend([axis] * n)

  try:
    tree_util.tree_map(add_leaves, axis_tree, dummy, is_leaf=lambda x: x is None)
  except ValueError as e:
    raise ValueError(f"{name} specification must be a tree prefix of the corresponding value, "
                     f"got specification {axis_tree} for value tree {treedef}.") from e
  return axes


def resolve_static_argnums(fun, static_argnums, static_argnames):
  """Fill in each of static_argnums/static_argnames from the other, as jax.jit does."""
  sig = fun_signature(fun)
  if static_argnums is None:
    static_argnums = ()
  elif isinstance(static_argnums, int):
    static_argnums = (static_argnums,)
  if static_argnames is None:
    static_argnames = ()
  elif isinstance(static_argnames, str):
    static_argnames = (static_argnames,)
  static_argnums = tuple(static_argnums)
  static_argnames = tuple(static_argnames)
  if sig is not None:
    params = list(sig.parameters.values())
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    names = set(static_argnames)
    nums = set(static_argnums)
    for i, p in enumerate(positional):
      if p.name in names and p.kind != p.POSITIONAL_ONLY:
        nums.add(i)
      if i in nums or (i - len(positional)) in nums:
        if p.kind != p.POSITIONAL_ONLY:
          names.add(p.name)
    static_argnums = tuple(sorted(nums))
    static_argnames = tuple(sorted(names))
  return static_argnums, static_argnames
