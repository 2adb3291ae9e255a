"""Seeing inside transformed functions: debug.print, debug.callback, pure_callback,
io_callback, debug.breakpoint.

The effectful primitives (prints, io callbacks) are never dead-code eliminated, run in
program order inside compiled code, once per element under vmap, and only on primal values
under differentiation."""
from __future__ import annotations

import string
import sys

import numpy as np

from jaxlite._src import core
from jaxlite._src import dtypes
from jaxlite._src import tree_util
from jaxlite._src.array import ArrayImpl
from jaxlite._src.core import ShapedArray
from jaxlite._src.interpreters import ad, batching


def _to_arrays(values):
  return [ArrayImpl(np.asarray(v), False) for v in values]


def _unbatch_loop(vals, dims, size, call):
  """Run ``call`` once per batch element (the 'sequential' vmap of a callback)."""
  outs = []
  for i in range(size):
    args = [v if d is None else _index(v, d, i) for v, d in zip(vals, dims)]
    outs.append(call(args))
  return outs


def _index(v, d, i):
  from jaxlite._src.lax import lax
  return lax.index_in_dim(v, i, d, keepdims=False)


# ---------------------------------------------------------------------------
# debug.print

debug_print_p = core.Primitive("debug_print", multiple_results=True)
debug_print_p.effectful = True


def _format(fmt, in_tree, static_args, values):
  args, kwargs = tree_util.tree_unflatten(in_tree, [np.asarray(v) for v in values])
  return fmt.format(*args, **kwargs)


def _debug_print_impl(*args, fmt, in_tree, ordered=False, partitioned=False, static_args=(),
                      has_placeholders=True, logging_record=None, np_printoptions=None):
  sys.stdout.write(_format(fmt, in_tree, static_args, args) + "\n")
  return []


debug_print_p.def_impl(_debug_print_impl)
debug_print_p.def_abstract_eval(lambda *avals, **params: [])


def _debug_print_jvp(primals, tangents, **params):
  return debug_print_p.bind(*primals, **params), []


def _debug_print_batch(vals, dims, *, axis_size=None, axis_name=None, **params):
  size = next(batching._shape(v)[d] for v, d in zip(vals, dims) if d is not None)
  _unbatch_loop(vals, dims, size, lambda args: debug_print_p.bind(*args, **params))
  return [], []


_debug_print_batch.wants_axis = True
ad.primitive_jvps[debug_print_p] = _debug_print_jvp
batching.primitive_batchers[debug_print_p] = _debug_print_batch


def debug_print(fmt: str, *args, ordered: bool = False, **kwargs):
  """Print ``fmt.format(*args, **kwargs)`` with the runtime values, also inside jit/vmap/grad."""
  leaves, in_tree = tree_util.tree_flatten((args, kwargs))
  has_placeholders = any(field is not None for _, field, _, _ in string.Formatter().parse(fmt))
  debug_print_p.bind(*leaves, fmt=fmt, in_tree=in_tree, ordered=ordered, partitioned=False,
                     static_args=(), has_placeholders=has_placeholders, logging_record=None,
                     np_printoptions=tuple(np.get_printoptions().items()))


# ---------------------------------------------------------------------------
# debug.callback

debug_callback_p = core.Primitive("debug_callback", multiple_results=True)
debug_callback_p.effectful = True


def _debug_callback_impl(*args, callback, in_tree, ordered=False, partitioned=False):
  a, kw = tree_util.tree_unflatten(in_tree, _to_arrays(args))
  callback(*a, **kw)
  return []


debug_callback_p.def_impl(_debug_callback_impl)
debug_callback_p.def_abstract_eval(lambda *avals, **params: [])
ad.primitive_jvps[debug_callback_p] = lambda primals, tangents, **params: (
    debug_callback_p.bind(*primals, **params), [])


def _debug_callback_batch(vals, dims, *, axis_size=None, axis_name=None, **params):
  size = next(batching._shape(v)[d] for v, d in zip(vals, dims) if d is not None)
  _unbatch_loop(vals, dims, size, lambda args: debug_callback_p.bind(*args, **params))
  return [], []


_debug_callback_batch.wants_axis = True
batching.primitive_batchers[debug_callback_p] = _debug_callback_batch


def debug_callback(callback, *args, ordered=False, partitioned=False, **kwargs):
  """Call ``callback(*args, **kwargs)`` on the runtime values, for its side effects."""
  if not callable(callback):
    raise TypeError(f"first argument to jax.debug.callback must be callable, got {callback!r}")
  leaves, in_tree = tree_util.tree_flatten((args, kwargs))
  debug_callback_p.bind(*leaves, callback=callback, in_tree=in_tree, ordered=ordered,
                        partitioned=partitioned)


def breakpoint(*, backend=None, filter_frames=True, num_frames=None, ordered=False, **kwargs):  # noqa: A001
  """Drop into pdb where it is called (eagerly; under jit at run time of the print)."""
  import pdb
  frame = sys._getframe(1)
  if core.is_eval_trace():
    pdb.Pdb().set_trace(frame)


# ---------------------------------------------------------------------------
# pure_callback and io_callback

