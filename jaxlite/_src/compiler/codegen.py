"""Turn a jaxpr into Python source that calls NumPy, ``exec`` it once, and keep the function.

Primitives with an expression rule (``defexpr``) are written inline; any other primitive is
called through its NumPy implementation, with its parameters written out when they read
back as Python literals."""
from __future__ import annotations

import keyword

import numpy as np

from jaxlite._src import dtypes
from jaxlite._src.config import config
from jaxlite._src.compiler import buffers, fusion, native, passes
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


_writable_dtypes: dict = {}


def _writable_dtype(dt) -> bool:
  """Scalars of ``dt`` can be written ``np.<name>(value)`` (ml_dtypes floats cannot)."""
  ok = _writable_dtypes.get(dt)
  if ok is None:
    ok = _writable_dtypes[dt] = (dt.kind in "biuf" and dt.name in np.sctypeDict and
                                 dt not in dtypes._ml_float_dtypes)
  return ok


class _Emitter:
  def __init__(self):
    self.names: dict = {}
    self.namespace: dict = {"np": np, **expr_namespace}
    self.lines: list[str] = []
    self.header: list[str] = []   # module-level constants, built once at compile time
    self.trailer: list[str] = []  # comments after the function (tier-2 kernel sources)
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
    key = (dt, val.tobytes())
    name = self._literals.get(key)
    if name is not None:
      return name
    if _writable_dtype(dt) and np.isfinite(val).all():
      item = val.item()
      if dt.kind == "b":
        return "np.True_" if item else "np.False_"
      text = repr(item).replace("-", "m").replace(".", "_").replace("+", "")
      name = f"_{dtypes.short_dtype_name(dt)}_{text}"
      if not name.isidentifier() or name in self.namespace:
        name = f"_lit{len(self._literals)}"
      self.header.append(f"{name} = np.{dt.name}({item!r})")
    else:
      name = self.const(val[()], "lit")
    self._literals[key] = name
    return name

  def param(self, v) -> str:
    if _is_literal_param(v):
      return repr(v)
    if isinstance(v, np.dtype) and v.name in np.sctypeDict and v not in dtypes._ml_float_dtypes:
      return f"np.dtype({v.name!r})"
    return self.const(v, "p")


def _expression(em, eqn, ins):
  """The Python expression computing ``eqn`` from operand names ``ins``."""
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
  return expr


def emit_jaxpr(jaxpr, fn_name="fn", consts=None, optimize=False, donated=frozenset()):
  """Source text and namespace of a Python function computing ``jaxpr``.

  The function takes the constvars then the invars, all as NumPy arrays, and returns a tuple.
  With ``optimize`` (``consts``: the constvars' values), elementwise chains on big arrays run
  as chunked loops (fusion.py) and intermediates are written into buffers kept across calls
  (buffers.py)."""
  em = _Emitter()
  args = [em.name(v) for v in jaxpr.constvars] + [em.name(v) for v in jaxpr.invars]
  exprs = []
  for eqn in jaxpr.eqns:
    ins = [em.atom(a) for a in eqn.invars]
    for v in eqn.outvars:
      em.name(v)
    exprs.append((_expression(em, eqn, ins), ins))
  if optimize:
    body, pool = _Planner(em, jaxpr, exprs, consts, donated).emit()
  else:
    body = [_assign(em, eqn, expr) for eqn, (expr, _) in zip(jaxpr.eqns, exprs)]
    pool = None
  rets = [em.atom(v) for v in jaxpr.outvars]
  body.append(f"return ({', '.join(rets)}{',' if len(rets) == 1 else ''})")
  em.lines.append(f"def {fn_name}({', '.join(args)}):")
  indent = "  "
  if pool is not None:
    names = [f"_b{k}" for k in range(len(pool.specs))]
    em.lines += [f"{indent}_held = _lock.acquire(False)", f"{indent}try:",
                 f"{indent}  {', '.join(names)}{',' if len(names) == 1 else ''} = "
                 "_pool.buffers(_held)"]
    indent += "  "
  if any(eqn.primitive.name in _MAY_WARN for eqn in jaxpr.eqns):
    em.lines.append(f'{indent}with np.errstate(all="ignore"):')
    indent += "  "
  em.lines += [indent + line for line in body]
  if pool is not None:
    em.lines += ["  finally:", "    if _held:", "      _lock.release()"]
  return "\n".join(em.header + em.lines + em.trailer) + "\n", em.namespace


def _assign(em, eqn, expr):
  outs = [em.name(v) for v in eqn.outvars]
  if eqn.primitive.multiple_results:
    target = ", ".join(outs) + ("," if len(outs) == 1 else "")
    return f"{target} = {expr}" if outs else expr
  return f"{outs[0]} = {expr}"


