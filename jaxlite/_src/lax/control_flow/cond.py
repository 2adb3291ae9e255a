"""``lax.cond`` and ``lax.switch``: the ``cond`` primitive choosing one of several jaxprs."""
from __future__ import annotations

import numpy as np

from jaxlite._src import core
from jaxlite._src import dtypes
from jaxlite._src import tree_util
from jaxlite._src.config import config
from jaxlite._src.interpreters import ad, batching
from jaxlite._src.interpreters import partial_eval as pe
from jaxlite._src.interpreters.ad import Zero
from jaxlite._src.jaxpr import ClosedJaxpr, Var, eval_jaxpr
from jaxlite._src.lax.control_flow.common import (
    avals_of, check_tree_and_avals, join_weak, run_jaxpr, trace_to_jaxpr_hoisting_consts)

cond_p = core.Primitive("cond", multiple_results=True)


def _cond_impl(index, *ops, branches):
  i = int(np.clip(index, 0, len(branches) - 1))
  return run_jaxpr(branches[i], ops)


def _cond_abstract_eval(index, *ops, branches):
  if index.shape or index.dtype != np.int32:
    raise TypeError(f"cond index must be an int32 scalar, got {index.str_short(True)}")
  return join_weak([b.out_avals for b in branches])


cond_p.def_impl(_cond_impl)
cond_p.def_abstract_eval(_cond_abstract_eval)
cond_p.weak_type_rule = lambda flags, *, branches: [
    a.weak_type for a in join_weak([b.out_avals for b in branches])]


# ---------------------------------------------------------------------------
# User-facing functions

_NO_OPERAND = object()


def _eager_result(out):
  """What a staged cond would return: Arrays, in a re-flattened (normalized) pytree."""
  leaves, tree = tree_util.tree_flatten(out)
  return tree_util.tree_unflatten(tree, [core.to_array(x) if not isinstance(x, core.Tracer)
                                         else x for x in leaves])


def switch(index, branches, *operands, operand=_NO_OPERAND):
  """Apply ``branches[index](*operands)``, with ``index`` clamped into range."""
  if operand is not _NO_OPERAND:
    operands = (operand,)
  branches = tuple(branches)
  if not branches:
    raise ValueError("Empty branch sequence")
  for b in branches:
    if not callable(b):
      raise TypeError("lax.switch: branches argument should be a sequence of callables.")
  index_aval = core.get_aval(core.to_array(index))
  if index_aval.shape:
    raise TypeError(f"Branch index must be scalar, got {index} of shape {index_aval.shape}.")
  if not dtypes.is_integer(index_aval.dtype):
    raise TypeError(f"Index type must be an integer, got {index_aval.dtype.name}.")
  if len(branches) == 1:
    return _eager_result(branches[0](*operands))
  concrete = core.concrete_value(index) if not isinstance(index, core.Tracer) else \
      index.to_concrete_value()
  if concrete is not None and (core.is_eval_trace() or config.jax_disable_jit):
    return _eager_result(branches[int(np.clip(concrete, 0, len(branches) - 1))](*operands))
  from jaxlite._src.lax import lax
  index = lax.convert_element_type(index, np.int32)
  index = lax.clamp(np.int32(0), index, np.int32(len(branches) - 1))
  return _bind_cond(index, branches, operands)


def cond(pred, true_fun, false_fun, *operands, operand=_NO_OPERAND):
  """``true_fun(*operands)`` if ``pred`` else ``false_fun(*operands)``, staged as one ``cond``."""
  if operand is not _NO_OPERAND:
    operands = (operand,)
  if not (callable(true_fun) and callable(false_fun)):
    raise TypeError("lax.cond: true_fun and false_fun arguments should be callable.")
  pred_aval = core.get_aval(core.to_array(pred))
  if pred_aval.shape:
    raise TypeError(f"Pred must be a scalar, got {pred} of shape {pred_aval.shape}.")
  if not (dtypes.is_bool(pred_aval.dtype) or dtypes.is_integer(pred_aval.dtype) or
          dtypes.is_floating(pred_aval.dtype)):
    raise TypeError(f"Pred type must be either boolean or number, got {pred_aval.dtype}.")
  concrete = pred.to_concrete_value() if isinstance(pred, core.Tracer) else core.concrete_value(pred)
  if concrete is not None and (core.is_eval_trace() or config.jax_disable_jit):
    return _eager_result(true_fun(*operands) if concrete else false_fun(*operands))
  from jaxlite._src.lax import lax
  if not dtypes.is_bool(pred_aval.dtype):
    pred = lax.ne(pred, np.zeros((), pred_aval.dtype))
  index = lax.convert_element_type(pred, np.int32)
  return _bind_cond(index, (false_fun, true_fun), operands)


