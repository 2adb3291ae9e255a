"""``optax.tree_utils``: pytree helpers with the ``tree_`` prefix."""
# ruff: noqa: F401
import functools as _functools
import warnings as _warnings

from jaxlite.optax._src.tree_casting import tree_cast, tree_cast_like, tree_dtype
from jaxlite.optax._src.tree_math import (
    tree_add, tree_add_scale, tree_allclose, tree_batch_shape, tree_bias_correction,
    tree_clip, tree_conj, tree_div, tree_full_like, tree_max, tree_min, tree_mul, tree_norm,
    tree_ones_like, tree_real, tree_scale, tree_size, tree_sub, tree_sum,
    tree_update_infinity_moment, tree_update_moment, tree_update_moment_per_elem_norm,
    tree_vdot, tree_where, tree_zeros_like)
from jaxlite.optax._src.tree_random import tree_random_like, tree_split_key_like
from jaxlite.optax._src.tree_state import (
    NamedTupleKey, tree_get, tree_get_all_with_path, tree_map_params, tree_set)

# Deprecated names, still served (with a warning) as optax 0.2.8 does.
_deprecations = {
    "tree_scalar_mul": ("tree_scale", tree_scale),
    "tree_add_scalar_mul": ("tree_add_scale", tree_add_scale),
    "tree_l1_norm": ("tree_norm(..., ord=1)", _functools.partial(tree_norm, ord=1)),
    "tree_l2_norm": ("tree_norm", _functools.partial(tree_norm, ord=2)),
    "tree_linf_norm": ("tree_norm(..., ord=jnp.inf)",
                       _functools.partial(tree_norm, ord="inf")),
}


def __getattr__(name):
  if name in _deprecations:
    replacement, fn = _deprecations[name]
    _warnings.warn(f"optax.tree_utils.{name} is deprecated: use optax.tree_utils."
                   f"{replacement} (optax v0.2.5 or newer).", DeprecationWarning,
                   stacklevel=2)
    return fn
  raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
