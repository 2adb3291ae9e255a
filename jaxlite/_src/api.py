"""The transformations users call: grad, jvp, vjp, linearize, jacobians, vmap, make_jaxpr."""
from __future__ import annotations

import contextlib
import functools

import numpy as np

from jaxlite._src import core
from jaxlite._src import dtypes
from jaxlite._src import tree_util
from jaxlite._src.api_util import check_argnums, flatten_axes, fun_name
from jaxlite._src.interpreters import ad, batching
from jaxlite._src.interpreters import partial_eval as pe
from jaxlite._src.interpreters.ad import Zero


def _wraps(fun, prefix=""):
  def decorator(wrapper):
    try:
      functools.update_wrapper(wrapper, fun)
      if prefix:
        wrapper.__name__ = f"{prefix}({fun_name(fun)})"
        wrapper.__qualname__ = wrapper.__name__
    except (AttributeError, TypeError):
      pass
    return wrapper
  return decorator


# ---------------------------------------------------------------------------
# Reverse mode

def _check_input_dtype_grad(name, holomorphic, allow_int, x):
  dt = dtypes.dtype(x) if not isinstance(x, core.Tracer) else x.dtype
  if holomorphic and not dtypes.is_complex(dt):
    raise TypeError(f"{name} with holomorphic=True requires inputs with complex dtype, but got "
                    f"{dt.name}.")
  if dtypes.is_integer(dt) or dtypes.is_bool(dt):
    if not allow_int:
      raise TypeError(f"{name} requires real- or complex-valued inputs (input dtype that is a "
                      f"sub-dtype of np.inexact), but got {dt.name}. If you want to use "
                      "Boolean- or integer-valued inputs, use vjp or set allow_int to True.")
  elif not dtypes.is_inexact(dt):
    raise TypeError(f"{name} requires numerical-valued inputs (input dtype that is a sub-dtype "
                    f"of np.bool_ or np.number), but got {dt.name}.")


def _check_output_grad(name, holomorphic, out):
  aval = core.get_aval(out)
  if aval.shape:
    raise TypeError(f"Gradient only defined for scalar-output functions. Output had shape: "
                    f"{aval.shape}.")
  dt = aval.dtype
  if holomorphic:
    if not dtypes.is_complex(dt):
      raise TypeError(f"{name} with holomorphic=True requires outputs with complex dtype, but "
                      f"got {dt.name}.")
  elif dtypes.is_complex(dt):
    raise TypeError(f"{name} requires real-valued outputs (output dtype that is a sub-dtype of "
                    f"np.floating), but got {dt.name}. For holomorphic differentiation, pass "
                    "holomorphic=True. For differentiation of non-holomorphic functions "
                    "involving complex outputs, use jax.vjp directly.")
  elif not dtypes.is_floating(dt):
    raise TypeError(f"{name} requires real-valued outputs (output dtype that is a sub-dtype of "
                    f"np.floating), but got {dt.name}. For differentiation of functions with "
                    "integer outputs, use jax.vjp directly.")


