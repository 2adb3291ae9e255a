"""``jit``: trace once per signature, run the compiler pipeline, cache, call generated code.

Under another transformation a jitted call is a ``jit`` primitive whose parameter is the
traced jaxpr, so grad/vmap of a jitted function stay compiled: the rules below transform
the inner jaxpr and bind ``jit`` again."""
from __future__ import annotations

import functools
import logging
import math
import time
import weakref

import numpy as np

from jaxlite._src import async_dispatch, blas_threads, compiler, donation
from jaxlite._src import core
from jaxlite._src import dtypes
from jaxlite._src import tree_util
from jaxlite._src.api_util import fun_name, resolve_static_argnums
from jaxlite._src.array import ArrayImpl
from jaxlite._src.compiler import codegen, passes, simplify
from jaxlite._src.config import config
from jaxlite._src.core import Tracer
from jaxlite._src.interpreters import ad, batching
from jaxlite._src.interpreters import partial_eval as pe
from jaxlite._src.interpreters.ad import Zero
from jaxlite._src.jaxpr import ClosedJaxpr

logger = logging.getLogger("jaxlite")


# ---------------------------------------------------------------------------
# Executables

class Executable:
  """Generated code for a closed jaxpr, callable on NumPy arrays.

  ``optimize`` (default: ``compiler.OPTIMIZE_DEFAULT``) adds algebraic simplification,
  fusion of elementwise chains and buffer reuse (docs/compiler.md) to the always-on passes;
  off, the code is the plain one-call-per-equation translation that the optimised code is
  tested against."""

  def __init__(self, closed: ClosedJaxpr, name: str, optimize=None, donated=frozenset()):
    if optimize is None:
      optimize = compiler.OPTIMIZE_DEFAULT
    jaxpr, consts = closed.jaxpr, list(closed.consts)
    jaxpr, extra = passes.inline_calls(jaxpr, {jit_p})
    consts += extra
    jaxpr = passes.cse(jaxpr)
    if optimize:
      jaxpr = simplify.simplify(jaxpr)
    jaxpr = passes.dce(jaxpr)
    jaxpr, consts = passes.fold_constants(jaxpr, consts)
    jaxpr = passes.cse(jaxpr)
    jaxpr = passes.dce(jaxpr)
    jaxpr, consts = passes.prune_constvars(jaxpr, consts)
    self.jaxpr = jaxpr
    self.name = name
    self.optimize = optimize
    self.consts = [np.asarray(c._value if type(c) is ArrayImpl else c) for c in consts]
    # Donated inputs (positions in the flat arguments) may be written over (jit's
    # donate_argnums); the caller passes buffers nothing else can see.
    self.donated = donated
    self.source, namespace = codegen.emit_jaxpr(jaxpr, consts=self.consts, optimize=optimize,
                                                donated=donated)
    self.fn = self.generated = codegen.compile_source(self.source, namespace, "fn")
    if blas_threads.wants_one_thread(_largest_product_flops(jaxpr)):
      self.fn = _on_one_blas_thread(self.fn)
    self.out_weak = [v.aval.weak_type for v in closed.jaxpr.outvars]
    self.out_dtypes = [v.aval.dtype for v in closed.jaxpr.outvars]
    self.out_avals = [v.aval for v in closed.jaxpr.outvars]
    # Asynchronous dispatch (async_dispatch.py): decided after timing the first calls.
    self.probe = async_dispatch.Probe() if jaxpr.outvars and _may_run_async(jaxpr) else None
    self.run_async = False
    self.plain = self.probe is None   # calls go straight to fn

  def call_numpy(self, args):
    return self.fn(*self.consts, *args)

  def __call__(self, sources):
    """Run on NumPy arguments or pending results (``_source``); returns jaxlite Arrays."""
    if self.run_async and config.jax_cpu_enable_async_dispatch:
      results = async_dispatch.submit(self.fn, self.consts, sources, self.out_avals)
      return [ArrayImpl._pending(r, w) for r, w in zip(results, self.out_weak)]
    args = [s if type(s) is np.ndarray else s.value() for s in sources]
    probe = self.probe
    if probe is None:
      outs = self.fn(*self.consts, *args)
    else:
      outs = probe.timed(self.fn, [*self.consts, *args])
      if probe.left == 0:
        self.run_async = probe.verdict()
        self.probe = None
        self.plain = not self.run_async
    return [ArrayImpl(o, w) for o, w in zip(outs, self.out_weak)]


