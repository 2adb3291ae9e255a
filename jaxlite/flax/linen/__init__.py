"""``flax.linen`` for jaxlite: the Linen module system, layers and lifted transforms."""
# ruff: noqa: F401
from jaxlite.flax._src.core.frozen_dict import FrozenDict
from jaxlite.flax._src.core.scope import DenyList
from jaxlite.flax._src.core.axes_scan import broadcast
from jaxlite.flax._src.linen import dtypes, initializers
from jaxlite.flax._src.linen.activation import (
    PReLU, celu, elu, gelu, glu, hard_sigmoid, hard_silu, hard_swish, hard_tanh, leaky_relu,
    log_sigmoid, log_softmax, logsumexp, normalize, one_hot, relu, relu6, selu, sigmoid,
    silu, soft_sign, softmax, softplus, standardize, swish, tanh)
from jaxlite.flax._src.linen.attention import (
    MultiHeadAttention, MultiHeadDotProductAttention, SelfAttention, combine_masks,
    dot_product_attention, dot_product_attention_weights, make_attention_mask,
    make_causal_mask)
from jaxlite.flax._src.linen.combinators import Sequential
from jaxlite.flax._src.linen.initializers import ones, ones_init, zeros, zeros_init
from jaxlite.flax._src.linen.linear import (
    Conv, ConvLocal, ConvTranspose, Dense, DenseGeneral, Einsum, Embed)
from jaxlite.flax._src.linen.module import (
    Module, Variable, apply, compact, init, init_with_output, merge_param, nowrap)
from jaxlite.flax._src.linen.normalization import (
    BatchNorm, GroupNorm, InstanceNorm, LayerNorm, RMSNorm)
from jaxlite.flax._src.linen.pooling import avg_pool, max_pool, min_pool, pool
from jaxlite.flax._src.linen.recurrent import (
    RNN, Bidirectional, ConvLSTMCell, GRUCell, LSTMCell, MGUCell, OptimizedLSTMCell,
    RNNCellBase, SimpleCell)
from jaxlite.flax._src.linen.stochastic import Dropout
from jaxlite.flax._src.linen.summary import tabulate
from jaxlite.flax._src.linen.transforms import (
    checkpoint, cond, jit, map_variables, remat, scan, switch, vmap, while_loop)
