"""vmap: a trace whose tracers carry a value and the position of its batch dimension."""
from __future__ import annotations

import numpy as np

from jaxlite._src import core
from jaxlite._src.core import Trace, Tracer, get_aval

not_mapped = None
primitive_batchers: dict = {}
# Collectives over named axes: rule(trace_axis_size, trace_axis_name, vals, dims, **params)
# -> (outs, out_dims). Called even when no operand is batched (a psum over this trace's
# axis of an unbatched value still sums its members); rules pass other axes' names on.
collective_batchers: dict = {}


class BatchTracer(Tracer):
  __slots__ = ("val", "batch_dim")

  def __repr__(self):
    return (f"VmapTracer(aval={self.aval.str_short(False)}, "
            f"batched={get_aval(self.val).str_short(False)})")

  def __init__(self, trace, val, batch_dim: int | None):
    self._trace = trace
    self.val = val
    self.batch_dim = batch_dim

  @property
  def aval(self):
    aval = get_aval(self.val)
    if self.batch_dim is None:
      return aval
    shape = aval.shape[:self.batch_dim] + aval.shape[self.batch_dim + 1:]
    return aval.update(shape=shape)

  def to_concrete_value(self):
    return None


class BatchTrace(Trace):
  def __init__(self, parent: Trace, axis_size: int, axis_name=None, spmd_axis_name=None):
    self.parent = parent
    self.axis_size = axis_size
    self.axis_name = axis_name
    self.spmd_axis_name = spmd_axis_name

  def to_batch_info(self, x):
    if type(x) is BatchTracer and x._trace is self:
      return x.val, x.batch_dim
    if isinstance(x, Tracer) and x._trace._invalid:
      from jaxlite._src import errors
      raise errors.UnexpectedTracerError(errors.escaped_tracer_message(x))
    return x, not_mapped

  def process_primitive(self, primitive, args, params):
    vals, dims = [], []
    for x in args:
      v, d = self.to_batch_info(x)
      vals.append(v)
      dims.append(d)
    collective = collective_batchers.get(primitive)
    if collective is not None:
      with core.set_current_trace(self.parent):
        out, out_dim = collective(self.axis_size, self.axis_name, vals, dims, **params)
      if primitive.multiple_results:
        return [self.wrap(o, d) for o, d in zip(out, out_dim)]
      return self.wrap(out, out_dim)
    if all(d is not_mapped for d in dims):
      return primitive.bind_with_trace(self.parent, vals, params)
    rule = primitive_batchers.get(primitive)
    if rule is None:
      raise NotImplementedError(f"Batching rule for '{primitive.name}' not implemented in jaxlite.")
    with core.set_current_trace(self.parent):
      out, out_dim = rule(vals, dims, axis_size=self.axis_size, axis_name=self.axis_name,
                          **params) if getattr(rule, "wants_axis", False) else rule(vals, dims, **params)
    if primitive.multiple_results:
      return [self.wrap(o, d) for o, d in zip(out, out_dim)]
    return self.wrap(out, out_dim)

  def wrap(self, val, dim):
    if dim is not_mapped:
      return val
    return BatchTracer(self, val, dim)


# ---------------------------------------------------------------------------
# Moving batch dimensions around

def moveaxis(x, src: int, dst: int):
  from jaxlite._src.lax import lax
  if src == dst:
    return x
  nd = np.ndim(x) if not isinstance(x, Tracer) else x.ndim
  perm = [i for i in range(nd) if i != src]
  perm.insert(dst, src)
  return lax.transpose(x, tuple(perm))


def bdim_at_front(x, dim, size):
  """``x`` with its batch dimension first; unbatched values are broadcast to ``size``."""
  from jaxlite._src.lax import lax
  if dim is not_mapped:
    return lax.broadcast(x, (size,))
  return moveaxis(x, dim, 0)


