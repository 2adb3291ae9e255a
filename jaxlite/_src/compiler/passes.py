"""Jaxpr-to-jaxpr passes run before code generation. Each is semantics-preserving."""
from __future__ import annotations

import weakref

import numpy as np

from jaxlite._src.jaxpr import DropVar, Jaxpr, Literal, Var


def _subst(a, env):
  return env.get(a, a) if type(a) is not Literal else a


def inline_calls(jaxpr: Jaxpr, call_primitives) -> tuple[Jaxpr, list]:
  """Splice the bodies of nested call equations (jit) into ``jaxpr``.

  Every inlined body gets fresh variables: the same callee may be inlined several times.
  Returns the new jaxpr and the extra consts (of inlined closed jaxprs) that became new
  constvars."""
  new_constvars, new_consts = [], []

  def inline(jx: Jaxpr, env, eqns_out, rename):
    for eqn in jx.eqns:
      invars = [_subst(a, env) for a in eqn.invars]
      if eqn.primitive in call_primitives:
        inner = eqn.params["jaxpr"]
        inner_env = {}
        for v, c in zip(inner.jaxpr.constvars, inner.consts):
          cv = Var(v.aval)
          new_constvars.append(cv)
          new_consts.append(c)
          inner_env[v] = cv
        for v, a in zip(inner.jaxpr.invars, invars):
          inner_env[v] = a
        inline(inner.jaxpr, inner_env, eqns_out, rename=True)
        for v, res in zip(eqn.outvars, inner.jaxpr.outvars):
          env[v] = _subst(res, inner_env)
      else:
        if rename:
          outvars = []
          for v in eqn.outvars:
            nv = DropVar(v.aval) if type(v) is DropVar else Var(v.aval)
            env[v] = nv
            outvars.append(nv)
          eqns_out.append(eqn.replace(invars=invars, outvars=outvars))
        else:
          eqns_out.append(eqn.replace(invars=invars))
    return eqns_out

  env: dict = {}
  eqns = inline(jaxpr, env, [], rename=False)
  outvars = [_subst(v, env) for v in jaxpr.outvars]
  return (jaxpr.replace(constvars=jaxpr.constvars + new_constvars, eqns=eqns, outvars=outvars),
          new_consts)


def is_effectful(eqn) -> bool:
  """An equation with side effects, itself or inside a sub-jaxpr (a print in a cond)."""
  prim = eqn.primitive
  if getattr(prim, "effectful", False):
    return True
  if prim in _without_subjaxprs:
    return False
  found = False
  for name, p in eqn.params.items():
    if p is None and "jaxpr" in name:
      found = True  # a sub-program this equation happens not to have (scatter's combiner)
    for jx in (p if isinstance(p, tuple) else (p,)):
      inner = getattr(jx, "jaxpr", jx)
      if hasattr(inner, "eqns"):
        found = True
        if _jaxpr_effectful(inner):
          return True
  if not found:
    # Params without any sub-program: this primitive never takes one, skip the scan next time.
    _without_subjaxprs.add(prim)
  return False


_without_subjaxprs: set = set()
_effectful_cache: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _jaxpr_effectful(jaxpr) -> bool:
  try:
    return _effectful_cache[jaxpr]
  except (KeyError, TypeError):
    pass
  result = any(is_effectful(e) for e in jaxpr.eqns)
  try:
    _effectful_cache[jaxpr] = result
  except TypeError:
    pass
  return result


def dce(jaxpr: Jaxpr, effectful=is_effectful) -> Jaxpr:
  """Drop equations whose outputs nobody reads (keeping effectful ones)."""
  live = {v for v in jaxpr.outvars if type(v) is Var}
  kept = []
  for eqn in reversed(jaxpr.eqns):
    if effectful(eqn) or any(v in live for v in eqn.outvars):
      kept.append(eqn)
      live.update(a for a in eqn.invars if type(a) is Var)
  kept.reverse()
  return jaxpr.replace(eqns=kept)


