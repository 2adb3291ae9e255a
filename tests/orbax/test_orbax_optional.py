"""TensorStore is optional: jaxlite imports without it, and checkpointing says what to
install (this test runs whether or not TensorStore is installed here)."""
import os
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_missing_tensorstore_gives_a_clear_import_error(tmp_path):
  code = (
      "import sys; sys.modules['tensorstore'] = None\n"
      "import jaxlite, jaxlite.numpy as jnp\n"
      "import jaxlite.orbax.checkpoint as ocp\n"
      "try:\n"
      "  ocp.PyTreeCheckpointer().save(sys.argv[1], {'x': jnp.ones(2)})\n"
      "except ImportError as e:\n"
      "  print('IMPORT-ERROR', e)\n")
  proc = subprocess.run([sys.executable, "-c", code, str(tmp_path / "ckpt")],
                        capture_output=True, text=True, cwd=REPO, timeout=60,
                        env={**os.environ, "PYTHONPATH": REPO})
  assert "IMPORT-ERROR" in proc.stdout, proc.stdout + proc.stderr
  assert "pip install 'jaxlite[checkpoint]'" in proc.stdout
  assert not os.path.exists(tmp_path / "ckpt")
