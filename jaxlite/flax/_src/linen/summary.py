"""``nn.tabulate`` / ``Module.tabulate``: a text table of a model's module calls.

Each row is one module method call made while running ``init``: the module path and
class, the shapes of its inputs and outputs and the variables it owns (with counts and
bytes). Rendered with box-drawing characters; ``rich`` is not needed.
"""
import dataclasses

import numpy as np

import jaxlite
from jaxlite.flax._src.core.scope import DenyList
from jaxlite.flax._src.linen import module as module_lib

__all__ = ["tabulate"]


@dataclasses.dataclass
class _Call:
  index: int
  path: tuple
  module_type: str
  method: str
  inputs: object
  outputs: object


class _CallRecorder:
  def __init__(self):
    self.index = 0
    self.calls = []

  def next_index(self):
    self.index += 1
    return self.index - 1

  def record(self, index, module, method, args, kwargs, outputs):
    inputs = args[0] if len(args) == 1 and not kwargs else (args, kwargs) if kwargs else args
    self.calls.append(_Call(index, tuple(module.scope.path), type(module).__name__, method,
                            _shapes(inputs), _shapes(outputs)))


def _describe(x):
  if hasattr(x, "shape") and hasattr(x, "dtype"):
    return f"{np.dtype(x.dtype).name}[{','.join(map(str, x.shape))}]"
  return repr(x)


def _shapes(tree):
  return jaxlite.tree_util.tree_map(_describe, tree)


def _render(tree):
  """Text for a cell: leaves one per line, dict entries as ``key: value``."""
  if isinstance(tree, str):
    return tree
  if isinstance(tree, dict) or hasattr(tree, "items"):
    return "\n".join(f"{k}: {_render(v)}" for k, v in tree.items())
  if isinstance(tree, (tuple, list)):
    return "\n".join(_render(v) for v in tree) if tree else "()"
  return str(tree)


def _size_and_bytes(tree):
  leaves = [x for x in jaxlite.tree_util.tree_leaves(tree) if hasattr(x, "shape")]
  size = sum(int(np.prod(x.shape)) for x in leaves)
  nbytes = sum(int(np.prod(x.shape)) * np.dtype(x.dtype).itemsize for x in leaves)
  return size, nbytes


def _bytes_repr(n):
  for unit, scale in (("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
    if n >= scale:
      return f"{n / scale:,.1f} {unit}"
  return f"{n:,} B"


def _subtree(variables, path):
  out = {}
  for col, tree in variables.items():
    for name in path:
      if not hasattr(tree, "get") or name not in tree:
        tree = None
        break
      tree = tree[name]
    if tree:
      out[col] = tree
  return out


def _own_variables(tree, depth_limited):
  """A module's variables without those of its submodules (unless folded in by depth)."""
  if depth_limited:
    return tree
  return {k: v for k, v in tree.items() if not hasattr(v, "items")}


def _table(headers, rows, title):
  """Box-drawn table like rich's: heavy header, light body, the Total cell right-aligned."""
  widths = [max(len(line) for cell in [h] + [r[i] for r in rows] for line in cell.split("\n"))
            for i, h in enumerate(headers)]

  def line(left, mid, right, fill):
    return left + mid.join(fill * (w + 2) for w in widths) + right

  def row(cells, bar, right_align=()):
    split = [c.split("\n") for c in cells]
    height = max(len(s) for s in split)
    out = []
    for k in range(height):
      texts = [(s[k] if k < len(s) else "") for s in split]
      out.append(bar + bar.join(
          f" {t:>{w}} " if i in right_align else f" {t:<{w}} "
          for i, (t, w) in enumerate(zip(texts, widths))) + bar)
    return out

  total_width = sum(widths) + 3 * len(widths) + 1
  out = [title.center(total_width).rstrip(), line("┏", "┳", "┓", "━")]
  out += row(headers, "┃")
  out.append(line("┡", "╇", "┩", "━"))
  for i, r in enumerate(rows):
    out += row(r, "│", right_align=(3,) if i == len(rows) - 1 else ())
    out.append(line("├", "┼", "┤", "─") if i < len(rows) - 1 else line("└", "┴", "┘", "─"))
  return "\n".join(out), total_width


def tabulate(module, rngs, depth=None, show_repeated=False, mutable=DenyList("intermediates"),
             **unused_rendering_kwargs):
  """Returns ``f(*args, **kwargs) -> str`` summarizing ``module.init(rngs, *args)``."""

  def tabulate_fn(*args, **kwargs):
    recorder = _CallRecorder()
    module_lib._context.call_info_stack.append(recorder)
    try:
      variables = module.init(rngs, *args, mutable=mutable, **kwargs)
    finally:
      module_lib._context.call_info_stack.pop()
    calls = sorted(recorder.calls, key=lambda c: c.index)
    collections = sorted(variables, key=lambda c: (c != "params", c))
    seen, rows = set(), []
    totals = {col: [0, 0] for col in collections}
    for call in calls:
      if depth is not None and len(call.path) > depth:
        continue
      if not show_repeated and call.path in seen:
        continue
      first = call.path not in seen
      seen.add(call.path)
      at_limit = depth is not None and len(call.path) == depth
      cells = ["/".join(call.path), call.module_type + ("" if call.method == "__call__"
                                                        else f".{call.method}"),
               _render(call.inputs), _render(call.outputs)]
      for col in collections:
        tree = _subtree({col: variables[col]}, call.path).get(col, {})
        own = _own_variables(tree, at_limit) if hasattr(tree, "items") else {}
        size, nbytes = _size_and_bytes(own)
        if size and first:
          totals[col][0] += size
          totals[col][1] += nbytes
        text = _render(_shapes(own))
        cells.append(f"{text}\n\n{size:,} ({_bytes_repr(nbytes)})" if size else text)
      rows.append(cells)
    headers = ["path", "module", "inputs", "outputs"] + collections
    total_row = ["", "", "", "Total"] + [
        f"{s:,} ({_bytes_repr(b)})" if s else "" for s, b in totals.values()]
    rows.append(total_row)
    title = f"{type(module).__name__} Summary"
    total = sum(s for s, _ in totals.values())
    total_bytes = sum(b for _, b in totals.values())
    table, width = _table(headers, rows, title)
    summary = f"Total Parameters: {total:,} ({_bytes_repr(total_bytes)})"
    return f"{table}\n\n{summary.center(width).rstrip()}\n\n"

  return tabulate_fn
