"""Lifted transforms for Linen modules: ``nn.jit``, ``nn.vmap``, ``nn.scan``...

A transform applies to a Module class (``nn.vmap(nn.Dense, ...)`` makes a subclass,
named e.g. ``VmapDense``, whose methods are transformed) or decorates a method. The
module's scopes (its own and those of modules it holds) are lifted with
``flax.core.lift``; inside, a clone of the module is rebound to the inner scopes.
"""
import dataclasses
import functools
import inspect
from collections.abc import Iterable, Mapping

import jaxlite
from jaxlite.flax._src import struct
from jaxlite.flax._src.core import errors, lift
from jaxlite.flax._src.core.frozen_dict import FrozenDict
from jaxlite.flax._src.core.scope import DenyList, LazyRng, Scope, Variable
from jaxlite.flax._src.linen.module import Module, _get_unbound_fn, wrap_method_once

__all__ = ["vmap", "jit", "checkpoint", "remat", "scan", "map_variables", "while_loop",
           "cond", "switch"]


@struct.dataclass
class VariablePlaceholder:
  """Stands for a Variable argument while crossing a transform."""
  collection: str = struct.field(pytree_node=False)
  name: str = struct.field(pytree_node=False)
  unbox: bool = struct.field(pytree_node=False)
  id: object = struct.field(pytree_node=False)


@struct.dataclass
class InstancePlaceholder:
  """Stands for a bound Module argument while crossing a transform."""
  cls: type = struct.field(pytree_node=False)
  attrs: dict = struct.field(pytree_node=False)
  id: object = struct.field(pytree_node=False)


def _memoize_by_id(fn, refs):
  @functools.wraps(fn)
  def wrapped(x):
    if isinstance(x, (VariablePlaceholder, InstancePlaceholder)):
      x_id = x.id
    elif isinstance(x, (Variable, Module)):
      x_id = x._id
    else:
      return fn(x)
    if x_id not in refs:
      refs[x_id] = fn(x)
    return refs[x_id]
  return wrapped


def _init_fields(module):
  return {f.name: getattr(module, f.name) for f in dataclasses.fields(module)
          if f.name != "parent" and f.init}


def get_module_scopes(module, args=None, kwargs=None):
  """The scopes of ``module`` and of modules/variables in its fields and the args.

  Module and Variable arguments are replaced by placeholders (they are not pytrees).
  """
  scopes = []
  refs = {}

  @functools.partial(_memoize_by_id, refs=refs)
  def get_arg_scope(x):
    if isinstance(x, Variable) and isinstance(x.scope, Scope):
      scopes.append(x.scope)
      return VariablePlaceholder(x.collection, x.name, x.unbox, x._id)
    if isinstance(x, Module) and isinstance(x.scope, Scope):
      x._try_setup(shallow=True)
      scopes.append(x.scope)
      attrs = jaxlite.tree_util.tree_map(get_arg_scope, _init_fields(x))
      return InstancePlaceholder(type(x), attrs, x._id)
    return x

  new_args, new_kwargs = jaxlite.tree_util.tree_map(get_arg_scope, (args, kwargs))

  @functools.partial(_memoize_by_id, refs=refs)
  def get_scopes(module):
    module._try_setup(shallow=True)
    for leaf in jaxlite.tree_util.tree_leaves(_init_fields(module)):
      if isinstance(leaf, Module) and isinstance(leaf.scope, Scope):
        get_scopes(leaf)
      elif isinstance(leaf, Variable) and isinstance(leaf.scope, Scope):
        scopes.append(leaf.scope)
    scopes.append(module.scope)

  get_scopes(module)
  return scopes, new_args, new_kwargs


