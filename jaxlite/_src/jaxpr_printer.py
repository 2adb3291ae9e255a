"""Jaxprs as text, character for character as JAX 0.10 prints them.

Two layers. A small Wadler/Lindig pretty printer lays out documents built from text,
breaks, groups and nests at width 80: a group goes on one line when its flat text fits in
what is left of the current line, and otherwise every break directly inside it becomes a
newline. Above it, ``toplevel_doc`` builds the document of a jaxpr: variable names,
sub-jaxprs hoisted to the top when shared or long, and per-primitive rules that hide
params a reader can infer (``register_param_printer``).
"""
from __future__ import annotations

import collections
import itertools
import re
from typing import Any, Callable, NamedTuple

import numpy as np

from jaxlite._src.jaxpr import ClosedJaxpr, DropVar, Jaxpr, Var

# ---------------------------------------------------------------------------
# Documents. Tuples tagged by their first item keep formatting of large jaxprs cheap.

_TEXT, _BRK, _CONCAT, _GROUP, _NEST = range(5)
NIL = (_CONCAT, ())


def text(s: str):
  return (_TEXT, s)


def brk(s: str = " "):
  """A newline (at the current nesting) if its group breaks, else ``s``."""
  return (_BRK, s)


def concat(*docs):
  return (_CONCAT, docs)


def group(doc):
  return (_GROUP, doc)


def nest(n: int, doc):
  return (_NEST, n, doc)


def join(sep, docs):
  docs = list(docs)
  if not docs:
    return NIL
  parts = [docs[0]]
  for d in docs[1:]:
    parts += (sep, d)
  return (_CONCAT, tuple(parts))


def _fits(doc, room: int) -> bool:
  # Only the group itself is measured, not what follows it on the line (as in JAX).
  stack = [doc]
  while stack and room >= 0:
    d = stack.pop()
    tag = d[0]
    if tag == _TEXT or tag == _BRK:
      room -= len(d[1])
    elif tag == _CONCAT:
      stack.extend(reversed(d[1]))
    else:
      stack.append(d[-1])
  return room >= 0


def format_doc(doc, width: int = 80) -> str:
  lines, line, col = [], [], 0
  stack = [(0, False, doc)]  # (indent, flat, doc); the outermost level is broken
  while stack:
    indent, flat, d = stack.pop()
    tag = d[0]
    if tag == _TEXT:
      line.append(d[1])
      col += len(d[1])
    elif tag == _BRK:
      if flat:
        line.append(d[1])
        col += len(d[1])
      else:
        lines.append("".join(line))
        line, col = [" " * indent], indent
    elif tag == _CONCAT:
      stack.extend((indent, flat, c) for c in reversed(d[1]))
    elif tag == _NEST:
      stack.append((indent + d[1], flat, d[2]))
    else:
      stack.append((indent, flat or _fits(d[1], width - col), d[1]))
  lines.append("".join(line))
  return "\n".join(lines)


# ---------------------------------------------------------------------------
# Names

def encode_name(n: int) -> str:
  """a..z, then ba, bb, ...: base 26 with 'a' as the zero digit (so 'z' is followed by 'ba')."""
  s = ""
  while True:
    n, r = divmod(n, 26)
    s = chr(ord("a") + r) + s
    if n == 0:
      return s


class PpContext:
  """Names shared by every jaxpr in one print, so nested jaxprs never reuse a name."""

  def __init__(self, preset: dict | None = None):
    self.names: dict = dict(preset or {})
    self.shared_jaxprs: dict = {}  # jaxpr -> the name it is printed under
    self.shared_names: set[str] = set()
    self._counter = itertools.count()

  def name(self, v) -> str:
    if isinstance(v, DropVar):
      return "_"
    name = self.names.get(v)
    if name is None:
      name = next(n for n in map(encode_name, self._counter) if n not in self.shared_names)
      self.names[v] = name
    return name

  def suggest_same_names(self, for_vars, like_vars) -> None:
    """Give the unnamed vars ``for_vars`` the names of ``like_vars`` (a call's binders
    reuse the caller's names), each caller name at most once."""
    if len(for_vars) != len(like_vars):
      return
    used = set()
    for for_v, like_v in zip(for_vars, like_vars):
      if (isinstance(like_v, Var) and like_v not in used and isinstance(for_v, Var)
          and for_v not in self.names):
        used.add(like_v)
        self.names[for_v] = self.name(like_v)