def value_and_grad(fun, argnums=0, has_aux=False, holomorphic=False, allow_int=False,
                   reduce_axes=()):
  """Function computing both ``fun`` and its gradient with respect to ``argnums``."""

  @_wraps(fun, "value_and_grad")
  def value_and_grad_f(*args, **kwargs):
    single, nums = check_argnums(argnums, len(args))
    dyn = tuple(args[i] for i in nums)
    flat_dyn, in_tree = tree_util.tree_flatten(dyn)
    for x in flat_dyn:
      _check_input_dtype_grad("grad", holomorphic, allow_int, x)
    flat_dyn = [core.to_array(x) for x in flat_dyn]
    out_info = {}

    def flat_fun(*flat):
      new_args = list(args)
      for i, sub in zip(nums, tree_util.tree_unflatten(in_tree, list(flat))):
        new_args[i] = sub
      out = fun(*new_args, **kwargs)
      aux_leaves = []
      if has_aux:
        if not (isinstance(out, (tuple, list)) and len(out) == 2):
          raise TypeError("value_and_grad with has_aux=True requires the function to return a "
                          f"pair (output, auxiliary_data), but it returned {type(out).__name__}.")
        out, aux = out
        aux_leaves, out_info["aux_tree"] = tree_util.tree_flatten(aux)
      out_leaves, out_tree = tree_util.tree_flatten(out)
      if out_tree.num_leaves != 1 or not core.is_array_like(out_leaves[0]):
        raise TypeError("Gradient only defined for scalar-output functions. Output was "
                        f"{out!r}.")
      return [out_leaves[0]] + list(aux_leaves)

    outs, lin = ad.linearize_flat(flat_fun, flat_dyn)
    ans = outs[0]
    _check_output_grad("grad", holomorphic, ans)
    ct = _ones_like(ans)
    cts = lin.transpose([ct] + [Zero(a) for a in lin.out_avals[1:]])
    grads = [_instantiate_ct(c, x) for c, x in zip(cts, flat_dyn)]
    grads = tree_util.tree_unflatten(in_tree, grads)
    g = grads[0] if single else tuple(grads)
    if has_aux:
      aux = tree_util.tree_unflatten(out_info["aux_tree"], outs[1:])
      return (ans, aux), g
    return ans, g

  return value_and_grad_f


def _ones_like(x):
  from jaxlite._src.lax.shapes import full
  aval = core.get_aval(x)
  return full(aval.shape, 1, aval.dtype)


def _instantiate_ct(ct, primal):
  """The cotangent of ``primal`` as a value, weakly typed when the primal is (as in JAX)."""
  aval = core.get_aval(primal).to_tangent_aval()
  if type(ct) is Zero:
    return ad.zeros_like_aval(aval)
  from jaxlite._src.array import ArrayImpl
  if aval.weak_type and type(ct) is ArrayImpl and not ct.weak_type and ct.dtype == aval.dtype:
    return ArrayImpl(ct._value, True)
  return ct


def grad(fun, argnums=0, has_aux=False, holomorphic=False, allow_int=False, reduce_axes=()):
  """Gradient of scalar-valued ``fun`` with respect to positional argument(s) ``argnums``."""
  vg = value_and_grad(fun, argnums, has_aux, holomorphic, allow_int)

  @_wraps(fun, "grad")
  def grad_f(*args, **kwargs):
    if has_aux:
      (_, aux), g = vg(*args, **kwargs)
      return g, aux
    _, g = vg(*args, **kwargs)
    return g

  return grad_f


def vjp(fun, *primals, has_aux=False, reduce_axes=()):
  """``(fun(*primals), vjp_fun)``; ``vjp_fun(ct)`` pulls a cotangent back to the inputs."""
  flat_primals, in_tree = tree_util.tree_flatten(primals)
  flat_primals = [core.to_array(x) for x in flat_primals]
  info = {}

  def flat_fun(*flat):
    out = fun(*tree_util.tree_unflatten(in_tree, list(flat)))
    aux_leaves = []
    if has_aux:
      out, aux = out
      aux_leaves, info["aux_tree"] = tree_util.tree_flatten(aux)
    leaves, info["out_tree"] = tree_util.tree_flatten(out)
    info["n_out"] = len(leaves)
    return list(leaves) + list(aux_leaves)

  outs, lin = ad.linearize_flat(flat_fun, flat_primals)
  n_out = info["n_out"]
  out_tree = info["out_tree"]
  out = tree_util.tree_unflatten(out_tree, outs[:n_out])
  out_avals = lin.out_avals

  def vjp_fun(ct):
    ct_leaves, ct_tree = tree_util.tree_flatten(ct)
    if ct_tree != out_tree:
      raise TypeError(f"Tree structure of cotangent input {ct_tree}, does not match structure "
                      f"of primal output {out_tree}.")
    for c, a in zip(ct_leaves, out_avals):
      caval = core.get_aval(c) if not (isinstance(c, np.ndarray) and c.dtype == dtypes.float0) \
          else core.ShapedArray(c.shape, dtypes.float0)
      if caval.shape != a.shape:
        raise ValueError(f"unexpected JAX type (e.g. shape/dtype) for argument to vjp function: "
                         f"got {caval.str_short(False)}, but expected {a.str_short(False)} "
                         "because the corresponding output of the function had matching type")
    cts = list(ct_leaves) + [Zero(a) for a in out_avals[n_out:]]
    cts_in = lin.transpose(cts)
    return tuple(tree_util.tree_unflatten(
        in_tree, [_instantiate_ct(c, p) for c, p in zip(cts_in, flat_primals)]))

  vjp_fun = tree_util.Partial(_vjp_call, vjp_fun)
  if has_aux:
    return out, vjp_fun, tree_util.tree_unflatten(info["aux_tree"], outs[n_out:])
  return out, vjp_fun