def set_module_scopes(module, args, kwargs, scopes):
  """Rebinds ``module`` (and what ``get_module_scopes`` found) to ``scopes``, same order."""
  idx = 0
  refs = {}

  @functools.partial(_memoize_by_id, refs=refs)
  def set_arg_scope(x):
    nonlocal idx
    if isinstance(x, VariablePlaceholder):
      new_x = Variable(scopes[idx], x.collection, x.name, unbox=x.unbox)
      idx += 1
      return new_x
    if isinstance(x, InstancePlaceholder):
      instance_scope = scopes[idx]
      idx += 1
      return x.cls(parent=instance_scope,
                   **jaxlite.tree_util.tree_map(set_arg_scope, x.attrs))
    return x

  new_args, new_kwargs = jaxlite.tree_util.tree_map(
      set_arg_scope, (args, kwargs),
      is_leaf=lambda x: isinstance(x, (VariablePlaceholder, InstancePlaceholder)))

  @functools.partial(_memoize_by_id, refs=refs)
  def set_scopes(module):
    nonlocal idx

    def inner(x):
      nonlocal idx
      if isinstance(x, Module) and isinstance(x.scope, Scope):
        return set_scopes(x)
      if isinstance(x, Variable) and isinstance(x.scope, Scope):
        new_x = Variable(scopes[idx], x.collection, x.name, unbox=x.unbox)
        idx += 1
        return new_x
      return x

    new_attrs = jaxlite.tree_util.tree_map(inner, _init_fields(module))
    new_module = module.clone(parent=scopes[idx], **new_attrs)
    idx += 1
    return new_module

  new_module = set_scopes(module)
  assert len(scopes) == idx, f"scope list mismatch {len(scopes)} != {idx}"
  return new_module, new_args, new_kwargs


def _test_transformed_return_values(tree, method_name):
  if any(isinstance(x, (Module, Variable)) for x in jaxlite.tree_util.tree_leaves(tree)):
    raise errors.TransformedMethodReturnValueError(method_name)


def _class_trafo_args(methods, trafo_args, trafo_kwargs):
  if methods is None:
    return {"__call__": (trafo_args, trafo_kwargs)}
  if isinstance(methods, (list, tuple)):
    return {m: (trafo_args, trafo_kwargs) for m in methods}
  if isinstance(methods, dict):
    return {k: ((), v) for k, v in methods.items()}
  raise ValueError("transform methods argument must be None, tuple, list, or dict.")


def _make_class(transform, module_class, create_trans_fn, methods, trafo_args,
                trafo_kwargs):
  partial_object = None
  if isinstance(module_class, functools.partial) and issubclass(module_class.func, Module):
    partial_object, module_class = module_class, module_class.func
  fns = {name: create_trans_fn(module_class, name, args)
         for name, args in _class_trafo_args(methods, trafo_args, trafo_kwargs).items()}
  # The class name (e.g. VmapDense) is what auto-naming uses: VmapDense_0.
  cls = type(transform.__name__.capitalize() + module_class.__name__, (module_class,), fns)
  if partial_object is not None:
    cls = functools.partial(cls, *partial_object.args, **partial_object.keywords)
  return cls


def module_class_lift_transform(transform, module_class, *trafo_args, methods=None,
                                **trafo_kwargs):
  def create_trans_fn(module_class, fn_name, fn_trafo_args):
    fn = getattr(module_class, fn_name)
    t_args, t_kwargs = fn_trafo_args

    @functools.wraps(fn)
    def wrapped_fn(self, *args, **kwargs):
      state = self._state.export()

      def core_fn(scopes, *args, **kwargs):
        cloned = module_class(parent=None, **_init_fields(self))
        cloned, args, kwargs = set_module_scopes(cloned, args, kwargs, scopes)
        object.__setattr__(cloned, "_state", state.export())
        res = fn(cloned, *args, **kwargs)
        self._state.reimport(cloned._state)
        _test_transformed_return_values(res, fn_name)
        return res

      trafo_fn = transform(core_fn, *t_args, **t_kwargs)
      module_scopes, args, kwargs = get_module_scopes(self, args, kwargs)
      return trafo_fn(module_scopes, *args, **kwargs)
    return wrapped_fn

  return _make_class(transform, module_class, create_trans_fn, methods, trafo_args,
                     trafo_kwargs)


