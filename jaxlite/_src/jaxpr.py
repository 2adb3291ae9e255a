"""The jaxpr IR: variables, literals, equations, a printer with JAX's text, a type checker
and an interpreter that re-binds every equation (so staged programs stay transformable)."""
from __future__ import annotations

import enum
import itertools

import numpy as np

from jaxlite._src import core
from jaxlite._src.core import ShapedArray


class Var:
  __slots__ = ("aval", "count")
  _counter = itertools.count()

  def __init__(self, aval: ShapedArray):
    self.aval = aval
    self.count = next(Var._counter)

  def __repr__(self):
    return f"Var({self.count}:{self.aval.str_short()})"


class DropVar(Var):
  """An output nobody reads; printed as ``_``."""
  __slots__ = ()


class Literal:
  """A scalar constant written inline in the program text."""
  __slots__ = ("val", "aval")

  def __init__(self, val, aval: ShapedArray):
    self.val = val
    self.aval = aval

  def __repr__(self):
    return f"Literal({self.val!r}:{self.aval.str_short()})"


class JaxprEqn:
  __slots__ = ("invars", "outvars", "primitive", "params", "source_info")

  def __init__(self, invars, outvars, primitive, params, source_info=None):
    self.invars = list(invars)
    self.outvars = list(outvars)
    self.primitive = primitive
    self.params = params
    self.source_info = source_info

  def replace(self, **kw):
    new = JaxprEqn(self.invars, self.outvars, self.primitive, self.params, self.source_info)
    for k, v in kw.items():
      setattr(new, k, v)
    return new

  def __repr__(self):
    return pp_eqn(self, _Namer())


class Jaxpr:
  __slots__ = ("constvars", "invars", "outvars", "eqns", "effects", "debug_info")

  def __init__(self, constvars, invars, outvars, eqns, effects=(), debug_info=None):
    self.constvars = list(constvars)
    self.invars = list(invars)
    self.outvars = list(outvars)
    self.eqns = list(eqns)
    self.effects = effects
    self.debug_info = debug_info

  @property
  def in_avals(self):
    return [v.aval for v in self.invars]

  @property
  def out_avals(self):
    return [v.aval for v in self.outvars]

  def replace(self, **kw):
    fields = dict(constvars=self.constvars, invars=self.invars, outvars=self.outvars,
                  eqns=self.eqns, effects=self.effects, debug_info=self.debug_info)
    fields.update(kw)
    return Jaxpr(**fields)

  def __str__(self):
    return pp_jaxpr(self)

  def pretty_print(self, **kw):
    return pp_jaxpr(self)

  __repr__ = __str__


class ClosedJaxpr:
  """A jaxpr with the values of its constvars."""
  __slots__ = ("jaxpr", "consts", "__weakref__")

  def __init__(self, jaxpr: Jaxpr, consts):
    self.jaxpr = jaxpr
    self.consts = list(consts)

  @property
  def in_avals(self):
    return self.jaxpr.in_avals

  @property
  def out_avals(self):
    return self.jaxpr.out_avals

  @property
  def literals(self):
    return self.consts

  @property
  def eqns(self):
    return self.jaxpr.eqns

  @property
  def effects(self):
    return self.jaxpr.effects

  def map_jaxpr(self, f):
    return ClosedJaxpr(f(self.jaxpr), self.consts)

  def __call__(self, *args):
    return eval_jaxpr(self.jaxpr, self.consts, *args)

  def __str__(self):
    return pp_jaxpr(self.jaxpr)

  def pretty_print(self, **kw):
    return str(self)

  __repr__ = __str__


# ---------------------------------------------------------------------------
# Interpreter

def eval_jaxpr(jaxpr: Jaxpr, consts, *args, propagate_source_info=True):
  """Evaluate ``jaxpr`` by binding each equation under the current trace."""
  env = {}
  if len(args) != len(jaxpr.invars):
    raise TypeError(f"eval_jaxpr: the jaxpr takes {len(jaxpr.invars)} arguments, got {len(args)}")
  for v, x in zip(jaxpr.constvars, consts):
    env[v] = x
  for v, x in zip(jaxpr.invars, args):
    env[v] = x

  def read(a):
    return a.val if type(a) is Literal else env[a]

  for eqn in jaxpr.eqns:
    outs = eqn.primitive.bind(*map(read, eqn.invars), **eqn.params)
    if eqn.primitive.multiple_results:
      for v, x in zip(eqn.outvars, outs):
        env[v] = x
    else:
      env[eqn.outvars[0]] = outs
  return [read(v) for v in jaxpr.outvars]


def jaxpr_as_fun(closed: ClosedJaxpr):
  return lambda *args: eval_jaxpr(closed.jaxpr, closed.consts, *args)


# ---------------------------------------------------------------------------
# Type checking

class JaxprTypeError(TypeError):
  pass


