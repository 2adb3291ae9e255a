"""Compiler workloads (issue 9): big fused elementwise work, a vmapped product, a blur made of
81 slices, and the training steps of a small CNN and of one transformer block.

Sizes are the issue's. Under ``--quick`` (``e.quick``) every workload shrinks to a toy size:
quick mode checks the harness, and must not allocate the 400 MB arrays of ``selu_1e8``.
Nothing is allocated before a workload's setup runs, so ``--list`` allocates nothing."""
import math

import numpy as np

from registry import workload

SELU_ALPHA = 1.6732632423543772
SELU_SCALE = 1.0507009873554805
LR = 0.01


def _rng():
  return np.random.default_rng(0)


# ---------------------------------------------------------------------------
# 1. SELU over 10000x10000 float32

@workload("selu_1e8", "jitted SELU (`scale * where(x > 0, x, a*exp(x) - a)`) over a "
          "10000x10000 float32 array (NumPy: branch-free, cache-sized chunks into out= buffers)",
          targets={"jax": 1.0})
def selu_1e8(e):
  n = 100 if e.quick else 10000
  x = _rng().standard_normal((n, n), dtype=np.float32)
  if e.is_numpy:
    return _numpy_selu(x.ravel(), np.empty(n * n, np.float32)), x.ravel()
  jnp = e.jnp

  def selu(x):
    return SELU_SCALE * jnp.where(x > 0, x, SELU_ALPHA * jnp.exp(x) - SELU_ALPHA)
  return e.jit(selu), jnp.asarray(x)


# 64 Ki elements: the input chunk, the temporary and the output chunk (768 KiB) stay in the
# 1 MiB L2 between the 7 passes (32-256 Ki measured alike here, 16 Ki slower)
SELU_CHUNK = 1 << 16


def _numpy_selu(x, out):
  """SELU as `scale*max(x,0) + scale*a*(exp(min(x,0)) - 1)`: no mask, so no branch
  mispredictions; each chunk is read from memory once and written once."""
  tmp = np.empty(min(SELU_CHUNK, x.size), np.float32)
  scale, scale_alpha = np.float32(SELU_SCALE), np.float32(SELU_SCALE * SELU_ALPHA)

  def selu(x):
    for start in range(0, x.size, SELU_CHUNK):
      xc, oc = x[start:start + SELU_CHUNK], out[start:start + SELU_CHUNK]
      t = tmp[:xc.size]
      np.minimum(xc, 0, out=t)
      np.exp(t, out=t)
      np.multiply(t, scale_alpha, out=t)
      np.maximum(xc, 0, out=oc)
      np.multiply(oc, scale, out=oc)
      np.add(oc, t, out=oc)
      np.subtract(oc, scale_alpha, out=oc)
    return out
  return selu


# ---------------------------------------------------------------------------
# 2. Matrix times a batch of vectors, through vmap

@workload("matvec_vmap", "jitted `vmap(lambda v: M @ v)` of a 10000x10000 float32 matrix over "
          "128 vectors (NumPy: `V @ M.T`)", targets={"jax": 1.0})
def matvec_vmap(e):
  n, batch = (100, 4) if e.quick else (10000, 128)
  rng = _rng()
  m = rng.standard_normal((n, n), dtype=np.float32)
  v = rng.standard_normal((batch, n), dtype=np.float32)
  if e.is_numpy:
    return (lambda m, v: v @ m.T), m, v
  jax = e.jax
  return e.jit(lambda m, v: jax.vmap(lambda u: m @ u)(v)), e.jnp.asarray(m), e.jnp.asarray(v)


# ---------------------------------------------------------------------------
# 3. 9x9 box blur as the sum of 81 shifted slices

BLUR_SHAPE = (473, 716)
BLUR_K = 9


@workload("blur_81", "jitted 9x9 box blur of a 473x716 float32 image written as `jnp.pad` and "
          "the sum of 81 shifted slices (NumPy: the same sum accumulated with out=)",
          targets={"jax": 1.0})