def decorator_lift_transform(transform, class_fn, *trafo_args, multi_scope=True,
                             **trafo_kwargs):
  """The transform as a decorator of a method (also used for direct transforms)."""
  class_fns = class_fn if isinstance(class_fn, tuple) else (class_fn,)
  prewrapped_fns = [wrap_method_once(f) for f in class_fns]

  @functools.wraps(prewrapped_fns[0])
  def wrapped_fn(self, *args, **kwargs):
    state = self._state.export()

    def core_fn(prewrapped_fn, class_fn, scopes, *args, **kwargs):
      if not multi_scope:
        scopes = [scopes]
      cloned, args, kwargs = set_module_scopes(self, args, kwargs, scopes)
      object.__setattr__(cloned, "_state", state.export())
      res = prewrapped_fn(cloned, *args, **kwargs)
      self._state.reimport(cloned._state)
      _test_transformed_return_values(res, getattr(class_fn, "__name__", None))
      return res

    core_fns = [functools.partial(core_fn, p, c) for p, c in zip(prewrapped_fns, class_fns)]
    trafo_fn = transform(*core_fns, *trafo_args, **trafo_kwargs)
    module_scopes, args, kwargs = get_module_scopes(self, args, kwargs)
    if not multi_scope:
      if len(module_scopes) != 1:
        raise NotImplementedError("This transform does not yet support"
                                  " Modules that include other Modules passed as arguments.")
      module_scopes = module_scopes[0]
    return trafo_fn(module_scopes, *args, **kwargs)

  return wrapped_fn


# --- jit: the module is passed through a hashable proxy so traces can be cached -------
class _HashableProxy:
  """Hashes as the module's fingerprint (fields, setup state and scope state)."""

  def __init__(self, module):
    import weakref
    self.module_ref = weakref.ref(module)
    self.hash_key = hash(_fingerprint(module, {}))

  def __hash__(self):
    return self.hash_key

  def __eq__(self, other):
    return isinstance(other, _HashableProxy) and self.hash_key == other.hash_key

  @property
  def module(self):
    return self.module_ref()


def _fingerprint(obj, seen):
  if isinstance(obj, str):
    return obj
  if isinstance(obj, Module):
    if obj._id in seen:
      return (type(obj), seen[obj._id])
    seen[obj._id] = len(seen)
    fields = tuple((f.name, _fingerprint(getattr(obj, f.name), seen))
                   for f in dataclasses.fields(obj)
                   if f.name not in ("parent", "name") and hasattr(obj, f.name))
    st = obj._state
    state = (st.in_compact_method, st.in_setup, int(st.setup_called), st.is_initialized,
             _fingerprint(st.autoname_cursor, seen))
    scope = ()
    if obj.scope is not None:
      s = obj.scope
      scope = (_fingerprint(s.mutable, seen), _fingerprint(dict(s.flags), seen),
               _fingerprint(s.rng_counters, seen), _fingerprint(dict(s.reservations), seen))
    return (type(obj), fields, state, scope)
  if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
    return (type(obj), tuple((f.name, _fingerprint(getattr(obj, f.name), seen))
                             for f in dataclasses.fields(obj) if hasattr(obj, f.name)))
  if isinstance(obj, DenyList):
    return (DenyList, _fingerprint(obj.deny, seen))
  if isinstance(obj, (dict, FrozenDict, Mapping)):
    return tuple((_fingerprint(k, seen), _fingerprint(v, seen)) for k, v in obj.items())
  if isinstance(obj, (set, frozenset)):
    return tuple(sorted((repr(x) for x in obj)))
  if isinstance(obj, Iterable) and not hasattr(obj, "shape"):
    return tuple(_fingerprint(v, seen) for v in obj)
  try:
    hash(obj)
  except TypeError:
    return id(obj)  # unhashable (e.g. an array attribute): identity keeps it distinct
  return obj


def _fork_rngs(module):
  """Replaces the module's rng streams by fresh keys (drawn with make_rng)."""
  current = module.scope.rngs.copy()
  module.scope.rngs = {name: LazyRng.create(module.make_rng(name)) for name in current}
  return current


