"""``flax.core.lift``: JAX transforms applied to functions of Scopes.

``pack`` is the common step: the variables and rngs of the scopes are pulled out as plain
pytrees (grouped by collection filters), the JAX transform runs a pure function of them
that rebuilds fresh inner scopes, and the mutated collections are written back. Each
transform below only decides how the groups map through its JAX counterpart.
"""
import collections
import functools
import threading
import warnings

import jaxlite
from jaxlite import random
from jaxlite.flax._src.core import axes_scan
from jaxlite.flax._src.core.frozen_dict import freeze, unfreeze
from jaxlite.flax._src.core.scope import (
    DenyList, LazyRng, Scope, group_collections, in_filter, intersect_filters,
    is_filter_empty, is_typed_key, subtract_filters, union_filters)
from jaxlite.flax._src.core.traverse import flatten_dict, unflatten_dict

__all__ = ["pack", "vmap", "scan", "jit", "checkpoint", "remat", "cond", "switch",
           "while_loop", "map_variables"]


def tree_map_rngs(fn, tree):
  """Maps ``fn`` over the keys in ``tree`` (typed key arrays count as one leaf)."""
  return jaxlite.tree_util.tree_map(fn, tree, is_leaf=is_typed_key)


def _dedup_scopes(scopes):
  """Drops scopes nested in other listed scopes; returns (roots, (root, path) per scope)."""
  paths = []
  minimal = collections.OrderedDict((s, ()) for s in scopes)
  for leaf in scopes:
    scope, max_parent, max_parent_path, path = leaf.parent, leaf, (), [leaf.name]
    while scope is not None:
      if scope in minimal:
        max_parent, max_parent_path = scope, tuple(reversed(path))
      path.append(scope.name)
      scope = scope.parent
    if max_parent is not leaf and leaf in minimal:
      del minimal[leaf]
    paths.append((max_parent, max_parent_path))
  return tuple(minimal), tuple(paths)


def _dup_scopes(orig_scopes, scopes, paths):
  mapping = dict(zip(orig_scopes, scopes))
  out = []
  for root, path in paths:
    scope = mapping[root]
    for name in path:
      scope = scope.push(name, reuse=True)
    out.append(scope)
  return out


def _transpose(xs):
  return tuple(zip(*xs))


def _partial_pack(scope_tree, in_variable_filters, out_variable_filters, rng_filters,
                  name=None):
  scopes, treedef = jaxlite.tree_util.tree_flatten(scope_tree)
  scopes, paths = _dedup_scopes(scopes)
  variable_groups_xs = []
  for scope in scopes:
    scope._populate_collections()
    variable_groups_xs.append(group_collections(scope._variables, in_variable_filters))
  variable_groups_xs_t = _transpose(variable_groups_xs)
  # Collections going in but not out are read-only inside the transform.
  for variable_group_xs in variable_groups_xs_t:
    for variable_group in variable_group_xs:
      for col_name, collection in variable_group.items():
        if not any(in_filter(f, col_name) for f in out_variable_filters):
          variable_group[col_name] = freeze(collection)
  rng_groups_xs_t = _transpose([group_collections(s.rngs, rng_filters) for s in scopes])
  inner_rng_counters = [s.rng_counters for s in scopes]

  def scope_fn(variable_groups_xs_t, rng_groups_xs_t, mutable_filter=True):
    mutable = False
    for out_filter in out_variable_filters:
      mutable = union_filters(mutable, out_filter)
    variable_groups_xs = _transpose(variable_groups_xs_t) or ((),) * len(scopes)
    rng_groups_xs = _transpose(rng_groups_xs_t) or ((),) * len(scopes)
    inner_scopes = []
    for variable_groups, rng_groups, scope, rng_counters in zip(
        variable_groups_xs, rng_groups_xs, scopes, inner_rng_counters):
      variables, rngs = {}, {}
      for group in variable_groups:
        variables.update(group)
      for group in rng_groups:
        rngs.update(group)
      variables = jaxlite.tree_util.tree_map(lambda x: x, variables)
      scope_mutable = intersect_filters(intersect_filters(scope.mutable, mutable),
                                        mutable_filter)
      debug_path = scope.debug_path
      if name:
        debug_path = (debug_path[:-1] + (f"{name}({debug_path[-1]})",) if debug_path
                      else (f"{name}()",))
      inner = Scope(variables, name=scope.name, rngs=rngs, mutable=scope_mutable,
                    parent=None, path=scope.path, debug_path=debug_path, flags=scope.flags)
      # The counters are shared with the outer scope: keys drawn inside stay fresh outside.
      inner.rng_counters = rng_counters
      inner_scopes.append(inner)
    return treedef.unflatten(_dup_scopes(scopes, inner_scopes, paths))

  def repack_fn(inner_scope_tree):
    inner_scopes = treedef.flatten_up_to(inner_scope_tree)
    inner_scopes, _ = _dedup_scopes(inner_scopes)
    out_variable_groups_xs = []
    for inner in inner_scopes:
      inner.invalidate()
      mutable_variables = {k: v for k, v in inner._variables.items()
                           if in_filter(inner.mutable, k)}
      groups = group_collections(mutable_variables, tuple(out_variable_filters) + (True,))
      remainder = tuple(groups[-1].keys())
      if remainder:
        raise ValueError(f"unmapped output variables: {remainder}")
      out_variable_groups_xs.append(groups[:-1])
    return _transpose(out_variable_groups_xs)

  def publish_results_fn(out_variable_groups_xs_t):
    for scope, out_variable_groups in zip(scopes, _transpose(out_variable_groups_xs_t)):
      for group in out_variable_groups:
        for col_name, collection in group.items():
          if not scope.is_mutable_collection(col_name):
            continue  # some transforms (scan) hand back read-only collections too
          for var_name, value in collection.items():
            scope.put_variable(col_name, var_name, value)

  return (scope_fn, repack_fn, variable_groups_xs_t, rng_groups_xs_t, publish_results_fn)


