"""Forward and reverse mode.

Forward mode is a trace of (primal, tangent) pairs. Reverse mode is linearize + transpose,
as in JAX: the JVP runs with primal operations on the parent trace (concrete when the
parent is eager, so Python control flow on values works) while every operation that
touches a tangent is staged into a linear jaxpr, which ``backward_pass`` transposes. Only
linear primitives need transpose rules; every JVP rule serves both modes."""
from __future__ import annotations

import numpy as np

from jaxlite._src import core
from jaxlite._src import dtypes
from jaxlite._src.core import ShapedArray, Trace, Tracer, get_aval
from jaxlite._src.jaxpr import ClosedJaxpr, Literal, Var
from jaxlite._src.interpreters import partial_eval as pe

primitive_jvps: dict = {}
primitive_transposes: dict = {}
# Rules used instead of the JVP rule under linearize, for primitives (like jit) that must
# split their work between the primal and the tangent side themselves:
# rule(parent_trace, tangent_trace, primals, tangents, **params) -> (primal_out, tangent_out)
primitive_linearizations: dict = {}


# ---------------------------------------------------------------------------
# Symbolic zeros and undefined primals

class Zero:
  """A tangent or cotangent known to be zero; never materialized unless needed."""
  __slots__ = ("aval",)

  def __init__(self, aval: ShapedArray):
    self.aval = aval

  @staticmethod
  def from_primal_value(x):
    return Zero(get_aval(x).to_tangent_aval())

  def __repr__(self):
    return f"Zero({self.aval.str_short(True)})"


class UndefinedPrimal:
  """Marks a linear input of an equation being transposed."""
  __slots__ = ("aval",)

  def __init__(self, aval):
    self.aval = aval

  def __repr__(self):
    return f"UndefinedPrimal({self.aval.str_short(True)})"


def is_undefined_primal(x) -> bool:
  return type(x) is UndefinedPrimal


def zeros_like_aval(aval: ShapedArray):
  if aval.dtype == dtypes.float0:
    return np.zeros(aval.shape, dtypes.float0)
  from jaxlite._src.lax import lax
  return lax.full(aval.shape, 0, aval.dtype)


def instantiate_zeros(t):
  return zeros_like_aval(t.aval) if type(t) is Zero else t


def add_tangents(a, b):
  if type(a) is Zero:
    return b
  if type(b) is Zero:
    return a
  return add_any_p.bind(a, b)


# Tangent accumulation gets its own primitive, as in JAX, so jaxprs show it as add_any.
add_any_p = core.Primitive("add_any")
add_any_p.def_impl(lambda x, y: np.add(x, y))
add_any_p.def_abstract_eval(lambda x, y: x)


# ---------------------------------------------------------------------------
# Rule helpers

def defjvp(primitive, *jvprules):
  """One rule per operand, ``rule(g, *primals, **params)``; None for non-differentiable ones.
  The output tangent is the sum of the contributions of the non-zero input tangents."""
  def jvp(primals, tangents, **params):
    primal_out = primitive.bind(*primals, **params)
    out = Zero(get_aval(primal_out).to_tangent_aval())
    for rule, t in zip(jvprules, tangents):
      if rule is not None and type(t) is not Zero:
        out = add_tangents(out, rule(t, *primals, **params))
    return primal_out, out
  primitive_jvps[primitive] = jvp


def defjvp2(primitive, *jvprules):
  """Like defjvp, but each rule also receives the primal output: ``rule(g, ans, *primals)``."""
  def jvp(primals, tangents, **params):
    ans = primitive.bind(*primals, **params)
    out = Zero(get_aval(ans).to_tangent_aval())
    for rule, t in zip(jvprules, tangents):
      if rule is not None and type(t) is not Zero:
        out = add_tangents(out, rule(t, ans, *primals, **params))
    return ans, out
  primitive_jvps[primitive] = jvp


