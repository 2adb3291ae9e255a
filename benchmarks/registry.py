"""The workload registry and the engine object every workload is written against.

A workload is a ``setup(e)`` function registered with ``@workload``. ``e`` is an
:class:`Engine`: ``e.jax`` / ``e.jnp`` are ``jaxlite`` / ``jaxlite.numpy`` or ``jax`` /
``jax.numpy`` (the same source measures both), and for the hand-written NumPy baseline
``e.jax`` is None and ``e.jnp`` is ``numpy``. ``setup`` returns ``(fn, *args)``: the timed
thing is ``fn(*args)``. It returns None when the workload means nothing for that engine
(e.g. no NumPy baseline). ``e.quick`` is set under ``run.py --quick``.

This module and the workload modules import only NumPy at top level: the worker process
that imports them may be an interpreter with the real JAX and no jaxlite.

Adding a workload: write one decorated function in a ``workloads_*.py`` module (a new
module also goes into ``MODULES``)."""
from __future__ import annotations

import dataclasses
import importlib
from typing import Callable

import numpy as np

MODULES = ("workloads_core", "workloads_compiler")

WORKLOADS: dict[str, "Workload"] = {}


@dataclasses.dataclass(frozen=True)
class Workload:
  name: str
  doc: str
  setup: Callable
  # engine name -> the largest acceptable median ratio jaxlite / that engine
  targets: dict
  # True: every sample builds a fresh function with setup() and times its first call
  fresh: bool
  # caps the default round count (expensive one-shot workloads); --rounds overrides it
  rounds: int | None


def workload(name, doc, *, targets=None, fresh=False, rounds=None):
  def register(setup):
    if name in WORKLOADS:
      raise ValueError(f"duplicate workload name {name!r}")
    WORKLOADS[name] = Workload(name, doc, setup, dict(targets or {}), fresh, rounds)
    return setup
  return register


def load_all() -> dict[str, Workload]:
  for module in MODULES:
    importlib.import_module(module)
  return WORKLOADS


class Engine:
  """One engine's modules, under JAX's names."""

  def __init__(self, name: str, quick: bool = False):
    self.name = name
    self.np = np
    # --quick checks the harness: big workloads shrink to toy sizes when this is set
    self.quick = quick
    if name == "numpy":
      self.jax, self.jnp = None, np
    else:  # "jax" or "jaxlite"
      self.jax = importlib.import_module(name)
      self.jnp = importlib.import_module(name + ".numpy")

  @property
  def is_numpy(self) -> bool:
    return self.jax is None

  @property
  def version(self) -> str:
    return (self.jax or np).__version__

  def jit(self, fun):
    """``jax.jit`` for JAX engines; NumPy has no compiler, so the plain function."""
    return fun if self.jax is None else self.jax.jit(fun)

  def block(self, out):
    if self.jax is not None:
      self.jax.block_until_ready(out)