def pack(fn, in_variable_filters, out_variable_filters, rng_filters, name=None,
         enable_kwargs=False):
  """Lifts ``fn(scope_fn, repack_fn, variable_groups, rng_groups, *args)`` to scopes."""
  @functools.wraps(fn)
  def wrapper(scope_tree, *args, **kwargs):
    if not enable_kwargs and kwargs:
      warnings.warn(f'kwargs are not supported in {name}, so "{", ".join(kwargs)}" is(are) '
                    "ignored", RuntimeWarning)
      kwargs = {}
    scope_fn, repack_fn, variable_groups, rng_groups, publish = _partial_pack(
        scope_tree, in_variable_filters, out_variable_filters, rng_filters, name)
    y, out_variable_groups = fn(scope_fn, repack_fn, variable_groups, rng_groups, *args,
                                **kwargs)
    publish(out_variable_groups)
    return y
  return wrapper


def id_fn(x):
  return x


def map_variables(fn, mapped_collections, map_in_fn=id_fn, map_out_fn=id_fn, init=False,
                  mutable=False, rngs=True, variables=True):
  """Runs ``fn`` on a view of ``mapped_collections`` given by ``map_in_fn``."""
  is_target_out = mutable or init

  def wrapper(scope_fn, repack, variable_groups, rng_groups, *args, **kwargs):
    target, variables = variable_groups
    if init:
      scopes = scope_fn((target, variables), rng_groups)
      if any(not is_filter_empty(s.mutable) for s in jaxlite.tree_util.tree_leaves(scopes)):
        fn(scopes, *args, **kwargs)
        target, _ = repack(scopes)
        target = tuple(map_out_fn(x) for x in target)
    target = tuple(map_in_fn(unfreeze(x)) for x in target)
    mfilter = True
    if not is_target_out:
      mfilter = subtract_filters(mfilter, mapped_collections)
    scopes = scope_fn((target, variables), rng_groups, mutable_filter=mfilter)
    y = fn(scopes, *args, **kwargs)
    out_target, out_vars = repack(scopes)
    if is_target_out:
      out_target = tuple(map_out_fn(x) for x in out_target)
    return y, (out_target, out_vars)

  in_vars = (mapped_collections, variables)
  out_vars = in_vars if is_target_out else (False, subtract_filters(variables,
                                                                   mapped_collections))
  return pack(wrapper, in_vars, out_vars, (rngs,), enable_kwargs=True,
              name="map_variables")