def blur_81(e):
  img = _rng().random(BLUR_SHAPE, dtype=np.float32)
  if e.is_numpy:
    return _numpy_blur(), img
  jnp = e.jnp
  h, w = BLUR_SHAPE
  r = BLUR_K // 2

  def blur(img):
    p = jnp.pad(img, r)
    total = p[0:h, 0:w]
    for i in range(BLUR_K):
      for j in range(BLUR_K):
        if i or j:
          total = total + p[i:i + h, j:j + w]
    return total / BLUR_K**2
  return e.jit(blur), jnp.asarray(img)


def _numpy_blur():
  h, w = BLUR_SHAPE
  r = BLUR_K // 2
  padded = np.zeros((h + 2 * r, w + 2 * r), np.float32)  # the border stays zero
  out = np.empty(BLUR_SHAPE, np.float32)

  def blur(img):
    padded[r:r + h, r:r + w] = img
    np.copyto(out, padded[0:h, 0:w])
    for i in range(BLUR_K):
      for j in range(BLUR_K):
        if i or j:
          np.add(out, padded[i:i + h, j:j + w], out=out)
    np.multiply(out, np.float32(1 / BLUR_K**2), out=out)
    return out
  return blur


# ---------------------------------------------------------------------------
# 4. The Flax tutorial's CNN: conv32-relu-avgpool, conv64-relu-avgpool, dense256-relu, dense10

CNN_BATCH = 64


def _cnn_data(e):
  batch = 2 if e.quick else CNN_BATCH
  rng = _rng()

  def dense(fan_in, shape):
    return rng.standard_normal(shape, dtype=np.float32) / np.float32(math.sqrt(fan_in))
  params = {"conv1": (dense(9, (3, 3, 1, 32)), np.zeros(32, np.float32)),
            "conv2": (dense(9 * 32, (3, 3, 32, 64)), np.zeros(64, np.float32)),
            "dense1": (dense(3136, (3136, 256)), np.zeros(256, np.float32)),
            "dense2": (dense(256, (256, 10)), np.zeros(10, np.float32))}
  x = rng.random((batch, 28, 28, 1), dtype=np.float32)
  labels = rng.integers(0, 10, batch).astype(np.int32)
  put = e.jnp.asarray
  return {k: (put(w), put(b)) for k, (w, b) in params.items()}, put(x), put(labels)


def _cross_entropy(jnp, logits, labels):
  """Mean softmax cross-entropy with integer labels, written out in jnp."""
  shifted = logits - jnp.max(logits, axis=-1, keepdims=True)
  logp = shifted - jnp.log(jnp.sum(jnp.exp(shifted), axis=-1, keepdims=True))
  onehot = labels[:, None] == jnp.arange(logits.shape[-1])
  return -jnp.mean(jnp.sum(jnp.where(onehot, logp, 0.0), axis=-1))


def make_cnn_step(jax, jnp):
  """The jitted CNN training step (grad + SGD), new Python functions on every call."""
  lax = jax.lax

  def conv(x, w, b):  # flax.linen.Conv: NHWC, HWIO kernel, SAME padding
    y = lax.conv_general_dilated(x, w, (1, 1), "SAME",
                                 dimension_numbers=("NHWC", "HWIO", "NHWC"))
    return y + b

  def avg_pool(x):  # flax.linen.avg_pool(x, (2, 2), strides=(2, 2))
    return lax.reduce_window(x, 0.0, lax.add, (1, 2, 2, 1), (1, 2, 2, 1), "VALID") / 4.0

  def loss(params, x, labels):
    h = avg_pool(jnp.maximum(conv(x, *params["conv1"]), 0.0))
    h = avg_pool(jnp.maximum(conv(h, *params["conv2"]), 0.0))
    h = h.reshape((h.shape[0], -1))
    w, b = params["dense1"]
    h = jnp.maximum(h @ w + b, 0.0)
    w, b = params["dense2"]
    return _cross_entropy(jnp, h @ w + b, labels)

  def train_step(params, x, labels):
    value, grads = jax.value_and_grad(loss)(params, x, labels)
    return jax.tree_util.tree_map(lambda p, g: p - LR * g, params, grads), value

  return jax.jit(train_step)


