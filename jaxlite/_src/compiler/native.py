"""Tier 2 of jit's compiler: hot fused regions become numba kernels (docs/compiler.md).

A fusion ``Region`` (fusion.py) whose equations all have a scalar template below is also
written as the source of a numba ``@njit`` function: one loop over the region's elements
computing every member as a scalar expression and writing the region's outputs into the
buffers tier 1 fills; parallel over rows for chunked regions, serial for the ``whole`` ones
(arrays too small for chunks). The generated Python code asks the region's ``NativeRegion``
first (``_native0(...)`` runs the kernel, or says it did not) and runs tier 1's code when
it did not: until the region
has run ``jaxlite_native_threshold`` times, while its kernel compiles, or when the
arguments' layout differs from what was compiled.

Kernels are compiled by one daemon worker thread at low priority, so no call waits for
numba ("force" mode compiles at the first call instead: that is what tests use). numba is
imported only there: ``import jaxlite`` never pays for it. Each kernel's source is written
to ``$JAXLITE_CACHE_DIR`` (default ``~/.cache/jaxlite/kernels``) in a file named by its hash
and imported from there, so numba's ``cache=True`` keeps the machine code next to it and a
second process loads instead of compiling.

Semantics are tier 1's: every scalar result is cast back to its dtype (numba widens small
integers and would promote float32 with a Python float; casting wraps integers as NumPy
does), literals are typed constants, max/min propagate NaNs and pick the second operand on
ties (np.maximum's choice, which decides the sign of a zero), float division by a
broadcast divisor is a multiplication by its reciprocal (as tier 1 and XLA do). Exact
operations give the same bits as tier 1; float32 exp, expm1, tanh, log and log1p are
computed here (numba's call libm per element, slower than tier 1) and may differ from
NumPy's by 5 ulp."""
from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import queue
import sys
import threading
import time

import numpy as np

from jaxlite._src.config import config
from jaxlite._src.jaxpr import Literal

logger = logging.getLogger("jaxlite")

# numba scalar code for these dtypes is NumPy's (float16/bfloat16 and complex are left out)
_DTYPES = frozenset(np.dtype(t) for t in (np.bool_, np.int8, np.int16, np.int32, np.int64,
                                          np.uint8, np.uint16, np.uint32, np.uint64,
                                          np.float32, np.float64))
_RANK1_BLOCK = 4096   # elements per parallel iteration of a rank-1 region


# ---------------------------------------------------------------------------
# Scalar templates: primitive name -> fn(args, eqn, cast) -> expression text or None.
# ``args`` are scalar expressions of the operands, ``cast(text)`` casts to the result dtype.

def _binary(op):
  return lambda a, eqn, cast: cast(f"{a[0]} {op} {a[1]}")


def _unary_np(fn):
  return lambda a, eqn, cast: cast(f"np.{fn}({a[0]})")


def _max(a, eqn, cast):
  # np.maximum: the first operand if it is NaN or larger, else the second (NaN included).
  return cast(f"({a[0]} if {a[0]} > {a[1]} or {a[0]} != {a[0]} else {a[1]})")


def _min(a, eqn, cast):
  return cast(f"({a[0]} if {a[0]} < {a[1]} or {a[0]} != {a[0]} else {a[1]})")


def _div(a, eqn, cast):
  from jaxlite._src.lax.elementwise import _divides_by_reciprocal
  x, y = (v.aval for v in eqn.invars)
  if x.dtype.kind != "f":
    return None
  if _divides_by_reciprocal(y.dtype, y.shape, x.shape):
    return cast(f"{a[0]} * {cast(f'{cast(1)} / {a[1]}')}")
  return cast(f"{a[0]} / {a[1]}")


