"""Data-parallel training of the digits MLP over several processes.

Written for the real JAX stack (multi-host style: every process runs this same program on its
own shard of the data, and pmap's gradient all-reduce spans all processes); jaxlite runs it
unchanged, its processes talking through MPI:

    mpiexec -n 2 python -m jaxlite run examples/data_parallel_digits.py
    mpiexec -n 4 python -m jaxlite run examples/data_parallel_digits.py --restore dp_ckpt

(With more processes than cores, set OPENBLAS_NUM_THREADS=1: spinning BLAS threads of
several processes slow each other down.)

The first run trains and writes a checkpoint (--save, default dp_ckpt); the second restores it
on a different number of processes and continues. Every rank prints a checksum of its
parameters: data parallelism keeps them bit-identical across ranks. Checkpoints are NumPy
files written by rank 0, or with --orbax an Orbax checkpoint that every rank saves and
restores (as multi-host Orbax code does: Orbax coordinates the ranks, the primary process
writes). With --manager, an Orbax CheckpointManager keeps the last two of the checkpoints
saved every --save-every steps and at the end (asynchronously: training goes on while they
are written), and --restore continues from its latest step.
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
  parser = argparse.ArgumentParser(description="Data-parallel MLP training on digits.")
  parser.add_argument("--epochs", type=int, default=200,
                      help="full-batch steps (default 200; 0 to only evaluate)")
  parser.add_argument("--lr", type=float, default=0.05, help="SGD learning rate (default 0.05)")
  parser.add_argument("--save", default="dp_ckpt", help="checkpoint folder to write")
  parser.add_argument("--restore", default=None,
                      help="checkpoint folder to start from (then --epochs more steps)")
  parser.add_argument("--orbax", action="store_true", help="checkpoint with orbax.checkpoint")
  parser.add_argument("--manager", action="store_true",
                      help="checkpoint with an orbax CheckpointManager (numbered steps)")
  parser.add_argument("--save-every", type=int, default=0,
                      help="with --manager, also save every N steps (default: only at the end)")
  return parser.parse_args(argv)


def load_data():
  from sklearn.datasets import load_digits
  from sklearn.model_selection import train_test_split
  digits = load_digits()
  x = digits.images.reshape(len(digits.images), -1).astype(np.float32)
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

  # Every process loads its own contiguous shard of the training set and splits it over its
  # local devices; the test set is small and evaluated everywhere.
  x_train, x_test, y_train, y_test = load_data()
  rows = len(x_train) // nproc
  mine = slice(rank * rows, (rank + 1) * rows)
  x_shard = x_train[mine].reshape(ndev, rows // ndev, -1)
  y_shard = y_train[mine].reshape(ndev, rows // ndev)

  class MLP(nnx.Module):
    def __init__(self, din, dhidden, dout, *, rngs):
      self.linear1 = nnx.Linear(din, dhidden, rngs=rngs)
      self.linear2 = nnx.Linear(dhidden, dhidden, rngs=rngs)
      self.linear3 = nnx.Linear(dhidden, dout, rngs=rngs)

    def __call__(self, x):
      x = nnx.selu(self.linear1(x))
      x = nnx.selu(self.linear2(x))
      return self.linear3(x)

  graphdef, params = nnx.split(MLP(64, 128, 10, rngs=nnx.Rngs(0)))
  start, managers = 0, {}
  if args.manager:
    import orbax.checkpoint as ocp
    # Every rank opens the managers, in the same order, as with multi-host Orbax.
    managers = {p: checkpoint_manager(p) for p in dict.fromkeys([args.restore, args.save]) if p}
  if args.restore and args.manager:
    start = managers[args.restore].latest_step()
    params = managers[args.restore].restore(start, args=ocp.args.StandardRestore(params))
  elif args.restore:
    params = restore(args.restore, params, args.orbax)
  # Same seed everywhere, so the same start: check it rather than trust it.
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
    if args.manager and args.save and args.save_every and step % args.save_every == 0:
      managers[args.save].save(start + step, args=ocp.args.StandardSave(params))
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
  if args.save and args.manager:
    final = managers[args.save]
    final.save(start + args.epochs, args=ocp.args.StandardSave(params))  # unless just saved
    final.wait_until_finished()
    if rank == 0:
      print(f"checkpoint steps in {os.path.abspath(args.save)}: {final.all_steps()}")
  elif args.save:
    save(args.save, params, args.orbax)
  for manager in managers.values():
    manager.close()
  jax.distributed.shutdown()
  return 0


def save(path, params, use_orbax):
  """Every rank calls this, as with multi-host Orbax."""
  import jax
  from jax.experimental import multihost_utils
  path = os.path.abspath(path)
  if use_orbax:
    import orbax.checkpoint as ocp
    with ocp.StandardCheckpointer() as checkpointer:
      checkpointer.save(path, params, force=True)
  else:  # plain NumPy: rank 0 writes, the others wait for it
    if jax.process_index() == 0:
      os.makedirs(path, exist_ok=True)
      leaves = {str(i): np.asarray(x) for i, x in enumerate(jax.tree.leaves(params))}
      np.savez(os.path.join(path, "params.npz"), **leaves)
    multihost_utils.sync_global_devices("checkpoint saved")
  if jax.process_index() == 0:
    print(f"checkpoint written to {path} ({'orbax' if use_orbax else 'numpy'})")


def checkpoint_manager(path):
  """Created by every rank; the primary creates the folder and deletes old steps."""
  import orbax.checkpoint as ocp
  options = ocp.CheckpointManagerOptions(max_to_keep=2)
  return ocp.CheckpointManager(os.path.abspath(path), options=options)


def restore(path, like, use_orbax):
  """Every rank reads the whole checkpoint, whatever the number of ranks that wrote it."""
  import jax
  path = os.path.abspath(path)
  if use_orbax:
    import orbax.checkpoint as ocp
    with ocp.StandardCheckpointer() as checkpointer:
      return checkpointer.restore(path, like)
  with np.load(os.path.join(path, "params.npz")) as data:
    leaves = [data[str(i)] for i in range(len(data.files))]
  return jax.tree.unflatten(jax.tree.structure(like), leaves)


if __name__ == "__main__":
  sys.exit(main())
