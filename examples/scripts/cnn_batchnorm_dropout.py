"""A small CNN with BatchNorm and Dropout: Flax NNX + Optax.

Classifies 8x8 images: scikit-learn's handwritten digits (``--dataset digits``) or a synthetic
task, which quadrant of a noisy image holds a bright blob (``--dataset blobs``, no download,
no scikit-learn). Shows train/eval mode switching (model.train() / model.eval()) and an
nnx.Rngs with a separate dropout stream.

A plain JAX-stack script (jax, flax.nnx, optax). Run it with the real stack, or unchanged on
jaxlite:  python -m jaxlite run examples/scripts/cnn_batchnorm_dropout.py --quick
"""
import argparse
import time

import jax
import jax.numpy as jnp
import numpy as np
import optax
from flax import nnx


class CNN(nnx.Module):
  def __init__(self, num_classes: int, *, rngs: nnx.Rngs):
    self.conv1 = nnx.Conv(1, 16, kernel_size=(3, 3), use_bias=False, rngs=rngs)
    self.bn1 = nnx.BatchNorm(16, momentum=0.9, rngs=rngs)
    self.conv2 = nnx.Conv(16, 32, kernel_size=(3, 3), use_bias=False, rngs=rngs)
    self.bn2 = nnx.BatchNorm(32, momentum=0.9, rngs=rngs)
    self.dropout = nnx.Dropout(0.25, rngs=rngs)
    self.head = nnx.Linear(2 * 2 * 32, num_classes, rngs=rngs)

  def __call__(self, x):                                                  # (B, 8, 8, 1)
    x = nnx.relu(self.bn1(self.conv1(x)))
    x = nnx.avg_pool(x, window_shape=(2, 2), strides=(2, 2))              # (B, 4, 4, 16)
    x = nnx.relu(self.bn2(self.conv2(x)))
    x = nnx.max_pool(x, window_shape=(2, 2), strides=(2, 2))              # (B, 2, 2, 32)
    x = x.reshape(x.shape[0], -1)
    return self.head(self.dropout(x))


def blobs_dataset(n, seed=0):
  """Noisy 8x8 images with one Gaussian blob; the label is the quadrant holding it."""
  rng = np.random.default_rng(seed)
  labels = rng.integers(0, 4, size=n)
  rows = rng.uniform(0.5, 2.5, size=n) + 4 * (labels // 2)
  cols = rng.uniform(0.5, 2.5, size=n) + 4 * (labels % 2)
  grid = np.arange(8)
  blob = np.exp(-((grid[None, :, None] - rows[:, None, None]) ** 2 +
                  (grid[None, None, :] - cols[:, None, None]) ** 2) / 2.0)
  images = blob + 0.3 * rng.normal(size=(n, 8, 8))
  return images[..., None].astype(np.float32), labels.astype(np.int32), 4


def digits_dataset():
  from sklearn.datasets import load_digits
  digits = load_digits()
  images = (digits.images / 16.0)[..., None].astype(np.float32)
  return images, digits.target.astype(np.int32), 10


def loss_fn(model, images, labels):
  logits = model(images)
  loss = optax.softmax_cross_entropy_with_integer_labels(logits, labels).mean()
  return loss, logits


@nnx.jit
def train_step(model, optimizer, metrics, images, labels):
  (loss, logits), grads = nnx.value_and_grad(loss_fn, has_aux=True)(model, images, labels)
  optimizer.update(model, grads)
  metrics.update(loss=loss, logits=logits, labels=labels)


@nnx.jit
def eval_step(model, metrics, images, labels):
  loss, logits = loss_fn(model, images, labels)
  metrics.update(loss=loss, logits=logits, labels=labels)


@nnx.jit
def eval_loss(model, images, labels):
  model.eval()  # switching modes inside jit is fine: it only flips static attributes
  return loss_fn(model, images, labels)[0]


def main():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--dataset", choices=["auto", "digits", "blobs"], default="auto",
                      help="auto: digits if scikit-learn is installed, else blobs")
  parser.add_argument("--steps", type=int, default=600)
  parser.add_argument("--batch-size", type=int, default=64)
  parser.add_argument("--lr", type=float, default=3e-3)
  parser.add_argument("--quick", action="store_true", help="a short run (60 steps)")
  args = parser.parse_args()
  steps = 60 if args.quick else args.steps

  dataset = args.dataset
  if dataset == "auto":
    try:
      import sklearn  # noqa: F401
      dataset = "digits"
    except ImportError:
      dataset = "blobs"
  images, labels, num_classes = digits_dataset() if dataset == "digits" else blobs_dataset(1500)
  n_test = len(images) // 5
  x_test, y_test = jnp.asarray(images[:n_test]), jnp.asarray(labels[:n_test])
  x_train, y_train = jnp.asarray(images[n_test:]), jnp.asarray(labels[n_test:])
  print(f"dataset {dataset}: {len(x_train)} train / {len(x_test)} test images, "
        f"{num_classes} classes")

  model = CNN(num_classes, rngs=nnx.Rngs(params=0, dropout=1))
  optimizer = nnx.Optimizer(model, optax.adam(args.lr), wrt=nnx.Param)
  metrics = nnx.MultiMetric(accuracy=nnx.metrics.Accuracy(),
                            loss=nnx.metrics.Average("loss"))

  initial = float(eval_loss(model, x_test, y_test))
  print(f"initial loss: {initial:.6f}")
  key = jax.random.key(42)
  start = time.perf_counter()
  for step in range(1, steps + 1):
    key, batch_key = jax.random.split(key)
    idx = jax.random.permutation(batch_key, x_train.shape[0])[:args.batch_size]
    model.train()  # BatchNorm uses batch statistics, Dropout is active
    train_step(model, optimizer, metrics, x_train[idx], y_train[idx])
    if step % 20 == 0 or step == steps:
      train = metrics.compute()
      metrics.reset()
      model.eval()  # BatchNorm uses running averages, Dropout is off
      eval_step(model, metrics, x_test, y_test)
      test = metrics.compute()
      metrics.reset()
      print(f"step {step:4d}  train loss {float(train['loss']):.4f} "
            f"acc {float(train['accuracy']):.3f}  |  test loss {float(test['loss']):.4f} "
            f"acc {float(test['accuracy']):.3f}")
  elapsed = time.perf_counter() - start
  final = float(eval_loss(model, x_test, y_test))
  print(f"trained {steps} steps in {elapsed:.2f} s")
  print(f"final loss: {final:.6f}")


if __name__ == "__main__":
  main()
