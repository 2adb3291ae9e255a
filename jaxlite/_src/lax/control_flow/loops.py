"""Loops: ``scan`` and ``while`` primitives, and fori_loop / map built on them.

Under jit a loop stays a loop: the primitive's impl runs the compiled body executable once
per iteration (never an unrolled program)."""
from __future__ import annotations

import operator

import numpy as np

from jaxlite._src import core
from jaxlite._src import dtypes
from jaxlite._src import tree_util
from jaxlite._src.interpreters import ad, batching
from jaxlite._src.interpreters import partial_eval as pe
from jaxlite._src.interpreters.ad import Zero
from jaxlite._src.jaxpr import ClosedJaxpr, Var, eval_jaxpr
from jaxlite._src.lax.control_flow.common import (
    avals_of, loop_body, run_jaxpr, trace_to_jaxpr_hoisting_consts)


def _split(seq, *sizes):
  out, start = [], 0
  for n in sizes:
    out.append(list(seq[start:start + n]))
    start += n
  out.append(list(seq[start:]))
  return out


def _strong(x):
  """``x`` without its weak type (carries keep one fixed type through a loop)."""
  from jaxlite._src.array import ArrayImpl
  aval = core.get_aval(x) if not isinstance(x, core.Tracer) else x.aval
  if not aval.weak_type:
    return x
  if type(x) is ArrayImpl:
    return ArrayImpl(x._value, False)
  from jaxlite._src.lax.elementwise import convert_element_type_p
  return convert_element_type_p.bind(x, new_dtype=aval.dtype, weak_type=False, sharding=None)


def _check_carry(what, in_tree, in_avals, out_tree, out_avals):
  if in_tree != out_tree:
    raise TypeError(f"{what} function carry input and carry output must have the same pytree "
                    f"structure, but they differ:\n  input carry: {in_tree}\n  output carry: "
                    f"{out_tree}")
  for i, (a, b) in enumerate(zip(in_avals, out_avals)):
    if a.shape != b.shape or a.dtype != b.dtype:
      raise TypeError(f"{what} function carry input and carry output must have equal types, "
                      f"but carry component {i} has input type {a.str_short(False)} and "
                      f"output type {b.str_short(False)}.")


# ---------------------------------------------------------------------------
# scan

scan_p = core.Primitive("scan", multiple_results=True)


def _scan_impl(*args, jaxpr, length, reverse, num_consts, num_carry, unroll=1):
  consts, carry, xs = _split(args, num_consts, num_carry)
  out_avals = jaxpr.out_avals[num_carry:]
  ys = [np.empty((length,) + a.shape, a.dtype) for a in out_avals]
  order = range(length - 1, -1, -1) if reverse else range(length)
  body = loop_body(jaxpr, num_consts, num_carry)
  for step, i in enumerate(order):
    outs = body(consts + carry + [x[i] for x in xs], own_carries=step > 0)
    carry = outs[:num_carry]
    for buf, y in zip(ys, outs[num_carry:]):
      buf[i] = y
  return carry + ys


def _scan_abstract_eval(*avals, jaxpr, length, reverse, num_consts, num_carry, unroll=1):
  outs = jaxpr.out_avals
  carry = outs[:num_carry]
  ys = [a.update(shape=(length,) + a.shape) for a in outs[num_carry:]]
  return carry + ys


scan_p.def_impl(_scan_impl)
scan_p.def_abstract_eval(_scan_abstract_eval)
scan_p.weak_type_rule = lambda flags, *, jaxpr, **_: [a.weak_type for a in jaxpr.out_avals]


