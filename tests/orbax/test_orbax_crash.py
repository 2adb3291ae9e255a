"""A process saving checkpoints in a loop is SIGKILLed at random moments, again and
again; afterwards every listed step restores to exactly what was saved, no unfinished
save is taken for a checkpoint, and the next manager start removes the leftovers.

Starting Python with jaxlite and TensorStore takes ~2 s here, so one helper process
imports them once and forks each victim (TensorStore is first used after the fork)."""
import os
import random
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

pytest.importorskip("tensorstore")
if not hasattr(os, "fork"):
  pytest.skip("needs os.fork", allow_module_level=True)

import jaxlite.orbax.checkpoint as ocp  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
KILLS = 8

# The helper: on each "go" line it forks a victim that saves steps forever, reports the
# victim's pid, and reports "reaped" once the test has killed it.
HELPER = r"""
import os, sys
import numpy as np
import jaxlite.numpy as jnp
import jaxlite.orbax.checkpoint as ocp

def state(step):
  return {"w": np.full((256, 512), step, np.float32), "b": {"c": jnp.arange(1000) + step},
          "step": step}

def victim(root):
  opts = ocp.CheckpointManagerOptions(max_to_keep=2, keep_period=20)
  mngr = ocp.CheckpointManager(root, options=opts)
  step = (mngr.latest_step() or 0) + 1
  while True:
    mngr.save(step, args=ocp.args.StandardSave(state(step)))
    step += 1

for line in sys.stdin:
  pid = os.fork()
  if pid == 0:
    try:
      victim(sys.argv[1])
    finally:
      os._exit(1)
  print("pid", pid, flush=True)
  os.waitpid(pid, 0)
  print("reaped", flush=True)
"""


def _expected(step):
  return np.full((256, 512), step, np.float32), np.arange(1000) + step


def test_random_kills_never_lose_or_corrupt_a_checkpoint(tmp_path):
  root = tmp_path / "ckpts"
  helper = subprocess.Popen([sys.executable, "-c", HELPER, str(root)], cwd=REPO,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": REPO})
  rng = random.Random(1234)
  start = time.monotonic()
  try:
    for _ in range(KILLS):
      helper.stdin.write("go\n")
      helper.stdin.flush()
      line = helper.stdout.readline()
      assert line.startswith("pid"), line
      time.sleep(rng.uniform(0.05, 0.9))
      os.kill(int(line.split()[1]), signal.SIGKILL)
      assert helper.stdout.readline().strip() == "reaped"
  finally:
    helper.kill()
    helper.wait()
  assert time.monotonic() - start < 20

  # Without cleanup_tmp_directories, only saves whose process is provably dead go.
  with ocp.CheckpointManager(root) as mngr:
    steps = mngr.all_steps()
    assert len(steps) >= 2, steps
    for step in steps:
      got = mngr.restore(step)
      w, c = _expected(step)
      assert got["step"] == step
      assert np.array_equal(got["w"], w) and np.array_equal(np.asarray(got["b"]["c"]), c)
  leftovers = [p.name for p in root.iterdir() if "orbax-checkpoint-tmp" in p.name]
  listed = {p.name for p in root.iterdir() if p.name.isdigit()}
  assert listed == {str(s) for s in steps}
  # A leftover without a writer record (killed within microseconds of mkdir) needs
  # Orbax's explicit cleanup option.
  opts = ocp.CheckpointManagerOptions(cleanup_tmp_directories=True)
  with ocp.CheckpointManager(root, options=opts) as mngr:
    assert mngr.all_steps() == steps
  assert not [p for p in root.iterdir() if "orbax-checkpoint-tmp" in p.name], leftovers
