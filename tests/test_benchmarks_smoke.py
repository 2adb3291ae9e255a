"""The benchmark runner works end to end (quick mode, tiny workloads). No timing assertions:
CI machines are too noisy for them; benchmarks/README.md holds the measured numbers."""
import json
import os
import re
import subprocess
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TIME = r"[\d.]+ / [\d.]+ (ns|µs|ms|s)"


def _run(*args):
  return subprocess.run([sys.executable, os.path.join(REPO, "benchmarks", "run.py"), *args],
                        capture_output=True, text=True, timeout=60, cwd=REPO)


def test_quick_run_prints_a_row_per_workload():
  proc = _run("--quick", "--only", "eager_add_op", "jit_tiny")
  assert proc.returncode == 0, proc.stdout + proc.stderr
  out = proc.stdout
  assert "| workload | jaxlite min / med | NumPy min / med | JAX min / med |" in out
  rows = {line.split("|")[1].strip(): line for line in out.splitlines()
          if line.startswith("| ") and "---" not in line}
  assert set(rows) == {"workload", "eager_add_op", "jit_tiny"}
  for name in ("eager_add_op", "jit_tiny"):
    cells = [c.strip() for c in rows[name].split("|")[1:-1]]
    assert re.fullmatch(TIME, cells[1]), cells  # jaxlite
    assert re.fullmatch(TIME, cells[2]), cells  # NumPy
    assert cells[3] == "-"  # no --jax-python
    assert re.fullmatch(r"[\d.]+x \([\d.]+x\)", cells[4]), cells
  assert "JAX: n/a" in rows["eager_add_op"]
  assert "results agree" in out


def test_unknown_workload_is_rejected():
  proc = _run("--only", "no_such_workload")
  assert proc.returncode != 0
  assert "unknown workload" in proc.stderr and "eager_add_op" in proc.stderr


def test_quick_mode_shrinks_the_big_workloads(tmp_path):
  # selu_1e8 is 10000x10000 (400 MB an array) when measured; --quick must run it at toy size.
  # The check value is the sum of |selu(x)| over x ~ N(0, 1): ~0.9 per element.
  out = tmp_path / "samples.json"
  proc = _run("--quick", "--only", "selu_1e8", "--json", str(out))
  assert proc.returncode == 0, proc.stdout + proc.stderr
  result = json.loads(out.read_text())["results"]["selu_1e8"]
  (jaxlite_sum,), (numpy_sum,) = result["jaxlite"]["check"], result["numpy"]["check"]
  assert 1e3 < jaxlite_sum < 1e6
  assert abs(jaxlite_sum - numpy_sum) <= 1e-4 * jaxlite_sum


def test_list_names_every_workload():
  proc = _run("--list")
  assert proc.returncode == 0, proc.stderr
  names = [line.split()[0] for line in proc.stdout.splitlines()]
  for name in ("eager_add_op", "mlp_step", "selu_1e8", "matvec_vmap", "blur_81", "cnn_step",
               "compile_cnn", "transformer_step"):
    assert name in names
