"""Algebraic simplification: rewrite equations whose result is exactly one of their operands
or a cheaper equivalent equation. Every rule is exact for all inputs, NaN payloads and signed
zeros included (``x + 0.0`` is NOT ``x``: -0.0 + 0.0 is +0.0; ``x + -0.0`` is).

A rule is ``rule(eqn, producer) -> None | Atom | JaxprEqn``: None keeps the equation, an atom
(Var or Literal) replaces its single output, an equation replaces it. ``producer`` maps a Var
to the (already simplified) equation defining it, so rules can look through their operands."""
from __future__ import annotations

import numpy as np

from jaxlite._src.jaxpr import Literal

rules: dict = {}


def _rule(*names):
  def register(fn):
    for n in names:
      rules[n] = fn
    return fn
  return register


def _same_type(atom, outvar) -> bool:
  """The operand can stand for the output: same shape and dtype (weak types are a tracing
  notion: nothing at run time depends on them)."""
  return atom.aval.shape == outvar.aval.shape and atom.aval.dtype == outvar.aval.dtype


def scalar_value(atom, producer):
  """The value of an operand known to hold one scalar everywhere (a literal, or a broadcast of
  one), else None."""
  while type(atom) is not Literal:
    eqn = producer.get(atom)
    if eqn is None or eqn.primitive.name != "broadcast_in_dim":
      return None
    atom = eqn.invars[0]
  val = np.asarray(atom.val)
  return val if val.ndim == 0 else None


def _is_value(val, target, sign=None) -> bool:
  """``val == target`` bit for bit where it matters: with ``sign`` the zero's sign too."""
  # Complex operands never qualify: (a+bj)*(1+0j) has a - b*0, NaN for an infinite b.
  if val is None or val.dtype.kind not in "biuf" or val != target:
    return False
  return sign is None or bool(np.signbit(val.real)) == sign


# ---------------------------------------------------------------------------
# Shape operations that do nothing, or two of them in a row

@_rule("reshape")
def reshape(eqn, producer):
  (x,), out = eqn.invars, eqn.outvars[0]
  if eqn.params.get("dimensions") is not None:
    return None
  if _same_type(x, out):
    return x
  inner = producer.get(x)
  if inner is not None and inner.primitive is eqn.primitive and \
      inner.params.get("dimensions") is None:
    y = inner.invars[0]
    return y if _same_type(y, out) else eqn.replace(invars=[y])
  return None


@_rule("broadcast_in_dim")
def broadcast_in_dim(eqn, producer):
  (x,), out = eqn.invars, eqn.outvars[0]
  dims = tuple(eqn.params["broadcast_dimensions"])
  if _same_type(x, out) and dims == tuple(range(out.aval.ndim)):
    return x
  inner = producer.get(x)
  if inner is not None and inner.primitive is eqn.primitive:
    # Operand dim i went to inner_dims[i], which this broadcast sends to dims[inner_dims[i]].
    composed = tuple(dims[d] for d in inner.params["broadcast_dimensions"])
    params = dict(eqn.params, broadcast_dimensions=composed)
    return simplify_eqn(eqn.replace(invars=[inner.invars[0]], params=params), producer)
  return None


@_rule("transpose")
def transpose(eqn, producer):
  (x,) = eqn.invars
  perm = tuple(eqn.params["permutation"])
  if perm == tuple(range(len(perm))):
    return x
  inner = producer.get(x)
  if inner is not None and inner.primitive is eqn.primitive:
    # out axis i is x axis perm[i], which is the inner operand's axis inner_perm[perm[i]].
    inner_perm = inner.params["permutation"]
    composed = tuple(inner_perm[p] for p in perm)
    y = inner.invars[0]
    if composed == tuple(range(len(perm))):
      return y
    return eqn.replace(invars=[y], params=dict(eqn.params, permutation=composed))
  return None


@_rule("squeeze")
def squeeze(eqn, producer):
  x = eqn.invars[0]
  return x if not eqn.params["dimensions"] and _same_type(x, eqn.outvars[0]) else None