def _vjp_call(f, ct):
  return f(ct)


# ---------------------------------------------------------------------------
# Forward mode

def jvp(fun, primals, tangents, has_aux=False):
  """``(fun(*primals), directional derivative along tangents)``."""
  if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
    raise TypeError("primal and tangent arguments to jax.jvp must be tuples or lists; found "
                    f"{type(primals).__name__} and {type(tangents).__name__}.")
  flat_p, tree_p = tree_util.tree_flatten(tuple(primals))
  flat_t, tree_t = tree_util.tree_flatten(tuple(tangents))
  if tree_p != tree_t:
    raise TypeError("primal and tangent arguments to jax.jvp must have the same tree structure; "
                    f"primals have tree structure {tree_p} whereas tangents have tree structure "
                    f"{tree_t}.")
  ts = []
  for p, t in zip(flat_p, flat_t):
    pa = core.get_aval(p)
    ta = core.ShapedArray(np.shape(t), dtypes.float0) if (
        isinstance(t, np.ndarray) and t.dtype == dtypes.float0) else core.get_aval(t)
    if pa.shape != ta.shape:
      raise ValueError("jvp called with different primal and tangent shapes;Got primal shape "
                       f"{pa.shape} and tangent shape as {ta.shape}")
    expected = pa.to_tangent_aval().dtype
    if ta.dtype != expected:
      raise TypeError("primal and tangent arguments to jax.jvp do not match; dtypes must be "
                      "equal, or in case of int/bool primal dtype the tangent dtype must be "
                      f"float0.Got primal dtype {pa.dtype.name} and so expected tangent dtype "
                      f"{expected.name}, but got tangent dtype {ta.dtype.name} instead.")
    ts.append(Zero(ta) if ta.dtype == dtypes.float0 else t)
  info = {}

  def flat_fun(*flat):
    out = fun(*tree_util.tree_unflatten(tree_p, list(flat)))
    aux_leaves = []
    if has_aux:
      out, aux = out
      aux_leaves, info["aux_tree"] = tree_util.tree_flatten(aux)
    leaves, info["out_tree"] = tree_util.tree_flatten(out)
    info["n"] = len(leaves)
    return list(leaves) + list(aux_leaves)

  outs_p, outs_t = ad.jvp_flat(flat_fun, flat_p, ts)
  n = info["n"]
  out_p = tree_util.tree_unflatten(info["out_tree"], outs_p[:n])
  out_t = tree_util.tree_unflatten(info["out_tree"],
                                   [ad.instantiate_zeros(t) for t in outs_t[:n]])
  if has_aux:
    return out_p, out_t, tree_util.tree_unflatten(info["aux_tree"], outs_p[n:])
  return out_p, out_t


