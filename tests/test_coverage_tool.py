"""tools/jnp_coverage.py: the generated coverage table, on a few names."""
import importlib.util
import json
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _tool():
  spec = importlib.util.spec_from_file_location(
      "jnp_coverage", os.path.join(ROOT, "tools", "jnp_coverage.py"))
  module = importlib.util.module_from_spec(spec)
  spec.loader.exec_module(module)
  return module


def test_reference_lists_the_jax_modules():
  ref = _tool().load_reference()
  assert ref["generated_by"] == "JAX 0.10.2"
  assert set(ref["modules"]) == {"jax.numpy", "jax.numpy.linalg", "jax.numpy.fft", "jax.nn",
                                 "jax.scipy.special"}
  assert {"sin", "polyfit", "ufunc"} <= set(ref["modules"]["jax.numpy"])
  assert ref["modules"]["jax.numpy"]["sin"]["sample"] == "v"
  assert ref["modules"]["jax.numpy"]["ufunc"] == {}   # a class: no one-array checks


def test_tool_writes_a_table_for_a_subset(tmp_path):
  out = tmp_path / "coverage.md"
  tool = _tool()
  assert tool.main(["--out", str(out), "--modules", "jax.numpy,jax.scipy.special",
                    "--names", "sin,argmax,dtype,polyval,gammaln,wofz"]) == 0
  text = out.read_text()
  assert "**Summary: 5 of 6 names implemented.**" in text   # wofz is missing
  rows = dict(re.findall(r"^\| `(\w+)` \| (.*) \|$", text, flags=re.M))
  # name | implemented | eager | jit | grad | vmap
  assert rows["sin"] == "yes | ✓ | ✓ | ✓ | ✓"
  assert rows["argmax"] == "yes | ✓ | ✓ | n/a | ✓"   # JAX can't grad an integer output
  assert rows["dtype"] == "yes | n/a | n/a | n/a | n/a"
  assert rows["polyval"] == "yes | n/a | n/a | n/a | n/a"   # needs two arguments
  assert rows["gammaln"] == "yes | ✓ | ✓ | ✓ | ✓"
  assert rows["wofz"].startswith("no | ✗")
  assert "| `jax.numpy` | 4 of 4 |" in text
  for line in text.splitlines():
    if line.startswith("| `") and line.count("|") == 7:
      cells = [c.strip() for c in line.strip("|").split("|")]
      assert cells[1] in ("yes", "no") and all(c in ("✓", "✗", "≠", "n/a") for c in cells[2:])


def test_check_function_reports_a_wrong_value():
  tool = _tool()
  ref = json.loads(json.dumps(tool.load_reference()["modules"]["jax.numpy"]["sin"]))
  ref["out"]["sums"] = [123.0]
  import jaxlite.numpy as jnp
  assert tool.check_function(jnp.sin, ref)["eager"] == "≠"
