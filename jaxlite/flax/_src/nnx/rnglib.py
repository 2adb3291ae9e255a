"""``nnx.Rngs``: named streams of PRNG keys held as Module state.

A stream keeps a base key and a counter; each call returns ``fold_in(key, count)`` and
increments the counter, exactly as Flax does, so the same seed gives Flax's keys. Because
the counter is a Variable, a jitted step that draws keys advances it on the caller's Rngs."""
from __future__ import annotations

import functools
import warnings

from jaxlite import numpy as jnp
from jaxlite import random
from jaxlite.flax._src.nnx import filterlib, graphlib, tracers
from jaxlite.flax._src.nnx.pytreelib import Pytree
from jaxlite.flax._src.nnx.variablelib import Variable
from jaxlite.nn import initializers


class RngState(Variable):
  """Base kind of the Variables inside an RngStream."""


class RngCount(RngState):
  pass


class RngKey(RngState):
  pass


NotKey = filterlib.All(RngState, filterlib.Not(RngKey))

_KEY_DTYPE_TYPE = type(random.key_dtype())


def _is_typed_key(x):
  return isinstance(getattr(x, "dtype", None), _KEY_DTYPE_TYPE)


def _random_method(fn):
  @functools.wraps(fn)
  def method(self, *args, **kwargs):
    return fn(self(), *args, **kwargs)
  return method


def _initializer_method(constructor):
  @functools.wraps(constructor)
  def method(self, *args, **kwargs):
    init = constructor(*args, **kwargs)

    def keyless(*init_args, **init_kwargs):
      return init(self(), *init_args, **init_kwargs)
    return keyless
  return method


_RANDOM_FNS = ("bits", "uniform", "randint", "permutation", "choice", "normal",
               "truncated_normal", "bernoulli", "beta", "cauchy", "dirichlet", "exponential",
               "gamma", "loggamma", "gumbel", "categorical", "laplace", "logistic", "pareto",
               "t", "chisquare", "f", "rademacher", "maxwell", "double_sided_maxwell",
               "weibull_min", "generalized_normal", "ball", "rayleigh", "wald", "geometric",
               "triangular", "lognormal", "poisson", "binomial", "multinomial")
_INITIALIZERS = ("delta_orthogonal", "glorot_normal", "glorot_uniform", "he_normal",
                 "he_uniform", "kaiming_normal", "kaiming_uniform", "lecun_normal",
                 "lecun_uniform", "variance_scaling", "xavier_normal", "xavier_uniform")


def _add_sampling_methods(cls):
  for name in _RANDOM_FNS:
    if hasattr(random, name):
      setattr(cls, name, _random_method(getattr(random, name)))
  for name in _INITIALIZERS:
    setattr(cls, name, _initializer_method(getattr(initializers, name)))
  return cls


@_add_sampling_methods
class RngStream(Pytree):
  """One named stream: ``stream()`` returns a fresh key each call."""

  def __init__(self, key, *, tag: str):
    if isinstance(key, int):
      key = random.key(key)
    elif tracers.is_array(key) and key.dtype == jnp.uint32:
      key = random.wrap_key_data(key)
    if not _is_typed_key(key):
      raise ValueError(f"Invalid rng value: {key}, expected a jax.Array of jax.dtypes.prng_key "
                       "sub-dtype")
    self.tag = tag
    self.key = RngKey(key, tag=tag)
    self.count = RngCount(jnp.zeros(key.shape, dtype=jnp.uint32), tag=tag)

  def __call__(self):
    self.count._check_can_update()
    key = random.fold_in(self.key[...], self.count[...])
    self.count[...] += 1
    return key

  def split(self, k):
    return type(self)(random.split(self(), k), tag=self.tag)

  def fork(self, *, split=None):
    if split is not None:
      warnings.warn("The 'split' argument of 'fork' is deprecated; use the 'split' method "
                    "instead.", DeprecationWarning, stacklevel=2)
    key = self()
    if split is not None:
      key = random.split(key, split)
    return type(self)(key, tag=self.tag)

  def broadcast(self, k):
    key = self()
    shape = (k,) if isinstance(k, int) else tuple(k)
    return type(self)(jnp.broadcast_to(key, shape + key.shape), tag=self.tag)


def _normalize_split(k):
  if k is None:
    return {}
  if isinstance(k, (int, tuple)):
    return {...: k}
  return dict(k)