class PpSettings(NamedTuple):
  print_shapes: bool = True
  custom_pp_eqn_rules: bool = True


# ---------------------------------------------------------------------------
# Atoms and values

def pp_literal_text(lit) -> str:
  """``2.0:f32[]``: the value as a Python scalar (float32 shown via its float64 repr)."""
  if np.shape(lit.val):
    val = "[...]"
  else:
    val = str(np.asarray(lit.val).item())
  return f"{val}:{lit.aval.str_short(short_dtypes=True)}"


def _atom_text(a, ctx: PpContext) -> str:
  return ctx.name(a) if isinstance(a, Var) else pp_literal_text(a)


def _vars_doc(atoms, ctx: PpContext, *, sep: str = "", shapes: bool = False):
  # Each separator is its own group: a list too long for the line wraps like a paragraph.
  if shapes:
    items = [text(f"{_atom_text(a, ctx)}:{a.aval.str_short(short_dtypes=True)}") for a in atoms]
  else:
    items = [text(_atom_text(a, ctx)) for a in atoms]
  return nest(2, group(join(concat(text(sep), group(brk())), items)))


_ADDRESS = re.compile(r" at 0x([0-9a-fA-F]+)")


def _is_jaxpr(v) -> bool:
  return isinstance(v, (Jaxpr, ClosedJaxpr))


def _inner_jaxpr(v):
  return v.jaxpr if isinstance(v, ClosedJaxpr) else v


def _value_doc(v, ctx: PpContext, settings: PpSettings):
  if type(v) is tuple and all(_is_jaxpr(j) for j in v):
    docs = [_jaxpr_doc(_inner_jaxpr(j), ctx, settings) for j in v]
    return group(concat(nest(2, concat(text("("), brk(""), join(brk(), docs))),
                        brk(""), text(")")))
  if _is_jaxpr(v):
    return _jaxpr_doc(_inner_jaxpr(v), ctx, settings)
  if isinstance(v, frozenset):
    return text("frozenset({" + ", ".join(repr(e) for e in sorted(v)) + "})")
  # Addresses change from run to run; JAX masks them so printed jaxprs stay comparable.
  return text(_ADDRESS.sub(lambda m: " at 0x" + "X" * len(m.group(1)), str(v)))


def _params_doc(pairs, ctx: PpContext, settings: PpSettings):
  if not pairs:
    return NIL
  kvs = [concat(text(f"{k}="), _value_doc(v, ctx, settings)) for k, v in pairs]
  return group(concat(nest(2, concat(text("["), brk(""), join(brk(), kvs))),
                      brk(""), text("]")))


# ---------------------------------------------------------------------------
# Per-primitive param printing, keyed by primitive name.
# A rule gets the equation and the context and returns the (name, value) pairs to print,
# in order. It may also suggest variable names through the context.

ParamPrinter = Callable[[Any, PpContext], list]
param_printers: dict[str, ParamPrinter] = {}


def register_param_printer(name: str, fn: ParamPrinter) -> None:
  param_printers[name] = fn


def _sorted_params(eqn, ctx):
  return sorted(eqn.params.items())


def _hiding(*names, when=lambda v: True):
  """A rule printing the params sorted, minus ``names`` whose value satisfies ``when``."""
  def rule(eqn, ctx):
    return [(k, v) for k, v in sorted(eqn.params.items()) if not (k in names and when(v))]
  return rule


def _func_name(obj) -> str:
  info = getattr(obj, "debug_info", None)
  if isinstance(info, str):
    return info
  return getattr(info, "func_name", None) or getattr(obj, "__name__", None) or "<unknown>"


def _call_name(closed) -> str:
  return _func_name(_inner_jaxpr(closed))


def _dot_general_params(eqn, ctx):
  params = {k: v for k, v in eqn.params.items() if v is not None and k != "out_sharding"}
  (lc, rc), (lb, rb) = eqn.params["dimension_numbers"]
  params["dimension_numbers"] = ((list(lc), list(rc)), (list(lb), list(rb)))
  return sorted(params.items())


