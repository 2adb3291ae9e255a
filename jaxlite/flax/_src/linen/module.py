"""``flax.linen.Module``: dataclass modules bound to a functional Scope.

Every subclass becomes a dataclass with two extra keyword-only fields, ``parent`` and
``name``. A module created inside another module's ``setup`` or ``@compact`` method is
attached to it: it gets a name (``Dense_0``... auto-naming per class, or the attribute
name in ``setup``) and a child scope. ``init``/``apply`` clone the top module onto a root
scope, so module objects themselves never hold state between calls.
"""
import dataclasses
import enum
import functools
import inspect
import itertools
import threading
import typing
import weakref

import jaxlite
import jaxlite.numpy as jnp
from jaxlite.flax._src import serialization
from jaxlite.flax._src.core import errors, scope as core
from jaxlite.flax._src.core.frozen_dict import FrozenDict
from jaxlite.flax._src.core.scope import DenyList, Scope, Variable, union_filters
from jaxlite.flax._src.core.traverse import flatten_dict, unflatten_dict

__all__ = ["Module", "Variable", "compact", "nowrap", "apply", "init", "init_with_output",
           "merge_param"]

_ids = itertools.count()


class _DynamicContext(threading.local):
  def __init__(self):
    self.module_stack = [None]   # the module whose method is running (None: top level)
    self.capture_stack = []      # capture_intermediates filters of enclosing applies
    self.call_info_stack = []    # call recorders of enclosing tabulate() runs


_context = _DynamicContext()


class _Sentinel:
  def __copy__(self):
    return self

  def __deepcopy__(self, memo):
    return self

  def __repr__(self):
    return "<unspecified parent>"


_unspecified_parent = _Sentinel()


# --- submodules inside pytree attributes (self.layers = [Dense(3), Dense(4)]) -----------
def _map_over_modules_in_tree(fn, tree):
  """Calls ``fn(suffix, leaf)`` on every leaf; suffix is '_0', '_a_1'... ('' for a leaf)."""
  state = serialization.to_state_dict(tree)
  if not isinstance(state, dict) or not state:
    return fn("", tree)
  flat = flatten_dict(state, keep_empty_nodes=True)
  mapped = {k: fn("_" + "_".join(k), v) for k, v in sorted(flat.items())}
  return serialization.from_state_dict(tree, unflatten_dict(mapped))


def _freeze_attr(val):
  """Dicts become FrozenDicts and lists tuples, recursively (attributes are frozen)."""
  if isinstance(val, (dict, FrozenDict)):
    return FrozenDict({k: _freeze_attr(v) for k, v in val.items()})
  if isinstance(val, tuple):
    if hasattr(val, "_fields"):
      return type(val)(*[_freeze_attr(v) for v in val])
    return tuple(_freeze_attr(v) for v in val)
  if isinstance(val, list):
    return tuple(_freeze_attr(v) for v in val)
  return val


def _map_submodules(fn, tree):
  return _freeze_attr(_map_over_modules_in_tree(
      lambda _, x: fn(x) if isinstance(x, Module) else x, tree))


# --- method decorators ---------------------------------------------------------------------
def compact(fun):
  """Marks the method that may define submodules and variables inline."""
  fun.compact = True
  return fun


def nowrap(fun):
  """Marks a helper method that is not wrapped with the module state handling."""
  fun.nowrap = True
  return fun


def _fn_name(fn):
  if isinstance(fn, functools.partial):
    return _fn_name(fn.func)
  return getattr(fn, "__name__", "unnamed_function")


def wrap_method_once(fun):
  """Wraps a user method so it runs setup first and keeps the module context."""
  if hasattr(fun, "method_handler_wrapped"):
    return fun

  @functools.wraps(fun)
  def wrapped_module_method(*args, **kwargs):
    if args and isinstance(args[0], Module):
      return args[0]._call_wrapped_method(fun, args[1:], kwargs)
    return fun(*args, **kwargs)

  wrapped_module_method.method_handler_wrapped = True
  return wrapped_module_method


