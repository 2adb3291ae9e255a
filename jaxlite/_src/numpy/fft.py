"""``jax.numpy.fft`` and the ``fft`` primitive (``jax.lax.fft``) on ``np.fft``.

The primitive transforms the trailing ``len(fft_lengths)`` axes; the jnp functions move the
requested axes there, crop or zero-pad to ``s``/``n`` and apply the ``norm`` scaling."""
from __future__ import annotations

import enum
import math
import operator

import numpy as np

from jaxlite._src import core
from jaxlite._src import dtypes
from jaxlite._src.core import ShapedArray
from jaxlite._src.interpreters import ad, batching
from jaxlite._src.interpreters.ad import Zero
from jaxlite._src.lax import lax
from jaxlite._src.numpy import util

__all__ = ["fft", "ifft", "rfft", "irfft", "fft2", "ifft2", "rfft2", "irfft2", "fftn", "ifftn",
           "rfftn", "irfftn", "hfft", "ihfft", "fftfreq", "rfftfreq", "fftshift", "ifftshift"]


class FftType(enum.IntEnum):
  """Which transform ``fft_p`` computes."""
  FFT = 0
  IFFT = 1
  RFFT = 2
  IRFFT = 3


_TYPE_NAMES = {"fft": FftType.FFT, "FFT": FftType.FFT, "ifft": FftType.IFFT,
               "IFFT": FftType.IFFT, "rfft": FftType.RFFT, "RFFT": FftType.RFFT,
               "irfft": FftType.IRFFT, "IRFFT": FftType.IRFFT}


def _complex_of(dt):
  dt = np.dtype(dt)
  return dt if dtypes.is_complex(dt) else dtypes.complex_dtype_for(dtypes.to_inexact_dtype(dt))


# ---------------------------------------------------------------------------
# The primitive

fft_p = core.Primitive("fft")


def _fft_impl(x, *, fft_type, fft_lengths):
  axes = tuple(range(x.ndim - len(fft_lengths), x.ndim))
  if fft_type == FftType.FFT:
    out, dt = np.fft.fftn(x, axes=axes), x.dtype
  elif fft_type == FftType.IFFT:
    out, dt = np.fft.ifftn(x, axes=axes), x.dtype
  elif fft_type == FftType.RFFT:
    out, dt = np.fft.rfftn(x, axes=axes), _complex_of(x.dtype)
  else:
    out, dt = np.fft.irfftn(x, s=fft_lengths, axes=axes), dtypes.real_dtype(x.dtype)
  return out.astype(dt, copy=False)


