"""``flax.linen`` recurrent cells and the ``RNN``/``Bidirectional`` wrappers."""
import logging
from functools import partial

import numpy as np

import jaxlite
import jaxlite.numpy as jnp
from jaxlite import random
from jaxlite.flax._src.core.frozen_dict import FrozenDict
from jaxlite.flax._src.linen import initializers, transforms
from jaxlite.flax._src.linen.activation import sigmoid, tanh
from jaxlite.flax._src.linen.dtypes import promote_dtype
from jaxlite.flax._src.linen.linear import Conv, Dense, default_kernel_init
from jaxlite.flax._src.linen.module import Module, compact, nowrap

__all__ = ["RNNCellBase", "LSTMCell", "OptimizedLSTMCell", "SimpleCell", "GRUCell",
           "MGUCell", "ConvLSTMCell", "RNN", "Bidirectional", "flip_sequences"]


class RNNCellBase(Module):
  """Base class of the cells: ``cell(carry, x) -> (carry, y)``."""

  @nowrap
  def initialize_carry(self, rng, input_shape):
    raise NotImplementedError

  @property
  def num_feature_axes(self):
    raise NotImplementedError


def _two_carries(cell, rng, input_shape):
  key1, key2 = random.split(rng)
  mem_shape = input_shape[:-1] + (cell.features,)
  return (cell.carry_init(key1, mem_shape, cell.param_dtype),
          cell.carry_init(key2, mem_shape, cell.param_dtype))


def _one_carry(cell, rng, input_shape):
  return cell.carry_init(rng, input_shape[:-1] + (cell.features,), cell.param_dtype)


class LSTMCell(RNNCellBase):
  """LSTM; carry ``(c, h)``; params ``ii, if, ig, io`` (input) and ``hi, hf, hg, ho``."""
  features: int
  gate_fn: object = sigmoid
  activation_fn: object = tanh
  kernel_init: object = default_kernel_init
  recurrent_kernel_init: object = initializers.orthogonal()
  bias_init: object = initializers.zeros_init()
  dtype: object = None
  param_dtype: object = jnp.float32
  carry_init: object = initializers.zeros_init()

  @compact
  def __call__(self, carry, inputs):
    c, h = carry
    hidden = h.shape[-1]
    dense_h = partial(Dense, features=hidden, use_bias=True,
                      kernel_init=self.recurrent_kernel_init, bias_init=self.bias_init,
                      dtype=self.dtype, param_dtype=self.param_dtype)
    dense_i = partial(Dense, features=hidden, use_bias=False, kernel_init=self.kernel_init,
                      dtype=self.dtype, param_dtype=self.param_dtype)
    i = self.gate_fn(dense_i(name="ii")(inputs) + dense_h(name="hi")(h))
    f = self.gate_fn(dense_i(name="if")(inputs) + dense_h(name="hf")(h))
    g = self.activation_fn(dense_i(name="ig")(inputs) + dense_h(name="hg")(h))
    o = self.gate_fn(dense_i(name="io")(inputs) + dense_h(name="ho")(h))
    new_c = f * c + i * g
    new_h = o * self.activation_fn(new_c)
    return (new_c, new_h), new_h

  @nowrap
  def initialize_carry(self, rng, input_shape):
    return _two_carries(self, rng, input_shape)

  @property
  def num_feature_axes(self):
    return 1


class DenseParams(Module):
  """Only creates a Dense layer's parameters (OptimizedLSTMCell fuses the matmuls)."""
  features: int
  use_bias: bool = True
  param_dtype: object = jnp.float32
  precision: object = None
  kernel_init: object = default_kernel_init
  bias_init: object = initializers.zeros_init()

  @compact
  def __call__(self, inputs):
    k = self.param("kernel", self.kernel_init, (inputs.shape[-1], self.features),
                   self.param_dtype)
    b = self.param("bias", self.bias_init, (self.features,), self.param_dtype) \
        if self.use_bias else None
    return k, b


