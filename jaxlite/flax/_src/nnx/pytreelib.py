"""``nnx.Pytree`` (base of Module, Rngs, List, Dict...): objects whose attributes are
classified as *data* (Variables, arrays, sub-objects: the state) or *static* (everything
else: sizes, flags, functions).

The classification is automatic on assignment; ``nnx.data(...)``/``nnx.static(...)`` force
it. Plain containers holding data (e.g. a list of Modules) must be wrapped (``nnx.List``,
``nnx.data``), as in Flax 0.12, so the split between state and structure is never guessed.
Pytree subclasses are also registered as JAX pytrees: ``jax.tree.map(f, module)`` maps
over its data."""
from __future__ import annotations

import dataclasses
from abc import ABCMeta

from jaxlite import tree_util as jtu
from jaxlite.flax._src.errors import TraceContextError
from jaxlite.flax._src.nnx import reprlib, tracers
from jaxlite.flax._src.nnx.variablelib import Variable, MISSING

DATA_REGISTRY: set = set()
_ABSENT = object()
# Attributes every Pytree carries for bookkeeping; they are not state and never flattened.
PRIVATE = ("_pytree__state", "_pytree__nodes")


def data(value=MISSING, /, **kwargs):
  """Mark a value (or, in a class body, a field) as pytree data."""
  return _field(value, kwargs, static=False, fn="data")


def static(value=MISSING, /, **kwargs):
  """Mark a value (or, in a class body, a field) as static (part of the graph structure)."""
  return _field(value, kwargs, static=True, fn="static")


def _field(value, kwargs, *, static, fn):
  if value is not MISSING and kwargs:
    raise TypeError(f"nnx.{fn}() accepts either a single positional argument or keyword "
                    "arguments, but not both.")
  metadata = {"nnx_value": value}
  extra = kwargs.pop("metadata", None)
  if extra:
    if "static" in extra:
      raise ValueError(f"Cannot use 'static' key in metadata argument for nnx.{fn}.")
    metadata.update(extra)
  metadata["static"] = static
  return dataclasses.field(**kwargs, metadata=metadata)


def register_data_type(type_, /):
  DATA_REGISTRY.add(type_)
  return type_


def is_data(value, /) -> bool:
  return (isinstance(value, (Variable, Pytree)) or tracers.is_array(value)
          or type(value) in DATA_REGISTRY)


def _data_leaves(value):
  seen: set[int] = set()

  def stop(x):
    if id(x) in seen:
      return True
    seen.add(id(x))
    return is_data(x)
  return [leaf for leaf in jtu.tree_leaves(value, is_leaf=stop) if is_data(leaf)]


def has_data(value, /):
  return _data_leaves(value)


def dataclass(cls=None, /, **kwargs):
  kwargs["repr"] = False
  if cls is None:
    return lambda c: dataclasses.dataclass(c, **kwargs)
  return dataclasses.dataclass(cls, **kwargs)


def _int_key(name):
  try:
    return int(name)
  except (ValueError, TypeError):
    return name


class PytreeMeta(ABCMeta):
  def __call__(cls, *args, **kwargs):
    node = object.__new__(cls) if cls.__new__ is object.__new__ else cls.__new__(cls, *args,
                                                                                 **kwargs)
    object.__setattr__(node, "_pytree__state", tracers.TraceState())
    object.__setattr__(node, "_pytree__nodes", dict(cls._pytree__class_nodes))
    node.__init__(*args, **kwargs)
    if cls._pytree__is_pytree:
      # Attributes set behind __setattr__'s back (e.g. by a dataclass __init__) get
      # classified here, then everything is checked once.
      for name, value in vars(node).items():
        if name not in PRIVATE and name not in node._pytree__nodes:
          node._pytree__nodes[name] = is_data(value)
      for name, value in vars(node).items():
        if name not in PRIVATE:
          node._check_value(name, value, None)
    return node