def _get_local_method_names(cls, exclude):
  names = set()
  for name, attr in cls.__dict__.items():
    if callable(attr) and not inspect.isclass(attr) and \
       not isinstance(attr, (staticmethod, classmethod)):
      names.add(name)
  return tuple(names.difference(exclude))


def _get_unbound_fn(method_or_fn):
  if inspect.ismethod(method_or_fn) and isinstance(method_or_fn.__self__, Module):
    method_or_fn = method_or_fn.__func__
  if not callable(method_or_fn) or len(inspect.signature(method_or_fn).parameters) < 1:
    raise errors.ApplyModuleInvalidMethodError(method_or_fn)
  return method_or_fn


class SetupState(enum.IntEnum):
  NEW = 0           # setup() not called
  TRANSFORMED = 1   # setup() called outside a transform boundary
  DONE = 2          # setup() called


@dataclasses.dataclass
class _ModuleInternalState:
  """Ephemeral state used for auto-naming and error checks."""
  in_compact_method: bool = False
  in_setup: bool = False
  setup_called: SetupState = SetupState.NEW
  is_initialized: bool = False
  autoname_cursor: dict = dataclasses.field(default_factory=dict)
  children: dict = dataclasses.field(default_factory=dict)

  def reset(self):
    """Called after each setup/compact method: names are reused by the next call."""
    self.in_compact_method = False
    self.in_setup = False
    self.autoname_cursor = {}

  def export(self):
    """The state carried into a lifted transform."""
    return _ModuleInternalState(
        in_compact_method=self.in_compact_method, in_setup=self.in_setup,
        setup_called=SetupState.TRANSFORMED if self.setup_called else SetupState.NEW,
        is_initialized=self.is_initialized, autoname_cursor=dict(self.autoname_cursor))

  def reimport(self, other):
    self.in_compact_method = other.in_compact_method
    self.in_setup = other.in_setup
    self.is_initialized = other.is_initialized
    self.autoname_cursor = dict(other.autoname_cursor)


_uninitialized_state = _ModuleInternalState()
_caches = weakref.WeakKeyDictionary()   # root scope -> {module id: adopted clone}
_COPY_PICKLE_METHODS = ("__getstate__", "__setstate__", "__getnewargs_ex__", "__reduce__",
                        "__reduce_ex__", "__copy__", "__deepcopy__")


def _capture_call_intermediates(_, method_name):
  return method_name == "__call__"


class ParentDescriptor:
  """Keeps ``parent`` as a weak reference (no cycles between parents and children)."""

  def __get__(self, obj, objtype=None):
    if obj is None:
      return None
    parent = object.__getattribute__(obj, "_parent_ref")
    return parent() if isinstance(parent, weakref.ReferenceType) else parent

  def __set__(self, obj, value):
    object.__setattr__(obj, "_parent_ref",
                       weakref.ref(value) if isinstance(value, Module) else value)


def _wrap_hash(hash_fn):
  @functools.wraps(hash_fn)
  def wrapped(self):
    if self.scope is not None:
      raise TypeError("Can't call __hash__ on modules that hold variables.")
    try:
      return hash_fn(self)
    except TypeError as exc:
      raise TypeError("Failed to hash Flax Module.  The module probably contains "
                      f"unhashable attributes.  Module={self}") from exc
  return wrapped


def _attr_repr(value):
  if callable(value) and getattr(value, "__name__", None) and not isinstance(value, Module):
    return value.__name__
  return repr(value)


def _indent(x, num_spaces):
  pad = " " * num_spaces
  lines = x.split("\n")
  return "\n".join(pad + line for line in lines[:-1]) + "\n"


def _module_repr(module, num_spaces=4):
  cls = type(module)
  try:
    fields = dataclasses.fields(cls)
  except TypeError:
    return object.__repr__(module)
  rep = ""
  attrs = [f.name for f in fields if f.name not in ("parent", "name") and f.repr]
  children = {k: v for k, v in module._state.children.items() if isinstance(v, Module)}
  if attrs:
    rep += "# attributes\n"
    for attr in attrs:
      rep += f"{attr} = {_attr_repr(module.__dict__.get(attr, None))}\n"
  if children:
    rep += "# children\n"
    for name, child in children.items():
      rep += f"{name} = {_module_repr(child, num_spaces)}\n"
  return f"{cls.__name__}(\n{_indent(rep, num_spaces)})" if rep else f"{cls.__name__}()"


