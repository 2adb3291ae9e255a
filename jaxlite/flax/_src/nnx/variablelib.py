"""``nnx.Variable`` and its kinds (``Param``, ``BatchStat``, ``Cache``, ``Intermediate``...).

A Variable is a mutable box around a value (usually an array) plus metadata. Modules hold
their state in Variables; graph operations pass the same Variable objects around, so a
value written through one reference is seen through every other. A Variable is also a JAX
pytree: its one child is the raw value, its metadata is static."""
from __future__ import annotations

import dataclasses
import functools
import typing as tp
import warnings

from jaxlite import tree_util as jtu
from jaxlite.flax._src.errors import TraceContextError
from jaxlite.flax._src.nnx import reprlib, tracers

A = tp.TypeVar("A")


class _Missing:
  def __repr__(self):
    return "MISSING"


MISSING = _Missing()

# Flax stores these three on every Variable; they never change after construction.
_REQUIRED = ("hijax", "ref", "eager_sharding")
_DEFAULTS = {"hijax": False, "ref": False, "eager_sharding": True}


@dataclasses.dataclass
class VariableMetadata(tp.Generic[A]):
  """A value plus metadata to attach to the Variable that will wrap it (see ``with_metadata``)."""
  raw_value: A
  on_set_value: tuple = ()
  on_get_value: tuple = ()
  on_create_value: tuple = ()
  on_add_axis: tuple = ()
  on_remove_axis: tuple = ()
  metadata: tp.Mapping[str, tp.Any] = dataclasses.field(default_factory=dict)


def _remap_sharding(metadata):
  for old in ("sharding", "sharding_names"):
    if old in metadata:
      warnings.warn(f"'{old}' is deprecated, use 'out_sharding' instead.", DeprecationWarning,
                    stacklevel=4)
      metadata["out_sharding"] = metadata.pop(old)


def _binary(name):
  def op(self, other):
    if isinstance(other, Variable):
      other = other.get_value()
    return getattr(self.get_value(), name)(other)
  op.__name__ = name
  return op


def _unary(name):
  def op(self):
    return getattr(self.get_value(), name)()
  op.__name__ = name
  return op


def _no_inplace(op_text):
  def op(self, other):
    raise NotImplementedError("In-place operations are no longer supported for Variable.\n"
                              f"Use `variable[...] {op_text} x` instead.")
  return op


