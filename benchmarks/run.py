"""Benchmark runner: jaxlite side by side with hand-written NumPy and the real JAX.

    python benchmarks/run.py [--jax-python PATH] [--quick] [--only NAME...] [--json PATH]

Each engine runs in its own worker process (``worker.py``); the JAX worker runs under the
interpreter given by ``--jax-python`` (jaxlite itself never imports jax). For each workload
the runner asks every worker for one sample per round, rotating the engine order between
rounds, so that the machine's slow phases hit all engines alike. It prints a Markdown
table: min / median per engine, ratios of medians (ratios of minimums in brackets) and
whether each target holds."""
from __future__ import annotations

import argparse
import datetime
import json
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time

import registry

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
ENGINE_LABELS = {"jaxlite": "jaxlite", "numpy": "NumPy", "jax": "JAX"}


class WorkerError(Exception):
  pass


class WorkerProcess:
  def __init__(self, engine, python, extra_env, quick=False):
    self.engine = engine
    self.stderr = tempfile.TemporaryFile(mode="w+")
    env = dict(os.environ, **extra_env)
    self.proc = subprocess.Popen([python, os.path.join(HERE, "worker.py"), engine]
                                 + ["--quick"] * quick,
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 stderr=self.stderr, env=env, text=True, bufsize=1)
    self._read()  # the "ready" line, or the import error

  def _read(self):
    line = self.proc.stdout.readline()
    if not line:
      self.stderr.seek(0)
      raise WorkerError(f"the {self.engine} worker died:\n{self.stderr.read()[-2000:]}")
    reply = json.loads(line)
    if "error" in reply:
      raise WorkerError(reply["error"])
    return reply

  def request(self, op, **kwargs):
    if self.proc.poll() is not None:
      raise WorkerError(f"the {self.engine} worker has exited")
    try:
      self.proc.stdin.write(json.dumps(dict(op=op, **kwargs)) + "\n")
    except OSError as e:
      raise WorkerError(f"the {self.engine} worker is gone: {e}") from None
    return self._read()

  def cpu_seconds(self):
    """CPU time used so far by the worker, all threads (Linux; None elsewhere)."""
    try:
      with open(f"/proc/{self.proc.pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
      return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

  def wait_idle(self, poll=0.02, limit=2.0):
    """Wait until the worker's threads stop using CPU. Thread pools (OpenBLAS, XLA) spin
    for ~0.1 s after a call; on 2 cores that spinning would slow the next engine's sample."""
    deadline = time.perf_counter() + limit
    before = self.cpu_seconds()
    while before is not None and time.perf_counter() < deadline:
      time.sleep(poll)
      now = self.cpu_seconds()
      if now == before:
        return
      before = now

  def close(self):
    if self.proc.poll() is None:
      self.proc.stdin.write('{"op": "quit"}\n')
      self.proc.stdin.close()
      self.proc.wait(timeout=30)


def start_workers(jax_python, quick=False):
  specs = [("jaxlite", sys.executable,
            {"PYTHONPATH": os.pathsep.join(filter(None, [REPO, os.environ.get("PYTHONPATH")]))}),
           ("numpy", sys.executable, {})]
  if jax_python:
    specs.append(("jax", jax_python, {"JAX_PLATFORMS": "cpu"}))
  workers, notes = {}, []
  for engine, python, env in specs:
    try:
      workers[engine] = WorkerProcess(engine, python, env, quick)
    except WorkerError as e:
      notes.append(f"{ENGINE_LABELS[engine]} worker could not start: {_last_line(str(e))}")
  return workers, notes


def _last_line(text):
  lines = [ln for ln in text.strip().splitlines() if ln.strip()]
  return lines[-1].strip() if lines else text


def measure(w, workers, rounds, min_time):
  """{engine: {"samples": [...], "check": [...]} or {"error": msg}} for one workload."""
  results, active = {}, []
  for engine, worker in workers.items():
    try:
      reply = worker.request("prepare", name=w.name, min_time=min_time)
    except WorkerError as e:
      results[engine] = {"error": _last_line(str(e))}
      continue
    if reply["available"]:
      results[engine] = {"samples": [], "check": reply["check"], "number": reply["number"]}
      active.append(engine)
      worker.wait_idle()
  for r in range(rounds):
    shift = r % max(len(active), 1)
    for engine in active[shift:] + active[:shift]:
      if "error" in results[engine]:
        continue
      try:
        reply = workers[engine].request("sample", name=w.name)
        results[engine]["samples"].append(reply["seconds"])
        workers[engine].wait_idle()
      except WorkerError as e:
        results[engine] = {"error": _last_line(str(e))}
  for engine in active:
    try:
      workers[engine].request("release", name=w.name)
    except WorkerError:
      pass
  return results


# ---------------------------------------------------------------------------
# Formatting

UNITS = (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6), ("ns", 1e-9))