def linearize(fun, *primals, has_aux=False):
  """``(fun(*primals), f_jvp)`` where ``f_jvp`` evaluates the JVP without re-tracing ``fun``."""
  flat_p, in_tree = tree_util.tree_flatten(primals)
  info = {}

  def flat_fun(*flat):
    out = fun(*tree_util.tree_unflatten(in_tree, list(flat)))
    aux_leaves = []
    if has_aux:
      out, aux = out
      aux_leaves, info["aux_tree"] = tree_util.tree_flatten(aux)
    leaves, info["out_tree"] = tree_util.tree_flatten(out)
    info["n"] = len(leaves)
    return list(leaves) + list(aux_leaves)

  outs, lin = ad.linearize_flat(flat_fun, flat_p)
  n = info["n"]
  out_tree = info["out_tree"]

  def f_jvp(*tangents):
    flat_t, t_tree = tree_util.tree_flatten(tangents)
    if t_tree != in_tree:
      raise TypeError(f"linearized function called on tangent values inconsistent with the "
                      f"original primal values: expected structure {in_tree}, got {t_tree}.")
    return tree_util.tree_unflatten(out_tree, lin(*flat_t)[:n])

  out = tree_util.tree_unflatten(out_tree, outs[:n])
  if has_aux:
    return out, f_jvp, tree_util.tree_unflatten(info["aux_tree"], outs[n:])
  return out, f_jvp


# ---------------------------------------------------------------------------
# Jacobians

def _std_basis_for(x):
  """Stacked unit tangents for one input leaf: shape (size,) + x.shape."""
  aval = core.get_aval(x)
  eye = np.eye(aval.size, dtype=aval.dtype).reshape((aval.size,) + aval.shape)
  from jaxlite._src.array import ArrayImpl
  return ArrayImpl(eye)


def jacfwd(fun, argnums=0, has_aux=False, holomorphic=False):
  """Jacobian of ``fun`` by forward mode: one JVP per input coordinate, batched by vmap."""

  @_wraps(fun, "jacfwd")
  def jacfun(*args, **kwargs):
    single, nums = check_argnums(argnums, len(args))
    dyn = tuple(args[i] for i in nums)
    flat_dyn, in_tree = tree_util.tree_flatten(dyn)
    for x in flat_dyn:
      _check_input_dtype_grad("jacfwd", holomorphic, False, x)

    def f_flat(*flat):
      new_args = list(args)
      for i, sub in zip(nums, tree_util.tree_unflatten(in_tree, list(flat))):
        new_args[i] = sub
      return fun(*new_args, **kwargs)

    per_input = []
    out_and_aux = None
    for k, x in enumerate(flat_dyn):
      def push(t, k=k):
        tangents = [ad.zeros_like_aval(core.get_aval(p).to_tangent_aval()) if j != k else t
                    for j, p in enumerate(flat_dyn)]
        res = jvp(f_flat, tuple(flat_dyn), tuple(tangents), has_aux=has_aux)
        return res
      res = vmap(push, out_axes=(None, -1, None) if has_aux else (None, -1))(_std_basis_for(x))
      out_and_aux = res
      per_input.append(res[1])
    y = out_and_aux[0]
    x_shapes = [core.get_aval(x).shape for x in flat_dyn]

    def assemble(y_leaf, *jac_leaves):
      y_shape = core.get_aval(y_leaf).shape
      from jaxlite._src.lax.shapes import reshape
      parts = [reshape(j, y_shape + s) for j, s in zip(jac_leaves, x_shapes)]
      tree = tree_util.tree_unflatten(in_tree, parts)
      return tree[0] if single else tuple(tree)

    jac = tree_util.tree_map(assemble, y, *per_input)
    if has_aux:
      return jac, out_and_aux[2]
    return jac

  return jacfun


def jacrev(fun, argnums=0, has_aux=False, holomorphic=False, allow_int=False):
  """Jacobian of ``fun`` by reverse mode: one VJP per output coordinate, batched by vmap."""

  @_wraps(fun, "jacrev")
  def jacfun(*args, **kwargs):
    single, nums = check_argnums(argnums, len(args))
    dyn = tuple(args[i] for i in nums)
    for x in tree_util.tree_leaves(dyn):
      _check_input_dtype_grad("jacrev", holomorphic, allow_int, x)

    def f_dyn(*d):
      new_args = list(args)
      for i, sub in zip(nums, d):
        new_args[i] = sub
      return fun(*new_args, **kwargs)

    if has_aux:
      y, pullback, aux = vjp(f_dyn, *dyn, has_aux=True)
    else:
      y, pullback = vjp(f_dyn, *dyn)
    y_leaves, y_tree = tree_util.tree_flatten(y)
    rows = []
    for k, yl in enumerate(y_leaves):
      def pull(ct, k=k):
        cts = [ad.zeros_like_aval(core.get_aval(o)) if j != k else ct
               for j, o in enumerate(y_leaves)]
        return pullback(tree_util.tree_unflatten(y_tree, cts))
      rows.append(vmap(pull)(_std_basis_for(yl)))
    from jaxlite._src.lax.shapes import reshape

    def per_output(yl, row):
      y_shape = core.get_aval(yl).shape
      fixed = tree_util.tree_map(lambda g, x: reshape(g, y_shape + core.get_aval(x).shape),
                                 row, dyn)
      return fixed[0] if single else tuple(fixed)

    jac = tree_util.tree_unflatten(y_tree, [per_output(yl, r) for yl, r in zip(y_leaves, rows)])
    if has_aux:
      return jac, aux
    return jac

  return jacfun