def _broadcast_in_dim_params(eqn, ctx):
  return [(k, v) for k, v in sorted(eqn.params.items())
          if k not in ("shape", "sharding") and not (k == "broadcast_dimensions" and not v)]


def _is_unspecified(s) -> bool:
  # JAX's marker for "no sharding asked for"; jaxlite has no shardings of its own.
  return type(s).__name__ == "UnspecifiedValue"


# What each jit param holds when the user did not ask for anything (then it is hidden).
_JIT_DEFAULTS = {
    "inline": lambda v: True,
    "donated_invars": lambda v: not any(v),
    "in_shardings": lambda v: all(map(_is_unspecified, v)),
    "out_shardings": lambda v: all(map(_is_unspecified, v)),
    "in_layouts": lambda v: all(x is None for x in v),
    "out_layouts": lambda v: all(x is None for x in v),
    "keep_unused": lambda v: not v,
    "ctx_mesh": lambda v: v is None or getattr(v, "empty", False),
    "compiler_options_kvs": lambda v: not v,
}


def _jit_params(eqn, ctx):
  params = {k: v for k, v in eqn.params.items()
            if not (k in _JIT_DEFAULTS and _JIT_DEFAULTS[k](v))}
  inner = _inner_jaxpr(params["jaxpr"])
  if inner not in ctx.shared_jaxprs:
    # The callee's binders take the caller's names, so data flow reads straight through.
    ctx.suggest_same_names(inner.invars, eqn.invars)
    ctx.suggest_same_names(inner.outvars, eqn.outvars)
  name = params.pop("name", None)
  rest = sorted(params.items())
  return rest if name is None else [("name", name)] + rest


def _custom_jvp_call_params(eqn, ctx):
  params = dict(eqn.params)
  if not params.get("num_consts"):
    params.pop("num_consts", None)
  if "jvp_jaxpr_fun" in params:
    params["jvp"] = _func_name(params.pop("jvp_jaxpr_fun"))
  return [("name", _call_name(params["call_jaxpr"]))] + sorted(params.items())


def _custom_vjp_call_params(eqn, ctx):
  params = dict(eqn.params)
  if not params.get("num_consts"):
    params.pop("num_consts", None)
  params.pop("out_trees", None)
  if "fwd_jaxpr_thunk" in params:
    params["fwd"] = _func_name(params.pop("fwd_jaxpr_thunk"))
  if "bwd" in params:
    params["bwd"] = _func_name(params["bwd"])
  return [("name", _call_name(params["call_jaxpr"]))] + sorted(params.items())


def _custom_lin_params(eqn, ctx):
  params = {k: v for k, v in eqn.params.items() if k != "out_avals"}
  if "bwd" in params:
    params["bwd"] = _func_name(params["bwd"])
  return sorted(params.items())


for _name in ("exp", "exp2", "log", "expm1", "log1p", "tanh", "logistic", "sin", "cos", "tan",
              "sqrt", "rsqrt", "cbrt"):
  register_param_printer(_name, _hiding("accuracy", when=lambda v: v is None))
register_param_printer("mul", _hiding("out_dtype", when=lambda v: v is None))
register_param_printer("convert_element_type", _hiding("sharding"))
register_param_printer("dot_general", _dot_general_params)
register_param_printer("broadcast_in_dim", _broadcast_in_dim_params)
register_param_printer("jit", _jit_params)
register_param_printer("custom_jvp_call", _custom_jvp_call_params)
register_param_printer("custom_vjp_call", _custom_vjp_call_params)
register_param_printer("custom_lin", _custom_lin_params)
register_param_printer("reshard", lambda eqn, ctx: [])
register_param_printer("check", _hiding("err_tree"))


# ---------------------------------------------------------------------------
# Equations and jaxprs

def eqn_doc(eqn, ctx: PpContext, settings: PpSettings):
  # Names are handed out in build order: those the rule suggests, outputs, sub-jaxprs,
  # then operands.
  rule = param_printers.get(eqn.primitive.name) if settings.custom_pp_eqn_rules else None
  pairs = (rule or _sorted_params)(eqn, ctx)
  lhs = _vars_doc(eqn.outvars, ctx, shapes=settings.print_shapes)
  rhs = [text(eqn.primitive.name), _params_doc(pairs, ctx, settings),
         concat(text(" "), _vars_doc(eqn.invars, ctx))]
  if not eqn.outvars:
    return concat(*rhs)
  return concat(lhs, text(" = "), *rhs)