def _may_run_async(jaxpr) -> bool:
  """No effects and no user callbacks: nothing whose order or thread the caller sees."""
  for eqn in jaxpr.eqns:
    if passes.is_effectful(eqn) or eqn.primitive.name == "pure_callback":
      return False
    for p in eqn.params.values():
      for sub in (p if isinstance(p, tuple) else (p,)):
        sub = getattr(sub, "jaxpr", sub)
        if hasattr(sub, "eqns") and not _may_run_async(sub):
          return False
  return True


def _source(x):
  """What generated code gets for one argument leaf: a NumPy array, or the pending result
  of an asynchronous call (the worker reads it when it gets there)."""
  if type(x) is ArrayImpl:
    later = x._later
    if later is None:
      return x._value
    if type(later) is async_dispatch.Result:
      return later
    return x._value  # deleted: raises
  return _leaf_value(x)


def _largest_product_flops(jaxpr) -> int:
  """The flops of the biggest matrix product or convolution in ``jaxpr`` (sub-jaxprs
  included)."""
  best = 0
  for eqn in jaxpr.eqns:
    if eqn.primitive.name == "dot_general":
      lhs, rhs = (v.aval for v in eqn.invars)
      (_, rc), (_, rb) = eqn.params["dimension_numbers"]
      free = [d for i, d in enumerate(rhs.shape) if i not in rc and i not in rb]
      best = max(best, 2 * math.prod(lhs.shape) * math.prod(free))
    elif eqn.primitive.name == "conv_general_dilated":
      # One product per call: each output element sums over a window of the input features.
      kernel = eqn.invars[1].aval.shape
      out_features = kernel[eqn.params["dimension_numbers"].rhs_spec[0]]
      per_output = math.prod(kernel) // max(out_features, 1)
      best = max(best, 2 * math.prod(eqn.outvars[0].aval.shape) * per_output)
    for p in eqn.params.values():
      for sub in (p if isinstance(p, tuple) else (p,)):
        sub = getattr(sub, "jaxpr", sub)  # a ClosedJaxpr's jaxpr
        if hasattr(sub, "eqns"):
          best = max(best, _largest_product_flops(sub))
  return best


def _on_one_blas_thread(fn):
  """``fn`` run with one BLAS thread: its products are all small (see blas_threads)."""
  def run(*args):
    with blas_threads.one_thread():
      return fn(*args)
  return run


def _executable_for(closed: ClosedJaxpr, name: str) -> Executable:
  exe = _exe_cache.get(closed)
  if exe is None:
    exe = _exe_cache[closed] = Executable(closed, name)
  return exe


_exe_cache: "weakref.WeakKeyDictionary[ClosedJaxpr, Executable]" = weakref.WeakKeyDictionary()


# ---------------------------------------------------------------------------
# The jit primitive

jit_p = core.Primitive("jit", multiple_results=True)


def _jit_impl(*args, jaxpr, name, **_):
  return _executable_for(jaxpr, name).call_numpy(args)


jit_p.def_impl(_jit_impl)
jit_p.def_abstract_eval(lambda *avals, jaxpr, name, **_: list(jaxpr.out_avals))
jit_p.weak_type_rule = lambda flags, *, jaxpr, **_: [a.weak_type for a in jaxpr.out_avals]


def _jit_jvp(primals, tangents, *, jaxpr, name, **params):
  nonzeros = [type(t) is not Zero for t in tangents]
  jvp_closed, out_nz = ad.jvp_jaxpr(jaxpr, nonzeros)
  outs = jit_p.bind(*primals, *[t for t in tangents if type(t) is not Zero],
                    jaxpr=jvp_closed, name=name)
  n = len(jaxpr.out_avals)
  nz_iter = iter(outs[n:])
  tangent_out = [next(nz_iter) if nz else Zero(a.to_tangent_aval())
                 for a, nz in zip(jaxpr.out_avals, out_nz)]
  return outs[:n], tangent_out