def defjvp_zero(primitive):
  """The output does not depend differentiably on the inputs (comparisons, integer ops)."""
  def jvp(primals, tangents, **params):
    out = primitive.bind(*primals, **params)
    if primitive.multiple_results:
      return out, [Zero.from_primal_value(o) for o in out]
    return out, Zero.from_primal_value(out)
  primitive_jvps[primitive] = jvp


def deflinear(primitive, transpose_rule):
  """A primitive linear in all its operands: its JVP is itself applied to the tangents."""
  def jvp(primals, tangents, **params):
    out = primitive.bind(*primals, **params)
    if all(type(t) is Zero for t in tangents):
      zero = (lambda o: Zero.from_primal_value(o))
      return out, ([zero(o) for o in out] if primitive.multiple_results else zero(out))
    tangent_out = primitive.bind(*map(instantiate_zeros, tangents), **params)
    return out, tangent_out
  primitive_jvps[primitive] = jvp
  primitive_transposes[primitive] = transpose_rule


def deflinear2(primitive, transpose_rule):
  """Linear primitive whose transpose also needs the (undefined) operands: ``rule(ct, *args)``."""
  deflinear(primitive, transpose_rule)


defjvp(add_any_p, lambda g, x, y: g, lambda g, x, y: g)
from jaxlite._src.interpreters import batching as _batching  # noqa: E402


def _add_any_batcher(vals, dims):
  # add_any's operands have one shape (no rank-0 broadcasting), so an unbatched cotangent
  # meeting a batched one is given the batch axis rather than left as a scalar.
  if dims[0] == dims[1]:
    return add_any_p.bind(*vals), dims[0]
  size = next(_batching._shape(v)[d] for v, d in zip(vals, dims)
              if d is not _batching.not_mapped)
  x, y = (_batching.bdim_at_front(v, d, size) for v, d in zip(vals, dims))
  return add_any_p.bind(x, y), 0


_batching.primitive_batchers[add_any_p] = _add_any_batcher
from jaxlite._src.compiler.codegen_rules import defexpr as _defexpr  # noqa: E402
_defexpr(add_any_p, "np.add({0}, {1})")
primitive_transposes[add_any_p] = lambda ct, x, y: [ct, ct]


# ---------------------------------------------------------------------------
# The JVP trace

class JVPTracer(Tracer):
  __slots__ = ("primal", "tangent")

  def __repr__(self):
    t = self.tangent
    t_aval = t.aval if type(t) is Zero else get_aval(t)
    return f"GradTracer(primal={self.primal!r}, typeof(tangent)={t_aval.str_short(True)})"

  def __init__(self, trace, primal, tangent):
    self._trace = trace
    self.primal = primal
    self.tangent = tangent

  @property
  def aval(self):
    return get_aval(self.primal)

  def to_concrete_value(self):
    return core.concrete_value(self.primal)


class JoinTrace(Trace):
  """While a JVP rule runs under linearize: operations touching a tangent go to the
  staging trace (becoming the linear program), all others to the parent trace."""

  def __init__(self, parent, tangent_trace):
    self.parent = parent
    self.tangent_trace = tangent_trace

  def process_primitive(self, primitive, args, params):
    tangent_trace = self.tangent_trace
    for x in args:
      if isinstance(x, Tracer) and x._trace is tangent_trace:
        return tangent_trace.process_primitive(primitive, args, params)
    return self.parent.process_primitive(primitive, args, params)