def _integer_pow(a, eqn, cast):
  y = eqn.params["y"]
  if y == 0:
    return cast(1)
  n, acc, base = abs(y), None, a[0]   # the impl's square-and-multiply order
  while n:
    if n & 1:
      acc = base if acc is None else cast(f"{acc} * {base}")
    n >>= 1
    if n:
      base = cast(f"{base} * {base}")
  return cast(f"{cast(1)} / {acc}") if y < 0 else acc


def _select_n(a, eqn, cast):
  if len(a) != 3 or eqn.invars[0].aval.dtype != np.bool_:
    return None
  return f"({a[2]} if {a[0]} else {a[1]})"


def _convert(a, eqn, cast):
  old, new = eqn.invars[0].aval.dtype, eqn.params["new_dtype"]
  # Tier 1 fuses only plain casts (no float->int saturation, no ->bool).
  if new == np.bool_ or (new.kind in "iu" and old.kind == "f"):
    return None
  return cast(a[0])


def _not(a, eqn, cast):
  if eqn.outvars[0].aval.dtype == np.bool_:
    return f"(not {a[0]})"
  return cast(f"~{a[0]}")


def _compare(op):
  return lambda a, eqn, cast: f"({a[0]} {op} {a[1]})"


def _f32_helper(name):
  """exp/expm1/tanh/log/log1p of float32 by the helpers below (numba's own call scalar
  libm: ~6x slower than NumPy's SIMD loops, which would make the kernel slower than tier 1)."""
  def rule(a, eqn, cast):
    return f"{name}({a[0]})" if eqn.outvars[0].aval.dtype == np.float32 else None
  return rule


def _round(a, eqn, cast):
  from jaxlite._src.lax.elementwise import RoundingMethod
  if eqn.params["rounding_method"] != RoundingMethod.TO_NEAREST_EVEN:
    return None   # tier 1 does not fuse the other method either
  return cast(f"np.rint({a[0]})")


# Every template compiles to code LLVM vectorizes (no calls): other transcendentals (sin,
# cos, atan...) would be libm calls per element, so their regions stay at tier 1.
SCALAR_TEMPLATES = {
    "add": _binary("+"), "add_any": _binary("+"), "sub": _binary("-"), "mul": _binary("*"),
    "div": _div, "neg": lambda a, eqn, cast: cast(f"-{a[0]}"),
    "max": _max, "min": _min,
    "square": lambda a, eqn, cast: cast(f"{a[0]} * {a[0]}"), "integer_pow": _integer_pow,
    "abs": _unary_np("abs"), "floor": _unary_np("floor"), "ceil": _unary_np("ceil"),
    "round": _round,
    "exp": _f32_helper("_exp_f32"), "expm1": _f32_helper("_expm1_f32"),
    "tanh": _f32_helper("_tanh_f32"), "log": _f32_helper("_log_f32"),
    "log1p": _f32_helper("_log1p_f32"),
    "sqrt": _unary_np("sqrt"),
    "rsqrt": lambda a, eqn, cast: cast(f"{cast(1)} / np.sqrt({a[0]})"),
    "is_finite": lambda a, eqn, cast: f"np.isfinite({a[0]})",
    "eq": _compare("=="), "ne": _compare("!="), "lt": _compare("<"), "le": _compare("<="),
    "gt": _compare(">"), "ge": _compare(">="),
    "and": _binary("&"), "or": _binary("|"), "xor": _binary("^"), "not": _not,
    "select_n": _select_n, "convert_element_type": _convert,
}



