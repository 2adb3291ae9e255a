"""Command line: ``python -m jaxlite [--version | info | demo NAME]``."""
from __future__ import annotations

import argparse
import platform
import sys


def _info() -> str:
  import ml_dtypes
  import numpy as np

  import jaxlite
  lines = [f"jaxlite:   {jaxlite.__version__}", f"numpy:     {np.__version__}",
           f"ml_dtypes: {ml_dtypes.__version__}",
           f"python:    {sys.version.split()[0]} ({platform.machine()})",
           f"devices:   {jaxlite.devices()}",
           f"x64:       {jaxlite.config.jax_enable_x64}"]
  return "\n".join(lines)


def main(argv) -> int:
  parser = argparse.ArgumentParser(prog="python -m jaxlite",
                                   description="The JAX programming model on NumPy.")
  parser.add_argument("--version", action="store_true", help="print the version and exit")
  sub = parser.add_subparsers(dest="command")
  sub.add_parser("info", help="print versions and devices")
  run = sub.add_parser("run", help="run a script written for jax/flax/optax/orbax on jaxlite")
  run.add_argument("script", help="path of the Python script")
  run.add_argument("args", nargs=argparse.REMAINDER, help="arguments passed to the script")
  demo = sub.add_parser("demo", help="run a demo: core (the JAX model in a page), digits "
                                     "(train an MLP on handwritten digits with NNX + Optax), xor (a Linen "
                                     "classifier with TrainState and a checkpoint)")
  demo.add_argument("name", nargs="?", default="core", choices=["core", "digits", "xor"],
                    help="which demo (default: core)")
  demo.add_argument("args", nargs=argparse.REMAINDER, help="options of the demo (--help)")
  args = parser.parse_args(argv)
  if args.version:
    import jaxlite
    print(jaxlite.__version__)
    return 0
  if args.command == "info":
    print(_info())
    return 0
  if args.command == "run":
    import os
    if not os.path.isfile(args.script):
      print(f"python -m jaxlite run: no such file: {args.script}", file=sys.stderr)
      return 2
    from jaxlite._src.compat import run as run_script
    run_script(args.script, args.args)
    return 0
  if args.command == "demo":
    if args.name == "digits":
      return _run_digits(args.args)
    if args.name == "xor":
      return _run_xor(args.args)
    from jaxlite._src.cli import demo_core
    return demo_core.main()
  parser.print_help()
  return 0


def _run_digits(argv) -> int:
  """The digits example is written for the real stack: run it through the compat layer."""
  missing = [m for m in ("sklearn", "matplotlib") if not _importable(m)]
  if missing:
    print(f"python -m jaxlite demo digits needs {' and '.join(missing)}: "
          "pip install 'jaxlite[examples]'", file=sys.stderr)
    return 2
  from jaxlite._src import compat
  compat.install()
  from jaxlite.examples import digits_nnx
  return digits_nnx.main(argv)


def _run_xor(argv) -> int:
  """Like digits, the Linen example is real-stack code run through the compat layer."""
  from jaxlite._src import compat
  compat.install()
  from jaxlite.examples import xor_linen
  return xor_linen.main(argv)


def _importable(name) -> bool:
  import importlib.util
  return importlib.util.find_spec(name) is not None
