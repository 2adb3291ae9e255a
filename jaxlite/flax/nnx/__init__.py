"""``flax.nnx`` for jaxlite: Modules, Variables, Rngs, graph operations, transforms, layers
and training utilities. Every name is a re-export from ``jaxlite.flax._src.nnx``."""
# ruff: noqa: F401
from jaxlite.flax._src.nnx.variablelib import (
    Variable, VariableMetadata, Param, BatchStat, Cache, Intermediate,
    Perturbation, with_metadata, with_partitioning, register_variable_name,
    variable_type_from_name, variable_name_from_type)
from jaxlite.flax._src.nnx.filterlib import (
    All, Any, Not, Everything, Nothing, PathContains, OfType, WithTag)
from jaxlite.flax._src.nnx.statelib import (
    State, FlatState, to_flat_state, from_flat_state, to_pure_dict, replace_by_pure_dict,
    restore_int_paths, split_state, filter_state, merge_state, map_state)
from jaxlite.flax._src.nnx.pytreelib import (
    Pytree, Object, data, static, register_data_type, is_data, has_data, dataclass)
from jaxlite.flax._src.nnx.graphlib import (
    GraphDef, split, merge, state, update, graphdef, clone, pop, iter_graph, iter_children,
    iter_module_children, variables, find_duplicates, flatten, unflatten)
from jaxlite.flax._src.nnx.module import Module, iter_modules, with_attributes
from jaxlite.flax._src.nnx.helpers import List, Dict, Sequential
from jaxlite.flax._src.nnx.rnglib import (
    Rngs, RngStream, RngState, RngKey, RngCount, split_rngs, fork_rngs, restore_rngs, reseed)
from jaxlite.flax._src.nnx.jit import jit
from jaxlite.flax._src.nnx.autodiff import grad, value_and_grad, DiffState, custom_vjp
from jaxlite.flax._src.nnx.general import eval_shape
from jaxlite.flax._src.nnx.nn import initializers
from jaxlite.flax._src.nnx.nn.activations import (
    celu, elu, gelu, glu, hard_sigmoid, hard_silu, hard_swish, hard_tanh, leaky_relu,
    log_sigmoid, log_softmax, logsumexp, one_hot, relu, identity, relu6, selu, sigmoid, silu,
    soft_sign, softmax, softplus, standardize, swish, tanh, PReLU)
from jaxlite.flax._src.nnx.nn.linear import (
    Linear, LinearGeneral, Einsum, Conv, ConvTranspose, Embed)
from jaxlite.flax._src.nnx.nn.normalization import (
    BatchNorm, LayerNorm, RMSNorm, GroupNorm, InstanceNorm)
from jaxlite.flax._src.nnx.nn.stochastic import Dropout
from jaxlite.flax._src.nnx.nn.attention import (
    MultiHeadAttention, dot_product_attention, make_attention_mask, make_causal_mask,
    combine_masks)
from jaxlite.flax._src.nnx.nn.pooling import avg_pool, max_pool, min_pool, pool
from jaxlite.nn.initializers import Initializer
from jaxlite.flax._src.nnx.graphlib import as_pure
from jaxlite.flax._src.nnx.training.optimizer import (
    Optimizer, ModelAndOptimizer, OptState, OptArray, OptVariable)
from jaxlite.flax._src.nnx.training import metrics
from jaxlite.flax._src.nnx.training.metrics import MultiMetric, Metric
from jaxlite.flax._src.nnx.summary import tabulate, display
from jaxlite.flax._src.nnx.control import remat, cond, switch, fori_loop, while_loop
from jaxlite.flax._src.nnx.iteration import vmap, scan, StateAxes, Carry
from jaxlite.flax._src.nnx.nn.recurrent import (
    RNNCellBase, LSTMCell, OptimizedLSTMCell, GRUCell, SimpleCell, RNN, Bidirectional)
