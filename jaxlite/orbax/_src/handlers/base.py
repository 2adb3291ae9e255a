"""The handler interface, and the names under which checkpoints record their handlers.

A ``CheckpointHandler`` saves one item into a directory and restores it. An
``AsyncCheckpointHandler`` splits saving in two: ``prepare_save`` runs while the
caller waits (it validates and takes a private copy of everything mutable) and
returns a writer that does the I/O later, possibly in a background thread.

Checkpoints name the handler of each item with Orbax's class path (so that the real
Orbax restores them without arguments). Reading a name back goes through a fixed
table of known handlers: nothing named in a checkpoint is ever imported or run.
"""
from __future__ import annotations

import abc
from pathlib import Path
from typing import Callable

from jaxlite.orbax._src import checkpoint_args

_BY_TYPESTR = {}


def orbax_typestr(typestr: str):
  """Class decorator: ``typestr`` is how Orbax names this handler in checkpoints."""
  def decorator(cls):
    cls.ORBAX_TYPESTR = typestr
    _BY_TYPESTR[typestr] = cls
    return cls
  return decorator


def typestr_of(handler) -> str:
  cls = type(handler)
  return getattr(cls, "ORBAX_TYPESTR", None) or f"{cls.__module__}.{cls.__qualname__}"


def handler_class_for(typestr) -> type | None:
  """The built-in handler class recorded as ``typestr``, or None if unknown."""
  return _BY_TYPESTR.get(typestr)


class CheckpointHandler(abc.ABC):
  """Saves and restores one item in a directory."""

  @abc.abstractmethod
  def save(self, directory, *args, **kwargs):
    ...

  @abc.abstractmethod
  def restore(self, directory, *args, **kwargs):
    ...

  def metadata(self, directory):
    return None

  def finalize(self, directory):
    pass

  def close(self):
    pass


class AsyncCheckpointHandler(CheckpointHandler):
  """A handler whose writes can run after ``save`` has returned to the caller."""

  @abc.abstractmethod
  def prepare_save(self, args) -> Callable[[Path], None]:
    """Validates ``args`` and snapshots their data; returns ``write(directory)``."""

  def save(self, directory, *args, **kwargs):
    args = checkpoint_args.construct_args(self, True, *args, **kwargs)
    self.prepare_save(args)(Path(directory))
