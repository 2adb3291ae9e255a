"""NumPy kernels shared by convolution and the windowed reductions: dilation and padding,
a per-thread scratch pool, and the matrix-product formulations of a convolution.

A convolution is one matrix product between a matrix of input patches (im2col) and the
kernel. Which way round the patch matrix is laid out decides whether building it streams
through memory and whether the kernel needs a copy, so ``conv_channels_last`` picks per call:

- patch rows (batch, positions), columns (window taps, features): the usual forward conv,
  input features contiguous;
- patch rows (features, window taps), columns (positions, batch): the kernel-gradient conv
  of a channels-last network, whose "kernel" is the output cotangent laid out
  (batch, spatial..., features): it enters the product with no copy;
- one product per window tap on shifted rows of the flattened input (no patch matrix):
  stride-1 convs with more input than output features;
- depthwise convs (one input feature per group) multiply and add tap by tap instead.

The patch matrix is stored row- or column-major, whichever copy runs along the input's
contiguous axis (column-major for one input feature, or NCHW inputs). Measured on the
2-core VMs the big convs of a small CNN then run at the BLAS speed of their one product,
the patch copy costing a tenth of it when its memory is reused (fresh pages are slow
there). Products below ``blas_threads.SMALL_PRODUCT_FLOPS`` run on one BLAS thread, as
dot_general's do."""
from __future__ import annotations

import contextlib
import math
import threading

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from jaxlite._src import blas_threads


def dilate_dim(d: int, dilation: int) -> int:
  """Size of a dimension of size ``d`` with ``dilation - 1`` holes between elements."""
  return 0 if d == 0 else 1 + dilation * (d - 1)


