"""``jax.checkpoint`` / ``jax.remat``: trade memory for compute in reverse mode.

Under linearize a checkpointed function runs its primal part now but saves no residuals:
the linear program gets a ``checkpoint`` equation whose transpose recomputes them from the
primal inputs during the backward pass (visible in the jaxpr)."""
from __future__ import annotations

import functools

from jaxlite._src import core
from jaxlite._src import tree_util
from jaxlite._src.interpreters import ad, batching
from jaxlite._src.interpreters import partial_eval as pe
from jaxlite._src.interpreters.ad import Zero
from jaxlite._src.jaxpr import eval_jaxpr
from jaxlite._src.jaxpr_printer import register_param_printer
from jaxlite._src.lax.control_flow.common import (
    avals_of, run_jaxpr, trace_to_jaxpr_hoisting_consts)

remat_p = core.Primitive("checkpoint", multiple_results=True)
remat_p.def_impl(lambda *args, jaxpr, **_: run_jaxpr(jaxpr, args))
remat_p.def_abstract_eval(lambda *avals, jaxpr, **_: list(jaxpr.out_avals))
remat_p.weak_type_rule = lambda flags, *, jaxpr, **_: [a.weak_type for a in jaxpr.out_avals]
# ``_split`` is jaxlite's own bookkeeping for the transpose; JAX's text does not show it.
register_param_printer("checkpoint", lambda eqn, ctx: [
    (k, v) for k, v in sorted(eqn.params.items()) if not k.startswith("_")])


# ---------------------------------------------------------------------------
# Policies (which intermediates may be saved instead of recomputed)

class _Policy:
  def __init__(self, name, saves_everything=False):
    self.__name__ = name
    self.saves_everything = saves_everything

  def __call__(self, prim, *avals, **params):
    return self.saves_everything

  def __repr__(self):
    return self.__name__


class checkpoint_policies:
  everything_saveable = _Policy("everything_saveable", saves_everything=True)
  nothing_saveable = _Policy("nothing_saveable")
  # Finer policies are accepted; jaxlite currently recomputes everything under them.
  dots_saveable = _Policy("dots_saveable")
  checkpoint_dots = dots_saveable
  dots_with_no_batch_dims_saveable = _Policy("dots_with_no_batch_dims_saveable")
  checkpoint_dots_with_no_batch_dims = dots_with_no_batch_dims_saveable

  @staticmethod
  def save_only_these_names(*names):
    return _Policy(f"save_only_these_names{names}")

  @staticmethod
  def save_any_names_but_these(*names):
    return _Policy(f"save_any_names_but_these{names}")

  @staticmethod
  def save_anything_except_these_names(*names):
    return _Policy(f"save_anything_except_these_names{names}")

  @staticmethod
  def save_from_both_policies(p1, p2):
    return _Policy(f"save_from_both_policies({p1!r}, {p2!r})",
                   getattr(p1, "saves_everything", False) or
                   getattr(p2, "saves_everything", False))


# ---------------------------------------------------------------------------
# The user-facing function

def checkpoint(fun, *, prevent_cse=True, policy=None, static_argnums=()):
  """``fun`` whose intermediates are recomputed in the backward pass instead of stored."""
  if isinstance(static_argnums, int):
    static_argnums = (static_argnums,)

  @functools.wraps(fun)
  def wrapped(*args, **kwargs):
    static = {i % len(args) for i in static_argnums} if args else set()
    dyn = [a for i, a in enumerate(args) if i not in static]
    leaves, in_tree = tree_util.tree_flatten((dyn, kwargs))
    leaves = [core.to_array(x) if not isinstance(x, core.Tracer) else x for x in leaves]

    def call(*flat):
      d, kw = tree_util.tree_unflatten(in_tree, list(flat))
      it = iter(d)
      return fun(*[args[i] if i in static else next(it) for i in range(len(args))], **kw)

    jaxpr, consts, out_tree = trace_to_jaxpr_hoisting_consts(
        call, tree_util.tree_structure(tuple(range(len(leaves)))), avals_of(leaves),
        "checkpoint")
    outs = remat_p.bind(*consts, *leaves, jaxpr=jaxpr, prevent_cse=prevent_cse,
                        differentiated=False, policy=policy)
    return tree_util.tree_unflatten(out_tree, outs)

  return wrapped


remat = checkpoint


# ---------------------------------------------------------------------------
# Rules

def _remat_jvp(primals, tangents, *, jaxpr, prevent_cse, differentiated, policy, _split=None):
  nonzeros = [type(t) is not Zero for t in tangents]
  jvp, out_nz = ad.jvp_jaxpr(jaxpr, nonzeros)
  outs = remat_p.bind(*primals, *[t for t in tangents if type(t) is not Zero], jaxpr=jvp,
                      prevent_cse=prevent_cse, differentiated=True, policy=policy)
  n = len(jaxpr.out_avals)
  it = iter(outs[n:])
  return outs[:n], [next(it) if nz else Zero(a.to_tangent_aval())
                    for a, nz in zip(jaxpr.out_avals, out_nz)]


