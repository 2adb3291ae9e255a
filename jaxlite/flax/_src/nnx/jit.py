"""``nnx.jit``: ``jax.jit`` for functions of Modules.

The graph structure (GraphDef) of the arguments is a static argument of an inner
``jaxlite.jit``; the Variables' arrays are its dynamic arguments. So a second call on the same
model (same structure, same shapes) hits the compiled cache, and whatever the function wrote
into the model's Variables is written back to the caller's model after the call."""
from __future__ import annotations

import functools
import inspect
import threading

import jaxlite
from jaxlite import tree_util as jtu
from jaxlite.flax._src.nnx import extract


def _as_tuple(x):
  if x is None:
    return ()
  if isinstance(x, (int, str)):
    return (x,)
  return tuple(x)


def _resolve_statics(fun, static_argnums, static_argnames):
  """Static positions and names, each completed from the other through the signature."""
  nums, names = set(_as_tuple(static_argnums)), set(_as_tuple(static_argnames))
  try:
    params = list(inspect.signature(fun).parameters.values())
  except (TypeError, ValueError):
    return tuple(sorted(nums)), tuple(sorted(names))
  positional = [p.name for p in params if p.kind in (p.POSITIONAL_ONLY,
                                                     p.POSITIONAL_OR_KEYWORD)]
  for i in list(nums):
    if -len(positional) <= i < len(positional):
      names.add(positional[i])
  for name in list(names):
    if name in positional:
      nums.add(positional.index(name))
  return tuple(sorted(nums)), tuple(sorted(names))


class JitWrapped:
  """What ``nnx.jit(f)`` returns."""

  def __init__(self, fun, *, static_argnums=None, static_argnames=None, donate_argnums=None,
               donate_argnames=None, keep_unused=False, device=None, backend=None,
               inline=False, in_shardings=None, out_shardings=None):
    functools.update_wrapper(self, fun, updated=())
    self.fun = fun
    self.static_argnums, self.static_argnames = _resolve_statics(fun, static_argnums,
                                                                 static_argnames)
    # Donation is a memory optimisation only: NumPy buffers are never reused, so ignored.
    self._jitted = jaxlite.jit(self._inner, static_argnums=(0,), inline=inline,
                               keep_unused=keep_unused)
    self._out_specs: dict = {}
    self._keys = threading.local()

  def __get__(self, obj, objtype=None):
    if obj is None:
      return self
    return functools.partial(self, obj)

  def _split_statics(self, args, kwargs):
    n = len(args)
    positions = {i % n for i in self.static_argnums if -n <= i < n}
    static_args = tuple((i, args[i]) for i in sorted(positions))
    dyn_args = tuple(None if i in positions else a for i, a in enumerate(args))
    static_kw = tuple(sorted((k, v) for k, v in kwargs.items() if k in self.static_argnames))
    dyn_kwargs = {k: v for k, v in kwargs.items() if k not in self.static_argnames}
    return static_args, static_kw, dyn_args, dyn_kwargs

  def __call__(self, *args, **kwargs):
    static_args, static_kw, dyn_args, dyn_kwargs = self._split_statics(args, kwargs)
    split = extract.split_tree((dyn_args, dyn_kwargs))
    flat, vtree = jtu.tree_flatten(split.leaves)
    static = (split.spec, vtree, static_args, static_kw)
    key = (static, tuple(map(extract.leaf_signature, flat)),
           tuple(map(extract.leaf_signature, split.others)))
    flat_out, others_out = self._call_jitted(key, static, flat, split.others)
    if key not in self._out_specs:
      # jaxlite.jit matched a trace made under a key we told apart (e.g. NumPy vs jax
      # inputs of one canonical dtype): retrace so the output structure is recorded.
      self._jitted.clear_cache()
      flat_out, others_out = self._call_jitted(key, static, flat, split.others)
    out_spec, out_vtree = self._out_specs[key]
    leaves = out_vtree.unflatten(flat_out)
    return extract.write_back(out_spec, leaves, others_out, split.outer)

  def _call_jitted(self, key, *args):
    stack = self._keys.__dict__.setdefault("stack", [])
    stack.append(key)
    try:
      return self._jitted(*args)
    finally:
      stack.pop()

  def _inner(self, static, flat, others):
    spec, vtree, static_args, static_kw = static
    index_ref: dict = {}
    (dyn_args, dyn_kwargs), inner_nodes = extract.merge_tree(
        spec, vtree.unflatten(flat), others, index_ref)
    args = list(dyn_args)
    for i, value in static_args:
      args[i] = value
    out = self.fun(*args, **dyn_kwargs, **dict(static_kw))
    out_spec, leaves, out_others = extract.split_outputs(inner_nodes, index_ref, out)
    flat_out, out_vtree = jtu.tree_flatten(leaves)
    self._out_specs[self._keys.stack[-1]] = (out_spec, out_vtree)
    return flat_out, out_others

  def eval_shape(self, *args, **kwargs):
    from jaxlite.flax._src.nnx.general import eval_shape
    return eval_shape(self.fun, *args, **kwargs)

  def __repr__(self):
    return f"<nnx.jit({getattr(self.fun, '__name__', self.fun)!r})>"


def jit(fun=None, *, in_shardings=None, out_shardings=None, static_argnums=None,
        static_argnames=None, donate_argnums=None, donate_argnames=None, keep_unused=False,
        device=None, backend=None, inline=False, graph=None, graph_updates=None):
  """Compile ``fun``; Modules among its arguments are traced through their Variables."""
  kwargs = dict(static_argnums=static_argnums, static_argnames=static_argnames,
                donate_argnums=donate_argnums, donate_argnames=donate_argnames,
                keep_unused=keep_unused, device=device, backend=backend, inline=inline,
                in_shardings=in_shardings, out_shardings=out_shardings)
  if fun is None:
    return lambda f: JitWrapped(f, **kwargs)
  return JitWrapped(fun, **kwargs)