def matchaxis(size, src, dst, x):
  """Move (or create, by broadcasting) the batch dimension of ``x`` from ``src`` to ``dst``."""
  from jaxlite._src.lax import lax
  if src == dst:
    return x
  if src is not_mapped:
    if dst is not_mapped:
      return x
    x = lax.broadcast(x, (size,))
    return moveaxis(x, 0, dst)
  if dst is not_mapped:
    raise ValueError("vmap has mapped output but out_axes is None: the output depends on the "
                     "mapped input, so it cannot be returned unmapped.")
  return moveaxis(x, src, dst)


# ---------------------------------------------------------------------------
# Rule helpers

def defvectorized(primitive):
  """Elementwise unary: apply to the batched value as is."""
  primitive_batchers[primitive] = lambda vals, dims, **params: (primitive.bind(*vals, **params),
                                                                dims[0])


def broadcast_batcher(primitive):
  """Elementwise n-ary with rank-0 broadcasting: line all batch dims up at the front."""
  def rule(vals, dims, **params):
    shapes = {(np.shape(v) if not isinstance(v, Tracer) else v.shape, d)
              for v, d in zip(vals, dims) if d is not not_mapped}
    if len(shapes) == 1 and all(d is not not_mapped or _ndim(v) == 0
                                for v, d in zip(vals, dims)):
      # All batched operands agree and the rest are scalars: nothing to move.
      out = primitive.bind(*vals, **params)
      return out, ([dims_of(shapes)] * len(out) if primitive.multiple_results else dims_of(shapes))
    size = next(_shape(v)[d] for v, d in zip(vals, dims) if d is not not_mapped)
    out_rank = max(_ndim(v) - (d is not not_mapped) for v, d in zip(vals, dims))
    moved = []
    for v, d in zip(vals, dims):
      if d is not_mapped:
        if _ndim(v) == 0:
          moved.append(v)
          continue
        moved.append(bdim_at_front(v, None, size))
      else:
        v = moveaxis(v, d, 0)
        if _ndim(v) - 1 < out_rank:  # a batched scalar against full-rank operands
          from jaxlite._src.lax import lax
          v = lax.broadcast_in_dim(v, (size,) + _full_shape(vals, dims), (0,))
        moved.append(v)
    out = primitive.bind(*moved, **params)
    return out, ([0] * len(out) if primitive.multiple_results else 0)
  primitive_batchers[primitive] = rule


def dims_of(shapes):
  return next(iter(shapes))[1]


def _full_shape(vals, dims):
  best = ()
  for v, d in zip(vals, dims):
    s = list(_shape(v))
    if d is not not_mapped:
      del s[d]
    if len(s) > len(best):
      best = tuple(s)
  return best


def _shape(x):
  return x.shape if hasattr(x, "shape") else np.shape(x)


def _ndim(x):
  return len(_shape(x))


def batch_jaxpr(closed, axis_size, in_dims, axis_name=None):
  """A jaxpr computing ``closed`` over a batch: inputs batched at ``in_dims`` (None for
  unbatched), every output batched at axis 0."""
  from jaxlite._src.interpreters import partial_eval as pe
  from jaxlite._src.jaxpr import eval_jaxpr

  def f(*args):
    trace = BatchTrace(core.current_trace(), axis_size, axis_name)
    tracers = [a if d is None else BatchTracer(trace, a, d) for a, d in zip(args, in_dims)]
    try:
      with core.set_current_trace(trace):
        outs = eval_jaxpr(closed.jaxpr, closed.consts, *tracers)
      res = []
      for o in outs:
        v, d = trace.to_batch_info(o)
        res.append(matchaxis(axis_size, d, 0, v))
    finally:
      trace.invalidate()
    return res

  in_avals = []
  for aval, d in zip(closed.in_avals, in_dims):
    if d is None:
      in_avals.append(aval)
    else:
      shape = list(aval.shape)
      shape.insert(d, axis_size)
      in_avals.append(aval.update(shape=tuple(shape)))
  return pe.trace_to_jaxpr(f, in_avals, "vmap")