class Variable(tp.Generic[A], reprlib.Representable):
  """A mutable box for one piece of Module state; subclass it to make a new kind."""
  __slots__ = ("_raw_value", "_trace_state", "_var_metadata")
  required_metadata = frozenset(_REQUIRED)

  def __init__(self, value, *, hijax=None, ref=None, eager_sharding=None, **metadata):
    if isinstance(value, VariableMetadata):
      extra = dict(value.metadata)
      metadata = {**extra, **metadata}
      value = value.raw_value
    for name, given in (("hijax", hijax), ("ref", ref), ("eager_sharding", eager_sharding)):
      if given is not None:
        metadata[name] = given
      metadata.setdefault(name, _DEFAULTS[name])
    if metadata["hijax"] or metadata["ref"]:
      raise NotImplementedError("hijax and ref Variables are not supported by jaxlite.")
    _remap_sharding(metadata)
    object.__setattr__(self, "_trace_state", tracers.TraceState())
    object.__setattr__(self, "_var_metadata", metadata)
    object.__setattr__(self, "_raw_value", self.create_value(value))

  def __init_subclass__(cls, **kwargs):
    super().__init_subclass__(**kwargs)
    _register_pytree(cls)

  # -- trace safety -----------------------------------------------------------------------
  def _check_can_update(self):
    if not self._trace_state.is_valid():
      raise TraceContextError(
          f"Cannot mutate {type(self).__name__} from a different trace level. This Variable "
          "was created outside the transform being traced; writing a traced value into it "
          "would leak the tracer. Pass its Module (or the Variable) to the transform as an "
          "argument instead of capturing it in a closure")

  # -- attributes and metadata ------------------------------------------------------------
  def __getattr__(self, name):
    metadata = object.__getattribute__(self, "_var_metadata")
    if name in metadata:
      return metadata[name]
    return getattr(object.__getattribute__(self, "_raw_value"), name)

  def __setattr__(self, name, value):
    self._check_can_update()
    try:
      object.__setattr__(self, name, value)
    except AttributeError as e:
      raise AttributeError(
          f"Cannot set attribute {name}. To set Variable metadata use either:\n\n"
          f"  variable.set_metadata({name}=value)\n\nor\n\n"
          f"  variable.set_metadata('{name}', value)") from e

  @property
  def var_type(self):
    return type(self)

  @property
  def type(self):
    return type(self)

  @property
  def hijax(self):
    return self._var_metadata["hijax"]

  @property
  def ref(self):
    return self._var_metadata["ref"]

  @property
  def shape(self):
    return self.get_value().shape

  def get_metadata(self, name=None, default=MISSING, *, exclude_required=None):
    metadata = dict(self._var_metadata)
    if name is None:
      if exclude_required:
        for key in _REQUIRED:
          metadata.pop(key, None)
      return metadata
    if name not in metadata and default is not MISSING:
      return default
    return metadata[name]

  def set_metadata(self, *args, **kwargs):
    self._check_can_update()
    if args and kwargs:
      raise TypeError("Cannot mix positional and keyword arguments in set_metadata")
    if len(args) == 1:
      new = dict(args[0])
      for key in _REQUIRED:
        new.setdefault(key, self._var_metadata[key])
      object.__setattr__(self, "_var_metadata", new)
    elif len(args) == 2:
      self._var_metadata[args[0]] = args[1]
    elif kwargs:
      _remap_sharding(kwargs)
      self._var_metadata.update(kwargs)
    else:
      raise TypeError("set_metadata takes either 1 or 2 arguments, or at least 1 keyword "
                      f"argument, got args={args}, kwargs={kwargs}")

  def has_metadata(self, name):
    return name in self._var_metadata

  def del_metadata(self, name):
    self._check_can_update()
    if name in ("hijax", "ref"):
      raise ValueError(f"Cannot delete `{name}` metadata")
    del self._var_metadata[name]

  # -- value access -----------------------------------------------------------------------
  def create_value(self, value):
    return value

  def get_raw_value(self):
    return self._raw_value

  def set_raw_value(self, value, *, _unsafe_bypass_check=False):
    if not _unsafe_bypass_check:
      self._check_can_update()
    object.__setattr__(self, "_raw_value", value)

  def get_value(self, *, index=MISSING):
    value = self._raw_value
    if isinstance(value, (list, dict)):
      value = jtu.tree_map(lambda x: x, value)  # a fresh container, as Flax returns
    if index is not MISSING and not (index is Ellipsis and tracers.is_array(value)):
      value = value[index]
    return value

  def set_value(self, value, *, index=MISSING):
    self._check_can_update()
    raw = self._raw_value
    if index is MISSING:
      new = value
    elif tracers.is_array(raw):
      same = (index is Ellipsis and tracers.is_array(value) and
              tuple(value.shape) == tuple(raw.shape) and value.dtype == raw.dtype)
      new = value if same else raw.at[index].set(value)
    else:
      raw[index] = value
      return
    object.__setattr__(self, "_raw_value", new)

  @property
  def value(self):
    warnings.warn("'.value' access is now deprecated. For Variable[Array] instances use:\n\n"
                  "  variable[...]\n\nFor other Variable types use:\n\n"
                  "  variable.get_value()\n", DeprecationWarning, stacklevel=2)
    return self.get_value()

  @value.setter
  def value(self, value):
    warnings.warn("'.value' setter is now deprecated. For Variable[Array] instances use:\n\n"
                  "  variable[...] = value\n\nFor other Variable types use:\n\n"
                  "  variable.set_value(value)\n", DeprecationWarning, stacklevel=2)
    self.set_value(value)

  @property
  def raw_value(self):
    warnings.warn("'.raw_value' access is now deprecated. Use:\n\n  variable.get_raw_value()\n",
                  DeprecationWarning, stacklevel=2)
    return self._raw_value

  def __getitem__(self, key):
    return self.get_value(index=key)

  def __setitem__(self, key, value):
    self.set_value(value, index=key)

  def __delitem__(self, key):
    value = self.get_value()
    del value[key]
    self.set_value(value)

  def __jax_array__(self):
    return self.get_value()

  def __array__(self, dtype=None, copy=None):
    import numpy as np
    return np.asarray(self.get_value(), dtype=dtype)

  def __call__(self, *args, **kwargs):
    return self.get_value()(*args, **kwargs)

  def __len__(self):
    return len(self.get_value())

  def __iter__(self):
    return iter(self.get_value())

  def __contains__(self, item):
    return item in self.get_value()

  def __eq__(self, other):
    if isinstance(other, Variable):
      other = other.get_value()
    return self.get_value().__eq__(other)

  __hash__ = object.__hash__

  def __round__(self, ndigits=0):
    return self.get_value().__round__(ndigits)

  # -- copies and state transfer ----------------------------------------------------------
  @classmethod
  def _new(cls, value, metadata):
    obj = object.__new__(cls)
    object.__setattr__(obj, "_trace_state", tracers.TraceState())
    object.__setattr__(obj, "_var_metadata", metadata)
    object.__setattr__(obj, "_raw_value", value)
    return obj

  @classmethod
  def from_metadata(cls, value, attributes):
    return cls._new(value, dict(attributes))

  def copy(self, value=MISSING, **updates):
    metadata = self.get_metadata() | updates
    if value is MISSING:
      value = metadata.pop("value", self._raw_value)
    return self.from_metadata(value, metadata)

  replace = copy
  to_state = copy

  def copy_from(self, other):
    if type(self) is not type(other):
      raise ValueError("Cannot copy from incompatible container, expected "
                       f"{type(self).__name__}, got {type(other).__name__}")
    if self is other:
      return
    object.__setattr__(self, "_raw_value", other._raw_value)
    self._var_metadata.clear()
    self._var_metadata.update(other.get_metadata())

  def update_from_state(self, variable_state):
    object.__setattr__(self, "_raw_value", variable_state._raw_value)
    if self._var_metadata != variable_state._var_metadata:
      object.__setattr__(self, "_var_metadata", variable_state.get_metadata())

  def __getstate__(self):
    return {"_raw_value": self._raw_value, "_var_metadata": self._var_metadata}

  def __setstate__(self, state):
    object.__setattr__(self, "_trace_state", tracers.TraceState())
    object.__setattr__(self, "_var_metadata", state["_var_metadata"])
    object.__setattr__(self, "_raw_value", state["_raw_value"])

  def __deepcopy__(self, memo):
    import copy
    return self.from_metadata(copy.deepcopy(self._raw_value, memo),
                              copy.deepcopy(self._var_metadata, memo))

  # -- printing ---------------------------------------------------------------------------
  def __nnx_repr__(self):
    size = reprlib.SizeBytes.from_any(self._raw_value)
    yield reprlib.Object(type=type(self).__name__, comment=f" # {size}" if size else "")
    yield reprlib.Attr("value", self.get_value())
    for name, value in self._var_metadata.items():
      if name in _REQUIRED and value == _DEFAULTS[name]:
        continue
      yield reprlib.Attr(name, value)

  # -- operators --------------------------------------------------------------------------
  for _name in ("add", "sub", "mul", "matmul", "truediv", "floordiv", "mod", "pow", "lshift",
                "rshift", "and", "xor", "or"):
    locals()[f"__{_name}__"] = _binary(f"__{_name}__")
    locals()[f"__r{_name}__"] = _binary(f"__r{_name}__")
  for _name in ("lt", "le", "gt", "ge", "ne"):
    locals()[f"__{_name}__"] = _binary(f"__{_name}__")
  for _name in ("neg", "pos", "abs", "invert", "complex", "int", "float", "index", "trunc",
                "floor", "ceil"):
    locals()[f"__{_name}__"] = _unary(f"__{_name}__")
  for _name, _text in (("add", "+="), ("sub", "-="), ("mul", "*="), ("matmul", "@="),
                       ("truediv", "/="), ("floordiv", "//="), ("mod", "%="), ("pow", "**="),
                       ("lshift", "<<="), ("rshift", ">>="), ("and", "&="), ("xor", "^="),
                       ("or", "|=")):
    locals()[f"__i{_name}__"] = _no_inplace(_text)
  del _name, _text