class OptimizedLSTMCell(RNNCellBase):
  """LSTMCell with the four gates computed by one concatenated matmul (same params)."""
  features: int
  gate_fn: object = sigmoid
  activation_fn: object = tanh
  kernel_init: object = default_kernel_init
  recurrent_kernel_init: object = initializers.orthogonal()
  bias_init: object = initializers.zeros_init()
  dtype: object = None
  param_dtype: object = jnp.float32
  carry_init: object = initializers.zeros_init()

  @compact
  def __call__(self, carry, inputs):
    c, h = carry
    hidden = h.shape[-1]

    def concat_dense(inputs, params, use_bias=True):
      kernels = [k for k, _ in params.values()]
      kernel = jnp.concatenate(kernels, axis=-1)
      bias = None
      if use_bias:
        if any(b is None for _, b in params.values()):
          raise ValueError("bias is None but use_bias is True.")
        bias = jnp.concatenate([b for _, b in params.values()], axis=-1)
      inputs, kernel, bias = promote_dtype(inputs, kernel, bias, dtype=self.dtype)
      y = jnp.dot(inputs, kernel)
      if use_bias:
        y += jnp.reshape(bias, (1,) * (y.ndim - 1) + (-1,))
      ys = jnp.split(y, np.cumsum([k.shape[-1] for k in kernels[:-1]]), axis=-1)
      return dict(zip(params.keys(), ys))

    params_h, params_i = {}, {}
    for comp in ["i", "f", "g", "o"]:
      params_i[comp] = DenseParams(features=hidden, use_bias=False,
                                   param_dtype=self.param_dtype, kernel_init=self.kernel_init,
                                   bias_init=self.bias_init, name=f"i{comp}")(inputs)
      params_h[comp] = DenseParams(features=hidden, use_bias=True,
                                   param_dtype=self.param_dtype,
                                   kernel_init=self.recurrent_kernel_init,
                                   bias_init=self.bias_init, name=f"h{comp}")(h)
    dense_h = concat_dense(h, params_h, use_bias=True)
    dense_i = concat_dense(inputs, params_i, use_bias=False)
    i = self.gate_fn(dense_h["i"] + dense_i["i"])
    f = self.gate_fn(dense_h["f"] + dense_i["f"])
    g = self.activation_fn(dense_h["g"] + dense_i["g"])
    o = self.gate_fn(dense_h["o"] + dense_i["o"])
    new_c = f * c + i * g
    new_h = o * self.activation_fn(new_c)
    return (new_c, new_h), new_h

  @nowrap
  def initialize_carry(self, rng, input_shape):
    return _two_carries(self, rng, input_shape)

  @property
  def num_feature_axes(self):
    return 1


class SimpleCell(RNNCellBase):
  """``h' = activation(W_i x + b + W_h h)`` (params ``i`` and ``h``)."""
  features: int
  activation_fn: object = tanh
  kernel_init: object = default_kernel_init
  recurrent_kernel_init: object = initializers.orthogonal()
  bias_init: object = initializers.zeros_init()
  dtype: object = None
  param_dtype: object = jnp.float32
  carry_init: object = initializers.zeros_init()
  residual: bool = False

  @compact
  def __call__(self, carry, inputs):
    hidden = carry.shape[-1]
    dense_h = partial(Dense, features=hidden, use_bias=False, dtype=self.dtype,
                      param_dtype=self.param_dtype, kernel_init=self.recurrent_kernel_init)
    dense_i = partial(Dense, features=hidden, use_bias=True, dtype=self.dtype,
                      param_dtype=self.param_dtype, kernel_init=self.kernel_init,
                      bias_init=self.bias_init)
    new_carry = dense_i(name="i")(inputs) + dense_h(name="h")(carry)
    if self.residual:
      new_carry += carry
    new_carry = self.activation_fn(new_carry)
    return new_carry, new_carry

  @nowrap
  def initialize_carry(self, rng, input_shape):
    return _one_carry(self, rng, input_shape)

  @property
  def num_feature_axes(self):
    return 1


class GRUCell(RNNCellBase):
  """GRU; params ``ir, iz, in`` (input, with bias) and ``hr, hz, hn`` (hidden)."""
  features: int
  gate_fn: object = sigmoid
  activation_fn: object = tanh
  kernel_init: object = default_kernel_init
  recurrent_kernel_init: object = initializers.orthogonal()
  bias_init: object = initializers.zeros_init()
  dtype: object = None
  param_dtype: object = jnp.float32
  carry_init: object = initializers.zeros_init()

  @compact
  def __call__(self, carry, inputs):
    h = carry
    hidden = h.shape[-1]
    dense_h = partial(Dense, features=hidden, use_bias=False, dtype=self.dtype,
                      param_dtype=self.param_dtype, kernel_init=self.recurrent_kernel_init,
                      bias_init=self.bias_init)
    dense_i = partial(Dense, features=hidden, use_bias=True, dtype=self.dtype,
                      param_dtype=self.param_dtype, kernel_init=self.kernel_init,
                      bias_init=self.bias_init)
    r = self.gate_fn(dense_i(name="ir")(inputs) + dense_h(name="hr")(h))
    z = self.gate_fn(dense_i(name="iz")(inputs) + dense_h(name="hz")(h))
    n = self.activation_fn(dense_i(name="in")(inputs) + r * dense_h(name="hn", use_bias=True)(h))
    new_h = (1.0 - z) * n + z * h
    return new_h, new_h

  @nowrap
  def initialize_carry(self, rng, input_shape):
    return _one_carry(self, rng, input_shape)

  @property
  def num_feature_axes(self):
    return 1


