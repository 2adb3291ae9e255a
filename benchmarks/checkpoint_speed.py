"""How fast jaxlite.orbax.checkpoint saves and restores, against the disk's own speed.

  python benchmarks/checkpoint_speed.py            # 100 MB and 1 GB states
  python benchmarks/checkpoint_speed.py --quick    # 4 MB and 32 MB (checks the script)
  python benchmarks/checkpoint_speed.py --dir /path/on/the/disk/to/measure

For each size, a training-like state (a few large and many small float32 arrays) is
saved through a CheckpointManager synchronously and asynchronously, then restored.
"disk write" / "disk read" time the same bytes written to one file with fsync and read
back, the speed limit of any checkpoint. Reads are from a cold page cache when the
script may drop it (root on Linux), otherwise from a warm one (said in the output).
Numbers go to benchmarks/CHECKPOINT.md by hand.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import jaxlite.numpy as jnp  # noqa: E402
import jaxlite.orbax.checkpoint as ocp  # noqa: E402

MB = 2 ** 20


def make_state(total_bytes: int, as_numpy: bool):
  """~``total_bytes`` of float32: 90% in 4 big matrices, the rest in 60 small leaves."""
  rng = np.random.default_rng(0)
  big, small = int(total_bytes * 0.9) // 4 // 4, int(total_bytes * 0.1) // 60 // 4
  arrays = {f"dense{i}": rng.standard_normal(big, dtype=np.float32) for i in range(4)}
  arrays.update({f"layer{i}": {"w": rng.standard_normal(small, dtype=np.float32)}
                 for i in range(60)})
  if as_numpy:
    return arrays
  return {k: ({"w": jnp.asarray(v["w"])} if isinstance(v, dict) else jnp.asarray(v))
          for k, v in arrays.items()}


def drop_page_cache() -> bool:
  os.sync()
  try:
    with open("/proc/sys/vm/drop_caches", "w") as f:
      f.write("3\n")
    return True
  except OSError:
    return False


def disk_speed(directory: str, nbytes: int):
  """Seconds to write ``nbytes`` to one file with fsync, and to read it back."""
  path = os.path.join(directory, "disk_probe.bin")
  block = np.random.default_rng(1).bytes(16 * MB)
  start = time.perf_counter()
  with open(path, "wb") as f:
    for _ in range(max(1, nbytes // len(block))):
      f.write(block)
    f.flush()
    os.fsync(f.fileno())
  write = time.perf_counter() - start
  drop_page_cache()
  start = time.perf_counter()
  with open(path, "rb") as f:
    while f.read(16 * MB):
      pass
  read = time.perf_counter() - start
  os.remove(path)
  return write, read


def bench_size(root: str, nbytes: int, rounds: int):
  rows = []
  write_s, read_s = disk_speed(root, nbytes)
  rows.append(("disk write (1 file, fsync)", write_s))
  rows.append(("disk read (1 file)", read_s))
  for as_numpy in (False, True):
    state = make_state(nbytes, as_numpy)
    kind = "np.ndarray" if as_numpy else "jaxlite.Array"
    sync_t, block_t, total_t, restore_t = [], [], [], []
    for r in range(rounds):
      directory = os.path.join(root, f"ckpt_{kind}_{r}")
      # Alternate which save goes first, and let earlier writes reach the disk first.
      for use_async in ((False, True) if r % 2 == 0 else (True, False)):
        opts = ocp.CheckpointManagerOptions(enable_async_checkpointing=use_async)
        path = directory + ("_async" if use_async else "_sync")
        os.sync()
        with ocp.CheckpointManager(path, options=opts) as mngr:
          start = time.perf_counter()
          mngr.save(0, args=ocp.args.StandardSave(state))
          returned = time.perf_counter() - start
          mngr.wait_until_finished()
          if use_async:
            block_t.append(returned)
            total_t.append(time.perf_counter() - start)
          else:
            sync_t.append(returned)
      with ocp.CheckpointManager(directory + "_async") as mngr:
        cold = drop_page_cache()
        start = time.perf_counter()
        restored = mngr.restore(0)
        restore_t.append(time.perf_counter() - start)
      assert np.array_equal(np.asarray(restored["dense0"]), np.asarray(state["dense0"]))
      shutil.rmtree(directory + "_async", ignore_errors=True)
      shutil.rmtree(directory + "_sync", ignore_errors=True)
    rows.append((f"sync save ({kind})", min(sync_t)))
    rows.append((f"async save: returns to caller ({kind})", min(block_t)))
    rows.append((f"async save: committed ({kind})", min(total_t)))
    rows.append((f"restore ({kind}, {'cold' if cold else 'warm'} cache)", min(restore_t)))
  return rows


def main(argv=None):
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--quick", action="store_true", help="4 MB and 32 MB states, 1 round")
  parser.add_argument("--dir", default=None, help="where to write (default: a temp dir)")
  parser.add_argument("--rounds", type=int, default=None, help="best of N (default 3)")
  args = parser.parse_args(argv)
  sizes = [4 * MB, 32 * MB] if args.quick else [100 * MB, 1024 * MB]
  rounds = args.rounds or (1 if args.quick else 3)
  root = tempfile.mkdtemp(prefix="jaxlite_ckpt_bench_", dir=args.dir)
  try:
    print(f"directory: {root}   (best of {rounds})\n")
    print("| state | operation | time | throughput |")
    print("|---|---|---|---|")
    for nbytes in sizes:
      for name, seconds in bench_size(root, nbytes, rounds):
        # Returning to the caller moves no data to disk: a rate would mean nothing.
        rate = "-" if "returns" in name else f"{nbytes / MB / seconds:.0f} MB/s"
        print(f"| {nbytes // MB} MB | {name} | {seconds * 1e3:.1f} ms | {rate} |")
  finally:
    shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
  main()
