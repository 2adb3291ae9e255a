"""Liveness analysis and buffer reuse for generated code.

An equation whose expression can write into a given array (a ufunc, ``np.matmul``,
``np.sum``..., see ``out_form``) gets a *slot*: a preallocated buffer it fills with
``out=``. Slots are handed out like registers: a slot whose value is dead (no live variable
can still see it, views included) is reused by the next result of its shape and dtype, and an
elementwise operation may write over an operand that dies there (``np.exp(t, out=t)``).

The slots of one executable live in a ``BufferPool`` kept across calls, so a steady-state
call allocates nothing for its intermediates (fresh large allocations are slow: the VM hands
freed pages back to the host). Safety rules:

- A value that may reach an output, or be seen by code that could keep it (callbacks,
  sub-programs), never lives in a slot: results handed to the caller never alias the pool.
- Inputs and constants are never written, except inputs the caller donated
  (``donation_targets``).
- A call that finds the pool busy (another thread, a re-entrant call) gets fresh buffers."""
from __future__ import annotations

import math
import re
import threading

import numpy as np

from jaxlite._src.jaxpr import Literal, Var

# Results smaller than this are left to NumPy's allocator (cheap, no page faults); pools
# keep at most POOL_MAX_BYTES, slots beyond that are allocated per call.
POOL_MIN_BYTES = 16 << 10
POOL_MAX_BYTES = 512 << 20

# np.<fn>(...) calls (not ufuncs) that take out= and return it, computing the same values.
_OUT_FUNCS = frozenset({"sum", "prod", "matmul", "add.reduce", "multiply.reduce"})
# np.<fn>(...) calls that return a new array that shares memory with no operand.
_FRESH_FUNCS = frozenset({"array", "concatenate", "where", "choose", "stack", "matmul", "sum",
                          "add.reduce", "multiply.reduce",
                          "prod", "cumsum", "cumprod", "sort", "argsort", "argmax", "argmin"})
_UINT_OF_SIZE = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}
# Scatter impls take ``out=`` (a copy of the operand is written there, or nothing if the
# operand is ``out``): .at[].set/add/... write in place when their operand dies.
_SCATTERS = frozenset({"scatter", "scatter-add", "scatter-sub", "scatter-mul", "scatter-min",
                       "scatter-max"})


# ---------------------------------------------------------------------------
# Writing a result into a buffer

_BRACKETS = re.compile(r"[()\[\]'\"]")


def _np_call(expr: str, prefix="np."):
  """``(fn_name, has_keywords)`` when ``expr`` is exactly one ``np.fn(...)`` call (or with
  another ``prefix``, of a function by that name), else None."""
  if not expr.startswith(prefix) or not expr.endswith(")"):
    return None
  open_at = expr.find("(")
  name = expr[len(prefix):open_at]
  if not name.removesuffix(".reduce").isidentifier():  # np.fn(...) or np.ufunc.reduce(...)
    return None
  depth = 0
  for m in _BRACKETS.finditer(expr, open_at):
    c = m.group()
    if c in "([":
      depth += 1
    elif c in ")]":
      depth -= 1
      if depth == 0 and m.start() != len(expr) - 1:
        return None  # np.f(x)[0], np.f(x) + y: not one call
    else:
      return None  # strings could hide brackets; such calls are rare, skip them
  return name, "=" in expr


def select_into(which, on_true, on_false, out):
  """``where(which, on_true, on_false)`` into ``out`` as unsigned arithmetic,
  ``f + (t - f) * which``: exact for every bit pattern (NaN payloads, -0.0), branch-free, and
  with no temporary. ``out`` may be ``on_true`` but not ``on_false``."""
  u = _UINT_OF_SIZE[out.dtype.itemsize]
  o = out.view(u)
  f = on_false.view(u)
  np.subtract(on_true.view(u), f, out=o)
  np.multiply(o, which, out=o)
  np.add(o, f, out=o)
  return out


def select_zero_into(which, value, out, value_if_true):
  """``where(which, value, 0)`` (or ``where(which, 0, value)``) into ``out``, 0 being +0.0:
  a mask multiply on the bits."""
  u = _UINT_OF_SIZE[out.dtype.itemsize]
  o, v = out.view(u), value.view(u)
  np.multiply(v, which, out=o)
  if not value_if_true:
    np.subtract(v, o, out=o)
  return out


def convert_into(x, out):
  """``x.astype(out.dtype)`` into ``out`` (the same cast loop)."""
  np.copyto(out, x, casting="unsafe")
  return out


