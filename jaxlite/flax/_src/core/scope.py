"""``flax.core.scope``: the functional core under Linen.

A Scope is a cursor into a nested variable dict (``{collection: {name: value or child
dict}}``) plus the rng streams of one place in the module tree. Rng derivation follows
Flax exactly so that models initialise to the same numbers for the same key: a child
scope appends its name to a lazily kept suffix, and ``make_rng`` appends a per-stream
counter and folds the first four bytes of the SHA-1 of the suffix into the key.
"""
import collections
import contextlib
import dataclasses
import functools
import hashlib
import typing
from collections.abc import Mapping

import numpy as np

import jaxlite
from jaxlite import random
from jaxlite.flax._src import struct
from jaxlite.flax._src.core import errors
from jaxlite.flax._src.core.frozen_dict import FrozenDict, freeze, unfreeze

__all__ = ["DenyList", "LazyRng", "Scope", "Variable", "bind", "apply", "init",
           "in_filter", "is_filter_empty", "union_filters", "subtract_filters",
           "intersect_filters", "group_collections", "filter_to_set"]


@dataclasses.dataclass(frozen=True, eq=True)
class DenyList:
  """An opt-out filter: every collection except those in ``deny``."""
  deny: typing.Any


def _is_collection(x):
  return isinstance(x, typing.Collection) and not isinstance(x, str)


def is_filter_empty(filter_like) -> bool:
  """True for a filter that matches nothing (False, an empty collection...)."""
  if isinstance(filter_like, str):
    return False
  if isinstance(filter_like, bool):
    return not filter_like
  if _is_collection(filter_like):
    return not filter_like
  if isinstance(filter_like, DenyList):
    return in_filter(filter_like.deny, "__flax_internal_stub__")
  raise errors.InvalidFilterError(filter_like)


def in_filter(filter_like, col: str) -> bool:
  """Whether collection (or rng stream) ``col`` matches the filter."""
  if isinstance(filter_like, str):
    return col == filter_like
  if isinstance(filter_like, bool):
    return filter_like
  if _is_collection(filter_like):
    return col in filter_like
  if isinstance(filter_like, DenyList):
    return not in_filter(filter_like.deny, col)
  raise errors.InvalidFilterError(filter_like)


def filter_to_set(x) -> set:
  assert x is not True and not isinstance(x, DenyList), "Infinite set"
  if x is False:
    return set()
  if isinstance(x, str):
    return {x}
  if _is_collection(x):
    return set(x)
  raise errors.InvalidFilterError(x)


def union_filters(a, b):
  if a is True or b is True:
    return True
  if isinstance(a, DenyList) and isinstance(b, DenyList):
    return DenyList(intersect_filters(a.deny, b.deny))
  if isinstance(b, DenyList):
    a, b = b, a
  if isinstance(a, DenyList):
    return DenyList(subtract_filters(a.deny, b))
  return filter_to_set(a) | filter_to_set(b)


def subtract_filters(a, b):
  if b is True:
    return False
  if a is True:
    return DenyList(b)
  if isinstance(a, DenyList) and isinstance(b, DenyList):
    return subtract_filters(b.deny, a.deny)
  if isinstance(a, DenyList):
    return DenyList(union_filters(a.deny, b))
  if isinstance(b, DenyList):
    return intersect_filters(a, b.deny)
  return filter_to_set(a) - filter_to_set(b)


def intersect_filters(a, b):
  if a is True:
    return b
  if b is True:
    return a
  if isinstance(a, DenyList) and isinstance(b, DenyList):
    return DenyList(union_filters(b.deny, a.deny))
  if isinstance(b, DenyList):
    a, b = b, a
  if isinstance(a, DenyList):
    return subtract_filters(b, a.deny)
  return filter_to_set(a) & filter_to_set(b)


def group_collections(xs, col_filters):
  """Splits ``xs`` by filters; each collection goes to the first filter it matches."""
  cols = list(xs.keys())
  groups = []
  for col_filter in col_filters:
    group, remaining = {}, []
    for col in cols:
      if in_filter(col_filter, col):
        group[col] = jaxlite.tree_util.tree_map(lambda x: x, xs[col])
      else:
        remaining.append(col)
    cols = remaining
    groups.append(group)
  return tuple(groups)


