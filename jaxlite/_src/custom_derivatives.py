"""``custom_jvp`` and ``custom_vjp``: functions with user-defined derivatives.

Each carries its function and its rule(s) through every trace. A table keyed by trace type
says what each trace does with them: run the function (eager), call the JVP rule (forward
mode), run ``fwd`` now and stage ``bwd`` as a linear ``custom_lin`` equation (reverse mode),
record an equation (staging), or batch function and rules together (vmap)."""
from __future__ import annotations

import functools
import inspect


from jaxlite._src import core
from jaxlite._src import dtypes
from jaxlite._src import tree_util
from jaxlite._src.api_util import fun_name
from jaxlite._src.core import Tracer, get_aval
from jaxlite._src.interpreters import ad, batching
from jaxlite._src.interpreters import partial_eval as pe
from jaxlite._src.interpreters.ad import JoinTrace, JVPTrace, Zero
from jaxlite._src.interpreters.batching import BatchTrace, BatchTracer
from jaxlite._src.jaxpr import ClosedJaxpr, eval_jaxpr


class SymbolicZero:
  """A zero tangent handed to rules defined with ``symbolic_zeros=True``."""

  def __init__(self, aval):
    self.aval = aval

  @property
  def shape(self):
    return self.aval.shape

  @property
  def dtype(self):
    return self.aval.dtype

  def __repr__(self):
    return f"SymbolicZero({self.aval.str_short(True)})"


def zero_from_primal(x, symbolic_zeros=True):
  return tree_util.tree_map(lambda v: SymbolicZero(get_aval(v).to_tangent_aval()), x)


def _resolve_args(fun, args, kwargs):
  if not kwargs:
    return args
  try:
    bound = inspect.signature(fun).bind(*args, **kwargs)
  except TypeError as e:
    raise TypeError(f"The arguments to {fun_name(fun)} do not match its signature: {e}") from None
  bound.apply_defaults()
  return bound.args


def _split_nondiff(args, nondiff_argnums):
  nondiff = {i % len(args) for i in nondiff_argnums}
  static = [args[i] for i in sorted(nondiff)]
  dyn = [a for i, a in enumerate(args) if i not in nondiff]

  def merge(dyn_vals):
    it = iter(dyn_vals)
    return [args[i] if i in nondiff else next(it) for i in range(len(args))]
  return static, dyn, merge


def _prepare_call(fun, nondiff_argnums, args, kwargs):
  """Split off the non-differentiable arguments and flatten the rest: the pieces every
  custom-derivative call needs, plus ``flat_fun`` (flat inputs -> flat outputs, recording
  the output tree in ``info``)."""
  args = _resolve_args(fun, args, kwargs)
  static, dyn, merge = _split_nondiff(args, nondiff_argnums)
  leaves, in_tree = tree_util.tree_flatten(dyn)
  leaves = [core.to_array(x) if not isinstance(x, Tracer) else x for x in leaves]
  info = {}

  def flat_fun(*flat):
    out = fun(*merge(tree_util.tree_unflatten(in_tree, list(flat))))
    out_leaves, info["out_tree"] = tree_util.tree_flatten(out)
    return [core.to_array(o) if not isinstance(o, Tracer) else o for o in out_leaves]

  return static, dyn, merge, leaves, in_tree, flat_fun, info


def _avals(xs):
  return [x.aval if isinstance(x, Tracer) else get_aval(core.to_array(x)) for x in xs]


# ---------------------------------------------------------------------------
# custom_jvp