def _remat_linearize(parent, tangent_trace, primals, tangents, *, jaxpr, prevent_cse,
                     differentiated, policy, _split=None):
  nonzeros = [type(t) is not Zero for t in tangents]
  known, unknown, out_nz, n_res = ad.linearize_jaxpr(jaxpr, nonzeros)
  n_out = len(jaxpr.out_avals)
  nz_tangents = [t for t in tangents if type(t) is not Zero]
  params = dict(prevent_cse=prevent_cse, differentiated=True, policy=policy)
  if getattr(policy, "saves_everything", False):
    # Everything saveable: an ordinary split, residuals computed now.
    known_outs = remat_p.bind_with_trace(parent, list(primals), dict(jaxpr=known, **params))
    primal_out, res = known_outs[:n_out], known_outs[n_out:]
    t_outs = remat_p.bind_with_trace(tangent_trace, list(res) + nz_tangents,
                                     dict(jaxpr=unknown, **params))
  else:
    primal_out = remat_p.bind_with_trace(parent, list(primals), dict(
        jaxpr=jaxpr, prevent_cse=prevent_cse, differentiated=differentiated, policy=policy))

    def linear_body(*args):
      ps, ts = args[:len(primals)], args[len(primals):]
      res = eval_jaxpr(known.jaxpr, known.consts, *ps)[n_out:]
      return eval_jaxpr(unknown.jaxpr, unknown.consts, *res, *ts)

    body = pe.trace_to_jaxpr(linear_body, list(jaxpr.in_avals) + list(unknown.in_avals[n_res:]),
                             "checkpoint")
    t_outs = remat_p.bind_with_trace(tangent_trace, list(primals) + nz_tangents, dict(
        jaxpr=body, _split=(known, unknown, n_out, len(primals)), **params))
  it = iter(t_outs)
  tangent_out = [next(it) if nz else Zero(a.to_tangent_aval())
                 for a, nz in zip(jaxpr.out_avals, out_nz)]
  return primal_out, tangent_out


def _remat_transpose(cts, *args, jaxpr, prevent_cse, differentiated, policy, _split=None):
  cts = [ad.instantiate_zeros(c) if type(c) is not Zero else ad.zeros_like_aval(c.aval)
         for c in cts]
  if _split is not None:
    known, unknown, n_out, n_primals = _split
    primals = args[:n_primals]
    if any(ad.is_undefined_primal(p) for p in primals):
      raise NotImplementedError("checkpoint: transposing with respect to primal inputs")
    # The recomputation: the primal part runs again here, in the backward pass.
    res = eval_jaxpr(known.jaxpr, known.consts, *primals)[n_out:]
    lin_args = list(res) + [ad.UndefinedPrimal(a.aval) for a in args[n_primals:]]
    cts_in = ad.backward_pass(unknown.jaxpr, unknown.consts, lin_args, cts)[len(res):]
    return [None] * n_primals + [None if type(c) is Zero else c for c in cts_in]
  cts_in = ad.backward_pass(jaxpr.jaxpr, jaxpr.consts, list(args), cts)
  return [None if (c is None or type(c) is Zero) else c for c in cts_in]


def _remat_batch(vals, dims, *, jaxpr, prevent_cse, differentiated, policy, _split=None,
                 axis_size=None, axis_name=None):
  size = next(batching._shape(v)[d] for v, d in zip(vals, dims) if d is not None)
  batched = batching.batch_jaxpr(jaxpr, size, dims, axis_name)
  outs = remat_p.bind(*vals, jaxpr=batched, prevent_cse=prevent_cse,
                      differentiated=differentiated, policy=policy)
  return outs, [0] * len(outs)


_remat_batch.wants_axis = True
ad.primitive_jvps[remat_p] = _remat_jvp
ad.primitive_linearizations[remat_p] = _remat_linearize
ad.primitive_transposes[remat_p] = _remat_transpose
batching.primitive_batchers[remat_p] = _remat_batch


# ---------------------------------------------------------------------------
# checkpoint_name: tag a value for name-based policies

name_p = core.Primitive("name")
name_p.def_impl(lambda x, *, name: x)
name_p.def_abstract_eval(lambda x, *, name: x)
name_p.weak_type_rule = lambda flags, **_: flags[0]
ad.deflinear2(name_p, lambda ct, x, *, name: [ct if type(ct) is not Zero else None])
batching.primitive_batchers[name_p] = lambda vals, dims, *, name: (name_p.bind(vals[0], name=name),
                                                                   dims[0])


def checkpoint_name(x, name):
  return tree_util.tree_map(lambda v: name_p.bind(v, name=name), x)
