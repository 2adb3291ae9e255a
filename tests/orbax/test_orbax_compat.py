"""Checkpoints written by the real orbax-checkpoint restore in jaxlite, and checkpoints
written by jaxlite restore in the real orbax (fixtures: tests/orbax/fixtures/README.md)."""
import os
import runpy
import subprocess

import pytest

pytest.importorskip("tensorstore")

import jaxlite  # noqa: E402
import jaxlite.orbax.checkpoint as ocp  # noqa: E402
from jaxlite import compat  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "fixtures")
REFERENCE_PYTHON = os.environ.get("JAXLITE_ORBAX_REFERENCE_PYTHON",
                                  "/work/scratch/refvenv/bin/python")


def _checker():
  return runpy.run_path(os.path.join(FIXTURES, "check_fixtures.py"))["check_all"]


def test_jaxlite_restores_checkpoints_written_by_orbax():
  assert _checker()(ocp, jaxlite, "orbax_") > 100


def test_jaxlite_restores_its_committed_checkpoints():
  # The same files the real orbax was shown to restore (see the fixtures' README).
  assert _checker()(ocp, jaxlite, "jaxlite_") > 100


@pytest.fixture(scope="module")
def fresh_jaxlite_fixtures(tmp_path_factory):
  """The fixtures written now by jaxlite, running the Orbax-using maker through compat."""
  root = tmp_path_factory.mktemp("fixtures")
  try:
    compat.run(os.path.join(FIXTURES, "make_fixtures.py"), ["jaxlite_", str(root)])
  finally:
    compat.uninstall()
  return root


def test_fresh_jaxlite_checkpoints_restore_in_jaxlite(fresh_jaxlite_fixtures):
  assert _checker()(ocp, jaxlite, "jaxlite_", str(fresh_jaxlite_fixtures)) > 100


@pytest.mark.skipif(not os.path.exists(REFERENCE_PYTHON),
                    reason="needs an interpreter with the real orbax-checkpoint")
def test_real_orbax_restores_checkpoints_written_by_jaxlite(fresh_jaxlite_fixtures):
  proc = subprocess.run([REFERENCE_PYTHON, os.path.join(FIXTURES, "check_fixtures.py"),
                         "jaxlite_", str(fresh_jaxlite_fixtures), FIXTURES],
                        capture_output=True, text=True, timeout=120)
  assert proc.returncode == 0 and proc.stdout.startswith("OK:"), proc.stdout + proc.stderr[-3000:]