def _unzip2(xs):
  ys = tuple(zip(*xs))
  return ys if ys else ((), ())


def _split_rng(rng, n):
  return random.split(random.clone(rng), n)


def vmap(fn, variable_axes, split_rngs, in_axes=0, out_axes=0, axis_size=None,
         axis_name=None, spmd_axis_name=None, metadata_params=None):
  """Lifted ``jax.vmap``: ``variable_axes`` maps collections (None: shared)."""
  variable_groups_in, variable_in_axes = _unzip2(variable_axes.items())
  rng_groups_f, rng_splits = _unzip2(split_rngs.items())
  rng_axes = tuple(0 if split else None for split in rng_splits)

  def inner(scope_fn, repack_fn, variable_groups, rng_groups, *args):
    def find_axis_size(axis, x):
      if axis is not None:
        leaves = jaxlite.tree_util.tree_leaves(x)
        if leaves:
          return leaves[0].shape[axis]
      return ()

    sizes = jaxlite.tree_util.tree_map(find_axis_size, (variable_in_axes, in_axes),
                                       (variable_groups, args), is_leaf=lambda x: x is None)
    sizes = set(jaxlite.tree_util.tree_leaves(sizes))
    if axis_size is None and len(sizes) == 1:
      (d_axis_size,) = sizes
    elif len(sizes) > 1:
      raise ValueError(f"Inconsistent batch axis sizes: {sizes}")
    elif axis_size is None:
      raise ValueError("axis_size should be specified manually.")
    else:
      d_axis_size = axis_size
    # Only the base key is split; the lazy suffix (path, counter) is folded in later.
    rng_groups = tuple(
        tree_map_rngs(lambda r: _split_rng(r, d_axis_size), g) if split else g
        for g, split in zip(rng_groups, rng_splits))

    @functools.partial(jaxlite.vmap, in_axes=(variable_in_axes, rng_axes, in_axes),
                       out_axes=(out_axes, variable_in_axes), axis_name=axis_name,
                       axis_size=axis_size)
    def mapped(variable_groups, rng_groups, args):
      scope = scope_fn(variable_groups, rng_groups)
      y = fn(scope, *args)
      return y, repack_fn(scope)

    return mapped(variable_groups, rng_groups, args)

  return pack(inner, variable_groups_in, variable_groups_in, rng_groups_f, name="vmap")


def scan(fn, variable_axes=None, variable_broadcast=False, variable_carry=False,
         split_rngs=None, in_axes=0, out_axes=0, length=None, reverse=False, unroll=1,
         data_transform=None, metadata_params=None, check_constancy_invariants=True,
         _split_transpose=False):
  """Lifted ``lax.scan``: ``fn(scope, carry, *xs) -> (carry, ys)``.

  Collections are scanned over (``variable_axes``), carried (``variable_carry``) or
  broadcast (``variable_broadcast``, created once from the first iteration).
  """
  del metadata_params, check_constancy_invariants, _split_transpose
  variable_groups_in, variable_in_axes = _unzip2((variable_axes or {}).items())
  rng_groups_f, rng_splits = _unzip2((split_rngs or {}).items())
  rng_axes = tuple(0 if split else axes_scan.broadcast for split in rng_splits)

  def inner(scope_fn, repack_fn, variable_groups, rng_groups, init, *args):
    def find_length(axis, x):
      if axis is not axes_scan.broadcast:
        leaves = jaxlite.tree_util.tree_leaves(x)
        if leaves:
          return leaves[0].shape[axis]
      return ()

    lengths = set(jaxlite.tree_util.tree_leaves(
        jaxlite.tree_util.tree_map(find_length, in_axes, args)))
    if length is None and len(lengths) == 1:
      (d_length,) = lengths
    elif len(lengths) > 1:
      raise ValueError(f"Inconsistent scan lengths: {lengths}")
    elif length is None:
      raise ValueError("length should be specified manually.")
    else:
      d_length = length
    rng_groups = tuple(tree_map_rngs(lambda r: _split_rng(r, d_length), g) if split else g
                       for g, split in zip(rng_groups, rng_splits))

    @functools.partial(axes_scan.scan, in_axes=(variable_in_axes, rng_axes, in_axes),
                       out_axes=(out_axes, variable_in_axes), length=length,
                       reverse=reverse, unroll=unroll)
    def scanned(broadcast_vars, carry, scan_variable_groups, rng_groups, args):
      carry_vars, c = carry
      groups = (broadcast_vars, carry_vars) + scan_variable_groups
      if data_transform is not None:
        groups, rng_groups = data_transform(groups, rng_groups)
      scope = scope_fn(groups, rng_groups)
      c, y = fn(scope, c, *args)
      out_vars = repack_fn(scope)
      broadcast_vars_out, carry_vars, scan_vars = out_vars[0], out_vars[1], out_vars[2:]
      # Read-only broadcast collections must still reach the real loop body.
      for in_group, out_group in zip(broadcast_vars, broadcast_vars_out):
        for col in in_group:
          if col not in out_group:
            out_group[col] = in_group[col]
      return broadcast_vars_out, (carry_vars, c), (y, scan_vars)

    broadcast_vars, carry_vars = variable_groups[0], variable_groups[1]
    broadcast_vars, (carry_vars, c), (ys, scan_vars) = scanned(
        broadcast_vars, (carry_vars, init), tuple(variable_groups[2:]), rng_groups, args)
    return (c, ys), (broadcast_vars, carry_vars) + tuple(scan_vars)

  return pack(inner, (variable_broadcast, variable_carry) + variable_groups_in,
              (variable_broadcast, variable_carry) + variable_groups_in, rng_groups_f,
              name="scan")


