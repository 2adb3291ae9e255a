"""``nnx.Module``: a Pytree with training-mode switches, ``sow`` and module iteration."""
from __future__ import annotations

import warnings

from jaxlite import numpy as jnp
from jaxlite import tree_util as jtu
from jaxlite.flax._src.nnx import filterlib, graphlib
from jaxlite.flax._src.nnx import variablelib
from jaxlite.flax._src.nnx.pytreelib import Pytree


def _tuple_reduce(xs, x):
  return xs + (x,)


def _tuple_init():
  return ()


class Module(Pytree):
  """Base class for layers and models: assign Variables, sub-Modules and static
  configuration in ``__init__``, compute in ``__call__``."""

  def sow(self, variable_type, name, value, reduce_fn=_tuple_reduce, init_fn=_tuple_init):
    """Record ``value`` in a Variable attribute ``name`` (a tuple of every value sown)."""
    if isinstance(variable_type, str):
      variable_type = variablelib.variable_type_from_name(variable_type, allow_register=True)
    if hasattr(self, name):
      variable = getattr(self, name)
      if not isinstance(variable, variablelib.Variable):
        raise ValueError(f"Expected '{name}' to be a Variable, got {type(variable).__name__}")
      if type(variable) is not variable_type:
        raise ValueError(f"Expected '{name}' to be of type '{variable_type.__name__}', got "
                         f"'{type(variable).__name__}'")
      variable.set_value(reduce_fn(variable.get_value(), value))
    else:
      setattr(self, name, variable_type(reduce_fn(init_fn(), value)))
    return True

  def perturb(self, name, value, variable_type=variablelib.Perturbation):
    """Add a zero Variable ``name`` to ``value``: its gradient is the gradient of ``value``."""
    if isinstance(variable_type, str):
      variable_type = variablelib.variable_type_from_name(variable_type, allow_register=True)
    if hasattr(self, name):
      var = getattr(self, name)
      if not isinstance(var, variable_type):
        raise ValueError(f"Expected '{name}' to be of type '{variable_type.__name__}', got "
                         f"'{type(var).__name__}'")
      old = var.get_value()
    else:
      old = jtu.tree_map(jnp.zeros_like, value)
      setattr(self, name, variable_type(old))
    return old + value

  def iter_modules(self):
    warnings.warn("The 'm.iter_modules()' method is deprecated; use the 'nnx.iter_modules(m)' "
                  "function instead.", DeprecationWarning, stacklevel=2)
    yield from iter_modules(self)

  def iter_children(self):
    warnings.warn("The 'm.iter_children()' method is deprecated; use the "
                  "'nnx.iter_children(m)' function instead.", DeprecationWarning, stacklevel=2)
    yield from graphlib.iter_children(self)

  def set_attributes(self, *filters, raise_if_not_found: bool = True, **attributes):
    """Set attributes (e.g. ``deterministic=True``) on every sub-Module that has them."""
    remaining = set(attributes)
    predicates = tuple(map(filterlib.to_predicate, filters or (True,)))
    for path, module in iter_modules(self):
      if any(p(path, module) for p in predicates):
        for name, value in attributes.items():
          if hasattr(module, name):
            remaining.discard(name)
            setattr(module, name, value)
    if remaining and raise_if_not_found:
      raise ValueError("Could not find at least one instance of the following attributes: "
                       f"{sorted(remaining)}")

  def train(self, **attributes):
    """Training mode: Dropout active, BatchNorm uses and updates batch statistics."""
    return self.set_attributes(deterministic=False, use_running_average=False, **attributes,
                               raise_if_not_found=False)

  def eval(self, **attributes):
    """Evaluation mode: Dropout off, BatchNorm uses its running averages."""
    return self.set_attributes(deterministic=True, use_running_average=True, **attributes,
                               raise_if_not_found=False)


def iter_modules(module, /):
  """``(path, module)`` for every Module in the graph, children before parents."""
  for path, value in graphlib.iter_graph(module):
    if isinstance(value, Module):
      yield path, value


def with_attributes(node, /, *, only=..., raise_if_not_found: bool = True, **attributes):
  """Set ``attributes`` on the matching Modules of ``node`` (in place) and return it."""
  predicate = filterlib.to_predicate(only)
  remaining = set(attributes)
  for path, module in iter_modules(node):
    if predicate(path, module):
      for name, value in attributes.items():
        if hasattr(module, name):
          setattr(module, name, value)
          remaining.discard(name)
  if remaining and raise_if_not_found:
    raise ValueError("Could not find at least one instance of the following attributes: "
                     f"{sorted(remaining)}")
  return node


def first_from(*args, error_msg: str):
  for arg in args:
    if arg is not None:
      return arg
  raise ValueError(error_msg)
