"""Running code written for the real stack: import aliases and ``python -m jaxlite run``."""
import subprocess
import sys
import textwrap

import pytest

from jaxlite._src import compat


@pytest.fixture
def installed():
  compat.install()
  try:
    yield
  finally:
    compat.uninstall()


def test_imports_resolve_to_jaxlite(installed):
  import jax
  import jax.numpy as jnp
  from jax import lax, tree_util
  import jaxlite
  assert jax is jaxlite
  assert jnp is jaxlite.numpy and lax is jaxlite.lax and tree_util is jaxlite.tree_util
  assert float(jax.grad(lambda x: jnp.sin(x))(0.0)) == 1.0


def test_missing_names_say_not_implemented(installed):
  import jax
  with pytest.raises(AttributeError, match="not implemented in jaxlite yet"):
    jax.definitely_missing_function
  with pytest.raises(ImportError, match="jaxlite does not implement jax.no_such_module"):
    import jax.no_such_module  # noqa: F401


def test_install_refuses_when_real_package_already_imported(monkeypatch):
  import types
  monkeypatch.setitem(sys.modules, "optax", types.ModuleType("optax"))
  with pytest.raises(RuntimeError, match="real 'optax' is already imported"):
    compat.install()


def test_python_m_jaxlite_run(tmp_path):
  script = tmp_path / "train.py"
  script.write_text(textwrap.dedent("""
      import sys
      import jax, jax.numpy as jnp
      print("ok", float(jax.jit(lambda x: x * 2)(jnp.float32(3))), sys.argv[1:])
  """))
  out = subprocess.run([sys.executable, "-m", "jaxlite", "run", str(script), "--lr", "0.1"],
                       capture_output=True, text=True, timeout=120)
  assert out.returncode == 0, out.stderr
  assert out.stdout.strip() == "ok 6.0 ['--lr', '0.1']"


def test_run_missing_script_is_one_line_error():
  out = subprocess.run([sys.executable, "-m", "jaxlite", "run", "/no/such/file.py"],
                       capture_output=True, text=True, timeout=120)
  assert out.returncode == 2
  assert out.stderr.strip() == "python -m jaxlite run: no such file: /no/such/file.py"


def test_version_and_info():
  out = subprocess.run([sys.executable, "-m", "jaxlite", "--version"], capture_output=True,
                       text=True, timeout=120)
  import jaxlite
  assert out.stdout.strip() == jaxlite.__version__
  info = subprocess.run([sys.executable, "-m", "jaxlite", "info"], capture_output=True,
                        text=True, timeout=120)
  assert "numpy:" in info.stdout and "CpuDevice(id=0)" in info.stdout