def _bind_cond(index, branches, operands):
  flat_ops, in_tree = tree_util.tree_flatten(operands)
  flat_ops = [core.to_array(x) for x in flat_ops]
  in_avals = avals_of(flat_ops)
  traced = [trace_to_jaxpr_hoisting_consts(lambda *a, f=f: f(*a), in_tree, in_avals, "cond")
            for f in branches]
  out_tree = traced[0][2]
  for jaxpr, _, tree in traced[1:]:
    check_tree_and_avals("true_fun and false_fun output" if len(branches) == 2
                         else "branch outputs", out_tree, traced[0][0].out_avals,
                         tree, jaxpr.out_avals)
  jaxprs, consts = _with_common_consts([(j, c) for j, c, _ in traced])
  outs = cond_p.bind(index, *consts, *flat_ops, branches=tuple(jaxprs))
  return tree_util.tree_unflatten(out_tree, outs)


def _with_common_consts(jaxprs_and_consts):
  """Give every branch the same leading const inputs (all branches' consts, concatenated)."""
  all_consts = [c for _, cs in jaxprs_and_consts for c in cs]
  out = []
  start = 0
  for closed, cs in jaxprs_and_consts:
    jx = closed.jaxpr
    own = jx.invars[:len(cs)]
    before = [Var(core.get_aval(c) if not isinstance(c, core.Tracer) else c.aval)
              for c in all_consts[:start]]
    after = [Var(core.get_aval(c) if not isinstance(c, core.Tracer) else c.aval)
             for c in all_consts[start + len(cs):]]
    out.append(ClosedJaxpr(jx.replace(invars=before + own + after + jx.invars[len(cs):]), []))
    start += len(cs)
  return out, all_consts


# ---------------------------------------------------------------------------
# Rules

def _branch_jvps(branches, nonzeros):
  """JVP jaxprs of all branches with one shared pattern of non-zero output tangents."""
  results = [ad.jvp_jaxpr(b, nonzeros) for b in branches]
  union = [any(r[1][i] for r in results) for i in range(len(results[0][1]))]
  if any(r[1] != union for r in results):
    results = [ad.jvp_jaxpr(b, nonzeros, instantiate=union) for b in branches]
  return [r[0] for r in results], union


def _cond_jvp(primals, tangents, *, branches):
  index, *ops = primals
  nonzeros = [type(t) is not Zero for t in tangents[1:]]
  jvps, out_nz = _branch_jvps(branches, nonzeros)
  nz_tangents = [t for t in tangents[1:] if type(t) is not Zero]
  outs = cond_p.bind(index, *ops, *nz_tangents, branches=tuple(jvps))
  n = len(branches[0].out_avals)
  it = iter(outs[n:])
  tangent_out = [next(it) if nz else Zero(a.to_tangent_aval())
                 for a, nz in zip(branches[0].out_avals, out_nz)]
  return outs[:n], tangent_out


