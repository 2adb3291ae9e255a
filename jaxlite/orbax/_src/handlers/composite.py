"""``CompositeCheckpointHandler``: several named items in one checkpoint, each in its own
subdirectory and saved by its own handler (``args.Composite(state=..., meta=...)``)."""
from __future__ import annotations

from pathlib import Path

from jaxlite.orbax._src import checkpoint_args
from jaxlite.orbax._src import metadata as md
from jaxlite.orbax._src import step_metadata
from jaxlite.orbax._src.handlers import base


class CompositeArgs(checkpoint_args.CheckpointArgs):
  """Named CheckpointArgs (or restored values), read as attributes or keys."""

  def __init__(self, **items):
    for name in items:
      if name.startswith("_"):
        raise ValueError(f"Item name {name!r} must not start with an underscore.")
    object.__setattr__(self, "_items", dict(items))

  def __getattr__(self, name):
    items = object.__getattribute__(self, "_items")
    if name in items:
      return items[name]
    raise AttributeError(f"Composite has no item {name!r} (items: {list(items)}).")

  def __setattr__(self, name, value):
    raise ValueError("Composite is immutable after construction.")

  def __getitem__(self, name):
    if name not in self._items:
      raise KeyError(f"Composite has no item {name!r} (items: {list(self._items)}).")
    return self._items[name]

  def __contains__(self, name):
    return name in self._items

  def __iter__(self):
    return iter(self._items)

  def __len__(self):
    return len(self._items)

  def keys(self):
    return self._items.keys()

  def values(self):
    return self._items.values()

  def items(self):
    return self._items.items()

  def get(self, name, default=None):
    return self._items.get(name, default)

  def __eq__(self, other):
    return isinstance(other, CompositeArgs) and self._items == other._items

  def __hash__(self):
    return hash(tuple(self._items))

  def __repr__(self):
    return f"Composite({self._items!r})"


CompositeResults = CompositeArgs


class CompositeOptions:
  """Accepted for compatibility; the options concern multi-host saving only."""

  def __init__(self, **unused_options):
    pass


@base.orbax_typestr("orbax.checkpoint._src.handlers.composite_checkpoint_handler."
                    "CompositeCheckpointHandler")
class CompositeCheckpointHandler(base.AsyncCheckpointHandler):
  """Dispatches each item of a Composite to its handler, in ``<directory>/<item name>``."""

  def __init__(self, *item_names, composite_options=None, handler_registry=None,
               **items_and_handlers):
    del composite_options, handler_registry
    self._handlers = {name: None for name in item_names}
    self._handlers.update(items_and_handlers)

  @property
  def item_names(self):
    return list(self._handlers)

  def handler_for(self, name, args=None, typestr=None):
    """The handler of item ``name``, chosen from ``args`` or from the recorded ``typestr``."""
    handler = self._handlers.get(name)
    if args is not None:
      if handler is not None:
        save_cls, restore_cls = checkpoint_args.get_registered_args_cls(handler)
        if isinstance(args, tuple(c for c in (save_cls, restore_cls) if c is not None)):
          return handler
      handler = checkpoint_args.get_registered_handler_cls(args)()
    elif handler is None:
      cls = base.handler_class_for(typestr) if typestr is not None else None
      if cls is None:
        raise ValueError(
            f"No handler known for item {name!r}" +
            (f" (saved by {typestr}, which jaxlite does not know)" if typestr else "") +
            ": pass its `args` (e.g. args.Composite(" + name + "=args.StandardRestore())).")
      handler = cls()
    self._handlers[name] = handler
    return handler

  def item_typestrs(self, args: CompositeArgs) -> dict:
    """``{item: handler name}`` to record in ``_CHECKPOINT_METADATA``."""
    return {name: base.typestr_of(self.handler_for(name, a)) for name, a in args.items()}

  def prepare_save(self, args):
    if not isinstance(args, CompositeArgs):
      raise ValueError(f"Expected args of type `Composite`; found {type(args)}.")
    writers = []
    for name, item_args in args.items():
      if item_args is None:
        continue
      handler = self.handler_for(name, item_args)
      if isinstance(handler, base.AsyncCheckpointHandler):
        writers.append((name, handler.prepare_save(item_args)))
      else:
        writers.append((name, lambda d, h=handler, a=item_args: h.save(d, args=a)))

    def write(directory: Path):
      for name, writer in writers:
        writer(Path(directory) / name)
    return write

  def restore(self, directory, args=None):
    directory = Path(directory)
    recorded = step_metadata.read(directory).item_handlers
    recorded = recorded if isinstance(recorded, dict) else {}
    if args is None or len(args) == 0:
      names = [n for n in {**recorded, **self._handlers} if (directory / n).is_dir()]
      args = CompositeArgs(**{n: None for n in names})
    restored = {}
    for name, item_args in args.items():
      item_dir = directory / name
      if not item_dir.is_dir():
        present = sorted(p.name for p in directory.iterdir() if p.is_dir())
        raise FileNotFoundError(f"Item {name!r} not found in checkpoint {directory} "
                                f"(items present: {present}).")
      handler = self.handler_for(name, item_args, recorded.get(name))
      restored[name] = (handler.restore(item_dir, args=item_args) if item_args is not None
                        else handler.restore(item_dir))
    return CompositeArgs(**restored)

  def metadata(self, directory) -> md.StepMetadata:
    directory = Path(directory)
    step = step_metadata.read(directory)
    recorded = step.item_handlers if isinstance(step.item_handlers, dict) else {}
    items = {}
    for name in {**recorded, **self._handlers}:
      if not (directory / name).is_dir():
        continue
      try:
        handler = self.handler_for(name, None, recorded.get(name))
      except ValueError:
        items[name] = None
        continue
      items[name] = handler.metadata(directory / name)
    step.item_metadata = CompositeArgs(**items)
    return step

  def close(self):
    for handler in self._handlers.values():
      if handler is not None:
        handler.close()


checkpoint_args.register_with_handler(CompositeCheckpointHandler, for_save=True)(CompositeArgs)
checkpoint_args.register_with_handler(CompositeCheckpointHandler, for_restore=True)(CompositeArgs)
