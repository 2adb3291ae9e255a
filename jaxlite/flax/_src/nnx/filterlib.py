"""Filters: select state by ``(path, value)``.

A filter is a Variable type (``nnx.Param``), a string tag, ``...``/``True`` (everything),
``None``/``False`` (nothing), a predicate ``f(path, value) -> bool``, or a list/tuple of
filters (any of them). ``to_predicate`` turns each into a predicate."""
from __future__ import annotations

import dataclasses
import typing as tp


def to_predicate(filter):
  if isinstance(filter, str):
    return WithTag(filter)
  if isinstance(filter, type):
    return OfType(filter)
  if isinstance(filter, bool):
    return Everything() if filter else Nothing()
  if filter is Ellipsis:
    return Everything()
  if filter is None:
    return Nothing()
  if callable(filter):
    return filter
  if isinstance(filter, (list, tuple)):
    return Any(*filter)
  raise TypeError(f"Invalid collection filter: {filter!r}. ")


def filters_to_predicates(filters):
  for i, f in enumerate(filters):
    # `...` swallows everything: a filter after it could never match.
    if f is Ellipsis or f is True:
      if i != len(filters) - 1 and not all(g is Ellipsis or g is True for g in filters[i + 1:]):
        raise ValueError(f"`...` or `True` can only be used as the last filters, got {f} it "
                         f"at index {i}.")
  return tuple(map(to_predicate, filters))


@dataclasses.dataclass(frozen=True)
class WithTag:
  tag: str

  def __call__(self, path, x):
    return hasattr(x, "tag") and x.tag == self.tag

  def __repr__(self):
    return f"WithTag({self.tag!r})"


@dataclasses.dataclass(frozen=True)
class PathContains:
  key: tp.Any
  exact: bool = True

  def __call__(self, path, x):
    if self.exact:
      return self.key in path
    return any(str(self.key) in str(part) for part in path)

  def __repr__(self):
    return f"PathContains({self.key!r}, exact={self.exact})"


class PathIn:
  def __init__(self, *paths):
    self.paths = frozenset(paths)

  def __call__(self, path, x):
    return path in self.paths

  def __repr__(self):
    return f"PathIn({','.join(map(repr, self.paths))})"

  def __eq__(self, other):
    return isinstance(other, PathIn) and self.paths == other.paths

  def __hash__(self):
    return hash(self.paths)


@dataclasses.dataclass(frozen=True)
class OfType:
  type: type

  def __call__(self, path, x):
    return isinstance(x, self.type)

  def __repr__(self):
    return f"OfType({self.type!r})"


class _Combinator:
  def __init__(self, *filters):
    self.predicates = tuple(to_predicate(f) for f in filters)

  def __repr__(self):
    return f"{type(self).__name__}({', '.join(map(repr, self.predicates))})"

  def __eq__(self, other):
    return type(other) is type(self) and self.predicates == other.predicates

  def __hash__(self):
    return hash((type(self), self.predicates))


class Any(_Combinator):
  def __call__(self, path, x):
    return any(p(path, x) for p in self.predicates)


class All(_Combinator):
  def __call__(self, path, x):
    return all(p(path, x) for p in self.predicates)


class Not:
  def __init__(self, collection_filter, /):
    self.predicate = to_predicate(collection_filter)

  def __call__(self, path, x):
    return not self.predicate(path, x)

  def __repr__(self):
    return f"Not({self.predicate!r})"

  def __eq__(self, other):
    return isinstance(other, Not) and self.predicate == other.predicate

  def __hash__(self):
    return hash((Not, self.predicate))


class Everything:
  def __call__(self, path, x):
    return True

  def __repr__(self):
    return "Everything()"

  def __eq__(self, other):
    return isinstance(other, Everything)

  def __hash__(self):
    return hash(Everything)


class Nothing:
  def __call__(self, path, x):
    return False

  def __repr__(self):
    return "Nothing()"

  def __eq__(self, other):
    return isinstance(other, Nothing)

  def __hash__(self):
    return hash(Nothing)