class MGUCell(RNNCellBase):
  """Minimal gated unit; params ``if, in`` (input) and ``hf, hn`` (hidden)."""
  features: int
  gate_fn: object = sigmoid
  activation_fn: object = tanh
  kernel_init: object = default_kernel_init
  recurrent_kernel_init: object = initializers.orthogonal()
  forget_bias_init: object = initializers.ones_init()
  activation_bias_init: object = initializers.zeros_init()
  dtype: object = None
  param_dtype: object = jnp.float32
  carry_init: object = initializers.zeros_init()
  reset_gate: bool = True

  @compact
  def __call__(self, carry, inputs):
    h = carry
    hidden = h.shape[-1]
    dense_h = partial(Dense, features=hidden, use_bias=False, dtype=self.dtype,
                      param_dtype=self.param_dtype, kernel_init=self.recurrent_kernel_init,
                      bias_init=self.activation_bias_init)
    dense_i = partial(Dense, features=hidden, use_bias=True, dtype=self.dtype,
                      param_dtype=self.param_dtype, kernel_init=self.kernel_init)
    f = self.gate_fn(dense_i(name="if", bias_init=self.forget_bias_init)(inputs)
                     + dense_h(name="hf")(h))
    x = dense_h(name="hn", use_bias=self.reset_gate)(h)
    if self.reset_gate:
      x *= f
    n = self.activation_fn(dense_i(name="in", bias_init=self.activation_bias_init)(inputs) + x)
    new_h = (1.0 - f) * n + f * h
    return new_h, new_h

  @nowrap
  def initialize_carry(self, rng, input_shape):
    return _one_carry(self, rng, input_shape)

  @property
  def num_feature_axes(self):
    return 1


class ConvLSTMCell(RNNCellBase):
  """Convolutional LSTM (params ``ih`` and ``hh``, each a Conv with 4*features)."""
  features: int
  kernel_size: tuple
  strides: object = None
  padding: object = "SAME"
  use_bias: bool = True
  dtype: object = None
  param_dtype: object = jnp.float32
  carry_init: object = initializers.zeros_init()

  @compact
  def __call__(self, carry, inputs):
    c, h = carry
    conv = partial(Conv, features=4 * self.features, kernel_size=self.kernel_size,
                   strides=self.strides, padding=self.padding, use_bias=self.use_bias,
                   dtype=self.dtype, param_dtype=self.param_dtype)
    gates = conv(name="ih")(inputs) + conv(name="hh")(h)
    i, g, f, o = jnp.split(gates, indices_or_sections=4, axis=-1)
    f = sigmoid(f + 1)
    new_c = f * c + sigmoid(i) * jnp.tanh(g)
    new_h = sigmoid(o) * jnp.tanh(new_c)
    return (new_c, new_h), new_h

  @nowrap
  def initialize_carry(self, rng, input_shape):
    signal_dims = input_shape[-self.num_feature_axes:-1]
    batch_dims = input_shape[:-self.num_feature_axes]
    key1, key2 = random.split(rng)
    mem_shape = batch_dims + signal_dims + (self.features,)
    return (self.carry_init(key1, mem_shape, self.param_dtype),
            self.carry_init(key2, mem_shape, self.param_dtype))

  @property
  def num_feature_axes(self):
    return len(self.kernel_size) + 1