def while_loop(cond_fn, body_fn, scope, init, carry_variables=False,
               broadcast_variables=True, split_rngs=None):
  """Lifted ``lax.while_loop``; ``carry_variables`` may change, the rest is read-only."""
  rng_groups_f, rng_splits = _unzip2((split_rngs or {}).items())

  def inner(scope_fn, repack_fn, variable_groups, rng_groups):
    carry_vars, broadcast_vars = variable_groups

    def make_loop_rngs(i):
      return [tree_map_rngs(lambda r: random.fold_in(r, i), g) if split else g
              for g, split in zip(rng_groups, rng_splits)]

    def cond_wrapper(c):
      i, carry_vars, carry = c
      s = scope_fn((carry_vars, broadcast_vars), make_loop_rngs(-i), mutable_filter=False)
      return cond_fn(s, carry)

    def body_wrapper(c):
      i, carry_vars, carry = c
      s = scope_fn((carry_vars, broadcast_vars), make_loop_rngs(i))
      carry = body_fn(s, carry)
      (carry_vars,) = repack_fn(s)
      return i + 1, carry_vars, carry

    _, carry_vars, carry = jaxlite.lax.while_loop(cond_wrapper, body_wrapper,
                                                  (0, carry_vars, init))
    return carry, (carry_vars,)

  return pack(inner, (carry_variables, broadcast_variables), (carry_variables,),
              rng_groups_f, name="while_loop")(scope)


def cond(pred, true_fun, false_fun, scope, *operands, variables=True, rngs=True):
  """Lifted ``lax.cond``: both branches must create/update the same variables."""
  return switch(pred, (false_fun, true_fun), scope, *operands, variables=variables,
                rngs=rngs, _is_cond=True)


def switch(index, branches, scope, *operands, variables=True, rngs=True, _is_cond=False):
  """Lifted ``lax.switch``."""
  def inner(scope_fn, repack_fn, variable_groups, rng_groups):
    def branch_wrapper(branch_fn, *ops):
      s = scope_fn(variable_groups, rng_groups)
      y = branch_fn(s, *ops)
      return y, repack_fn(s)

    pure = [functools.partial(branch_wrapper, b) for b in branches]
    if _is_cond:
      return jaxlite.lax.cond(index, pure[1], pure[0], *operands)
    return jaxlite.lax.switch(index, pure, *operands)

  return pack(inner, (variables,), (variables,), (rngs,),
              name="cond" if _is_cond else "switch")(scope)


