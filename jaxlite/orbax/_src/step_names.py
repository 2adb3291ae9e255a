"""Step directory names: ``[<prefix>_]<step, optionally zero padded>`` (Orbax's format)."""
from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Optional

from jaxlite.orbax._src import atomicity


@dataclasses.dataclass(frozen=True)
class NameFormat:
  step_prefix: Optional[str] = None
  step_format_fixed_length: Optional[int] = None

  def _prefix(self) -> str:
    return f"{self.step_prefix}_" if self.step_prefix else ""

  def build_name(self, step: int) -> str:
    if self.step_format_fixed_length is not None:
      return f"{self._prefix()}{step:0{self.step_format_fixed_length}d}"
    return f"{self._prefix()}{step}"

  def parse(self, name: str) -> Optional[int]:
    """The step a finished step directory's name stands for, or None."""
    if atomicity.is_tmp_name(name):
      return None
    n = self.step_format_fixed_length
    if n:
      digits = rf"(0\d{{{n - 1}}}|[1-9]\d{{{n - 1}}}\d*)"
    else:
      digits = r"(0|[1-9]\d*)"
    match = re.fullmatch(re.escape(self._prefix()) + digits, name)
    return int(match.group(1)) if match else None

  def find_all(self, root: Path) -> dict:
    """``{step: path}`` of every committed step directory under ``root``."""
    found = {}
    if not root.is_dir():
      return found
    for entry in root.iterdir():
      step = self.parse(entry.name)
      if step is not None and entry.is_dir():
        found[step] = entry
    return found


def standard_name_format(step_prefix=None, step_format_fixed_length=None) -> NameFormat:
  return NameFormat(step_prefix, step_format_fixed_length)
