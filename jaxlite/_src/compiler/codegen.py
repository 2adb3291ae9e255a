"""Turn a jaxpr into Python source that calls NumPy, ``exec`` it once, and keep the function.

Primitives with an expression rule (``defexpr``) are written inline; any other primitive is
called through its NumPy implementation, with its parameters written out when they read
back as Python literals."""
from __future__ import annotations

import keyword

import numpy as np

from jaxlite._src import dtypes
from jaxlite._src.compiler.codegen_rules import expr_namespace, expr_rules
from jaxlite._src.jaxpr import DropVar, Literal, Var, _encode_name

_RESERVED = set(keyword.kwlist) | {"np", "ml_dtypes", "fn"}

# Primitives whose NumPy form commonly warns (log of 0, 0/0, exp overflow...) where JAX is
# silent. A function using one runs under np.errstate; others skip its ~1 us cost.
_MAY_WARN = frozenset({
    "log", "log1p", "exp", "exp2", "expm1", "sqrt", "rsqrt", "div", "rem", "pow",
    "integer_pow", "tan", "asin", "acos", "atanh", "acosh", "atan2", "logistic", "lgamma",
    "digamma", "erf_inv", "reduce_prod", "cumprod", "cumlogsumexp", "nextafter"})


def _is_literal_param(v) -> bool:
  """True when ``repr(v)`` reads back as ``v`` in generated code (exact builtin types only:
  subclasses such as NamedTuples or IntEnums repr as names the namespace lacks)."""
  t = type(v)
  if v is None or t in (bool, int, str):
    return True
  if t is float:
    return bool(np.isfinite(v))
  if t is tuple:
    return all(_is_literal_param(x) for x in v)
  return False


class _Emitter:
  def __init__(self):
    self.names: dict = {}
    self.namespace: dict = {"np": np, **expr_namespace}
    self.lines: list[str] = []
    self.header: list[str] = []   # module-level constants, built once at compile time
    self._n_consts = 0
    self._literals: dict = {}

  def name(self, v) -> str:
    if type(v) is DropVar:
      return "_"
    n = self.names.get(v)
    if n is None:
      n = _encode_name(len(self.names))
      if n in _RESERVED:
        n += "_"
      self.names[v] = n
    return n

  def const(self, value, hint="c") -> str:
    name = f"_{hint}{self._n_consts}"
    self._n_consts += 1
    self.namespace[name] = value
    return name

  def atom(self, a) -> str:
    if type(a) is Literal:
      return self.literal(a)
    return self.name(a)

  def literal(self, lit: Literal) -> str:
    dt = lit.aval.dtype
    val = np.asarray(lit.val, dt)
    if dt.kind in "biuf" and dt.name in np.sctypeDict and np.isfinite(val).all() and \
        dt not in dtypes._ml_float_dtypes:
      item = val.item()
      if dt.kind == "b":
        return "np.True_" if item else "np.False_"
      key = (dt.name, repr(item))
      name = self._literals.get(key)
      if name is None:
        text = repr(item).replace("-", "m").replace(".", "_").replace("+", "")
        name = f"_{dtypes.short_dtype_name(dt)}_{text}"
        if not name.isidentifier() or name in self.namespace:
          name = f"_lit{len(self._literals)}"
        self._literals[key] = name
        self.header.append(f"{name} = np.{dt.name}({item!r})")
      return name
    return self.const(val[()], "lit")

  def param(self, v) -> str:
    if _is_literal_param(v):
      return repr(v)
    if isinstance(v, np.dtype) and v.name in np.sctypeDict and v not in dtypes._ml_float_dtypes:
      return f"np.dtype({v.name!r})"
    return self.const(v, "p")


def emit_jaxpr(jaxpr, fn_name="fn"):
  """Source text and namespace of a Python function computing ``jaxpr``.

  The function takes the constvars then the invars, all as NumPy arrays, and returns a tuple."""
  em = _Emitter()
  args = [em.name(v) for v in jaxpr.constvars] + [em.name(v) for v in jaxpr.invars]
  em.lines.append(f"def {fn_name}({', '.join(args)}):")
  guarded = any(eqn.primitive.name in _MAY_WARN for eqn in jaxpr.eqns)
  if guarded:
    em.lines.append('  with np.errstate(all="ignore"):')
  for eqn in jaxpr.eqns:
    ins = [em.atom(a) for a in eqn.invars]
    outs = [em.name(v) for v in eqn.outvars]
    rule = expr_rules.get(eqn.primitive)
    if rule is None:
      expr = None
    elif getattr(rule, "with_avals", False):
      expr = rule(ins, [a.aval for a in eqn.invars], [v.aval for v in eqn.outvars], **eqn.params)
    else:
      expr = rule(ins, **eqn.params)
    if expr is None:
      impl_name = f"{eqn.primitive.name.replace('-', '_')}_impl"
      existing = em.namespace.get(impl_name)
      if existing is not None and existing is not eqn.primitive.impl:
        impl_name = em.const(eqn.primitive.impl, "impl")
      em.namespace[impl_name] = eqn.primitive.impl
      kw = ", ".join(f"{k}={em.param(v)}" for k, v in eqn.params.items())
      expr = f"{impl_name}({', '.join(ins)}{', ' if ins and kw else ''}{kw})"
    if eqn.primitive.multiple_results:
      target = ", ".join(outs) + ("," if len(outs) == 1 else "")
      em.lines.append(f"    {target} = {expr}" if outs else f"    {expr}")
    else:
      em.lines.append(f"    {outs[0]} = {expr}")
  rets = [em.atom(v) for v in jaxpr.outvars]
  em.lines.append(f"    return ({', '.join(rets)}{',' if len(rets) == 1 else ''})")
  return "\n".join(em.header + em.lines) + "\n", em.namespace


def compile_source(source: str, namespace: dict, fn_name="fn"):
  code = compile(source, f"<jaxlite-jit {fn_name}>", "exec")
  exec(code, namespace)
  return namespace[fn_name]
