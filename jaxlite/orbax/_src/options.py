"""Option dataclasses with Orbax's names and defaults. ``MultiprocessingOptions`` and the
barrier options of ``AsyncOptions`` take effect in multi-process runs
(``jax.distributed.initialize()``, see ``multihost``); the other multi-host and storage
options are accepted and have no effect."""
from __future__ import annotations

import dataclasses
import datetime
import enum
from typing import Any, Callable, Container, Optional, Set


@dataclasses.dataclass
class AsyncOptions:
  timeout_secs: int = 1200
  barrier_sync_fn: Optional[Callable] = None
  post_finalization_callback: Optional[Callable[[], None]] = None
  create_directories_asynchronously: bool = True


@dataclasses.dataclass
class MultiprocessingOptions:
  """``primary_host``: the process that creates, commits and deletes checkpoints (None:
  every process does, each in its own directory); ``active_processes``: the processes that
  take part (barriers span only them); ``barrier_sync_key_prefix``: prefixes barrier names,
  so that several managers can work side by side."""
  primary_host: Optional[int] = 0
  active_processes: Optional[Set[int]] = None
  barrier_sync_key_prefix: Optional[str] = None


@dataclasses.dataclass(frozen=True)
class FileOptions:
  path_permission_mode: Optional[int] = None
  skip_sync_file_validations: bool = False


class AtomicityMode(str, enum.Enum):
  AUTO = "auto"
  COMMIT_FILE = "commit_file"
  ATOMIC_RENAME = "atomic_rename"


@dataclasses.dataclass(frozen=True)
class AtomicityOptions:
  """Accepted for compatibility; jaxlite always commits by atomic rename."""
  mode: AtomicityMode = AtomicityMode.AUTO
  allow_legacy_atomic_rename: bool = False


@dataclasses.dataclass
class CheckpointManagerOptions:
  """Options of ``CheckpointManager`` (Orbax's fields and defaults).

  Saving: ``save_interval_steps``, ``save_on_steps``, ``should_save_fn`` or a
  ``save_decision_policy``. Keeping: ``max_to_keep`` latest (or best by ``best_fn``
  and ``best_mode``), plus every ``keep_period``-th step, or a ``preservation_policy``.
  ``cleanup_tmp_directories`` deletes all unfinished saves at start; otherwise only
  unfinished jaxlite saves whose process has died are deleted."""
  save_interval_steps: int = 1
  max_to_keep: Optional[int] = None
  keep_time_interval: Optional[datetime.timedelta] = None
  keep_period: Optional[int] = None
  best_fn: Optional[Callable[[Any], float]] = None
  best_mode: str = "max"
  keep_checkpoints_without_metrics: bool = True
  step_prefix: Optional[str] = None
  step_format_fixed_length: Optional[int] = None
  step_name_format: Any = None
  create: bool = True
  cleanup_tmp_directories: bool = False
  save_on_steps: Optional[Container[int]] = None
  single_host_load_and_broadcast: bool = False
  todelete_subdir: Optional[str] = None
  todelete_full_path: Optional[str] = None
  enable_background_delete: bool = False
  num_deletion_threads: Optional[int] = None
  read_only: bool = False
  enable_async_checkpointing: bool = True
  async_options: Optional[AsyncOptions] = None
  multiprocessing_options: MultiprocessingOptions = dataclasses.field(
      default_factory=MultiprocessingOptions)
  should_save_fn: Optional[Callable[[int, Optional[int]], bool]] = None
  file_options: FileOptions = dataclasses.field(default_factory=FileOptions)
  atomicity_options: Optional[AtomicityOptions] = None
  save_root_metadata: bool = True
  temporary_path_class: Any = None
  save_decision_policy: Any = None
  preservation_policy: Any = None
  prevent_write_metrics: bool = False
  enable_should_save_is_saving_in_progress_check: bool = True
  enable_per_process_directory_creation: bool = False
  lightweight_initialize: bool = False

  def __post_init__(self):
    if self.best_mode not in ("min", "max"):
      raise ValueError("`CheckpointManagerOptions.best_mode` must be one of None, 'min' "
                       f"or 'max'. Got {self.best_mode}.")
    if self.preservation_policy is None and self.max_to_keep is not None \
        and self.max_to_keep < 0:
      raise ValueError("Setting of `max_to_keep` must be None or non-negative.")
    if self.todelete_subdir is not None and self.todelete_full_path is not None:
      raise ValueError("todelete_subdir and todelete_full_path both cannot be set togther")
    if self.read_only:
      # A read-only manager neither writes, deletes nor creates anything.
      self.save_interval_steps = 0
      self.max_to_keep = None
      self.keep_time_interval = None
      self.keep_period = None
      self.create = False
      self.cleanup_tmp_directories = False
      self.save_on_steps = None
      self.todelete_subdir = None
      self.should_save_fn = None
