"""Train a small MLP on scikit-learn's 8x8 handwritten digits with Flax NNX and Optax.

Written for the real JAX stack; jaxlite runs it unchanged:
    python -m jaxlite run examples/digits_nnx.py      (or: python -m jaxlite demo digits)
"""
import argparse
import os
import sys
import time

import numpy as np


class _Parser(argparse.ArgumentParser):
  def error(self, message):  # one line, no usage dump and no traceback
    self.exit(2, f"{self.prog}: error: {message}\n")


def parse_args(argv=None):
  parser = _Parser(description="Train an MLP on the digits dataset.")
  parser.add_argument("--epochs", type=int, default=500, help="full-batch epochs (default 500)")
  parser.add_argument("--lr", type=float, default=0.05, help="SGD learning rate (default 0.05)")
  parser.add_argument("--out", default="digits_out", help="output folder (default digits_out)")
  parser.add_argument("--no-plots", action="store_true", help="skip the PNG figures")
  args = parser.parse_args(argv)
  if args.epochs < 1:
    parser.error("--epochs must be at least 1")
  if not args.lr > 0:
    parser.error("--lr must be positive")
  return args


def load_data():
  from sklearn.datasets import load_digits
  from sklearn.model_selection import train_test_split
  digits = load_digits()
  # Raw pixel values (0..16), as in the recipe whose result is quoted in the README.
  x = digits.images.reshape(len(digits.images), -1).astype(np.float32)
  y = digits.target.astype(np.int32)
  x_train, x_test, y_train, y_test = train_test_split(x, y, random_state=0)
  return digits.images, digits.target, x_train, x_test, y_train, y_test


def save_grid(path, images, titles=None, colors=None):
  import matplotlib
  matplotlib.use("Agg")
  import matplotlib.pyplot as plt
  fig, axes = plt.subplots(10, 10, figsize=(8, 8.6))
  for i, ax in enumerate(axes.flat):
    ax.set_axis_off()
    if i >= len(images):
      continue
    ax.imshow(images[i], cmap="gray_r", interpolation="nearest")
    if titles is not None:
      ax.set_title(titles[i], fontsize=8, color=colors[i] if colors is not None else "black")
  fig.tight_layout()
  fig.savefig(path, dpi=80)
  plt.close(fig)


def save_curve(path, losses):
  import matplotlib
  matplotlib.use("Agg")
  import matplotlib.pyplot as plt
  fig, ax = plt.subplots(figsize=(6, 4))
  ax.plot(np.arange(1, len(losses) + 1), losses)
  ax.set_xlabel("epoch")
  ax.set_ylabel("training loss")
  ax.set_yscale("log")
  ax.grid(True, alpha=0.3)
  fig.tight_layout()
  fig.savefig(path, dpi=80)
  plt.close(fig)


def main(argv=None):
  args = parse_args(argv)
  try:
    os.makedirs(args.out, exist_ok=True)
    probe = os.path.join(args.out, ".write_test")
    with open(probe, "w"):
      pass
    os.remove(probe)
  except OSError as e:
    print(f"error: cannot write to output folder {args.out!r}: {e.strerror}", file=sys.stderr)
    return 2

  import jax
  import jax.numpy as jnp
  import optax
  from flax import nnx

  t_start = time.perf_counter()
  images, targets, x_train, x_test, y_train, y_test = load_data()
  if not args.no_plots:
    save_grid(os.path.join(args.out, "samples.png"), images[:100],
              [str(t) for t in targets[:100]])

  class MLP(nnx.Module):
    def __init__(self, din, dhidden, dout, *, rngs):
      self.linear1 = nnx.Linear(din, dhidden, rngs=rngs)
      self.linear2 = nnx.Linear(dhidden, dhidden, rngs=rngs)
      self.linear3 = nnx.Linear(dhidden, dout, rngs=rngs)

    def __call__(self, x):
      x = nnx.selu(self.linear1(x))
      x = nnx.selu(self.linear2(x))
      return self.linear3(x)

  model = MLP(64, 128, 10, rngs=nnx.Rngs(0))
  optimizer = nnx.ModelAndOptimizer(model, optax.sgd(args.lr))

  def loss_fn(model, x, y):
    logits = model(x)
    loss = optax.softmax_cross_entropy_with_integer_labels(logits, y).mean()
    return loss, logits

  @nnx.jit
  def train_step(optimizer, x, y):
    grads, logits = nnx.grad(loss_fn, has_aux=True)(optimizer.model, x, y)
    optimizer.update(grads)
    return loss_fn(optimizer.model, x, y)[0]

  @nnx.jit
  def predict(model, x):
    return jnp.argmax(model(x), axis=-1)

  x_train_j, y_train_j = jnp.asarray(x_train), jnp.asarray(y_train)
  try:
    from tqdm import tqdm
    epochs = tqdm(range(1, args.epochs + 1), desc="training", unit="epoch", file=sys.stdout,
                  disable=not sys.stdout.isatty())
  except ImportError:
    epochs = range(1, args.epochs + 1)
  losses = []
  t_train = time.perf_counter()
  for epoch in epochs:
    loss = train_step(optimizer, x_train_j, y_train_j)
    losses.append(float(loss))
    if epoch % 100 == 0 or epoch == args.epochs:
      line = f"epoch {epoch:4d}  loss {losses[-1]:.4f}"
      if hasattr(epochs, "write"):
        epochs.write(line)
      else:
        print(line)
  train_seconds = time.perf_counter() - t_train

  predicted = np.asarray(predict(model, jnp.asarray(x_test)))
  correct = int((predicted == y_test).sum())
  print(f"test accuracy: {correct}/{len(y_test)} = {100 * correct / len(y_test):.2f}%")

  if not args.no_plots:
    save_grid(os.path.join(args.out, "predictions.png"), x_test[:100].reshape(-1, 8, 8),
              [str(p) for p in predicted[:100]],
              ["green" if p == t else "red" for p, t in zip(predicted[:100], y_test[:100])])
    save_curve(os.path.join(args.out, "loss.png"), losses)
  total_seconds = time.perf_counter() - t_start
  print(f"training: {train_seconds:.2f} s for {args.epochs} epochs; total {total_seconds:.2f} s")
  if not args.no_plots:
    print(f"wrote {os.path.join(args.out, 'samples.png')} (sample digits), "
          f"{os.path.join(args.out, 'predictions.png')} (test predictions: green correct, red "
          f"wrong), {os.path.join(args.out, 'loss.png')} (loss curve)")
  return 0


if __name__ == "__main__":
  sys.exit(main())
