"""``jax.nn``'s activation functions, softmax family, one_hot and dot_product_attention.

Each formula follows JAX's so results agree bit for bit: which ops run, in which dtype, and
where ``stop_gradient`` cuts (e.g. the max shift of softmax) all change rounding or grads."""
from __future__ import annotations

import functools
import math

import numpy as np

from jaxlite._src import dtypes
from jaxlite._src.custom_derivatives import custom_jvp
from jaxlite._src.jit import jit
from jaxlite._src.numpy import util as np_util
from jaxlite import lax
from jaxlite import numpy as jnp

__all__ = [
    "identity", "relu", "relu6", "squareplus", "softplus", "sparse_plus", "soft_sign",
    "sigmoid", "sparse_sigmoid", "silu", "swish", "mish", "log_sigmoid", "elu", "leaky_relu",
    "hard_tanh", "celu", "selu", "gelu", "glu", "logsumexp", "logmeanexp", "log_softmax",
    "softmax", "standardize", "one_hot", "hard_sigmoid", "hard_silu", "hard_swish", "tanh",
    "dot_product_attention",
]

tanh = jnp.tanh


def _arraylike(name, x):
  np_util.check_arraylike(name, x)
  return jnp.asarray(x)


@jit
def identity(x):
  return _arraylike("identity", x)


# relu's derivative at 0 is 0 (not the 0.5 that max's tie-splitting rule would give).
@custom_jvp
@jit
def relu(x):
  return jnp.maximum(x, 0)


relu.defjvps(lambda g, ans, x: lax.select(x > 0, g, lax.full_like(g, 0)))


@custom_jvp
@jit
def relu6(x):
  return jnp.minimum(jnp.maximum(x, 0), 6.)


relu6.defjvps(lambda g, ans, x: lax.select((x > 0) & (x < 6), g, lax.full_like(g, 0)))


@jit
def squareplus(x, b=4):
  np_util.check_arraylike("squareplus", x, b)
  return (x + jnp.sqrt(jnp.square(x) + b)) / 2


@jit
def softplus(x):
  return jnp.logaddexp(x, 0)


@jit
def sparse_plus(x):
  x = _arraylike("sparse_plus", x)
  return jnp.where(x <= -1.0, 0.0, jnp.where(x >= 1.0, x, (x + 1.0) ** 2 / 4))


@jit
def soft_sign(x):
  x = _arraylike("soft_sign", x)
  return x / (jnp.abs(x) + 1)


@functools.partial(jit, inline=True)
def sigmoid(x):
  return lax.logistic(x)


@jit
def sparse_sigmoid(x):
  return 0.5 * jnp.clip(x + 1.0, 0.0, 2.0)


@jit
def silu(x):
  x = _arraylike("silu", x)
  return x * sigmoid(x)


swish = silu


@jit
def mish(x):
  x = _arraylike("mish", x)
  return x * jnp.tanh(softplus(x))


@custom_jvp
@jit
def log1mexp(x):
  """``log(1 - exp(-x))`` for ``x >= 0``, accurate at both ends (Maechler's switch at log 2)."""
  x = _arraylike("log1mexp", x)
  return jnp.where(x < math.log(2.0), jnp.log(-jnp.expm1(-x)), jnp.log1p(-jnp.exp(-x)))


log1mexp.defjvps(lambda g, ans, x: g / jnp.expm1(x))


@jit
def log_sigmoid(x):
  x = _arraylike("log_sigmoid", x)
  return -softplus(-x)


@jit
def elu(x, alpha=1.0):
  x = _arraylike("elu", x)
  # expm1 only sees non-positive inputs so its gradient never overflows on the unused branch.
  return jnp.where(x > 0, x, alpha * jnp.expm1(jnp.where(x > 0, 0., x)))


@jit
def leaky_relu(x, negative_slope=1e-2):
  x = _arraylike("leaky_relu", x)
  return jnp.where(x >= 0, x, negative_slope * x)


@jit
def hard_tanh(x):
  x = _arraylike("hard_tanh", x)
  return jnp.where(x > 1, 1, jnp.where(x < -1, -1, x))


@jit
def celu(x, alpha=1.0):
  return jnp.maximum(x, 0.0) + alpha * jnp.expm1(jnp.minimum(x, 0.0) / alpha)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


@jit
def selu(x):
  return _SELU_SCALE * elu(x, _SELU_ALPHA)


def gelu(x, approximate: bool = True):
  [x] = np_util.promote_args_inexact("gelu", x)
  if approximate:
    # The constant is rounded to x's dtype first, as JAX does: it changes the last bit.
    c = np.sqrt(2 / np.pi).astype(x.dtype)
    cdf = 0.5 * (1.0 + jnp.tanh(c * (x + 0.044715 * (x ** 3))))
    return x * cdf
  sqrt_half = np.sqrt(0.5).astype(x.dtype)
  return jnp.array(0.5 * x * lax.erfc(-x * sqrt_half), dtype=x.dtype)