def integer_pow_into(x, y, out):
  """The impl's square-and-multiply sequence for ``x ** y`` into ``out`` (same operations
  in the same order, so the same rounding). ``y``: see ``_integer_pow_one_buffer``."""
  n, acc, base = abs(y), None, x
  while n:
    if n & 1:
      acc = base if acc is None else np.multiply(acc, base, out=out)
    n >>= 1
    if n:
      base = np.multiply(base, base, out=out)
  # For these exponents the last step always lands in out (acc is out here).
  return np.reciprocal(out, out=out) if y < 0 else out


def dynamic_update_slice_into(x, update, *starts, out):
  """The impl's ``x.copy()`` with ``update`` written at the clamped window, into ``out``;
  with ``out is x`` (``x`` dies here and is the program's own buffer) there is no copy."""
  from jaxlite._src.lax.slicing import _clamped_window
  if out is not x:
    np.copyto(out, x)
  out[_clamped_window(starts, x.shape, update.shape)] = update
  return out


def _integer_pow_one_buffer(y) -> bool:
  """Exponents whose squaring chain never needs two intermediates at once: 2**k, 2**k + 1."""
  n = abs(y)
  return n >= 2 and ((n & (n - 1)) == 0 or ((n - 1) & (n - 2)) == 0)


HELPERS = {"select_into": select_into, "select_zero_into": select_zero_into,
           "convert_into": convert_into, "integer_pow_into": integer_pow_into,
           "dynamic_update_slice_into": dynamic_update_slice_into}


class OutForm:
  """How an equation writes its result into a buffer: ``text(buf)`` is the expression (it
  evaluates to the buffer), ``inplace`` the operand positions the buffer may alias;
  ``elementwise``: each output element depends only on the same element of the operands."""
  __slots__ = ("text", "inplace", "elementwise")

  def __init__(self, text, inplace=(), elementwise=True):
    self.text = text
    self.inplace = inplace
    self.elementwise = elementwise


def _is_zero_const(atom, const_values) -> bool:
  """A constant whose every bit is 0 (+0.0, not -0.0)."""
  c = const_values.get(atom) if type(atom) is Var else None
  if c is None or c.dtype.itemsize not in _UINT_OF_SIZE or not c.size:
    return False
  # A broadcast constant repeats its data along zero strides: look at one copy only.
  c = c[tuple(0 if st == 0 else slice(None) for st in c.strides)]
  if c.nbytes > (64 << 20):
    return False
  bits = c.view(_UINT_OF_SIZE[c.dtype.itemsize])
  return not bits.flat[0] and not bits.any()


def out_form(eqn, expr, ins, const_values):
  """The ``OutForm`` of an equation whose generated expression is ``expr``, or None."""
  out = eqn.outvars[0].aval
  name = eqn.primitive.name
  if name == "select_n":
    which, *cases = eqn.invars
    if len(cases) != 2 or which.aval.dtype != np.bool_ or which.aval.shape != out.shape or \
        out.dtype.itemsize not in _UINT_OF_SIZE or any(c.aval.shape != out.shape for c in cases):
      return None
    w, f, t = ins
    if _is_zero_const(cases[0], const_values):
      return OutForm(lambda b: f"select_zero_into({w}, {t}, {b}, True)")
    if _is_zero_const(cases[1], const_values):
      return OutForm(lambda b: f"select_zero_into({w}, {f}, {b}, False)")
    return OutForm(lambda b: f"select_into({w}, {t}, {f}, {b})", inplace=(2,))
  if name == "convert_element_type":
    # Only where the rule wrote a plain cast (no saturation or NaN handling).
    if not expr.startswith(f"{ins[0]}.astype(") or eqn.invars[0].aval.shape != out.shape:
      return None
    return OutForm(lambda b: f"convert_into({ins[0]}, {b})")
  if name in _SCATTERS and expr.endswith(")") and "out=" not in expr:  # the impl's call
    return OutForm(lambda b: f"{expr[:-1]}, out={b})", inplace=(0,), elementwise=False)
  if name == "dynamic_update_slice":
    return OutForm(lambda b: f"dynamic_update_slice_into({', '.join(ins)}, out={b})",
                   inplace=(0,), elementwise=False)
  if name == "integer_pow":
    y = eqn.params["y"]
    if not _integer_pow_one_buffer(y) or eqn.invars[0].aval.dtype != out.dtype:
      return None
    return OutForm(lambda b: f"integer_pow_into({ins[0]}, {y}, {b})")
  if name == "dot_general" and _np_call(expr, "") == ("matmul_reshaped", False):
    return OutForm(lambda b: f"{expr[:-1]}, out={b})", elementwise=False)
  call = _np_call(expr)
  if call is None:
    return None
  fn_name, has_keywords = call
  fn = getattr(np, fn_name, None)
  if isinstance(fn, np.ufunc) and fn.nout == 1 and fn_name != "matmul":
    if has_keywords or fn.nin != len(ins):
      return None
    try:
      dts = fn.resolve_dtypes(tuple(a.aval.dtype for a in eqn.invars) + (None,))
    except (TypeError, ValueError, AttributeError):
      return None
    if dts[-1] != out.dtype:
      return None
    inplace = tuple(i for i, a in enumerate(eqn.invars) if type(a) is not Literal and
                    a.aval.shape == out.shape and a.aval.dtype == out.dtype)
    return OutForm(lambda b: f"{expr[:-1]}, out={b})", inplace)
  if fn_name in _OUT_FUNCS:
    return OutForm(lambda b: f"{expr[:-1]}, out={b})", elementwise=False)
  return None


