"""jaxlite: the JAX programming model (and its libraries) on NumPy.

The public surface mirrors ``jax``: ``jaxlite.grad``, ``jaxlite.jit``, ``jaxlite.numpy``...
Every name here is a re-export from ``jaxlite._src``."""
# ruff: noqa: F401
__version__ = "0.1.0"

from jaxlite._src import config as _config_module
from jaxlite._src.config import disable_jit, debug_nans, debug_infs, log_compiles, \
    explain_cache_misses
from jaxlite._src.array import Array
from jaxlite._src.numpy import array_methods as _array_methods  # installs operators
from jaxlite._src.api import (
    grad, value_and_grad, vjp, jvp, linearize, jacfwd, jacrev, jacobian, hessian, vmap,
    make_jaxpr, eval_shape, ShapeDtypeStruct, closure_convert, named_call, named_scope, linear_transpose)
from jaxlite._src.jit import jit, clear_caches
from jaxlite._src.pmap import pmap, shard_map
from jaxlite._src.sharding import make_mesh
from jaxlite._src.devices import (
    devices, local_devices, device_count, local_device_count, process_index, process_count,
    default_backend, device_put, device_get)
from jaxlite._src.lax.misc import stop_gradient
from jaxlite._src.tree_util import tree_map as _tree_map
from jaxlite import tree_util, tree, numpy, lax, dtypes, errors, test_util, random, sharding
from jaxlite import nn, scipy
from jaxlite import config as config
from jaxlite._src.core import ensure_compile_time_eval

typeof = lambda x: __import__("jaxlite._src.core", fromlist=["get_aval"]).get_aval(x)  # noqa: E731


def block_until_ready(x):
  """Wait for every array in the pytree ``x`` (long jitted calls run asynchronously)."""
  for leaf in tree_util.tree_leaves(x):
    if hasattr(leaf, "block_until_ready"):
      leaf.block_until_ready()
  return x
from jaxlite._src.async_dispatch import wait_all as effects_barrier
from jaxlite._src.custom_derivatives import custom_jvp, custom_vjp
from jaxlite import custom_derivatives
from jaxlite._src.ad_checkpoint import checkpoint, remat, checkpoint_policies
from jaxlite import ad_checkpoint
from jaxlite._src.debugging import pure_callback, print_environment_info
from jaxlite import debug
from jaxlite import experimental
from jaxlite import distributed
from jaxlite import compat

from jaxlite._src.compat import missing_attribute as _missing_attribute
__getattr__ = _missing_attribute("jaxlite", "jax")