def _cond_linearize(parent, tangent_trace, primals, tangents, *, branches):
  index, *ops = primals
  nonzeros = [type(t) is not Zero for t in tangents[1:]]
  n_out = len(branches[0].out_avals)
  splits = [ad.linearize_jaxpr(b, nonzeros) for b in branches]
  out_nz = [any(sp[2][i] for sp in splits) for i in range(n_out)]
  if any(sp[2] != out_nz for sp in splits):
    splits = [ad.linearize_jaxpr(b, nonzeros, instantiate=out_nz) for b in branches]
  # Each branch saves different residuals: every branch gets slots for all of them.
  res_avals = [known.out_avals[n_out:] for known, _, _, _ in splits]
  known_branches, unknown_branches = [], []
  for i, (known, unknown, _, n_res) in enumerate(splits):
    before = [a for avs in res_avals[:i] for a in avs]
    after = [a for avs in res_avals[i + 1:] for a in avs]

    def known_fun(*args, known=known, before=before, after=after):
      outs = eval_jaxpr(known.jaxpr, known.consts, *args)
      zeros = lambda avs: [ad.zeros_like_aval(a) for a in avs]
      return outs[:n_out] + zeros(before) + outs[n_out:] + zeros(after)

    known_branches.append(pe.trace_to_jaxpr(known_fun, [core.get_aval(o) for o in ops]))
    jx = pe.convert_constvars_jaxpr(unknown.jaxpr) if unknown.consts else unknown.jaxpr
    consts = list(unknown.consts)
    unknown_branches.append((jx, consts, before, n_res, after))
  # Consts of the linear branches (rare: constants the tangent code closed over) become
  # leading residual operands too.
  all_lin_consts = [c for _, cs, _, _, _ in unknown_branches for c in cs]
  lin_branches = []
  start = 0
  for jx, cs, before, n_res, after in unknown_branches:
    pre = [Var(core.get_aval(c)) for c in all_lin_consts[:start]]
    post = [Var(core.get_aval(c)) for c in all_lin_consts[start + len(cs):]]
    own_consts = jx.invars[:len(cs)]
    rest = jx.invars[len(cs):]
    lin_branches.append(ClosedJaxpr(jx.replace(
        invars=pre + own_consts + post + [Var(a) for a in before] + rest[:n_res] +
        [Var(a) for a in after] + rest[n_res:]), []))
    start += len(cs)
  known_outs = cond_p.bind_with_trace(parent, [index, *ops],
                                      dict(branches=tuple(known_branches)))
  primal_out, residuals = known_outs[:n_out], known_outs[n_out:]
  nz_tangents = [t for t in tangents[1:] if type(t) is not Zero]
  tangent_nz_out = cond_p.bind_with_trace(
      tangent_trace, [index, *all_lin_consts, *residuals, *nz_tangents],
      dict(branches=tuple(lin_branches)))
  it = iter(tangent_nz_out)
  tangent_out = [next(it) if nz else Zero(a.to_tangent_aval())
                 for a, nz in zip(branches[0].out_avals, out_nz)]
  return primal_out, tangent_out


def _cond_transpose(cts, index, *args, branches):
  if ad.is_undefined_primal(index):
    raise ValueError("cond: the branch index cannot be a linear input")
  linear = [ad.is_undefined_primal(a) for a in args]
  known = [a for a, lin in zip(args, linear) if not lin]
  cts = [ad.instantiate_zeros(c) for c in cts]
  n_known = len(known)

  def transposed(branch):
    def f(*known_and_cts):
      it = iter(known_and_cts[:n_known])
      full = [a if lin else next(it) for a, lin in zip(args, linear)]
      cts_in = ad.backward_pass(branch.jaxpr, branch.consts, full, known_and_cts[n_known:])
      return [ad.instantiate_zeros(c) for c, lin in zip(cts_in, linear) if lin]
    return f

  in_avals = [core.get_aval(a) for a in known] + [core.get_aval(c) for c in cts]
  t_branches = tuple(pe.trace_to_jaxpr(transposed(b), in_avals, "transpose") for b in branches)
  outs = cond_p.bind(index, *known, *cts, branches=t_branches)
  it = iter(outs)
  return [None] + [next(it) if lin else None for lin in linear]


def _cond_batch(vals, dims, *, branches, axis_size=None, axis_name=None):
  index, *ops = vals
  idim, *odims = dims
  size = next(batching._shape(v)[d] for v, d in zip(vals, dims) if d is not None)
  if idim is not None:
    # A batched predicate: run every branch on every lane and select per lane.
    from jaxlite._src.lax import lax
    ops = [batching.bdim_at_front(o, d, size) for o, d in zip(ops, odims)]
    index = batching.moveaxis(index, idim, 0)
    outs_per_branch = []
    for b in branches:
      batched = batching.batch_jaxpr(b, size, [0] * len(ops), axis_name)
      outs_per_branch.append(eval_jaxpr(batched.jaxpr, batched.consts, *ops))
    outs = []
    for i in range(len(branches[0].out_avals)):
      cases = [o[i] for o in outs_per_branch]
      shape = batching._shape(cases[0])
      which = lax.broadcast_in_dim(index, shape, (0,)) if len(shape) > 1 else index
      outs.append(lax.select_n(which, *cases))
    return outs, [0] * len(outs)
  batched = tuple(batching.batch_jaxpr(b, size, odims, axis_name) for b in branches)
  outs = cond_p.bind(index, *ops, branches=batched)
  return outs, [0] * len(outs)


_cond_batch.wants_axis = True
ad.primitive_jvps[cond_p] = _cond_jvp
ad.primitive_linearizations[cond_p] = _cond_linearize
ad.primitive_transposes[cond_p] = _cond_transpose
batching.primitive_batchers[cond_p] = _cond_batch