def is_fresh(expr: str) -> bool:
  """The expression certainly returns an array sharing memory with no operand."""
  call = _np_call(expr)
  if call is not None:
    fn = getattr(np, call[0], None)
    return isinstance(fn, np.ufunc) or call[0] in _FRESH_FUNCS
  return expr.startswith(("select_bits(", "matmul_reshaped(")) or (
      ".astype(" in expr and expr.endswith(")"))


# ---------------------------------------------------------------------------
# Planning

def may_retain(eqn) -> bool:
  """Code that could keep a reference to its operands past the call (user callbacks) or
  run arbitrary programs on them (sub-jaxprs): its operands must not live in slots."""
  if getattr(eqn.primitive, "effectful", False) or "callback" in eqn.primitive.name:
    return True
  if eqn.primitive.name in _SCATTERS:  # the combiner only ever sees gathered copies
    return False
  return any(hasattr(getattr(p, "jaxpr", p), "eqns") or
             (type(p) is tuple and any(hasattr(getattr(q, "jaxpr", q), "eqns") for q in p))
             for p in eqn.params.values())


class Node:
  """What the planner needs of one step of the program (an equation or a fused region):
  ``forms[k]`` says whether output k can be written into a given buffer (an OutForm or
  None); ``fresh``: no output shares memory with an operand; ``retains``: operands may be
  kept beyond the call."""
  __slots__ = ("invars", "outvars", "forms", "fresh", "retains")

  def __init__(self, invars, outvars, forms, fresh, retains=False):
    self.invars = invars
    self.outvars = outvars
    self.forms = forms
    self.fresh = fresh
    self.retains = retains


class Slots:
  """The buffers of one executable: ``specs[k]`` is slot k's ``(shape, dtype)``."""

  def __init__(self):
    self.specs: list = []

  def new(self, key):
    self.specs.append(key)
    return len(self.specs) - 1

  def pooled(self):
    """Which slots the pool keeps across calls (the first ones, up to POOL_MAX_BYTES)."""
    flags, kept, max_bytes = [], 0, POOL_MAX_BYTES
    for shape, dtype in self.specs:
      nbytes = math.prod(shape) * dtype.itemsize
      flags.append(kept + nbytes <= max_bytes)
      kept += nbytes if flags[-1] else 0
    return flags


def _key(v):
  return v.aval.shape, v.aval.dtype