def _check_results(name, results, result_avals):
  flat, _ = tree_util.tree_flatten(results)
  if len(flat) != len(result_avals):
    raise RuntimeError(f"{name} callback returned {len(flat)} values, expected "
                       f"{len(result_avals)} (the result_shape_dtypes).")
  out = []
  for r, aval in zip(flat, result_avals):
    r = np.asarray(r)
    if r.shape != aval.shape or r.dtype != aval.dtype:
      raise RuntimeError(f"Incorrect output shape/dtype for {name}: expected "
                         f"{aval.str_short()} but callback returned "
                         f"{ShapedArray(r.shape, r.dtype).str_short()}.")
    out.append(r)
  return out


def _result_avals(result_shape_dtypes):
  leaves, tree = tree_util.tree_flatten(result_shape_dtypes)
  avals = [ShapedArray(tuple(x.shape), dtypes.canonicalize_dtype(x.dtype)) for x in leaves]
  return avals, tree


def _make_callback_primitive(name, effectful):
  prim = core.Primitive(name, multiple_results=True)
  prim.effectful = effectful

  def impl(*args, callback, result_avals, in_tree, vmap_method=None, ordered=False, sharding=None):
    a, kw = tree_util.tree_unflatten(in_tree, [np.asarray(v) for v in args])
    return _check_results(name, callback(*a, **kw), result_avals)

  prim.def_impl(impl)
  prim.def_abstract_eval(lambda *avals, result_avals, **_: list(result_avals))
  prim.weak_type_rule = lambda flags, *, result_avals, **_: [False] * len(result_avals)
  return prim


pure_callback_p = _make_callback_primitive("pure_callback", effectful=False)
io_callback_p = _make_callback_primitive("io_callback", effectful=True)


def _callback_jvp(name):
  def jvp(primals, tangents, **params):
    raise ValueError(f"{'Pure' if name == 'pure_callback' else 'IO'} callbacks do not support "
                     "JVP. Please use `jax.custom_jvp` to use callbacks while taking gradients.")
  return jvp


def _callback_batch(prim):
  def rule(vals, dims, *, callback, result_avals, in_tree, vmap_method=None, ordered=False,
           sharding=None, axis_size=None, axis_name=None):
    params = dict(callback=callback, result_avals=result_avals, in_tree=in_tree,
                  vmap_method=vmap_method, ordered=ordered, sharding=sharding)
    size = next(batching._shape(v)[d] for v, d in zip(vals, dims) if d is not None)
    method = vmap_method if prim is pure_callback_p else "sequential"
    if method in ("sequential", "sequential_unrolled"):
      per = _unbatch_loop(vals, dims, size, lambda args: prim.bind(*args, **params))
      from jaxlite._src.lax import lax
      outs = [lax.concatenate([lax.expand_dims(p[i], (0,)) for p in per], 0)
              for i in range(len(result_avals))]
      return outs, [0] * len(outs)
    if method in ("expand_dims", "broadcast_all", "legacy_vectorized"):
      moved = []
      for v, d in zip(vals, dims):
        if d is None:
          if method == "broadcast_all":
            moved.append(batching.bdim_at_front(v, None, size))
          else:
            from jaxlite._src.lax import lax
            moved.append(lax.expand_dims(v, (0,)) if method == "expand_dims" else v)
        else:
          moved.append(batching.moveaxis(v, d, 0))
      batched_avals = tuple(a.update(shape=(size,) + a.shape) for a in result_avals)
      params["result_avals"] = batched_avals
      return prim.bind(*moved, **params), [0] * len(result_avals)
    raise NotImplementedError(
        "vmap is only supported for the pure_callback primitive when vmap_method is one of "
        "'sequential', 'sequential_unrolled', 'expand_dims', 'broadcast_all', or "
        f"'legacy_vectorized'. Got vmap_method={vmap_method!r}.")
  rule.wants_axis = True
  return rule


for _p in (pure_callback_p, io_callback_p):
  ad.primitive_jvps[_p] = _callback_jvp(_p.name)
  batching.primitive_batchers[_p] = _callback_batch(_p)


def pure_callback(callback, result_shape_dtypes, *args, sharding=None, vmap_method=None,
                  **kwargs):
  """Call a side-effect-free Python function on NumPy arrays from inside traced code."""
  avals, out_tree = _result_avals(result_shape_dtypes)
  leaves, in_tree = tree_util.tree_flatten((args, kwargs))
  outs = pure_callback_p.bind(*leaves, callback=callback, result_avals=tuple(avals),
                              in_tree=in_tree, vmap_method=vmap_method, ordered=False,
                              sharding=sharding)
  return tree_util.tree_unflatten(out_tree, outs)


def io_callback(callback, result_shape_dtypes, *args, sharding=None, ordered=False, **kwargs):
  """Call a Python function with side effects; never removed, run in program order."""
  avals, out_tree = _result_avals(result_shape_dtypes)
  leaves, in_tree = tree_util.tree_flatten((args, kwargs))
  outs = io_callback_p.bind(*leaves, callback=callback, result_avals=tuple(avals),
                            in_tree=in_tree, vmap_method="sequential", ordered=ordered,
                            sharding=sharding)
  return tree_util.tree_unflatten(out_tree, outs)


def print_environment_info(return_string: bool = False):
  from jaxlite._src.cli.main import _info
  text = _info()
  if return_string:
    return text
  print(text)
