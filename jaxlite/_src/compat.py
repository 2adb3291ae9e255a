"""Run code written for the real JAX stack on jaxlite, unchanged.

``install()`` puts a finder at the front of ``sys.meta_path`` that resolves ``jax``,
``flax``, ``optax`` and ``orbax`` (and any submodule) to the jaxlite module of the same
path. Nothing on disk changes: uninstall() restores the previous import behaviour."""
from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import runpy
import sys

# Real top-level package -> jaxlite package standing in for it.
ALIASES = {
    "jax": "jaxlite",
    "jaxlib": "jaxlite",
    "flax": "jaxlite.flax",
    "optax": "jaxlite.optax",
    "orbax": "jaxlite.orbax",
}


def target_name(fullname: str) -> str | None:
  root, _, rest = fullname.partition(".")
  base = ALIASES.get(root)
  if base is None:
    return None
  return f"{base}.{rest}" if rest else base


class _AliasLoader(importlib.abc.Loader):
  def __init__(self, module):
    self.module = module

  def create_module(self, spec):
    return self.module

  def exec_module(self, module):
    pass


class _AliasFinder(importlib.abc.MetaPathFinder):
  def find_spec(self, fullname, path=None, target=None):
    name = target_name(fullname)
    if name is None:
      return None
    try:
      module = importlib.import_module(name)
    except ModuleNotFoundError as e:
      if e.name is not None and (e.name == name or name.startswith(e.name + ".")):
        raise ModuleNotFoundError(
            f"No module named '{fullname}': jaxlite does not implement {fullname} yet (it "
            f"would be {name}).", name=fullname) from None
      raise
    spec = importlib.util.spec_from_loader(fullname, _AliasLoader(module),
                                           is_package=hasattr(module, "__path__"))
    return spec


_finder = _AliasFinder()


def install():
  """Make ``import jax`` (and flax, optax, orbax) import jaxlite from now on."""
  for root in ALIASES:
    mod = sys.modules.get(root)
    if mod is not None and not getattr(mod, "__name__", "").startswith("jaxlite"):
      raise RuntimeError(f"The real {root!r} is already imported; call "
                         "jaxlite.compat.install() before importing it.")
  if _finder not in sys.meta_path:
    sys.meta_path.insert(0, _finder)


def uninstall():
  if _finder in sys.meta_path:
    sys.meta_path.remove(_finder)
  for name in list(sys.modules):
    if name.partition(".")[0] in ALIASES and sys.modules[name].__name__.startswith("jaxlite"):
      del sys.modules[name]


def run(script: str, args=()):
  """Run ``script`` as ``__main__`` with the aliases installed (``python -m jaxlite run``)."""
  install()
  old_argv = sys.argv
  sys.argv = [script, *args]
  try:
    runpy.run_path(script, run_name="__main__")
  finally:
    sys.argv = old_argv


def missing_attribute(module_name: str, real_name: str):
  """A module ``__getattr__`` that says a name is missing from jaxlite, not just absent."""
  def __getattr__(name):
    if name.startswith("__"):
      raise AttributeError(name)
    raise AttributeError(f"module {real_name!r} has no attribute {name!r} in jaxlite: "
                         f"{real_name}.{name} is not implemented in jaxlite yet "
                         f"(module {module_name}).")
  return __getattr__
