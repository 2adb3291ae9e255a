"""jit's compiler: jaxpr passes, then NumPy source generation.

``JAXLITE_OPTIMIZE=0`` in the environment turns the optimising passes off by default (the
unoptimised code is the reference the optimised code is tested against); an ``Executable``
takes ``optimize=`` to choose per program."""
import os

OPTIMIZE_DEFAULT = os.environ.get("JAXLITE_OPTIMIZE", "1").strip().lower() not in (
    "0", "false", "no", "off")
