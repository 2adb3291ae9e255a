"""``nnx.Optimizer`` (``update(model, grads)``) and ``nnx.ModelAndOptimizer``
(``update(grads)``): an optax GradientTransformation whose state lives in Variables."""
from __future__ import annotations

from jaxlite import numpy as jnp
from jaxlite import tree_util as jtu
from jaxlite.flax._src.nnx import graphlib
from jaxlite.flax._src.nnx.pytreelib import Pytree, data
from jaxlite.flax._src.nnx.variablelib import Param, Variable


class OptState(Variable):
  """Optimizer state (step count, moments...)."""


class OptArray(OptState):
  pass


class OptVariable(OptState):
  pass


def to_opt_state(tree):
  def convert(x):
    if isinstance(x, Variable):
      metadata = x.get_metadata()
      if "optimizer_sharding" in metadata:
        metadata["out_sharding"] = metadata.pop("optimizer_sharding")
      return OptVariable(x.get_value(), **metadata)
    return OptArray(x)
  return jtu.tree_map(convert, tree, is_leaf=lambda x: isinstance(x, Variable))


_MISSING = object()


class Optimizer(Pytree):
  """Holds ``tx``'s state for the Variables of ``model`` selected by ``wrt``."""

  def __init__(self, model, tx, *, wrt=_MISSING, graph=None):
    if wrt is _MISSING:
      raise TypeError("Missing required argument `wrt`. As of Flax 0.11.0 the `wrt` argument "
                      "is required, if you want to keep the previous use nnx.ModelAndOptimizer "
                      "instead of nnx.Optimizer.")
    self.graph = graph
    self.step = OptState(jnp.array(0, dtype=jnp.uint32))
    self.tx = tx
    self.opt_state = data(to_opt_state(tx.init(graphlib.state(model, wrt))))
    self.wrt = wrt

  def __getattribute__(self, name):
    if name == "model" and name not in vars(self):
      raise AttributeError(f"{type(self).__name__} does not have attribute 'model' since Flax "
                           "0.11.0. To keep the previous behavior, use nnx.ModelAndOptimizer "
                           "instead of nnx.Optimizer.")
    return super().__getattribute__(name)

  def update(self, model, grads=_MISSING, /, **kwargs):
    """Apply one step: ``model``'s selected Variables += ``tx`` updates from ``grads``."""
    if grads is _MISSING:
      raise TypeError("Missing required argument `grads`. As of Flax 0.11.0 update requires "
                      "both (model, grads) arguments to be passed. If you want to keep the "
                      "previous use nnx.ModelAndOptimizer instead of nnx.Optimizer.")
    params = graphlib.as_pure(graphlib.state(model, self.wrt))
    grad_arrays = graphlib.as_pure(_filter(grads, self.wrt))
    opt_state = graphlib.as_pure(self.opt_state)
    updates, new_opt_state = self.tx.update(grad_arrays, opt_state, params,
                                            **graphlib.as_pure(kwargs))
    from jaxlite import optax
    graphlib.update(model, optax.apply_updates(params, updates))
    _assign(self.opt_state, new_opt_state)
    self.step[...] += 1
    return updates


def _filter(grads, wrt):
  if graphlib.is_node(grads):
    return graphlib.state(grads, wrt)
  from jaxlite.flax._src.nnx import statelib
  if isinstance(grads, statelib.State):
    return statelib.filter_state(grads, wrt)
  return grads


def _assign(opt_state, new_values):
  """Write ``new_values`` (raw arrays, same structure) into the OptState Variables."""
  variables = jtu.tree_leaves(opt_state, is_leaf=lambda x: isinstance(x, Variable))
  values = jtu.tree_leaves(new_values)
  if len(variables) != len(values):
    raise ValueError(f"Optimizer state has {len(variables)} leaves, the update returned "
                     f"{len(values)}.")
  for var, value in zip(variables, values):
    var.set_value(value)


class ModelAndOptimizer(Optimizer):
  """An Optimizer that also holds its model: ``update(grads)``."""

  def __init__(self, model, tx, *, wrt=Param):
    super().__init__(model, tx, wrt=wrt)
    self.model = model

  def update(self, grads, /, **kwargs):
    return super().update(self.model, grads, **kwargs)

