"""``python -m jaxlite``: demos, version and environment info."""
import sys

from jaxlite._src.cli.main import main

sys.exit(main(sys.argv[1:]))
