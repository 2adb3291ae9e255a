"""``flax.training.checkpoints``: Flax's (legacy) msgpack checkpoint files.

A checkpoint is one file ``<ckpt_dir>/<prefix><step>`` holding ``serialization.to_bytes``
of the target. Saving writes ``<prefix>tmp``, flushes it to disk and renames it into
place, so an interrupted save never leaves a checkpoint that restores wrongly; old
files beyond ``keep`` are removed afterwards. The Orbax backend that the real Flax uses
by default is not implemented: files are always in the legacy format (readable by the
real Flax's ``restore_checkpoint``).
"""
import os
import re

from jaxlite.flax._src import serialization
from jaxlite.flax._src.core import errors

__all__ = ["save_checkpoint", "restore_checkpoint", "latest_checkpoint", "available_steps",
           "natural_sort"]

SIGNED_FLOAT_RE = re.compile(r"([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)")
UNSIGNED_FLOAT_RE = re.compile(r"[-+]?((?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)")


def natural_sort(file_list, signed=True):
  """Sorts names by their numeric parts: ckpt_2 < ckpt_10, ckpt_-0.2 < ckpt_0.1."""
  float_re = SIGNED_FLOAT_RE if signed else UNSIGNED_FLOAT_RE

  def key(s):
    return [float(c) if float_re.match(c) else c for c in float_re.split(s)]
  return sorted(file_list, key=key)


def _checkpoint_path(ckpt_dir, step, prefix):
  return os.path.join(ckpt_dir, f"{prefix}{step}")


def _checkpoint_path_step(path):
  for s in SIGNED_FLOAT_RE.split(path)[::-1]:
    if SIGNED_FLOAT_RE.match(s):
      return float(s)
  return None


def _prefixed_files(ckpt_dir, prefix, include_tmp):
  try:
    names = os.listdir(ckpt_dir)
  except FileNotFoundError:
    return []
  names = [n for n in names if n.startswith(prefix) and (include_tmp or n != f"{prefix}tmp")]
  return natural_sort([os.path.join(ckpt_dir, n) for n in names])


def _remove_invalid_ckpts(ckpt_path, ckpt_dir, prefix, keep, overwrite, keep_every_n_steps):
  files = _prefixed_files(ckpt_dir, prefix, include_tmp=False)
  if overwrite and ckpt_path in files:
    # Overwriting an earlier step drops everything saved after it.
    ind = files.index(ckpt_path) + 1
    for path in files[ind:]:
      os.remove(path)
    files = files[:ind]
  if len(files) <= keep:
    return
  last_kept = -float("inf")
  for path in files[:-keep]:
    if keep_every_n_steps:
      step = _checkpoint_path_step(path)
      if step and step - last_kept >= keep_every_n_steps:
        last_kept = step
        continue
    os.remove(path)


def _check_overwrite_error(ckpt_path, ckpt_dir, prefix, step):
  files = _prefixed_files(ckpt_dir, prefix, include_tmp=False)
  if ckpt_path in files:
    raise errors.InvalidCheckpointError(ckpt_path, step)
  if natural_sort(files + [ckpt_path])[-1] != ckpt_path:
    raise errors.InvalidCheckpointError(ckpt_path, step)


def save_checkpoint(ckpt_dir, target, step, prefix="checkpoint_", keep=1, overwrite=False,
                    keep_every_n_steps=None, async_manager=None, orbax_checkpointer=None):
  """Writes ``target`` to ``<ckpt_dir>/<prefix><step>`` and returns that path.

  Raises ``InvalidCheckpointError`` if a checkpoint at this or a later step exists,
  unless ``overwrite`` (which then also deletes the later ones). Keeps the newest
  ``keep`` checkpoints (plus one every ``keep_every_n_steps`` steps).
  """
  if async_manager is not None or orbax_checkpointer is not None:
    raise NotImplementedError("jaxlite saves legacy Flax checkpoints only (no async_manager "
                              "or orbax_checkpointer).")
  ckpt_dir = os.path.normpath(os.fspath(ckpt_dir))
  ckpt_path = _checkpoint_path(ckpt_dir, step, prefix)
  tmp_path = _checkpoint_path(ckpt_dir, "tmp", prefix)
  if not overwrite:
    _check_overwrite_error(ckpt_path, ckpt_dir, prefix, step)
  data = serialization.to_bytes(target)
  os.makedirs(ckpt_dir, exist_ok=True)
  with open(tmp_path, "wb") as f:
    f.write(data)
    f.flush()
    os.fsync(f.fileno())
  os.replace(tmp_path, ckpt_path)
  _fsync_dir(ckpt_dir)
  _remove_invalid_ckpts(ckpt_path, ckpt_dir, prefix, keep, overwrite, keep_every_n_steps)
  return ckpt_path


def _fsync_dir(path):
  # Makes the rename itself durable; not possible on every platform.
  try:
    fd = os.open(path, os.O_RDONLY)
  except OSError:
    return
  try:
    os.fsync(fd)
  except OSError:
    pass
  finally:
    os.close(fd)


def latest_checkpoint(ckpt_dir, prefix="checkpoint_"):
  """The path of the newest checkpoint in ``ckpt_dir``, or None."""
  files = _prefixed_files(os.fspath(ckpt_dir), prefix, include_tmp=False)
  return files[-1] if files else None


def available_steps(ckpt_dir, prefix="checkpoint_", step_type=int):
  """The steps of the checkpoints in ``ckpt_dir``, in order."""
  files = _prefixed_files(os.fspath(ckpt_dir), prefix, include_tmp=False)
  return [step_type(f[f.rfind(prefix) + len(prefix):]) for f in files]


def restore_checkpoint(ckpt_dir, target, step=None, prefix="checkpoint_", parallel=True,
                       gda_manager=None, allow_partial_mpa_restoration=False,
                       orbax_checkpointer=None, orbax_transforms=None):
  """Restores the latest checkpoint (or ``step``) from a directory, or a file path.

  With a ``target`` the state is restored into its structure (``from_state_dict``);
  with ``target=None`` the raw state dict is returned. If there is no checkpoint
  (missing directory or file, no matching files) ``target`` is returned unchanged.
  """
  del parallel, gda_manager, allow_partial_mpa_restoration, orbax_transforms
  if orbax_checkpointer is not None:
    raise NotImplementedError("jaxlite restores legacy Flax checkpoints only.")
  ckpt_dir = os.path.normpath(os.fspath(ckpt_dir))
  if step is not None:
    ckpt_path = _checkpoint_path(ckpt_dir, step, prefix)
    if not os.path.exists(ckpt_path):
      raise ValueError(f"Matching checkpoint not found: {ckpt_path}")
  elif not os.path.exists(ckpt_dir):
    return target
  elif os.path.isdir(ckpt_dir):
    ckpt_path = latest_checkpoint(ckpt_dir, prefix)
    if not ckpt_path:
      return target
  else:
    ckpt_path = ckpt_dir
  if os.path.isdir(ckpt_path):
    raise ValueError(f"{ckpt_path} is a directory (an Orbax checkpoint?); jaxlite reads "
                     "legacy Flax checkpoint files only.")
  with open(ckpt_path, "rb") as f:
    contents = f.read()
  try:
    state_dict = serialization.msgpack_restore(contents)
  except ValueError as e:
    raise ValueError(f"Checkpoint {ckpt_path} is corrupt or truncated: {e}") from None
  if target is None:
    return state_dict
  return serialization.from_state_dict(target, state_dict)