class RNN(Module):
  """Runs ``cell`` over the time axis with ``nn.scan`` (params shared across steps)."""
  cell: RNNCellBase
  time_major: bool = False
  return_carry: bool = False
  reverse: bool = False
  keep_order: bool = False
  unroll: int = 1
  variable_axes: object = FrozenDict()
  variable_broadcast: object = "params"
  variable_carry: object = False
  split_rngs: object = FrozenDict({"params": False})

  def __call__(self, inputs, *, initial_carry=None, init_key=None, seq_lengths=None,
               return_carry=None, time_major=None, reverse=None, keep_order=None):
    return_carry = self.return_carry if return_carry is None else return_carry
    time_major = self.time_major if time_major is None else time_major
    reverse = self.reverse if reverse is None else reverse
    keep_order = self.keep_order if keep_order is None else keep_order
    time_axis = 0 if time_major else inputs.ndim - (self.cell.num_feature_axes + 1)
    if time_axis < 0:
      time_axis += inputs.ndim
    batch_dims = (inputs.shape[1:-self.cell.num_feature_axes] if time_major
                  else inputs.shape[:time_axis])
    if reverse:
      inputs = jaxlite.tree_util.tree_map(
          lambda x: flip_sequences(x, seq_lengths, num_batch_dims=len(batch_dims),
                                   time_major=time_major), inputs)
    if initial_carry is None:
      if init_key is None:
        init_key = random.key(0)
      input_shape = inputs.shape[:time_axis] + inputs.shape[time_axis + 1:]
      carry = self.cell.initialize_carry(init_key, input_shape)
    else:
      carry = initial_carry
    slice_carry = seq_lengths is not None and return_carry

    def scan_fn(cell, carry, x):
      carry, y = cell(carry, x)
      return (carry, (carry, y)) if slice_carry else (carry, y)

    scan = transforms.scan(
        scan_fn, in_axes=time_axis, out_axes=(0, time_axis) if slice_carry else time_axis,
        unroll=self.unroll, variable_axes=self.variable_axes,
        variable_broadcast=self.variable_broadcast, variable_carry=self.variable_carry,
        split_rngs=self.split_rngs)
    scan_output = scan(self.cell, carry, inputs)
    if slice_carry:
      _, (carries, outputs) = scan_output
      carry = _select_last_carry(carries, seq_lengths)
    else:
      carry, outputs = scan_output
    if reverse and keep_order:
      outputs = jaxlite.tree_util.tree_map(
          lambda x: flip_sequences(x, seq_lengths, num_batch_dims=len(batch_dims),
                                   time_major=time_major), outputs)
    return (carry, outputs) if return_carry else outputs


def _select_last_carry(sequence, seq_lengths):
  last_idx = seq_lengths - 1
  return jaxlite.tree_util.tree_map(lambda x: x[last_idx, jnp.arange(x.shape[1])], sequence)


def flip_sequences(inputs, seq_lengths, num_batch_dims, time_major):
  """Reverses each sequence along time, only its first ``seq_lengths`` steps if given."""
  time_axis = 0 if time_major else num_batch_dims
  max_steps = inputs.shape[time_axis]
  if seq_lengths is None:
    return jnp.flip(inputs, axis=time_axis)
  seq_lengths = jnp.expand_dims(seq_lengths, axis=time_axis)
  idxs = jnp.arange(max_steps - 1, -1, -1)
  if time_major:
    idxs = jnp.reshape(idxs, [max_steps] + [1] * num_batch_dims)
  else:
    idxs = jnp.reshape(idxs, [1] * num_batch_dims + [max_steps])
  idxs = (idxs + seq_lengths) % max_steps
  idxs = idxs.reshape(list(idxs.shape) + [1] * (inputs.ndim - idxs.ndim))
  return jnp.take_along_axis(inputs, idxs, axis=time_axis)


def _concatenate(a, b):
  return jnp.concatenate([a, b], axis=-1)


class Bidirectional(Module):
  """A forward and a backward RNN over the same inputs, outputs merged by ``merge_fn``."""
  forward_rnn: object
  backward_rnn: object
  merge_fn: object = _concatenate
  time_major: bool = False
  return_carry: bool = False

  def __call__(self, inputs, *, initial_carry=None, init_key=None, seq_lengths=None,
               return_carry=None, time_major=None, reverse=None, keep_order=None):
    time_major = self.time_major if time_major is None else time_major
    return_carry = self.return_carry if return_carry is None else return_carry
    if init_key is not None:
      key_forward, key_backward = random.split(init_key)
    else:
      key_forward = key_backward = None
    if initial_carry is not None:
      carry_fwd0, carry_bwd0 = initial_carry
    else:
      carry_fwd0 = carry_bwd0 = None
    if self.forward_rnn is self.backward_rnn:
      logging.warning("forward_rnn and backward_rnn is the same object, so they will share "
                      "parameters.")
    carry_forward, outputs_forward = self.forward_rnn(
        inputs, initial_carry=carry_fwd0, init_key=key_forward, seq_lengths=seq_lengths,
        return_carry=True, time_major=time_major, reverse=False)
    carry_backward, outputs_backward = self.backward_rnn(
        inputs, initial_carry=carry_bwd0, init_key=key_backward, seq_lengths=seq_lengths,
        return_carry=True, time_major=time_major, reverse=True, keep_order=True)
    outputs = jaxlite.tree_util.tree_map(self.merge_fn, outputs_forward, outputs_backward)
    carry = (carry_forward, carry_backward)
    return (carry, outputs) if return_carry else outputs