@functools.partial(jit, static_argnames=("axis",))
def glu(x, axis: int = -1):
  x = _arraylike("glu", x)
  size = x.shape[axis]
  assert size % 2 == 0, "axis size must be divisible by 2"
  x1, x2 = lax.split(x, (size // 2, size // 2), axis % x.ndim)
  return x1 * sigmoid(x2)


def _reduction_dims(x, axis):
  return np_util.canonicalize_axes(axis, x.ndim, "logsumexp")


def logsumexp(a, axis=None, b=None, keepdims: bool = False, return_sign: bool = False,
              where=None):
  if where is not None:
    a = jnp.where(where, a, 0)
  if b is not None:
    a, b = np_util.promote_args_inexact("logsumexp", a, b)
    a = jnp.where(b != 0, a, -np.inf)
  else:
    a, = np_util.promote_args_inexact("logsumexp", a)
  dims = _reduction_dims(a, axis)
  amax = jnp.max(jnp.real(a), axis=dims, keepdims=keepdims, where=where, initial=-np.inf)
  # A non-finite max (all -inf, or an inf) would turn the shift into nan: shift by 0 instead.
  amax = lax.stop_gradient(lax.select(jnp.isfinite(amax), amax, lax.full_like(amax, 0)))
  amax_with_dims = amax if keepdims else lax.expand_dims(amax, dims)
  exp_a = lax.exp(lax.sub(a, amax_with_dims.astype(a.dtype)))
  if b is not None:
    exp_a = lax.mul(exp_a, b)
  sumexp = exp_a.sum(axis=dims, keepdims=keepdims, where=where)
  sign = lax.sign(sumexp)
  if return_sign or not dtypes.issubdtype(a.dtype, np.complexfloating):
    sumexp = abs(sumexp)
  out = lax.add(lax.log(sumexp), amax.astype(sumexp.dtype))
  if return_sign:
    return out, sign
  if b is not None and not dtypes.issubdtype(out.dtype, np.complexfloating):
    out = jnp.where(sign < 0, jnp.array(np.nan, dtype=out.dtype), out)
  return out


@functools.partial(jit, static_argnames=("axis", "keepdims"))
def logmeanexp(x, axis=None, where=None, keepdims: bool = False):
  lse = logsumexp(x, axis=axis, where=where, keepdims=keepdims)
  if where is None:
    dims = _reduction_dims(lse if keepdims else jnp.asarray(x), axis)
    count = math.prod(jnp.shape(x)[d] for d in dims)
  else:
    count = jnp.sum(jnp.broadcast_to(where, jnp.shape(x)), axis=axis, keepdims=keepdims)
  return lse - jnp.log(jnp.asarray(count, dtype=lse.dtype))


@functools.partial(jit, static_argnames=("axis",))
def log_softmax(x, axis=-1, where=None):
  x = _arraylike("log_softmax", x)
  x_max = jnp.max(x, axis, where=where, initial=-np.inf, keepdims=True)
  x_safe = x if where is None else jnp.where(where, x, -np.inf)
  shifted = x_safe - lax.stop_gradient(x_max)
  shifted_logsumexp = jnp.log(jnp.sum(jnp.exp(shifted), axis, where=where, keepdims=True))
  result = shifted - shifted_logsumexp
  if where is not None:
    return jnp.where(where, result, -np.inf)
  return result


def softmax(x, axis=-1, where=None):
  # JAX's default (jax_softmax_custom_jvp=False): plain ops, the max shift behind
  # stop_gradient.
  x_max = jnp.max(x, axis, where=where, initial=-np.inf, keepdims=True)
  x_safe = x if where is None else jnp.where(where, x, -np.inf)
  unnormalized = jnp.exp(x_safe - lax.stop_gradient(x_max))
  result = unnormalized / jnp.sum(unnormalized, axis, where=where, keepdims=True)
  if where is not None:
    result = jnp.where(where, result, 0)
  return result


@functools.partial(jit, static_argnames=("axis", "algorithm"))
def standardize(x, axis=-1, mean=None, variance=None, epsilon=1e-5, where=None, *,
                algorithm: str = "fast"):
  np_util.check_arraylike("standardize", x)
  if mean is None:
    mean = jnp.mean(x, axis, keepdims=True, where=where)
  if variance is None:
    if algorithm == "stable":
      variance = jnp.mean(jnp.square(jnp.subtract(x, mean)), axis, keepdims=True, where=where)
    elif algorithm == "fast":
      variance = jnp.mean(jnp.square(x), axis, keepdims=True, where=where) - jnp.square(mean)
      variance = jnp.clip(variance, 0)
    else:
      raise ValueError(f"Unknown algorithm '{algorithm}'. Expected 'fast' or 'stable'.")
  return jnp.subtract(x, mean) * lax.rsqrt(variance + epsilon)


@functools.partial(jit, static_argnames=("num_classes", "dtype", "axis"))
def _one_hot(x, num_classes: int, *, dtype, axis: int):
  out_axis = np_util.canonicalize_axis(axis, x.ndim + 1)
  lhs = lax.expand_dims(x, (axis,))
  rhs_shape = [1] * x.ndim
  rhs_shape.insert(out_axis, num_classes)
  rhs = lax.broadcasted_iota(x.dtype, rhs_shape, out_axis)
  return (lhs == rhs).astype(dtype)


def one_hot(x, num_classes: int, *, dtype=None, axis: int = -1):
  from jaxlite._src import core
  num_classes = core.concrete_or_error(
      int, num_classes, "The error arose in jax.nn.one_hot argument `num_classes`.")
  x = jnp.asarray(x)
  if not dtypes.issubdtype(x.dtype, np.integer):
    import warnings
    warnings.warn(f"jax.nn.one_hot input should be integer-typed; got dtype={x.dtype}",
                  DeprecationWarning, stacklevel=2)
  dtype = dtypes.canonicalize_dtype(np.float64) if dtype is None else dtype
  return _one_hot(x, num_classes, dtype=np.dtype(dtype), axis=axis)


@jit
def hard_sigmoid(x):
  return relu6(x + 3.) / 6.


@jit
def hard_silu(x):
  x = _arraylike("hard_silu", x)
  return x * hard_sigmoid(x)


hard_swish = hard_silu


from jaxlite._src.nn.attention import dot_product_attention  # noqa: E402