class custom_jvp:
  """Decorate a function to give it a custom JVP rule (``jax.custom_jvp``)."""

  def __init__(self, fun, nondiff_argnums=()):
    functools.update_wrapper(self, fun)
    self.fun = fun
    self.nondiff_argnums = tuple(nondiff_argnums)
    self.jvp = None
    self.symbolic_zeros = False

  def __get__(self, obj, objtype=None):
    return self if obj is None else functools.partial(self, obj)

  def defjvp(self, jvp, symbolic_zeros=False):
    """Set the rule ``jvp(primals, tangents) -> (primal_out, tangent_out)``."""
    self.jvp = jvp
    self.symbolic_zeros = symbolic_zeros
    return jvp

  def defjvps(self, *jvps):
    """One rule per argument, ``f(tangent, primal_out, *primals)``; their outputs are summed."""
    if self.nondiff_argnums:
      raise TypeError("Can't use ``defjvps`` with ``nondiff_argnums``.")

    def jvp(primals, tangents):
      primal_out = self(*primals)
      total = None
      for rule, t in zip(jvps, tangents):
        if rule is None:
          continue
        contribution = rule(t, primal_out, *primals)
        total = contribution if total is None else tree_util.tree_map(
            lambda a, b: a + b, total, contribution)
      if total is None:
        total = tree_util.tree_map(lambda o: ad.zeros_like_aval(get_aval(o)), primal_out)
      return primal_out, total
    self.defjvp(jvp)

  def __call__(self, *args, **kwargs):
    name = fun_name(self.fun)
    if self.jvp is None:
      raise AttributeError(f"No JVP defined for custom_jvp function {name} using defjvp.")
    static, dyn, merge, leaves, in_tree, flat_fun, info = _prepare_call(
        self.fun, self.nondiff_argnums, args, kwargs)

    def flat_jvp(primals, tangents):
      p = tree_util.tree_unflatten(in_tree, list(primals))
      t = tree_util.tree_unflatten(in_tree, list(tangents))
      result = self.jvp(*static, p, t)
      if not (isinstance(result, (tuple, list)) and len(result) == 2):
        raise TypeError("Custom JVP rule must produce a pair (list or tuple of length two) "
                        f"representing primal and tangent outputs, got {result!r}.")
      primal_out, tangent_out = result
      p_leaves, p_tree = tree_util.tree_flatten(primal_out)
      t_leaves, t_tree = tree_util.tree_flatten(tangent_out, is_leaf=_is_symzero)
      if p_tree != t_tree:
        raise TypeError("Custom JVP rule must produce primal and tangent outputs with equal "
                        f"container (pytree) structures, but got {p_tree} and {t_tree} "
                        "respectively.")
      info["out_tree"] = p_tree
      t_out = []
      for pv, tv in zip(p_leaves, t_leaves):
        expected = get_aval(core.to_array(pv)).to_tangent_aval()
        if _is_symzero(tv):
          t_out.append(Zero(expected))
          continue
        got = get_aval(core.to_array(tv))
        if got.shape != expected.shape or (got.dtype != expected.dtype and
                                           expected.dtype != dtypes.float0):
          raise TypeError("Custom JVP rule must produce primal and tangent outputs with "
                          "corresponding shapes and dtypes. Expected "
                          f"{expected.str_short()} (tangent type of "
                          f"{get_aval(core.to_array(pv)).str_short()}) but got "
                          f"{got.str_short()}.")
        t_out.append(tv)
      return [core.to_array(x) if not isinstance(x, Tracer) else x for x in p_leaves], t_out

    flat_fun.__name__ = name
    flat_jvp.__name__ = "jvp"
    outs = bind_custom_jvp(flat_fun, flat_jvp, leaves, self.symbolic_zeros)
    return tree_util.tree_unflatten(info["out_tree"], outs)


def _is_symzero(x):
  return isinstance(x, SymbolicZero) or x is None


def bind_custom_jvp(fun, jvp, args, symbolic_zeros):
  trace = core.current_trace()
  rule = _custom_jvp_rules.get(type(trace))
  if rule is None:
    raise NotImplementedError(f"custom_jvp is not supported under {type(trace).__name__}")
  return rule(trace, fun, jvp, list(args), symbolic_zeros)


def _jvp_eval(trace, fun, jvp, args, symbolic_zeros):
  return fun(*args)


def _jvp_jvp(trace, fun, jvp, args, symbolic_zeros):
  pairs = [trace.to_primal_tangent_pair(x) for x in args]
  primals = [p for p, _ in pairs]
  tangents = [t for _, t in pairs]
  if all(type(t) is Zero for t in tangents):
    with core.set_current_trace(trace.parent):
      return bind_custom_jvp(fun, jvp, primals, symbolic_zeros)
  if symbolic_zeros:
    tangents = [SymbolicZero(t.aval) if type(t) is Zero else t for t in tangents]
  else:
    tangents = [ad.instantiate_zeros(t) for t in tangents]
  with core.set_current_trace(trace.rule_trace):
    outs, t_outs = jvp(primals, tangents)
  return [trace.wrap(p, t) for p, t in zip(outs, t_outs)]


