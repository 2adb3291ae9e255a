"""Checkpointers: save one handler's item to a directory atomically, and restore it.

``Checkpointer`` saves while the caller waits. ``AsyncCheckpointer`` returns as soon
as the handler has validated the item and copied what the caller could still change
(jaxlite Arrays are immutable and are not copied); a background thread writes and
commits. Saves are ordered: a save first waits for the previous one to finish.

After ``jax.distributed.initialize()`` every process calls ``save`` and ``restore`` alike;
the primary host creates, writes and commits, the others wait for it (see ``multihost``).
"""
from __future__ import annotations

import abc
import os
import threading
import time
from pathlib import Path

from jaxlite.orbax._src import atomicity
from jaxlite.orbax._src import checkpoint_args
from jaxlite.orbax._src import metadata as md
from jaxlite.orbax._src import multihost
from jaxlite.orbax._src import options as options_lib
from jaxlite.orbax._src import step_metadata
from jaxlite.orbax._src.handlers import base
from jaxlite.orbax._src.handlers import composite
from jaxlite.orbax._src.handlers import pytree
from jaxlite.orbax._src.handlers import standard


class AbstractCheckpointer(abc.ABC):

  @abc.abstractmethod
  def save(self, directory, *args, **kwargs):
    ...

  @abc.abstractmethod
  def restore(self, directory, *args, **kwargs):
    ...

  def metadata(self, directory):
    return None

  def close(self):
    pass

  def __enter__(self):
    return self

  def __exit__(self, *exc):
    self.close()


class Checkpointer(AbstractCheckpointer):
  """Saves synchronously through ``handler``; a save is published only when complete."""

  # Orbax's names of the barriers after "data written" and after "committed".
  _WRITTEN, _COMMITTED = "Checkpointer:save", "Checkpointer:finalize"

  def __init__(self, handler: base.CheckpointHandler, *, multiprocessing_options=None,
               file_options=None, checkpoint_metadata_store=None, temporary_path_class=None,
               atomicity_options=None, **unused_options):
    if not isinstance(handler, base.CheckpointHandler):
      raise TypeError(f"Expected a CheckpointHandler, got {type(handler)}.")
    self._handler = handler
    self._save_lock = threading.Lock()
    self._mp = multihost.Coordinator.for_options(multiprocessing_options)

  @property
  def handler(self):
    return self._handler

  def _prepare(self, directory: Path, args, force: bool, custom_metadata):
    """Validates and snapshots (while the caller waits); returns the job that writes."""
    if directory.exists() and not force:
      raise ValueError(f"Destination {directory} already exists.")
    if atomicity.is_tmp_name(directory.name):
      raise ValueError(f"Cannot save to {directory}: the name is reserved for unfinished "
                       "checkpoints.")
    handler = self._handler
    if isinstance(handler, composite.CompositeCheckpointHandler):
      item_handlers = handler.item_typestrs(args)
    else:
      item_handlers = base.typestr_of(handler)
    if isinstance(handler, base.AsyncCheckpointHandler):
      write = handler.prepare_save(args)
    else:
      def write(tmp, handler=handler, args=args):
        handler.save(tmp, args=args)
    init_ns = time.time_ns()
    if self._mp is not None:
      return self._shared_job(directory, write, item_handlers, init_ns, force, custom_metadata)

    def job():
      tmp = atomicity.begin(directory)
      try:
        write(tmp)
        handler.finalize(tmp)
        step_metadata.write(tmp, item_handlers=item_handlers, init_ns=init_ns,
                            commit_ns=time.time_ns(), custom_metadata=custom_metadata)
        atomicity.commit(tmp, directory, replace=force)
      except BaseException:
        atomicity.abort(tmp)
        raise
    return job

  def _shared_job(self, directory, write, item_handlers, init_ns, force, custom_metadata):
    """Several processes: the primary creates the temporary directory now (between
    barriers); the job returned writes (primary), then commits (primary) once every
    process got there. Any process's failure fails the save in all of them."""
    mp, handler = self._mp, self._handler
    mp.sync("create_tmp_directory:pre")
    tmp, error = atomicity.tmp_path_for(directory), None
    if mp.is_primary:
      try:
        tmp = atomicity.begin(directory)
      except Exception as e:
        error = e
    mp.thread_sync("create_tmp_directory:post", directory.name, error)

    def job():
      error = None
      if mp.is_primary:
        try:
          write(tmp)
          handler.finalize(tmp)
          step_metadata.write(tmp, item_handlers=item_handlers, init_ns=init_ns,
                              commit_ns=time.time_ns(), custom_metadata=custom_metadata)
        except Exception as e:
          error = e
      self._meet(self._WRITTEN, directory, tmp, error)
      if mp.is_primary:
        try:
          atomicity.commit(tmp, directory, replace=force)
        except Exception as e:
          error = e
      self._meet(self._COMMITTED, directory, tmp, error)
    return job

  def _meet(self, name, directory, tmp, error):
    """The barrier after a step of a save. If a process failed, the primary first discards
    the temporary directory, so that no process sees it after the save failed."""
    if error is not None and self._mp.is_primary:
      atomicity.abort(tmp)
    try:
      self._mp.thread_sync(name, directory.name, error)
    except BaseException:
      if self._mp.is_primary:
        atomicity.abort(tmp)
      raise

  def save(self, directory, *args, force: bool = False, custom_metadata=None, **kwargs):
    """Saves to ``directory`` (which must not exist, unless ``force``). With several
    processes, every process calls it with the same arguments."""
    directory = Path(os.fspath(directory))
    args = checkpoint_args.construct_args(self._handler, True, *args, **kwargs)
    with self._save_lock:
      if self._mp is not None:
        self._mp.sync("Checkpointer:save_start")
      self._prepare(directory, args, force, custom_metadata)()

  def restore(self, directory, *args, **kwargs):
    directory = Path(os.fspath(directory))
    if not directory.exists():
      raise FileNotFoundError(f"Checkpoint at {directory} not found.")
    if atomicity.is_tmp_name(directory.name):
      raise ValueError(f"Found incomplete checkpoint at {directory}.")
    args = checkpoint_args.construct_args(self._handler, False, *args, **kwargs)
    restored = self._handler.restore(directory, args=args)
    if self._mp is not None:  # every process reads the whole checkpoint
      self._mp.sync("Checkpointer:restore")
    return restored

  def metadata(self, directory) -> md.StepMetadata:
    """The step metadata, with the item's metadata (shapes, dtypes) but not its data."""
    directory = Path(os.fspath(directory))
    if not directory.exists():
      raise FileNotFoundError(f"Checkpoint at {directory} not found.")
    if isinstance(self._handler, composite.CompositeCheckpointHandler):
      return self._handler.metadata(directory)
    step = step_metadata.read(directory)
    step.item_metadata = self._handler.metadata(directory)
    return step

  def close(self):
    self._handler.close()