class JVPTrace(Trace):
  def __init__(self, parent: Trace, tangent_trace: Trace | None = None):
    self.parent = parent
    self.tangent_trace = tangent_trace
    self.rule_trace = parent if tangent_trace is None else JoinTrace(parent, tangent_trace)

  def to_primal_tangent_pair(self, x):
    if type(x) is JVPTracer and x._trace is self:
      return x.primal, x.tangent
    if isinstance(x, Tracer) and x._trace._invalid:
      from jaxlite._src import errors
      raise errors.UnexpectedTracerError(errors.escaped_tracer_message(x))
    return x, Zero.from_primal_value(x)

  def process_primitive(self, primitive, args, params):
    primals, tangents = [], []
    for x in args:
      p, t = self.to_primal_tangent_pair(x)
      primals.append(p)
      tangents.append(t)
    if all(type(t) is Zero for t in tangents):
      return primitive.bind_with_trace(self.parent, primals, params)
    if self.tangent_trace is not None and primitive in primitive_linearizations:
      primal_out, tangent_out = primitive_linearizations[primitive](
          self.parent, self.tangent_trace, primals, tangents, **params)
      if primitive.multiple_results:
        return [self.wrap(p, t) for p, t in zip(primal_out, tangent_out)]
      return self.wrap(primal_out, tangent_out)
    rule = primitive_jvps.get(primitive)
    if rule is None:
      raise NotImplementedError(
          f"Differentiation rule for '{primitive.name}' not implemented in jaxlite.")
    with core.set_current_trace(self.rule_trace):
      primal_out, tangent_out = rule(primals, tangents, **params)
    if primitive.multiple_results:
      return [self.wrap(p, t) for p, t in zip(primal_out, tangent_out)]
    return self.wrap(primal_out, tangent_out)

  def wrap(self, primal, tangent):
    if type(tangent) is Zero:
      return primal
    return JVPTracer(self, primal, tangent)


# ---------------------------------------------------------------------------
# jvp and linearize on flat lists

def jvp_flat(fun, primals, tangents):
  """Run ``fun`` (flat list -> flat list) on JVP tracers; tangents may be ``Zero``."""
  trace = JVPTrace(core.current_trace())
  ins = [JVPTracer(trace, core.to_array(p), t) for p, t in zip(primals, tangents)]
  try:
    with core.set_current_trace(trace):
      outs = fun(*ins)
    pairs = [trace.to_primal_tangent_pair(o) for o in outs]
  finally:
    trace.invalidate()
  return [p for p, _ in pairs], [t for _, t in pairs]


class LinearFunction:
  """The linear map produced by ``linearize``: a jaxpr from input tangents to output tangents."""

  def __init__(self, closed: ClosedJaxpr, in_avals, out_avals, out_zero, nonzeros=None):
    self.closed = closed
    self.in_avals = in_avals        # tangent avals of the inputs that have a tangent
    self.out_avals = out_avals      # tangent avals of the outputs
    self.out_zero = out_zero        # which outputs have an identically-zero tangent
    self.nonzeros = nonzeros if nonzeros is not None else [True] * len(in_avals)

  def __call__(self, *tangents):
    """Output tangents, given one tangent per input (those of integer inputs are ignored)."""
    from jaxlite._src.jaxpr import eval_jaxpr
    tangents = [t for t, nz in zip(tangents, self.nonzeros) if nz]
    outs = iter(eval_jaxpr(self.closed.jaxpr, self.closed.consts, *tangents))
    return [zeros_like_aval(a) if z else next(outs)
            for a, z in zip(self.out_avals, self.out_zero)]

  def transpose(self, cts):
    """Cotangents of the inputs, given cotangents of the outputs (``Zero`` allowed)."""
    cts = [ct for ct, z in zip(cts, self.out_zero) if not z]
    args = [UndefinedPrimal(v.aval) for v in self.closed.jaxpr.invars]
    cts_in = iter(backward_pass(self.closed.jaxpr, self.closed.consts, args, cts))
    return [next(cts_in) if nz else Zero(None) for nz in self.nonzeros]


