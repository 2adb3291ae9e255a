"""Atomic checkpoint directories: write under a temporary name, publish by one rename.

A checkpoint is written to ``<name>.orbax-checkpoint-tmp`` (Orbax's name, so either
library ignores the other's unfinished saves), every file and directory is fsynced,
then the directory is renamed to ``<name>``. A process killed at any point leaves
either no ``<name>`` or a complete one. Deleting works the same way backwards: the
directory is first renamed to a temporary name, so a half-deleted checkpoint is
never mistaken for a whole one.

The temporary directory holds a small file naming its writer (pid and host) until the
commit, so that a later process can tell an abandoned save from one in progress.
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import time
from pathlib import Path

from jaxlite.orbax._src import fileio

TMP_DIR_SUFFIX = ".orbax-checkpoint-tmp"
COMMIT_SUCCESS_FILE = "commit_success.txt"
_WRITER_FILE = ".jaxlite-writer"
_DELETED_MARK = "-deleted-"


def is_tmp_name(name: str) -> bool:
  return TMP_DIR_SUFFIX in name


def tmp_path_for(final: Path) -> Path:
  return final.parent / (final.name + TMP_DIR_SUFFIX)


def _pid_alive(pid: int) -> bool:
  try:
    os.kill(pid, 0)
  except ProcessLookupError:
    return False
  except PermissionError:
    return True
  return True


def _writer(tmp: Path) -> str:
  """Who is writing ``tmp``: "self", "alive", "dead" or "unknown" (not ours to judge)."""
  if _DELETED_MARK in tmp.name:
    return "dead"
  try:
    writer = json.loads((tmp / _WRITER_FILE).read_text())
  except (OSError, ValueError):
    return "unknown"  # not ours (e.g. a real Orbax save), or killed before it said
  if writer.get("host") != socket.gethostname():
    return "unknown"
  if writer.get("pid") == os.getpid():
    return "self"
  return "alive" if _pid_alive(int(writer.get("pid", -1))) else "dead"


def remove(path: Path) -> None:
  """Deletes the directory ``path`` so that it vanishes from its name in one step."""
  if not path.exists():
    return
  doomed = path.parent / f"{path.name}{TMP_DIR_SUFFIX}{_DELETED_MARK}{time.time_ns()}"
  os.rename(path, doomed)
  fileio.fsync_dir(path.parent)
  shutil.rmtree(doomed, ignore_errors=True)


def begin(final: Path) -> Path:
  """Creates the empty temporary directory of a save to ``final`` and returns it."""
  final.parent.mkdir(parents=True, exist_ok=True)
  tmp = tmp_path_for(final)
  if tmp.exists():
    if _writer(tmp) == "alive":
      raise RuntimeError(f"Cannot save to {final}: another save to it is in progress "
                         f"({tmp} belongs to a running process).")
    remove(tmp)
  tmp.mkdir()
  fileio.write_json(tmp / _WRITER_FILE, {"pid": os.getpid(), "host": socket.gethostname()})
  fileio.fsync_dir(tmp)
  fileio.fsync_dir(final.parent)
  return tmp


def commit(tmp: Path, final: Path, *, replace: bool = False) -> None:
  """Publishes the finished temporary directory ``tmp`` as ``final``."""
  fileio.write_text(tmp / COMMIT_SUCCESS_FILE, f"Checkpoint commit was successful to {final}")
  fileio.fsync_tree(tmp)
  if final.exists():
    if not replace:
      raise ValueError(f"Destination {final} already exists.")
    remove(final)
  os.rename(tmp, final)
  fileio.fsync_dir(final.parent)
  # Dropped only now, so that every unfinished save can be told apart (a crash right
  # here leaves a stray record in a complete checkpoint, which readers ignore).
  (final / _WRITER_FILE).unlink()


def abort(tmp: Path) -> None:
  """Discards the temporary directory of a save that failed."""
  try:
    remove(tmp)
  except OSError:
    pass  # the leftover is recognized as temporary and cleaned up later


def cleanup(root: Path, *, everything: bool) -> list:
  """Deletes leftover temporary directories under ``root``; returns their paths.

  With ``everything`` (Orbax's ``cleanup_tmp_directories=True``) all are deleted;
  otherwise only those whose writer is provably dead."""
  removed = []
  if not root.is_dir():
    return removed
  for entry in root.iterdir():
    if entry.is_dir() and is_tmp_name(entry.name) and (everything or _writer(entry) == "dead"):
      shutil.rmtree(entry, ignore_errors=True)
      removed.append(entry)
  return removed