jacobian = jacrev


def hessian(fun, argnums=0, has_aux=False, holomorphic=False):
  return jacfwd(jacrev(fun, argnums, has_aux=has_aux, holomorphic=holomorphic), argnums,
                has_aux=has_aux, holomorphic=holomorphic)


# ---------------------------------------------------------------------------
# vmap

def _mapped_axis_size(fun, flat_args, flat_axes, in_tree, axis_size):
  sizes = {}
  for x, ax in zip(flat_args, flat_axes):
    if ax is None:
      continue
    shape = core.get_aval(x).shape
    if not -len(shape) <= ax < len(shape) or not shape:
      raise ValueError(f"vmap was requested to map its argument along axis {ax}, which implies "
                       f"that its rank should be at least {ax + 1 if ax >= 0 else -ax}, but is "
                       f"only {len(shape)} (its shape is {shape})")
    sizes.setdefault(shape[ax], []).append((x, ax))
  if axis_size is not None:
    if sizes and set(sizes) != {axis_size}:
      raise ValueError(f"vmap got axis_size={axis_size} but the mapped axes have sizes "
                       f"{sorted(sizes)}.")
    return axis_size
  if not sizes:
    raise ValueError("vmap must have at least one non-None value in in_axes (or pass "
                     "axis_size=...)")
  if len(sizes) > 1:
    lines = []
    for size, items in sizes.items():
      for x, ax in items:
        lines.append(f"  * one axis had size {size}: axis {ax} of an argument of type "
                     f"{core.get_aval(x).str_short(False)}")
    raise ValueError("vmap got inconsistent sizes for array axes to be mapped:\n" +
                     ";\n".join(lines))
  return next(iter(sizes))


def vmap(fun, in_axes=0, out_axes=0, axis_name=None, axis_size=None, spmd_axis_name=None):
  """Vectorize ``fun`` over the axes ``in_axes`` of its arguments."""
  if isinstance(in_axes, list):
    in_axes = tuple(in_axes)
  if not (in_axes is None or isinstance(in_axes, (int, tuple, dict)) or
          tree_util.tree_leaves(in_axes)):
    raise TypeError("vmap in_axes must be an int, None, or a tuple of entries corresponding to "
                    f"the positional arguments passed to the function, but got {in_axes}.")
  for ax in tree_util.tree_leaves(in_axes):
    if not isinstance(ax, int):
      raise TypeError(f"vmap in_axes must be an int, None, or (nested) container with those "
                      f"types as leaves, but got {ax}.")

  @_wraps(fun, "vmap")
  def vmap_f(*args, **kwargs):
    if isinstance(in_axes, tuple) and len(in_axes) != len(args):
      raise ValueError("vmap in_axes must be an int, None, or a tuple of entries corresponding "
                       "to the positional arguments passed to the function, but got "
                       f"len(in_axes)={len(in_axes)}, len(args)={len(args)}")
    flat_args, in_tree = tree_util.tree_flatten((args, kwargs))
    flat_axes = flatten_axes("vmap in_axes", in_tree, (in_axes, 0))
    size = _mapped_axis_size(fun, flat_args, flat_axes, in_tree, axis_size)
    trace = batching.BatchTrace(core.current_trace(), size, axis_name, spmd_axis_name)
    tracers = []
    for x, ax in zip(flat_args, flat_axes):
      if ax is None:
        tracers.append(x)
      else:
        nd = len(core.get_aval(x).shape)
        tracers.append(batching.BatchTracer(trace, core.to_array(x), ax % nd))
    env = core.extend_axis_env(axis_name, size) if axis_name is not None else \
        contextlib.nullcontext()
    try:
      with core.set_current_trace(trace), env:
        a, k = tree_util.tree_unflatten(in_tree, tracers)
        out = fun(*a, **k)
      out_flat, out_tree = tree_util.tree_flatten(out)
      out_axes_flat = flatten_axes("vmap out_axes", out_tree, out_axes)
      results = []
      for o, ax in zip(out_flat, out_axes_flat):
        val, dim = trace.to_batch_info(o)
        if ax is not None:
          nd = len(core.get_aval(val).shape) + (dim is None)
          ax = ax % nd
        results.append(batching.matchaxis(size, dim, ax, val))
    finally:
      trace.invalidate()
    return tree_util.tree_unflatten(out_tree, results)

  return vmap_f


