"""``nnx.tabulate`` / ``nnx.display``: a table of a model's sub-Modules, the shapes flowing
through them, and their Variables grouped by kind.

The model is run abstractly (shapes only) on a clone, each Module call recording its inputs
and outputs, so the model itself is left untouched."""
from __future__ import annotations

import functools

from jaxlite import tree_util as jtu
from jaxlite.flax._src.nnx import graphlib, reprlib
from jaxlite.flax._src.nnx.module import iter_modules
from jaxlite.flax._src.nnx.variablelib import Variable


def _shape_str(x):
  if hasattr(x, "shape") and hasattr(x, "dtype"):
    return f"{x.dtype}[{','.join(map(str, x.shape))}]"
  return repr(x)


def _tree_str(tree):
  leaves = jtu.tree_leaves(tree)
  if isinstance(tree, (tuple, list)) and len(leaves) != 1:
    return "(" + ", ".join(_tree_str(x) for x in tree) + ")"
  if isinstance(tree, dict):
    return "{" + ", ".join(f"{k}: {_tree_str(v)}" for k, v in tree.items()) + "}"
  return _shape_str(leaves[0]) if leaves else ""


def _record_calls(model, args, kwargs, method):
  """Run ``model.method(*args)`` on shapes; return [(path, module, inputs, output)]."""
  calls, paths, patched = [], {}, {}

  def wrap(original):
    @functools.wraps(original)
    def recording(self, *a, **kw):
      out = original(self, *a, **kw)
      if id(self) in paths:
        calls.append((paths[id(self)], self, (a, kw), out))
      return out
    return recording

  def run(m, a, kw):
    # The transform hands us a rebuilt copy: find the Modules' paths in that copy.
    paths.update({id(sub): path for path, sub in iter_modules(m)})
    return getattr(m, method)(*a, **kw)

  for _, m in iter_modules(model):
    cls = type(m)
    if cls not in patched and "__call__" in vars(cls):
      patched[cls] = vars(cls)["__call__"]
      cls.__call__ = wrap(patched[cls])
  try:
    from jaxlite.flax._src.nnx.general import eval_shape
    eval_shape(run, model, args, kwargs)
  finally:
    for cls, original in patched.items():
      cls.__call__ = original
  return calls


def _kind(variable):
  from jaxlite.flax._src.nnx.rnglib import RngState
  return RngState if isinstance(variable, RngState) else type(variable)


def _variables_by_kind(module, nested):
  """{kind: (lines for this module's own Variables, SizeBytes of the whole subtree)}"""
  own: dict = {}
  for key, value, _ in module._graph_items():
    if isinstance(value, Variable):
      own.setdefault(_kind(value), []).append(f"{key}: {_shape_str(value.get_raw_value())}")
  totals: dict = {}
  for _, value in graphlib.iter_graph(module):
    if isinstance(value, Variable):
      size = reprlib.SizeBytes.from_any(value.get_raw_value())
      totals[_kind(value)] = totals.get(_kind(value), reprlib.SizeBytes(0, 0)) + size
  return {kind: (own.get(kind, []) if nested else [], totals[kind]) for kind in totals}


def _render(title, header, rows, footer):
  """A box-drawn table in the style of rich's default (heavy header, light body)."""
  n = len(header)
  cells = [header] + [r for r in rows] + [footer]
  widths = [max(len(line) for row in cells for line in row[i].split("\n")) + 2
            for i in range(n)]

  def line(left, mid, right, fill):
    return left + mid.join(fill * w for w in widths) + right

  def row_lines(row, sep, align_right=()):
    split = [c.split("\n") for c in row]
    height = max(len(s) for s in split)
    out = []
    for k in range(height):
      parts = []
      for i, s in enumerate(split):
        text = s[k] if k < len(s) else ""
        parts.append(" " + (text.rjust(widths[i] - 2) if i in align_right
                            else text.ljust(widths[i] - 2)) + " ")
      out.append(sep + sep.join(parts) + sep)
    return out

  total_width = sum(widths) + n + 1
  text = [title.center(total_width), line("┏", "┳", "┓", "━")]
  text += row_lines(header, "┃")
  text.append(line("┡", "╇", "┩", "━"))
  for i, row in enumerate(rows):
    text += row_lines(row, "│")
    text.append(line("├", "┼", "┤", "─"))
  text += row_lines(footer, "│", align_right=(3,))
  text.append(line("└", "┴", "┘", "─"))
  return "\n".join(text)


def tabulate(obj, *input_args, depth=None, method: str = "__call__", table_kwargs=None,
             column_kwargs=None, console_kwargs=None, **input_kwargs) -> str:
  """The summary table of ``obj`` called on ``input_args`` (as a string)."""
  calls = _record_calls(obj, input_args, input_kwargs, method)
  seen, rows_info = set(), []
  for path, module, inputs, output in calls:
    if (depth is None or len(path) <= depth) and id(module) not in seen:
      seen.add(id(module))
      rows_info.append((path, module, inputs, output))
  # The root first (it returns last), then sub-Modules in the order they were called.
  rows_info.sort(key=lambda r: 1 if r[0] else 0)
  kinds = sorted({_kind(v) for _, v in graphlib.iter_graph(obj) if isinstance(v, Variable)},
                 key=lambda t: t.__name__)
  header = ["path", "type", "inputs", "outputs"] + [k.__name__ for k in kinds]
  rows = []
  for path, module, (args, kwargs), output in rows_info:
    stats = _variables_by_kind(module, nested=bool(path))
    cells = ["/".join(map(str, path)), type(module).__name__,
             _tree_str(args[0] if len(args) == 1 and not kwargs else (args, kwargs)),
             _tree_str(output)]
    for kind in kinds:
      lines, size = stats.get(kind, ([], None))
      text = "\n".join(lines)
      if size:
        text = f"{text}\n\n{size}" if lines else f"{size}"
      cells.append(text)
    rows.append(cells)
  totals = _variables_by_kind(obj, nested=False)
  footer = ["", "", "", "Total"] + [str(totals[k][1]) for k in kinds]
  grand = sum((t for _, t in totals.values()), reprlib.SizeBytes(0, 0))
  table = _render(f"{type(obj).__name__} Summary", header, rows, footer)
  width = len(table.split("\n")[1])
  return f"{table}\n{''.center(width)}\n{f'Total Parameters: {grand}'.center(width)}\n"


def display(*args):
  """Print each argument (Modules, States...) in Flax's repr format."""
  for x in args:
    print(repr(x))