def _jit_linearize(parent, tangent_trace, primals, tangents, *, jaxpr, name, **params):
  # The primal half runs now as one jit call; the tangent half is staged as another.
  nonzeros = [type(t) is not Zero for t in tangents]
  known, unknown, out_nz, n_res = ad.linearize_jaxpr(jaxpr, nonzeros)
  known_outs = jit_p.bind_with_trace(parent, list(primals), dict(jaxpr=known, name=name))
  n = len(jaxpr.out_avals)
  primal_out, residuals = known_outs[:n], known_outs[n:]
  nz_tangents = [t for t in tangents if type(t) is not Zero]
  tangent_nz = jit_p.bind_with_trace(tangent_trace, list(residuals) + nz_tangents,
                                     dict(jaxpr=unknown, name=f"jvp({name})"))
  it = iter(tangent_nz)
  tangent_out = [next(it) if nz else Zero(a.to_tangent_aval())
                 for a, nz in zip(jaxpr.out_avals, out_nz)]
  return primal_out, tangent_out


def _jit_transpose(cts, *args, jaxpr, name, **params):
  linear = [ad.is_undefined_primal(a) for a in args]
  known_args = [a for a, lin in zip(args, linear) if not lin]
  cts = [ad.instantiate_zeros(c) for c in cts]
  n_known = len(known_args)

  def transposed(*known_and_cts):
    it = iter(known_and_cts[:n_known])
    full = [a if lin else next(it) for a, lin in zip(args, linear)]
    cts_in = ad.backward_pass(jaxpr.jaxpr, jaxpr.consts, full, known_and_cts[n_known:])
    return [ad.instantiate_zeros(c) for c, lin in zip(cts_in, linear) if lin]

  in_avals = [core.get_aval(a) for a in known_args] + [core.get_aval(c) for c in cts]
  t_closed = pe.trace_to_jaxpr(transposed, in_avals, "transpose")
  outs = jit_p.bind(*known_args, *cts, jaxpr=t_closed, name=f"transpose({name})")
  it = iter(outs)
  return [next(it) if lin else None for lin in linear]


def _jit_batch(vals, dims, *, jaxpr, name, axis_size=None, axis_name=None, **params):
  size = next(batching._shape(v)[d] for v, d in zip(vals, dims) if d is not None)
  batched = batching.batch_jaxpr(jaxpr, size, dims, axis_name)
  outs = jit_p.bind(*vals, jaxpr=batched, name=name)
  return outs, [0] * len(outs)


_jit_batch.wants_axis = True
ad.primitive_jvps[jit_p] = _jit_jvp
ad.primitive_linearizations[jit_p] = _jit_linearize
ad.primitive_transposes[jit_p] = _jit_transpose
batching.primitive_batchers[jit_p] = _jit_batch


# ---------------------------------------------------------------------------
# The user-facing wrapper

def _leaf_signature(x):
  t = type(x)
  if t is ArrayImpl:
    return (x.shape, x.dtype, x.weak_type)
  if t in (int, float, complex, bool):
    return (t, dtypes.python_scalar_dtype(x))
  if isinstance(x, Tracer):
    a = x.aval
    return (a.shape, a.dtype, a.weak_type)
  if isinstance(x, (np.ndarray, np.generic)):
    return (x.shape, dtypes.canonicalize_dtype(x.dtype), False)
  if hasattr(x, "__jax_array__"):
    return _leaf_signature(x.__jax_array__())
  aval = _struct_aval(x)
  if aval is not None:  # lower/trace/eval_shape on shapes alone (calls refuse it later)
    return (aval.shape, aval.dtype, aval.weak_type)
  raise TypeError(f"Argument {x!r} of type {type(x)} is not a valid JAX type.")


def _struct_aval(x):
  """The abstract value of a ``ShapeDtypeStruct`` leaf, else None."""
  from jaxlite._src.api import ShapeDtypeStruct  # api imports this module
  return x.aval if isinstance(x, ShapeDtypeStruct) else None


def _abstractify(x):
  aval = _struct_aval(x)
  return aval if aval is not None else core.get_aval(core.to_array(x))


