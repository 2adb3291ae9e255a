"""JAX's error classes, raised where JAX raises them, with advice on the fix."""
from __future__ import annotations

_GOTCHAS = "https://docs.jax.dev/en/latest/errors.html"


class JAXTypeError(TypeError):
  pass


class JAXIndexError(IndexError):
  pass


def _describe(tracer) -> str:
  aval = getattr(tracer, "aval", None)
  shape = aval.str_short(short_dtypes=False) if aval is not None else "?"
  origin = getattr(tracer, "_debug_info", None)
  text = f"Abstract tracer value encountered where concrete value is expected: {tracer!r}"
  if origin:
    text += f"\n{origin}"
  return text + f" (abstract value {shape})"


class ConcretizationTypeError(JAXTypeError):
  def __init__(self, tracer, context: str = ""):
    msg = _describe(tracer)
    if context:
      msg += f"\n{context}"
    msg += ("\n\nThe value depends on a traced argument, so it is not known while tracing. If "
            "it should be a compile-time constant, mark that argument static "
            "(jax.jit(f, static_argnums=...) / static_argnames=...), or compute it with NumPy "
            "instead of jax.numpy. See "
            f"{_GOTCHAS}#jax.errors.ConcretizationTypeError")
    super().__init__(msg)


class TracerBoolConversionError(ConcretizationTypeError):
  def __init__(self, tracer, context: str = ""):
    msg = _describe(tracer)
    msg += ("\nThe truth value of a traced array was requested (Python `if`, `while`, `and`, "
            "`or`, `not` or `bool()`), but it is not known while tracing.\n"
            "Use jax.lax.cond / jax.lax.switch for branches, jax.lax.while_loop / "
            "jax.lax.fori_loop for loops, or jnp.where for elementwise choice; or mark the "
            "argument static with static_argnums / static_argnames. See "
            f"{_GOTCHAS}#jax.errors.TracerBoolConversionError")
    JAXTypeError.__init__(self, msg)


class TracerIntegerConversionError(JAXTypeError):
  def __init__(self, tracer, context: str = ""):
    msg = _describe(tracer)
    msg += ("\nThe __index__() / int() method was called on a traced array, whose value is not "
            "known while tracing (e.g. using it as a Python index, shape or range bound).\n"
            "Pass the value as a static argument (static_argnums / static_argnames), or use "
            "jax.lax.dynamic_slice / jnp.take for traced indices. See "
            f"{_GOTCHAS}#jax.errors.TracerIntegerConversionError")
    super().__init__(msg)


class TracerArrayConversionError(JAXTypeError):
  def __init__(self, tracer):
    msg = (f"The numpy.ndarray conversion method __array__() was called on traced array "
           f"{tracer!r}.\nNumPy functions cannot run on traced values: use the jax.numpy "
           "function of the same name (jnp.asarray, jnp.sin, ...) inside transformed "
           "functions, or jax.pure_callback to call NumPy code. See "
           f"{_GOTCHAS}#jax.errors.TracerArrayConversionError")
    super().__init__(msg)


class NonConcreteBooleanIndexError(JAXIndexError):
  def __init__(self, tracer):
    msg = ("Array boolean indices must be concrete; got "
           f"{tracer.aval.str_short(short_dtypes=False) if hasattr(tracer, 'aval') else tracer}."
           "\nA boolean mask's number of True entries decides the output shape, which must be "
           "known while tracing. Use jnp.where(mask, x, fill) to keep the shape, or "
           "jnp.nonzero(mask, size=N) / x[mask] outside jit. See "
           f"{_GOTCHAS}#jax.errors.NonConcreteBooleanIndexError")
    super().__init__(msg)


class UnexpectedTracerError(JAXTypeError):
  def __init__(self, msg: str):
    super().__init__(msg + f"\nSee {_GOTCHAS}#jax.errors.UnexpectedTracerError")


class KeyReuseError(JAXTypeError):
  pass


def escaped_tracer_message(tracer) -> str:
  trace = tracer._trace
  where = getattr(trace, "debug_info", None) or type(trace).__name__
  return (f"Encountered an unexpected tracer. A function transformed by JAX had a side effect, "
          f"allowing for a reference to an intermediate value with type "
          f"{tracer.aval.str_short(short_dtypes=False)} wrapped in a {type(tracer).__name__} to "
          f"escape the scope of the transformation ({where}).\nJAX transformations require that "
          "functions explicitly return their outputs, and disallow saving intermediate values "
          "to global state (a global list, an attribute of an object, a closure variable). "
          "Return the value from the transformed function instead.")


def immutable_message(type_name: str) -> str:
  return (f"'{type_name}' object does not support item assignment. JAX arrays are immutable. "
          "Instead of ``x[idx] = y``, use ``x = x.at[idx].set(y)`` or another .at[] method: "
          "https://docs.jax.dev/en/latest/_autosummary/jax.numpy.ndarray.at.html")