# Vectorizable float32 exp, expm1, tanh, log and log1p for kernels. exp: x = k*ln2 + r with
# |r| <= ln2/2 (ln2 in two parts, so k*ln2 is exact), e^r or e^r - 1 by a polynomial, times
# 2^k built from its bits in two halves (so 2^-150..2^128 never leave the normal range).
# log: the exponent and mantissa from the bits. Within 1-2 ulp of the correctly rounded
# result; NumPy's own loops are 1-4 ulp off, so tier 2 is within 5 ulp of tier 1.
_HELPERS = """
@_ext.intrinsic
def _f32_from_bits(typingctx, i):
  def codegen(context, builder, sig, args):
    return builder.bitcast(args[0], _ir.FloatType())
  return _nb.types.float32(_nb.types.int32), codegen


@_nb.njit(inline="always")
def _reduce_f32(x):
  c = min(max(x, np.float32(-104.0)), np.float32(89.0))
  k = np.floor(c * np.float32(1.442695041) + np.float32(0.5))
  r = c - k * np.float32(0.693359375)
  r = r - k * np.float32(-2.12194440e-4)
  n = np.int32(k)
  h = n >> 1
  return r, n, _f32_from_bits((h + 127) << 23), _f32_from_bits((n - h + 127) << 23)


@_nb.njit(inline="always")
def _exp_f32(x):
  r, n, s1, s2 = _reduce_f32(x)
  p = np.float32(1.9875691500e-4) * r + np.float32(1.3981999507e-3)
  p = p * r + np.float32(8.3334519073e-3)
  p = p * r + np.float32(4.1665795894e-2)
  p = p * r + np.float32(1.6666665459e-1)
  p = p * r + np.float32(5.0000001201e-1)
  p = p * (r * r) + r + np.float32(1.0)
  y = p * s1 * s2
  return y if x == x else x


@_nb.njit(inline="always")
def _expm1_f32(x):
  r, n, s1, s2 = _reduce_f32(x)
  p = np.float32(1.0 / 5040) * r + np.float32(1.0 / 720)
  p = p * r + np.float32(1.0 / 120)
  p = p * r + np.float32(1.0 / 24)
  p = p * r + np.float32(1.0 / 6)
  p = p * r + np.float32(0.5)
  p = r * (p * r + np.float32(1.0))
  s = s1 * s2
  # 2^k (expm1(r) + 1) - 1, where 2^k - 1 is exact for small k; past 2^64 the -1 is lost
  y = s * p + (s - np.float32(1.0)) if n < 64 else (p + np.float32(1.0)) * s1 * s2
  return y if x != np.float32(0.0) and x == x else x   # NaN, and the sign of a zero


@_nb.njit(inline="always")
def _tanh_f32(x):
  # |x| < 0.625: an odd polynomial; else expm1(2|x|) / (expm1(2|x|) + 2), 1 past 9.1
  a = min(abs(x), np.float32(9.1))
  t = _expm1_f32(a + a)
  z = x * x
  p = np.float32(-5.70498872745e-3) * z + np.float32(2.06390887954e-2)
  p = p * z - np.float32(5.37397155531e-2)
  p = p * z + np.float32(1.33314422036e-1)
  p = p * z - np.float32(3.33332819422e-1)
  y = t / (t + np.float32(2.0))
  y = x + x * z * p if a < np.float32(0.625) else (y if x > np.float32(0.0) else -y)
  return y if x != np.float32(0.0) and x == x else x


@_ext.intrinsic
def _f32_to_bits(typingctx, x):
  def codegen(context, builder, sig, args):
    return builder.bitcast(args[0], _ir.IntType(32))
  return _nb.types.int32(_nb.types.float32), codegen


@_nb.njit(inline="always")
def _log_f32(x):
  # x = m 2^e with m in [sqrt(1/2), sqrt(2)): e ln2 + log(m), log(m) by a polynomial in m - 1
  tiny = x < np.float32(1.17549435e-38)
  v = x * np.float32(8388608.0) if tiny else x
  b = _f32_to_bits(v)
  e = ((b >> 23) & 255) - np.int32(126) - (np.int32(23) if tiny else np.int32(0))
  m = _f32_from_bits((b & np.int32(0x007FFFFF)) | np.int32(0x3F000000))   # in [0.5, 1)
  low = m < np.float32(0.707106781)
  f = (m + m if low else m) - np.float32(1.0)
  k = np.float32(e - np.int32(1) if low else e)
  z = f * f
  p = np.float32(7.0376836292e-2) * f - np.float32(1.1514610310e-1)
  p = p * f + np.float32(1.1676998740e-1)
  p = p * f - np.float32(1.2420140846e-1)
  p = p * f + np.float32(1.4249322787e-1)
  p = p * f - np.float32(1.6668057665e-1)
  p = p * f + np.float32(2.0000714765e-1)
  p = p * f - np.float32(2.4999993993e-1)
  p = p * f + np.float32(3.3333331174e-1)
  y = p * f * z + k * np.float32(-2.12194440e-4) - np.float32(0.5) * z
  y = f + y + k * np.float32(0.693359375)
  y = y if x < np.float32(np.inf) else x
  y = y if x > np.float32(0.0) else (-np.inf if x == np.float32(0.0) else np.float32(np.nan))
  return y if x == x else x

@_nb.njit(inline="always")
def _log1p_f32(x):
  # log(u) corrected by the rounding of u = 1 + x: log1p(x) = log(u) - ((u - 1) - x) / u
  u = np.float32(1.0) + x
  lg = _log_f32(u)
  c = ((u - np.float32(1.0)) - x) / u
  y = lg - c if u > np.float32(0.0) and u < np.float32(np.inf) else lg
  return y if u != np.float32(1.0) else x     # tiny x (and the sign of a zero)
"""