def _skeleton_doc(jaxpr, ctx: PpContext, settings: PpSettings):
  constvars = _vars_doc(jaxpr.constvars, ctx, shapes=settings.print_shapes)
  invars = _vars_doc(jaxpr.invars, ctx, shapes=settings.print_shapes)
  eqns = join(brk("; "), [eqn_doc(e, ctx, settings) for e in jaxpr.eqns])
  close = ",)" if len(jaxpr.outvars) == 1 else ")"
  outvars = concat(text("("), _vars_doc(jaxpr.outvars, ctx, sep=","), text(close))
  body = concat(text("{ lambda "), constvars, text("; "), invars, text(". let"),
                nest(2, concat(brk(), eqns)), brk(), text("in "), outvars)
  return group(concat(nest(2, body), text(" }")))


def _jaxpr_doc(jaxpr, ctx: PpContext, settings: PpSettings):
  shared = ctx.shared_jaxprs.get(jaxpr)
  if shared is not None:
    return text(shared)
  return _skeleton_doc(jaxpr, ctx, settings)


def _jaxprs_in_params(params):
  for val in params.values():
    for v in (val if isinstance(val, tuple) else (val,)):
      if _is_jaxpr(v):
        yield _inner_jaxpr(v)


def _unused_outputs(jaxpr) -> dict:
  """Top-level equation outputs nobody reads print as ``_``."""
  used = {a for a in jaxpr.outvars if isinstance(a, Var)}
  names = {}
  for eqn in reversed(jaxpr.eqns):
    for v in eqn.outvars:
      if v not in used:
        names[v] = "_"
    used.update(a for a in eqn.invars if isinstance(a, Var))
  return names


def _shared_jaxprs(top) -> list:
  """Sub-jaxprs printed once up front: those used more than once, and those of more than
  10 equations. Each is named after the ``name`` param of the equation holding it."""
  counts = collections.Counter()
  names = {}
  queue = collections.deque([top])
  while queue:
    jaxpr = queue.popleft()
    counts[jaxpr] += 1 if jaxpr is top or len(jaxpr.eqns) <= 10 else 2
    for eqn in jaxpr.eqns:
      name = eqn.params.get("name")
      for sub in _jaxprs_in_params(eqn.params):
        queue.append(sub)
        if name is not None:
          names.setdefault(sub, name.strip("<>"))
  taken = collections.Counter()
  shared = []
  for jaxpr, count in counts.items():
    if count == 1:
      continue
    name = names.get(jaxpr, "jaxpr")
    seen = taken[name]
    taken[name] += 1
    if seen:
      name += str(seen)
      taken[name] += 1
    shared.append((name, jaxpr))
  return shared


def toplevel_doc(jaxpr, settings: PpSettings = PpSettings()):
  ctx = PpContext(_unused_outputs(jaxpr))
  shared = _shared_jaxprs(jaxpr)
  for name, sub in shared:
    ctx.shared_names.add(name)
    ctx.shared_jaxprs[sub] = name
  docs = [concat(text(f"let {name} = "), _skeleton_doc(sub, ctx, settings), text(" in"), brk())
          for name, sub in shared]
  return concat(*docs, _jaxpr_doc(jaxpr, ctx, settings))


def pp_jaxpr(jaxpr, *, print_shapes: bool = True, custom_pp_eqn_rules: bool = True,
             width: int = 80, use_color: bool = False) -> str:
  """The text ``str(jaxpr)`` gives in JAX (``Jaxpr.pretty_print`` with its options).

  ``use_color`` is accepted for JAX code that passes it; jaxlite prints plain text."""
  settings = PpSettings(print_shapes, custom_pp_eqn_rules)
  return format_doc(toplevel_doc(jaxpr, settings), width)


def pp_eqn(eqn, width: int = 80) -> str:
  """``repr(eqn)``: the equation on its own, with names starting from ``a``."""
  return format_doc(eqn_doc(eqn, PpContext(), PpSettings()), width).rstrip()