def scan(f, init, xs=None, length=None, reverse=False, unroll=1, _split_transpose=False):
  """Loop ``carry, y = f(carry, x)`` over the leading axis of ``xs``; returns (carry, ys)."""
  if not callable(f):
    raise TypeError("lax.scan: f argument should be a callable.")
  xs_flat, xs_tree = tree_util.tree_flatten(xs)
  xs_flat = [core.to_array(x) for x in xs_flat]
  lengths = set()
  for x in xs_flat:
    shape = core.get_aval(x).shape
    if not shape:
      raise ValueError("scan got value with no leading axis to scan over: "
                       f"{core.get_aval(x).str_short(False)}.")
    lengths.add(shape[0])
  if length is not None:
    length = core.concrete_or_error(operator.index, length, "The length argument of lax.scan")
    if lengths and lengths != {length}:
      raise ValueError(f"scan got `length` argument of {length} which disagrees with leading "
                       f"axis sizes {sorted(lengths)}.")
  elif len(lengths) > 1:
    raise ValueError("scan got values with different leading axis sizes: "
                     f"{', '.join(str(core.get_aval(x).shape[0]) for x in xs_flat)}.")
  elif not lengths:
    raise ValueError("scan got no values to scan over and `length` not provided.")
  else:
    length = lengths.pop()
  init_flat, init_tree = tree_util.tree_flatten(init)
  init_flat = [core.to_array(x) for x in init_flat]
  x_avals = [a.update(shape=a.shape[1:]) for a in avals_of(xs_flat)]

  def trace(carry_avals):
    return trace_to_jaxpr_hoisting_consts(
        lambda *flat: _call_body(f, flat, init_tree, xs_tree, len(carry_avals)),
        tree_util.tree_structure(tuple(range(len(carry_avals) + len(x_avals)))),
        carry_avals + x_avals, "scan")

  carry_avals = avals_of(init_flat)
  jaxpr, consts, out_tree = trace(carry_avals)
  carry_out_tree, _ = _carry_and_ys_trees(out_tree)
  out_carry_avals = jaxpr.out_avals[:len(init_flat)]
  # A weakly typed initial carry that the body makes strong gets the strong type; the body
  # keeps its weakly typed input, as in JAX (no retrace).
  init_flat = [_strong(x) if a.weak_type and not b.weak_type else x
               for x, a, b in zip(init_flat, carry_avals, out_carry_avals)]
  _check_carry("scan body", init_tree, carry_avals, carry_out_tree,
               jaxpr.out_avals[:len(init_flat)])
  outs = scan_p.bind(*consts, *init_flat, *xs_flat, jaxpr=jaxpr, length=length,
                     reverse=bool(reverse), num_consts=len(consts), num_carry=len(init_flat),
                     unroll=int(unroll) if not isinstance(unroll, bool) else int(unroll))
  _, ys_tree = _carry_and_ys_trees(out_tree)
  carry_out = tree_util.tree_unflatten(init_tree, outs[:len(init_flat)])
  ys = tree_util.tree_unflatten(ys_tree, outs[len(init_flat):])
  return carry_out, ys


def _call_body(f, flat, init_tree, xs_tree, n_carry):
  carry = tree_util.tree_unflatten(init_tree, list(flat[:n_carry]))
  x = tree_util.tree_unflatten(xs_tree, list(flat[n_carry:]))
  out = f(carry, x)
  if not (isinstance(out, (tuple, list)) and len(out) == 2):
    raise TypeError("scan body output must be a pair (carry, y), got "
                    f"{type(out).__name__}.")
  return tuple(out)


def _carry_and_ys_trees(out_tree):
  children = out_tree.children()
  return children[0], children[1]


# -- scan rules ---------------------------------------------------------------

def _scan_jvp_jaxpr(jaxpr, num_consts, num_carry, nz_consts, nz_carry, nz_xs):
  """JVP of a scan body with a fixed point on which carries have non-zero tangents."""
  n_ys = len(jaxpr.out_avals) - num_carry
  while True:
    jvp, out_nz = ad.jvp_jaxpr(jaxpr, nz_consts + nz_carry + nz_xs,
                               instantiate=nz_carry + [False] * n_ys)
    carry_out_nz = out_nz[:num_carry]
    new = [a or b for a, b in zip(nz_carry, carry_out_nz)]
    if new == nz_carry:
      return jvp, out_nz
    nz_carry = new


def _reorder_jvp_body(jvp, num_consts, num_carry, n_xs, nz_consts, nz_carry, nz_xs, n_ys,
                      out_nz):
  """jvp_jaxpr orders (primals, tangents); scan wants (consts, carry, xs) groups."""
  n_p = num_consts + num_carry + n_xs
  nct, ncat = sum(nz_consts), sum(nz_carry)
  idx = list(range(len(jvp.jaxpr.invars)))
  p_c, p_car, p_x = _split(idx[:n_p], num_consts, num_carry)
  t_c, t_car, t_x = _split(idx[n_p:], nct, ncat)
  jx = pe.move_invars(jvp.jaxpr, p_c + t_c + p_car + t_car + p_x + t_x)
  outs = jx.outvars
  n_out = num_carry + n_ys
  p_carry, p_ys = outs[:num_carry], outs[num_carry:n_out]
  tangents = outs[n_out:]
  n_carry_t = sum(out_nz[:num_carry])
  jx = jx.replace(outvars=p_carry + tangents[:n_carry_t] + p_ys + tangents[n_carry_t:])
  return ClosedJaxpr(jx, jvp.consts)