@_add_sampling_methods
class Rngs(Pytree):
  """A set of named RngStreams: ``Rngs(0)`` (stream ``default``), ``Rngs(params=0,
  dropout=1)``. A missing name falls back to ``default`` when there is one."""

  def __init__(self, default=None, **rngs):
    if default is not None:
      if isinstance(default, dict):
        rngs = {**default, **rngs}
      else:
        rngs["default"] = default
    for tag, key in rngs.items():
      if isinstance(key, RngStream):
        key = key.key.get_value()
      setattr(self, tag, RngStream(key=key, tag=tag))

  def _get_stream(self, name, error_type):
    streams = vars(self)
    if name in streams:
      return streams[name]
    if "default" not in streams:
      raise error_type(f"No RngStream named '{name}' found in Rngs.")
    return streams["default"]

  def __getitem__(self, name):
    return self._get_stream(name, KeyError)

  def __getattr__(self, name):
    if name.startswith("__") and name.endswith("__") or name.startswith("_pytree__"):
      raise AttributeError(name)
    return self._get_stream(name, AttributeError)

  def __call__(self):
    return self.default()

  def __iter__(self):
    for name, stream in vars(self).items():
      if isinstance(stream, RngStream):
        yield name

  def __len__(self):
    return sum(1 for _ in self)

  def __contains__(self, name):
    return name in vars(self)

  def items(self):
    for name, stream in vars(self).items():
      if isinstance(stream, RngStream):
        yield name, stream

  def _each_stream(self, rules, apply, default):
    predicates = [(filterlib.to_predicate(f), v) for f, v in rules.items()]
    streams = {}
    for name, stream in self.items():
      for predicate, value in predicates:
        if predicate((), stream):
          streams[name] = apply(stream, value)
          break
      else:
        streams[name] = default(stream)
    return Rngs(**streams)

  def split(self, k):
    return self._each_stream(
        _normalize_split(k), lambda s, n: s if n is None else s.split(n), lambda s: s)

  def broadcast(self, k):
    rules = {...: k} if k is None or isinstance(k, (int, tuple)) else dict(k)
    return self._each_stream(
        rules, lambda s, n: s if n is None else s.broadcast(n), lambda s: s)

  def fork(self, /, *, split=None):
    if split is not None:
      warnings.warn("The 'split' argument of 'fork' is deprecated; use the 'split' method "
                    "instead.", DeprecationWarning, stacklevel=2)

    def fork_one(stream, n):
      key = stream()
      if n is not None:
        key = random.split(key, n)
      return RngStream(key, tag=stream.tag)
    return self._each_stream(_normalize_split(split), fork_one, lambda s: s.fork())


def _streams(node, only):
  predicate = filterlib.to_predicate(only)
  for path, stream in graphlib.iter_graph(node):
    if isinstance(stream, RngStream) and predicate((*path, "key"), stream.key) and \
        predicate((*path, "count"), stream.count):
      yield path, stream


class SplitBackups(list):
  """Saved stream keys/counts; ``with split_rngs(...)`` restores them on exit."""

  def __enter__(self):
    return self

  def __exit__(self, *exc):
    restore_rngs(self)


def _counts_shape(stream, splits, squeeze):
  if squeeze:
    return stream.count.shape
  if isinstance(splits, int):
    return (splits, *stream.count.shape)
  return (*splits, *stream.count.shape)


def split_rngs(node=None, /, *, splits, only=..., squeeze: bool = False):
  """Replace each matching stream's key by ``splits`` keys (e.g. one per vmapped model);
  as a decorator it does so for the call and restores the streams afterwards."""
  if squeeze and splits != 1:
    raise ValueError("squeeze=True is only supported for splits=1")
  if node is None:
    def decorator(f):
      @functools.wraps(f)
      def wrapper(*args, **kwargs):
        with split_rngs((args, kwargs), splits=splits, only=only, squeeze=squeeze):
          return f(*args, **kwargs)
      return wrapper
    return decorator
  backups = SplitBackups()
  for _, stream in _streams(node, only):
    key = random.split(stream(), splits)
    if squeeze:
      key = key[0]
    backups.append((stream, stream.key[...], stream.count[...]))
    stream.key.set_value(key)
    stream.count.set_value(jnp.zeros(_counts_shape(stream, splits, squeeze), jnp.uint32))
  return backups


def fork_rngs(node=None, /, *, split=None):
  if node is None:
    def decorator(f):
      @functools.wraps(f)
      def wrapper(*args, **kwargs):
        with fork_rngs((args, kwargs), split=split):
          return f(*args, **kwargs)
      return wrapper
    return decorator
  rules = {...: None} if split is None else _normalize_split(split)
  predicates = {filterlib.to_predicate(k): v for k, v in rules.items()}
  backups = SplitBackups()
  for path, stream in _streams(node, ...):
    for predicate, n in predicates.items():
      if predicate((*path, "key"), stream.key):
        key = stream()
        if n is not None:
          key = random.split(key, n)
        backups.append((stream, stream.key[...], stream.count[...]))
        stream.key.set_value(key)
        stream.count.set_value(jnp.zeros(key.shape, jnp.uint32))
        break
  return backups


def backup_keys(node, /):
  return [(stream, stream.key[...]) for _, stream in _streams(node, ...)]


def restore_rngs(backups, /):
  for backup in backups:
    stream = backup[0]
    stream.key.set_value(backup[1])
    if len(backup) == 3:
      stream.count.set_value(backup[2])


def reseed(node, /, *, policy="scalars_only", **stream_keys):
  """Give the named streams fresh keys (``reseed(model, dropout=1)``) and zero counters."""
  rngs = Rngs(**stream_keys)
  for path, stream in _streams(node, ...):
    if stream.key.tag in stream_keys:
      key = rngs[stream.key.tag]()
      shape = stream.key.shape
      if callable(policy):
        key = policy(path, key, shape)
      elif shape != ():
        if policy != "match_shape":
          raise ValueError(f"Cannot reseed stream at path {path!r} becuase it has a non-scalar "
                           f"key, found key with shape {shape}. If all your multi-dimensional "
                           "keys have unique values on all dimensions, set "
                           "policy=\"match_shape\", else provide a custom reseed policy.")
        key = random.split(key, shape)
      stream.key.set_value(key)
      stream.count.set_value(jnp.zeros(key.shape, dtype=jnp.uint32))