def _jvp_join(trace, fun, jvp, args, symbolic_zeros):
  target = trace.tangent_trace if any(
      isinstance(x, Tracer) and x._trace is trace.tangent_trace for x in args) else trace.parent
  with core.set_current_trace(target):
    return bind_custom_jvp(fun, jvp, args, symbolic_zeros)


def _jvp_staging(trace, fun, jvp, args, symbolic_zeros):
  closed = pe.trace_to_jaxpr(fun, _avals(args), pe.DebugInfo("custom_jvp", fun))
  consts = closed.consts
  call = ClosedJaxpr(pe.convert_constvars_jaxpr(closed.jaxpr), [])
  call.jaxpr.debug_info = fun_name(fun)
  n = len(consts)

  def jvp_with_consts(primals, tangents):
    return jvp(list(primals[n:]), list(tangents[n:]))
  jvp_with_consts.__name__ = "jvp"
  return custom_jvp_call_p.bind_with_trace(trace, list(consts) + args, dict(
      call_jaxpr=call, jvp_jaxpr_fun=jvp_with_consts, num_consts=n,
      symbolic_zeros=symbolic_zeros))


def _batched_fun(fun, size, dims, axis_name):
  """``fun`` over batched arguments (batch dims ``dims``), all outputs batched at 0."""
  def batched(*args):
    trace = BatchTrace(core.current_trace(), size, axis_name)
    ins = [a if d is None else BatchTracer(trace, a, d) for a, d in zip(args, dims)]
    try:
      with core.set_current_trace(trace):
        outs = fun(*ins)
      res = []
      for o in outs:
        v, d = trace.to_batch_info(o)
        res.append(batching.matchaxis(size, d, 0, v))
    finally:
      trace.invalidate()
    return res
  batched.__name__ = getattr(fun, "__name__", "fun")
  return batched


def _jvp_batch(trace, fun, jvp, args, symbolic_zeros):
  pairs = [trace.to_batch_info(x) for x in args]
  vals = [v for v, _ in pairs]
  dims = [d for _, d in pairs]
  if all(d is None for d in dims):
    with core.set_current_trace(trace.parent):
      return bind_custom_jvp(fun, jvp, vals, symbolic_zeros)
  size = trace.axis_size
  b_fun = _batched_fun(fun, size, dims, trace.axis_name)

  def b_jvp(primals, tangents):
    def both(*xs):
      n = len(primals)
      outs, t_outs = jvp(list(xs[:n]), list(xs[n:]))
      return list(outs) + [ad.instantiate_zeros(t) if type(t) is Zero else t for t in t_outs]
    tangent_dims = [d if not isinstance(t, (SymbolicZero, Zero)) else None
                    for d, t in zip(dims, tangents)]
    outs = _batched_fun(both, size, dims + tangent_dims, trace.axis_name)(*primals, *tangents)
    half = len(outs) // 2
    return outs[:half], outs[half:]

  b_jvp.__name__ = "jvp"
  with core.set_current_trace(trace.parent):
    outs = bind_custom_jvp(b_fun, b_jvp, vals, symbolic_zeros)
  return [BatchTracer(trace, o, 0) for o in outs]


_custom_jvp_rules = {
    core.EvalTrace: _jvp_eval, JVPTrace: _jvp_jvp, JoinTrace: _jvp_join,
    pe.DynamicJaxprTrace: _jvp_staging, BatchTrace: _jvp_batch,
}


class _CustomCallPrimitive(core.Primitive):
  """Re-binding a staged custom call (eval_jaxpr) goes back through the per-trace rules."""


custom_jvp_call_p = _CustomCallPrimitive("custom_jvp_call", multiple_results=True)


def _custom_jvp_call_bind(*args, call_jaxpr, jvp_jaxpr_fun, num_consts, symbolic_zeros):
  fun = lambda *xs: eval_jaxpr(call_jaxpr.jaxpr, call_jaxpr.consts, *xs)
  fun.__name__ = _staged_name(call_jaxpr)
  return bind_custom_jvp(fun, jvp_jaxpr_fun, list(args), symbolic_zeros)