@workload("cnn_step", "steady-state call of the jitted training step (grad + SGD) of the Flax "
          "tutorial's CNN in lax/jnp, batch 64x28x28x1 NHWC (no NumPy baseline)",
          targets={"jax": 1.5})
def cnn_step(e):
  if e.is_numpy:
    return None
  return (make_cnn_step(e.jax, e.jnp), *_cnn_data(e))


@workload("compile_cnn", "first call of a freshly jitted CNN training step (as `cnn_step`): "
          "trace + compile + one run", targets={"jax": 0.1}, fresh=True, rounds=7)
def compile_cnn(e):
  if e.is_numpy:
    return None
  return (make_cnn_step(e.jax, e.jnp), *_cnn_data(e))


# ---------------------------------------------------------------------------
# 5. One pre-LN transformer block: 8x128 tokens, d=256, 4 heads, MLP 1024, causal

D_MODEL, HEADS, D_MLP = 256, 4, 1024


def _transformer_data(e):
  batch, seq = (1, 16) if e.quick else (8, 128)
  rng = _rng()

  def dense(fan_in, shape):
    return rng.standard_normal(shape, dtype=np.float32) / np.float32(math.sqrt(fan_in))
  d = D_MODEL
  params = {"ln1": (np.ones(d, np.float32), np.zeros(d, np.float32)),
            "qkv": dense(d, (d, 3 * d)), "out": dense(d, (d, d)),
            "ln2": (np.ones(d, np.float32), np.zeros(d, np.float32)),
            "mlp1": (dense(d, (d, D_MLP)), np.zeros(D_MLP, np.float32)),
            "mlp2": (dense(D_MLP, (D_MLP, d)), np.zeros(d, np.float32))}
  x = rng.standard_normal((batch, seq, d), dtype=np.float32)
  return e.jax.tree_util.tree_map(e.jnp.asarray, params), e.jnp.asarray(x)


def make_transformer_step(jax, jnp):
  def layer_norm(x, scale, bias):
    mean = jnp.mean(x, axis=-1, keepdims=True)
    var = jnp.mean(jnp.square(x - mean), axis=-1, keepdims=True)
    return (x - mean) * jax.lax.rsqrt(var + 1e-6) * scale + bias

  def gelu(x):  # the tanh approximation, as jax.nn.gelu's default
    return 0.5 * x * (1.0 + jnp.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))

  def attention(h, w_qkv, w_out):
    b, t, d = h.shape
    q, k, v = jnp.split(h @ w_qkv, 3, axis=-1)
    q, k, v = (a.reshape(b, t, HEADS, d // HEADS) for a in (q, k, v))
    scores = jnp.einsum("bqhd,bkhd->bhqk", q, k) / math.sqrt(d // HEADS)
    causal = jnp.tril(jnp.ones((t, t), dtype=bool))
    scores = jnp.where(causal, scores, -1e9)
    scores = scores - jnp.max(scores, axis=-1, keepdims=True)
    weights = jnp.exp(scores)
    weights = weights / jnp.sum(weights, axis=-1, keepdims=True)
    return jnp.einsum("bhqk,bkhd->bqhd", weights, v).reshape(b, t, d) @ w_out

  def block(params, x):
    x = x + attention(layer_norm(x, *params["ln1"]), params["qkv"], params["out"])
    w1, b1 = params["mlp1"]
    w2, b2 = params["mlp2"]
    return x + gelu(layer_norm(x, *params["ln2"]) @ w1 + b1) @ w2 + b2

  def loss(params, x):
    return jnp.mean(jnp.square(block(params, x)))

  def train_step(params, x):
    value, grads = jax.value_and_grad(loss)(params, x)
    return jax.tree_util.tree_map(lambda p, g: p - LR * g, params, grads), value

  return jax.jit(train_step)


@workload("transformer_step", "steady-state call of the jitted training step of one pre-LN "
          "transformer block (8x128 tokens, d=256, 4 heads, MLP 1024, causal, loss = mean "
          "square) in jnp (no NumPy baseline)", targets={"jax": 1.5})
def transformer_step(e):
  if e.is_numpy:
    return None
  return (make_transformer_step(e.jax, e.jnp), *_transformer_data(e))