def _dtype_text(dt) -> str:
  return "np.bool_" if dt == np.bool_ else f"np.{dt.name}"


def _literal_text(lit):
  dt = lit.aval.dtype
  val = np.asarray(lit.val, dt)[()]
  if dt == np.bool_:
    return "True" if val else "False"
  if dt.kind == "f":
    if np.isnan(val):
      text = "np.nan"
    elif np.isinf(val):
      text = "np.inf" if val > 0 else "-np.inf"
    else:
      text = repr(float(val))
  elif dt == np.uint64 and int(val) >= 1 << 63:
    return None  # numba would type the Python int as int64
  else:
    text = repr(int(val))
  return f"{_dtype_text(dt)}({text})"


# ---------------------------------------------------------------------------
# Kernel source

def supports(eqn) -> bool:
  """A kernel can compute ``eqn``: fusion makes regions of such equations on arrays too
  small for tier 1's chunked loops (fusion.NATIVE_MIN_ELEMS)."""
  rule = SCALAR_TEMPLATES.get(eqn.primitive.name)
  if rule is None or len(eqn.outvars) != 1 or \
      any(v.aval.dtype not in _DTYPES for v in eqn.invars + eqn.outvars):
    return False
  if any(type(a) is Literal and _literal_text(a) is None for a in eqn.invars):
    return False
  return rule(["x"] * len(eqn.invars), eqn, lambda t: f"({t})") is not None


