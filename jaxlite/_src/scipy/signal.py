"""``jax.scipy.signal``: N-d convolution and correlation (direct, through
``lax.conv_general_dilated``, or by FFT) and detrend."""
from __future__ import annotations

import numpy as np

from jaxlite import lax
from jaxlite import numpy as jnp
from jaxlite._src.numpy import util

__all__ = ["convolve", "convolve2d", "correlate", "correlate2d", "detrend", "fftconvolve"]

_MODES = ("full", "same", "valid")


def _check_mode(mode):
  if mode not in _MODES:
    raise ValueError("mode must be one of ['full', 'same', 'valid']")


def _one_fits_in_other(s1, s2, message):
  """(swap, ok): whether in2 is the larger input in every dimension."""
  smaller = all(a >= b for a, b in zip(s1, s2))
  larger = all(a <= b for a, b in zip(s1, s2))
  if not (smaller or larger):
    raise ValueError(message)
  return larger


def _convolve_nd(in1, in2, mode, precision):
  _check_mode(mode)
  util.check_arraylike("convolve", in1, in2)
  in1, in2 = jnp.asarray(in1), jnp.asarray(in2)
  if in1.ndim != in2.ndim:
    raise ValueError("in1 and in2 must have the same number of dimensions")
  if in1.size == 0 or in2.size == 0:
    raise ValueError("zero-size arrays not supported in convolutions, got shapes "
                     f"{in1.shape} and {in2.shape}.")
  in1, in2 = util.promote_dtypes_inexact(in1, in2)
  # 'same' centres the output on in1 as given, even when the inputs are swapped below.
  original = in2.shape
  if _one_fits_in_other(in1.shape, in2.shape,
                        "One input must be smaller than the other in every dimension."):
    in1, in2 = in2, in1
  kernel = in2.shape
  if mode == "valid":
    padding = [(0, 0)] * len(kernel)
  elif mode == "same":
    padding = [(k - 1 - (o - 1) // 2, k - o + (o - 1) // 2) for k, o in zip(kernel, original)]
  else:
    padding = [(k - 1, k - 1) for k in kernel]
  out = lax.conv_general_dilated(in1[None, None], jnp.flip(in2)[None, None],
                                 (1,) * len(kernel), padding, precision=precision)
  return out[0, 0]


def convolve(in1, in2, mode="full", method="auto", precision=None):
  """N-d convolution of two arrays of the same rank."""
  if method == "fft":
    return fftconvolve(in1, in2, mode=mode)
  if method in ("direct", "auto"):
    return _convolve_nd(in1, in2, mode, precision)
  raise ValueError(f"Got method={method!r}; expected 'auto', 'fft', or 'direct'.")


def correlate(in1, in2, mode="full", method="auto", precision=None):
  """N-d cross-correlation: convolution with the flipped conjugate of ``in2``."""
  return convolve(in1, jnp.flip(jnp.conj(jnp.asarray(in2))), mode, method=method,
                  precision=precision)


def _check_2d(name, in1, in2, boundary, fillvalue):
  if boundary != "fill" or fillvalue != 0:
    raise NotImplementedError(f"{name}() only supports boundary='fill', fillvalue=0")
  if np.ndim(in1) != 2 or np.ndim(in2) != 2:
    raise ValueError(f"{name}() only supports 2-dimensional inputs.")


def convolve2d(in1, in2, mode="full", boundary="fill", fillvalue=0, precision=None):
  """2-D convolution (zero fill at the boundary only)."""
  _check_2d("convolve2d", in1, in2, boundary, fillvalue)
  return _convolve_nd(in1, in2, mode, precision)


def correlate2d(in1, in2, mode="full", boundary="fill", fillvalue=0, precision=None):
  """2-D cross-correlation (zero fill at the boundary only), SciPy's output alignment."""
  _check_2d("correlate2d", in1, in2, boundary, fillvalue)
  in1, in2 = jnp.asarray(in1), jnp.asarray(in2)
  swap = all(a <= b for a, b in zip(in1.shape, in2.shape))
  same_shape = in1.shape == in2.shape
  # correlate(a, b) is flip(convolve(flip(a), conj(b))); when b is the larger input SciPy
  # swaps the roles, which gives convolve(flip(b), conj(a)) (conjugated in 'full' mode).
  if mode == "same" or not swap or (mode == "valid" and same_shape):
    return jnp.flip(_convolve_nd(jnp.flip(in1), jnp.conj(in2), mode, precision))
  out = _convolve_nd(jnp.flip(in2), jnp.conj(in1), mode, precision)
  return out if mode == "valid" else jnp.conj(out)


def _fftconvolve_one(in1, in2, mode):
  full = tuple(a + b - 1 for a, b in zip(in1.shape, in2.shape))
  if mode == "valid" and _one_fits_in_other(
      in1.shape, in2.shape,
      "For 'valid' mode, One input must be at least as large as the other in every "
      "dimension."):
    in1, in2 = in2, in1
  if all(a == 1 or b == 1 for a, b in zip(in1.shape, in2.shape)):
    conv = in1 * in2
  else:
    complex_input = jnp.iscomplexobj(in1)
    fft = jnp.fft.fftn if complex_input else jnp.fft.rfftn
    ifft = jnp.fft.ifftn if complex_input else jnp.fft.irfftn
    conv = ifft(fft(in1, full) * fft(in2, full), full)
  if mode == "full":
    out_shape = full
  elif mode == "same":
    out_shape = in1.shape
  else:
    out_shape = tuple(a - b + 1 for a, b in zip(in1.shape, in2.shape))
  start = tuple((f - o) // 2 for f, o in zip(full, out_shape))
  return lax.dynamic_slice(conv, start, out_shape)


def fftconvolve(in1, in2, mode="full", axes=None):
  """Convolution by FFT; with ``axes``, the other axes are batch axes (vmapped)."""
  from jaxlite._src.api import vmap
  util.check_arraylike("fftconvolve", in1, in2)
  in1, in2 = util.promote_dtypes_inexact(in1, in2)
  if in1.ndim != in2.ndim:
    raise ValueError("in1 and in2 should have the same dimensionality")
  _check_mode(mode)

  def fn(a, b):
    return _fftconvolve_one(a, b, mode)
  if axes is None:
    return fn(in1, in2)
  axes = util.canonicalize_axes(tuple(axes) if np.ndim(axes) else (axes,), in1.ndim)
  mapped = sorted(set(range(in1.ndim)) - set(axes))
  if any(in1.shape[i] != in2.shape[i] for i in mapped):
    raise ValueError(f"mapped axes must have same shape; got in1.shape={in1.shape} "
                     f"in2.shape={in2.shape} axes={axes}")
  for ax in mapped:
    fn = vmap(fn, in_axes=ax, out_axes=ax)
  return fn(in1, in2)


def detrend(data, axis=-1, type="linear", bp=0, overwrite_data=None):  # noqa: A002
  """Remove the mean ('constant') or a least-squares line per segment ('linear')."""
  if overwrite_data is not None:
    raise NotImplementedError("overwrite_data argument not implemented.")
  if type not in ("constant", "linear"):
    raise ValueError("Trend type must be 'linear' or 'constant'.")
  data, = util.promote_dtypes_inexact(jnp.asarray(data))
  if type == "constant":
    return data - data.mean(axis, keepdims=True)
  from jaxlite._src.numpy import linalg
  n = data.shape[axis]
  breaks = np.sort(np.unique(np.r_[0, bp, n]))
  if breaks[0] < 0 or breaks[-1] > n:
    raise ValueError("Breakpoints must be non-negative and less than length of data along "
                     "given axis.")
  moved = jnp.moveaxis(data, axis, 0)
  shape = moved.shape
  flat = moved.reshape(n, -1)
  for lo, hi in zip(breaks[:-1], breaks[1:]):
    m = int(hi - lo)
    design = jnp.stack([jnp.ones(m, flat.dtype),
                        jnp.arange(1, m + 1, dtype=flat.dtype) / np.asarray(m, flat.dtype)], 1)
    coef = linalg.lstsq(design, flat[lo:hi])[0]
    flat = flat.at[lo:hi].add(-jnp.matmul(design, coef))
  return jnp.moveaxis(flat.reshape(shape), 0, axis)
