"""DP-SGD style training in plain functional JAX: per-example gradients with jax.vmap,
per-example clipping, and many optimizer steps fused into one jit call with jax.lax.scan.

The task is 2-D classification of two interleaved spirals; the model is an MLP written as a
pytree of parameters, trained with the functional Optax API (init / update / apply_updates).

A plain JAX-stack script (jax, optax). Run it with the real stack, or unchanged on jaxlite:
    python -m jaxlite run examples/scripts/per_example_grads_scan.py --quick
"""
import argparse
import time
from functools import partial

import jax
import jax.numpy as jnp
import optax


def spirals(key, n):
  """Two interleaved spirals, labels 0 and 1."""
  kt, kl, kn = jax.random.split(key, 3)
  t = jax.random.uniform(kt, (n,), minval=0.25, maxval=1.0) * 3 * jnp.pi
  labels = jax.random.bernoulli(kl, 0.5, (n,)).astype(jnp.int32)
  angle = t + jnp.pi * labels
  points = jnp.stack([t * jnp.cos(angle), t * jnp.sin(angle)], axis=-1) / (3 * jnp.pi)
  return points + 0.02 * jax.random.normal(kn, points.shape), labels


def init_params(key, sizes):
  init = jax.nn.initializers.he_normal()
  keys = jax.random.split(key, len(sizes) - 1)
  return [{"w": init(k, (din, dout), jnp.float32), "b": jnp.zeros((dout,), jnp.float32)}
          for k, din, dout in zip(keys, sizes[:-1], sizes[1:])]


def forward(params, x):
  for layer in params[:-1]:
    x = jax.nn.relu(x @ layer["w"] + layer["b"])
  return x @ params[-1]["w"] + params[-1]["b"]


def loss_fn(params, x, y):
  """Mean cross-entropy; works for one example (x: (2,), y: ()) or a batch."""
  logits = forward(params, x)
  return jnp.mean(optax.softmax_cross_entropy_with_integer_labels(logits, y))


def clipped_mean_grad(params, x, y, clip_norm):
  # One gradient per example: vmap over the batch axis of x and y, not over params.
  grads = jax.vmap(jax.grad(loss_fn), in_axes=(None, 0, 0))(params, x, y)
  norms = jax.vmap(optax.global_norm)(grads)                      # (batch,)
  scale = jnp.minimum(1.0, clip_norm / (norms + 1e-6))
  clipped = jax.tree.map(lambda g: g * scale.reshape((-1,) + (1,) * (g.ndim - 1)), grads)
  return jax.tree.map(lambda g: g.mean(axis=0), clipped), norms


@partial(jax.jit, static_argnames=("tx", "num_steps", "batch_size"))
def train_chunk(params, opt_state, key, x, y, *, tx, num_steps, batch_size, clip_norm,
                noise_mult):
  """num_steps noisy clipped SGD steps inside one compiled loop."""

  def step(carry, key):
    params, opt_state = carry
    kb, kn = jax.random.split(key)
    idx = jax.random.choice(kb, x.shape[0], (batch_size,), replace=False)
    grads, norms = clipped_mean_grad(params, x[idx], y[idx], clip_norm)
    leaves, treedef = jax.tree.flatten(grads)
    noise_keys = jax.random.split(kn, len(leaves))
    std = noise_mult * clip_norm / batch_size
    noisy = jax.tree.unflatten(treedef, [
        g + std * jax.random.normal(k, g.shape) for g, k in zip(leaves, noise_keys)])
    updates, opt_state = tx.update(noisy, opt_state, params)
    params = optax.apply_updates(params, updates)
    return (params, opt_state), jnp.mean(norms)

  (params, opt_state), mean_norms = jax.lax.scan(step, (params, opt_state),
                                                 jax.random.split(key, num_steps))
  return params, opt_state, mean_norms


@jax.jit
def evaluate(params, x, y):
  logits = forward(params, x)
  accuracy = jnp.mean(jnp.argmax(logits, -1) == y)
  return loss_fn(params, x, y), accuracy


def main():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--steps", type=int, default=2000)
  parser.add_argument("--batch-size", type=int, default=64)
  parser.add_argument("--lr", type=float, default=0.05)
  parser.add_argument("--clip-norm", type=float, default=1.0)
  parser.add_argument("--noise-multiplier", type=float, default=0.5)
  parser.add_argument("--quick", action="store_true", help="a short run (300 steps)")
  args = parser.parse_args()
  steps = 300 if args.quick else args.steps
  chunk = 100

  key = jax.random.key(0)
  k_train, k_test, k_init, key = jax.random.split(key, 4)
  x_train, y_train = spirals(k_train, 1024)
  x_test, y_test = spirals(k_test, 512)
  params = init_params(k_init, [2, 64, 64, 2])
  tx = optax.sgd(args.lr, momentum=0.9)
  opt_state = tx.init(params)

  loss, acc = evaluate(params, x_test, y_test)
  print(f"initial loss: {float(loss):.6f}")
  start = time.perf_counter()
  for done in range(0, steps, chunk):
    key, chunk_key = jax.random.split(key)
    n = min(chunk, steps - done)
    params, opt_state, norms = train_chunk(
        params, opt_state, chunk_key, x_train, y_train, tx=tx, num_steps=n,
        batch_size=args.batch_size, clip_norm=args.clip_norm,
        noise_mult=args.noise_multiplier)
    loss, acc = evaluate(params, x_test, y_test)
    print(f"step {done + n:5d}  mean per-example grad norm {float(norms.mean()):.3f}  "
          f"test loss {float(loss):.4f}  acc {float(acc):.3f}")
  elapsed = time.perf_counter() - start
  print(f"trained {steps} steps in {elapsed:.2f} s")
  print(f"final accuracy: {float(acc):.4f}")
  print(f"final loss: {float(loss):.6f}")


if __name__ == "__main__":
  main()