class AsyncCheckpointer(Checkpointer):
  """Saves in a background thread; ``save`` returns once the data is snapshotted.

  With several processes, the background thread of every process waits at the barriers
  of the commit, so ``wait_until_finished`` returns in any process only once the
  checkpoint is committed."""

  _WRITTEN, _COMMITTED = "async_write_complete", "async_commit_complete"

  def __init__(self, handler, timeout_secs=None, *, async_options=None, **options):
    super().__init__(handler, **options)
    self._async_options = async_options or options_lib.AsyncOptions()
    if self._mp is not None:
      self._mp = multihost.Coordinator(
          options.get("multiprocessing_options") or options_lib.MultiprocessingOptions(),
          barrier_sync_fn=self._async_options.barrier_sync_fn,
          timeout=timeout_secs or self._async_options.timeout_secs)
    self._thread = None
    self._error = None

  def _run(self, job):
    try:
      job()
    except BaseException as e:  # surfaced by the next wait_until_finished / save
      self._error = e
    else:
      callback = self._async_options.post_finalization_callback
      if callback is not None and (self._mp is None or self._mp.is_primary):
        callback()

  def save(self, directory, *args, force: bool = False, custom_metadata=None, **kwargs):
    directory = Path(os.fspath(directory))
    args = checkpoint_args.construct_args(self._handler, True, *args, **kwargs)
    with self._save_lock:
      if self._mp is not None:
        self._mp.sync("Checkpointer:save_start")
      self.wait_until_finished()
      job = self._prepare(directory, args, force, custom_metadata)
      if not isinstance(self._handler, base.AsyncCheckpointHandler):
        job()  # a plain handler reads the caller's objects while writing: run it now
        return
      # Not a daemon: at interpreter exit, a save in flight is finished, not cut short.
      self._thread = threading.Thread(target=self._run, args=(job,),
                                      name=f"jaxlite-orbax-save:{directory.name}")
      self._thread.start()

  def wait_until_finished(self):
    """Blocks until the save in flight (if any) is committed; raises its error."""
    thread = self._thread
    if thread is not None:
      thread.join()
      self._thread = None
    self.check_for_errors()

  def check_for_errors(self):
    if self._error is not None:
      error, self._error = self._error, None
      raise error

  def is_saving_in_progress(self) -> bool:
    return self._thread is not None and self._thread.is_alive()

  def restore(self, directory, *args, **kwargs):
    self.wait_until_finished()
    return super().restore(directory, *args, **kwargs)

  def metadata(self, directory):
    self.wait_until_finished()
    return super().metadata(directory)

  def close(self):
    self.wait_until_finished()
    super().close()


class StandardCheckpointer(AsyncCheckpointer):
  """``AsyncCheckpointer(StandardCheckpointHandler())`` taking the item directly:
  ``save(path, state)``, ``restore(path, abstract_state)``."""

  def __init__(self, *, async_options=None, multiprocessing_options=None, file_options=None,
               atomicity_options=None, checkpoint_metadata_store=None,
               temporary_path_class=None, **handler_options):
    super().__init__(standard.StandardCheckpointHandler(**handler_options),
                     async_options=async_options,
                     multiprocessing_options=multiprocessing_options)

  def save(self, directory, state=None, *, save_args=None, force: bool = False,
           custom_metadata=None, args=None):
    if args is None:
      args = standard.StandardSaveArgs(state, save_args)
    super().save(directory, args=args, force=force, custom_metadata=custom_metadata)

  def restore(self, directory, target=None, *, strict: bool = True, args=None):
    if args is None:
      args = standard.StandardRestoreArgs(target, strict=strict)
    return super().restore(directory, args=args)


class PyTreeCheckpointer(Checkpointer):
  """``Checkpointer(PyTreeCheckpointHandler(...))``."""

  def __init__(self, primary_host=0, use_ocdbt: bool = True, use_zarr3: bool = True,
               use_compression: bool = False):
    super().__init__(pytree.PyTreeCheckpointHandler(
        use_ocdbt=use_ocdbt, use_zarr3=use_zarr3, use_compression=use_compression),
        multiprocessing_options=options_lib.MultiprocessingOptions(primary_host=primary_host))
