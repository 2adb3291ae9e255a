"""Global flags, read and set with JAX's own names (``jax_enable_x64`` ...)."""
from __future__ import annotations

import contextlib
import os


def _env_bool(name: str, default: bool) -> bool:
  raw = os.environ.get(name.upper())
  if raw is None:
    return default
  return raw.strip().lower() in ("1", "true", "yes", "on")


class Config:
  """Holds every flag as a plain attribute so hot paths read it at attribute speed."""

  # Flags whose value changes what a traced program means; part of every jit cache key.
  _TRACE_FLAGS = ("jax_enable_x64", "jax_numpy_rank_promotion", "jax_default_matmul_precision",
                  "jax_threefry_partitionable", "jax_numpy_dtype_promotion",
                  "jax_debug_nans", "jax_debug_infs")

  def __init__(self):
    self._defaults: dict[str, object] = {}
    self._help: dict[str, str] = {}
    self._define("jax_enable_x64", _env_bool("jax_enable_x64", False),
                 "Enable 64-bit types (int64, float64, complex128).")
    self._define("jax_disable_jit", _env_bool("jax_disable_jit", False),
                 "Run jitted functions op by op, for debugging.")
    self._define("jax_debug_nans", _env_bool("jax_debug_nans", False),
                 "Raise FloatingPointError when a primitive produces a NaN.")
    self._define("jax_debug_infs", _env_bool("jax_debug_infs", False),
                 "Raise FloatingPointError when a primitive produces an inf.")
    self._define("jax_log_compiles", _env_bool("jax_log_compiles", False),
                 "Log a line (logger 'jaxlite') each time jit traces and compiles.")
    self._define("jax_explain_cache_misses", _env_bool("jax_explain_cache_misses", False),
                 "Log why a jit cache lookup missed.")
    self._define("jax_threefry_partitionable", _env_bool("jax_threefry_partitionable", True),
                 "Use the partitionable threefry PRNG layout (JAX's default).")
    self._define("jax_numpy_rank_promotion", os.environ.get("JAX_NUMPY_RANK_PROMOTION", "allow"),
                 "'allow', 'warn' or 'raise' on implicit rank promotion.")
    self._define("jax_numpy_dtype_promotion", "standard",
                 "'standard' or 'strict' dtype promotion.")
    self._define("jax_default_matmul_precision", None, "Accepted for compatibility.")
    self._define("jax_num_cpu_devices", int(os.environ.get("JAX_NUM_CPU_DEVICES", "-1")),
                 "Number of simulated CPU devices (-1: XLA_FLAGS / JAXLITE_NUM_CPU_DEVICES / 1).")
    self._define("jax_platforms", os.environ.get("JAX_PLATFORMS", "cpu"), "Only 'cpu' exists.")
    self._define("jax_platform_name", "cpu", "Only 'cpu' exists.")
    self._define("jax_default_device", None, "Accepted for compatibility.")
    self._define("jax_traceback_filtering", "auto", "Accepted for compatibility.")
    # jaxlite extensions (no JAX equivalent): tier 2 of jit's compiler (compiler/native.py).
    self._define("jaxlite_native_kernels", os.environ.get("JAXLITE_NATIVE_KERNELS", "auto"),
                 "'auto': hot fused regions become numba kernels when numba is installed; "
                 "'off': never; 'force': compile them at the first call.")
    threshold = os.environ.get("JAXLITE_NATIVE_THRESHOLD")
    self._define("jaxlite_native_threshold", int(threshold) if threshold else None,
                 "Calls of a fused region before its numba kernel is built (in the "
                 "background); None: once its tier-1 code has taken 1 s in all.")
    self._define("jax_cpu_enable_async_dispatch",
                 _env_bool("jax_cpu_enable_async_dispatch", True),
                 "Run long jitted calls on a worker thread and return pending arrays.")

  def _define(self, name, default, help_text):
    self._defaults[name] = default
    self._help[name] = help_text
    object.__setattr__(self, name, default)
    self._refresh()

  def _refresh(self):
    # The jit cache key reads this on every call, so it is recomputed only on updates.
    self._trace_ctx = tuple(getattr(self, n, None) for n in self._TRACE_FLAGS)

  def update(self, name: str, value) -> None:
    if name not in self._defaults:
      raise AttributeError(
          f"Unrecognized config option: {name!r}. jaxlite knows: {', '.join(sorted(self._defaults))}.")
    default = self._defaults[name]
    if isinstance(default, bool) and not isinstance(value, bool):
      if value in (0, 1):
        value = bool(value)
      else:
        raise TypeError(f"config option {name!r} takes a bool, got {value!r}")
    object.__setattr__(self, name, value)
    self._refresh()

  def read(self, name: str):
    if name not in self._defaults:
      raise AttributeError(f"Unrecognized config option: {name!r}")
    return getattr(self, name)

  @property
  def values(self) -> dict:
    return {name: getattr(self, name) for name in self._defaults}

  def trace_context(self) -> tuple:
    return self._trace_ctx

  def __setattr__(self, name, value):
    if name.startswith("_"):
      object.__setattr__(self, name, value)
    else:
      raise AttributeError(f"Use config.update({name!r}, value) to change a flag.")

  @contextlib.contextmanager
  def _override(self, name, value):
    old = getattr(self, name)
    self.update(name, value)
    try:
      yield
    finally:
      object.__setattr__(self, name, old)
      self._refresh()


config = Config()


def disable_jit(disable: bool = True):
  """Context manager: run jitted functions eagerly, op by op (``jax.disable_jit``)."""
  return config._override("jax_disable_jit", disable)


def enable_x64(new_val: bool = True):
  """Context manager switching 64-bit mode (``jax.experimental.enable_x64``)."""
  return config._override("jax_enable_x64", new_val)


def debug_nans(new_val: bool = True):
  return config._override("jax_debug_nans", new_val)


def debug_infs(new_val: bool = True):
  return config._override("jax_debug_infs", new_val)


def log_compiles(new_val: bool = True):
  return config._override("jax_log_compiles", new_val)


def explain_cache_misses(new_val: bool = True):
  return config._override("jax_explain_cache_misses", new_val)
