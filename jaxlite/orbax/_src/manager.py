"""``CheckpointManager``: numbered checkpoints in one directory, with save intervals,
retention (latest, periodic, best by a metric) and asynchronous saving.

Layout (Orbax's): ``<directory>/<step>/<item>/...`` with ``<step>`` formatted by
``step_prefix``/``step_format_fixed_length``; a single unnamed item is called
``default``; metrics tracked for ``best_fn`` are the JSON item ``metrics``.
Old checkpoints are deleted only after the new one is committed, and each deletion
is atomic, so that after a crash every listed step is complete.

With several processes (``jax.distributed``) every process creates the manager and calls
``save``/``restore``/``delete`` alike; the primary host decides what to save and what to
delete (and tells the others), and alone creates and deletes directories.
"""
from __future__ import annotations

import abc
import datetime
import logging
import os
import threading
from pathlib import Path
from typing import Any, Optional

from jaxlite.orbax._src import atomicity
from jaxlite.orbax._src import checkpoint_args
from jaxlite.orbax._src import checkpointers as ckptrs
from jaxlite.orbax._src import fileio
from jaxlite.orbax._src import multihost
from jaxlite.orbax._src import options as options_lib
from jaxlite.orbax._src import preservation_policies
from jaxlite.orbax._src import save_policies
from jaxlite.orbax._src import step_metadata
from jaxlite.orbax._src import step_names
from jaxlite.orbax._src.handlers import base
from jaxlite.orbax._src.handlers import composite
from jaxlite.orbax._src.handlers import json_handler

DEFAULT_ITEM_NAME = "default"
METRIC_ITEM_NAME = "metrics"
METADATA_ITEM_NAME = "metadata"
CheckpointInfo = save_policies.CheckpointInfo
_logger = logging.getLogger(__name__)


class StepAlreadyExistsError(ValueError):
  """Raised when a step is already present for a save request."""


def _with_step(error: Exception, step, step_dir) -> Exception:
  """The same kind of error, saying which step failed to restore."""
  message = f"Failed to restore step {step} from {step_dir}: {error}"
  try:
    return type(error)(message)
  except Exception:  # an exception class whose constructor takes other arguments
    return ValueError(message)


class AbstractCheckpointManager(abc.ABC):
  """The interface of checkpoint managers."""

  @abc.abstractmethod
  def save(self, step, *args, **kwargs) -> bool:
    ...

  @abc.abstractmethod
  def restore(self, step, *args, **kwargs):
    ...