def _staged_name(call_jaxpr):
  info = call_jaxpr.jaxpr.debug_info
  return info if isinstance(info, str) else "fun"


custom_jvp_call_p.bind = _custom_jvp_call_bind
custom_jvp_call_p.def_impl(lambda *args, call_jaxpr, **_: _run(call_jaxpr, args))
custom_jvp_call_p.def_abstract_eval(lambda *avals, call_jaxpr, **_: list(call_jaxpr.out_avals))
custom_jvp_call_p.weak_type_rule = lambda flags, *, call_jaxpr, **_: [
    a.weak_type for a in call_jaxpr.out_avals]


def _run(closed, args):
  from jaxlite._src.lax.control_flow.common import run_jaxpr
  return run_jaxpr(closed, args)


# ---------------------------------------------------------------------------
# custom_vjp

class custom_vjp:
  """Decorate a function to give it a custom VJP (``jax.custom_vjp``): ``fwd`` and ``bwd``."""

  def __init__(self, fun, nondiff_argnums=()):
    functools.update_wrapper(self, fun)
    self.fun = fun
    self.nondiff_argnums = tuple(nondiff_argnums)
    self.fwd = None
    self.bwd = None
    self.symbolic_zeros = False

  def __get__(self, obj, objtype=None):
    return self if obj is None else functools.partial(self, obj)

  def defvjp(self, fwd, bwd, symbolic_zeros=False, optimize_remat=False):
    """``fwd(*args) -> (out, residuals)``; ``bwd(residuals, ct) -> tuple of input cts``."""
    self.fwd = fwd
    self.bwd = bwd
    self.symbolic_zeros = symbolic_zeros

  def __call__(self, *args, **kwargs):
    name = fun_name(self.fun)
    if self.fwd is None:
      raise AttributeError(f"No VJP defined for custom_vjp function {name} using defvjp.")
    static, dyn, merge, leaves, in_tree, flat_fun, info = _prepare_call(
        self.fun, self.nondiff_argnums, args, kwargs)

    def flat_fwd(*flat):
      result = self.fwd(*merge(tree_util.tree_unflatten(in_tree, list(flat))))
      if not (isinstance(result, (tuple, list)) and len(result) == 2):
        raise TypeError("Custom VJP fwd rule must produce a pair (list or tuple of length two) "
                        f"where the first element represents the primal output and the second "
                        f"represents residuals, got {result!r}.")
      out, res = result
      out_leaves, info["out_tree"] = tree_util.tree_flatten(out)
      res_leaves, info["res_tree"] = tree_util.tree_flatten(res)
      return ([core.to_array(o) if not isinstance(o, Tracer) else o for o in out_leaves],
              [core.to_array(r) if not isinstance(r, Tracer) else r for r in res_leaves])

    def flat_bwd(res_leaves, ct_leaves):
      res = tree_util.tree_unflatten(info["res_tree"], list(res_leaves))
      ct = tree_util.tree_unflatten(info["out_tree"], list(ct_leaves))
      cts = self.bwd(*static, res, ct)
      if not isinstance(cts, (tuple, list)) or len(cts) != len(dyn):
        raise TypeError("Custom VJP bwd rule must produce an output with the same container "
                        "(pytree) structure as the args tuple of the primal function, and in "
                        "particular must produce a tuple of length equal to the number of "
                        f"arguments to the primal function, but got bwd output {cts!r} for "
                        f"{len(dyn)} arguments.")
      out = []
      for c, x in zip(cts, dyn):
        x_leaves, x_tree = tree_util.tree_flatten(x)
        if c is None:
          out.extend(Zero(get_aval(core.to_array(v)).to_tangent_aval()) for v in x_leaves)
          continue
        c_leaves, c_tree = tree_util.tree_flatten(c, is_leaf=lambda v: v is None)
        if c_tree != x_tree and len(c_leaves) != len(x_leaves):
          raise TypeError("Custom VJP bwd rule must produce an output with the same container "
                          f"(pytree) structure as the args tuple of the primal function; got "
                          f"{c_tree} for argument structure {x_tree}.")
        out.extend(Zero(get_aval(core.to_array(v)).to_tangent_aval()) if cv is None else cv
                   for cv, v in zip(c_leaves, x_leaves))
      return out

    flat_fun.__name__ = name
    flat_fwd.__name__ = getattr(self.fwd, "__name__", "fwd")
    flat_bwd.__name__ = getattr(self.bwd, "__name__", "bwd")
    outs = bind_custom_vjp(flat_fun, flat_fwd, flat_bwd, leaves, self.symbolic_zeros)
    return tree_util.tree_unflatten(info["out_tree"], outs)