def _scan_jvp(primals, tangents, *, jaxpr, length, reverse, num_consts, num_carry, unroll=1):
  consts, init, xs = _split(primals, num_consts, num_carry)
  t_consts, t_init, t_xs = _split(tangents, num_consts, num_carry)
  nz = lambda ts: [type(t) is not Zero for t in ts]
  nz_consts, nz_xs = nz(t_consts), nz(t_xs)
  jvp, out_nz = _scan_jvp_jaxpr(jaxpr, num_consts, num_carry, nz_consts, nz(t_init), nz_xs)
  nz_carry = out_nz[:num_carry]
  n_ys = len(jaxpr.out_avals) - num_carry
  body = _reorder_jvp_body(jvp, num_consts, num_carry, len(xs), nz_consts, nz_carry, nz_xs,
                           n_ys, out_nz)
  keep = lambda ts, mask: [ad.instantiate_zeros(t) for t, m in zip(ts, mask) if m]
  args = (consts + keep(t_consts, nz_consts) + init + keep(t_init, nz_carry) + xs +
          keep(t_xs, nz_xs))
  outs = scan_p.bind(*args, jaxpr=body, length=length, reverse=reverse,
                     num_consts=num_consts + sum(nz_consts),
                     num_carry=num_carry + sum(nz_carry),
                     unroll=unroll)
  carry, carry_t, ys, ys_t = _split(outs, num_carry, sum(nz_carry), n_ys)
  primal_out = carry + ys
  tangent_out = _scan_tangents(jaxpr, num_carry, length, nz_carry, out_nz, carry_t, ys_t)
  return primal_out, tangent_out


def _scan_tangents(jaxpr, num_carry, length, nz_carry, out_nz, carry_t, ys_t):
  """The scan's output tangents: the computed ones where non-zero, symbolic zeros else."""
  it_c, it_y = iter(carry_t), iter(ys_t)
  avals = jaxpr.out_avals
  out = [next(it_c) if m else Zero(a.to_tangent_aval())
         for a, m in zip(avals[:num_carry], nz_carry)]
  out += [next(it_y) if m else Zero(a.update(shape=(length,) + a.shape).to_tangent_aval())
          for a, m in zip(avals[num_carry:], out_nz[num_carry:])]
  return out


def _scan_linearize(parent, tangent_trace, primals, tangents, *, jaxpr, length, reverse,
                    num_consts, num_carry, unroll=1):
  consts, init, xs = _split(primals, num_consts, num_carry)
  t_consts, t_init, t_xs = _split(tangents, num_consts, num_carry)
  nz = lambda ts: [type(t) is not Zero for t in ts]
  nz_consts, nz_xs, nz_carry = nz(t_consts), nz(t_xs), nz(t_init)
  n_ys = len(jaxpr.out_avals) - num_carry
  while True:  # fixed point: a carry whose tangent becomes non-zero stays non-zero
    known, unknown, out_nz, n_res = ad.linearize_jaxpr(
        jaxpr, nz_consts + nz_carry + nz_xs, instantiate=nz_carry + [False] * n_ys)
    new = [a or b for a, b in zip(nz_carry, out_nz[:num_carry])]
    if new == nz_carry:
      break
    nz_carry = new
  # Known scan: the primal loop, stacking the residuals of every iteration as extra ys.
  known_outs = scan_p.bind_with_trace(parent, list(primals), dict(
      jaxpr=known, length=length, reverse=reverse, num_consts=num_consts,
      num_carry=num_carry, unroll=unroll))
  carry, ys, residuals = _split(known_outs, num_carry, n_ys)
  # Tangent scan: consts = const tangents, carry = carry tangents, xs = residuals + x tangents.
  nct, ncat = sum(nz_consts), sum(nz_carry)
  idx = list(range(len(unknown.jaxpr.invars)))
  res_i, ct_i, car_i, xt_i = _split(idx, n_res, nct, ncat)
  body = ClosedJaxpr(pe.move_invars(unknown.jaxpr, ct_i + car_i + res_i + xt_i), unknown.consts)
  keep = lambda ts, mask: [ad.instantiate_zeros(t) if type(t) is not Zero else
                           ad.zeros_like_aval(t.aval) for t, m in zip(ts, mask) if m]
  args = keep(t_consts, nz_consts) + keep(t_init, nz_carry) + residuals + keep(t_xs, nz_xs)
  t_outs = scan_p.bind_with_trace(tangent_trace, args, dict(
      jaxpr=body, length=length, reverse=reverse, num_consts=nct, num_carry=ncat, unroll=unroll))
  carry_t, ys_t = t_outs[:ncat], t_outs[ncat:]
  tangent_out = _scan_tangents(jaxpr, num_carry, length, nz_carry, out_nz, carry_t, ys_t)
  return carry + ys, tangent_out


