"""NumPy without floating-point warnings, for the eager fast paths (JAX gives inf/nan
silently). ``np.errstate`` costs ~1 us a call, more than the operation it guards; setting
NumPy's error-state context variable directly costs ~0.15 us. That variable is private to
NumPy 2, so when it is missing ``call`` falls back to ``np.errstate``."""
from __future__ import annotations

import numpy as np

try:
  from numpy._core._ufunc_config import _extobj_contextvar as _state
  with np.errstate(all="ignore"):
    _IGNORE = _state.get()
except (ImportError, AttributeError):  # another NumPy: the public, slower way
  _state = None


def call(fn, a, b):
  """``fn(a, b)`` with NumPy's overflow/invalid/divide warnings off."""
  if _state is None:
    with np.errstate(all="ignore"):
      return fn(a, b)
  token = _state.set(_IGNORE)
  try:
    return fn(a, b)
  finally:
    _state.reset(token)


def call1(fn, a):
  """``fn(a)`` with NumPy's floating-point warnings off."""
  if _state is None:
    with np.errstate(all="ignore"):
      return fn(a)
  token = _state.set(_IGNORE)
  try:
    return fn(a)
  finally:
    _state.reset(token)
