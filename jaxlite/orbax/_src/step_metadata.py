"""``_CHECKPOINT_METADATA``: per-checkpoint record of item handlers, times and custom data,
and ``metadata/_ROOT_METADATA``, the manager's step-independent metadata."""
from __future__ import annotations

from pathlib import Path

from jaxlite.orbax._src import fileio
from jaxlite.orbax._src import metadata as md

STEP_METADATA_FILE = "_CHECKPOINT_METADATA"
ROOT_METADATA_DIR = "metadata"
ROOT_METADATA_FILE = "_ROOT_METADATA"


def write(directory: Path, *, item_handlers, init_ns: int, commit_ns: int,
          custom_metadata=None) -> None:
  fileio.write_json(directory / STEP_METADATA_FILE, {
      "item_handlers": item_handlers,
      "metrics": {},
      "performance_metrics": {},
      "init_timestamp_nsecs": init_ns,
      "commit_timestamp_nsecs": commit_ns,
      "custom_metadata": custom_metadata or {},
  })


def read(directory: Path) -> md.StepMetadata:
  """The step's metadata; empty if the file is absent (older checkpoints lack it)."""
  path = Path(directory) / STEP_METADATA_FILE
  if not path.exists():
    return md.StepMetadata()
  obj = fileio.read_json(path, "Checkpoint step metadata")
  if not isinstance(obj, dict):
    raise ValueError(f"Checkpoint step metadata at {path} is malformed.")
  return md.StepMetadata(
      item_handlers=obj.get("item_handlers"),
      metrics=obj.get("metrics") or {},
      performance_metrics=obj.get("performance_metrics") or {},
      init_timestamp_nsecs=obj.get("init_timestamp_nsecs"),
      commit_timestamp_nsecs=obj.get("commit_timestamp_nsecs"),
      custom_metadata=obj.get("custom_metadata") or {},
  )


def write_root(root: Path, custom_metadata) -> None:
  """Writes the root metadata once; an existing file (from an earlier run) is kept."""
  directory = root / ROOT_METADATA_DIR
  path = directory / ROOT_METADATA_FILE
  if path.exists():
    return
  directory.mkdir(parents=True, exist_ok=True)
  fileio.replace_json(path, {"internal_metadata": {}, "custom_metadata": dict(custom_metadata)})
  fileio.fsync_dir(root)


def read_root(root: Path) -> md.RootMetadata:
  path = root / ROOT_METADATA_DIR / ROOT_METADATA_FILE
  if not path.exists():
    return md.RootMetadata(custom_metadata={})
  obj = fileio.read_json(path, "Root metadata")
  return md.RootMetadata(internal_metadata=obj.get("internal_metadata") or {},
                         custom_metadata=obj.get("custom_metadata") or {})