def linearize_flat(fun, primals, nonzeros=None):
  """Primal outputs of ``fun`` and the LinearFunction of its tangents.

  ``nonzeros`` (default: all inexact inputs) says which inputs get a tangent input in the
  linear map; the others have zero tangents."""
  primals = [core.to_array(p) for p in primals]
  parent = core.current_trace()
  staging = pe.DynamicJaxprTrace("linearize")
  trace = JVPTrace(parent, staging)
  in_avals = [get_aval(p).to_tangent_aval() for p in primals]
  if nonzeros is None:
    nonzeros = [a.dtype != dtypes.float0 for a in in_avals]
  tangent_args = [staging.new_arg(a) for a, nz in zip(in_avals, nonzeros) if nz]
  it = iter(tangent_args)
  ins = [JVPTracer(trace, p, next(it) if nz else Zero(a))
         for p, a, nz in zip(primals, in_avals, nonzeros)]
  try:
    with core.set_current_trace(trace):
      outs = fun(*ins)
    pairs = [trace.to_primal_tangent_pair(o) for o in outs]
  finally:
    trace.invalidate()
  primal_outs = [p for p, _ in pairs]
  out_tangents = [t for _, t in pairs]
  out_zero = [type(t) is Zero for t in out_tangents]
  try:
    closed = staging.to_jaxpr(tangent_args, [t for t in out_tangents if type(t) is not Zero])
  finally:
    staging.invalidate()
  out_avals = [get_aval(p).to_tangent_aval() for p in primal_outs]
  return primal_outs, LinearFunction(closed, [a for a, nz in zip(in_avals, nonzeros) if nz],
                                     out_avals, out_zero, list(nonzeros))


def linearize_jaxpr(closed: ClosedJaxpr, nonzeros, instantiate=None):
  """Split ``closed`` for reverse mode into a primal part and a linear part.

  Returns ``(known, unknown, out_nz, num_res)``: ``known`` maps the primal inputs to the
  primal outputs followed by ``num_res`` residuals; ``unknown`` maps the residuals followed
  by the non-zero input tangents to the non-zero output tangents (``out_nz`` says which;
  ``instantiate`` forces some to be present, as zeros if need be). Nested higher-order
  primitives split themselves through their own linearize rules."""
  from jaxlite._src.jaxpr import eval_jaxpr
  info = {}
  n_out = len(closed.out_avals)
  inst = list(instantiate) if instantiate is not None else [False] * n_out

  def known_fun(*primals):
    outs, lin = linearize_flat(lambda *xs: eval_jaxpr(closed.jaxpr, closed.consts, *xs),
                               primals, nonzeros)
    info["lin"] = lin
    return list(outs) + list(lin.closed.consts)

  known = pe.trace_to_jaxpr(known_fun, closed.in_avals, "linearize")
  lin = info["lin"]
  out_nz = [not z or (i and a.dtype != dtypes.float0)
            for z, i, a in zip(lin.out_zero, inst, lin.out_avals)]
  num_res = len(lin.closed.consts)
  lin_jaxpr = lin.closed.jaxpr

  def unknown_fun(*args):
    res, tangents = args[:num_res], args[num_res:]
    outs = iter(eval_jaxpr(lin_jaxpr, res, *tangents))
    full = [zeros_like_aval(a) if z else next(outs) for z, a in zip(lin.out_zero, lin.out_avals)]
    return [t for t, nz in zip(full, out_nz) if nz]

  res_avals = [v.aval for v in lin_jaxpr.constvars]
  unknown = pe.trace_to_jaxpr(unknown_fun, res_avals + list(lin.in_avals), "linear")
  return known, unknown, out_nz, num_res


# ---------------------------------------------------------------------------
# Transposition