def _in_unit(seconds, unit):
  value = seconds / dict(UNITS)[unit]
  return f"{value:.{0 if value >= 100 else 1 if value >= 10 else 2}f}"


def _unit(seconds):
  return next((u for u, s in UNITS if seconds >= s), "ns")


def _stats(result):
  samples = result.get("samples")
  if not samples:
    return None
  return min(samples), statistics.median(samples)


def _cell_time(result):
  if result is None:
    return "-"
  if "error" in result:
    return "error"
  lo, med = _stats(result)
  unit = _unit(lo)
  return f"{_in_unit(lo, unit)} / {_in_unit(med, unit)} {unit}"


def _ratio(mine, other):
  if not (mine and other and "samples" in mine and "samples" in other):
    return None
  (lo_a, med_a), (lo_b, med_b) = _stats(mine), _stats(other)
  return med_a / med_b, lo_a / lo_b


def _cell_ratio(r):
  return "-" if r is None else f"{r[0]:.2f}x ({r[1]:.2f}x)"


def _cell_targets(w, res):
  parts = []
  for engine, limit in w.targets.items():
    r = _ratio(res.get("jaxlite"), res.get(engine))
    verdict = "n/a" if r is None else "yes" if r[0] <= limit else "**NO**"
    parts.append(f"≤{limit:g}x {ENGINE_LABELS[engine]}: {verdict}")
  return "; ".join(parts) or "-"


def _check_notes(w, res):
  """Cross-engine agreement of each workload's result (per-leaf sums of |x|):
  (number of comparisons made, notes on the ones that disagree)."""
  ref = res.get("jaxlite", {}).get("check")
  compared, notes = 0, []
  for engine in ("numpy", "jax"):
    other = res.get(engine, {}).get("check")
    if ref is None or other is None:
      continue
    compared += 1
    same = len(ref) == len(other) and all(
        abs(a - b) <= 1e-3 * max(abs(a), abs(b)) + 1e-5 for a, b in zip(ref, other))
    if not same:
      notes.append(f"{w.name}: jaxlite's result differs from {ENGINE_LABELS[engine]}'s")
  return compared, notes


def table(selected, all_results):
  head = ["workload", "jaxlite min / med", "NumPy min / med", "JAX min / med",
          "jaxlite/NumPy med (min)", "jaxlite/JAX med (min)", "target (on medians)"]
  rows = [head, ["---"] + ["---:"] * 5 + ["---"]]
  for w in selected:
    res = all_results[w.name]
    rows.append([w.name] + [_cell_time(res.get(e)) for e in ("jaxlite", "numpy", "jax")]
                + [_cell_ratio(_ratio(res.get("jaxlite"), res.get(e))) for e in ("numpy", "jax")]
                + [_cell_targets(w, res)])
  return "\n".join("| " + " | ".join(row) + " |" for row in rows)


# ---------------------------------------------------------------------------

