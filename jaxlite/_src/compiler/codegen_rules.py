"""How each primitive is written in generated code. Rules are registered next to their
primitive; a primitive without one is emitted as a call of its NumPy implementation."""
from __future__ import annotations

# primitive -> rule(args: list[str], **params) -> str (a Python expression)
expr_rules: dict = {}


def defexpr(primitive, template):
  """Emit ``primitive`` as an inline expression.

  ``template`` is a format string over the operand names ("np.sin({0})"), or a function
  ``(args, **params) -> str`` when parameters shape the expression. The expression must
  return exactly what the primitive's impl returns (same dtype and shape)."""
  if isinstance(template, str):
    expr_rules[primitive] = lambda args, **params: template.format(*args)
  else:
    expr_rules[primitive] = template