def stride_dim(d: int, window: int, stride: int) -> int:
  """Number of windows of size ``window`` placed every ``stride`` in a dimension of ``d``."""
  return max(0, (d - window) // stride + 1)


# ---------------------------------------------------------------------------
# Scratch memory

SCRATCH_LIMIT = 1 << 26  # bytes; bigger temporaries are allocated per call
_scratch = threading.local()


def scratch(slot: str, shape, dtype) -> np.ndarray:
  """An uninitialised array in memory kept for reuse by this thread. Only for temporaries:
  it is overwritten by the next request for ``slot`` on this thread, so never return it
  (or a view of it) to a caller."""
  dtype = np.dtype(dtype)
  nbytes = math.prod(shape) * dtype.itemsize
  if nbytes > SCRATCH_LIMIT:
    return np.empty(shape, dtype)
  pool = _scratch.__dict__.setdefault("pool", {})
  raw = pool.get(slot)
  if raw is None or raw.nbytes < nbytes:
    # float64 storage keeps every dtype's view aligned.
    raw = pool[slot] = np.empty(-(-max(nbytes, 1) // 8), np.float64).view(np.uint8)
  return raw[:nbytes].view(dtype).reshape(shape)


# ---------------------------------------------------------------------------
# Dilation and padding

def pad_slices(shape, axes, dilation, padding):
  """Where ``dilate_and_pad`` puts each element: (padded shape, source slices, target slices)."""
  out_shape = list(shape)
  src = [slice(None)] * len(shape)
  dst = [slice(None)] * len(shape)
  for ax, d, (lo, hi) in zip(axes, dilation, padding):
    n = shape[ax]
    total = dilate_dim(n, d) + lo + hi
    out_shape[ax] = max(total, 0)
    # Element i lands at lo + i*d; negative padding crops the elements landing outside.
    first = 0 if lo >= 0 else (-lo + d - 1) // d
    stop = min(n, (total - 1 - lo) // d + 1)
    if stop <= first:
      src[ax] = dst[ax] = slice(0, 0)
    else:
      src[ax] = slice(first, stop)
      dst[ax] = slice(lo + first * d, lo + (stop - 1) * d + 1, d)
  return tuple(out_shape), tuple(src), tuple(dst)


def dilate_and_pad(x, axes, dilation, padding, fill, slot=None):
  """``x`` with holes between elements along ``axes`` and (possibly negative) padding,
  holes and padding holding ``fill``; ``x`` itself when there is nothing to do. With a
  ``slot`` the result lives in scratch memory (see ``scratch``)."""
  axes = tuple(axes)
  if all(d == 1 for d in dilation) and all(tuple(p) == (0, 0) for p in padding):
    return x
  shape, src, dst = pad_slices(x.shape, axes, dilation, padding)
  out = np.empty(shape, x.dtype) if slot is None else scratch(slot, shape, x.dtype)
  if any(d != 1 for d in dilation) or any(src[ax] == slice(0, 0) for ax in axes):
    out.fill(fill)
  else:
    # Only the borders need the fill: one pass over the input instead of two.
    for ax in axes:
      for part in (slice(0, dst[ax].start), slice(dst[ax].stop, None)):
        out[(slice(None),) * ax + (part,)] = fill
  out[dst] = x[src]
  return out


# ---------------------------------------------------------------------------
# Convolution

def _blas_threads_for(flops):
  return blas_threads.one_thread() if blas_threads.wants_one_thread(flops) else \
      contextlib.nullcontext()


def conv_channels_last(x, w, strides, rhs_dilation, feature_groups, batch_groups):
  """Convolve x (N, spatial..., C), already dilated and padded, with w (spatial..., I, O).
  Both may be any strided views; the result is a new array (N', positions..., O)."""
  nsp = x.ndim - 2
  groups = max(feature_groups, batch_groups)
  n_out, out_features = x.shape[0] // batch_groups, w.shape[-1]
  eff = [dilate_dim(k, d) for k, d in zip(w.shape[:nsp], rhs_dilation)]
  out_space = [stride_dim(p, e, s) for p, e, s in zip(x.shape[1:-1], eff, strides)]
  if 0 in out_space or n_out == 0 or out_features == 0 or 0 in w.shape[:-1]:
    return np.zeros((n_out, *out_space, out_features), x.dtype)  # nothing (or nothing to sum)
  flops = 2 * n_out * math.prod(out_space) * out_features * math.prod(w.shape[:-1])
  with _blas_threads_for(flops):
    if groups == 1 and _feature_major(w):
      return _conv_feature_major(x, w, strides, rhs_dilation, eff, out_space)
    if feature_groups > 1 and w.shape[-2] == 1:
      return _conv_depthwise(x, w, strides, rhs_dilation, eff, out_space)
    if (groups == 1 and all(s == 1 for s in strides) and x.shape[-1] > out_features and
        math.prod(x.shape[1:-1]) <= 2 * math.prod(out_space)):
      return _conv_shifted(x, w, rhs_dilation, out_space)
    return _conv_im2col(x, w, strides, rhs_dilation, eff, out_space, feature_groups,
                        batch_groups)


def _patches(x, eff, strides, rhs_dilation):
  """View (N, positions..., C, window taps...) of every window of x (no copy)."""
  nsp = x.ndim - 2
  p = sliding_window_view(x, eff, axis=tuple(range(1, nsp + 1)))
  return p[(slice(None),) + tuple(slice(None, None, s) for s in strides) + (slice(None),)
           + tuple(slice(None, None, d) for d in rhs_dilation)]


def _feature_major(w):
  """Whether w (spatial..., I, O) is laid out (I, spatial..., O) in memory, and not also
  (spatial..., I, O): the kernel-gradient conv, whose kernel is an activation cotangent."""
  nsp = w.ndim - 2
  order = (nsp,) + tuple(range(nsp)) + (nsp + 1,)
  return np.transpose(w, order).flags.c_contiguous and not w.flags.c_contiguous


def _patch_matrix(p, lead, nrows, transposed):
  """Copy the patch view ``p``, axes (lead..., row axes (nrows)..., column axes...), into
  scratch memory and return it as a (lead..., rows, columns) matrix. ``transposed`` lays it
  out column-major, the better copy when a row axis is the input's contiguous run (BLAS
  takes either layout as it is)."""
  shape = p.shape
  m, k = math.prod(shape[lead:lead + nrows]), math.prod(shape[lead + nrows:])
  if transposed:
    p = np.transpose(p, tuple(range(lead)) + tuple(range(lead + nrows, p.ndim)) +
                     tuple(range(lead, lead + nrows)))
  cols = scratch("conv_cols", p.shape, p.dtype)
  np.copyto(cols, p)
  if transposed:
    return np.swapaxes(cols.reshape(*shape[:lead], k, m), -1, -2)
  return cols.reshape(*shape[:lead], m, k)


def _run(x, axis, size, step=1):
  """Length of the contiguous run along ``axis`` of x taken every ``step`` elements."""
  return size if x.strides[axis] * step == x.itemsize else 1


def _conv_feature_major(x, w, strides, rhs_dilation, eff, out_space):
  """out = cols.T @ kernel with cols (features, taps) x (positions, batch): the kernel
  enters the product as it is, and the copy into cols streams along x's contiguous batch
  axis (the channels of the forward conv), or along its rows when that axis is short."""
  nsp = x.ndim - 2
  p = _patches(x, eff, strides, rhs_dilation)                  # (N, P..., C, K...)
  order = (nsp + 1,) + tuple(range(nsp + 2, 2 * nsp + 2)) + tuple(range(1, nsp + 1)) + (0,)
  p = np.transpose(p, order)                                   # (C, K..., P..., N)
  by_rows = nsp and _run(x, -2, w.shape[nsp - 1], rhs_dilation[-1]) > 2 * _run(x, 0, x.shape[0])
  cols = _patch_matrix(p, 0, nsp + 1, by_rows)
  kernel = np.transpose(w, (nsp,) + tuple(range(nsp)) + (nsp + 1,)).reshape(cols.shape[0], -1)
  out = np.matmul(cols.T, kernel)                              # (P... N, O)
  out = out.reshape(*out_space, x.shape[0], w.shape[-1])
  return np.moveaxis(out, nsp, 0)


def _conv_im2col(x, w, strides, rhs_dilation, eff, out_space, feature_groups, batch_groups):
  """out = cols @ kernel with cols (batch, positions) x (taps, features), one product per
  group (batched). The copy streams along x's contiguous features, or along its rows when
  the features are few or not contiguous (NCHW)."""
  nsp = x.ndim - 2
  groups = max(feature_groups, batch_groups)
  n_out, out_features = x.shape[0] // batch_groups, w.shape[-1]
  p = np.moveaxis(_patches(x, eff, strides, rhs_dilation), nsp + 1, -1)  # (N, P..., K..., C)
  taps = math.prod(w.shape[:nsp])
  if batch_groups > 1:
    p = p.reshape(groups, n_out, *p.shape[1:])
  else:
    p = np.moveaxis(p.reshape(*p.shape[:-1], groups, -1), -2, 0)  # (G, N, P..., K..., C/G)
  by_rows = nsp and _run(x, -2, out_space[-1], strides[-1]) > 2 * _run(x, -1, w.shape[-2])
  cols = _patch_matrix(p, 1, nsp + 1, by_rows)
  kernel = w.reshape(taps * w.shape[-2], groups, -1).transpose(1, 0, 2)
  out = np.matmul(cols[0], kernel[0]) if groups == 1 else np.matmul(cols, kernel)
  if groups == 1:
    return out.reshape(n_out, *out_space, out_features)
  out = out.reshape(groups, n_out, *out_space, -1)
  return np.moveaxis(out, 0, -2).reshape(n_out, *out_space, out_features)


CHUNK_BYTES = 1 << 18  # a block of output that stays in cache while every tap adds to it


def _conv_depthwise(x, w, strides, rhs_dilation, eff, out_space):
  """One input feature per group (depthwise): each output feature is a weighted sum of the
  taps of its input feature, accumulated tap by tap on a few images at a time (products
  of one input feature are too thin for BLAS). Works (..., multiplier, C) so that NumPy's
  inner loops run along x's features."""
  nsp = x.ndim - 2
  n, feats = x.shape[0], x.shape[-1]
  taps = list(np.ndindex(*w.shape[:nsp]))
  kernel = w.reshape(len(taps), feats, -1).transpose(0, 2, 1)  # (taps, multiplier, C)
  if nsp:
    # Repeated along the output's last spatial axis: NumPy then runs its inner loops along
    # whole rows (W x C) instead of C elements at a time (measured 1.3x faster).
    kernel = np.ascontiguousarray(
        np.broadcast_to(kernel[:, None], (len(taps), out_space[-1]) + kernel.shape[1:]))
  p = _patches(x, eff, strides, rhs_dilation)                  # (N, P..., C, K...)
  out = np.empty((n, *out_space, w.shape[-1] // feats, feats), x.dtype)
  chunk = max(1, CHUNK_BYTES // (out[0].nbytes or 1))
  part = scratch("conv_part", (min(chunk, n),) + out.shape[1:], x.dtype)
  for start in range(0, n, chunk):
    acc = out[start:start + chunk]
    for k, tap in enumerate(taps):
      xt = p[(slice(start, start + chunk),) + (slice(None),) * (nsp + 1) + tap][..., None, :]
      if k == 0:
        np.multiply(xt, kernel[0], out=acc)
      else:
        np.multiply(xt, kernel[k], out=part[:len(acc)])
        acc += part[:len(acc)]
  return np.swapaxes(out, -1, -2).reshape(n, *out_space, -1)


def _conv_shifted(x, w, rhs_dilation, out_space):
  """A stride-1 conv as one matmul per window tap, with no im2col copy: in the padded input
  flattened to (rows, C), the tap at a given offset reads the rows shifted by that offset's
  flat distance. Positions whose window would run off the edge are computed on the side and
  cropped. Wins over im2col when C exceeds the output features (the copy costs C per tap,
  the accumulation O per tap) and little is cropped."""
  nsp = x.ndim - 2
  if x.flags.c_contiguous:
    flat = x.reshape(-1, x.shape[-1])
  else:
    flat = scratch("conv_flat", x.shape, x.dtype)
    np.copyto(flat, x)
    flat = flat.reshape(-1, x.shape[-1])
  steps = [math.prod(x.shape[2 + a:-1]) for a in range(nsp)]
  reach = sum((k - 1) * d * st for k, d, st in zip(w.shape[:nsp], rhs_dilation, steps))
  rows = flat.shape[0] - reach
  out = np.empty((flat.shape[0], w.shape[-1]), x.dtype)
  out[rows:] = 0
  part = scratch("conv_part", (rows, w.shape[-1]), x.dtype)
  # One BLAS thread: between products the second one spins against the additions (on two
  # shared cores the loop measured 1.5-8x slower with two threads than with one).
  with blas_threads.one_thread():
    for i, tap in enumerate(np.ndindex(*w.shape[:nsp])):
      shift = sum(t * d * st for t, d, st in zip(tap, rhs_dilation, steps))
      np.matmul(flat[shift:shift + rows], w[tap], out=out[:rows] if i == 0 else part)
      if i:
        out[:rows] += part
  out = out.reshape(x.shape[:-1] + (w.shape[-1],))
  return out[(slice(None),) + tuple(slice(0, n) for n in out_space)]