def _leaf_value(x):
  """The NumPy buffer passed to generated code for one argument leaf."""
  t = type(x)
  if t is ArrayImpl:
    return x._value
  if t in (int, float, complex, bool):
    return np.asarray(x, dtypes.python_scalar_dtype(x))
  if isinstance(x, np.ndarray):
    # Copy: the caller may mutate their NumPy array, and outputs may alias inputs.
    return np.array(x, dtype=dtypes.canonicalize_dtype(x.dtype))
  if isinstance(x, np.generic):
    return np.asarray(x, dtypes.canonicalize_dtype(x.dtype))
  if hasattr(x, "__jax_array__"):
    return _leaf_value(x.__jax_array__())
  raise TypeError(f"Argument {x!r} of type {type(x)} is not a valid JAX type.")


class _CacheEntry:
  __slots__ = ("closed", "out_tree", "executable", "has_tracer_consts", "single_leaf_out",
               "donated")

  def __init__(self, closed, out_tree, executable, has_tracer_consts, donated=()):
    self.closed = closed
    self.out_tree = out_tree
    self.executable = executable
    self.has_tracer_consts = has_tracer_consts
    self.single_leaf_out = out_tree.num_leaves == 1 and out_tree.num_nodes == 1
    self.donated = donated  # flat argument positions whose buffers the call takes over


_all_jitted: "weakref.WeakSet" = weakref.WeakSet()
CACHE_SIZE = 4096  # signatures kept per jitted function