def module_class_lift_transform_cached(transform, module_class, methods=None,
                                       **trafo_kwargs):
  def create_trans_fn(module_class, fn_name, fn_trafo_args):
    fn = getattr(module_class, fn_name)
    t_args, t_kwargs = fn_trafo_args
    trafo_fn = None

    @functools.wraps(fn)
    def wrapped_fn(self, *args, **kwargs):
      nonlocal trafo_fn
      state = self._state.export()
      saved_rngs = _fork_rngs(self)
      try:
        def core_fn(scopes, module_hash, *args, **kwargs):
          outer = module_hash.module
          cloned = module_class(parent=None, **_init_fields(outer))
          cloned, args, kwargs = set_module_scopes(cloned, args, kwargs, scopes)
          object.__setattr__(cloned, "_state", state.export())
          res = fn(cloned, *args, **kwargs)
          outer._state.reimport(cloned._state)
          _test_transformed_return_values(res, fn_name)
          return res

        trafo_fn = trafo_fn or transform(core_fn, *t_args, **t_kwargs)
        module_scopes, args, kwargs = get_module_scopes(self, args, kwargs)
        return trafo_fn(module_scopes, _HashableProxy(self), *args, **kwargs)
      finally:
        self.scope.rngs = saved_rngs
    return wrapped_fn

  return _make_class(transform, module_class, create_trans_fn, methods, (), trafo_kwargs)


def decorator_lift_transform_cached(transform, class_fn, **trafo_kwargs):
  prewrapped_fn = wrap_method_once(class_fn)
  trafo_fn = None

  @functools.wraps(prewrapped_fn)
  def wrapped_fn(self, *args, **kwargs):
    nonlocal trafo_fn
    state = self._state.export()
    saved_rngs = _fork_rngs(self)
    try:
      def core_fn(scopes, module_hash, *args, **kwargs):
        outer = module_hash.module
        cloned, args, kwargs = set_module_scopes(outer, args, kwargs, scopes)
        object.__setattr__(cloned, "_state", state.export())
        res = prewrapped_fn(cloned, *args, **kwargs)
        outer._state.reimport(cloned._state)
        _test_transformed_return_values(res, getattr(class_fn, "__name__", None))
        return res

      trafo_fn = trafo_fn or transform(core_fn, **trafo_kwargs)
      module_scopes, args, kwargs = get_module_scopes(self, args, kwargs)
      return trafo_fn(module_scopes, _HashableProxy(self), *args, **kwargs)
    finally:
      self.scope.rngs = saved_rngs
  return wrapped_fn


def _is_module_class(target):
  return (inspect.isclass(target) and issubclass(target, Module)) or (
      isinstance(target, functools.partial) and _is_module_class(target.func))


def lift_transform(transform, target, *trafo_args, methods=None, **trafo_kwargs):
  if _is_module_class(target):
    return module_class_lift_transform(transform, target, *trafo_args, methods=methods,
                                       **trafo_kwargs)
  if callable(target) and not isinstance(target, Module):
    return decorator_lift_transform(transform, target, *trafo_args, **trafo_kwargs)
  raise errors.TransformTargetError(target)


def lift_direct_transform(transform, targets, mdl, *args, multi_scope=True, **kwargs):
  for target in targets:
    if _is_module_class(target):
      raise ValueError(f"The {transform.__name__} transform can only be applied on a Module"
                       " method. That is function that takes a Module instance as its first"
                       " arg.")
    if not callable(target):
      raise ValueError("transform target must be callable")
  targets = tuple(_get_unbound_fn(t) for t in targets)
  aug_transform = lambda *fns: functools.partial(transform, *fns)
  return decorator_lift_transform(aug_transform, targets, multi_scope=multi_scope)(
      mdl, *args, **kwargs)


def vmap(target, variable_axes=FrozenDict(), split_rngs=FrozenDict(), in_axes=0,
         out_axes=0, axis_size=None, axis_name=None, spmd_axis_name=None,
         metadata_params={}, methods=None):
  """Lifted ``jax.vmap`` of a Module class or method.

  ``variable_axes={'params': 0}`` gives each batch element its own parameters (then
  split the 'params' rng: ``split_rngs={'params': True}``); ``None`` shares them.
  """
  return lift_transform(lift.vmap, target, variable_axes, split_rngs, methods=methods,
                        in_axes=in_axes, out_axes=out_axes, axis_size=axis_size,
                        axis_name=axis_name, spmd_axis_name=spmd_axis_name,
                        metadata_params=metadata_params)