def _flatten_with_keys(x):
  return ((jtu.GetAttrKey("value"), x._raw_value),), tuple(sorted(
      x._var_metadata.items(), key=lambda kv: kv[0]))


def _flatten(x):
  return (x._raw_value,), tuple(sorted(x._var_metadata.items(), key=lambda kv: kv[0]))


def _register_pytree(cls):
  jtu.register_pytree_with_keys(
      cls, _flatten_with_keys, lambda static, children: cls._new(children[0], dict(static)),
      _flatten)


_register_pytree(Variable)
VariableState = Variable


class Param(Variable[A]):
  """A trainable parameter (what optimizers update by default)."""


class BatchStat(Variable[A]):
  """A running statistic (e.g. BatchNorm's mean and variance), not trained by gradients."""


class Cache(Variable[A]):
  """Autoregressive decoding state (e.g. MultiHeadAttention's key/value cache)."""


class Intermediate(Variable[A]):
  """A value recorded with ``Module.sow``."""


class Perturbation(Intermediate[A]):
  """A zero-valued hook added with ``Module.perturb`` to read gradients of intermediates."""


def with_metadata(initializer, **metadata):
  """Wrap an initializer so the Variable built from its output carries ``metadata``."""
  @functools.wraps(initializer)
  def wrapper(*args):
    return VariableMetadata(initializer(*args), metadata=metadata)
  return wrapper


