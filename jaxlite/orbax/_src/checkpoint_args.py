"""``CheckpointArgs``: what to save or restore, and which handler knows how.

Each handler registers one save and one restore args class; a checkpointer or
manager given ``args`` finds the handler from the args' class.
"""
from __future__ import annotations

import dataclasses

_SAVE_ARGS = {}      # handler class -> save args class
_RESTORE_ARGS = {}   # handler class -> restore args class
_HANDLER_OF = {}     # args class -> handler class


@dataclasses.dataclass
class CheckpointArgs:
  """Base of every ``ocp.args`` class."""


def register_with_handler(handler_cls, for_save: bool = False, for_restore: bool = False):
  """Class decorator tying a CheckpointArgs subclass to ``handler_cls``."""
  if for_save == for_restore:
    raise ValueError("Exactly one of `for_save` and `for_restore` must be True.")

  def decorator(args_cls):
    (_SAVE_ARGS if for_save else _RESTORE_ARGS)[handler_cls] = args_cls
    _HANDLER_OF[args_cls] = handler_cls
    return args_cls
  return decorator


def get_registered_handler_cls(args):
  """The handler class registered for ``args`` (an instance or a class)."""
  cls = args if isinstance(args, type) else type(args)
  for klass in cls.__mro__:
    if klass in _HANDLER_OF:
      return _HANDLER_OF[klass]
  raise ValueError(f"No CheckpointHandler registered for {cls.__name__}.")


def has_registered_args(handler) -> bool:
  cls = handler if isinstance(handler, type) else type(handler)
  return any(k in _SAVE_ARGS or k in _RESTORE_ARGS for k in cls.__mro__)


def get_registered_args_cls(handler):
  """``(save_args_cls, restore_args_cls)`` registered for ``handler``."""
  cls = handler if isinstance(handler, type) else type(handler)
  for klass in cls.__mro__:
    if klass in _SAVE_ARGS or klass in _RESTORE_ARGS:
      return _SAVE_ARGS.get(klass), _RESTORE_ARGS.get(klass)
  raise ValueError(f"No CheckpointArgs registered for handler {cls.__name__}.")


def construct_args(handler, for_save: bool, *args, **kwargs) -> CheckpointArgs:
  """The CheckpointArgs among ``args``/``kwargs``, else built from them (legacy calls
  like ``handler.save(path, item=tree)``) with the class registered for ``handler``."""
  for value in (*args, *kwargs.values()):
    if isinstance(value, CheckpointArgs):
      return value
  save_cls, restore_cls = get_registered_args_cls(handler)
  cls = save_cls if for_save else restore_cls
  kwargs.pop("args", None)
  return cls(*args, **kwargs)
