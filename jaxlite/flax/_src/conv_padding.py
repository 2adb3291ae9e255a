"""Padding logic shared by Linen's and NNX's convolution layers."""
from __future__ import annotations

import jaxlite.numpy as jnp


def wrap_circular_overhang(y, input_spatial, strides, transpose_kernel):
  """A full ("VALID") transposed convolution's output folded back onto the circular output:
  each spatial axis is padded to a multiple of ``input * stride`` and its periods summed."""
  scaled = [x * s for x, s in zip(input_spatial, strides)]
  diffs = [-(y_dim - x_dim) % (2 * x_dim) for y_dim, x_dim in zip(y.shape[1:-1], scaled)]
  if transpose_kernel:
    total_pad = [(d // 2, (d + 1) // 2) for d in diffs]
  else:
    total_pad = [((d + 1) // 2, d // 2) for d in diffs]
  y = jnp.pad(y, [(0, 0)] + total_pad + [(0, 0)])
  for i in range(1, y.ndim - 1):
    y = y.reshape(y.shape[:i] + (-1, scaled[i - 1]) + y.shape[i + 1:]).sum(axis=i)
  return y