# ---------------------------------------------------------------------------
# Staging and shapes

class ShapeDtypeStruct:
  """A shape and dtype standing in for an array (for eval_shape, lower, make_jaxpr)."""
  __slots__ = ("shape", "dtype", "sharding", "weak_type")

  def __init__(self, shape, dtype, sharding=None, weak_type=False):
    self.shape = tuple(shape)
    # Kept as given (int64 stays int64, as in JAX); tracing canonicalizes it (see aval).
    self.dtype = dtypes.dtype(dtype) if dtype is not None else None
    self.sharding = sharding
    self.weak_type = weak_type

  @property
  def ndim(self):
    return len(self.shape)

  @property
  def size(self):
    return int(np.prod(self.shape, dtype=np.int64))

  @property
  def aval(self):
    return core.ShapedArray(self.shape, dtypes.canonicalize_dtype(self.dtype), self.weak_type)

  def __len__(self):
    if not self.shape:
      raise TypeError("len() of unsized object")
    return self.shape[0]

  def __repr__(self):
    weak = ", weak_type=True" if self.weak_type else ""
    return f"ShapeDtypeStruct(shape={self.shape}, dtype={self.dtype.name}{weak})"

  def __eq__(self, other):
    return (isinstance(other, ShapeDtypeStruct) and self.shape == other.shape and
            self.dtype == other.dtype and self.weak_type == other.weak_type)

  def __hash__(self):
    return hash((self.shape, self.dtype, self.weak_type))


def _abstractify(x):
  if isinstance(x, ShapeDtypeStruct):
    return x.aval
  return core.get_aval(x)


def make_jaxpr(fun, static_argnums=(), axis_env=None, return_shape=False,
               abstracted_axes=None):
  """A function returning the ClosedJaxpr of ``fun`` traced on its arguments' shapes."""
  if isinstance(static_argnums, int):
    static_argnums = (static_argnums,)

  @_wraps(fun, "make_jaxpr")
  def make_jaxpr_f(*args, **kwargs):
    static = {i % len(args) for i in static_argnums} if args else set()
    dyn_args = [a for i, a in enumerate(args) if i not in static]
    flat, in_tree = tree_util.tree_flatten((dyn_args, kwargs))
    info = {}

    def flat_fun(*flat_in):
      dyn, kw = tree_util.tree_unflatten(in_tree, list(flat_in))
      it = iter(dyn)
      full = [args[i] if i in static else next(it) for i in range(len(args))]
      out = fun(*full, **kw)
      leaves, info["out_tree"] = tree_util.tree_flatten(out)
      return leaves

    closed = pe.trace_to_jaxpr(flat_fun, [_abstractify(x) for x in flat],
                               debug_info=fun_name(fun))
    if return_shape:
      shapes = [ShapeDtypeStruct(a.shape, a.dtype, weak_type=a.weak_type)
                for a in closed.out_avals]
      return closed, tree_util.tree_unflatten(info["out_tree"], shapes)
    return closed

  return make_jaxpr_f


