"""Arrays on disk through TensorStore: zarr (v3 or v2) arrays, inside one OCDBT database
per checkpoint item or one directory per array, exactly where Orbax puts them.

TensorStore is an optional dependency: jaxlite imports without it, and the first
checkpoint operation that needs it raises an ImportError saying what to install.
"""
from __future__ import annotations

import math
import os

import numpy as np

_INSTALL_HINT = (
    "jaxlite.orbax.checkpoint stores arrays with TensorStore, which is not installed. "
    "Install it with `pip install 'jaxlite[checkpoint]'` (or `pip install tensorstore`).")

# Orbax keeps each OCDBT data file under 2 GiB; chunks are split to fit.
_TARGET_DATA_FILE_SIZE = 2 ** 31


def require():
  """Returns the tensorstore module, or raises an ImportError saying how to get it."""
  try:
    import tensorstore
  except ImportError as e:
    raise ImportError(_INSTALL_HINT) from e
  return tensorstore


def check_dtype(dtype, name: str) -> None:
  """Raises a clear TypeError now, rather than in a background write, if TensorStore
  cannot store ``dtype``."""
  ts = require()
  try:
    ts.dtype(np.dtype(dtype).name)
  except (TypeError, ValueError):
    raise TypeError(f"Cannot save leaf {name!r}: dtype {np.dtype(dtype).name} is not supported "
                    "by TensorStore's zarr format.") from None


def new_context():
  """A fresh TensorStore context: no cache survives from one save or restore to the next."""
  ts = require()
  return ts.Context({
      "file_io_concurrency": {"limit": 128},
      "cache_pool#ocdbt": {"total_bytes_limit": 100_000_000},
  })


def kvstore_spec(directory: str, name: str, *, use_ocdbt: bool, for_write: bool) -> dict:
  """Where the array ``name`` of the item stored in ``directory`` lives."""
  directory = os.path.abspath(os.fspath(directory))
  if not use_ocdbt:
    return {"driver": "file", "path": os.path.join(directory, name) + "/"}
  base = {"driver": "file", "path": directory + "/"}
  spec = {"driver": "ocdbt", "base": base, "path": name, "cache_pool": "cache_pool#ocdbt"}
  if for_write:
    # As Orbax: data files are written in place (the whole item sits in a temporary
    # directory until it is committed), only the manifest is replaced atomically.
    spec["base"] = {**base, "file_io_locking": {"mode": "non_atomic"}}
    spec["manifest"] = base
    spec["target_data_file_size"] = _TARGET_DATA_FILE_SIZE
    spec["config"] = {"max_inline_value_bytes": 1024, "max_decoded_node_bytes": 100_000_000,
                      "manifest_kind": "single"}
    spec["assume_config"] = True
  return spec


def _chunk_shape(shape: tuple, itemsize: int) -> list:
  """The whole array as one chunk (as Orbax does), halving the largest axis until it fits."""
  chunk = [max(1, d) for d in shape]
  while chunk and math.prod(chunk) * itemsize > _TARGET_DATA_FILE_SIZE:
    axis = int(np.argmax(chunk))
    if chunk[axis] == 1:
      break
    chunk[axis] = -(-chunk[axis] // 2)
  return chunk


def _zarr3_metadata(shape, chunk, use_compression):
  inner = [{"name": "bytes", "configuration": {"endian": "little"}}]
  if use_compression:
    inner.append({"name": "zstd", "configuration": {"level": 3}})
  # Unlike Orbax, every chunk also carries a CRC-32C so that restore detects corruption.
  inner.append({"name": "crc32c"})
  return {
      "shape": list(shape),
      "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": chunk}},
      "codecs": [{"name": "sharding_indexed", "configuration": {
          "chunk_shape": chunk,
          "codecs": inner,
          "index_codecs": [{"name": "bytes", "configuration": {"endian": "little"}},
                           {"name": "crc32c"}],
          "index_location": "end"}}],
  }


def _zarr2_metadata(shape, chunk, use_compression):
  return {"shape": list(shape), "chunks": chunk,
          "compressor": {"id": "zstd", "level": 1} if use_compression else None}


def write_spec(directory, name, shape, dtype, *, use_ocdbt, use_zarr3, use_compression):
  """The TensorStore spec creating the array ``name`` (returns ``(spec, chunk_shape)``)."""
  dtype = np.dtype(dtype)
  chunk = _chunk_shape(tuple(shape), dtype.itemsize)
  build = _zarr3_metadata if use_zarr3 else _zarr2_metadata
  spec = {
      "driver": "zarr3" if use_zarr3 else "zarr",
      "kvstore": kvstore_spec(directory, name, use_ocdbt=use_ocdbt, for_write=True),
      "metadata": build(shape, chunk, use_compression),
      "dtype": dtype.name,
      # Orbax restores with fill_missing_data_reads=False: every chunk must be on disk,
      # even one equal to the fill value.
      "store_data_equal_to_fill_value": True,
      "recheck_cached_data": False,
      "recheck_cached_metadata": False,
  }
  return spec, chunk


def read_spec(directory, name, *, use_ocdbt, use_zarr3):
  return {
      "driver": "zarr3" if use_zarr3 else "zarr",
      "kvstore": kvstore_spec(directory, name, use_ocdbt=use_ocdbt, for_write=False),
      # A missing chunk is an incomplete checkpoint, never a silent array of zeros.
      "fill_missing_data_reads": False,
      "recheck_cached_data": False,
      "recheck_cached_metadata": False,
  }


def write_arrays(directory, named_arrays, *, use_ocdbt, use_zarr3, use_compression):
  """Writes ``[(name, ndarray)]`` concurrently and waits until all is on disk.

  Returns ``{name: chunk_shape}``. TensorStore fsyncs each file it writes."""
  ts = require()
  context = new_context()
  chunks = {}
  opening = []
  for name, value in named_arrays:
    spec, chunks[name] = write_spec(directory, name, value.shape, value.dtype,
                                    use_ocdbt=use_ocdbt, use_zarr3=use_zarr3,
                                    use_compression=use_compression)
    opening.append(ts.open(spec, create=True, context=context))
  writes = []
  for future, (_, value) in zip(opening, named_arrays):
    store = future.result()
    writes.append(store.write(value) if value.size else None)
  for w in writes:
    if w is not None:
      w.result()
  return chunks


def open_arrays(directory, names, *, use_ocdbt, use_zarr3):
  """Opens the stored arrays ``names`` (metadata only); returns a list of futures."""
  ts = require()
  context = new_context()
  return [ts.open(read_spec(directory, n, use_ocdbt=use_ocdbt, use_zarr3=use_zarr3),
                  open=True, read=True, context=context) for n in names]