def backward_pass(jaxpr, consts, args, cts_out):
  """Propagate cotangents from the outputs of ``jaxpr`` back to its linear inputs.

  ``args`` holds a value for each known input and an ``UndefinedPrimal`` for each linear
  one; the result has a cotangent (possibly ``Zero``) per linear input, None per known one."""
  known_env = dict(zip(jaxpr.constvars, consts))
  for v, a in zip(jaxpr.invars, args):
    if type(a) is not UndefinedPrimal:
      known_env[v] = a
  ct_env: dict = {}

  def write_ct(v, ct):
    if type(v) is Var and v not in known_env and type(ct) is not Zero and ct is not None:
      ct_env[v] = add_tangents(ct_env[v], ct) if v in ct_env else ct

  def read_primal(a):
    if type(a) is Literal:
      return a.val
    if a in known_env:
      return known_env[a]
    return UndefinedPrimal(a.aval)

  # Equations computed from known values only (index arithmetic inside a jitted helper,
  # constants) run forward first: transpose rules of later equations read their results.
  linear_eqns = []
  for eqn in jaxpr.eqns:
    if all(type(a) is Literal or a in known_env for a in eqn.invars):
      outs = eqn.primitive.bind(*[read_primal(a) for a in eqn.invars], **eqn.params)
      for v, o in zip(eqn.outvars, outs if eqn.primitive.multiple_results else [outs]):
        known_env[v] = o
    else:
      linear_eqns.append(eqn)
  for v, ct in zip(jaxpr.outvars, cts_out):
    write_ct(v, ct)
  for eqn in reversed(linear_eqns):
    cts = [ct_env.pop(v, None) for v in eqn.outvars]
    if all(ct is None for ct in cts):
      continue
    cts = [Zero(v.aval) if ct is None else ct for v, ct in zip(eqn.outvars, cts)]
    rule = primitive_transposes.get(eqn.primitive)
    if rule is None:
      raise NotImplementedError(
          f"Transpose rule (for reverse-mode differentiation) for '{eqn.primitive.name}' "
          "not implemented in jaxlite.")
    invals = [read_primal(a) for a in eqn.invars]
    if not any(type(x) is UndefinedPrimal for x in invals):
      continue  # computed from known values only (e.g. a zero): its cotangent goes nowhere
    ct_arg = cts if eqn.primitive.multiple_results else cts[0]
    cts_in = rule(ct_arg, *invals, **eqn.params)
    for a, ct in zip(eqn.invars, cts_in):
      if type(a) is Var and a not in known_env:
        write_ct(a, ct)
  return [None if type(a) is not UndefinedPrimal else ct_env.get(v, Zero(v.aval))
          for v, a in zip(jaxpr.invars, args)]


def jvp_jaxpr(closed: ClosedJaxpr, nonzeros, instantiate=None):
  """A jaxpr computing (primal outs, non-zero tangent outs) from (primals, non-zero tangents),
  and the mask of which output tangents it returns. ``instantiate`` forces zero tangents of
  (inexact) outputs to be returned too, so several jaxprs can share one output pattern."""
  from jaxlite._src.jaxpr import eval_jaxpr
  out_nz = []
  n = len(nonzeros)
  inst = list(instantiate) if instantiate is not None else [False] * len(closed.out_avals)

  def f(*args):
    primals, nz_tangents = args[:n], iter(args[n:])
    tangents = [next(nz_tangents) if nz else Zero(get_aval(p).to_tangent_aval())
                for p, nz in zip(primals, nonzeros)]
    outs_p, outs_t = jvp_flat(lambda *a: eval_jaxpr(closed.jaxpr, closed.consts, *a),
                              primals, tangents)
    outs_t = [zeros_like_aval(t.aval) if type(t) is Zero and i and
              t.aval.dtype != dtypes.float0 else t for t, i in zip(outs_t, inst)]
    out_nz[:] = [type(t) is not Zero for t in outs_t]
    return list(outs_p) + [t for t in outs_t if type(t) is not Zero]

  in_avals = list(closed.in_avals) + [a.to_tangent_aval()
                                      for a, nz in zip(closed.in_avals, nonzeros) if nz]
  return pe.trace_to_jaxpr(f, in_avals, "jvp"), out_nz


def unbroadcast_ct(aval, ct):
  """Sum a cotangent down to an operand that was implicitly broadcast (rank-0 operands)."""
  if type(ct) is Zero:
    return ct
  shape = np.shape(ct)
  if aval.shape == shape:
    return ct
  from jaxlite._src.lax import lax
  if not aval.shape:
    return lax.reduce_sum(ct, tuple(range(len(shape))))
  dims = tuple(i for i, (a, b) in enumerate(zip(aval.shape, shape)) if a != b)
  return lax.reshape(lax.reduce_sum(ct, dims), aval.shape)
