"""``lax.Precision``: the accuracy a matrix product asks for. On CPU every choice computes in
the operands' dtype, so jaxlite records it (jaxprs show it) and computes the same way."""
from __future__ import annotations

import enum


class Precision(enum.Enum):
  DEFAULT = 0
  HIGH = 1
  HIGHEST = 2

  @classmethod
  def _missing_(cls, value):
    # JAX's string spellings, including the dtype-named aliases.
    names = {"default": cls.DEFAULT, "fastest": cls.DEFAULT, "bfloat16": cls.DEFAULT,
             "high": cls.HIGH, "tensorfloat32": cls.HIGH,
             "highest": cls.HIGHEST, "float32": cls.HIGHEST}
    return names.get(value) if isinstance(value, str) else None

  def __repr__(self):
    return f"Precision.{self.name}"

  def __str__(self):
    return self.name


def canonicalize_precision(precision):
  """None, one precision for both operands, or a pair: a pair of Precisions (or None)."""
  if precision is None:
    return None
  if isinstance(precision, (Precision, str)):
    p = Precision(precision)
    return (p, p)
  if isinstance(precision, (tuple, list)) and len(precision) == 2:
    return tuple(Precision(p) for p in precision)
  raise ValueError(f"Precision argument must be None, a string in ['default', 'high', "
                   f"'highest', 'bfloat16', 'tensorfloat32', 'float32', 'fastest'], a "
                   f"lax.Precision value or a tuple of two lax.Precision values or strings; "
                   f"got {precision}.")