@_rule("convert_element_type")
def convert_element_type(eqn, producer):
  x = eqn.invars[0]
  return x if _same_type(x, eqn.outvars[0]) else None


@_rule("copy")
def copy(eqn, producer):
  # Arrays are immutable, so a copy inside a program is the value itself.
  x = eqn.invars[0]
  return x if _same_type(x, eqn.outvars[0]) else None


# ---------------------------------------------------------------------------
# Arithmetic identities

@_rule("mul")
def mul(eqn, producer):
  if eqn.params.get("out_dtype") is not None:
    return None
  out = eqn.outvars[0]
  for keep, other in ((0, 1), (1, 0)):
    x = eqn.invars[keep]
    if _same_type(x, out) and _is_value(scalar_value(eqn.invars[other], producer), 1):
      return x  # x * 1 is x for every x (NaN, inf, -0.0)
  return None


@_rule("add", "add_any")
def add(eqn, producer):
  out = eqn.outvars[0]
  for keep, other in ((0, 1), (1, 0)):
    x = eqn.invars[keep]
    if not _same_type(x, out):
      continue
    val = scalar_value(eqn.invars[other], producer)
    # Integers: x + 0 is x. Floats: only -0.0 is neutral (+0.0 turns -0.0 into +0.0).
    if _is_value(val, 0, sign=None if out.aval.dtype.kind in "biu" else True):
      return x
  return None


@_rule("sub")
def sub(eqn, producer):
  x, y = eqn.invars
  out = eqn.outvars[0]
  val = scalar_value(y, producer)
  # x - (+0.0) is x, -0.0 included; x - (-0.0) would be x + 0.0, which is not.
  if _same_type(x, out) and _is_value(val, 0, sign=None if out.aval.dtype.kind in "biu"
                                      else False):
    return x
  return None


@_rule("neg")
def neg(eqn, producer):
  inner = producer.get(eqn.invars[0])
  if inner is not None and inner.primitive is eqn.primitive:
    return inner.invars[0]  # a sign flip twice
  return None


@_rule("integer_pow")
def integer_pow(eqn, producer):
  x = eqn.invars[0]
  return x if eqn.params["y"] == 1 and _same_type(x, eqn.outvars[0]) else None


@_rule("select_n")
def select_n(eqn, producer):
  which, *cases = eqn.invars
  out = eqn.outvars[0]
  if all(c is cases[0] for c in cases[1:]) and _same_type(cases[0], out):
    return cases[0]
  val = scalar_value(which, producer)
  if val is None:
    return None
  # Out-of-range integer predicates pick the nearest case, as the impl does.
  chosen = cases[int(np.clip(val, 0, len(cases) - 1))]
  return chosen if _same_type(chosen, out) else None


# ---------------------------------------------------------------------------
# The pass

def simplify_eqn(eqn, producer):
  """The simplest replacement of ``eqn``: itself, an atom, or an equivalent equation."""
  rule = rules.get(eqn.primitive.name)
  if rule is None or len(eqn.outvars) != 1:
    return eqn
  new = rule(eqn, producer)
  return eqn if new is None else new


def simplify(jaxpr):
  """Apply every rule once in program order; rules see their operands already simplified,
  so chains (reshape of reshape of reshape) collapse in one sweep. Run ``dce`` after."""
  from jaxlite._src.compiler.passes import _subst, is_effectful
  env: dict = {}
  producer: dict = {}
  eqns = []
  for eqn in jaxpr.eqns:
    eqn = eqn.replace(invars=[_subst(a, env) for a in eqn.invars])
    if not is_effectful(eqn):
      new = simplify_eqn(eqn, producer)
      if not hasattr(new, "primitive"):
        env[eqn.outvars[0]] = new
        continue
      eqn = new
    for v in eqn.outvars:
      producer[v] = eqn
    eqns.append(eqn)
  return jaxpr.replace(eqns=eqns, outvars=[_subst(v, env) for v in jaxpr.outvars])