def _fold_in_static(rng, data):
  """Folds strings and ints into ``rng`` through their SHA-1, as Flax does."""
  if not data:
    return rng
  m = hashlib.sha1()
  for x in data:
    if isinstance(x, str):
      m.update(x.encode("utf-8"))
    elif isinstance(x, int):
      m.update(x.to_bytes((x.bit_length() + 7) // 8, byteorder="big"))
    else:
      raise ValueError(f"Expected int or string, got: {x}")
  hash_int = int.from_bytes(m.digest()[:4], byteorder="big")
  return random.fold_in(rng, np.uint32(hash_int))


@struct.dataclass
class LazyRng:
  """A key plus static data still to be folded in (kept lazy: folding is costly)."""
  rng: typing.Any
  suffix: tuple = struct.field(pytree_node=False)

  def as_jax_rng(self):
    return _fold_in_static(self.rng, self.suffix)

  @staticmethod
  def create(rng, *suffix):
    if isinstance(rng, LazyRng):
      return LazyRng(rng.rng, rng.suffix + suffix)
    return LazyRng(rng, suffix)

  def clear_suffix(self):
    return LazyRng(self.rng, ())


class Variable:
  """Mutable access to one variable of a scope: read and assign ``.value``."""

  def __init__(self, scope, collection, name, unbox=True):
    self._id = object()
    self.scope = scope
    self.collection = collection
    self.name = name
    self.unbox = unbox

  @property
  def value(self):
    return self.scope.get_variable(self.collection, self.name)

  @value.setter
  def value(self, value):
    self.scope.put_variable(self.collection, self.name, value)

  def is_mutable(self) -> bool:
    return self.scope.is_mutable_collection(self.collection)


class _ChildRNGSentinel:
  pass


# Marks the entries of ``rng_counters`` that belong to child scopes.
child_rng_token = _ChildRNGSentinel()


def _put_variable(target, key, val):
  # Merge dicts in place so that child scopes keep referring to the same subdicts.
  if key in target and isinstance(target[key], dict) and isinstance(val, Mapping):
    for k, v in val.items():
      _put_variable(target[key], k, v)
  else:
    target[key] = val


class Scope:
  """Variables and rngs of one node of the module tree."""

  def __init__(self, variables, rngs=None, name=None, mutable=False, parent=None,
               path=(), debug_path=(), flags=None):
    self._variables = variables
    self.parent = parent
    self.name = name
    self.path = tuple(path)
    self.debug_path = tuple(debug_path) or self.path
    self.rngs = {k: LazyRng.create(v) for k, v in rngs.items()} if rngs else {}
    self.mutable = mutable
    self.flags = freeze({} if flags is None else flags)
    self._root = parent.root if parent else None
    self.rng_counters = {key: 0 for key in self.rngs}
    self.reservations = collections.defaultdict(set)
    self._invalid = False

  def __eq__(self, other):
    if not isinstance(other, Scope):
      return False
    return self is other or (self.root._variables is other.root._variables
                             and self.path == other.path
                             and self.rng_counters is other.rng_counters)

  def __hash__(self):
    return hash((id(self.root._variables), self.path, id(self.rng_counters)))

  @property
  def root(self):
    return self._root or self

  @property
  def path_text(self) -> str:
    return "/" + "/".join(self.debug_path)

  @property
  def invalid(self) -> bool:
    return self._invalid

  def _check_valid(self):
    if self._invalid:
      raise errors.InvalidScopeError(self.name)

  @contextlib.contextmanager
  def temporary(self):
    try:
      yield self
    finally:
      self.invalidate()

  def invalidate(self):
    self._invalid = True

  def mutable_variables(self):
    self._populate_collections()
    return {k: v for k, v in self._variables.items() if in_filter(self.mutable, k)}

  def variables(self):
    self._populate_collections()
    return self._variables

  def rewound(self, rewind_rngs=False):
    """The same scope with its name reservations cleared (for a new method call)."""
    self._check_valid()
    scope = Scope(self._variables, self.rngs, self.name, self.mutable, self.parent,
                  path=self.path, debug_path=self.debug_path, flags=self.flags)
    if not rewind_rngs:
      scope.rng_counters = self.rng_counters
    return scope

  def name_reserved(self, name, col=None) -> bool:
    if name in self.reservations:
      # A name may be shared by variables of different collections only.
      taken = self.reservations[name]
      return None in taken or col is None or col in taken
    return False

  def reserve(self, name, col=None):
    if not isinstance(name, str):
      raise TypeError(f'The type of scope "{name}" should be string but it is {type(name)}')
    if self.name_reserved(name, col):
      raise ValueError(f'Duplicate use of scope name: "{name}"')
    self.reservations[name].add(col)

  def default_name(self, prefix):
    i = 0
    while f"{prefix}{i}" in self.reservations:
      i += 1
    return f"{prefix}{i}"

  def push(self, name=None, prefix="", reuse=False):
    """Creates the child scope ``name``."""
    self._check_valid()
    if name is None:
      name = self.default_name(prefix)
    if not reuse or name not in self.reservations:
      self.reserve(name)
    rngs = {key: LazyRng.create(rng, name) for key, rng in self.rngs.items()}
    rng_key = (child_rng_token, name)
    # A child keeps its counters across calls so repeated calls draw fresh keys.
    if rng_key not in self.rng_counters:
      self.rng_counters[rng_key] = {key: 0 for key in rngs}
    scope = Scope({}, name=name, rngs=rngs, parent=self, mutable=self.mutable,
                  path=self.path + (name,), debug_path=self.debug_path + (name,),
                  flags=self.flags)
    scope.rng_counters = self.rng_counters[rng_key]
    return scope

  def child(self, fn, name=None, prefix=None, named_call=True, **partial_kwargs):
    """``fn`` with a child scope partially applied."""
    del named_call
    if name is None:
      if prefix is None:
        prefix = fn.__name__ + "_" if hasattr(fn, "__name__") else ""
      name = self.default_name(prefix)
    scope = self.push(name)

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
      return fn(scope.rewound(), *args, **dict(partial_kwargs, **kwargs))
    return wrapper

  def is_mutable_collection(self, col) -> bool:
    return in_filter(self.mutable, col)

  def is_collection_empty(self, col) -> bool:
    variables = self.root._variables
    return not variables[col] if col in variables else True

  def _mutable_collection(self, col):
    assert self.is_mutable_collection(col), f"Collection {col} is not mutable"
    # Collections live in the root's dict; a child holds references to its subdicts.
    if col not in self._variables:
      if self.parent is None:
        self._variables[col] = {}
      else:
        parent_col = self.parent._mutable_collection(col)
        if self.name not in parent_col:
          parent_col[self.name] = {}
        self._variables[col] = parent_col[self.name]
    return self._variables[col]

  def _collection(self, col):
    if col not in self._variables:
      if self.parent is None:
        return FrozenDict()
      parent_col = self.parent._collection(col)
      if self.name not in parent_col:
        return FrozenDict()
      self._variables[col] = parent_col[self.name]
    return self._variables[col]

  def has_rng(self, name) -> bool:
    return name in self.rngs

  def make_rng(self, name="params"):
    """A new key from stream ``name`` (the 'params' stream if ``name`` is absent)."""
    if not self.has_rng(name):
      if self.has_rng("params"):
        name = "params"
      else:
        raise errors.InvalidRngError(f'{self.name} needs PRNG for "{name}"')
    self._check_valid()
    self.rng_counters[name] += 1
    return LazyRng.create(self.rngs[name], self.rng_counters[name]).as_jax_rng()

  def get_variable(self, col, name, default=None):
    variables = self._collection(col)
    return variables[name] if name in variables else default

  def has_variable(self, col, name) -> bool:
    return name in self._collection(col)

  def put_variable(self, col, name, value):
    self._check_valid()
    if not self.is_mutable_collection(col):
      raise errors.ModifyScopeVariableError(col, name, self.path_text)
    _put_variable(self._mutable_collection(col), name, value)

  def variable(self, col, name, init_fn=None, *init_args, unbox=True, **init_kwargs):
    """The variable ``col/name``, created with ``init_fn(*init_args)`` if missing."""
    self.reserve(name, col)
    if not self.has_variable(col, name):
      if not self.is_mutable_collection(col) or init_fn is None:
        if self.is_collection_empty(col):
          raise errors.ScopeCollectionNotFound(col, name, self.path_text)
        raise errors.ScopeVariableNotFoundError(name, col, self.path_text)
      self.put_variable(col, name, init_fn(*init_args, **init_kwargs))
    return Variable(self, col, name, unbox=unbox)

  def param(self, name, init_fn, *init_args, unbox=True, **init_kwargs):
    """The parameter ``name``, created with ``init_fn(make_rng('params'), ...)`` if missing."""
    self.reserve(name, "params")
    if self.has_variable("params", name):
      value = self.get_variable("params", name)
      # An initializer of another shape means the hyperparameters do not match the
      # stored parameters: say so instead of failing later inside the math.
      abstract = jaxlite.eval_shape(lambda: init_fn(random.PRNGKey(0), *init_args,
                                                    **init_kwargs))
      for val, abs_val in zip(jaxlite.tree_util.tree_leaves(value),
                              jaxlite.tree_util.tree_leaves(abstract)):
        if np.shape(val) != tuple(abs_val.shape):
          raise errors.ScopeParamShapeError(name, self.path_text, np.shape(val),
                                            tuple(abs_val.shape))
      return value
    if not self.is_mutable_collection("params"):
      if self.is_collection_empty("params"):
        raise errors.ScopeCollectionNotFound("params", name, self.path_text)
      raise errors.ScopeParamNotFoundError(name, self.path_text)
    value = init_fn(self.make_rng("params"), *init_args, **init_kwargs)
    self.put_variable("params", name, value)
    return value

  def _populate_collections(self):
    for col in list(self.root._variables.keys()):
      self._collection(col)

  def has_flag(self, key) -> bool:
    return key in self.flags

  def get_flag(self, key, default=None):
    return self.flags.get(key, default)


def _unfreeze_variables(variables, mutable):
  return {k: unfreeze(v) if in_filter(mutable, k) else v for k, v in variables.items()}


def bind(variables, rngs=None, mutable=False, flags=None):
  """A root Scope holding ``variables`` and ``rngs``."""
  if not _is_valid_variables(variables):
    raise errors.ApplyScopeInvalidVariablesTypeError()
  if rngs is not None and not _is_valid_rngs(rngs):
    raise errors.InvalidRngError("rngs should be a dictionary mapping strings to "
                                 "`jax.PRNGKey`.")
  return Scope(_unfreeze_variables(variables, mutable), rngs=rngs, mutable=mutable,
               flags=flags)


def apply(fn, mutable=False, flags=None):
  """Turns ``fn(scope, ...)`` into ``f(variables, ..., rngs=None)``."""
  @functools.wraps(fn)
  def wrapper(variables, *args, rngs=None, **kwargs):
    if rngs is not None:
      if not _is_valid_rng(rngs) and not _is_valid_rngs(rngs):
        raise ValueError("The ``rngs`` argument passed to an apply function should be a "
                         "``jax.PRNGKey`` or a dictionary mapping strings to "
                         "``jax.PRNGKey``.")
      if not isinstance(rngs, (dict, FrozenDict)):
        rngs = {"params": rngs}
    if ("params" in variables and isinstance(variables["params"], (dict, FrozenDict))
        and "params" in variables["params"]):
      raise errors.ApplyScopeInvalidVariablesStructureError(variables)
    with bind(variables, rngs=rngs, mutable=mutable, flags=flags).temporary() as root:
      y = fn(root, *args, **kwargs)
    if mutable is not False:
      return y, root.mutable_variables()
    return y
  return wrapper


def init(fn, mutable=True, flags=None):
  """Turns ``fn(scope, ...)`` into ``f(rngs, ...) -> (out, variables)``."""
  @functools.wraps(fn)
  def wrapper(rngs, *args, **kwargs):
    if not _is_valid_rng(rngs) and not _is_valid_rngs(rngs):
      raise ValueError("First argument passed to an init function should be a "
                       "``jax.PRNGKey`` or a dictionary mapping strings to "
                       "``jax.PRNGKey``.")
    if not isinstance(rngs, (dict, FrozenDict)):
      rngs = {"params": rngs}
    init_flags = {**(flags or {}), "initializing": True}
    return apply(fn, mutable=mutable, flags=init_flags)({}, *args, rngs=rngs, **kwargs)
  return wrapper


def _is_valid_variables(variables) -> bool:
  for name, col in variables.items():
    if not isinstance(name, str) or not isinstance(col, (dict, FrozenDict)):
      return False
    if not all(isinstance(k, str) for k in col.keys()):
      return False
  return True


def is_typed_key(x) -> bool:
  """Whether ``x`` is a new-style key array (``jax.random.key``)."""
  dtype = getattr(x, "dtype", None)
  if dtype is None:
    return False
  prng_key = getattr(jaxlite.dtypes, "prng_key", None)
  if prng_key is not None:
    return jaxlite.dtypes.issubdtype(dtype, prng_key)
  return str(dtype).startswith("key<")


def _is_valid_rng(rng) -> bool:
  if isinstance(rng, LazyRng):
    return True
  if not isinstance(rng, (np.ndarray, jaxlite.Array)):
    return False
  if is_typed_key(rng):
    return rng.shape == ()
  return rng.shape == (2,) and rng.dtype == np.uint32


def _is_valid_rngs(rngs) -> bool:
  if not isinstance(rngs, (dict, FrozenDict)):
    return False
  return all(isinstance(k, str) and _is_valid_rng(v) for k, v in rngs.items())
