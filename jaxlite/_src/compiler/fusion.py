"""Fusion of elementwise chains into chunked loops.

NumPy runs one operation over a whole array before the next starts: a chain of k operations
on an array bigger than the caches streams it through memory k times. A *region* runs the
chain chunk by chunk instead (CHUNK_ELEMS elements at a time), so every operation after the
first reads data still in cache, and the region's intermediates need only chunk-sized
buffers. Each operation is the same ufunc call as unfused, on a slice: results are bit for
bit the same.

A region is a set of equations with an elementwise ``OutForm`` and the same output shape,
plus sums over axes inside a chunk; its operands are arrays of that shape or broadcast to
it (sliced per chunk) or scalars. Equations in between that do not depend on the region
are hoisted before it; the first one that does ends it.

With tier 2 on (native.py), arrays of NATIVE_MIN_ELEMS up to FUSE_MIN_ELEMS elements form
regions too, of equations a kernel can compute: ``whole`` regions, whose equations run
unfused (tier 1's own code) until the kernel is ready."""
from __future__ import annotations

import itertools
import math

from jaxlite._src.jaxpr import Literal, Var

FUSE_MIN_ELEMS = 1 << 18   # smaller arrays stay in cache anyway: no loop
NATIVE_MIN_ELEMS = 1 << 14  # smallest regions for tier 2 (a kernel call costs a few us)
CHUNK_ELEMS = 1 << 16      # elements per chunk (256 KiB of float32 per buffer; L2 is 1 MiB)


class Region:
  """Equations ``members`` (indices, in program order) run as one loop over chunks of
  ``shape``: a chunk is ``rows`` indices of axis ``axis`` and one index of every axis before
  it (kept as a length-1 slice, so chunks have the rank of ``shape`` and expressions need no
  change). ``invars``: values read from outside; ``outvars``: values used after the loop;
  ``patterns``: the shapes of operands broadcast along some axis (size 1 there). A ``whole``
  region exists for tier 2 only: without its kernel, its equations run unfused."""

  def __init__(self, shape, members, patterns=(), whole=False):
    self.shape = shape
    self.members = members
    self.patterns = list(patterns)
    self.whole = whole
    self.axis = next(k for k in range(len(shape)) if math.prod(shape[k + 1:]) <= CHUNK_ELEMS)
    self.rows = min(shape[self.axis], max(1, CHUNK_ELEMS // math.prod(shape[self.axis + 1:])))
    self.invars: list = []
    self.outvars: list = []

  @property
  def n_chunks(self):
    return math.prod(self.shape[:self.axis]) * -(-self.shape[self.axis] // self.rows)

  def chunk_shape(self):
    return (1,) * self.axis + (self.rows,) + tuple(self.shape[self.axis + 1:])

  def chunks(self):
    """Per chunk: its index in arrays of ``shape``, the index of its part of a chunk buffer,
    then its index in an operand of each broadcast pattern."""
    n, rows = self.shape[self.axis], self.rows
    out = []
    for lead in itertools.product(*(range(d) for d in self.shape[:self.axis])):
      for r in range(0, n, rows):
        m = min(rows, n - r)
        index = tuple(slice(i, i + 1) for i in lead) + (slice(r, r + m),)
        part = ... if m == rows else (slice(None),) * self.axis + (slice(0, m),)
        out.append((index, part) + tuple(
            tuple(slice(None) if p[k] == 1 else sl for k, sl in enumerate(index))
            for p in self.patterns))
    return out


def _operand_ok(a, shape) -> bool:
  """Literals, scalars, and arrays of ``shape`` or broadcast to it along size-1 axes."""
  if type(a) is Literal or not a.aval.shape or a.aval.shape == shape:
    return True
  s = a.aval.shape
  return len(s) == len(shape) and all(d in (1, n) for d, n in zip(s, shape))


def _candidate(eqn, form, min_elems, native_ok):
  """``(shape, reduced_axes)`` of the region ``eqn`` could join, or None: elementwise
  equations (reduced_axes None) and sums (the sum of each chunk is the sum of its rows).
  Below ``min_elems``, elementwise equations that ``native_ok`` accepts (tier 2 only)."""
  if form is None or len(eqn.outvars) != 1:
    return None
  if form.elementwise:
    shape = eqn.outvars[0].aval.shape
    axes = None
  elif eqn.primitive.name == "reduce_sum":
    shape, axes = eqn.invars[0].aval.shape, tuple(eqn.params["axes"])
    if not axes:
      return None
  else:
    return None
  size = math.prod(shape)
  if size < min_elems and not (native_ok and axes is None and size >= NATIVE_MIN_ELEMS and
                               native_ok(eqn)):
    return None
  if all(d == 1 for d in shape):
    return None
  if not all(_operand_ok(a, shape) for a in eqn.invars):
    return None
  return shape, axes


def find_regions(eqns, forms, effectful, min_elems=None, native_ok=None):
  """The program as a list of steps: an equation index or a ``Region``, in an order that
  respects every dependency and keeps effectful equations in their order. Only outputs of at
  least ``min_elems`` (default FUSE_MIN_ELEMS) elements are fused, and from NATIVE_MIN_ELEMS
  up, equations ``native_ok(eqn)`` accepts (tier 2 is on): those regions are ``whole``."""
  min_elems = FUSE_MIN_ELEMS if min_elems is None else min_elems
  steps: list = []
  region = None          # (shape, members, values defined by members, chunk axis)
  hoisted: list = []

  def close():
    nonlocal region
    if region is None:
      return
    shape, members, _, _ = region
    whole = math.prod(shape) < min_elems
    if len(members) >= 2 and (whole or Region(shape, members).n_chunks >= 2):
      steps.extend(hoisted)
      patterns = {a.aval.shape for i in members for a in eqns[i].invars
                  if type(a) is not Literal and a.aval.shape not in ((), shape)}
      steps.append(Region(shape, members, sorted(patterns), whole))
    else:  # not worth a loop: back to program order
      steps.extend(sorted(hoisted + members))
    hoisted.clear()
    region = None

  for i, eqn in enumerate(eqns):
    has_effect = effectful(eqn)
    cand = None if has_effect else _candidate(eqn, forms[i], min_elems, native_ok)
    if region is not None:
      if cand is not None and cand[0] == region[0] and (
          cand[1] is None or (eqn.invars[0] in region[2] and min(cand[1]) > region[3])):
        region[1].append(i)
        region[2].update(eqn.outvars)
        continue
      depends = any(type(a) is Var and a in region[2] for a in eqn.invars)
      if not depends and not has_effect and cand is None:
        hoisted.append(i)
        continue
      close()
    if cand is not None and cand[1] is None:
      region = (cand[0], [i], set(eqn.outvars), Region(cand[0], []).axis)
    else:
      steps.append(i)
  close()
  return steps


def region_io(region, eqns, read_outside):
  """Fill ``region.invars`` (values read from outside) and ``region.outvars`` (values that
  ``read_outside`` says are read by equations outside the region, or returned)."""
  defined = set()
  seen = set()
  for i in region.members:
    for a in eqns[i].invars:
      if type(a) is Var and a not in defined and a not in seen:
        seen.add(a)
        region.invars.append(a)
    defined.update(eqns[i].outvars)
  region.outvars = [v for i in region.members for v in eqns[i].outvars if v in read_outside]