def checkpoint(fn, variables=True, rngs=True, concrete=False, prevent_cse=True,
               static_argnums=(), policy=None):
  """Lifted ``jax.checkpoint`` (remat)."""
  if concrete:
    raise NotImplementedError("The concrete argument is deprecated. Use static_argnums "
                              "instead. for more information, see "
                              "https://docs.jax.dev/en/latest/jep/11830-new-remat-"
                              "checkpoint.html")

  def inner(scope_fn, repack_fn, variable_groups, rng_groups, *args, **kwargs):
    static = jaxlite.tree_util.tree_map(lambda x: x + 2, static_argnums)

    @functools.partial(jaxlite.checkpoint, static_argnums=static, prevent_cse=prevent_cse,
                       policy=policy)
    @functools.wraps(fn)
    def rematted(variable_groups, rng_groups, *args, **kwargs):
      s = scope_fn(variable_groups, rng_groups)
      y = fn(s, *args, **kwargs)
      return y, repack_fn(s)

    return rematted(variable_groups, rng_groups, *args, **kwargs)

  return pack(inner, (variables,), (variables,), (rngs,), name="remat", enable_kwargs=True)


remat = checkpoint


# --- jit --------------------------------------------------------------------------------
def _hashable_filter(x):
  if isinstance(x, str):
    return (x,)
  if isinstance(x, DenyList):
    return DenyList(_hashable_filter(x.deny))
  if isinstance(x, bool):
    return x
  return tuple(x)


class _Counts:
  """Flat rng counters of a scope, to replay what a cached trace drew."""

  def __init__(self, flat):
    self.flat = flat

  @classmethod
  def of(cls, counters):
    return cls(dict(flatten_dict(counters)))

  def delta(self, old):
    return _Counts({k: v - old.flat.get(k, 0) for k, v in self.flat.items()})

  def plus(self, other):
    return {k: v + other.flat.get(k, 0) for k, v in self.flat.items()}


def _set_from_dict(original, updates):
  for k, v in updates.items():
    if k in original and isinstance(v, dict):
      _set_from_dict(original[k], v)
    else:
      original[k] = v


class _JitState(threading.local):
  def __init__(self):
    self.stack = []
    self.deltas = {}


_jit_state = _JitState()


def jit(fn, variables=True, rngs=True, static_argnums=(), static_argnames=(),
        donate_argnums=(), device=None, backend=None):
  """Lifted ``jax.jit``; ``fn(scope, module_hash_key, *args)``.

  The trace is keyed on the scopes' mutability and a fingerprint of the module, so a
  cached call does not run Python again; the rng counters it would have advanced are
  replayed from the first call so later keys match an uncached run.
  """
  if isinstance(static_argnums, int):
    static_argnums = (static_argnums,)
  static_argnums = (0,) + tuple(i + 2 for i in static_argnums if i > 0)

  @functools.partial(jaxlite.jit, static_argnums=static_argnums,
                     static_argnames=static_argnames)
  def jitted(fingerprint, variable_groups, rng_groups, *args, **kwargs):
    scope_fn, repack_fn = _jit_state.stack[-1]
    s = scope_fn(variable_groups, rng_groups)
    y = fn(s, fingerprint[1], *args, **kwargs)
    return y, repack_fn(s)

  def inner(scope_fn, repack_fn, variable_groups, rng_groups, module_hash_key, *args,
            **kwargs):
    _jit_state.stack.append((scope_fn, repack_fn))
    try:
      scopes = jaxlite.tree_util.tree_leaves(scope_fn(variable_groups, rng_groups))
      mutable = tuple(_hashable_filter(s.mutable) for s in scopes)
      rng_groups = jaxlite.tree_util.tree_map(
          lambda x: x.clear_suffix() if isinstance(x, LazyRng) else x, rng_groups,
          is_leaf=lambda x: isinstance(x, LazyRng))
      fingerprint = (mutable, module_hash_key)
      old = [_Counts.of(s.rng_counters) for s in scopes]
      res = jitted(fingerprint, variable_groups, rng_groups, *args, **kwargs)
      key = (id(jitted), fingerprint)
      if key not in _jit_state.deltas:
        _jit_state.deltas[key] = [_Counts.of(s.rng_counters).delta(o)
                                  for s, o in zip(scopes, old)]
      else:
        for s, d, o in zip(scopes, _jit_state.deltas[key], old):
          _set_from_dict(s.rng_counters, unflatten_dict(d.plus(o)))
      return res
    finally:
      _jit_state.stack.pop()

  return pack(inner, (variables,), (variables,), (rngs,), name="jit", enable_kwargs=True)
