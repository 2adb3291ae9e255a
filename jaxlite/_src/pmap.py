"""``pmap`` and ``shard_map`` over simulated devices.

Both run one vectorized program instead of one program per device: ``pmap`` is jit of vmap
with the axis named, ``shard_map`` is nested vmaps over the mesh axes, each named after its
mesh axis. Collectives over those names (psum, all_gather, ppermute...) therefore see the
same values as on real devices, and results equal the per-device computation.

In a multi-process run (jax.distributed.initialize under mpiexec) a pmap maps over this
process's devices, and its axis spans every process's: collectives over it also combine the
other processes' values (jaxlite._src.distributed), as in multi-host JAX.

A shard_map over a mesh with other processes' devices computes only this process's devices'
blocks: the vmaps run over this process's part of each mesh axis. Every process holds whole
arrays, so the inputs need no traffic (each takes its block); collectives over an axis that
spans processes combine them with the other processes of the axis's group; the outputs are
assembled with one all-gather per output and spanning axis it is split over (replicated
outputs need none). The boundary primitives are described in distributed/collectives.py."""
from __future__ import annotations

import functools
import math
import warnings

import numpy as np

from jaxlite._src import core
from jaxlite._src import devices as devices_mod
from jaxlite._src import tree_util
from jaxlite._src.api import vmap
from jaxlite._src.api_util import flatten_axes, fun_name
from jaxlite._src.distributed import collectives as cross_process
from jaxlite._src.distributed.axes import mesh_layout, spanning_processes
from jaxlite._src.array import ArrayImpl
from jaxlite._src.jit import jit
from jaxlite._src.sharding import Mesh, NamedSharding, PartitionSpec


def pmap(fun, axis_name=None, *, in_axes=0, out_axes=0, static_broadcasted_argnums=(),
         devices=None, backend=None, axis_size=None, donate_argnums=(), global_arg_shapes=None):
  """Map ``fun`` over the leading axis of its arguments, one member per device.

  Donated arguments are deleted after the call when JAX would delete them (see
  _take_donations); their memory is not reused."""
  if isinstance(static_broadcasted_argnums, int):
    static_broadcasted_argnums = (static_broadcasted_argnums,)
  if isinstance(donate_argnums, int):
    donate_argnums = (donate_argnums,)
  compiled: dict = {}
  donation_plans: dict = {}  # signature -> flat positions of the usable donated leaves

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
    group = tuple(sorted({d.process_index for d in devs}))
    devs = [d for d in devs if d.process_index == devices_mod.process_index()]
    if size > len(devs):
      raise ValueError(f"compiling computation that requires {size} logical devices, but "
                       f"only {len(devs)} XLA devices are available (num_replicas={size})")
    key = (statics, size, group)
    f = compiled.get(key)
    if f is None:
      def body(*d, **kw):
        it = iter(d)
        full = [args[i] if i in static_pos else next(it) for i in range(len(args))]
        with spanning_processes(axis_name, group):
          return fun(*full, **kw)
      body.__name__ = fun_name(fun)
      f = compiled[key] = jit(vmap(body, in_axes=axes, out_axes=out_axes,
                                   axis_name=axis_name, axis_size=size))
    out = f(*dyn, **kwargs)
    if donate_argnums:
      donated = {i % len(args) for i in donate_argnums if -len(args) <= i < len(args)}
      positions, k = [], 0
      for i, a in zip(dyn_idx, dyn):
        n = tree_util.tree_structure(a).num_leaves
        if i in donated:
          positions.extend(range(k, k + n))
        k += n
      _take_donations(donation_plans, key, flat, flat_axes, positions, out, out_axes, devs[:size])
    name = axis_name if axis_name is not None else "_pmap"
    sharding = NamedSharding(Mesh(np.array(devs[:size], dtype=object), (name,)),
                             PartitionSpec(name))
    return tree_util.tree_map(lambda o: _with_sharding(o, sharding), out)

  return pmapped


def _per_device(aval, axis):
  """The shape of one device's buffer, as JAX reports it (a mapped axis becomes 1)."""
  shape = tuple(aval.shape)
  return shape if axis is None else (1,) + shape[:axis] + shape[axis + 1:]