def _scan_transpose(cts, *args, jaxpr, length, reverse, num_consts, num_carry, unroll=1):
  consts, init, xs = _split(args, num_consts, num_carry)
  c_lin = [ad.is_undefined_primal(c) for c in consts]
  x_lin = [ad.is_undefined_primal(x) for x in xs]
  known_consts = [c for c, lin in zip(consts, c_lin) if not lin]
  known_xs = [x for x, lin in zip(xs, x_lin) if not lin]
  lin_const_avals = [c.aval for c, lin in zip(consts, c_lin) if lin]
  carry_avals = jaxpr.in_avals[num_consts:num_consts + num_carry]
  x_avals = jaxpr.in_avals[num_consts + num_carry:]
  ct_carry = [ad.instantiate_zeros(c) if type(c) is not Zero else ad.zeros_like_aval(a)
              for c, a in zip(cts[:num_carry], carry_avals)]
  y_avals = jaxpr.out_avals[num_carry:]
  ct_ys = [ad.instantiate_zeros(c) if type(c) is not Zero else
           ad.zeros_like_aval(a.update(shape=(length,) + a.shape))
           for c, a in zip(cts[num_carry:], y_avals)]
  nkc, nlc, nkx = len(known_consts), len(lin_const_avals), len(known_xs)

  def body_t(*a):
    kc, acc, cc, kx, cy = _split(a, nkc, nlc, num_carry, nkx)
    it_kc, it_kx = iter(kc), iter(kx)
    full = ([next(it_kc) if not lin else ad.UndefinedPrimal(av)
             for lin, av in zip(c_lin, jaxpr.in_avals[:num_consts])] +
            [ad.UndefinedPrimal(av) for av in carry_avals] +
            [next(it_kx) if not lin else ad.UndefinedPrimal(av) for lin, av in zip(x_lin, x_avals)])
    cts_in = ad.backward_pass(jaxpr.jaxpr, jaxpr.consts, full, list(cc) + list(cy))
    c_ct, car_ct, x_ct = _split(cts_in, num_consts, num_carry)
    lin_c_ct = [ad.instantiate_zeros(c) for c, lin in zip(c_ct, c_lin) if lin]
    from jaxlite._src.lax import lax
    new_acc = [lax.add(a_, c_) if type(c_) is not Zero else a_ for a_, c_ in zip(acc, lin_c_ct)]
    return (new_acc + [ad.instantiate_zeros(c) for c in car_ct] +
            [ad.instantiate_zeros(c) for c, lin in zip(x_ct, x_lin) if lin])

  in_avals = ([core.get_aval(c) for c in known_consts] + lin_const_avals + list(carry_avals) +
              [core.get_aval(x).update(shape=core.get_aval(x).shape[1:]) for x in known_xs] +
              list(y_avals))
  body = pe.trace_to_jaxpr(body_t, in_avals, "transpose(scan)")
  acc0 = [ad.zeros_like_aval(a) for a in lin_const_avals]
  args_t = known_consts + acc0 + ct_carry + known_xs + ct_ys
  outs = scan_p.bind(*args_t, jaxpr=body, length=length, reverse=not reverse, num_consts=nkc,
                     num_carry=nlc + num_carry, unroll=unroll)
  ct_consts, ct_init, ct_xs = _split(outs, nlc, num_carry)
  it_c, it_x = iter(ct_consts), iter(ct_xs)
  return ([next(it_c) if lin else None for lin in c_lin] + ct_init +
          [next(it_x) if lin else None for lin in x_lin])


