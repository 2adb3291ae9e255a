"""``pmap`` and ``shard_map`` over simulated devices.

Both run one vectorized program instead of one program per device: ``pmap`` is jit of vmap
with the axis named, ``shard_map`` is nested vmaps over the mesh axes, each named after its
mesh axis. Collectives over those names (psum, all_gather, ppermute...) therefore see the
same values as on real devices, and results equal the per-device computation.

In a multi-process run (jax.distributed.initialize under mpiexec) a pmap maps over this
process's devices, and its axis spans every process's: collectives over it also combine the
other processes' values (jaxlite._src.distributed), as in multi-host JAX."""
from __future__ import annotations

import functools
import math

import numpy as np

from jaxlite._src import core
from jaxlite._src import devices as devices_mod
from jaxlite._src import tree_util
from jaxlite._src.api import vmap
from jaxlite._src.api_util import flatten_axes, fun_name
from jaxlite._src.distributed.axes import spanning_processes
from jaxlite._src.array import ArrayImpl
from jaxlite._src.jit import jit
from jaxlite._src.sharding import Mesh, NamedSharding, PartitionSpec


def pmap(fun, axis_name=None, *, in_axes=0, out_axes=0, static_broadcasted_argnums=(),
         devices=None, backend=None, axis_size=None, donate_argnums=(), global_arg_shapes=None):
  """Map ``fun`` over the leading axis of its arguments, one member per device."""
  if isinstance(static_broadcasted_argnums, int):
    static_broadcasted_argnums = (static_broadcasted_argnums,)
  compiled: dict = {}

  @functools.wraps(fun)
  def pmapped(*args, **kwargs):
    static_pos = {i % len(args) for i in static_broadcasted_argnums} if args else set()
    dyn_idx = [i for i in range(len(args)) if i not in static_pos]
    dyn = [args[i] for i in dyn_idx]
    axes = tuple(in_axes[i] for i in dyn_idx) if isinstance(in_axes, (tuple, list)) \
        else in_axes
    statics = tuple(args[i] for i in sorted(static_pos))
    flat, tree = tree_util.tree_flatten((tuple(dyn), kwargs))
    flat_axes = flatten_axes("pmap in_axes", tree, (axes, 0))
    sizes = {core.get_aval(core.to_array(x)).shape[a] for x, a in zip(flat, flat_axes)
             if a is not None}
    size = axis_size if axis_size is not None else (sizes.pop() if len(sizes) == 1 else None)
    if size is None:
      raise ValueError("pmap requires all mapped arguments to have the same leading axis "
                       f"size, got sizes {sorted(sizes)}" if sizes else
                       "pmap got no mapped arguments and no axis_size")
    devs = list(devices) if devices is not None else devices_mod.devices()
    # The axis spans the processes whose devices it maps over; each maps over its own.
    span = len({d.process_index for d in devs})
    devs = [d for d in devs if d.process_index == devices_mod.process_index()]
    if size > len(devs):
      raise ValueError(f"compiling computation that requires {size} logical devices, but "
                       f"only {len(devs)} XLA devices are available (num_replicas={size})")
    key = (statics, size, span)
    f = compiled.get(key)
    if f is None:
      def body(*d, **kw):
        it = iter(d)
        full = [args[i] if i in static_pos else next(it) for i in range(len(args))]
        with spanning_processes(axis_name, span):
          return fun(*full, **kw)
      body.__name__ = fun_name(fun)
      f = compiled[key] = jit(vmap(body, in_axes=axes, out_axes=out_axes,
                                   axis_name=axis_name, axis_size=size))
    out = f(*dyn, **kwargs)
    name = axis_name if axis_name is not None else "_pmap"
    sharding = NamedSharding(Mesh(np.array(devs[:size], dtype=object), (name,)),
                             PartitionSpec(name))
    return tree_util.tree_map(lambda o: _with_sharding(o, sharding), out)

  return pmapped


def _with_sharding(x, sharding):
  if type(x) is ArrayImpl and x.ndim >= 1:
    x = ArrayImpl(x._value, x.weak_type)
    x._sharding = sharding
  return x


