"""The jaxpr IR: variables, literals, equations, a printer with JAX's text, a type checker
and an interpreter that re-binds every equation (so staged programs stay transformable)."""
from __future__ import annotations

import itertools

from jaxlite._src.core import ShapedArray


class Var:
  __slots__ = ("aval", "count")
  _counter = itertools.count()

  def __init__(self, aval: ShapedArray):
    self.aval = aval
    self.count = next(Var._counter)

  def __repr__(self):
    return f"Var({self.count}:{self.aval.str_short(True)})"


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
    return f"Literal({self.val!r}:{self.aval.str_short(True)})"


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
    return pp_eqn(self)


class Jaxpr:
  __slots__ = ("constvars", "invars", "outvars", "eqns", "effects", "debug_info", "__weakref__")

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
    return pp_jaxpr(self, **kw)

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
    return pp_jaxpr(self.jaxpr, **kw)

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
        raise JaxprTypeError(f"{eqn.primitive}: output {v.aval.str_short(True)} recorded, "
                             f"{aval.str_short(True)} computed")
      define(v, eqn.primitive.name)
  for v in jaxpr.outvars:
    read(v, "output")


# ---------------------------------------------------------------------------
# Printing, in JAX's format: the code lives in jaxpr_printer.

def pp_jaxpr(jaxpr: Jaxpr, **kw) -> str:
  return jaxpr_printer.pp_jaxpr(jaxpr, **kw)


def pp_eqn(eqn: JaxprEqn) -> str:
  return jaxpr_printer.pp_eqn(eqn)


# codegen names its variables the same way.
def _encode_name(n: int) -> str:
  return jaxpr_printer.encode_name(n)


# Late import: the printer needs the IR classes defined above.
from jaxlite._src import jaxpr_printer  # noqa: E402