def kernel_source(region, eqns, name_of, shape_of=None, windows=None):
  """The source of a numba kernel computing ``region`` (filled by ``fusion.region_io``),
  or None when some member has no scalar form. The kernel takes the region's invars (arrays;
  0-d ones as NumPy scalars) then one output array per outvar; ``name_of(var)`` gives the
  names tier 1's code uses; ``shape_of`` the shapes of operands passed in compact form (a
  broadcast constant as its size-1 source); ``windows`` maps operands that are unit-stride
  slices of a bigger array to ``(that array's name, start indices)``: the kernel takes the
  array once and reads each window at its offset (81 shifted slices of one image are one
  argument, and the loop stays vectorizable). Chunked regions run on every core, ``whole``
  ones on one: on a busy machine, threads wait for each other longer than a small loop
  takes."""
  shape = region.shape
  rank = len(shape)
  if not region.outvars:
    return None
  idx = [f"_i{k}" for k in range(rank)]
  params, loads = [], []
  reads = {}
  windows = windows or {}
  for v in region.invars:
    if v.aval.dtype not in _DTYPES:
      return None
    if v in windows:
      base, starts = windows[v]
      if base not in params:
        params.append(base)
      reads[v] = f"l_{name_of(v)}"
      index = ", ".join(f"{i} + {s}" if s else i for i, s in zip(idx, starts))
      loads.append(f"l_{name_of(v)} = {base}[{index}]")
      continue
    name = name_of(v)
    params.append(name)
    if not v.aval.shape:
      reads[v] = name
    else:
      own = (shape_of or {}).get(v, v.aval.shape)
      index = ", ".join("0" if d == 1 and n != 1 else i for d, n, i in zip(own, shape, idx))
      reads[v] = f"l_{name}"
      loads.append(f"l_{name} = {name}[{index}]")
  outs = {v: f"o_{name_of(v)}" for v in region.outvars}
  body = list(loads)
  for i in region.members:
    eqn = eqns[i]
    if not supports(eqn):
      return None
    out = eqn.outvars[0]
    args = [_literal_text(a) if type(a) is Literal else reads[a] for a in eqn.invars]
    dt = _dtype_text(out.aval.dtype)
    expr = SCALAR_TEMPLATES[eqn.primitive.name](args, eqn, lambda t, dt=dt: f"{dt}({t})")
    name = name_of(out)
    body.append(f"{name} = {expr}")
    reads[out] = name
    if out in outs:
      body.append(f"{outs[out]}[{', '.join(idx)}] = {name}")
  first = next(iter(outs.values()))
  lines = ["import numpy as np", "import numba as _nb"]
  if any("_f32(" in line for line in body):
    lines += ["from llvmlite import ir as _ir", "from numba import extending as _ext",
              _HELPERS]
  lines += ["", f"@_nb.njit(parallel={not region.whole}, cache=True, nogil=True, "
                "error_model='numpy')",
            f"def kernel({', '.join(params + list(outs.values()))}):"]
  if rank == 1:
    b = _RANK1_BLOCK
    lines += [f"  _n = {first}.shape[0]",
              f"  for _p in _nb.prange((_n + {b - 1}) // {b}):",
              f"    for _i0 in range(_p * {b}, min(_n, _p * {b} + {b})):"]
  else:
    # Parallel over the rows (every index but the last), then along the last axis.
    lines += [f"  _s{k} = {first}.shape[{k}]" for k in range(rank)]
    lines.append(f"  for _p in _nb.prange({' * '.join(f'_s{k}' for k in range(rank - 1))}):")
    rest = "_p"
    for k in range(rank - 2, 0, -1):
      lines += [f"    _i{k} = {rest} % _s{k}", f"    _q{k} = {rest} // _s{k}"]
      rest = f"_q{k}"
    lines += [f"    _i0 = {rest}", f"    for _i{rank - 1} in range(_s{rank - 1}):"]
  lines += ["      " + line for line in body]
  return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------
# Mode, availability

_numba_found = None


def mode() -> str:
  """'off', 'auto' or 'force' as tier 2 applies now: 'off' when numba is not installed."""
  m = config.jaxlite_native_kernels
  if m not in ("auto", "off", "force"):
    raise ValueError(f"jaxlite_native_kernels must be 'auto', 'off' or 'force', got {m!r}")
  if m == "off" or not numba_available():
    return "off"
  return m


def numba_available() -> bool:
  global _numba_found
  if _numba_found is None:
    try:
      _numba_found = importlib.util.find_spec("numba") is not None
    except (ImportError, ValueError):
      _numba_found = False
  return _numba_found


# ---------------------------------------------------------------------------
# Building kernels

def cache_dir() -> str:
  return os.environ.get("JAXLITE_CACHE_DIR") or os.path.join(
      os.path.expanduser("~"), ".cache", "jaxlite", "kernels")


_built: dict = {}            # source -> numba dispatcher (None: it failed), per process
_built_lock = threading.Lock()


