"""Classify noisy XOR points with a 2-8-1 Flax Linen network (the classic Linen tutorial).

Written for the real JAX stack (jax, flax.linen, optax); jaxlite runs it unchanged:
    python -m jaxlite run examples/xor_linen.py      (or: python -m jaxlite demo xor)

Trains with a TrainState and SGD, saves a checkpoint, restores it, and evaluates the
restored parameters; ``bind`` gives an interactive model for a few eager predictions.
"""
import argparse
import os
import sys
import tempfile
import time

import numpy as np


class _Parser(argparse.ArgumentParser):
  def error(self, message):  # one line, no usage dump and no traceback
    self.exit(2, f"{self.prog}: error: {message}\n")


def parse_args(argv=None):
  parser = _Parser(description="Train a 2-8-1 tanh classifier on noisy XOR points.")
  parser.add_argument("--epochs", type=int, default=100, help="epochs (default 100)")
  parser.add_argument("--lr", type=float, default=0.1, help="SGD learning rate (default 0.1)")
  parser.add_argument("--batch-size", type=int, default=128, help="batch size (default 128)")
  parser.add_argument("--seed", type=int, default=42, help="data and init seed (default 42)")
  parser.add_argument("--ckpt-dir", default=None,
                      help="checkpoint folder (default: a temporary folder)")
  args = parser.parse_args(argv)
  if args.epochs < 1:
    parser.error("--epochs must be at least 1")
  if not args.lr > 0:
    parser.error("--lr must be positive")
  if args.batch_size < 1:
    parser.error("--batch-size must be at least 1")
  return args


class XORDataset:
  """``size`` points near the corners of the unit square; label 1 iff exactly one coordinate is 1."""

  def __init__(self, size, seed, std=0.1):
    rng = np.random.default_rng(seed)
    corners = rng.integers(0, 2, size=(size, 2)).astype(np.float32)
    self.labels = (corners.sum(axis=1) == 1).astype(np.int32)
    self.data = corners + std * rng.standard_normal(corners.shape).astype(np.float32)

  def __len__(self):
    return len(self.data)

  def __getitem__(self, idx):
    return self.data[idx], self.labels[idx]


def numpy_collate(batch):
  """Stacks a list of samples into NumPy arrays (instead of torch tensors)."""
  if isinstance(batch[0], np.ndarray):
    return np.stack(batch)
  if isinstance(batch[0], (tuple, list)):
    return [numpy_collate(samples) for samples in zip(*batch)]
  return np.array(batch)


def make_loader(dataset, batch_size, shuffle, seed):
  """torch's DataLoader with a NumPy collate if torch is installed, else a NumPy iterator."""
  try:
    import torch.utils.data as tdata
  except ImportError:
    return _NumpyLoader(dataset, batch_size, shuffle, seed)
  generator = None
  if shuffle:
    import torch
    generator = torch.Generator().manual_seed(seed)
  return tdata.DataLoader(dataset, batch_size=batch_size, shuffle=shuffle,
                          collate_fn=numpy_collate, generator=generator)


class _NumpyLoader:
  def __init__(self, dataset, batch_size, shuffle, seed):
    self.dataset, self.batch_size, self.shuffle = dataset, batch_size, shuffle
    self.rng = np.random.default_rng(seed)

  def __iter__(self):
    n = len(self.dataset)
    order = self.rng.permutation(n) if self.shuffle else np.arange(n)
    for start in range(0, n, self.batch_size):
      idx = order[start:start + self.batch_size]
      yield self.dataset.data[idx], self.dataset.labels[idx]

  def __len__(self):
    return -(-len(self.dataset) // self.batch_size)


def main(argv=None):
  args = parse_args(argv)
  import jax
  import jax.numpy as jnp
  import flax.linen as nn
  import optax
  from flax.training import checkpoints, train_state

  class SimpleClassifier(nn.Module):
    num_hidden: int
    num_outputs: int

    def setup(self):
      self.linear1 = nn.Dense(features=self.num_hidden)
      self.linear2 = nn.Dense(features=self.num_outputs)

    def __call__(self, x):
      x = self.linear1(x)
      x = nn.tanh(x)
      return self.linear2(x)

  def calculate_loss_acc(state, params, batch):
    data, labels = batch
    logits = state.apply_fn(params, data).squeeze(axis=-1)
    pred_labels = (logits > 0).astype(jnp.float32)
    loss = optax.sigmoid_binary_cross_entropy(logits, labels).mean()
    acc = (pred_labels == labels).mean()
    return loss, acc

  @jax.jit
  def train_step(state, batch):
    grad_fn = jax.value_and_grad(calculate_loss_acc, argnums=1, has_aux=True)
    (loss, acc), grads = grad_fn(state, state.params, batch)
    return state.apply_gradients(grads=grads), loss, acc

  @jax.jit
  def eval_step(state, batch):
    _, acc = calculate_loss_acc(state, state.params, batch)
    return acc

  t_start = time.perf_counter()
  train_set = XORDataset(size=2500, seed=args.seed)
  test_set = XORDataset(size=500, seed=args.seed + 1)
  train_loader = make_loader(train_set, args.batch_size, shuffle=True, seed=args.seed)
  test_loader = make_loader(test_set, args.batch_size, shuffle=False, seed=args.seed)

  model = SimpleClassifier(num_hidden=8, num_outputs=1)
  rng, init_rng = jax.random.split(jax.random.PRNGKey(args.seed))
  params = model.init(init_rng, jnp.asarray(train_set.data[:8]))
  state = train_state.TrainState.create(apply_fn=model.apply, params=params,
                                        tx=optax.sgd(learning_rate=args.lr))

  for epoch in range(1, args.epochs + 1):
    losses, accs = [], []
    for batch in train_loader:
      state, loss, acc = train_step(state, batch)
      losses.append(float(loss))
      accs.append(float(acc))
    if epoch % 10 == 0 or epoch == args.epochs:
      print(f"epoch {epoch:3d}  loss {np.mean(losses):.4f}  train accuracy "
            f"{100 * np.mean(accs):.2f}%")
  train_seconds = time.perf_counter() - t_start

  with tempfile.TemporaryDirectory() as tmp:
    ckpt_dir = os.path.abspath(args.ckpt_dir or tmp)
    path = checkpoints.save_checkpoint(ckpt_dir=ckpt_dir, target=state, step=int(state.step),
                                       prefix="xor_", overwrite=True)
    print(f"saved checkpoint {path}")
    restored = checkpoints.restore_checkpoint(ckpt_dir=ckpt_dir, target=state, prefix="xor_")

  correct = total = 0
  for data, labels in test_loader:
    acc = eval_step(restored, (data, labels))
    correct += float(acc) * len(labels)
    total += len(labels)
  accuracy = correct / total
  print(f"test accuracy (restored parameters): {100 * accuracy:.2f}%")

  bound = model.bind(restored.params)  # an interactive model: call submodules eagerly
  corners = jnp.asarray([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
  probs = np.asarray(nn.sigmoid(bound(corners))).ravel()
  hidden = np.asarray(nn.tanh(bound.linear1(corners)))
  for point, p in zip(np.asarray(corners), probs):
    print(f"  p(xor | {point}) = {p:.3f}")
  print(f"hidden layer activations at the corners: shape {hidden.shape}")
  print(f"training: {train_seconds:.2f} s for {args.epochs} epochs")
  return 0


if __name__ == "__main__":
  sys.exit(main())