def bind_custom_vjp(fun, fwd, bwd, args, symbolic_zeros):
  trace = core.current_trace()
  rule = _custom_vjp_rules.get(type(trace))
  if rule is None:
    raise NotImplementedError(f"custom_vjp is not supported under {type(trace).__name__}")
  return rule(trace, fun, fwd, bwd, list(args), symbolic_zeros)


def _vjp_eval(trace, fun, fwd, bwd, args, symbolic_zeros):
  return fun(*args)


def _vjp_jvp(trace, fun, fwd, bwd, args, symbolic_zeros):
  pairs = [trace.to_primal_tangent_pair(x) for x in args]
  primals = [p for p, _ in pairs]
  tangents = [t for _, t in pairs]
  if all(type(t) is Zero for t in tangents):
    with core.set_current_trace(trace.parent):
      return bind_custom_vjp(fun, fwd, bwd, primals, symbolic_zeros)
  if trace.tangent_trace is None:
    raise TypeError("can't apply forward-mode autodiff (jvp) to a custom_vjp function.")
  # Reverse mode: run fwd now, and stage a linear custom_lin whose transpose calls bwd.
  with core.set_current_trace(trace.parent):
    outs, res = fwd(*primals)
  nonzeros = [type(t) is not Zero for t in tangents]
  out_avals = [get_aval(o).to_tangent_aval() for o in outs]
  nz_tangents = [t for t in tangents if type(t) is not Zero]
  t_outs = custom_lin_p.bind_with_trace(trace.tangent_trace, list(res) + nz_tangents, dict(
      num_res=len(res), bwd=bwd, out_avals=tuple(out_avals), nonzeros=tuple(nonzeros),
      symbolic_zeros=symbolic_zeros))
  return [trace.wrap(o, t) for o, t in zip(outs, t_outs)]


def _vjp_join(trace, fun, fwd, bwd, args, symbolic_zeros):
  target = trace.tangent_trace if any(
      isinstance(x, Tracer) and x._trace is trace.tangent_trace for x in args) else trace.parent
  with core.set_current_trace(target):
    return bind_custom_vjp(fun, fwd, bwd, args, symbolic_zeros)


def _vjp_staging(trace, fun, fwd, bwd, args, symbolic_zeros):
  closed = pe.trace_to_jaxpr(fun, _avals(args), pe.DebugInfo("custom_vjp", fun))
  consts = closed.consts
  call = ClosedJaxpr(pe.convert_constvars_jaxpr(closed.jaxpr), [])
  call.jaxpr.debug_info = fun_name(fun)
  n = len(consts)

  def fwd_with_consts(*xs):
    return fwd(*xs[n:])
  fwd_with_consts.__name__ = getattr(fwd, "__name__", "fwd")

  def bwd_with_consts(res, cts):
    return [Zero(get_aval(c).to_tangent_aval()) for c in consts] + list(bwd(res, cts))
  bwd_with_consts.__name__ = getattr(bwd, "__name__", "bwd")
  return custom_vjp_call_p.bind_with_trace(trace, list(consts) + args, dict(
      call_jaxpr=call, fwd_jaxpr_thunk=fwd_with_consts, bwd=bwd_with_consts, num_consts=n,
      symbolic_zeros=symbolic_zeros))