def _load(source):
  """The numba dispatcher of ``source``: imported from a file of the cache dir (numba's
  own cache then applies), or exec'd without a disk cache when the dir is unwritable."""
  digest = hashlib.sha256(source.encode()).hexdigest()[:24]
  name = f"jaxlite_kernel_{digest}"
  try:
    directory = cache_dir()
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, name + ".py")
    if not _holds(path, source):
      # Written once, atomically: numba's cache index is keyed by the file's mtime.
      tmp = f"{path}.{os.getpid()}.{threading.get_ident()}.tmp"
      with open(tmp, "w") as f:
        f.write(source)
      os.replace(tmp, path)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    # numba's cached code re-imports its module by name when it loads.
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module.kernel
  except OSError:
    logger.debug("jaxlite: kernel cache dir unusable, compiling %s without disk cache", name)
    namespace = {}
    exec(compile(source.replace("cache=True", "cache=False"), f"<{name}>", "exec"), namespace)
    return namespace["kernel"]


def _holds(path, source) -> bool:
  """The file exists with exactly this source (it is imported: never trust a name alone)."""
  try:
    with open(path) as f:
      return f.read() == source
  except FileNotFoundError:
    return False


def _numba_signature(desc):
  import numba
  types = []
  for d in desc:
    if d[0] == "s":
      types.append(numba.from_dtype(np.dtype(d[1])))
    else:
      _, dt, ndim, layout, readonly = d
      types.append(numba.types.Array(numba.from_dtype(np.dtype(dt)), ndim, layout,
                                     readonly=readonly))
  return tuple(types)


def _describe(args):
  """What numba's typing needs of the arguments: dtype, rank, layout, writability."""
  return tuple(("a", a.dtype.str, a.ndim, "C" if a.flags.c_contiguous else "A",
                not a.flags.writeable) if type(a) is np.ndarray else
               ("s", np.asarray(a).dtype.str) for a in args)


def build(source, desc):
  """Compile ``source``'s kernel for arguments described by ``desc``: ``(kernel, whether
  numba loaded it from its disk cache)``, or ``(None, False)`` if that failed."""
  with _built_lock:
    kernel = _built.get(source, False)
    try:
      if kernel is False:
        kernel = _built[source] = _load(source)
      if kernel is None:
        return None, False
      kernel.disable_compile(False)
      hits = sum(kernel.stats.cache_hits.values())
      kernel.compile(_numba_signature(desc))
      return kernel, sum(kernel.stats.cache_hits.values()) > hits
    except Exception as e:  # noqa: BLE001 - a kernel that fails stays tier 1
      logger.warning("jaxlite: native kernel failed to compile (%s: %s); staying at tier 1",
                     type(e).__name__, str(e).splitlines()[0] if str(e) else "")
      _built[source] = None
      return None, False
    finally:
      if kernel:
        kernel.disable_compile()   # calls never compile: a new layout is queued instead


class _Worker:
  """One daemon thread compiling kernels at low priority, in request order."""

  def __init__(self):
    self.jobs: queue.Queue = queue.Queue()
    self.thread = None
    self.lock = threading.Lock()

  def submit(self, region, desc):
    with self.lock:
      if self.thread is None or not self.thread.is_alive():
        self.thread = threading.Thread(target=self._run, name="jaxlite-native", daemon=True)
        self.thread.start()
    self.jobs.put((region, desc))

  def _run(self):
    try:
      os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
    except (AttributeError, OSError):
      pass
    while True:
      region, desc = self.jobs.get()
      try:
        region._install(*build(region.source, desc))
      finally:
        self.jobs.task_done()

  def wait(self):
    """Block until every queued kernel is built (tests, benchmarks)."""
    self.jobs.join()


worker = _Worker()
_forked = False


def _after_fork():
  # numba's OpenMP pool does not survive fork; the child stays at tier 1.
  global _forked, worker
  _forked = True
  worker = _Worker()


