"""Core workloads (issue 2): eager op latency, jit cache-hit overhead, MLP trace+compile."""
import operator

import numpy as np

from registry import workload

EAGER_TARGETS = {"numpy": 5.0, "jax": 0.25}


def _vectors(e, count, size=10):
  rng = np.random.default_rng(0)
  return [e.jnp.asarray(v) for v in rng.standard_normal((count, size), dtype=np.float32)]


# ---------------------------------------------------------------------------
# 1. Eager op latency (NumPy runs the same expression on ndarrays)

@workload("eager_add_op", "`a + b` on two 10-element float32 arrays", targets=EAGER_TARGETS)
def eager_add_op(e):
  return (operator.add, *_vectors(e, 2))


@workload("eager_jnp_add", "`jnp.add(a, b)` on two 10-element float32 arrays (NumPy: `np.add`)",
          targets=EAGER_TARGETS)
def eager_jnp_add(e):
  return (e.jnp.add, *_vectors(e, 2))


@workload("eager_sin", "`jnp.sin(a)` on a 10-element float32 array (NumPy: `np.sin`)",
          targets=EAGER_TARGETS)
def eager_sin(e):
  return (e.jnp.sin, *_vectors(e, 1))


# ---------------------------------------------------------------------------
# 2. Call overhead of a jitted function whose cache already holds the signature
#    (NumPy: the same Python function, not compiled)

@workload("jit_tiny", "cache-hit call of jitted `lambda x: x * 2 + 1`, 10 float32 elements",
          targets={"jax": 1.0})
def jit_tiny(e):
  return (e.jit(lambda x: x * 2 + 1), *_vectors(e, 1))


@workload("jit_pytree10", "cache-hit call of a jitted function taking a dict of 10 arrays "
          "(10 float32 each) and returning the dict of their sums (10 output leaves)",
          targets={"jax": 1.0})
def jit_pytree10(e):
  tree = {f"x{i}": v for i, v in enumerate(_vectors(e, 10))}
  if e.is_numpy:
    return (lambda d: {k: v.sum() for k, v in d.items()}), tree
  return e.jit(lambda d: e.jax.tree_util.tree_map(e.jnp.sum, d)), tree


# ---------------------------------------------------------------------------
# 3. MLP training step: 1347x64 -> 128 -> 128 -> 10, SELU, softmax cross-entropy, SGD

MLP_SIZES = (64, 128, 128, 10)
MLP_BATCH = 1347
LR = 0.01
SELU_ALPHA = 1.6732632423543772
SELU_SCALE = 1.0507009873554805


def _mlp_data(e):
  rng = np.random.default_rng(0)
  params = [(rng.standard_normal((m, n), dtype=np.float32) / np.float32(np.sqrt(m)),
             np.zeros(n, np.float32)) for m, n in zip(MLP_SIZES[:-1], MLP_SIZES[1:])]
  x = rng.standard_normal((MLP_BATCH, MLP_SIZES[0]), dtype=np.float32)
  labels = rng.integers(0, MLP_SIZES[-1], MLP_BATCH).astype(np.int32)
  put = e.jnp.asarray
  return [(put(w), put(b)) for w, b in params], put(x), put(labels)


def make_train_step(jax, jnp):
  """The jitted training step, written once against JAX's API. Each call builds new Python
  functions, so nothing about them is cached anywhere."""
  def selu(x):
    return SELU_SCALE * jnp.where(x > 0, x, SELU_ALPHA * jnp.exp(x) - SELU_ALPHA)

  def loss(params, x, labels):
    h = x
    for w, b in params[:-1]:
      h = selu(jnp.dot(h, w) + b)
    w, b = params[-1]
    logits = jnp.dot(h, w) + b
    m = jnp.max(logits, axis=-1, keepdims=True)
    logp = logits - m - jnp.log(jnp.sum(jnp.exp(logits - m), axis=-1, keepdims=True))
    # expand_dims rather than labels[:, None]: jaxlite has no indexing yet
    onehot = jnp.expand_dims(labels, 1) == jnp.arange(logits.shape[-1])
    return -jnp.mean(jnp.sum(jnp.where(onehot, logp, 0.0), axis=-1))

  def train_step(params, x, labels):
    value, grads = jax.value_and_grad(loss)(params, x, labels)
    return jax.tree_util.tree_map(lambda p, g: p - LR * g, params, grads), value

  return jax.jit(train_step)


def numpy_train_step(params, x, labels):
  """The same step with a hand-written backward pass, straightforward NumPy."""
  zs, acts = [], [x]
  for w, b in params[:-1]:
    z = acts[-1] @ w + b
    zs.append(z)
    acts.append(SELU_SCALE * np.where(z > 0, z, SELU_ALPHA * np.exp(z) - SELU_ALPHA))
  w, b = params[-1]
  logits = acts[-1] @ w + b
  shifted = logits - logits.max(axis=-1, keepdims=True)
  e = np.exp(shifted)
  s = e.sum(axis=-1, keepdims=True)
  onehot = labels[:, None] == np.arange(logits.shape[-1])
  value = -np.mean(np.sum(np.where(onehot, shifted - np.log(s), 0.0), axis=-1))
  g = (e / s - onehot) / np.float32(len(x))  # d loss / d logits
  grads = []
  for i in range(len(params) - 1, -1, -1):
    grads.append((acts[i].T @ g, g.sum(axis=0)))
    if i:
      z = zs[i - 1]
      g = (g @ params[i][0].T) * np.where(z > 0, SELU_SCALE,
                                          SELU_SCALE * SELU_ALPHA * np.exp(z))
  new = [(w - LR * gw, b - LR * gb) for (w, b), (gw, gb) in zip(params, grads[::-1])]
  return new, value


@workload("mlp_compile", "first call of a freshly jitted MLP training step "
          "(`jit` of value_and_grad + tree_map SGD): trace + compile + one run",
          targets={"jax": 0.1}, fresh=True, rounds=7)
def mlp_compile(e):
  if e.is_numpy:
    return None
  return (make_train_step(e.jax, e.jnp), *_mlp_data(e))


@workload("mlp_step", "steady-state call of the jitted MLP training step "
          "(NumPy: hand-written forward and backward)", targets={"jax": 1.0})
def mlp_step(e):
  step = numpy_train_step if e.is_numpy else make_train_step(e.jax, e.jnp)
  return (step, *_mlp_data(e))
