"""Staging: a trace that records primitives into a jaxpr instead of running them.

Used by ``jit`` and ``make_jaxpr`` (everything staged) and by ``linearize`` (only the
tangent computation staged, so it can be transposed)."""
from __future__ import annotations

import numpy as np

from jaxlite._src import core
from jaxlite._src import errors
from jaxlite._src.array import ArrayImpl
from jaxlite._src.core import ShapedArray, Trace, Tracer
from jaxlite._src.jaxpr import ClosedJaxpr, Jaxpr, JaxprEqn, Literal, Var


class DebugInfo:
  """Where a trace comes from, to name the function and arguments in error messages."""
  __slots__ = ("what", "fun_name", "src", "arg_names")

  def __init__(self, what, fun=None, arg_names=None):
    self.what = what
    self.fun_name = getattr(fun, "__name__", None) or type(fun).__name__ if fun else what
    self.src = _source_location(fun)
    self.arg_names = arg_names


def _source_location(fun):
  code = getattr(getattr(fun, "__wrapped__", fun), "__code__", None)
  if code is None:
    return None
  return f"{code.co_filename}:{code.co_firstlineno}"


class DynamicJaxprTracer(Tracer):
  __slots__ = ("_aval", "var")
  _repr_name = "JitTracer"

  def __init__(self, trace, aval, var):
    self._trace = trace
    self._aval = aval
    self.var = var

  @property
  def aval(self):
    return self._aval


class DynamicJaxprTrace(Trace):
  """Records every primitive applied to its tracers as an equation."""

  def __init__(self, debug_info=None):
    self.eqns: list[JaxprEqn] = []
    self.invars: list[Var] = []
    self._const_vars: dict[int, Var] = {}
    self._consts: list = []
    self._const_keepalive: list = []
    self.debug_info = debug_info

  def describe_self(self) -> str:
    info = self.debug_info
    if not isinstance(info, DebugInfo):
      return ""
    where = f" at {info.src}" if info.src else ""
    return f"The function being traced when the value leaked was {info.fun_name}{where} " \
           f"traced for {info.what}."

  def describe_tracer_origin(self, tracer) -> str:
    info = self.debug_info
    if not isinstance(info, DebugInfo) or tracer._trace is not self:
      return ""
    where = f" at {info.src}" if info.src else ""
    text = f"The error occurred while tracing the function {info.fun_name}{where} for " \
           f"{info.what}."
    names = self._argument_dependencies(tracer)
    if names:
      if len(names) == 1:
        text += (" This concrete value was not available in Python because it depends on the "
                 f"value of the argument {names[0]}.")
      else:
        text += (" This concrete value was not available in Python because it depends on the "
                 f"values of the arguments {', '.join(names[:-1])} and {names[-1]}.")
    return text

  def _argument_dependencies(self, tracer):
    """Names of the traced arguments the value of ``tracer`` was computed from."""
    producer = {v: eqn for eqn in self.eqns for v in eqn.outvars}
    seen, stack, found = set(), [tracer.var], set()
    while stack:
      v = stack.pop()
      if v in seen:
        continue
      seen.add(v)
      eqn = producer.get(v)
      if eqn is None:
        found.add(v)
      else:
        stack.extend(a for a in eqn.invars if type(a) is Var)
    names = self.debug_info.arg_names or []
    return [n for v, n in zip(self.invars, names) if v in found and n is not None]

  def new_arg(self, aval: ShapedArray) -> DynamicJaxprTracer:
    v = Var(aval)
    self.invars.append(v)
    return DynamicJaxprTracer(self, aval, v)

  def to_atom(self, x):
    """The jaxpr operand standing for ``x``: its var, a literal or a constvar."""
    if isinstance(x, DynamicJaxprTracer) and x._trace is self:
      return x.var
    if isinstance(x, Tracer):
      if x._trace._invalid:
        raise errors.UnexpectedTracerError(errors.escaped_tracer_message(x))
      return self._constvar(x, x.aval)
    t = type(x)
    if t in (int, float, complex, bool):
      aval = core.get_aval(x)
      return Literal(np.asarray(x, aval.dtype)[()], aval)
    if t is ArrayImpl:
      if x._value.ndim == 0:
        return Literal(x._value[()], x.aval)
      return self._constvar(x, x.aval)
    if isinstance(x, (np.ndarray, np.generic)):
      aval = core.get_aval(x)
      if x.ndim == 0:
        return Literal(np.asarray(x, aval.dtype)[()], aval)
      return self._constvar(ArrayImpl(np.asarray(x, aval.dtype)), aval)
    raise TypeError(f"Value {x!r} of type {t.__name__} is not a valid JAX type.")

  def _constvar(self, x, aval):
    v = self._const_vars.get(id(x))
    if v is None:
      v = self._const_vars[id(x)] = Var(aval)
      self._consts.append((v, x))
      self._const_keepalive.append(x)  # ids stay unique only while the object lives
    return v

  def process_primitive(self, primitive, args, params):
    atoms = [self.to_atom(x) for x in args]
    avals = [a.aval for a in atoms]
    out = primitive.abstract_eval(*avals, **params)
    if primitive.multiple_results:
      tracers = [DynamicJaxprTracer(self, aval, Var(aval)) for aval in out]
      self.eqns.append(JaxprEqn(atoms, [t.var for t in tracers], primitive, params))
      return tracers
    tracer = DynamicJaxprTracer(self, out, Var(out))
    self.eqns.append(JaxprEqn(atoms, [tracer.var], primitive, params))
    return tracer

  def to_jaxpr(self, in_tracers, out_values):
    """Close the recording: a jaxpr from ``in_tracers`` to ``out_values`` and its consts."""
    invars = [t.var for t in in_tracers]
    outvars = [self.to_atom(x) for x in out_values]
    constvars = [v for v, _ in self._consts]
    consts = [x for _, x in self._consts]
    jaxpr = Jaxpr(constvars, invars, outvars, self.eqns)
    return ClosedJaxpr(_prune_unused_consts(jaxpr, consts), consts)