def _fft_abstract_eval(x, *, fft_type, fft_lengths):
  n = len(fft_lengths)
  if n > x.ndim:
    raise ValueError(f"FFT input shape {x.shape} must have at least as many input dimensions "
                     f"as fft_lengths {fft_lengths}.")
  minor = x.shape[x.ndim - n:]
  if fft_type == FftType.RFFT:
    if x.dtype not in (np.float32, np.float64):
      raise ValueError(f"RFFT input must be float32 or float64, got {x.dtype}")
    if minor != fft_lengths:
      raise ValueError(f"RFFT input shape {x.shape} minor dimensions must be equal to "
                       f"fft_lengths {fft_lengths}")
    shape = x.shape[:x.ndim - n] + fft_lengths[:-1] + (fft_lengths[-1] // 2 + 1,)
    dt = _complex_of(x.dtype)
  elif fft_type == FftType.IRFFT:
    if not dtypes.is_complex(x.dtype):
      raise ValueError(f"IRFFT input must be complex64 or complex128, got {x.dtype}")
    if minor[:-1] != fft_lengths[:-1]:
      raise ValueError(f"IRFFT input shape {x.shape} minor dimensions must be equal to all "
                       f"except the last fft_length, got fft_lengths={fft_lengths}")
    shape = x.shape[:x.ndim - n] + fft_lengths
    dt = dtypes.real_dtype(x.dtype)
  else:
    if not dtypes.is_complex(x.dtype):
      raise ValueError(f"FFT input must be complex64 or complex128, got {x.dtype}")
    if minor != fft_lengths:
      raise ValueError(f"FFT input shape {x.shape} minor dimensions must be equal to "
                       f"fft_lengths {fft_lengths}")
    shape, dt = x.shape, x.dtype
  return ShapedArray(shape, dt, x.weak_type)


fft_p.def_impl(_fft_impl)
fft_p.def_abstract_eval(_fft_abstract_eval)
fft_p.weak_type_rule = lambda flags, **_: flags[0]


def lax_fft(x, fft_type, fft_lengths):
  """``jax.lax.fft``: the transform ``fft_type`` over the trailing ``len(fft_lengths)`` axes."""
  if isinstance(fft_type, str):
    if fft_type not in _TYPE_NAMES:
      raise ValueError(f"Unknown FFT type '{fft_type}'")
    typ = _TYPE_NAMES[fft_type]
  elif isinstance(fft_type, FftType):
    typ = fft_type
  else:
    raise TypeError(f"Unknown FFT type value '{fft_type}'")
  dt = dtypes.dtype(x)
  if typ == FftType.RFFT:
    if dtypes.is_complex(dt):
      raise ValueError("only real valued inputs supported for rfft")
    x = lax.convert_element_type(x, dtypes.to_inexact_dtype(dt))
  else:
    x = lax.convert_element_type(x, _complex_of(dt))
  if len(fft_lengths) == 0:
    return x
  return fft_p.bind(x, fft_type=typ, fft_lengths=tuple(int(n) for n in fft_lengths))


def _hermitian_mask(m, n, dtype):
  """Weights of the stored half-spectrum entries: 1 for DC (and Nyquist if n is even), 2 for
  the others, whose mirrored partners are not stored."""
  mask = np.full((m,), 2.0, dtype)
  mask[0] = 1.0
  if n % 2 == 0:
    mask[-1] = 1.0
  return mask


def _fft_transpose(t, x, *, fft_type, fft_lengths):
  if type(t) is Zero:
    return [None]
  # The DFT matrix is symmetric, so FFT and IFFT are their own transposes.
  if fft_type in (FftType.FFT, FftType.IFFT):
    return [lax_fft(t, fft_type, fft_lengths)]
  size = math.prod(fft_lengths)
  if fft_type == FftType.RFFT:
    mask = _hermitian_mask(t.shape[-1], fft_lengths[-1], t.dtype)
    return [size * lax_fft(lax.conj(t) / mask, FftType.IRFFT, fft_lengths)]
  x = lax_fft(t, FftType.RFFT, fft_lengths)
  mask = _hermitian_mask(x.shape[-1], fft_lengths[-1], x.dtype)
  # JAX's convention for the cotangent of a real-to-complex map is conjugated.
  return [lax.conj(x * (mask / size).astype(x.dtype))]


ad.deflinear2(fft_p, _fft_transpose)


def _fft_batch(vals, dims, *, fft_type, fft_lengths):
  x, = vals
  return fft_p.bind(batching.moveaxis(x, dims[0], 0), fft_type=fft_type,
                    fft_lengths=fft_lengths), 0


batching.primitive_batchers[fft_p] = _fft_batch


# ---------------------------------------------------------------------------
# jnp.fft

def _jnp():
  import jaxlite.numpy as jnp
  return jnp


def _norm_factor(sizes, func_name, norm, dtype):
  if norm == "backward":
    return None
  if norm not in ("ortho", "forward"):
    raise ValueError(f'Invalid norm value {norm}; should be "backward","ortho" or "forward".')
  n = float(math.prod(sizes))
  factor = math.sqrt(n) if norm == "ortho" else n
  return np.asarray(factor if func_name.startswith("i") else 1 / factor, dtype)


def _fft_core(func_name, fft_type, a, s, axes, norm):
  jnp = _jnp()
  full_name = f"jax.numpy.fft.{func_name}"
  util.check_arraylike(full_name, a)
  arr = jnp.asarray(a)
  if s is not None:
    s = tuple(map(operator.index, s))
    if any(x <= 0 for x in s):
      raise ValueError("Shape should be positive.")
  if s is not None and axes is not None and len(s) != len(axes):
    raise ValueError("Shape and axes have different lengths.")
  orig_axes = axes
  if axes is None:
    axes = range(arr.ndim) if s is None else range(arr.ndim - len(s), arr.ndim)
  axes = tuple(axes)
  if len(axes) != len(set(axes)):
    raise ValueError(f"{full_name} does not support repeated axes. Got axes {axes}.")
  if orig_axes is not None:
    # The primitive transforms trailing axes only.
    axes = tuple(range(arr.ndim - len(axes), arr.ndim))
    arr = jnp.moveaxis(arr, orig_axes, axes)
  if s is not None:
    in_s = list(arr.shape)
    for axis, n in zip(axes, s):
      in_s[axis] = n
    if fft_type == FftType.IRFFT:
      in_s[-1] = in_s[-1] // 2 + 1
    arr = arr[tuple(slice(n) for n in in_s)]
    arr = jnp.pad(arr, [(0, n - m) for n, m in zip(in_s, arr.shape)])
  elif fft_type == FftType.IRFFT:
    s = [arr.shape[axis] for axis in axes[:-1]]
    if axes:
      s.append(max(0, 2 * (arr.shape[axes[-1]] - 1)))
  else:
    s = [arr.shape[axis] for axis in axes]
  out = lax_fft(arr, fft_type, tuple(s))
  if norm is not None:
    factor = _norm_factor(s, func_name, norm, out.dtype)
    if factor is not None:
      out = out * factor
  if orig_axes is not None:
    out = jnp.moveaxis(out, axes, orig_axes)
  return out


def fftn(a, s=None, axes=None, norm=None):
  return _fft_core("fftn", FftType.FFT, a, s, axes, norm)


def ifftn(a, s=None, axes=None, norm=None):
  return _fft_core("ifftn", FftType.IFFT, a, s, axes, norm)


def rfftn(a, s=None, axes=None, norm=None):
  return _fft_core("rfftn", FftType.RFFT, a, s, axes, norm)


def irfftn(a, s=None, axes=None, norm=None):
  return _fft_core("irfftn", FftType.IRFFT, a, s, axes, norm)


def _axis_check_1d(func_name, axis):
  if isinstance(axis, (list, tuple)):
    full_name = f"jax.numpy.fft.{func_name}"
    raise ValueError(f"{full_name} does not support multiple axes. Please use {full_name}n. "
                     f"Got axis = {axis!r}.")


def _fft_core_1d(func_name, fft_type, a, n, axis, norm):
  _axis_check_1d(func_name, axis)
  return _fft_core(func_name, fft_type, a, None if n is None else [n],
                   None if axis is None else [axis], norm)


def fft(a, n=None, axis=-1, norm=None):
  return _fft_core_1d("fft", FftType.FFT, a, n, axis, norm)


def ifft(a, n=None, axis=-1, norm=None):
  return _fft_core_1d("ifft", FftType.IFFT, a, n, axis, norm)


def rfft(a, n=None, axis=-1, norm=None):
  return _fft_core_1d("rfft", FftType.RFFT, a, n, axis, norm)


def irfft(a, n=None, axis=-1, norm=None):
  return _fft_core_1d("irfft", FftType.IRFFT, a, n, axis, norm)


def hfft(a, n=None, axis=-1, norm=None):
  """The FFT of a Hermitian-symmetric signal given by its first half (a real spectrum)."""
  jnp = _jnp()
  conj_a = jnp.conj(a)
  _axis_check_1d("hfft", axis)
  nn = (conj_a.shape[axis] - 1) * 2 if n is None else n
  return _fft_core_1d("hfft", FftType.IRFFT, conj_a, n, axis, norm) * nn


def ihfft(a, n=None, axis=-1, norm=None):
  jnp = _jnp()
  _axis_check_1d("ihfft", axis)
  arr = jnp.asarray(a)
  nn = arr.shape[axis] if n is None else n
  out = _fft_core_1d("ihfft", FftType.RFFT, arr, n, axis, norm)
  return jnp.conj(out) * (1 / nn)


def _fft_core_2d(func_name, fft_type, a, s, axes, norm):
  if len(axes) != 2:
    raise ValueError(f"jax.numpy.fft.{func_name} only supports 2 axes. Got axes = {axes!r}.")
  return _fft_core(func_name, fft_type, a, s, axes, norm)


def fft2(a, s=None, axes=(-2, -1), norm=None):
  return _fft_core_2d("fft2", FftType.FFT, a, s, axes, norm)


def ifft2(a, s=None, axes=(-2, -1), norm=None):
  return _fft_core_2d("ifft2", FftType.IFFT, a, s, axes, norm)


def rfft2(a, s=None, axes=(-2, -1), norm=None):
  return _fft_core_2d("rfft2", FftType.RFFT, a, s, axes, norm)


def irfft2(a, s=None, axes=(-2, -1), norm=None):
  return _fft_core_2d("irfft2", FftType.IRFFT, a, s, axes, norm)


def _check_freq_args(name, n, d):
  if isinstance(n, (list, tuple)):
    raise ValueError(f"The n argument of jax.numpy.fft.{name} only takes an int. "
                     f"Got n = {list(n)}.")
  if isinstance(d, (list, tuple)):
    raise ValueError(f"The d argument of jax.numpy.fft.{name} only takes a single value. "
                     f"Got d = {list(d)}.")


def fftfreq(n, d=1.0, *, dtype=None, device=None):
  """Sample frequencies ``[0, 1, ..., -2, -1] / (d * n)`` of an n-point DFT."""
  jnp = _jnp()
  out_dtype = dtypes.canonicalize_dtype(dtype or dtypes.default_float_dtype())
  _check_freq_args("fftfreq", n, d)
  dt = dtypes.real_dtype(dtypes.to_inexact_dtype(out_dtype))
  i = jnp.arange(n, dtype=dt)
  k = (i + n // 2) % n - n // 2
  return (k / jnp.asarray(d * n, dtype=dt)).astype(out_dtype)


def rfftfreq(n, d=1.0, *, dtype=None, device=None):
  """Sample frequencies ``[0, 1, ..., n // 2] / (d * n)`` of an n-point real DFT."""
  jnp = _jnp()
  dt = dtypes.canonicalize_dtype(dtype or dtypes.default_float_dtype())
  _check_freq_args("rfftfreq", n, d)
  k = jnp.arange(0, n // 2 + 1, dtype=dt)
  return k / jnp.asarray(d * n, dtype=dt)


def _shift(x, axes, sign, name):
  jnp = _jnp()
  util.check_arraylike(name, x)
  x = jnp.asarray(x)
  if axes is None:
    axes = tuple(range(x.ndim))
    shift = [sign * (dim // 2) for dim in x.shape]
  elif isinstance(axes, int):
    shift = sign * (x.shape[axes] // 2)
  else:
    shift = [sign * (x.shape[ax] // 2) for ax in axes]
  return jnp.roll(x, shift, axes)


def fftshift(x, axes=None):
  """Move the zero-frequency term to the center."""
  return _shift(x, axes, 1, "fftshift")


def ifftshift(x, axes=None):
  return _shift(x, axes, -1, "ifftshift")