def _scan_batch(vals, dims, *, jaxpr, length, reverse, num_consts, num_carry, unroll=1,
                axis_size=None, axis_name=None):
  size = next(batching._shape(v)[d] for v, d in zip(vals, dims) if d is not None)
  consts, init, xs = _split(vals, num_consts, num_carry)
  d_consts, d_init, d_xs = _split(dims, num_consts, num_carry)
  consts = [batching.moveaxis(c, d, 0) if d is not None else c for c, d in zip(consts, d_consts)]
  init = [batching.bdim_at_front(c, d, size) for c, d in zip(init, d_init)]
  xs = [batching.moveaxis(x, d, 1) if d is not None else x for x, d in zip(xs, d_xs)]
  body_dims = ([0 if d is not None else None for d in d_consts] + [0] * num_carry +
               [0 if d is not None else None for d in d_xs])
  body = batching.batch_jaxpr(jaxpr, size, body_dims, axis_name)
  args = consts + init + xs
  outs = scan_p.bind(*args, jaxpr=body, length=length, reverse=reverse, num_consts=num_consts,
                     num_carry=num_carry, unroll=unroll)
  return outs, [0] * num_carry + [1] * (len(outs) - num_carry)


_scan_batch.wants_axis = True
ad.primitive_jvps[scan_p] = _scan_jvp
ad.primitive_linearizations[scan_p] = _scan_linearize
ad.primitive_transposes[scan_p] = _scan_transpose
batching.primitive_batchers[scan_p] = _scan_batch


# ---------------------------------------------------------------------------
# while

while_p = core.Primitive("while", multiple_results=True)


def _while_impl(*args, cond_jaxpr, body_jaxpr, cond_nconsts, body_nconsts):
  cconsts, bconsts, carry = _split(args, cond_nconsts, body_nconsts)
  body = loop_body(body_jaxpr, body_nconsts, len(carry))
  first = True
  while run_jaxpr(cond_jaxpr, cconsts + carry)[0]:
    carry = body(bconsts + carry, own_carries=not first)
    first = False
  return carry


while_p.def_impl(_while_impl)
while_p.def_abstract_eval(lambda *avals, body_jaxpr, **_: list(body_jaxpr.out_avals))
while_p.weak_type_rule = lambda flags, *, body_jaxpr, **_: [
    a.weak_type for a in body_jaxpr.out_avals]


def while_loop(cond_fun, body_fun, init_val):
  """Repeat ``val = body_fun(val)`` while ``cond_fun(val)``; forward-differentiable only."""
  if not (callable(cond_fun) and callable(body_fun)):
    raise TypeError("lax.while_loop: body_fun and cond_fun arguments should be callable.")
  init_flat, init_tree = tree_util.tree_flatten(init_val)
  init_flat = [core.to_array(x) for x in init_flat]

  def trace(avals):
    cond, cconsts, cond_tree = trace_to_jaxpr_hoisting_consts(
        lambda *c: cond_fun(tree_util.tree_unflatten(init_tree, list(c))),
        tree_util.tree_structure(tuple(range(len(avals)))), avals, "while_loop cond_fun")
    body, bconsts, body_tree = trace_to_jaxpr_hoisting_consts(
        lambda *c: body_fun(tree_util.tree_unflatten(init_tree, list(c))),
        tree_util.tree_structure(tuple(range(len(avals)))), avals, "while_loop body_fun")
    return cond, cconsts, cond_tree, body, bconsts, body_tree

  avals = avals_of(init_flat)
  cond, cconsts, cond_tree, body, bconsts, body_tree = trace(avals)
  init_flat = [_strong(x) if a.weak_type and not b.weak_type else x
               for x, a, b in zip(init_flat, avals, body.out_avals)]
  outs = cond.out_avals
  if cond_tree.num_leaves != 1 or outs[0].shape or outs[0].dtype != np.bool_:
    raise TypeError("cond_fun must return a boolean scalar, but got output type(s) "
                    f"{[a.str_short(False) for a in outs]}.")
  _check_carry("body_fun", init_tree, avals, body_tree, body.out_avals)
  out = while_p.bind(*cconsts, *bconsts, *init_flat, cond_jaxpr=cond, body_jaxpr=body,
                     cond_nconsts=len(cconsts), body_nconsts=len(bconsts))
  return tree_util.tree_unflatten(init_tree, out)


