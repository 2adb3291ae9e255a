"""Data-parallel training of a small CNN on the 8x8 digits over several processes.

Written for the real JAX stack (multi-host style: every process runs this program on its own
shard of the training set, and the gradient all-reduce of the pmap spans all processes);
jaxlite runs it unchanged, its processes talking through MPI:

    mpiexec -n 2 python -m jaxlite run examples/data_parallel_cnn.py --save cnn_ckpt
    mpiexec -n 4 python -m jaxlite run examples/data_parallel_cnn.py --restore cnn_ckpt \\
        --epochs 0 --save ""

The model: conv 3x3 (16 channels) -> relu -> 2x2 average pool -> dense 10, trained with
full-batch SGD. Every rank prints a checksum of its parameters (rank 0 prints them all):
data parallelism keeps them bit-identical across ranks, and equal to a one-process run of
the whole batch up to float32 rounding (the gradient is summed in another order). The
checkpoint is an Orbax checkpoint that every rank saves and restores, as multi-host Orbax
code does; it can be restored on any number of processes.
"""
import argparse
import functools
import os
import sys
import time
import zlib

import numpy as np

SHARD_ROWS = 64  # training rows are trimmed to a multiple: equal shards for up to 64 devices


def parse_args(argv=None):
  parser = argparse.ArgumentParser(description="Data-parallel CNN training on digits.")
  parser.add_argument("--epochs", type=int, default=200,
                      help="full-batch steps (default 200; 0 to only evaluate)")
  parser.add_argument("--lr", type=float, default=0.1, help="SGD learning rate (default 0.1)")
  parser.add_argument("--save", default="cnn_ckpt", help="Orbax checkpoint folder to write "
                      "('' for none)")
  parser.add_argument("--restore", default=None, help="Orbax checkpoint folder to start from")
  return parser.parse_args(argv)


def load_data():
  """Images as NHWC float32 in [0, 1]."""
  from sklearn.datasets import load_digits
  from sklearn.model_selection import train_test_split
  digits = load_digits()
  x = (digits.images[..., None] / 16.0).astype(np.float32)
  y = digits.target.astype(np.int32)
  x_train, x_test, y_train, y_test = train_test_split(x, y, random_state=0)
  keep = len(x_train) - len(x_train) % SHARD_ROWS
  return x_train[:keep], x_test, y_train[:keep], y_test


def checksums(tree):
  """(sum of all parameters, CRC32 of their bytes): equal CRCs mean bit-identical."""
  import jax
  leaves = [np.asarray(x) for x in jax.tree.leaves(tree)]
  crc = 0
  for leaf in leaves:
    crc = zlib.crc32(np.ascontiguousarray(leaf).tobytes(), crc)
  return float(sum(leaf.astype(np.float64).sum() for leaf in leaves)), crc


def main(argv=None):
  args = parse_args(argv)
  import jax
  import jax.numpy as jnp
  import optax
  from flax import nnx
  from jax.experimental import multihost_utils

  jax.distributed.initialize()
  rank, nproc = jax.process_index(), jax.process_count()
  ndev, ndev_total = jax.local_device_count(), jax.device_count()

  # Every process takes its own contiguous shard of the training set and splits it over
  # its local devices; the test set is small and evaluated everywhere.
  x_train, x_test, y_train, y_test = load_data()
  rows = len(x_train) // nproc
  mine = slice(rank * rows, (rank + 1) * rows)
  x_shard = x_train[mine].reshape((ndev, rows // ndev) + x_train.shape[1:])
  y_shard = y_train[mine].reshape(ndev, rows // ndev)

  class CNN(nnx.Module):
    def __init__(self, *, rngs):
      self.conv = nnx.Conv(1, 16, kernel_size=(3, 3), rngs=rngs)
      self.dense = nnx.Linear(4 * 4 * 16, 10, rngs=rngs)

    def __call__(self, x):
      x = nnx.relu(self.conv(x))
      x = nnx.avg_pool(x, window_shape=(2, 2), strides=(2, 2))
      return self.dense(x.reshape(x.shape[0], -1))

  graphdef, params = nnx.split(CNN(rngs=nnx.Rngs(0)))
  if args.restore:
    params = restore(args.restore, params)
  # Same seed (or checkpoint) everywhere, so the same start: check it rather than trust it.
  multihost_utils.assert_equal(checksums(params)[1], "initial parameters differ")
  tx = optax.sgd(args.lr)
  opt_state = tx.init(params)

  def loss_fn(params, x, y):
    logits = nnx.merge(graphdef, params)(x)
    return optax.softmax_cross_entropy_with_integer_labels(logits, y).mean()

  @functools.partial(jax.pmap, axis_name="batch", in_axes=(None, None, 0, 0))
  def train_step(params, opt_state, x, y):
    loss, grads = jax.value_and_grad(loss_fn)(params, x, y)
    # Equal shards: the mean over all devices of all processes is the full-batch gradient.
    grads = jax.lax.pmean(grads, axis_name="batch")
    updates, opt_state = tx.update(grads, opt_state, params)
    return optax.apply_updates(params, updates), opt_state, jax.lax.pmean(loss, "batch")

  first = functools.partial(jax.tree.map, lambda a: a[0])  # the copies are identical
  t0 = time.perf_counter()
  for step in range(1, args.epochs + 1):
    params, opt_state, loss = first(train_step(params, opt_state, x_shard, y_shard))
    if rank == 0 and (step % 50 == 0 or step == args.epochs):
      print(f"step {step:4d}  loss {float(loss):.4f}", flush=True)
  seconds = time.perf_counter() - t0

  # Each rank's checksums, printed by rank 0 (the ranks' own prints would interleave).
  total, crc = checksums(params)
  all_totals = multihost_utils.process_allgather(np.float64(total))
  all_crcs = multihost_utils.process_allgather(np.uint32(crc))
  predicted = np.asarray(jnp.argmax(nnx.merge(graphdef, params)(jnp.asarray(x_test)), -1))
  accuracy = float((predicted == y_test).mean())
  if rank == 0:
    for r, (t, c) in enumerate(zip(all_totals, all_crcs)):
      print(f"rank {r}/{nproc}: parameter sum {t:.6f}  crc32 {int(c):08x}")
    same = len(set(all_crcs.tolist())) == 1
    print(f"{nproc} processes x {ndev} devices = {ndev_total} shards of "
          f"{rows // ndev} rows; {args.epochs} steps in {seconds:.2f} s "
          f"({1000 * seconds / max(args.epochs, 1):.1f} ms/step)")
    print(f"parameters identical on all ranks: {same}")
    print(f"test accuracy: {100 * accuracy:.2f}%")
  if args.save:
    save(args.save, params)
  jax.distributed.shutdown()
  return 0


def save(path, params):
  """Every rank calls this, as multi-host Orbax expects: the primary process writes, the
  others wait for the commit."""
  import jax
  import orbax.checkpoint as ocp
  path = os.path.abspath(path)
  with ocp.StandardCheckpointer() as checkpointer:  # leaving the block waits for the commit
    checkpointer.save(path, params, force=True)
  if jax.process_index() == 0:
    print(f"checkpoint written to {path}")


def restore(path, like):
  """Every rank reads the whole checkpoint, whatever the number of ranks that wrote it."""
  import orbax.checkpoint as ocp
  with ocp.StandardCheckpointer() as checkpointer:
    return checkpointer.restore(os.path.abspath(path), like)


if __name__ == "__main__":
  sys.exit(main())
