"""Durable small-file I/O: every file is flushed and fsynced, every directory entry too."""
from __future__ import annotations

import json
import os
from pathlib import Path


def fsync_dir(path) -> None:
  """Makes the entries (creations, renames, deletions) of directory ``path`` durable."""
  fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
  try:
    os.fsync(fd)
  finally:
    os.close(fd)


def write_bytes(path, data: bytes) -> None:
  """Writes ``path`` and fsyncs it. The caller fsyncs the parent directory."""
  with open(path, "wb") as f:
    f.write(data)
    f.flush()
    os.fsync(f.fileno())


def write_text(path, text: str) -> None:
  write_bytes(path, text.encode("utf-8"))


def write_json(path, obj) -> None:
  write_text(path, json.dumps(obj))


def replace_json(path, obj) -> None:
  """Replaces ``path`` atomically: readers see the old or the new content, never a mix."""
  path = Path(path)
  tmp = path.with_name(path.name + ".tmp")
  write_json(tmp, obj)
  os.replace(tmp, path)
  fsync_dir(path.parent)


def read_json(path, what: str):
  """Parses the JSON file ``path``; ``what`` names it in the error if it is missing or bad."""
  path = Path(path)
  try:
    text = path.read_text(encoding="utf-8")
  except FileNotFoundError:
    raise FileNotFoundError(f"{what} not found: {path} does not exist.") from None
  try:
    return json.loads(text)
  except (json.JSONDecodeError, UnicodeDecodeError) as e:
    raise ValueError(f"{what} at {path} is corrupted or truncated (not valid JSON: {e}).") \
        from None


def fsync_tree(root) -> None:
  """fsyncs every directory under ``root`` (deepest first) and ``root`` itself.

  Files are fsynced by whoever wrote them; this makes their directory entries durable,
  so that a rename of ``root`` never publishes a directory with missing entries."""
  for dirpath, _, _ in sorted(os.walk(root), key=lambda t: -t[0].count(os.sep)):
    fsync_dir(dirpath)