def with_partitioning(initializer, sharding, mesh=None, **metadata):
  extra = {"out_sharding": sharding, **metadata}
  if mesh is not None:
    extra["mesh"] = mesh
  return with_metadata(initializer, **extra)


_TYPE_BY_NAME: dict[str, type] = {}


def register_variable_name(name, typ=MISSING, *, overwrite=False):
  if typ is MISSING:
    return functools.partial(register_variable_name, name, overwrite=overwrite)
  if not overwrite and name in _TYPE_BY_NAME:
    raise ValueError(f"Name {name} already mapped to type {_TYPE_BY_NAME[name]}. To "
                     "overwrite, call register_variable_name() with `overwrite=True`.")
  _TYPE_BY_NAME[name] = typ
  return typ


def variable_type_from_name(name, /, *, base=Variable, allow_register=False):
  if name not in _TYPE_BY_NAME:
    if not allow_register:
      raise ValueError(f"Name {name} is not registered in the registry. To register a new "
                       "name, use register_variable_name() or set allow_register=True.")
    _TYPE_BY_NAME[name] = type(name, (base,), {})
  return _TYPE_BY_NAME[name]


def variable_name_from_type(typ, /, *, allow_register=False):
  for name, t in _TYPE_BY_NAME.items():
    if t == typ:
      return name
  if not allow_register:
    raise ValueError(f"Type {typ} is not registered in the registry. To register a new type, "
                     "use register_variable_name() or set allow_register=True.")
  register_variable_name(typ.__name__, typ)
  return typ.__name__


register_variable_name("params", Param)
register_variable_name("batch_stats", BatchStat)
register_variable_name("cache", Cache)
register_variable_name("intermediates", Intermediate)
register_variable_name("perturbations", Perturbation)
