"""``ocp.metadata``: what ``metadata()`` and ``item_metadata()`` return."""
# ruff: noqa: F401
from jaxlite.orbax._src.metadata import (
    ArrayMetadata, Metadata, RootMetadata, ScalarMetadata, SingleDeviceShardingMetadata,
    StepMetadata, StorageMetadata, StringMetadata, TreeMetadata)
