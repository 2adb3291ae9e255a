"""JAX's error classes, raised where JAX raises them, with JAX's text plus how to fix it."""
from __future__ import annotations

_DOCS = "https://docs.jax.dev/en/latest/errors.html"


class JAXTypeError(TypeError):
  pass


class JAXIndexError(IndexError):
  pass


def _aval_text(tracer) -> str:
  aval = getattr(tracer, "aval", None)
  return aval.str_short(short_dtypes=False) if aval is not None else "?"


def tracing_context(tracer) -> str:
  """'The error occurred while tracing the function f at file:line for jit. ...' or ''."""
  trace = getattr(tracer, "_trace", None)
  describe = getattr(trace, "describe_tracer_origin", None)
  return describe(tracer) if describe is not None else ""


def _join(*parts) -> str:
  return "\n".join(p for p in parts if p)


class ConcretizationTypeError(JAXTypeError):
  def __init__(self, tracer, context: str = ""):
    msg = _join(
        "Abstract tracer value encountered where concrete value is expected: traced array "
        f"with shape {_aval_text(tracer)}",
        context, tracing_context(tracer),
        "Fix: mark the argument static (jax.jit(f, static_argnums=...) / static_argnames=...) "
        "if it is a compile-time constant, or keep the computation in jax.numpy.")
    super().__init__(f"{msg}\n\nSee {_DOCS}#jax.errors.ConcretizationTypeError")


class TracerBoolConversionError(ConcretizationTypeError):
  def __init__(self, tracer, context: str = ""):
    msg = _join(
        f"Attempted boolean conversion of traced array with shape {_aval_text(tracer)}.",
        tracing_context(tracer),
        "Fix: use jax.lax.cond / jax.lax.switch for branches, jax.lax.while_loop / "
        "jax.lax.fori_loop for loops, jnp.where for elementwise choice, or mark the argument "
        "static (static_argnums / static_argnames).")
    JAXTypeError.__init__(self, f"{msg}\nSee {_DOCS}#jax.errors.TracerBoolConversionError")


class TracerIntegerConversionError(JAXTypeError):
  def __init__(self, tracer, context: str = ""):
    msg = _join(
        f"The __index__() method was called on traced array with shape {_aval_text(tracer)}",
        tracing_context(tracer),
        "Fix: pass the value as a static argument (static_argnums / static_argnames), or use "
        "jax.lax.dynamic_slice / jnp.take for traced indices.")
    super().__init__(f"{msg}\nSee {_DOCS}#jax.errors.TracerIntegerConversionError")


class TracerArrayConversionError(JAXTypeError):
  def __init__(self, tracer):
    msg = _join(
        "The numpy.ndarray conversion method __array__() was called on traced array with "
        f"shape {_aval_text(tracer)}",
        tracing_context(tracer),
        "Fix: use the jax.numpy function of the same name (jnp.asarray, jnp.sin, ...) on "
        "traced values, or jax.pure_callback to run NumPy code.")
    super().__init__(f"{msg}\nSee {_DOCS}#jax.errors.TracerArrayConversionError")


class NonConcreteBooleanIndexError(JAXIndexError):
  def __init__(self, tracer):
    msg = (f"Array boolean indices must be concrete; got {_aval_text(tracer)}\n"
           "Fix: use jnp.where(mask, x, fill) to keep the shape static, or index with "
           "jnp.nonzero(mask, size=N) / outside jit.")
    super().__init__(f"{msg}\n\nSee {_DOCS}#jax.errors.NonConcreteBooleanIndexError")


class UnexpectedTracerError(JAXTypeError):
  def __init__(self, msg: str):
    super().__init__(msg + f"\nSee {_DOCS}#jax.errors.UnexpectedTracerError")


class KeyReuseError(JAXTypeError):
  pass


def escaped_tracer_message(tracer) -> str:
  trace = tracer._trace
  where = getattr(trace, "describe_self", lambda: "")()
  return _join(
      "Encountered an unexpected tracer. A function transformed by JAX had a side effect, "
      "allowing for a reference to an intermediate value with type "
      f"{_aval_text(tracer)} wrapped in a {type(tracer).__name__} to escape the scope of the "
      "transformation.",
      "JAX transformations require that functions explicitly return their outputs, and "
      "disallow saving intermediate values to global state.",
      where,
      "Fix: return the value from the transformed function instead of storing it in a global, "
      "an attribute or a closure.")


def immutable_message(type_name: str) -> str:
  return ("JAX arrays are immutable and do not support in-place item assignment. Instead of "
          "x[idx] = y, use x = x.at[idx].set(y) or another .at[] method: "
          "https://docs.jax.dev/en/latest/_autosummary/jax.numpy.ndarray.at.html")


class JaxRuntimeError(RuntimeError):
  """An error the runtime reports while running a compiled call (JAX: from XLA)."""