class JitWrapped:
  """What ``jax.jit(f)`` returns: call it, ``lower`` it, ``trace`` it, ``eval_shape`` it."""

  def __init__(self, fun, static_argnums=None, static_argnames=None, donate_argnums=None,
               donate_argnames=None, keep_unused=False, inline=False, device=None,
               backend=None, in_shardings=None, out_shardings=None, abstracted_axes=None,
               compiler_options=None):
    if not callable(fun):
      raise TypeError(f"Expected a callable value, got {fun!r}")
    self._fun = fun
    self._static_argnums, self._static_argnames = resolve_static_argnums(
        fun, static_argnums, static_argnames)
    self._donate_argnums, self._donate_argnames = donation.resolve(
        fun, donate_argnums, donate_argnames, self._static_argnums, self._static_argnames)
    self._inline = inline
    self._cache: dict = {}
    # Calls whose arguments are all positional Arrays skip pytree flattening: keyed by the
    # argument signatures alone.
    self._fast_cache: dict = {}
    self._fast_ok = not (self._static_argnums or self._static_argnames or
                         self._donate_argnums or self._donate_argnames)
    self._last_key = None
    self._name = fun_name(fun)
    functools.update_wrapper(self, fun, updated=())
    _all_jitted.add(self)

  # -- argument handling ----------------------------------------------------
  def _split_args(self, args, kwargs):
    nargs = len(args)
    statics = self._static_argnums
    if statics:
      static_pos = tuple(i % nargs for i in statics if -nargs <= i < nargs)
      dyn_args = tuple(a for i, a in enumerate(args) if i not in static_pos)
      static_vals = tuple(args[i] for i in static_pos)
    else:
      static_pos, dyn_args, static_vals = (), args, ()
    if kwargs and self._static_argnames:
      dyn_kwargs = {k: v for k, v in kwargs.items() if k not in self._static_argnames}
      static_kw = tuple(sorted((k, v) for k, v in kwargs.items() if k in self._static_argnames))
    else:
      dyn_kwargs, static_kw = kwargs, ()
    return static_pos, dyn_args, dyn_kwargs, static_vals, static_kw

  def _key(self, args, kwargs):
    """(cache key, flat dynamic leaves, their treedef, whether a leaf is a tracer)."""
    if not kwargs and self._fast_ok:
      static_pos, static_vals, static_kw = (), (), ()
      leaves, treedef = tree_util.tree_flatten(args)
    else:
      static_pos, dyn_args, dyn_kwargs, static_vals, static_kw = self._split_args(args, kwargs)
      leaves, treedef = tree_util.tree_flatten((dyn_args, dyn_kwargs))
    sig = []
    has_tracer = False
    for x in leaves:
      if type(x) is ArrayImpl:
        v = x._value if x._later is None else x._later
        sig.append((v.shape, v.dtype, x.weak_type))
      else:
        has_tracer = has_tracer or isinstance(x, Tracer)
        try:
          sig.append(_leaf_signature(x))
        except TypeError:
          path = self._arg_paths(args, kwargs, treedef)[len(sig)]
          raise TypeError(
              f"Error interpreting argument to {self._fun!r} as an abstract array. The "
              f"problematic value is of type {type(x)} and was passed to the function at path "
              f"{path}.\nThis typically means that a jit-wrapped function was called with a "
              "non-array argument, and this argument was not marked as static using the "
              "static_argnums or static_argnames parameters of jax.jit.") from None
    key = (treedef, tuple(sig), (static_pos, static_vals, static_kw), config._trace_ctx)
    return key, leaves, treedef, has_tracer

  def _unflatten_args(self, args, kwargs, treedef, flat):
    """Rebuild the full call arguments from the dynamic leaves (statics put back)."""
    if not kwargs and self._fast_ok:
      return tree_util.tree_unflatten(treedef, flat), {}
    static_pos = self._split_args(args, kwargs)[0]
    dyn_args, dyn_kwargs = tree_util.tree_unflatten(treedef, flat)
    it = iter(dyn_args)
    full = [args[i] if i in static_pos else next(it) for i in range(len(args))]
    kw = dict(kwargs)
    kw.update(dyn_kwargs)
    return full, kw

  def _trace(self, args, kwargs, leaves, treedef):
    info = {}

    def flat_fun(*flat):
      full, kw = self._unflatten_args(args, kwargs, treedef, list(flat))
      out = self._fun(*full, **kw)
      out_leaves, info["out_tree"] = tree_util.tree_flatten(out)
      return out_leaves

    in_avals = [x.aval if isinstance(x, Tracer) else _abstractify(x) for x in leaves]
    debug = pe.DebugInfo("jit", self._fun, self._arg_paths(args, kwargs, treedef))
    closed = pe.trace_to_jaxpr(flat_fun, in_avals, debug_info=debug)
    return closed, info["out_tree"]

  def _arg_paths(self, args, kwargs, treedef):
    """A readable path per dynamic leaf: ``x``, ``params['w']``, ``args[2][0]``."""
    from jaxlite._src.api_util import fun_signature
    sig = fun_signature(self._fun)
    names = []
    if sig is not None:
      params = [p for p in sig.parameters.values()
                if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
      names = [p.name for p in params]
    paths = []
    static_pos = self._split_args(args, kwargs)[0] if (kwargs or not self._fast_ok) else ()
    dyn_positions = [i for i in range(len(args)) if i not in static_pos]
    with_path, _ = tree_util.tree_flatten_with_path(
        tree_util.tree_unflatten(treedef, list(range(treedef.num_leaves))))
    for key_path, _leaf in with_path:
      if not kwargs and self._fast_ok:
        pos_key, rest = key_path[0], key_path[1:]
        pos = dyn_positions[pos_key.idx] if hasattr(pos_key, "idx") else 0
      else:
        group, pos_key, rest = key_path[0], key_path[1], key_path[2:]
        if getattr(group, "idx", 0) == 1:  # keyword argument
          paths.append(f"{pos_key.key}{tree_util.keystr(rest)}")
          continue
        pos = dyn_positions[pos_key.idx]
      base = names[pos] if pos < len(names) else f"args[{pos}]"
      paths.append(base + tree_util.keystr(tuple(rest)))
    return paths

  def _get_entry(self, args, kwargs):
    key, leaves, treedef, has_tracer = self._key(args, kwargs)
    try:
      entry = self._cache.get(key)
    except TypeError as e:
      static_vals = self._split_args(args, kwargs)[3] + tuple(
          v for _, v in self._split_args(args, kwargs)[4])
      bad = next((v for v in static_vals if not _is_hashable(v)), None)
      raise ValueError(
          f"Non-hashable static arguments are not supported. An error occurred while trying "
          f"to hash an object of type {type(bad)}, {bad!r}. The error was:\nTypeError: {e}"
      ) from None
    if entry is None:
      if config.jax_explain_cache_misses:
        _explain_miss(self, key)
      t0 = time.perf_counter()
      closed, out_tree = self._trace(args, kwargs, leaves, treedef)
      has_tracer_consts = pe.closed_jaxpr_has_tracer_consts(closed)
      donated = donation.usable(self, args, kwargs, closed) if (
          self._donate_argnums or self._donate_argnames) else ()
      exe = None if has_tracer_consts else Executable(closed, self._name,
                                                      donated=frozenset(donated))
      entry = _CacheEntry(closed, out_tree, exe, has_tracer_consts, donated)
      if not has_tracer_consts:
        if len(self._cache) >= CACHE_SIZE:  # drop the oldest signature (dicts keep order)
          del self._cache[next(iter(self._cache))]
          self._fast_cache.clear()
        self._cache[key] = entry
      self._last_key = key
      if config.jax_log_compiles:
        avals = ", ".join(a.str_short(False) for a in closed.in_avals)
        logger.warning("Compiling %s with global shapes and types [%s]. Took %.2f ms.",
                       self._name, avals, (time.perf_counter() - t0) * 1e3)
    return entry, leaves, has_tracer

  # -- calling --------------------------------------------------------------
  def __call__(self, *args, **kwargs):
    all_arrays = False
    if self._fast_ok and not kwargs and core._state.trace is core.eval_trace:
      sig = []
      for a in args:
        if type(a) is not ArrayImpl:
          break
        v = a._value if a._later is None else a._later  # pending: its shape, no wait
        sig.append((v.shape, v.dtype, a.weak_type))
      else:
        all_arrays = True
        entry = self._fast_cache.get((tuple(sig), config._trace_ctx))
        if entry is not None and not config.jax_disable_jit and not config.jax_debug_nans \
            and not config.jax_debug_infs:
          exe = entry.executable
          if exe.plain:
            outs = exe.fn(*exe.consts, *[a._value for a in args])
            if entry.single_leaf_out:
              return ArrayImpl(outs[0], exe.out_weak[0])
            outs = [ArrayImpl(o, w) for o, w in zip(outs, exe.out_weak)]
          else:
            outs = exe([_source(a) for a in args])
            if entry.single_leaf_out:
              return outs[0]
          return tree_util.tree_unflatten(entry.out_tree, outs)
    if config.jax_disable_jit:
      return self._fun(*args, **kwargs)
    entry, leaves, has_tracer = self._get_entry(args, kwargs)
    if all_arrays and entry.executable is not None:
      self._fast_cache[(tuple(sig), config._trace_ctx)] = entry
    trace = core._state.trace
    if trace is core.eval_trace and entry.executable is not None and not has_tracer:
      exe = entry.executable
      if entry.donated:
        outs = exe(donation.sources(leaves, entry.donated, _source))
      elif exe.plain:  # the common case, without the checks for pending arguments
        outs = exe.fn(*exe.consts, *[x._value if type(x) is ArrayImpl else _leaf_value(x)
                                     for x in leaves])
        outs = [ArrayImpl(o, w) for o, w in zip(outs, exe.out_weak)]
      else:
        outs = exe([_source(x) for x in leaves])
      if config.jax_debug_nans or config.jax_debug_infs:
        self._check_nans(outs, args, kwargs)
      return tree_util.tree_unflatten(entry.out_tree, outs)
    closed = entry.closed
    if entry.has_tracer_consts:
      # Closed-over tracers become explicit arguments so outer traces see them.
      consts = closed.consts
      closed = ClosedJaxpr(pe.convert_constvars_jaxpr(closed.jaxpr), [])
      outs = jit_p.bind(*consts, *leaves, jaxpr=closed, name=self._name)
    else:
      outs = jit_p.bind(*leaves, jaxpr=closed, name=self._name)
    return tree_util.tree_unflatten(entry.out_tree, outs)

  def _check_nans(self, outs, args, kwargs):
    """On a NaN/inf output, re-run op by op so the error names the primitive (as JAX does)."""
    try:
      core.check_nans(self._name, outs)
    except FloatingPointError:
      kind = "nan" if config.jax_debug_nans else "inf"
      print(f"Invalid {kind} value encountered in the output of a jax.jit function. Calling "
            "the de-optimized version.")
      from jaxlite._src.config import disable_jit
      with disable_jit():
        self._fun(*args, **kwargs)
      raise

  def __get__(self, obj, objtype=None):
    if obj is None:
      return self
    return functools.partial(self, obj)

  def __repr__(self):
    return f"<jaxlite.jit({self._name})>"

  # -- AOT stages -----------------------------------------------------------
  def trace(self, *args, **kwargs):
    entry = self._get_entry(args, kwargs)[0]
    return Traced(self, entry)

  def lower(self, *args, **kwargs):
    return self.trace(*args, **kwargs).lower()

  def eval_shape(self, *args, **kwargs):
    from jaxlite._src.api import ShapeDtypeStruct
    entry = self._get_entry(args, kwargs)[0]
    shapes = [ShapeDtypeStruct(a.shape, a.dtype, weak_type=a.weak_type)
              for a in entry.closed.out_avals]
    return tree_util.tree_unflatten(entry.out_tree, shapes)

  def clear_cache(self):
    self._cache.clear()
    self._fast_cache.clear()

  def _cache_size(self):
    return len(self._cache)


def _is_hashable(v):
  try:
    hash(v)
    return True
  except TypeError:
    return False


def _explain_miss(wrapped, key):
  if not wrapped._cache:
    logger.warning("TRACING CACHE MISS at %s: never seen function %s", wrapped._name,
                   wrapped._name)
    return
  prev = wrapped._last_key or next(iter(wrapped._cache))
  reasons = []
  if prev[0] != key[0]:
    reasons.append(f"different input pytree structure: {prev[0]} vs {key[0]}")
  elif prev[1] != key[1]:
    for i, (a, b) in enumerate(zip(prev[1], key[1])):
      if a != b:
        reasons.append(f"argument leaf {i} changed from {_sig_str(a)} to {_sig_str(b)}")
  if prev[2] != key[2]:
    reasons.append(f"static arguments changed from {prev[2][1] + prev[2][2]} to "
                   f"{key[2][1] + key[2][2]}")
  if prev[3] != key[3]:
    reasons.append("configuration flags changed (e.g. jax_enable_x64)")
  logger.warning("TRACING CACHE MISS at %s because:\n  %s", wrapped._name,
                 "\n  ".join(reasons) or "unknown")


def _sig_str(sig):
  if isinstance(sig[0], type):
    return f"a Python {sig[0].__name__} (weakly typed {sig[1].name})"
  shape, dt, weak = sig
  return f"{'~' if weak else ''}{dt.name}{list(shape)}"


class Traced:
  def __init__(self, wrapped, entry):
    self._wrapped = wrapped
    self._entry = entry

  @property
  def jaxpr(self):
    return self._entry.closed

  @property
  def out_info(self):
    return self._wrapped.eval_shape

  def lower(self):
    return Lowered(self._wrapped, self._entry)


class Lowered:
  def __init__(self, wrapped, entry):
    self._wrapped = wrapped
    self._entry = entry

  def as_text(self, dialect=None, **kwargs):
    exe = self._entry.executable or Executable(self._entry.closed, self._wrapped._name)
    return exe.source

  def compile(self, compiler_options=None):
    return Compiled(self._wrapped, self._entry)

  def cost_analysis(self):
    return None


class Compiled:
  def __init__(self, wrapped, entry):
    self._wrapped = wrapped
    self._entry = entry

  def __call__(self, *args, **kwargs):
    return self._wrapped(*args, **kwargs)

  def as_text(self):
    return Lowered(self._wrapped, self._entry).as_text()

  def profile(self, *args, number=20, warmup=3, **kwargs):
    """Time each statement of the generated code on ``args`` (jaxlite only; see
    ``jaxlite._src.compiler.profiler``)."""
    from jaxlite._src.compiler import profiler
    return profiler.profile(self._wrapped, *args, number=number, warmup=warmup, **kwargs)

  def cost_analysis(self):
    return None


def jit(fun=None, *, static_argnums=None, static_argnames=None, donate_argnums=None,
        donate_argnames=None, keep_unused=False, device=None, backend=None, inline=False,
        in_shardings=None, out_shardings=None, abstracted_axes=None, compiler_options=None):
  """Compile ``fun``: trace it once per input signature into a jaxpr and generate code."""
  kwargs = dict(static_argnums=static_argnums, static_argnames=static_argnames,
                donate_argnums=donate_argnums, donate_argnames=donate_argnames,
                keep_unused=keep_unused, device=device, backend=backend, inline=inline,
                in_shardings=in_shardings, out_shardings=out_shardings,
                abstracted_axes=abstracted_axes, compiler_options=compiler_options)
  if fun is None:
    return lambda f: JitWrapped(f, **kwargs)
  return JitWrapped(fun, **kwargs)


def clear_caches():
  for w in list(_all_jitted):
    w.clear_cache()
  _exe_cache.clear()