def _load():
  """The 1-minute load average: other processes on the machine distort every timing."""
  try:
    return f"{os.getloadavg()[0]:.2f}"
  except OSError:
    return "?"


def select(workloads, patterns):
  if not patterns:
    return list(workloads.values())
  unknown = [p for p in patterns if not any(n.startswith(p) for n in workloads)]
  if unknown:
    raise SystemExit(f"unknown workload(s) {unknown}; known: {', '.join(workloads)}")
  return [w for n, w in workloads.items() if any(n.startswith(p) for p in patterns)]


def main(argv=None):
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--jax-python", metavar="PATH",
                      help="an interpreter with jax installed: adds the JAX column")
  parser.add_argument("--quick", action="store_true",
                      help="few rounds of short samples at toy sizes: checks the harness, "
                      "not the speed")
  parser.add_argument("--only", nargs="+", metavar="NAME",
                      help="workload names or name prefixes (e.g. eager, mlp_step)")
  parser.add_argument("--rounds", type=int, help="rounds per workload (default 21, quick 3)")
  parser.add_argument("--json", metavar="PATH", help="also write every sample to this file")
  parser.add_argument("--list", action="store_true", help="list the workloads and exit")
  args = parser.parse_args(argv)

  workloads = registry.load_all()
  if args.list:
    for w in workloads.values():
      print(f"{w.name:16} {w.doc}")
    return 0
  selected = select(workloads, args.only)
  default_rounds = 3 if args.quick else 21
  rounds = {w.name: args.rounds or min(w.rounds or default_rounds, default_rounds)
            for w in selected}
  min_time = 0.002 if args.quick else 0.025

  load_before = _load()
  workers, notes = start_workers(args.jax_python, args.quick)
  try:
    infos = {e: wk.request("info") for e, wk in workers.items()}
    all_results = {}
    for w in selected:
      print(f"measuring {w.name} ...", file=sys.stderr, flush=True)
      all_results[w.name] = measure(w, workers, rounds[w.name], min_time)
  finally:
    for wk in workers.values():
      wk.close()

  checks = [_check_notes(w, all_results[w.name]) for w in selected]
  mismatches = [n for _, ns in checks for n in ns]
  if sum(c for c, _ in checks) and not mismatches:
    notes.append("every engine's results agree with jaxlite's (per-leaf sums of |x|, rtol 1e-3)")
  notes += mismatches
  for w in selected:
    for engine, res in all_results[w.name].items():
      if "error" in res:
        notes.append(f"{w.name}: {ENGINE_LABELS[engine]} failed: {res['error']}")
  command = ["python", "benchmarks/run.py"] + (sys.argv[1:] if argv is None else list(argv))
  print(f"date: {datetime.datetime.now().isoformat(timespec='minutes')}; command: "
        f"{' '.join(map(shlex.quote, command))}")
  print("engines: " + "; ".join(
      f"{ENGINE_LABELS[e]} {i['version']} (Python {i['python']}, NumPy {i['numpy']})"
      for e, i in infos.items()))
  print(f"machine: {os.cpu_count()} CPUs, load average {load_before} before, {_load()} after; "
        f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}")
  exceptions = ", ".join(f"{n} {r}" for n, r in rounds.items() if r != default_rounds)
  print(f"rounds: {default_rounds}{f' ({exceptions})' if exceptions else ''}; "
        f"loop samples >= {min_time * 1e3:g} ms")
  print()
  print(table(selected, all_results))
  for note in notes:
    print(f"note: {note}")
  if args.json:
    with open(args.json, "w") as f:
      json.dump({"infos": infos, "rounds": rounds, "results": all_results}, f, indent=1)
  jaxlite_failed = "jaxlite" not in workers or any(
      "error" in all_results[w.name].get("jaxlite", {}) for w in selected)
  return 1 if jaxlite_failed or mismatches else 0


if __name__ == "__main__":
  sys.exit(main())