class Pytree(reprlib.Representable, metaclass=PytreeMeta):
  """Base class of graph nodes: Module, Rngs, List, Dict. ``pytree=False`` in the class
  statement opts out of JAX pytree registration and of the data/static checks."""
  _pytree__has_int_keys: bool = False
  _pytree__is_pytree: bool = True
  _pytree__class_nodes: dict = {}

  def __init_subclass__(cls, *, pytree: bool = True, **kwargs):
    super().__init_subclass__(**kwargs)
    if getattr(cls, "__slots__", ()):
      raise TypeError("Pytree currently does not support __slots__, found __slots__="
                      f"{cls.__slots__} in '{cls.__name__}'.")
    cls._pytree__is_pytree = pytree
    nodes = dict(getattr(cls, "_pytree__class_nodes", {}))
    for name, value in vars(cls).items():
      if isinstance(value, dataclasses.Field) and "static" in value.metadata:
        nodes[name] = not value.metadata["static"]
    cls._pytree__class_nodes = nodes
    if pytree:
      jtu.register_pytree_with_keys(cls, _flatten_with_keys, cls._pytree__unflatten, _flatten)

  # -- attribute assignment -----------------------------------------------------------------
  def __setattr__(self, name, value):
    self._setattr(name, value)

  def _setattr(self, name, value):
    if not self._pytree__state.is_valid():
      raise TraceContextError(f"Cannot mutate '{type(self).__name__}' from different trace "
                              "level")
    explicit = False
    if isinstance(value, dataclasses.Field) and "nnx_value" in value.metadata:
      is_data_ = not value.metadata["static"]
      value = value.metadata["nnx_value"]
      explicit = True
    else:
      is_data_ = is_data(value)
    if self._pytree__is_pytree:
      self._check_value(name, value, (is_data_, explicit))
      if name not in self._pytree__nodes or explicit:
        self._pytree__nodes[name] = is_data_
    object.__setattr__(self, name, value)

  def __delattr__(self, name):
    self._pytree__nodes.pop(name, None)
    object.__delattr__(self, name)

  def _check_value(self, key, value, new_status):
    current_is_data = self._pytree__nodes.get(key, False)
    cls_name = type(self).__name__
    if (new_status is not None and not new_status[1] and new_status[0] and key in vars(self)
        and not current_is_data):
      raise ValueError(
          f"Cannot assign data value of type '{type(value)}' to static attribute '{key}' of "
          f"Pytree type '{type(self)}'. To override the status explicitly wrap the value "
          f"with nnx.data on assignment:\n\n  _.{key} = nnx.data(...)\n\n")
    leaves = _data_leaves(value)
    if not leaves:
      return
    if new_status is not None and new_status[1] and not new_status[0]:
      raise ValueError(f"Found data in value of type '{type(value)}' annotated with "
                       f"nnx.static(...) when setting attribute '{key}' of Pytree type "
                       f"'{type(self)}'.")
    is_data_now = new_status[0] if new_status is not None else current_is_data
    if not is_data_now and not current_is_data:
      names = ", ".join(sorted({type(leaf).__name__ for leaf in leaves}))
      base = next((t.__name__ for t in type(self).mro()[1:] if issubclass(t, Pytree)),
                  "Pytree")
      raise ValueError(
          f"Found data on value of type '{type(value)}' assigned to static attribute '{key}' "
          f"of Pytree type '{type(self)}'. Static attributes should not contain data values. "
          "Consider one of the following options:\n\n1. If the attribute is meant to be "
          f"static, remove the data values of type(s):\n\n  {names}\n\n2. If the attribute "
          f"is meant to be data, wrap the value with nnx.data  on assignment:\n\n  _.{key} = "
          "nnx.data(...)\n\n3. Alternatively, annotate the class attribute with nnx.data:\n\n"
          f"  class {cls_name}({base}):\n    {key}: {type(value).__name__} = nnx.data()\n\n"
          "4. If the container is a list or dict, try using nnx.List(...) or nnx.Dict(...) "
          f"instead.\n\n5. Disable pytree for this class:\n\n  class {cls_name}({base}, "
          "pytree=False):\n\n")

  # -- graph node protocol (used by graphlib) -------------------------------------------------
  def _graph_items(self):
    """``[(key, value, is_data)]`` sorted by key; List's keys are ints."""
    nodes = self._pytree__nodes
    items = []
    for name, value in vars(self).items():
      if name in PRIVATE:
        continue
      is_data_ = nodes.get(name, False) if self._pytree__is_pytree else None
      key = _int_key(name) if self._pytree__has_int_keys else name
      items.append((key, value, is_data_))
    from jaxlite.flax._src.nnx.statelib import key_order
    items.sort(key=lambda kv: key_order(kv[0]))
    return items

  @classmethod
  def _graph_new(cls):
    node = object.__new__(cls)
    object.__setattr__(node, "_pytree__state", tracers.TraceState())
    object.__setattr__(node, "_pytree__nodes", dict(cls._pytree__class_nodes))
    return node

  def _graph_init(self, items):
    """Set attributes ``[(key, value, is_data)]`` on a fresh (or cleared) node."""
    for key, value, is_data_ in items:
      name = key if isinstance(key, str) else str(key)
      object.__setattr__(self, name, value)
      if is_data_ is not None:
        self._pytree__nodes[name] = is_data_

  def _graph_replace(self, items):
    """Make the attributes exactly ``items``, touching only those that changed."""
    current = vars(self)
    names = set()
    for key, value, is_data_ in items:
      name = key if isinstance(key, str) else str(key)
      names.add(name)
      if current.get(name, _ABSENT) is not value:
        object.__setattr__(self, name, value)
      if is_data_ is not None:
        self._pytree__nodes[name] = is_data_
    for name in [n for n in current if n not in PRIVATE and n not in names]:
      object.__delattr__(self, name)
      self._pytree__nodes.pop(name, None)

  def _graph_set_key(self, key, value):
    name = key if isinstance(key, str) else str(key)
    current = getattr(self, name, None)
    if isinstance(current, Variable) and isinstance(value, Variable):
      current.update_from_state(value)
    else:
      setattr(self, name, value)

  # -- JAX pytree protocol ------------------------------------------------------------------
  @classmethod
  def _pytree__unflatten(cls, static, children):
    node_keys, static_keys, static_values = static
    obj = cls._graph_new()
    items = [(k, v, True) for k, v in zip(node_keys, children)]
    items += [(k, v, False) for k, v in zip(static_keys, static_values)]
    obj._graph_init(items)
    return obj

  # -- copying and printing -----------------------------------------------------------------
  def __deepcopy__(self, memo=None):
    from jaxlite.flax._src.nnx import graphlib
    return graphlib.clone(self)

  def __getstate__(self):
    return {k: v for k, v in vars(self).items() if k != "_pytree__state"}

  def __setstate__(self, state):
    object.__setattr__(self, "_pytree__state", tracers.TraceState())
    vars(self).update(state)

  def __nnx_repr__(self):
    seen = reprlib.CONTEXT.seen
    top = seen is None
    if top:
      seen = reprlib.CONTEXT.seen = set()
    try:
      if id(self) in seen:
        yield reprlib.Object(type=type(self), empty_repr="...")
        return
      seen.add(id(self))
      yield reprlib.Object(type=type(self), comment=_stats_comment(self))
      for name, value in vars(self).items():
        if name in PRIVATE or (name.startswith("_") and not self._pytree__nodes.get(name)):
          continue
        yield reprlib.Attr(name, _shape_dtype_repr(value))
    finally:
      if top:
        reprlib.CONTEXT.seen = None

  def __repr__(self):
    return reprlib.get_repr(self)


