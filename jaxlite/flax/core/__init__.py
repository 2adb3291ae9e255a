"""``flax.core`` for jaxlite: FrozenDict, scopes and the functional lifted transforms."""
# ruff: noqa: F401
from jaxlite.flax._src.core.axes_scan import broadcast
from jaxlite.flax._src.core.frozen_dict import (
    FrozenDict, copy, freeze, pop, pretty_repr, unfreeze)
from jaxlite.flax._src.core.lift import jit, remat, scan, vmap, while_loop
from jaxlite.flax._src.core.scope import DenyList, Scope, apply, bind, init
from jaxlite.flax.core import frozen_dict