def eval_shape(fun, *args, **kwargs):
  """Shapes and dtypes of ``fun``'s outputs, found by tracing without computing."""
  flat, in_tree = tree_util.tree_flatten((args, kwargs))
  info = {}

  def flat_fun(*flat_in):
    a, k = tree_util.tree_unflatten(in_tree, list(flat_in))
    leaves, info["out_tree"] = tree_util.tree_flatten(fun(*a, **k))
    return leaves

  closed = pe.trace_to_jaxpr(flat_fun, [_abstractify(x) for x in flat])
  return tree_util.tree_unflatten(
      info["out_tree"],
      [ShapeDtypeStruct(a.shape, a.dtype, weak_type=a.weak_type) for a in closed.out_avals])


def closure_convert(fun, *example_args):
  """``fun`` with its closed-over float constants hoisted to extra trailing arguments."""
  flat, in_tree = tree_util.tree_flatten(example_args)
  info = {}

  def flat_fun(*flat_in):
    leaves, info["out_tree"] = tree_util.tree_flatten(
        fun(*tree_util.tree_unflatten(in_tree, list(flat_in))))
    return leaves

  closed = pe.trace_to_jaxpr(flat_fun, [_abstractify(x) for x in flat])
  jaxpr = closed.jaxpr
  hoist = [i for i, c in enumerate(closed.consts)
           if dtypes.is_inexact(core.get_aval(c).dtype)]
  hoisted = [closed.consts[i] for i in hoist]

  def converted(*args_and_consts):
    n = len(args_and_consts) - len(hoisted)
    args, consts = args_and_consts[:n], args_and_consts[n:]
    all_consts = list(closed.consts)
    for i, c in zip(hoist, consts):
      all_consts[i] = c
    from jaxlite._src.jaxpr import eval_jaxpr
    outs = eval_jaxpr(jaxpr, all_consts, *tree_util.tree_leaves(args))
    return tree_util.tree_unflatten(info["out_tree"], outs)

  return converted, hoisted


def named_call(fun, *, name=None):
  """``fun`` under a name for profiles and jaxprs (jaxlite keeps no name stack: identity)."""
  return fun


class named_scope:
  """Context manager naming the operations inside it (no-op: jaxlite keeps no name stack)."""

  def __init__(self, name):
    if not isinstance(name, str):
      raise TypeError(f"named_scope name argument must be a string, got {name!r}")
    self.name = name

  def __enter__(self):
    return self

  def __exit__(self, *exc):
    return False


def linear_transpose(fun, *primals, reduce_axes=()):
  """The transpose of the linear function ``fun`` at the shapes of ``primals``."""
  flat, in_tree = tree_util.tree_flatten(primals)
  flat = [core.to_array(x) for x in flat]
  info = {}

  def flat_fun(*xs):
    leaves, info["out_tree"] = tree_util.tree_flatten(fun(*tree_util.tree_unflatten(in_tree,
                                                                                    list(xs))))
    return leaves

  in_avals = [core.get_aval(x) for x in flat]
  closed = pe.trace_to_jaxpr(flat_fun, in_avals, "linear_transpose")
  out_avals = closed.out_avals

  def transposed(*cts):
    ct_leaves, ct_tree = tree_util.tree_flatten(cts[0] if len(cts) == 1 else cts)
    if ct_tree != info["out_tree"]:
      raise TypeError(f"cotangent tree structure {ct_tree} does not match the output "
                      f"structure {info['out_tree']} of the linear function")
    for c, a in zip(ct_leaves, out_avals):
      if core.get_aval(core.to_array(c)).shape != a.shape:
        raise TypeError(f"cotangent of shape {core.get_aval(core.to_array(c)).shape} does not "
                        f"match output shape {a.shape}")
    args = [ad.UndefinedPrimal(a) for a in in_avals]
    cts_in = ad.backward_pass(closed.jaxpr, closed.consts, args, ct_leaves)
    return tree_util.tree_unflatten(in_tree, [_instantiate_ct(c, p)
                                              for c, p in zip(cts_in, flat)])

  return transposed