class _Planner:
  """Fusion regions and buffer slots for one program, then its body lines."""

  def __init__(self, em, jaxpr, exprs, consts, donated=frozenset()):
    self.em = em
    self.jaxpr = jaxpr
    self.exprs = exprs
    self.const_values = dict(zip(jaxpr.constvars, consts or ()))
    eqns = jaxpr.eqns
    self.forms = [None if eqn.primitive.multiple_results or len(eqn.outvars) != 1 else
                  buffers.out_form(eqn, expr, ins, self.const_values)
                  for eqn, (expr, ins) in zip(eqns, exprs)]
    self.native_mode = native.mode()
    self.steps = fusion.find_regions(eqns, self.forms, passes.is_effectful, native_ok=(
        None if self.native_mode == "off" else native.supports))
    self.slots = buffers.Slots()
    self.definer = {v: i for i, eqn in enumerate(eqns) for v in eqn.outvars}
    self.donated_into = buffers.donation_targets(jaxpr, self.steps, self.forms, exprs, donated)
    self.native_regions: list = []

  def _nodes(self):
    eqns = self.jaxpr.eqns
    member_of = {i: step for step in self.steps if type(step) is not int for i in step.members}
    read_outside = {v for v in self.jaxpr.outvars if type(v) is Var}
    for i, eqn in enumerate(eqns):
      region = member_of.get(i)
      for a in eqn.invars:
        if type(a) is Var and (region is None or member_of.get(self.definer.get(a)) is not region):
          read_outside.add(a)
    nodes = []
    for step in self.steps:
      if type(step) is int:
        eqn, form = eqns[step], self.forms[step]
        fresh = form is not None or (not eqn.primitive.multiple_results and
                                     buffers.is_fresh(self.exprs[step][0]))
        nodes.append(buffers.Node(eqn.invars, eqn.outvars, [form] * len(eqn.outvars), fresh,
                                  buffers.may_retain(eqn)))
      elif step.whole:  # its members get the buffers they would get unfused...
        fusion.region_io(step, eqns, read_outside)
        nodes += [buffers.Node(eqns[i].invars, eqns[i].outvars, [self.forms[i]], True)
                  for i in step.members]
        # ...except that the region's operands live to its end: the kernel's outputs never
        # share memory with its operands (LLVM would not vectorize the loop).
        nodes.append(buffers.Node(step.invars, [], [], True))
      else:
        fusion.region_io(step, eqns, read_outside)
        whole = buffers.OutForm(None)
        nodes.append(buffers.Node(step.invars, step.outvars, [whole] * len(step.outvars), True))
    return nodes

  def _per_step(self, slot_of):
    """``slot_of`` (one entry per node) as one entry per step: a whole region's is the list
    of its members' entries (its last node has no outputs)."""
    it = iter(slot_of)
    out = []
    for step in self.steps:
      if type(step) is not int and step.whole:
        out.append([next(it) for _ in step.members])
        next(it)
      else:
        out.append(next(it))
    return out

  def emit(self):
    nodes = self._nodes()
    slot_of = self._per_step(buffers.plan_buffers(nodes, self.jaxpr.outvars, self.slots))
    body = []
    for step, slots in zip(self.steps, slot_of):
      if type(step) is int:
        eqn = self.jaxpr.eqns[step]
        expr = self.exprs[step][0]
        if slots and slots[0] is not None:
          expr = self.forms[step].text(f"_b{slots[0]}")
        elif step in self.donated_into:  # write over a donated input that dies here
          expr = self.forms[step].text(self.em.name(self.donated_into[step]))
        body.append(_assign(self.em, eqn, expr))
      elif step.whole:
        body += self._emit_whole(step, slots)
      else:
        body += self._emit_region(step, slots)
    pool = None
    if self.slots.specs:
      pool = buffers.BufferPool(self.slots.specs, self.slots.pooled())
      self.em.namespace.update(buffers.HELPERS, _pool=pool, _lock=pool.lock)
    else:
      self.em.namespace.update(buffers.HELPERS)
    if self.native_regions:
      self.em.namespace["_native_regions"] = self.native_regions
    return body, pool

  def _emit_region(self, region, out_slots):
    em, eqns = self.em, self.jaxpr.eqns
    chunks = em.const(region.chunks(), "chunks")
    lines = [f"# fused: {len(region.members)} equations on "
             f"{'x'.join(map(str, region.shape))}, {region.n_chunks} chunks of "
             f"{'x'.join(map(str, region.chunk_shape()))}"]
    for v, slot in zip(region.outvars, out_slots):
      lines.append(f"{em.name(v)} = " + (f"_b{slot}" if slot is not None else
                                         f"np.empty({v.aval.shape!r}, {em.param(v.aval.dtype)})"))
    guard = self._native_guard(region)
    if guard is not None:  # no chunks left to do when the kernel ran
      lines[0] += f" (tier 2: {guard[0]})"
      chunks = f"(() if {guard[1]} else {chunks})"
    pattern_names = [f"_c{k}" for k in range(len(region.patterns))]
    lines.append(f"for {', '.join(['_c', '_t'] + pattern_names)} in {chunks}:")
    after = [] if guard is None else [f"{guard[0]}.tier1_done()"]
    index_of = dict(zip(region.patterns, pattern_names))
    index_of[region.shape] = "_c"
    chunk_shape = region.chunk_shape()
    members = [buffers.Node(eqns[i].invars, eqns[i].outvars, [self.forms[i]], True)
               for i in region.members]
    scratch = buffers.plan_buffers(members, region.outvars, self.slots, min_bytes=0,
                                   key=lambda v: (chunk_shape, v.aval.dtype))
    outs = set(region.outvars)
    local = set()
    for i, (slot,) in zip(region.members, scratch):
      eqn = eqns[i]
      ins = []
      for a in eqn.invars:
        if type(a) is Literal:
          ins.append(em.atom(a))
        elif a in local:
          ins.append(em.name(a) + ("_k" if a in outs else ""))
        else:
          ins.append(em.name(a) + (f"[{index_of[a.aval.shape]}]" if a.aval.shape else ""))
      v = eqn.outvars[0]
      form = buffers.out_form(eqn, _expression(em, eqn, ins), ins, self.const_values)
      if v in outs:
        lines.append(f"  {em.name(v)}_k = {form.text(em.name(v) + '[_c]')}")
      else:
        lines.append(f"  {em.name(v)} = {form.text(f'_b{slot}[_t]')}")
      local.add(v)
    return lines + after

  def _emit_whole(self, region, member_slots):
    """A region on arrays too small for chunks (tier 2 only): the kernel, else the members'
    unfused tier-1 statements. Outputs get their buffers before the kernel call."""
    em, eqns = self.em, self.jaxpr.eqns
    lines = [f"# tier 2 region: {len(region.members)} equations on "
             f"{'x'.join(map(str, region.shape))}"]
    guard = self._native_guard(region)
    outs = set(region.outvars) if guard is not None else set()
    stmts = []
    for i, (slot,) in zip(region.members, member_slots):
      v, expr = eqns[i].outvars[0], self.exprs[i][0]
      if v in outs:
        lines.append(f"{em.name(v)} = " + (f"_b{slot}" if slot is not None else
                                           f"np.empty({v.aval.shape!r}, {em.param(v.aval.dtype)})"))
        expr = self.forms[i].text(em.name(v))
      elif slot is not None:
        expr = self.forms[i].text(f"_b{slot}")
      stmts.append(_assign(em, eqns[i], expr))
    if guard is None:
      return lines + stmts
    lines[0] += f" ({guard[0]}; until it is ready, tier 1 unfused)"
    return lines + [f"if not {guard[1]}:"] + ["  " + line for line in stmts] + \
        [f"  {guard[0]}.tier1_done()"]

  def _windows(self, region):
    """``{operand: (name of the array it is a unit-stride slice of, start indices)}`` for
    the region's operands made by ``slice`` (see native.kernel_source)."""
    out = {}
    for v in region.invars:
      i = self.definer.get(v)
      eqn = self.jaxpr.eqns[i] if i is not None else None
      if eqn is None or eqn.primitive.name != "slice" or type(eqn.invars[0]) is not Var or \
          v.aval.shape != region.shape or any(s not in (None, 1) for s in
                                              eqn.params["strides"] or ()):
        continue
      out[v] = (self.em.name(eqn.invars[0]), tuple(eqn.params["start_indices"]))
    return out

  def _native_guard(self, region):
    """``(name, "name(...)")``: the call that runs the region's tier-2 kernel (native.py)
    and says whether it did, else None. The kernel's source goes after the function, as
    comments, so ``as_text()`` shows it."""
    if self.native_mode == "off":
      return None
    em = self.em
    args, kinds, compact = [], [], {}
    windows = self._windows(region)
    for v in region.invars:
      if v in windows:  # the sliced array, once
        if windows[v][0] not in args:
          args.append(windows[v][0])
          kinds.append("")
        continue
      c = self.const_values.get(v)
      if c is not None and c.ndim and 0 in c.strides:  # a broadcast constant: its source
        c = np.ascontiguousarray(c[tuple(slice(0, 1) if st == 0 else slice(None)
                                         for st in c.strides)])
        compact[v] = c.shape
        args.append(em.const(c, "nc"))
      else:
        args.append(em.name(v))
      kinds.append("" if compact.get(v, v.aval.shape) == region.shape else
                   "s" if not v.aval.shape else "b")
    source = native.kernel_source(region, self.jaxpr.eqns, em.name, compact, windows)
    if source is None:
      return None
    threshold = config.jaxlite_native_threshold
    kinds = tuple(kinds) + ("",) * len(region.outvars)
    nat = native.NativeRegion(source, kinds, self.native_mode == "force", threshold)
    name = f"_native{len(self.native_regions)}"
    self.native_regions.append(nat)
    em.namespace[name] = nat
    when = "at the first call" if nat.force else "in the background after " + (
        f"{threshold} calls" if threshold is not None else
        f"{nat.PAYBACK_SECONDS:g} s in its tier-1 code")
    em.trailer += ["", f"# {name}: numba kernel (tier 2), compiled {when}"]
    em.trailer += [f"#   {line}" if line else "#" for line in source.splitlines()]
    args += [em.name(v) for v in region.outvars]
    return name, f"{name}({', '.join(args)})"


def compile_source(source: str, namespace: dict, fn_name="fn"):
  code = compile(source, f"<jaxlite-jit {fn_name}>", "exec")
  exec(code, namespace)
  return namespace[fn_name]