def plan_buffers(nodes, live_out, slots, min_bytes=None, key=_key):
  """Give node outputs slots of ``slots``; returns ``slot_of[i][k]`` (slot or None) for
  output k of node i. ``live_out``: values that outlive the program (never in a slot).
  ``key(var)`` is the ``(shape, dtype)`` of the buffer a value needs; values smaller than
  ``min_bytes`` (default POOL_MIN_BYTES) are left to NumPy's allocator."""
  n = len(nodes)
  min_bytes = POOL_MIN_BYTES if min_bytes is None else min_bytes
  # 1. Values that may be seen after the call: outputs, and anything a node that is not
  #    fresh (a view, an unknown impl) turns into one of those.
  escaping = {v for v in live_out if type(v) is Var}
  for i in range(n - 1, -1, -1):
    node = nodes[i]
    if node.retains or (not node.fresh and any(v in escaping for v in node.outvars)):
      escaping.update(a for a in node.invars if type(a) is Var)
  # 2. Storages: one per output written into a slot. A value's storages are those it may
  #    share memory with; a storage is live until the last use of any such value.
  storage = [[None] * len(node.outvars) for node in nodes]
  root: dict = {}  # storage -> the value that is the buffer itself
  alias: dict = {}
  last_use: dict = {}
  for i, node in enumerate(nodes):
    for k, (v, form) in enumerate(zip(node.outvars, node.forms)):
      if form is not None and v not in escaping and type(v) is Var:
        shape, dtype = key(v)
        if math.prod(shape) * dtype.itemsize >= min_bytes:
          storage[i][k] = s = (i, k)
          alias[v] = (s,)
          root[s] = v
    if not node.fresh:
      shared = tuple({s for a in node.invars if type(a) is Var for s in alias.get(a, ())})
      if shared:
        for v in node.outvars:
          alias.setdefault(v, shared)
    for a in node.invars:
      if type(a) is Var:
        for s in alias.get(a, ()):
          last_use[s] = i
  # 3. Register allocation of storages to slots, in program order.
  dying_at: dict = {}
  for s, i in last_use.items():
    dying_at.setdefault(i, []).append(s)
  slot_of = [[None] * len(node.outvars) for node in nodes]
  slot_of_storage: dict = {}
  free: dict = {}
  for i, node in enumerate(nodes):
    taken, unread = set(), []
    for k, s in enumerate(storage[i]):
      if s is None:
        continue
      v = node.outvars[k]
      slot = None
      for pos in node.forms[k].inplace:  # write over an operand that dies here
        src = alias.get(node.invars[pos])
        if src is not None and len(src) == 1 and root.get(src[0]) is node.invars[pos] and \
            last_use.get(src[0]) == i and key(node.invars[pos]) == key(v) and \
            slot_of_storage[src[0]] not in taken:
          slot = slot_of_storage[src[0]]
          break
      if slot is None:
        spare = free.get(key(v))
        slot = spare.pop() if spare else slots.new(key(v))
      taken.add(slot)
      slot_of_storage[s] = slot_of[i][k] = slot
      if s not in last_use:
        unread.append(slot)
    for slot in unread:  # never read: free once the node is done
      free.setdefault(slots.specs[slot], []).append(slot)
    for d in dying_at.get(i, ()):
      slot = slot_of_storage[d]
      if slot not in taken:  # else an output of this node took it over
        free.setdefault(slots.specs[slot], []).append(slot)
  return slot_of


class BufferPool:
  """The slot buffers of one executable, reused from call to call. Generated code does
  ``held = pool.lock.acquire(False)``, takes ``pool.buffers(held)`` and releases the lock
  if it held it: a call that finds the pool busy (another thread, a re-entrant call) works
  in fresh buffers of its own."""

  def __init__(self, specs, pooled):
    self.specs = specs
    self.pooled = pooled
    self.kept = None
    self.lock = threading.Lock()
    self.all_pooled = all(pooled)

  def buffers(self, held):
    if not held:
      return [np.empty(shape, dtype) for shape, dtype in self.specs]
    if self.kept is None:
      self.kept = [np.empty(shape, dtype) if keep else None
                   for (shape, dtype), keep in zip(self.specs, self.pooled)]
    if self.all_pooled:
      return self.kept
    return [b if b is not None else np.empty(shape, dtype)
            for b, (shape, dtype) in zip(self.kept, self.specs)]


# ---------------------------------------------------------------------------
# Donated inputs

def donation_targets(jaxpr, steps, forms, exprs, donated):
  """``{equation index: input var}``: equations that compute an output and may write it over
  a donated input (jit's donate_argnums) instead of a fresh array. The input must die there:
  no later step reads it or a view of it, and no output is it or a view of it. Equations
  inside fused regions are left alone (their loop writes chunk by chunk)."""
  eqns = jaxpr.eqns
  position = {}
  for p, step in enumerate(steps):
    for i in ([step] if type(step) is int else step.members):
      position[i] = (p, type(step) is int)
  # Each donated input and the values that may share its memory (views of it).
  family = {jaxpr.invars[k]: {jaxpr.invars[k]} for k in donated}
  for i, eqn in enumerate(eqns):
    fresh = forms[i] is not None or (not eqn.primitive.multiple_results and
                                     is_fresh(exprs[i][0]))
    if fresh:
      continue
    for members in family.values():
      if any(type(a) is Var and a in members for a in eqn.invars):
        members.update(eqn.outvars)
  outputs = [v for v in jaxpr.outvars if type(v) is Var]
  targets: dict = {}
  for var, members in family.items():
    if any(v in members for v in outputs):
      continue
    users = [i for i, eqn in enumerate(eqns) if any(type(a) is Var and a in members
                                                      for a in eqn.invars)]
    if not users:
      continue
    last = max(users, key=lambda i: position[i][0])
    p, alone = position[last]
    out = eqns[last].outvars
    if (not alone or forms[last] is None or last in targets or
        sum(position[i][0] == p for i in users) != 1 or outputs.count(out[0]) != 1):
      continue
    if any(eqns[last].invars[k] is var for k in forms[last].inplace) and \
        (var.aval.shape, var.aval.dtype) == (out[0].aval.shape, out[0].aval.dtype):
      targets[last] = var
  return targets
