"""Fit a noisy sine wave with a small MLP: Flax NNX + Optax Adam, then save the trained
model with Orbax and restore it into a fresh, abstract model.

A plain JAX-stack script (jax, flax.nnx, optax, orbax). Run it with the real stack, or unchanged
on jaxlite:  python -m jaxlite run examples/scripts/mlp_regression.py --quick
"""
import argparse
import os
import tempfile
import time

import jax
import jax.numpy as jnp
import optax
import orbax.checkpoint as ocp
from flax import nnx


class MLP(nnx.Module):
  def __init__(self, din: int, dhidden: int, dout: int, *, rngs: nnx.Rngs):
    self.hidden1 = nnx.Linear(din, dhidden, rngs=rngs)
    self.hidden2 = nnx.Linear(dhidden, dhidden, rngs=rngs)
    self.out = nnx.Linear(dhidden, dout, rngs=rngs)

  def __call__(self, x):
    x = nnx.tanh(self.hidden1(x))
    x = nnx.gelu(self.hidden2(x))
    return self.out(x)


def make_data(key, n):
  kx, knoise = jax.random.split(key)
  x = jax.random.uniform(kx, (n, 1), minval=-jnp.pi, maxval=jnp.pi)
  y = jnp.sin(2.0 * x) + 0.5 * x + 0.05 * jax.random.normal(knoise, (n, 1))
  return x, y


def loss_fn(model, x, y):
  pred = model(x)
  return jnp.mean(optax.l2_loss(pred, y)) * 2.0  # l2_loss is half the squared error


@nnx.jit
def train_step(model, optimizer, metrics, x, y):
  loss, grads = nnx.value_and_grad(loss_fn)(model, x, y)
  optimizer.update(model, grads)
  metrics.update(loss=loss)
  return loss


@nnx.jit
def eval_loss(model, x, y):
  return loss_fn(model, x, y)


def save_and_restore(model, ckpt_dir):
  """Round-trip the model's state through an Orbax checkpoint."""
  _, state = nnx.split(model)
  checkpointer = ocp.StandardCheckpointer()
  path = os.path.join(os.path.abspath(ckpt_dir), "state")
  checkpointer.save(path, state)
  checkpointer.wait_until_finished()
  # Restore into an abstract model: shapes and dtypes only, no parameter initialisation.
  abstract_model = nnx.eval_shape(lambda: MLP(1, 32, 1, rngs=nnx.Rngs(params=0)))
  graphdef, abstract_state = nnx.split(abstract_model)
  restored_state = checkpointer.restore(path, abstract_state)
  return nnx.merge(graphdef, restored_state)


def main():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--steps", type=int, default=2000)
  parser.add_argument("--batch-size", type=int, default=64)
  parser.add_argument("--lr", type=float, default=1e-2)
  parser.add_argument("--quick", action="store_true", help="a short run (300 steps)")
  args = parser.parse_args()
  steps = 300 if args.quick else args.steps

  key = jax.random.key(0)
  key, data_key, test_key = jax.random.split(key, 3)
  x_train, y_train = make_data(data_key, 512)
  x_test, y_test = make_data(test_key, 256)

  model = MLP(1, 32, 1, rngs=nnx.Rngs(params=1))
  optimizer = nnx.Optimizer(model, optax.adam(args.lr), wrt=nnx.Param)
  metrics = nnx.MultiMetric(loss=nnx.metrics.Average("loss"))

  initial = float(eval_loss(model, x_test, y_test))
  print(f"initial loss: {initial:.6f}")
  start = time.perf_counter()
  for step in range(1, steps + 1):
    key, batch_key = jax.random.split(key)
    idx = jax.random.randint(batch_key, (args.batch_size,), 0, x_train.shape[0])
    train_step(model, optimizer, metrics, x_train[idx], y_train[idx])
    if step % 100 == 0 or step == steps:
      train_loss = metrics.compute()["loss"]
      metrics.reset()
      print(f"step {step:5d}  train loss {float(train_loss):.5f}")
  elapsed = time.perf_counter() - start
  final = float(eval_loss(model, x_test, y_test))
  print(f"trained {steps} steps in {elapsed:.2f} s")
  print(f"final loss: {final:.6f}")
  with tempfile.TemporaryDirectory() as ckpt_dir:
    restored = save_and_restore(model, ckpt_dir)
  print(f"restored model loss: {float(eval_loss(restored, x_test, y_test)):.6f}")


if __name__ == "__main__":
  main()