class Module:
  """Base class for all neural network modules (every subclass is a dataclass).

  Hyperparameters are dataclass fields; submodules and variables are declared in
  ``setup()`` or inline in one ``@compact`` method; ``init``/``apply`` run it.
  """

  def __init_subclass__(cls, kw_only: bool = False, **kwargs):
    super().__init_subclass__(**kwargs)
    cls._customized_dataclass_transform(kw_only)
    cls._wrap_module_attributes()
    cls._state = _uninitialized_state
    cls.scope = None
    cls._parent_ref = None
    cls.parent = ParentDescriptor()

  @classmethod
  def _customized_dataclass_transform(cls, kw_only):
    annotations = dict(cls.__dict__.get("__annotations__", {}))
    if "parent" in annotations or annotations.get("name", str) not in (
        "str", str, typing.Optional[str], "Optional[str]", "str | None"):
      raise errors.ReservedModuleAttributeError(annotations)
    # Fields set only in setup() (init=False) do not exist yet at hash/eq/repr time.
    for field in annotations:
      meta = cls.__dict__.get(field)
      if isinstance(meta, dataclasses.Field) and not meta.init:
        meta.compare = meta.hash = meta.repr = False
    cls.__annotations__ = {**cls.__dict__.get("__annotations__", {}),
                           "parent": typing.Any, "name": typing.Optional[str]}
    cls.parent = dataclasses.field(repr=False, default=_unspecified_parent, kw_only=True)
    cls.name = dataclasses.field(default=None, kw_only=True)
    dataclasses.dataclass(cls, unsafe_hash="__hash__" not in cls.__dict__, repr=False,
                          kw_only=kw_only)
    cls.__hash__ = _wrap_hash(cls.__hash__)

  @classmethod
  def _wrap_module_attributes(cls):
    exclude = [f.name for f in dataclasses.fields(cls)] + [
        "__eq__", "__repr__", "__init__", "__hash__", "__post_init__"]
    for key in _get_local_method_names(cls, exclude):
      method = getattr(cls, key)
      if not hasattr(method, "nowrap"):
        setattr(cls, key, wrap_method_once(method))
    compact_methods = [k for k, v in cls.__dict__.items() if hasattr(v, "compact")]
    if len(compact_methods) > 1:
      raise errors.MultipleMethodsCompactError()

  def _call_wrapped_method(self, fun, args, kwargs):
    is_compact_method = hasattr(fun, "compact")
    fun_name = _fn_name(fun)
    is_setup_method = fun_name == "setup"
    add_call_info = not is_setup_method and len(_context.call_info_stack) > 0
    is_recurrent = False
    if is_setup_method:
      if self.scope is None:
        raise errors.CallSetupUnboundModuleError()
      is_recurrent = self._state.in_setup
      self._state.in_setup = True
    else:
      self._try_setup()
    if is_compact_method:
      if self.scope is None:
        raise errors.CallCompactUnboundModuleError()
      is_recurrent = self._state.in_compact_method
      self._state.in_compact_method = True
    _context.module_stack.append(self)
    try:
      if add_call_info:
        call_index = _context.call_info_stack[-1].next_index()
      y = fun(self, *args, **kwargs)
      if _context.capture_stack:
        filter_fn = _context.capture_stack[-1]
        if filter_fn and filter_fn(self, fun_name):
          self.sow("intermediates", fun_name, y)
      if add_call_info:
        _context.call_info_stack[-1].record(call_index, self, fun_name, args, kwargs, y)
      return y
    finally:
      _context.module_stack.pop()
      if is_compact_method:
        object.__setattr__(self, "scope", self.scope.rewound())
      # setup/compact may recurse (super() calls): only the outermost call resets.
      if (is_compact_method or is_setup_method) and not is_recurrent:
        self._state.reset()

  def __setattr__(self, name, val):
    fields = self.__dataclass_fields__
    is_dataclass_attr = name in fields and fields[name].init
    if not self._state.in_setup:
      if not self._state.is_initialized or name.startswith("__"):
        object.__setattr__(self, name, val)
        return
      raise errors.SetAttributeFrozenModuleError(type(self).__name__, name, val)
    if is_dataclass_attr:
      raise errors.SetAttributeInModuleSetupError()
    self._register_submodules(name, val)

  def __getattr__(self, name):
    # Only called for attributes not found normally: they may be defined in setup().
    if name in _COPY_PICKLE_METHODS or name.startswith("__"):
      raise AttributeError(name)
    self._try_setup()
    if name in self.__dict__:
      return self.__dict__[name]
    msg = f'"{type(self).__name__}" object has no attribute "{name}".'
    if self.scope is None:
      msg += (f' If "{name}" is defined in \'.setup()\', remember these fields '
              "are only accessible from inside 'init' or 'apply'.")
    raise AttributeError(msg)

  def __dir__(self):
    self._try_setup()
    return object.__dir__(self)

  def __post_init__(self):
    object.__setattr__(self, "_id", next(_ids))
    object.__setattr__(self, "_state", _ModuleInternalState())
    if self.parent is _unspecified_parent:
      object.__setattr__(self, "parent", _context.module_stack[-1])
    # Top-level or orphan modules stay unbound until init/apply/bind or adoption.
    if self.parent is None:
      return
    if isinstance(self.parent, Module):
      parent = self.parent
      # Unnamed modules made in setup() are named when assigned to an attribute.
      if parent._state.in_setup and self.name is None:
        return
      if not parent._initialization_allowed:
        raise errors.AssignSubModuleError(type(self).__name__)
      if self.name is None:
        prefix = type(self).__name__
        cursor = parent._state.autoname_cursor.get(prefix, 0)
        self.name = f"{prefix}_{cursor}"
        parent._state.autoname_cursor[prefix] = cursor + 1
      # Under a transform, setup() runs again on the clone and may re-push its scopes.
      reuse_scopes = (parent._state.in_setup
                      and parent._state.setup_called == SetupState.TRANSFORMED)
      if parent._name_taken(self.name, reuse_scopes=reuse_scopes):
        raise errors.NameInUseError("submodule", self.name, type(parent).__name__)
      parent._state.children[self.name] = self
      object.__setattr__(self, "scope", parent.scope.push(self.name, reuse=reuse_scopes))
    elif isinstance(self.parent, Scope):
      object.__setattr__(self, "scope", self.parent)
    else:
      raise ValueError("parent must be None, Module or Scope")
    if self.scope is not None:
      for field in dataclasses.fields(self):
        if field.name not in ("parent", "name") and field.init:
          self._register_submodules(field.name, getattr(self, field.name))
    self._state.is_initialized = True

  def __repr__(self):
    return _module_repr(self)

  def setup(self):
    """Lazily initialises a bound module (submodules and variables as attributes)."""

  def _register_submodules(self, name, val):
    """Adopts the modules inside ``val`` as children named ``name``, ``name_0``..."""
    assert self.scope, "Trying to register submodules on unbound scope."
    root = self.scope.root
    cache = _caches.setdefault(root, weakref.WeakValueDictionary())
    queue = []

    def adopt(suffix, subvalue):
      if isinstance(subvalue, Module):
        if subvalue.parent is None:
          # Passed in from outside: adopt a clone, one per original (keeps sharing).
          adopted = cache.get(subvalue._id)
          if adopted is None:
            adopted = subvalue.clone(name=None)
            cache[subvalue._id] = adopted
          subvalue = adopted
        if subvalue.name is None:
          object.__setattr__(subvalue, "parent", self)
          object.__setattr__(subvalue, "name", f"{name}{suffix}")
          queue.append(subvalue)
      return subvalue

    val = _freeze_attr(_map_over_modules_in_tree(adopt, val))
    object.__setattr__(self, name, val)
    for x in queue:
      x.__post_init__()

  def _try_setup(self, shallow=False):
    """Runs setup() once, if bound (shallow: only adopt the module-valued fields)."""
    if self.scope and not self._state.in_setup and \
       self._state.setup_called != SetupState.DONE:
      try:
        self._state.in_setup = True
        for field in dataclasses.fields(self):
          if field.name not in ("parent", "name") and field.init:
            self._register_submodules(field.name, getattr(self, field.name))
        if not shallow:
          self.setup()
      finally:
        self._state.in_setup = False
        if not shallow:
          self._state.setup_called = SetupState.DONE

  def _name_taken(self, name, reuse_scopes=False, collection=None):
    if reuse_scopes:
      return False
    return self.scope.name_reserved(name, collection)

  @property
  def _initialization_allowed(self):
    return (not self._state.is_initialized or self._state.in_setup
            or self._state.in_compact_method)

  @property
  def path(self):
    """The names from the root module to this one (``()`` for the root)."""
    if self.scope is None:
      raise ValueError("Can't access module paths on unbound modules.")
    return self.scope.path

  def clone(self, *, parent=None, _deep_clone=False, _reset_names=False, **updates):
    """A copy of this module with updated attributes (unbound unless ``parent``)."""
    attrs = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.init}
    attrs.update(parent=parent, **updates)
    if _deep_clone is not False:
      # Clone submodule attributes too (no scope leaks into init/apply), once per original.
      cache = weakref.WeakValueDictionary() if isinstance(_deep_clone, bool) else _deep_clone

      def clone_fn(m):
        if not hasattr(m, "_id"):
          return m
        clone = cache.get(m._id)
        if clone is None:
          extra = {"name": None} if _reset_names else {}
          clone = m.clone(_deep_clone=cache, _reset_names=_reset_names, **extra)
          cache[m._id] = clone
        return clone

      for field_name, value in attrs.items():
        if field_name != "parent":
          attrs[field_name] = _map_submodules(clone_fn, value)
    return type(self)(**attrs)

  def copy(self, *, parent=_unspecified_parent, name=None, **updates):
    """A copy with updated attributes, attached to the current module by default."""
    return self.clone(parent=parent, name=name, _deep_clone=True, **updates)

  def variable(self, col, name, init_fn=None, *init_args, unbox=True, **init_kwargs):
    """Declares (or looks up) variable ``name`` of collection ``col``."""
    if not self._initialization_allowed:
      raise ValueError("Variables must be initialized in `setup()` or in a method "
                       "wrapped in `@compact`")
    if self._name_taken(name, collection=col):
      raise errors.NameInUseError("variable", name, type(self).__name__)
    v = self.scope.variable(col, name, init_fn, *init_args, unbox=unbox, **init_kwargs)
    self._state.children[name] = col
    return v

  def param(self, name, init_fn, *init_args, unbox=True, **init_kwargs):
    """Declares (or looks up) parameter ``name``; ``init_fn(key, *init_args)``."""
    if not self._initialization_allowed:
      raise ValueError("Parameters must be initialized in `setup()` or in a method "
                       "wrapped in `@compact`")
    if self._name_taken(name, collection="params"):
      raise errors.NameInUseError("param", name, type(self).__name__)
    v = self.scope.param(name, init_fn, *init_args, unbox=unbox, **init_kwargs)
    self._state.children[name] = "params"
    return v

  def has_variable(self, col, name):
    if self.scope is None:
      raise ValueError("Can't access variables on unbound modules")
    return self.scope.has_variable(col, name)

  def is_mutable_collection(self, col):
    if self.scope is None:
      raise ValueError("Can't check mutability on unbound modules")
    return self.scope.is_mutable_collection(col)

  def has_rng(self, name):
    if self.scope is None:
      raise ValueError("Can't query for RNGs on unbound modules")
    return self.scope.has_rng(name)

  def make_rng(self, name="params"):
    """A fresh key from rng stream ``name`` (falls back to 'params')."""
    if self.scope is None:
      raise ValueError("Can't use RNGs on unbound modules")
    return self.scope.make_rng(name)

  def is_initializing(self):
    """True when running under ``init``."""
    if self.scope is None:
      raise ValueError("Can't check if running under init() on unbound modules")
    return self.scope.get_flag("initializing", False)

  def _module_checks(self):
    if not isinstance(self, Module):
      raise errors.InvalidInstanceModuleError()
    if type(self).__post_init__ is not Module.__post_init__ and not hasattr(self, "_id"):
      raise errors.IncorrectPostInitOverrideError()

  def bind(self, variables, *args, rngs=None, mutable=False):
    """An interactive copy of this module with ``variables`` (and rngs) bound."""
    Module._module_checks(self)
    del args
    return self.clone(parent=core.bind(variables, rngs=rngs, mutable=mutable),
                      _deep_clone=True)

  def unbind(self):
    """``(unbound copy of this module, its variables)``."""
    Module._module_checks(self)
    if self.scope is None:
      raise errors.CallUnbindOnUnboundModuleError()
    variables = self.variables
    return self.clone(_deep_clone=True, _reset_names=True, name=None), variables

  def _resolve_method(self, method, submodule_ok):
    if isinstance(method, str):
      attribute_name = method
      method = getattr(self, attribute_name)
      if not callable(method):
        raise TypeError(f"'{type(self).__name__}.{attribute_name}' must be a callable, "
                        f"got {type(method)}.")
      if submodule_ok and isinstance(method, Module):
        method = lambda self, *a, **k: getattr(self, attribute_name)(*a, **k)
    elif method is None:
      method = self.__call__
    return _get_unbound_fn(method)

  def _check_rngs(self, rngs):
    if not core._is_valid_rng(rngs):
      raise errors.InvalidRngError(
          "RNGs should be of shape (2,) or PRNGKey in Module "
          f"{type(self).__name__}, but rngs are: {rngs}")
    return {"params": rngs}

  def apply(self, variables, *args, rngs=None, method=None, mutable=False,
            capture_intermediates=False, **kwargs):
    """Runs ``method`` (default ``__call__``) with ``variables`` bound.

    Returns the output, or ``(output, updated mutable collections)`` if ``mutable``.
    """
    Module._module_checks(self)
    if rngs is not None and not isinstance(rngs, dict):
      rngs = self._check_rngs(rngs)
    method = self._resolve_method(method, submodule_ok=True)
    return apply(method, self, mutable=mutable,
                 capture_intermediates=capture_intermediates)(variables, *args, **kwargs,
                                                              rngs=rngs)

  def init_with_output(self, rngs, *args, method=None, mutable=DenyList("intermediates"),
                       capture_intermediates=False, **kwargs):
    """``(output, variables)`` of running ``method`` while creating the variables."""
    Module._module_checks(self)
    if not isinstance(rngs, dict):
      rngs = self._check_rngs(rngs)
    method = self._resolve_method(method, submodule_ok=False)
    return init_with_output(method, self, mutable=mutable,
                            capture_intermediates=capture_intermediates)(rngs, *args,
                                                                         **kwargs)

  def init(self, rngs, *args, method=None, mutable=DenyList("intermediates"),
           capture_intermediates=False, **kwargs):
    """Creates the variables by running ``method`` (default ``__call__``) once."""
    Module._module_checks(self)
    _, v_out = self.init_with_output(rngs, *args, method=method, mutable=mutable,
                                     capture_intermediates=capture_intermediates, **kwargs)
    return v_out

  @property
  def variables(self):
    """The variables of this (bound) module."""
    if self.scope is None:
      raise ValueError("Can't access variables on unbound modules")
    return self.scope.variables()

  def get_variable(self, col, name, default=None):
    if self.scope is None:
      raise ValueError("Can't access variables on unbound modules")
    return self.scope.get_variable(col, name, default)

  def put_variable(self, col, name, value):
    if self.scope is None:
      raise ValueError("Can't access variables on unbound modules")
    self.scope.put_variable(col, name, value)

  def sow(self, col, name, value, reduce_fn=lambda xs, x: xs + (x,), init_fn=lambda: ()):
    """Stores ``value`` in collection ``col`` if it is mutable (appends to a tuple)."""
    if self.scope is None:
      raise ValueError("Can't store variables on unbound modules")
    if not self.scope.is_mutable_collection(col):
      return False
    if self.scope.has_variable(col, name):
      xs = self.scope.get_variable(col, name)
    else:
      self.scope.reserve(name, col)
      self._state.children[name] = col
      xs = init_fn()
    self.scope.put_variable(col, name, reduce_fn(xs, value))
    return True

  def perturb(self, name, value, collection="perturbations"):
    """``value`` plus a zero variable whose gradient is the gradient of ``value``."""
    if self.scope is None:
      raise ValueError("Can't store variables on unbound modules")
    if self.is_mutable_collection(collection) and \
       not self.scope.has_variable(collection, name):
      self.scope.reserve(name, collection)
      self._state.children[name] = collection
      self.scope.put_variable(collection, name, jaxlite.tree.map(jnp.zeros_like, value))
    if collection in self.scope.root._variables:
      if not self.scope.has_variable(collection, name):
        raise ValueError(f"Perturbation collection {collection} present, but "
                         f"missing perturbation variable {name}")
      value = jaxlite.tree.map(jnp.add, value, self.scope.get_variable(collection, name))
    return value

  def tabulate(self, rngs, *args, depth=None, show_repeated=False,
               mutable=DenyList("intermediates"), console_kwargs=None, table_kwargs=None,
               column_kwargs=None, compute_flops=False, compute_vjp_flops=False,
               **kwargs):
    """A text table of the submodules: inputs, outputs and parameters of each call."""
    from jaxlite.flax._src.linen import summary
    return summary.tabulate(self, rngs, depth=depth, show_repeated=show_repeated,
                            mutable=mutable)(*args, **kwargs)