def check_jaxpr(jaxpr: Jaxpr) -> None:
  """Check single assignment, definition before use, and every equation's output types."""
  defined = set()

  def define(v, where):
    if type(v) is DropVar:
      return
    if v in defined:
      raise JaxprTypeError(f"variable {v} defined twice ({where})")
    defined.add(v)

  def read(a, eqn):
    if type(a) is Literal:
      return a.aval
    if a not in defined:
      raise JaxprTypeError(f"variable {a} used before definition in equation {eqn!r}")
    return a.aval

  for v in jaxpr.constvars:
    define(v, "constvar")
  for v in jaxpr.invars:
    define(v, "invar")
  for eqn in jaxpr.eqns:
    in_avals = [read(a, eqn) for a in eqn.invars]
    out = eqn.primitive.abstract_eval(*in_avals, **eqn.params)
    out = out if eqn.primitive.multiple_results else [out]
    if len(out) != len(eqn.outvars):
      raise JaxprTypeError(f"{eqn.primitive} returns {len(out)} values, equation binds "
                           f"{len(eqn.outvars)}")
    for v, aval in zip(eqn.outvars, out):
      if (v.aval.shape, v.aval.dtype) != (aval.shape, aval.dtype):
        raise JaxprTypeError(f"{eqn.primitive}: output {v.aval.str_short()} recorded, "
                             f"{aval.str_short()} computed")
      define(v, eqn.primitive.name)
  for v in jaxpr.outvars:
    read(v, "output")


# ---------------------------------------------------------------------------
# Printing, in JAX's format

def _encode_name(n: int) -> str:
  # a..z, then ba, bb, ... as JAX does (base 26 with 'a' as the zero digit).
  s = ""
  while True:
    n, r = divmod(n, 26)
    s = chr(ord("a") + r) + s
    if n == 0:
      return s


class _Namer:
  def __init__(self):
    self.names = {}

  def __call__(self, v) -> str:
    if type(v) is DropVar:
      return "_"
    name = self.names.get(v)
    if name is None:
      name = self.names[v] = _encode_name(len(self.names))
    return name


def _pp_literal(lit: Literal) -> str:
  val = lit.val
  if isinstance(val, (np.ndarray, np.generic)) or hasattr(val, "_value"):
    val = np.asarray(val).item() if np.ndim(val) == 0 else val
  if isinstance(val, bool):
    text = str(val)
  elif isinstance(val, float):
    text = repr(float(val)) if np.isfinite(val) else str(val)
  else:
    text = str(val)
  return f"{text}:{lit.aval.str_short()}"


def _pp_atom(a, namer) -> str:
  if type(a) is Literal:
    return _pp_literal(a)
  return namer(a)


def _pp_param(value, namer, indent) -> str:
  if isinstance(value, ClosedJaxpr):
    return pp_jaxpr(value.jaxpr, indent, namer=namer)
  if isinstance(value, Jaxpr):
    return pp_jaxpr(value, indent, namer=namer)
  if isinstance(value, tuple) and value and isinstance(value[0], (ClosedJaxpr, Jaxpr)):
    inner = "\n".join(" " * (indent + 2) + _pp_param(v, namer, indent + 2) for v in value)
    return "(\n" + inner + "\n" + " " * indent + ")"
  if isinstance(value, np.dtype):
    return value.name
  if isinstance(value, type) and issubclass(value, np.generic):
    return np.dtype(value).name
  if isinstance(value, enum.Enum):
    return str(value)
  if callable(value) and hasattr(value, "__name__"):
    return value.__name__
  return str(value)


def pp_eqn(eqn: JaxprEqn, namer, indent: int = 4) -> str:
  outs = " ".join(f"{namer(v)}:{v.aval.str_short()}" for v in eqn.outvars)
  ins = " ".join(_pp_atom(a, namer) for a in eqn.invars)
  params = sorted(eqn.params.items())
  has_jaxpr = any(isinstance(v, (Jaxpr, ClosedJaxpr)) or
                  (isinstance(v, tuple) and v and isinstance(v[0], (Jaxpr, ClosedJaxpr)))
                  for _, v in params)
  name = eqn.primitive.name
  if not params:
    head = name
  elif has_jaxpr:
    pad = " " * (indent + 2)
    lines = [f"{pad}{k}={_pp_param(v, namer, indent + 2)}" for k, v in params]
    head = f"{name}[\n" + "\n".join(lines) + "\n" + " " * indent + "]"
  else:
    head = f"{name}[" + " ".join(f"{k}={_pp_param(v, namer, indent)}" for k, v in params) + "]"
  return f"{outs} = {head} {ins}".rstrip()


def pp_jaxpr(jaxpr: Jaxpr, indent: int = 0, namer=None) -> str:
  namer = _Namer() if namer is None else namer
  consts = " ".join(f"{namer(v)}:{v.aval.str_short()}" for v in jaxpr.constvars)
  ins = " ".join(f"{namer(v)}:{v.aval.str_short()}" for v in jaxpr.invars)
  pad = " " * indent
  lines = [f"{{ lambda {consts}; {ins}. let"]
  for eqn in jaxpr.eqns:
    lines.append(pad + "    " + pp_eqn(eqn, namer, indent + 4))
  outs = ", ".join(_pp_atom(v, namer) for v in jaxpr.outvars)
  outs = f"({outs},)" if len(jaxpr.outvars) == 1 else f"({outs})"
  lines.append(f"{pad}  in {outs} }}")
  return "\n".join(lines)
