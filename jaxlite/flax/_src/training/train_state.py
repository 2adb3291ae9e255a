"""``flax.training.train_state.TrainState``: params, optimizer state and step in one pytree."""
from collections.abc import Callable
from typing import Any

import jaxlite
from jaxlite import optax
from jaxlite.flax._src import struct

__all__ = ["TrainState"]

OVERWRITE_WITH_GRADIENT = "_overwrite_with_gradient"


class TrainState(struct.PyTreeNode):
  """A pytree of ``step``, ``params`` and ``opt_state``; ``apply_fn`` and ``tx`` are static.

  ``state = TrainState.create(apply_fn=model.apply, params=params, tx=optax.sgd(0.1))``,
  then ``state = state.apply_gradients(grads=grads)`` each step.
  """
  step: Any
  apply_fn: Callable = struct.field(pytree_node=False)
  params: Any = struct.field(pytree_node=True)
  tx: Any = struct.field(pytree_node=False)
  opt_state: Any = struct.field(pytree_node=True)

  def apply_gradients(self, *, grads, **kwargs):
    """One optimizer step: new params and opt_state, ``step + 1``; kwargs replace fields."""
    # Variables in the '_overwrite_with_gradient' collection take the "gradient" as value.
    overwrite = OVERWRITE_WITH_GRADIENT in grads
    grads_with_opt = grads["params"] if overwrite else grads
    params_with_opt = self.params["params"] if overwrite else self.params
    updates, new_opt_state = self.tx.update(grads_with_opt, self.opt_state, params_with_opt)
    new_params = optax.apply_updates(params_with_opt, updates)
    if overwrite:
      new_params = {"params": new_params,
                    OVERWRITE_WITH_GRADIENT: grads[OVERWRITE_WITH_GRADIENT]}
    return self.replace(step=self.step + 1, params=new_params, opt_state=new_opt_state,
                        **kwargs)

  @classmethod
  def create(cls, *, apply_fn, params, tx, **kwargs):
    """A state at step 0 with ``tx.init(params)`` as the optimizer state."""
    overwrite = not isinstance(params, jaxlite.Array) and OVERWRITE_WITH_GRADIENT in params
    opt_state = tx.init(params["params"] if overwrite else params)
    return cls(step=0, apply_fn=apply_fn, params=params, tx=tx, opt_state=opt_state, **kwargs)
