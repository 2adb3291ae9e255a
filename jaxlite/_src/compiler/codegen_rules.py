"""How each primitive is written in generated code. Rules are registered next to their
primitive; a primitive without one is emitted as a call of its NumPy implementation."""
from __future__ import annotations

# primitive -> rule(args: list[str], **params) -> str (a Python expression)
expr_rules: dict = {}
# Helper functions that expressions may call by name (added with defexpr(namespace=...)).
expr_namespace: dict = {}


def defexpr(primitive, template, with_avals=False, namespace=None):
  """Emit ``primitive`` as an inline expression.

  ``template`` is a format string over the operand names ("np.sin({0})"), or a function
  ``(args, **params) -> str | None`` when parameters shape the expression (None: call the
  impl instead). With ``with_avals=True`` the function is ``(args, in_avals, out_avals,
  **params)``. The expression must return exactly what the primitive's impl returns."""
  if isinstance(template, str):
    rule = lambda args, **params: template.format(*args)
  elif with_avals:
    rule = template
    rule.with_avals = True
  else:
    rule = template
  expr_rules[primitive] = rule
  if namespace:
    expr_namespace.update(namespace)


def np_dtype_expr(dt):
  """``np.float32``-style text for a NumPy dtype, or None for dtypes NumPy lacks (bf16)."""
  import numpy as np
  dt = np.dtype(dt)
  return f"np.{dt.name}" if dt.name in np.sctypeDict and dt.kind in "biufc" and \
      np.dtype(getattr(np, dt.name)) == dt else None