def jit(target, variables=True, rngs=True, static_argnums=(), static_argnames=(),
        donate_argnums=(), device=None, backend=None, methods=None):
  """Lifted ``jax.jit`` of a Module class or method."""
  kwargs = dict(variables=variables, rngs=rngs, static_argnums=static_argnums,
                static_argnames=static_argnames, donate_argnums=donate_argnums,
                device=device, backend=backend)
  if _is_module_class(target):
    return module_class_lift_transform_cached(lift.jit, target, methods=methods, **kwargs)
  if callable(target) and not isinstance(target, Module):
    return decorator_lift_transform_cached(lift.jit, target, **kwargs)
  raise errors.TransformTargetError(target)


def checkpoint(target, variables=True, rngs=True, concrete=False, prevent_cse=True,
               static_argnums=(), policy=None, methods=None):
  """Lifted ``jax.checkpoint`` (``nn.remat``): recompute activations in the backward pass."""
  static_argnums = jaxlite.tree_util.tree_map(lambda x: x - 1, static_argnums)
  return lift_transform(lift.checkpoint, target, variables=variables, rngs=rngs,
                        concrete=concrete, static_argnums=static_argnums,
                        prevent_cse=prevent_cse, policy=policy, methods=methods)


remat = checkpoint


def scan(target, variable_axes=FrozenDict(), variable_broadcast=False, variable_carry=False,
         split_rngs=FrozenDict(), in_axes=0, out_axes=0, length=None, reverse=False,
         unroll=1, data_transform=None, metadata_params={}, methods=None,
         _split_transpose=False, check_constancy_invariants=True):
  """Lifted ``lax.scan``: ``target(module, carry, *xs) -> (carry, ys)``."""
  return lift_transform(lift.scan, target, variable_axes=variable_axes,
                        variable_broadcast=variable_broadcast, variable_carry=variable_carry,
                        split_rngs=split_rngs, in_axes=in_axes, out_axes=out_axes,
                        length=length, reverse=reverse, unroll=unroll,
                        data_transform=data_transform, metadata_params=metadata_params,
                        methods=methods, check_constancy_invariants=check_constancy_invariants,
                        _split_transpose=_split_transpose)


def map_variables(target, mapped_collections=True, trans_in_fn=lift.id_fn,
                  trans_out_fn=lift.id_fn, init=False, mutable=False, rngs=True,
                  variables=True, methods=None):
  """Runs ``target`` on a view of its variables (``trans_in_fn``), e.g. masked weights."""
  return lift_transform(lift.map_variables, target, mapped_collections, trans_in_fn,
                        trans_out_fn, init, mutable, rngs, variables, methods=methods)


def while_loop(cond_fn, body_fn, mdl, init, carry_variables=False, broadcast_variables=True,
               split_rngs=FrozenDict()):
  """Lifted ``lax.while_loop`` over ``cond_fn(mdl, c)`` / ``body_fn(mdl, c)``."""
  return lift_direct_transform(lift.while_loop, (cond_fn, body_fn), mdl, init,
                               carry_variables, broadcast_variables, split_rngs)


def _cond_wrapper(t_fn, f_fn, scope, pred, *ops, variables, rngs):
  return lift.cond(pred, t_fn, f_fn, scope, *ops, variables=variables, rngs=rngs)


def cond(pred, true_fun, false_fun, mdl, *operands, variables=True, rngs=True):
  """Lifted ``lax.cond``: ``true_fun(mdl, *operands)`` or ``false_fun(mdl, *operands)``."""
  return lift_direct_transform(_cond_wrapper, (true_fun, false_fun), mdl, pred, *operands,
                               variables=variables, rngs=rngs)


def _switch_wrapper(*args, variables, rngs, n_branches):
  branches = args[:n_branches]
  scope, index, *operands = args[n_branches:]
  return lift.switch(index, branches, scope, *operands, variables=variables, rngs=rngs)


def switch(index, branches, mdl, *operands, variables=True, rngs=True):
  """Lifted ``lax.switch`` over ``branches[i](mdl, *operands)``."""
  return lift_direct_transform(_switch_wrapper, tuple(branches), mdl, index, *operands,
                               variables=variables, rngs=rngs, n_branches=len(branches))