def _prune_unused_consts(jaxpr: Jaxpr, consts):
  used = set()
  for eqn in jaxpr.eqns:
    used.update(a for a in eqn.invars if type(a) is Var)
  used.update(a for a in jaxpr.outvars if type(a) is Var)
  keep = [i for i, v in enumerate(jaxpr.constvars) if v in used]
  if len(keep) == len(jaxpr.constvars):
    return jaxpr
  kept_vars = [jaxpr.constvars[i] for i in keep]
  kept = [consts[i] for i in keep]
  consts[:] = kept
  return jaxpr.replace(constvars=kept_vars)


def trace_to_jaxpr(fun, in_avals, debug_info=None):
  """Trace ``fun`` (flat list in, flat list out) on abstract inputs: ClosedJaxpr."""
  trace = DynamicJaxprTrace(debug_info)
  in_tracers = [trace.new_arg(a) for a in in_avals]
  try:
    with core.set_current_trace(trace):
      outs = fun(*in_tracers)
    return trace.to_jaxpr(in_tracers, outs)
  finally:
    trace.invalidate()


def convert_constvars_jaxpr(jaxpr: Jaxpr) -> Jaxpr:
  """Turn constvars into leading invars (so consts can be passed as arguments)."""
  return jaxpr.replace(constvars=[], invars=jaxpr.constvars + jaxpr.invars)


def closed_jaxpr_has_tracer_consts(closed: ClosedJaxpr) -> bool:
  return any(isinstance(c, Tracer) for c in closed.consts)


def partial_eval_jaxpr(closed: ClosedJaxpr, unknowns, instantiate=None):
  """Split ``closed`` into a known part and an unknown part.

  Equations that read an unknown input (transitively) are unknown. ``instantiate`` marks
  outputs that must come out of the unknown part even when they are known (loop carries):
  those pass through it as residuals. Returns ``(known, unknown, out_unknowns, num_res)``:
  ``known`` maps the known inputs to the known outputs followed by ``num_res`` residuals;
  ``unknown`` maps the residuals followed by the unknown inputs to the unknown outputs."""
  jaxpr = closed.jaxpr
  unknown_vars = {v for v, u in zip(jaxpr.invars, unknowns) if u}
  known_eqns, unknown_eqns = [], []
  for eqn in jaxpr.eqns:
    if any(type(a) is Var and a in unknown_vars for a in eqn.invars):
      unknown_eqns.append(eqn)
      unknown_vars.update(eqn.outvars)
    else:
      known_eqns.append(eqn)
  instantiate = instantiate or [False] * len(jaxpr.outvars)
  out_unknowns = [(type(v) is Var and v in unknown_vars) or bool(inst)
                  for v, inst in zip(jaxpr.outvars, instantiate)]
  residuals, seen = [], set()

  def add_residual(a):
    if type(a) is Var and a not in unknown_vars and a not in seen:
      seen.add(a)
      residuals.append(a)

  for eqn in unknown_eqns:
    for a in eqn.invars:
      add_residual(a)
  unknown_outs = []
  for v, u in zip(jaxpr.outvars, out_unknowns):
    if u:
      add_residual(v)  # a known value forced out of the unknown part passes through
      unknown_outs.append(v)
  known_invars = [v for v, u in zip(jaxpr.invars, unknowns) if not u]
  known_outs = [v for v, u in zip(jaxpr.outvars, out_unknowns) if not u]
  known = Jaxpr(jaxpr.constvars, known_invars, known_outs + residuals, known_eqns)
  unknown_invars = [v for v, u in zip(jaxpr.invars, unknowns) if u]
  unknown = Jaxpr([], residuals + unknown_invars, unknown_outs, unknown_eqns)
  return (ClosedJaxpr(known, closed.consts), ClosedJaxpr(unknown, []), out_unknowns,
          len(residuals))


def move_invars(jaxpr: Jaxpr, order) -> Jaxpr:
  """The same jaxpr with its inputs permuted: new invar i is old invar ``order[i]``."""
  return jaxpr.replace(invars=[jaxpr.invars[i] for i in order])
