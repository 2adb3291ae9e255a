"""``DefaultCheckpointHandlerRegistry``: which handler saves each named item, declared
up front (``CheckpointManager(handler_registry=...)``)."""
from __future__ import annotations

from jaxlite.orbax._src import checkpoint_args


class AlreadyExistsError(ValueError):
  pass


class NoEntryError(KeyError):
  pass


def _args_type(args):
  return args if isinstance(args, type) else type(args)


class DefaultCheckpointHandlerRegistry:
  """Maps ``(item name, args type)`` to a handler instance."""

  def __init__(self, other_registry=None):
    self._entries = dict(other_registry.get_all_entries()) if other_registry else {}

  def add(self, item, args, handler=None):
    key = (item, _args_type(args))
    if key in self._entries:
      raise AlreadyExistsError(f"Entry for item={item} and args_type={key[1]} already exists "
                               "in the registry.")
    if handler is None:
      handler = checkpoint_args.get_registered_handler_cls(args)
    if isinstance(handler, type):
      handler = handler()
    # The save and the restore args of one item share one handler instance.
    for (other_item, _), other in self._entries.items():
      if other_item == item and type(other) is type(handler):
        handler = other
    self._entries[key] = handler

  def get(self, item, args):
    key = (item, _args_type(args))
    if key not in self._entries:
      raise NoEntryError(f"No entry for item={item} and args_ty={key[1]} in the registry.")
    return self._entries[key]

  def has(self, item, args) -> bool:
    return (item, _args_type(args)) in self._entries

  def get_all_entries(self) -> dict:
    return dict(self._entries)

  def handlers_by_item(self) -> dict:
    """``{item name: handler}`` (items registered with ``item=None`` are skipped)."""
    return {item: h for (item, _), h in self._entries.items() if item is not None}


CheckpointHandlerRegistry = DefaultCheckpointHandlerRegistry