def _vjp_batch(trace, fun, fwd, bwd, args, symbolic_zeros):
  pairs = [trace.to_batch_info(x) for x in args]
  vals = [v for v, _ in pairs]
  dims = [d for _, d in pairs]
  if all(d is None for d in dims):
    with core.set_current_trace(trace.parent):
      return bind_custom_vjp(fun, fwd, bwd, vals, symbolic_zeros)
  size, name = trace.axis_size, trace.axis_name
  b_fun = _batched_fun(fun, size, dims, name)
  n_out = {}

  def b_fwd(*xs):
    def both(*ys):
      outs, res = fwd(*ys)
      n_out["n"] = len(outs)
      return list(outs) + list(res)
    flat = _batched_fun(both, size, dims, name)(*xs)
    return flat[:n_out["n"]], flat[n_out["n"]:]

  def b_bwd(res, cts):
    # Residuals come out of b_fwd batched at 0, and cotangents have the shape of the
    # batched outputs, so everything is batched at axis 0.
    def inner(*ys):
      r, c = ys[:len(res)], ys[len(res):]
      return [ad.instantiate_zeros(x) if type(x) is Zero else x for x in bwd(list(r), list(c))]
    cts = [ad.instantiate_zeros(c) for c in cts]
    return _batched_fun(inner, size, [0] * (len(res) + len(cts)), name)(*res, *cts)

  with core.set_current_trace(trace.parent):
    outs = bind_custom_vjp(b_fun, b_fwd, b_bwd, vals, symbolic_zeros)
  return [BatchTracer(trace, o, 0) for o in outs]


_custom_vjp_rules = {
    core.EvalTrace: _vjp_eval, JVPTrace: _vjp_jvp, JoinTrace: _vjp_join,
    pe.DynamicJaxprTrace: _vjp_staging, BatchTrace: _vjp_batch,
}

custom_vjp_call_p = _CustomCallPrimitive("custom_vjp_call", multiple_results=True)


def _custom_vjp_call_bind(*args, call_jaxpr, fwd_jaxpr_thunk, bwd, num_consts, symbolic_zeros):
  fun = lambda *xs: eval_jaxpr(call_jaxpr.jaxpr, call_jaxpr.consts, *xs)
  fun.__name__ = _staged_name(call_jaxpr)
  return bind_custom_vjp(fun, fwd_jaxpr_thunk, bwd, list(args), symbolic_zeros)


custom_vjp_call_p.bind = _custom_vjp_call_bind
custom_vjp_call_p.def_impl(lambda *args, call_jaxpr, **_: _run(call_jaxpr, args))
custom_vjp_call_p.def_abstract_eval(lambda *avals, call_jaxpr, **_: list(call_jaxpr.out_avals))
custom_vjp_call_p.weak_type_rule = lambda flags, *, call_jaxpr, **_: [
    a.weak_type for a in call_jaxpr.out_avals]


# The linear half of a custom_vjp under reverse mode: only ever transposed (into bwd).
custom_lin_p = core.Primitive("custom_lin", multiple_results=True)


def _custom_lin_impl(*args, **params):
  raise TypeError("can't apply forward-mode autodiff (jvp) to a custom_vjp function.")


custom_lin_p.def_impl(_custom_lin_impl)
custom_lin_p.def_abstract_eval(lambda *avals, out_avals, **_: list(out_avals))


def _custom_lin_transpose(cts, *args, num_res, bwd, out_avals, nonzeros, symbolic_zeros):
  res = args[:num_res]
  cts = [ad.instantiate_zeros(c) if type(c) is Zero and not symbolic_zeros else
         (SymbolicZero(c.aval) if type(c) is Zero else c) for c in cts]
  cts_in = bwd(list(res), cts)
  lin = iter(cts_in)
  out = [None] * num_res
  for nz, c in zip(nonzeros, lin):
    if nz:
      out.append(None if type(c) is Zero else c)
  return out


ad.primitive_transposes[custom_lin_p] = _custom_lin_transpose




def _custom_jvp_call_transpose(cts, *args, call_jaxpr, jvp_jaxpr_fun, num_consts,
                               symbolic_zeros):
  # A custom_jvp function applied to tangents (inside another JVP rule) is linear there:
  # transpose its body.
  cts = [ad.instantiate_zeros(c) for c in cts]
  cts_in = ad.backward_pass(call_jaxpr.jaxpr, call_jaxpr.consts, list(args), cts)
  return [None if (c is None or type(c) is Zero) else c for c in cts_in]


ad.primitive_transposes[custom_jvp_call_p] = _custom_jvp_call_transpose
