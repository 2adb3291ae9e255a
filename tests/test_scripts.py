"""Tutorial-style scripts written for the real JAX stack (``import jax``, ``from flax import
nnx``, ``import optax``, ``import orbax``) run unchanged through ``python -m jaxlite run`` and
learn: the loss falls, ends below a bar the real stack also clears in the same quick run, and
lands near the real stack's own number.

The real_initial / real_final numbers below come from running each script with ``--quick`` on jax 0.10.2,
flax 0.12.8, optax 0.2.8, orbax-checkpoint 0.12.8. The scripts seed everything, so the
initial loss must match the real stack to float32 rounding (same PRNG, same initialisers);
the final loss after a few hundred float32 steps may drift a little, so it gets 10%.
"""
import importlib.util
import os
import re
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPTS = os.path.join(REPO, "examples", "scripts")
HAVE_SKLEARN = importlib.util.find_spec("sklearn") is not None

# name -> (script, extra args). All runs start at once so they keep both cores busy; together
# they need about 15 s of CPU (about 10 s of wall time on an idle 2-core machine).
RUNS = {
    "mlp": ("mlp_regression.py", ()),
    "cnn_digits": ("cnn_batchnorm_dropout.py", ("--dataset", "digits")),
    "cnn_blobs": ("cnn_batchnorm_dropout.py", ("--dataset", "blobs")),
    "transformer": ("transformer_lm.py", ()),
    "per_example": ("per_example_grads_scan.py", ()),
    "scan_layers": ("scan_over_layers.py", ()),
}


@pytest.fixture(scope="module")
def runs():
  # One BLAS thread per process: with the default two OpenBLAS threads, small matmuls slow
  # down 10-50x as soon as another process competes for the 2 cores (threads spin-wait).
  env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1",
             PYTHONPATH=os.pathsep.join([REPO, os.environ.get("PYTHONPATH", "")]))
  procs = {}
  for name, (script, extra) in RUNS.items():
    if name == "cnn_digits" and not HAVE_SKLEARN:
      continue
    procs[name] = subprocess.Popen(
        [sys.executable, "-m", "jaxlite", "run", os.path.join(SCRIPTS, script), "--quick",
         *extra], cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
  results = {}
  try:
    for name, proc in procs.items():
      out, err = proc.communicate(timeout=600)
      results[name] = (proc.returncode, out, err)
  finally:
    for proc in procs.values():
      if proc.poll() is None:
        proc.kill()
  return results


def _check(runs, name, real_initial, real_final, bar):
  returncode, out, err = runs[name]
  assert returncode == 0, f"{RUNS[name][0]} failed:\n{err[-3000:]}"
  initial = float(re.search(r"^initial loss: (\S+)", out, re.M).group(1))
  final = float(re.search(r"^final loss: (\S+)", out, re.M).group(1))
  assert initial == pytest.approx(real_initial, rel=1e-4), out
  assert final < bar, out
  assert final < initial, out
  assert final == pytest.approx(real_final, rel=0.1), out
  return out


def test_mlp_regression_learns_and_checkpoint_round_trips(runs):
  # Noisy sine, MSE: 1.64 at init; the real stack reaches 0.0994 in 300 Adam steps (the noise
  # floor is 0.0025, reached in the full run). Bar 0.15 leaves room for drift, and is still a
  # 10x drop from the start.
  out = _check(runs, "mlp", real_initial=1.644603, real_final=0.099412, bar=0.15)
  final = re.search(r"^final loss: (\S+)", out, re.M).group(1)
  restored = re.search(r"^restored model loss: (\S+)", out, re.M).group(1)
  assert restored == final  # the Orbax round trip restores the exact parameters


@pytest.mark.skipif(not HAVE_SKLEARN, reason="needs scikit-learn's digits")
def test_cnn_on_digits_learns(runs):
  # 10 classes: chance is log(10) = 2.30; the real stack gets 0.3145 (90% test accuracy) in
  # 60 steps, evaluated in eval mode (BatchNorm running averages, no dropout). Bar 0.5.
  out = _check(runs, "cnn_digits", real_initial=2.372733, real_final=0.314459, bar=0.5)
  accuracy = float(re.findall(r"test loss \S+ acc (\S+)", out)[-1])
  assert accuracy > 0.85, out  # real stack: 0.903


def test_cnn_on_blobs_learns(runs):
  # Which quadrant holds the blob: chance is log(4) = 1.39; the real stack gets 0.0186 and
  # 100% test accuracy in 60 steps. Bar 0.1.
  out = _check(runs, "cnn_blobs", real_initial=1.424562, real_final=0.018562, bar=0.1)
  assert float(re.findall(r"test loss \S+ acc (\S+)", out)[-1]) > 0.97, out


def test_transformer_lm_learns_to_count_and_decodes_with_a_cache(runs):
  # Uniform entropy is log(16) = 2.77 nats; the best possible loss is log(3)/16 = 0.069. The
  # real stack reaches 0.2233 in 100 AdamW steps. Bar 0.5, a fifth of the uniform entropy.
  out = _check(runs, "transformer", real_initial=3.462347, real_final=0.223264, bar=0.5)
  # Both greedy decoders (full re-read, and one token at a time with MultiHeadAttention's
  # key/value cache) continue the stride-2 count, as on the real stack.
  count = "[3, 5, 7, 9, 11, 13, 15, 1, 3, 5, 7]"
  assert f"greedy continuation of [3, 5, 7]: {count}" in out, out
  assert f"same with a key/value cache:     {count}" in out, out


def test_per_example_gradients_with_vmap_and_scan_learn(runs):
  # Two spirals, cross-entropy: chance is log(2) = 0.69; the real stack gets 0.3629 (86% test
  # accuracy) after 300 clipped, noised DP-SGD steps. Bar 0.5.
  _check(runs, "per_example", real_initial=0.812509, real_final=0.362899, bar=0.5)


def test_scan_over_layers_learns(runs):
  # Residual stack of 6 vmapped/scanned blocks: MSE 6.33 at init; the real stack gets 0.0110
  # in 150 steps (the target's variance is about 0.28). Bar 0.05.
  _check(runs, "scan_layers", real_initial=6.332247, real_final=0.010954, bar=0.05)