def _while_jvp(primals, tangents, *, cond_jaxpr, body_jaxpr, cond_nconsts, body_nconsts):
  cconsts, bconsts, init = _split(primals, cond_nconsts, body_nconsts)
  _, t_bconsts, t_init = _split(tangents, cond_nconsts, body_nconsts)
  nz_b = [type(t) is not Zero for t in t_bconsts]
  nz_carry = [type(t) is not Zero for t in t_init]
  n = len(init)
  while True:
    jvp, out_nz = ad.jvp_jaxpr(body_jaxpr, nz_b + nz_carry, instantiate=nz_carry)
    new = [a or b for a, b in zip(nz_carry, out_nz)]
    if new == nz_carry:
      break
    nz_carry = new
  nb, nbt = body_nconsts, sum(nz_b)
  idx = list(range(len(jvp.jaxpr.invars)))
  p_b, p_car = idx[:nb], idx[nb:nb + n]
  t_b, t_car = idx[nb + n:nb + n + nbt], idx[nb + n + nbt:]
  body = ClosedJaxpr(pe.move_invars(jvp.jaxpr, p_b + t_b + p_car + t_car), jvp.consts)
  cj = cond_jaxpr.jaxpr
  cond = ClosedJaxpr(cj.replace(invars=cj.invars + [Var(init_aval.to_tangent_aval())
                                                     for init_aval, m in
                                                     zip(body_jaxpr.out_avals, nz_carry) if m]),
                     cond_jaxpr.consts)
  keep = lambda ts, mask: [ad.instantiate_zeros(t) for t, m in zip(ts, mask) if m]
  outs = while_p.bind(*cconsts, *bconsts, *keep(t_bconsts, nz_b), *init, *keep(t_init, nz_carry),
                      cond_jaxpr=cond, body_jaxpr=body, cond_nconsts=cond_nconsts,
                      body_nconsts=nb + nbt)
  it = iter(outs[n:])
  return outs[:n], [next(it) if m else Zero(a.to_tangent_aval())
                    for a, m in zip(body_jaxpr.out_avals, nz_carry)]


def _while_linearize(parent, tangent_trace, primals, tangents, **params):
  raise ValueError("Reverse-mode differentiation does not work for lax.while_loop or "
                   "lax.fori_loop with dynamic start/stop values. Try using lax.scan, or using "
                   "fori_loop with static start/stop.")


def _while_batch(vals, dims, *, cond_jaxpr, body_jaxpr, cond_nconsts, body_nconsts,
                 axis_size=None, axis_name=None):
  from jaxlite._src.lax import lax
  size = next(batching._shape(v)[d] for v, d in zip(vals, dims) if d is not None)
  cconsts, bconsts, init = _split(vals, cond_nconsts, body_nconsts)
  d_c, d_b, d_init = _split(dims, cond_nconsts, body_nconsts)
  cconsts = [batching.moveaxis(c, d, 0) if d is not None else c for c, d in zip(cconsts, d_c)]
  bconsts = [batching.moveaxis(c, d, 0) if d is not None else c for c, d in zip(bconsts, d_b)]
  init = [batching.bdim_at_front(x, d, size) for x, d in zip(init, d_init)]
  cdims = [0 if d is not None else None for d in d_c]
  bdims = [0 if d is not None else None for d in d_b]
  n = len(init)
  cond_b = batching.batch_jaxpr(cond_jaxpr, size, cdims + [0] * n, axis_name)
  body_b = batching.batch_jaxpr(body_jaxpr, size, bdims + [0] * n, axis_name)
  nc, nb = len(cconsts), len(bconsts)

  def new_cond(*a):
    cc, carry = a[:nc], a[nc:]
    (pred,) = eval_jaxpr(cond_b.jaxpr, cond_b.consts, *cc, *carry)
    return [lax.reduce_or(pred, (0,))]

  def new_body(*a):
    # Lanes whose predicate is already false keep their carry.
    cc, bc, carry = a[:nc], a[nc:nc + nb], a[nc + nb:]
    (pred,) = eval_jaxpr(cond_b.jaxpr, cond_b.consts, *cc, *carry)
    new = eval_jaxpr(body_b.jaxpr, body_b.consts, *bc, *carry)
    out = []
    for nv, old in zip(new, carry):
      shape = batching._shape(old)
      p = lax.broadcast_in_dim(pred, shape, (0,)) if len(shape) > 1 else pred
      out.append(lax.select(p, nv, old))
    return out

  carry_avals = [core.get_aval(x) if not isinstance(x, core.Tracer) else x.aval for x in init]
  c_avals = [core.get_aval(x) if not isinstance(x, core.Tracer) else x.aval for x in cconsts]
  b_avals = [core.get_aval(x) if not isinstance(x, core.Tracer) else x.aval for x in bconsts]
  cond = pe.trace_to_jaxpr(new_cond, c_avals + carry_avals, "while cond")
  body = pe.trace_to_jaxpr(new_body, c_avals + b_avals + carry_avals, "while body")
  outs = while_p.bind(*cconsts, *cconsts, *bconsts, *init, cond_jaxpr=cond, body_jaxpr=body,
                      cond_nconsts=nc, body_nconsts=nc + nb)
  return outs, [0] * n