if hasattr(os, "register_at_fork"):
  os.register_at_fork(after_in_child=_after_fork)


class NativeRegion:
  """The tier-2 side of one fused region, called by generated code with the region's
  operands and output buffers: runs the kernel and returns True, or returns False (the
  caller runs the tier-1 loop). ``calls``/``native_calls`` count calls and kernel runs;
  ``from_disk``: numba loaded the kernel from its cache."""

  _MAX_LAYOUTS = 4   # argument layouts compiled per region before giving up on new ones
  # Building a kernel costs 0.3-1.3 s of (mostly GIL-holding) compiler time, and a kernel
  # saves half or more of its region's tier-1 time. So by default a region is built once
  # its tier-1 loop has taken PAYBACK_SECONDS in all: the SELU over 10000^2 after ~6 calls,
  # the 81-slice blur after ~170, a 1347x128 layer's chain after thousands (a 500-step demo
  # never pays for it), and a long run keeps the gain.
  PAYBACK_SECONDS = 1.0

  def __init__(self, source, kinds, force, threshold=None):
    self.source = source
    # Per argument: "s" a 0-d operand (numba wants a scalar), "b" an operand broadcast along
    # some axis (made contiguous: broadcast views have zero strides, which numba's loops
    # take element by element), "" an array of the region's shape.
    self.kinds = kinds
    self.convert = any(kinds)
    self.force = force
    self.threshold = threshold
    self.calls = 0
    self.native_calls = 0
    self.tier1_seconds = 0.0   # time in the tier-1 code so far (the default threshold)
    self._t0 = 0.0
    self.kernel = None
    self.from_disk = False
    self.descs: set = set()      # layouts compiled or queued
    self.lock = threading.Lock()  # one kernel run at a time (numba's pools differ in safety)

  def _install(self, kernel, from_disk):
    if kernel is None:
      self.descs = None   # failed: never try again
    elif self.descs is not None:
      self.from_disk = self.from_disk or from_disk
      self.kernel = kernel

  def _request(self, args):
    if self.descs is None or len(self.descs) >= self._MAX_LAYOUTS:
      return
    desc = _describe(args)
    if desc in self.descs:
      return
    self.descs.add(desc)
    if self.force:
      self._install(*build(self.source, desc))
    else:
      worker.submit(self, desc)

  def _due(self) -> bool:
    if self.force:
      return True
    if self.threshold is not None:
      return self.calls >= self.threshold
    return self.tier1_seconds >= self.PAYBACK_SECONDS

  def tier1_done(self):
    """Called by generated code after the tier-1 code of the region."""
    t0 = self._t0
    if t0:
      self.tier1_seconds += time.perf_counter() - t0
      self._t0 = 0.0

  def __call__(self, *args):
    self.calls += 1
    kernel = self.kernel
    if kernel is None and (self.descs is None or not self._due()) or _forked:
      self._t0 = time.perf_counter()
      return False
    if self.convert:
      args = [a if not kind or type(a) is not np.ndarray else a[()] if kind == "s" else
              np.ascontiguousarray(a) for a, kind in zip(args, self.kinds)]
    if kernel is None:
      self._request(args)
      kernel = self.kernel
      if kernel is None:
        return False
    if not self.lock.acquire(False):
      return False
    try:
      kernel(*args)
    except TypeError:   # a layout not compiled yet (numba refuses to compile on call)
      self._request(args)
      return False
    finally:
      self.lock.release()
    self.native_calls += 1
    return True


def regions_of(fn) -> list:
  """The ``NativeRegion`` of each tier-2 region of a generated function, in program order
  (``fn`` may be wrapped, e.g. by jit's one-BLAS-thread wrapper)."""
  for f in [fn] + [c.cell_contents for c in getattr(fn, "__closure__", None) or ()]:
    found = getattr(f, "__globals__", {}).get("_native_regions")
    if found is not None:
      return found
  return []
