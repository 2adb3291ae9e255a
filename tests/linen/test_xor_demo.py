"""The Linen demo runs through the CLI: it learns XOR and restores its checkpoint."""
import subprocess
import sys


def test_xor_demo_learns_and_restores(tmp_path):
  out = subprocess.run([sys.executable, "-m", "jaxlite", "demo", "xor", "--epochs", "60",
                        "--ckpt-dir", str(tmp_path)], capture_output=True, text=True, timeout=600)
  assert out.returncode == 0, out.stderr
  line = next(l for l in out.stdout.splitlines() if l.startswith("test accuracy"))
  assert float(line.rsplit(" ", 1)[1].rstrip("%")) >= 95.0, line
  assert any(p.name.startswith("xor_") for p in tmp_path.iterdir())


def test_public_flax_modules_are_wired():
  import jaxlite.flax as flax
  assert flax.traverse_util.flatten_dict({"a": {"b": 1}}) == {("a", "b"): 1}
  assert issubclass(flax.errors.ScopeParamNotFoundError, flax.errors.FlaxError)
  assert flax.linen.Dense(3).features == 3
  assert flax.serialization.from_bytes(None, flax.serialization.to_bytes({"x": 1})) == {"x": 1}
