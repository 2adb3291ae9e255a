"""Per-statement timing of a jitted function's generated code.

    report = jax.jit(f).lower(x).compile().profile(x)      # or profile(jax.jit(f), x)
    print(report)                                          # slowest statements first
    report.regions                                         # [(seconds per call, source)]

Each top-level statement of the generated function (one equation, or a whole fused loop)
is timed separately: the source is re-generated with a clock read around every statement
and run ``number`` times after ``warmup`` untimed calls. Timers cost ~0.1 us per statement,
so the per-statement times add up to slightly more than an untimed call."""
from __future__ import annotations

import ast
import time

from jaxlite._src.compiler.codegen import compile_source


class ProfileReport:
  """``regions``: ``(seconds per call, source text)`` in program order; ``total``: seconds
  per call of the instrumented function."""

  def __init__(self, regions, total, number):
    self.regions = regions
    self.total = total
    self.number = number

  def top(self, n=15):
    return sorted(self.regions, key=lambda r: -r[0])[:n]

  def __str__(self):
    lines = [f"{self.total * 1e3:.3f} ms per call ({self.number} calls); slowest statements:"]
    for t, text in self.top():
      first = text.splitlines()[0]
      share = t / self.total if self.total else 0.0
      lines.append(f"{t * 1e3:9.3f} ms {share:6.1%}  {first[:100]}")
    return "\n".join(lines)

  __repr__ = __str__


class _Instrument(ast.NodeTransformer):
  """Wrap every statement of the function body (inside try/with blocks) in clock reads."""

  def __init__(self, source):
    self.source = source
    self.texts: list = []

  def _timed(self, stmt):
    k = len(self.texts)
    self.texts.append(ast.get_source_segment(self.source, stmt) or ast.unparse(stmt))
    start = ast.parse(f"_t{k} = _clock()").body[0]
    stop = ast.parse(f"_acc[{k}] += _clock() - _t{k}").body[0]
    if isinstance(stmt, ast.Return):
      # Time the returned expression, then return it.
      value = ast.Assign(targets=[ast.Name("_ret", ast.Store())], value=stmt.value)
      return [start, value, stop, ast.Return(ast.Name("_ret", ast.Load()))]
    return [start, stmt, stop]

  def _body(self, stmts):
    out = []
    for s in stmts:
      if isinstance(s, (ast.Try, ast.With)):
        s.body = self._body(s.body)
        out.append(s)
      elif isinstance(s, ast.Assign) and any(
          isinstance(t, ast.Name) and t.id == "_held" for t in s.targets):
        out.append(s)  # the pool's lock: not a statement of the program
      else:
        out.extend(self._timed(s))
    return out

  def visit_FunctionDef(self, node):
    node.body = self._body(node.body)
    return node


def profile_executable(exe, numpy_args, number=20, warmup=3):
  """Time each statement of ``exe``'s generated code on ``numpy_args`` (the flat arguments)."""
  tree = ast.parse(exe.source)
  inst = _Instrument(exe.source)
  tree = inst.visit(tree)
  ast.fix_missing_locations(tree)
  namespace = dict(exe.generated.__globals__)  # (exe.fn may be wrapped: one BLAS thread)
  acc = [0.0] * len(inst.texts)
  namespace.update(_clock=time.perf_counter, _acc=acc)
  fn = compile_source(ast.unparse(tree), namespace, "fn")
  if exe.fn is not exe.generated:  # run as the executable runs (e.g. on one BLAS thread)
    from jaxlite._src.jit import _on_one_blas_thread
    fn = _on_one_blas_thread(fn)
  for _ in range(warmup):
    fn(*exe.consts, *numpy_args)
  acc[:] = [0.0] * len(acc)
  t0 = time.perf_counter()
  for _ in range(number):
    fn(*exe.consts, *numpy_args)
  total = (time.perf_counter() - t0) / number
  return ProfileReport([(a / number, text) for a, text in zip(acc, inst.texts)], total, number)


def profile(jitted, *args, number=20, warmup=3, **kwargs):
  """Profile ``jitted`` (a ``jax.jit`` function) on ``args``: a ``ProfileReport``."""
  from jaxlite._src.jit import Executable, _leaf_value
  entry = jitted.lower(*args, **kwargs)._entry
  exe = entry.executable
  if exe is None or exe.donated:  # repeated calls must not write over the arguments
    exe = Executable(entry.closed, jitted._name)
  leaves = jitted._key(args, kwargs)[1]
  return profile_executable(exe, [_leaf_value(x) for x in leaves], number, warmup)
