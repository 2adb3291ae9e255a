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
  demo = sub.add_parser("demo", help="run a demo")
  demo.add_argument("name", nargs="?", default="core", choices=["core"],
                    help="which demo (default: core)")
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
    from jaxlite._src.cli import demo_core
    return demo_core.main()
  parser.print_help()
  return 0