def _axes_of(spec, ndim):
  """Per array dimension, the mesh axes splitting it (in spec order)."""
  spec = tuple(spec) + (None,) * (ndim - len(spec))
  return [() if p is None else (p if isinstance(p, tuple) else (p,)) for p in spec]


def _split_leaf(x, spec, mesh):
  """``x`` with the mesh axes it is split over as leading dims (mesh order) + their names."""
  from jaxlite._src.lax import lax
  shape = tuple(core.get_aval(x).shape)
  dims = _axes_of(spec, len(shape))
  new_shape, labels = [], []
  for d, names in zip(shape, dims):
    parts = math.prod(mesh.shape[a] for a in names)
    if d % parts:
      raise ValueError(f"shard_map: array dimension of size {d} is not divisible by the "
                       f"{parts} devices of mesh axes {names}.")
    for a in names:
      new_shape.append(mesh.shape[a])
      labels.append(a)
    new_shape.append(d // parts)
    labels.append(None)
  x = lax.reshape(x, tuple(new_shape))
  used = [a for a in mesh.axis_names if a in labels]
  perm = [labels.index(a) for a in used] + [i for i, lab in enumerate(labels) if lab is None]
  return lax.transpose(x, tuple(perm)), used


def _merge_leaf(y, spec, mesh, used):
  """Inverse of _split_leaf for an output laid out by ``spec``."""
  from jaxlite._src.lax import lax
  block = tuple(core.get_aval(y).shape)[len(used):]
  dims = _axes_of(spec, len(block))
  order = []  # the (axis name | block index) order of the full array
  for j, names in enumerate(dims):
    order.extend(names)
    order.append(j)
  src = list(used) + list(range(len(block)))
  perm = [src.index(o) for o in order]
  y = lax.transpose(y, tuple(perm))
  full = [b * math.prod(mesh.shape[a] for a in names) for b, names in zip(block, dims)]
  return lax.reshape(y, tuple(full))


def _uses(spec, name):
  return any(name in names for names in _axes_of(spec, len(spec)))


def shard_map(f=None, /, *, out_specs, mesh=None, in_specs=None, axis_names=None,
              check_vma=True, check_rep=None, auto=frozenset()):
  """Run ``f`` on each device's block of the inputs (``jax.shard_map``)."""
  if f is None:
    return lambda g: shard_map(g, out_specs=out_specs, mesh=mesh, in_specs=in_specs,
                               axis_names=axis_names, check_vma=check_vma)
  if mesh is None:
    raise ValueError("shard_map requires a mesh (pass mesh=...)")
  if in_specs is None:
    raise ValueError("shard_map requires in_specs in jaxlite (specs are not inferred).")
  is_spec = lambda x: isinstance(x, PartitionSpec) or x is None

  @functools.wraps(f)
  def wrapped(*args):
    leaves, tree = tree_util.tree_flatten(args)
    specs = [s if s is not None else PartitionSpec()
             for s in flatten_axes("shard_map in_specs", tree, tuple(in_specs)
                                   if isinstance(in_specs, list) else in_specs)]
    split = [_split_leaf(core.to_array(x), s, mesh) for x, s in zip(leaves, specs)]
    used = [u for _, u in split]

    def level(k, *blocks):
      if k == len(mesh.axis_names):
        return f(*tree_util.tree_unflatten(tree, list(blocks)))
      name = mesh.axis_names[k]
      in_axes = tuple(0 if name in u else None for u in used)
      out_axes = tree_util.tree_map(lambda s: 0 if s is not None and _uses(s, name) else None,
                                    out_specs, is_leaf=is_spec)
      return vmap(functools.partial(level, k + 1), in_axes=in_axes, out_axes=out_axes,
                  axis_name=name, axis_size=mesh.shape[name])(*blocks)

    out = level(0, *[b for b, _ in split])

    def merge(spec, y):
      spec = spec if spec is not None else PartitionSpec()
      used_out = [a for a in mesh.axis_names if _uses(spec, a)]
      return _merge_leaf(y, spec, mesh, used_out)

    return tree_util.tree_map(merge, out_specs, out, is_leaf=is_spec)

  return wrapped