class CheckpointManager(AbstractCheckpointManager):
  """Saves and restores numbered checkpoints of one or more items in ``directory``.

  One unnamed item: ``save(step, args=args.StandardSave(state))``, ``restore(step)``.
  Several items: ``item_names=('state', 'meta')`` (optional) and
  ``args=args.Composite(state=..., meta=...)``. ``save`` calls from several threads run
  one after another."""

  def __init__(self, directory, checkpointers=None, options=None, metadata=None,
               item_names=None, item_handlers=None, logger=None, handler_registry=None):
    self._options = options or options_lib.CheckpointManagerOptions()
    opts = self._options
    if opts.preservation_policy is not None and (
        opts.keep_time_interval or opts.max_to_keep or opts.keep_period):
      raise ValueError("`preservation_policy` and `delete options` are mutually exclusive"
                       " - do not use together.")
    if item_names is not None and isinstance(item_handlers, base.CheckpointHandler):
      raise ValueError("`item_handlers` in default item mode and `item_names` should not be"
                       " provided together.")
    self._save_policy = opts.save_decision_policy or save_policies.default_policy(opts)
    self._preservation_policy = (opts.preservation_policy or
                                 preservation_policies.default_policy(opts))
    self._directory = Path(os.fspath(directory))
    if handler_registry is not None:
      if checkpointers is not None or item_names is not None or item_handlers is not None:
        raise ValueError("`handler_registry` is mutually exclusive with `checkpointers`, "
                         "`item_names` and `item_handlers`.")
      item_handlers = handler_registry.handlers_by_item()
    self._default_item, handlers, use_async = self._item_handlers(
        checkpointers, item_names, item_handlers)
    if handler_registry is not None:
      self._default_item = None  # decided by the first save or restore, as in Orbax
    handlers[METRIC_ITEM_NAME] = json_handler.JsonCheckpointHandler(filename=METRIC_ITEM_NAME)
    handler = composite.CompositeCheckpointHandler(*(item_names or ()), **handlers)
    mp_options = opts.multiprocessing_options
    self._checkpointer = (ckptrs.AsyncCheckpointer(handler, async_options=opts.async_options,
                                                   multiprocessing_options=mp_options)
                          if use_async else
                          ckptrs.Checkpointer(handler, multiprocessing_options=mp_options))
    async_options = opts.async_options or options_lib.AsyncOptions()
    self._mp = multihost.Coordinator.for_options(
        mp_options, barrier_sync_fn=async_options.barrier_sync_fn,
        timeout=async_options.timeout_secs if use_async else None)
    if self._mp is not None and mp_options.active_processes is not None and opts.create:
      raise NotImplementedError("Option `create=True` with `active_processes` set is not "
                                "supported. Please create the root directory yourself.")
    self._name_format = opts.step_name_format or step_names.standard_name_format(
        opts.step_prefix, opts.step_format_fixed_length)
    self._lock = threading.RLock()
    self._finalize_thread = None
    self._finalize_error = None
    self._checkpoints = None
    if self._mp is None or self._mp.is_primary:
      if opts.create and not opts.read_only:
        self._directory.mkdir(parents=True, exist_ok=True)
      if not opts.read_only:
        atomicity.cleanup(self._directory, everything=opts.cleanup_tmp_directories)
      self._checkpoints = self._load_checkpoint_infos()
      if metadata is not None and opts.save_root_metadata and not opts.read_only:
        step_metadata.write_root(self._directory, metadata)
    if self._mp is not None:  # every process starts from the primary's list of steps
      self._checkpoints = self._mp.from_primary("CheckpointManager:create_directory",
                                                self._checkpoints)
    self._root_metadata_given = metadata

  def _item_handlers(self, checkpointers, item_names, item_handlers):
    """``(default item mode or None if undecided, {name: handler}, async?)``."""
    use_async = self._options.enable_async_checkpointing
    if checkpointers is not None:  # the legacy API
      if item_names is not None or item_handlers is not None:
        raise ValueError("`checkpointers` is mutually exclusive with `item_names` and "
                         "`item_handlers`.")
      if isinstance(checkpointers, ckptrs.AbstractCheckpointer):
        return (True, {DEFAULT_ITEM_NAME: checkpointers.handler},
                isinstance(checkpointers, ckptrs.AsyncCheckpointer))
      return (False, {k: c.handler for k, c in checkpointers.items()},
              all(isinstance(c, ckptrs.AsyncCheckpointer) for c in checkpointers.values()))
    if isinstance(item_handlers, base.CheckpointHandler):
      return True, {DEFAULT_ITEM_NAME: item_handlers}, use_async
    if item_names is None and item_handlers is None:
      return None, {}, use_async
    return False, dict(item_handlers or {}), use_async

  # -- steps ------------------------------------------------------------------
  @property
  def directory(self) -> Path:
    return self._directory

  def _step_dir(self, step: int, root: Optional[Path] = None) -> Path:
    return (root or self._directory) / self._name_format.build_name(step)

  def _read_metrics(self, step_dir: Path):
    path = step_dir / METRIC_ITEM_NAME / METRIC_ITEM_NAME
    if not path.exists():
      return None
    return fileio.read_json(path, "Checkpoint metrics")

  def _load_checkpoint_infos(self) -> list:
    infos = []
    for step, path in sorted(self._name_format.find_all(self._directory).items()):
      try:
        ns = step_metadata.read(path).commit_timestamp_nsecs
        metrics = self._read_metrics(path)
      except (OSError, ValueError):
        ns, metrics = None, None  # unreadable metadata must not hide the step
      seconds = ns / 1e9 if ns else path.stat().st_mtime
      time = datetime.datetime.fromtimestamp(seconds, tz=datetime.timezone.utc)
      infos.append(CheckpointInfo(step, time, metrics))
    return infos

  def all_steps(self, read: bool = False) -> list:
    if read:
      self.reload()
    return [info.step for info in self._checkpoints]

  def latest_step(self) -> Optional[int]:
    return self._checkpoints[-1].step if self._checkpoints else None

  def best_step(self) -> Optional[int]:
    if self._options.best_fn is None:
      return self.latest_step()
    scored = [i for i in self._checkpoints if i.metrics is not None]
    if not scored:
      return None
    scored.sort(key=lambda i: self._options.best_fn(i.metrics),
                reverse=self._options.best_mode == "min")
    return scored[-1].step

  def reload(self):
    """Re-reads the steps present on disk (if another process changed them)."""
    self._checkpoints = self._load_checkpoint_infos()

  def reached_preemption(self, step: int) -> bool:
    return False

  def is_saving_in_progress(self) -> bool:
    thread = self._finalize_thread
    return thread is not None and thread.is_alive()

  def should_save(self, step: int) -> bool:
    if self._options.read_only:
      return False
    latest = self.latest_step()
    if latest is not None and latest >= step:
      return False
    context = save_policies.DecisionContext(
        is_saving_in_progress=self.is_saving_in_progress(),
        reached_preemption=self.reached_preemption(step),
        multiprocessing_options=self._options.multiprocessing_options)
    now = datetime.datetime.now(tz=datetime.timezone.utc)
    return self._save_policy.should_save(CheckpointInfo(step, now), self._checkpoints,
                                         context=context)

  # -- saving -------------------------------------------------------------------
  def _check_args(self, args):
    if not isinstance(args, checkpoint_args.CheckpointArgs):
      raise ValueError(f"Expected args of type `CheckpointArgs`; found {type(args)}.")
    if self._default_item is None:
      self._default_item = not isinstance(args, composite.CompositeArgs)
    if self._default_item and isinstance(args, composite.CompositeArgs):
      raise ValueError("Cannot provide `args` of type `Composite` when dealing with a "
                       "single, unnamed (default) checkpointable object.")
    if not self._default_item and not isinstance(args, composite.CompositeArgs):
      raise ValueError("Must provide `args` of type `Composite` when dealing with "
                       "multiple checkpointable objects.")

  def _legacy_args(self, items, kwargs, for_save):
    """Builds args from the deprecated ``items``/``save_kwargs`` arguments."""
    handlers = self._checkpointer.handler
    if self._default_item is None:
      self._default_item = DEFAULT_ITEM_NAME in handlers.item_names
    if self._default_item:
      items, kwargs = {DEFAULT_ITEM_NAME: items}, {DEFAULT_ITEM_NAME: kwargs or {}}
    built = {}
    for name, item in items.items():
      handler = handlers.handler_for(name)  # registered at construction
      save_cls, restore_cls = checkpoint_args.get_registered_args_cls(handler)
      cls = save_cls if for_save else restore_cls
      built[name] = cls(item, **((kwargs or {}).get(name) or {}))
    args = composite.CompositeArgs(**built)
    return args[DEFAULT_ITEM_NAME] if self._default_item else args

  def save(self, step: int, items=None, save_kwargs=None, metrics=None, force=False,
           args=None, custom_metadata=None) -> bool:
    """Saves ``args`` as ``step`` if the options say so (or ``force``); returns whether
    a save was started. With async checkpointing the data is copied, then written in
    the background; ``wait_until_finished`` waits for it."""
    if isinstance(items, checkpoint_args.CheckpointArgs):
      raise ValueError("Found an instance of `CheckpointArgs` provided for `items`. This may"
                       " be due to misuse of the newer API - make sure to specify the"
                       " argument keyword (e.g. `args=args`).")
    if items is None and args is None:
      raise ValueError("Must provide `args` for `save`.")
    if args is None:
      args = self._legacy_args(items, save_kwargs, for_save=True)
    self._check_args(args)
    with self._lock:
      if self._options.read_only:
        _logger.warning("%s is read only, save will be skipped", self._directory)
        return False
      decision = force or self.should_save(step)
      if self._mp is not None:  # the primary decides, for all (policies read the clock)
        decision = self._mp.from_primary("CheckpointManager:save_start", decision)
      if not decision:
        return False
      self.wait_until_finished()
      if step in self.all_steps():
        raise StepAlreadyExistsError(f"Checkpoint for step {step} already exists.")
      items = {DEFAULT_ITEM_NAME: args} if self._default_item else dict(args.items())
      if (metrics is not None and self._options.best_fn is not None
          and not self._options.prevent_write_metrics):
        items[METRIC_ITEM_NAME] = json_handler.JsonSaveArgs(metrics)
      step_dir = self._step_dir(step)
      self._checkpointer.save(step_dir, args=composite.CompositeArgs(**items),
                              custom_metadata=custom_metadata)
      now = datetime.datetime.now(tz=datetime.timezone.utc)
      self._checkpoints.append(CheckpointInfo(step, now, metrics))
      self._checkpoints.sort(key=lambda i: i.step)
      keep = self._preservation_policy.should_preserve(
          list(self._checkpoints), context=preservation_policies.PreservationContext())
      doomed = [i.step for i, k in zip(self._checkpoints, keep) if not k]
      self._checkpoints = [i for i, k in zip(self._checkpoints, keep) if k]
      if self._mp is not None:
        self._checkpoints, doomed = self._mp.from_primary(
            "CheckpointManager:old_steps_to_remove", (self._checkpoints, doomed))
      if isinstance(self._checkpointer, ckptrs.AsyncCheckpointer):
        self._finalize_thread = threading.Thread(
            target=self._finalize_in_background, args=(step, doomed),
            name="jaxlite-orbax-finalize")
        self._finalize_thread.start()
      elif self._mp is None:
        self._delete_steps(doomed)
      else:
        self._delete_everywhere(doomed, "CheckpointManager:finalize")
    return True

  def _delete_everywhere(self, steps, barrier, suffix=None):
    """Several processes: the primary deletes, then all meet (failing alike if it failed)."""
    error = None
    try:
      self._delete_steps(steps)
    except Exception as e:
      error = e
    self._mp.thread_sync(barrier, suffix, error)

  def _delete_steps(self, steps):
    if self._mp is not None and not self._mp.is_primary:
      return
    subdir = self._options.todelete_subdir
    for step in steps:
      step_dir = self._step_dir(step)
      if subdir is None:
        atomicity.remove(step_dir)
      else:  # "soft" deletion: moved aside in one rename, out of the step listing
        (self._directory / subdir).mkdir(exist_ok=True)
        os.rename(step_dir, self._directory / subdir / step_dir.name)
        fileio.fsync_dir(self._directory)

  def _finalize_in_background(self, step, doomed):
    # (AsyncOptions.post_finalization_callback is run by the checkpointer, once.)
    try:
      self._checkpointer.wait_until_finished()
      if self._mp is None:
        self._delete_steps(doomed)
      else:
        self._delete_everywhere(doomed, "CheckpointManager:finalize", step)
    except BaseException as e:  # surfaced by wait_until_finished
      self._finalize_error = e

  def wait_until_finished(self):
    """Blocks until the save in flight is committed and old steps are deleted."""
    thread = self._finalize_thread
    if thread is not None:
      thread.join()
      self._finalize_thread = None
    if self._finalize_error is not None:
      error, self._finalize_error = self._finalize_error, None
      self.reload()  # the failed step is not on disk; the old ones were kept
      raise error

  def check_for_errors(self):
    if self._finalize_thread is None or not self._finalize_thread.is_alive():
      self.wait_until_finished()

  def delete(self, step: int):
    if self._options.read_only:
      _logger.warning("%s is read only, delete will be skipped", self._directory)
      return
    with self._lock:
      self.wait_until_finished()
      if step not in self.all_steps():
        raise FileNotFoundError(f"Requested deleting a non-existent step: {step}.")
      if self._mp is None:
        self._delete_steps([step])
      else:
        self._delete_everywhere([step], "CheckpointManager:deleted_step")
      self._checkpoints = [i for i in self._checkpoints if i.step != step]

  # -- restoring ------------------------------------------------------------------
  def _restore_dir(self, step, directory):
    root = Path(os.fspath(directory)) if directory is not None else self._directory
    if step is None:
      if directory is None:
        step = self.latest_step()
      else:
        found = self._name_format.find_all(root)
        step = max(found) if found else None
      if step is None:
        raise FileNotFoundError(f"No steps found in {root}.")
    step_dir = self._step_dir(step, root)
    if not step_dir.is_dir():
      available = (self.all_steps() if directory is None
                   else sorted(self._name_format.find_all(root)))
      raise FileNotFoundError(f"Checkpoint at {step_dir} not found (no step {step}; "
                              f"steps available: {available}).")
    return step, step_dir

  def restore(self, step: Optional[int], items=None, restore_kwargs=None, directory=None,
              args=None) -> Any:
    """Restores ``step`` (the latest if None). Single item: returns it; several:
    returns a Composite. Without args, items are restored as they were saved."""
    if self._finalize_thread is not None:
      self.wait_until_finished()
    step, step_dir = self._restore_dir(step, directory)
    if self._default_item is None:
      self._default_item = (step_dir / DEFAULT_ITEM_NAME).is_dir()
    if args is None and items is not None:
      args = self._legacy_args(items, restore_kwargs, for_save=False)
    if args is not None:
      self._check_args(args)
    if self._default_item:
      composite_args = composite.CompositeArgs(**{DEFAULT_ITEM_NAME: args})
    else:
      composite_args = args
    try:
      restored = self._checkpointer.restore(step_dir, args=composite_args)
    except (ValueError, TypeError, KeyError, FileNotFoundError) as e:
      raise _with_step(e, step, step_dir) from e
    if self._default_item:
      if DEFAULT_ITEM_NAME not in restored:
        raise ValueError("Unable to retrieve default item.")
      return restored[DEFAULT_ITEM_NAME]
    return restored

  def metrics(self, step: int):
    return self._read_metrics(self._step_dir(step))

  def metadata(self, step: Optional[int] = None):
    """Step-independent metadata (``step=None``), or the metadata of ``step``."""
    if step is None:
      if self._options.read_only and self._root_metadata_given is not None:
        root = step_metadata.read_root(self._directory)
        if not root.custom_metadata:
          root.custom_metadata = dict(self._root_metadata_given)
        return root
      return step_metadata.read_root(self._directory)
    _, step_dir = self._restore_dir(step, None)
    meta = self._checkpointer.metadata(step_dir)
    if self._default_item is None:
      self._default_item = (step_dir / DEFAULT_ITEM_NAME).is_dir()
    if self._default_item:
      meta.item_metadata = meta.item_metadata.get(DEFAULT_ITEM_NAME)
    metrics = self._read_metrics(step_dir)
    if metrics is not None:
      meta.metrics = metrics
    return meta

  def item_metadata(self, step: int):
    """Metadata (tree structure, shapes, dtypes) of the items of ``step``, without data."""
    if step is None:
      raise ValueError("`step` must be provided. `item_metadata` only exists at the "
                       "checkpoint step level, not the root level.")
    return self.metadata(step).item_metadata

  def close(self):
    self.wait_until_finished()
    self._checkpointer.close()

  def __enter__(self):
    return self

  def __exit__(self, *exc):
    self.close()