class Object(Pytree, pytree=False):
  """A graph node that is not a JAX pytree (Flax's ``nnx.Object``)."""

  def __init_subclass__(cls, **kwargs):
    pytree = kwargs.pop("pytree", False)
    if pytree is not False:
      raise ValueError(f"Object is not a pytree, but 'pytree' was explicitly set to {pytree!r} "
                       f"for type {cls}.")
    super().__init_subclass__(pytree=False, **kwargs)


def _flatten(node):
  children, node_keys, static_keys, static_values = [], [], [], []
  for key, value, is_data_ in node._graph_items():
    if is_data_:
      node_keys.append(key)
      children.append(value)
    else:
      static_keys.append(key)
      static_values.append(value)
  return children, (tuple(node_keys), tuple(static_keys), tuple(static_values))


def _flatten_with_keys(node):
  children, aux = _flatten(node)
  keys = [jtu.GetAttrKey(k) if isinstance(k, str) else jtu.SequenceKey(k) for k in aux[0]]
  return list(zip(keys, children)), aux


def _shape_dtype_repr(value):
  """Inside a Module, arrays print as shape and dtype; scalars print their value."""
  def one(x):
    if isinstance(x, Variable):
      return _VariableSummary(x)
    if tracers.is_array(x) and not tracers.is_tracer(x) and getattr(x, "size", 1) > 1:
      return reprlib.ArrayRepr(tuple(x.shape), x.dtype)
    return x
  return jtu.tree_map(one, value, is_leaf=lambda x: isinstance(x, (Variable, Pytree)))


class _VariableSummary(reprlib.Representable):
  def __init__(self, variable):
    self.variable = variable

  def __nnx_repr__(self):
    v = self.variable
    it = v.__nnx_repr__()
    yield next(it)
    for attr in it:
      if attr.key == "value":
        attr = reprlib.Attr("value", _shape_dtype_repr(attr.value))
      yield attr


def _stats_comment(node):
  """`` # Param: 9 (36 B)`` — sizes per Variable type over the whole subgraph."""
  from jaxlite.flax._src.nnx import graphlib
  from jaxlite.flax._src.nnx.rnglib import RngState
  stats: dict = {}
  for _, value in graphlib.iter_graph(node):
    if isinstance(value, Variable):
      kind = RngState if isinstance(value, RngState) else type(value)
      size = reprlib.SizeBytes.from_any(value.get_raw_value())
      if size:
        stats[kind] = stats.get(kind, reprlib.SizeBytes(0, 0)) + size
  if not stats:
    return ""
  text = " # " + ", ".join(f"{k.__name__}: {v}" for k, v in stats.items())
  if len(stats) > 1:
    total = sum(stats.values(), reprlib.SizeBytes(0, 0))
    text += f", Total: {total}"
  return text