_while_batch.wants_axis = True
ad.primitive_jvps[while_p] = _while_jvp
ad.primitive_linearizations[while_p] = _while_linearize
batching.primitive_batchers[while_p] = _while_batch


# ---------------------------------------------------------------------------
# fori_loop and map

def fori_loop(lower, upper, body_fun, init_val, *, unroll=None):
  """``for i in range(lower, upper): val = body_fun(i, val)``.

  With concrete bounds this is a ``scan`` (reverse-differentiable), otherwise a ``while``."""
  lo_c, hi_c = core.concrete_value(lower), core.concrete_value(upper)
  if isinstance(lower, core.Tracer):
    lo_c = lower.to_concrete_value()
  if isinstance(upper, core.Tracer):
    hi_c = upper.to_concrete_value()
  dt = dtypes.result_type(lower, upper)
  if not dtypes.is_integer(dt):
    raise TypeError(f"lower and upper arguments to fori_loop must have integer types, got "
                    f"{dtypes.dtype(lower).name} and {dtypes.dtype(upper).name}")
  from jaxlite._src.lax import lax
  if lo_c is not None and hi_c is not None:
    lo, hi = int(np.asarray(lo_c)), int(np.asarray(hi_c))
    length = max(hi - lo, 0)

    def step(carry, _):
      i, x = carry
      return (lax.add(i, np.array(1, dt)), body_fun(i, x)), None

    (_, out), _ = scan(step, (np.array(lo, dt), init_val), None, length=length,
                       unroll=unroll or 1)
    return out
  lower = lax.convert_element_type(lower, dt)
  upper = lax.convert_element_type(upper, dt)

  def cond_fun(carry):
    i, hi, _ = carry
    return lax.lt(i, hi)

  def body(carry):
    i, hi, x = carry
    return lax.add(i, np.array(1, dt)), hi, body_fun(i, x)

  return while_loop(cond_fun, body, (lower, upper, init_val))[2]


def map(f, xs, *, batch_size=None):  # noqa: A001 - lax.map
  """``stack([f(x) for x in xs])`` as a loop; ``batch_size`` vmaps chunks of that size."""
  if batch_size is not None:
    from jaxlite._src.api import vmap
    leaves = tree_util.tree_leaves(xs)
    n = core.get_aval(leaves[0]).shape[0]
    batch_size = int(batch_size)
    num_batches, remainder = divmod(n, batch_size)
    from jaxlite._src.lax import lax

    def take(lo, hi):
      return tree_util.tree_map(lambda x: lax.slice_in_dim(x, lo, hi, axis=0), xs)

    main = tree_util.tree_map(
        lambda x: lax.reshape(x, (num_batches, batch_size) + core.get_aval(x).shape[1:]),
        take(0, num_batches * batch_size))
    _, ys = scan(lambda c, x: (c, vmap(f)(x)), None, main)
    ys = tree_util.tree_map(
        lambda y: lax.reshape(y, (num_batches * batch_size,) + core.get_aval(y).shape[2:]), ys)
    if remainder:
      rest = vmap(f)(take(num_batches * batch_size, n))
      ys = tree_util.tree_map(lambda a, b: lax.concatenate([a, b], 0), ys, rest)
    return ys
  _, ys = scan(lambda c, x: (c, f(x)), None, xs)
  return ys
