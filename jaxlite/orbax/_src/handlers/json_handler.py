"""``JsonCheckpointHandler``: a JSON-serializable object in one file."""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any, Optional

from jaxlite.orbax._src import checkpoint_args
from jaxlite.orbax._src import fileio
from jaxlite.orbax._src.handlers import base


@base.orbax_typestr("orbax.checkpoint._src.handlers.json_checkpoint_handler."
                    "JsonCheckpointHandler")
class JsonCheckpointHandler(base.AsyncCheckpointHandler):
  """Writes the item as JSON to ``<directory>/<filename>`` (default ``metadata``)."""

  def __init__(self, filename: Optional[str] = None, **unused_options):
    self._filename = filename or "metadata"

  def prepare_save(self, args):
    # Serializing now both validates the item and freezes its current content.
    try:
      text = json.dumps(args.item)
    except (TypeError, ValueError) as e:
      raise TypeError(f"JsonSave item is not JSON-serializable: {e}") from None

    def write(directory: Path):
      directory.mkdir(parents=True, exist_ok=True)
      fileio.write_text(directory / self._filename, text)
    return write

  def restore(self, directory, *args, **kwargs):
    return fileio.read_json(Path(directory) / self._filename, "JSON checkpoint item")


@checkpoint_args.register_with_handler(JsonCheckpointHandler, for_save=True)
@dataclasses.dataclass
class JsonSaveArgs(checkpoint_args.CheckpointArgs):
  item: Any = None


@checkpoint_args.register_with_handler(JsonCheckpointHandler, for_restore=True)
@dataclasses.dataclass
class JsonRestoreArgs(checkpoint_args.CheckpointArgs):
  item: Any = None