def _take_donations(plans, key, flat, flat_axes, positions, out, out_axes, devs):
  """Delete the donated arrays whose buffers an output could take over, as JAX's pmap does on
  CPU. A buffer is usable when an output not yet taken has, per device, as many elements of
  the same width (XLA pairs them in order); the others get JAX's warning, once per
  signature. Only an array already laid out on the pmap's devices (a pmap output, an array
  put with a NamedSharding over them, any unmapped one) is given up: JAX copies the others
  into per-device buffers and donates the copies."""
  out_leaves, out_tree = tree_util.tree_flatten(out)
  out_flat_axes = flatten_axes("pmap out_axes", out_tree, out_axes)
  in_avals = [core.get_aval(core.to_array(flat[p])) for p in positions]
  out_avals = [core.get_aval(o) for o in out_leaves]
  signature = (key, tuple(positions), tuple((a.shape, a.dtype) for a in in_avals),
               tuple((a.shape, a.dtype) for a in out_avals))
  usable = plans.get(signature)
  if usable is None:
    free = [(math.prod(_per_device(a, d)), a.dtype.itemsize)
            for a, d in zip(out_avals, out_flat_axes)]
    usable, unusable = [], []
    for p, aval in zip(positions, in_avals):
      per_device = _per_device(aval, flat_axes[p])
      match = (math.prod(per_device), aval.dtype.itemsize)
      if match in free:
        free[free.index(match)] = None
        usable.append(p)
      else:
        unusable.append(core.ShapedArray(per_device, aval.dtype).str_short())
    if unusable:
      warnings.warn(f"Some donated buffers were not usable: {', '.join(unusable)}.\n"
                    "See an explanation at "
                    "https://docs.jax.dev/en/latest/faq.html#buffer-donation.", stacklevel=3)
    plans[signature] = usable
  for p in usable:
    x = flat[p]
    if type(x) is ArrayImpl and (flat_axes[p] is None or _laid_out(x, flat_axes[p], devs)):
      x.delete()


def _laid_out(x, axis, devs):
  """Whether ``x`` is already split over ``devs`` along ``axis`` (no copy to shard it)."""
  s = x._sharding
  if isinstance(s, NamedSharding):
    spec = tuple(s.spec)
    return list(s.mesh.devices.flat) == list(devs) and axis < len(spec) and \
        spec[axis] is not None
  placed = devices_mod.cpu_device() if s is None else next(iter(s.device_set))
  return len(devs) == 1 and placed == devs[0]


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


def _enter(x, used, spanning):
  """This process's part of ``x`` (laid out by _split_leaf): its block along the spanning
  axes ``x`` is split over; the spanning axes it is replicated over keep it whole."""
  for name, group in spanning.items():
    x = cross_process.mpi_split_p.bind(x, dim=used.index(name), group=group) if name in used \
        else cross_process.mpi_replicate_p.bind(x, group=group)
  return x


def _leave(y, used, spanning):
  """The whole output from this process's blocks ``y`` (laid out as _merge_leaf expects):
  gathered along the spanning axes it is split over, one copy along the others."""
  for name, group in spanning.items():
    y = cross_process.mpi_concat_p.bind(y, dim=used.index(name), group=group) if name in used \
        else cross_process.mpi_deduplicate_p.bind(y, group=group)
  return y


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
    layout = dict(zip(mesh.axis_names, mesh_layout(mesh)))  # name -> (local size, group)
    spanning = {a: g for a, (_, g) in layout.items() if g is not None}

    def level(k, *blocks):
      if k == len(mesh.axis_names):
        return f(*tree_util.tree_unflatten(tree, list(blocks)))
      name = mesh.axis_names[k]
      in_axes = tuple(0 if name in u else None for u in used)
      out_axes = tree_util.tree_map(lambda s: 0 if s is not None and _uses(s, name) else None,
                                    out_specs, is_leaf=is_spec)

      def inner(*b):
        with spanning_processes(name, spanning.get(name)):
          return level(k + 1, *b)
      return vmap(inner, in_axes=in_axes, out_axes=out_axes, axis_name=name,
                  axis_size=layout[name][0])(*blocks)

    out = level(0, *[_enter(b, u, spanning) for b, u in split])

    def merge(spec, y):
      spec = spec if spec is not None else PartitionSpec()
      used_out = [a for a in mesh.axis_names if _uses(spec, a)]
      return _merge_leaf(_leave(core.to_array(y), used_out, spanning), spec, mesh, used_out)

    return tree_util.tree_map(merge, out_specs, out, is_leaf=is_spec)

  return wrapped
