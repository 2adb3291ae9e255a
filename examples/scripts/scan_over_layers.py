"""A deep residual MLP whose identical blocks are created with nnx.vmap and applied with
nnx.scan ("scan over layers"): one traced block instead of num_layers copies, and the
parameters of all blocks stacked on a leading axis. Blocks use LayerNorm, Dropout (with its
own RNG stream, split across layers) and nnx.remat to save activation memory.

The task: regress f(x, y) = sin(3x) * cos(2y) on random points in the unit square.

A plain JAX-stack script (jax, flax.nnx, optax). Run it with the real stack, or unchanged on
jaxlite:  python -m jaxlite run examples/scripts/scan_over_layers.py --quick
"""
import argparse
import time

import jax
import jax.numpy as jnp
import optax
from flax import nnx


class Block(nnx.Module):
  def __init__(self, dim: int, *, rngs: nnx.Rngs):
    self.norm = nnx.LayerNorm(dim, rngs=rngs)
    self.linear = nnx.Linear(dim, dim, rngs=rngs)
    self.dropout = nnx.Dropout(0.1, rngs=rngs)

  def __call__(self, x):
    return x + self.dropout(nnx.gelu(self.linear(self.norm(x))))


class DeepMLP(nnx.Module):
  def __init__(self, din: int, dim: int, dout: int, num_layers: int, *, rngs: nnx.Rngs):
    self.num_layers = num_layers
    self.embed = nnx.Linear(din, dim, rngs=rngs)

    @nnx.split_rngs(splits=num_layers)
    @nnx.vmap(in_axes=(0,), out_axes=0)
    def create_blocks(rngs: nnx.Rngs):
      return Block(dim, rngs=rngs)

    self.blocks = create_blocks(rngs)                  # every Param has a leading layer axis
    self.head = nnx.Linear(dim, dout, rngs=rngs)

  def __call__(self, x):
    @nnx.scan(in_axes=(nnx.Carry, 0), out_axes=nnx.Carry)
    @nnx.remat
    def apply_block(x, block: Block):
      return block(x)

    return self.head(apply_block(self.embed(x), self.blocks))


def target_fn(points):
  return (jnp.sin(3 * points[:, 0]) * jnp.cos(2 * points[:, 1]))[:, None]


def loss_fn(model, x, y):
  return jnp.mean((model(x) - y) ** 2)


@nnx.jit
def train_step(model, optimizer, x, y):
  loss, grads = nnx.value_and_grad(loss_fn)(model, x, y)
  optimizer.update(model, grads)
  return loss


@nnx.jit
def eval_loss(model, x, y):
  return loss_fn(model, x, y)


def main():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--steps", type=int, default=1500)
  parser.add_argument("--layers", type=int, default=6)
  parser.add_argument("--batch-size", type=int, default=128)
  parser.add_argument("--lr", type=float, default=3e-3)
  parser.add_argument("--quick", action="store_true", help="a short run (150 steps)")
  args = parser.parse_args()
  steps = 150 if args.quick else args.steps

  model = DeepMLP(2, 32, 1, args.layers, rngs=nnx.Rngs(params=0, dropout=1))
  kernel = model.blocks.linear.kernel
  print(f"{args.layers} blocks; stacked block kernel shape {tuple(kernel.shape)}")
  optimizer = nnx.Optimizer(model, optax.adam(args.lr), wrt=nnx.Param)

  key = jax.random.key(0)
  key, test_key = jax.random.split(key)
  x_test = jax.random.uniform(test_key, (512, 2), minval=-1.0, maxval=1.0)
  y_test = target_fn(x_test)
  model.eval()
  initial = float(eval_loss(model, x_test, y_test))
  print(f"initial loss: {initial:.6f}")
  start = time.perf_counter()
  model.train()
  for step in range(1, steps + 1):
    key, batch_key = jax.random.split(key)
    x = jax.random.uniform(batch_key, (args.batch_size, 2), minval=-1.0, maxval=1.0)
    loss = train_step(model, optimizer, x, target_fn(x))
    if step % 50 == 0 or step == steps:
      print(f"step {step:5d}  train loss {float(loss):.5f}")
  elapsed = time.perf_counter() - start
  model.eval()
  final = float(eval_loss(model, x_test, y_test))
  print(f"trained {steps} steps in {elapsed:.2f} s")
  print(f"final loss: {final:.6f}")


if __name__ == "__main__":
  main()