def merge_param(name, a, b):
  """The one of a constructor argument and a call argument that is not None."""
  if a is None and b is None:
    raise ValueError(f'Parameter "{name}" must be passed to the constructor or at call time.')
  if a is not None and b is not None:
    raise ValueError(f'Parameter "{name}" was passed to the constructor and at call time.'
                     " Should be passed just once.")
  return b if a is None else a


def _scope_fn(fn, module, capture_intermediates):
  @functools.wraps(fn)
  def scope_fn(scope, *args, **kwargs):
    _context.capture_stack.append(capture_intermediates)
    try:
      return fn(module.clone(parent=scope, _deep_clone=True), *args, **kwargs)
    finally:
      _context.capture_stack.pop()
  return scope_fn


def _capture_filter(capture_intermediates, mutable):
  if capture_intermediates is True:
    capture_intermediates = _capture_call_intermediates
  if capture_intermediates:
    mutable = union_filters(mutable, "intermediates")
  return capture_intermediates, mutable


def apply(fn, module, mutable=False, capture_intermediates=False):
  """``f(variables, *args, rngs=None, **kwargs)`` calling ``fn(bound module, ...)``."""
  capture, mutable = _capture_filter(capture_intermediates, mutable)
  return core.apply(_scope_fn(fn, module, capture), mutable=mutable)


def init_with_output(fn, module, mutable=DenyList("intermediates"),
                     capture_intermediates=False):
  """``f(rngs, *args, **kwargs) -> (output, variables)`` for ``fn(bound module, ...)``."""
  capture, mutable = _capture_filter(capture_intermediates, mutable)
  return core.init(_scope_fn(fn, module, capture), mutable=mutable)


def init(fn, module, mutable=DenyList("intermediates"), capture_intermediates=False):
  """``f(rngs, *args, **kwargs) -> variables`` for ``fn(bound module, ...)``."""
  init_fn = init_with_output(fn, module, mutable, capture_intermediates)

  @functools.wraps(init_fn)
  def init_wrapper(*args, **kwargs):
    return init_fn(*args, **kwargs)[1]
  return init_wrapper