def _literal_key(a):
  if type(a) is Literal:
    # The bits, not the value: -0.0 == 0.0, yet x + 0.0 and x + -0.0 differ.
    try:
      return ("lit", a.aval, np.asarray(a.val, a.aval.dtype).tobytes())
    except (TypeError, ValueError):
      return ("obj", id(a))
  return a


def _params_key(params):
  try:
    key = tuple(sorted(params.items()))
    hash(key)
    return key
  except TypeError:
    return None


def cse(jaxpr: Jaxpr, effectful=is_effectful) -> Jaxpr:
  """Reuse the result of an equation already computed with the same operands and params."""
  seen: dict = {}
  env: dict = {}
  eqns = []
  for eqn in jaxpr.eqns:
    invars = [_subst(a, env) for a in eqn.invars]
    eqn = eqn.replace(invars=invars)
    pkey = None if effectful(eqn) else _params_key(eqn.params)
    if pkey is not None:
      key = (eqn.primitive, tuple(_literal_key(a) for a in invars), pkey)
      prev = seen.get(key)
      if prev is not None:
        for old, new in zip(eqn.outvars, prev.outvars):
          env[old] = new
        continue
      seen[key] = eqn
    eqns.append(eqn)
  outvars = [_subst(v, env) for v in jaxpr.outvars]
  return jaxpr.replace(eqns=eqns, outvars=outvars)


def prune_constvars(jaxpr: Jaxpr, consts):
  used = {a for eqn in jaxpr.eqns for a in eqn.invars if type(a) is Var}
  used.update(v for v in jaxpr.outvars if type(v) is Var)
  keep = [i for i, v in enumerate(jaxpr.constvars) if v in used]
  return (jaxpr.replace(constvars=[jaxpr.constvars[i] for i in keep]),
          [consts[i] for i in keep])


def fold_constants(jaxpr: Jaxpr, consts, max_bytes: int = 1 << 26):
  """Evaluate equations whose inputs are all literals or constants, once, at compile time.

  Results become constvars (scalars become literals), so a call never recomputes them:
  broadcasts of zeros, iotas, arithmetic on literals. Effectful equations and results
  larger than ``max_bytes`` are left alone."""
  import numpy as np
  from jaxlite._src.array import ArrayImpl
  from jaxlite._src.jaxpr import Literal
  known = {v: (c._value if type(c) is ArrayImpl else c) for v, c in zip(jaxpr.constvars, consts)}
  if any(not isinstance(c, (np.ndarray, np.generic)) for c in known.values()):
    return jaxpr, consts  # tracer constants (outer transformations) are not values yet
  new_constvars, new_consts = list(jaxpr.constvars), list(consts)
  env: dict = {}
  eqns = []
  for eqn in jaxpr.eqns:
    invars = [_subst(a, env) for a in eqn.invars]
    eqn = eqn.replace(invars=invars)
    foldable = not is_effectful(eqn) and all(
        type(a) is Literal or a in known for a in invars) and eqn.primitive.impl is not None
    if foldable:
      out_bytes = sum(v.aval.size * v.aval.dtype.itemsize for v in eqn.outvars)
      if out_bytes <= max_bytes:
        vals = [a.val if type(a) is Literal else known[a] for a in invars]
        try:
          outs = eqn.primitive.impl(*vals, **eqn.params)
        except Exception:  # leave it to run time, where the error surfaces normally
          outs = None
        if outs is not None:
          outs = outs if eqn.primitive.multiple_results else [outs]
          for v, o in zip(eqn.outvars, outs):
            o = np.asarray(o).astype(v.aval.dtype, copy=False)
            if o.ndim == 0:
              env[v] = Literal(o[()], v.aval)
            else:
              known[v] = o
              new_constvars.append(v)
              new_consts.append(o)
          continue
    eqns.append(eqn)
  outvars = [_subst(v, env) for v in jaxpr.outvars]
  return jaxpr.replace(constvars=new_constvars, eqns=eqns, outvars=outvars), new_consts
