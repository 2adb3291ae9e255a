"""Recurrent cells (LSTMCell, OptimizedLSTMCell, GRUCell, SimpleCell) and the ``RNN`` /
``Bidirectional`` layers that scan a cell over time."""
from __future__ import annotations

import functools
from types import MappingProxyType

from jaxlite import numpy as jnp
from jaxlite import tree_util as jtu
from jaxlite.flax._src.nnx import filterlib, rnglib
from jaxlite.flax._src.nnx.iteration import Carry, StateAxes, scan
from jaxlite.flax._src.nnx.module import Module
from jaxlite.flax._src.nnx.nn import dtypes, initializers
from jaxlite.flax._src.nnx.nn.activations import sigmoid, tanh
from jaxlite.flax._src.nnx.nn.linear import Linear
from jaxlite.flax._src.nnx.pytreelib import data
from jaxlite.flax._src.nnx.rnglib import RngState, split_rngs

default_kernel_init = initializers.lecun_normal()
default_bias_init = initializers.zeros_init()
_NO_METADATA = MappingProxyType({})


def modified_orthogonal(key, shape, dtype=jnp.float32):
  return initializers.orthogonal()(key, shape).astype(dtype)


class RNNCellBase(Module):
  """A cell maps ``(carry, inputs)`` to ``(new_carry, outputs)`` for one time step."""

  def initialize_carry(self, input_shape, rngs=None, carry_init=None):
    raise NotImplementedError

  def __call__(self, carry, inputs):
    raise NotImplementedError

  @property
  def num_feature_axes(self) -> int:
    return 1

  def _carry_parts(self, input_shape, rngs, carry_init, count):
    if rngs is None:
      rngs = self.rngs
    if isinstance(rngs, rnglib.Rngs):
      rngs = rngs.carry
    if rngs is None:
      raise ValueError("RNGs must be provided to initialize the cell carry.")
    init = carry_init or self.carry_init or initializers.zeros_init()
    shape = tuple(input_shape[:-1]) + (self.hidden_features,)
    return [init(rngs(), shape, self.param_dtype) for _ in range(count)]


def _cell_common(cell, in_features, hidden_features, dtype, param_dtype, promote_dtype,
                 keep_rngs, rngs, carry_init):
  cell.in_features = in_features
  cell.hidden_features = hidden_features
  cell.dtype = dtype
  cell.param_dtype = param_dtype
  cell.promote_dtype = promote_dtype
  cell.rngs = rngs.carry.fork() if keep_rngs else data(None)
  cell.carry_init = carry_init


class LSTMCell(RNNCellBase):
  """Long short-term memory cell with separate input and recurrent Linears per gate."""

  def __init__(self, in_features: int, hidden_features: int, *, gate_fn=sigmoid,
               activation_fn=tanh, kernel_init=default_kernel_init,
               recurrent_kernel_init=modified_orthogonal, bias_init=initializers.zeros_init(),
               dtype=None, param_dtype=jnp.float32, carry_init=None,
               promote_dtype=dtypes.promote_dtype, keep_rngs: bool = False, rngs,
               kernel_metadata=_NO_METADATA, recurrent_kernel_metadata=_NO_METADATA,
               bias_metadata=_NO_METADATA):
    _cell_common(self, in_features, hidden_features, dtype, param_dtype, promote_dtype,
                 keep_rngs, rngs, carry_init)
    self.gate_fn = gate_fn
    self.activation_fn = activation_fn
    dense_i = functools.partial(
        Linear, in_features=in_features, out_features=hidden_features, use_bias=False,
        kernel_init=kernel_init, dtype=dtype, param_dtype=param_dtype,
        promote_dtype=promote_dtype, rngs=rngs, kernel_metadata=kernel_metadata)
    dense_h = functools.partial(
        Linear, in_features=hidden_features, out_features=hidden_features, use_bias=True,
        kernel_init=recurrent_kernel_init, bias_init=bias_init, dtype=dtype,
        param_dtype=param_dtype, promote_dtype=promote_dtype, rngs=rngs,
        kernel_metadata=recurrent_kernel_metadata, bias_metadata=bias_metadata)
    # Creation order fixes which key each kernel gets: inputs first, then recurrent.
    self.ii, self.if_, self.ig, self.io = dense_i(), dense_i(), dense_i(), dense_i()
    self.hi, self.hf, self.hg, self.ho = dense_h(), dense_h(), dense_h(), dense_h()

  def __call__(self, carry, inputs):
    c, h = carry
    i = self.gate_fn(self.ii(inputs) + self.hi(h))
    f = self.gate_fn(self.if_(inputs) + self.hf(h))
    g = self.activation_fn(self.ig(inputs) + self.hg(h))
    o = self.gate_fn(self.io(inputs) + self.ho(h))
    new_c = f * c + i * g
    new_h = o * self.activation_fn(new_c)
    return (new_c, new_h), new_h

  def initialize_carry(self, input_shape, rngs=None, carry_init=None):
    return tuple(self._carry_parts(input_shape, rngs, carry_init, 2))


class OptimizedLSTMCell(RNNCellBase):
  """LSTM cell computing all four gates with one input and one recurrent Linear."""

  def __init__(self, in_features: int, hidden_features: int, *, gate_fn=sigmoid,
               activation_fn=tanh, kernel_init=default_kernel_init,
               recurrent_kernel_init=initializers.orthogonal(),
               bias_init=initializers.zeros_init(), dtype=None, param_dtype=jnp.float32,
               carry_init=None, promote_dtype=dtypes.promote_dtype, keep_rngs: bool = False,
               rngs, kernel_metadata=_NO_METADATA, recurrent_kernel_metadata=_NO_METADATA,
               bias_metadata=_NO_METADATA):
    _cell_common(self, in_features, hidden_features, dtype, param_dtype, promote_dtype,
                 keep_rngs, rngs, carry_init)
    self.gate_fn = gate_fn
    self.activation_fn = activation_fn
    self.dense_i = Linear(in_features, 4 * hidden_features, use_bias=False,
                          kernel_init=kernel_init, dtype=dtype, param_dtype=param_dtype,
                          promote_dtype=promote_dtype, rngs=rngs,
                          kernel_metadata=kernel_metadata)
    self.dense_h = Linear(hidden_features, 4 * hidden_features, use_bias=True,
                          kernel_init=recurrent_kernel_init, bias_init=bias_init, dtype=dtype,
                          param_dtype=param_dtype, promote_dtype=promote_dtype, rngs=rngs,
                          kernel_metadata=recurrent_kernel_metadata,
                          bias_metadata=bias_metadata)

  def __call__(self, carry, inputs):
    c, h = carry
    i, f, g, o = jnp.split(self.dense_i(inputs) + self.dense_h(h), 4, axis=-1)
    new_c = self.gate_fn(f) * c + self.gate_fn(i) * self.activation_fn(g)
    new_h = self.gate_fn(o) * self.activation_fn(new_c)
    return (new_c, new_h), new_h

  def initialize_carry(self, input_shape, rngs=None, carry_init=None):
    return tuple(self._carry_parts(input_shape, rngs, carry_init, 2))


class SimpleCell(RNNCellBase):
  """``h' = activation(W_i x + b + W_h h)`` (plus ``h`` when ``residual``)."""

  def __init__(self, in_features: int, hidden_features: int, *, dtype=jnp.float32,
               param_dtype=jnp.float32, carry_init=None, residual: bool = False,
               activation_fn=tanh, kernel_init=initializers.lecun_normal(),
               recurrent_kernel_init=initializers.orthogonal(),
               bias_init=initializers.zeros_init(), promote_dtype=dtypes.promote_dtype,
               keep_rngs: bool = False, rngs, kernel_metadata=_NO_METADATA,
               recurrent_kernel_metadata=_NO_METADATA, bias_metadata=_NO_METADATA):
    _cell_common(self, in_features, hidden_features, dtype, param_dtype, promote_dtype,
                 keep_rngs, rngs, carry_init)
    self.residual = residual
    self.activation_fn = activation_fn
    self.dense_h = Linear(hidden_features, hidden_features, use_bias=False, dtype=dtype,
                          param_dtype=param_dtype, kernel_init=recurrent_kernel_init,
                          promote_dtype=promote_dtype, rngs=rngs,
                          kernel_metadata=recurrent_kernel_metadata)
    self.dense_i = Linear(in_features, hidden_features, use_bias=True, dtype=dtype,
                          param_dtype=param_dtype, kernel_init=kernel_init,
                          bias_init=bias_init, promote_dtype=promote_dtype, rngs=rngs,
                          kernel_metadata=kernel_metadata, bias_metadata=bias_metadata)

  def __call__(self, carry, inputs):
    new_carry = self.dense_i(inputs) + self.dense_h(carry)
    if self.residual:
      new_carry += carry
    new_carry = self.activation_fn(new_carry)
    return new_carry, new_carry

  def initialize_carry(self, input_shape, rngs=None, carry_init=None):
    return self._carry_parts(input_shape, rngs, carry_init, 1)[0]


class GRUCell(RNNCellBase):
  """Gated recurrent unit cell."""

  def __init__(self, in_features: int, hidden_features: int, *, gate_fn=sigmoid,
               activation_fn=tanh, kernel_init=default_kernel_init,
               recurrent_kernel_init=initializers.orthogonal(),
               bias_init=initializers.zeros_init(), dtype=None, param_dtype=jnp.float32,
               carry_init=None, promote_dtype=dtypes.promote_dtype, keep_rngs: bool = False,
               rngs, kernel_metadata=_NO_METADATA, recurrent_kernel_metadata=_NO_METADATA,
               bias_metadata=_NO_METADATA):
    _cell_common(self, in_features, hidden_features, dtype, param_dtype, promote_dtype,
                 keep_rngs, rngs, carry_init)
    self.gate_fn = gate_fn
    self.activation_fn = activation_fn
    self.dense_i = Linear(in_features, 3 * hidden_features, use_bias=True,
                          kernel_init=kernel_init, bias_init=bias_init, dtype=dtype,
                          param_dtype=param_dtype, promote_dtype=promote_dtype, rngs=rngs,
                          kernel_metadata=kernel_metadata, bias_metadata=bias_metadata)
    self.dense_h = Linear(hidden_features, 3 * hidden_features, use_bias=False,
                          kernel_init=recurrent_kernel_init, dtype=dtype,
                          param_dtype=param_dtype, promote_dtype=promote_dtype, rngs=rngs,
                          kernel_metadata=recurrent_kernel_metadata)

  def __call__(self, carry, inputs):
    h = carry
    xi_r, xi_z, xi_n = jnp.split(self.dense_i(inputs), 3, axis=-1)
    hh_r, hh_z, hh_n = jnp.split(self.dense_h(h), 3, axis=-1)
    r = self.gate_fn(xi_r + hh_r)
    z = self.gate_fn(xi_z + hh_z)
    n = self.activation_fn(xi_n + r * hh_n)
    new_h = (1.0 - z) * n + z * h
    return new_h, new_h

  def initialize_carry(self, input_shape, rngs=None, carry_init=None):
    return self._carry_parts(input_shape, rngs, carry_init, 1)[0]


def flip_sequences(inputs, seq_lengths, num_batch_dims, time_major):
  """Reverse each sequence along time, only over its first ``seq_lengths`` steps."""
  time_axis = 0 if time_major else num_batch_dims
  max_steps = inputs.shape[time_axis]
  if seq_lengths is None:
    return jnp.flip(inputs, axis=time_axis)
  seq_lengths = jnp.expand_dims(seq_lengths, axis=time_axis)
  idxs = jnp.arange(max_steps - 1, -1, -1)
  shape = [max_steps] + [1] * num_batch_dims if time_major else \
      [1] * num_batch_dims + [max_steps]
  idxs = (jnp.reshape(idxs, shape) + seq_lengths) % max_steps
  idxs = idxs.reshape(list(idxs.shape) + [1] * (inputs.ndim - idxs.ndim))
  return jnp.take_along_axis(inputs, idxs, axis=time_axis)


def _select_last_carry(sequence, seq_lengths):
  last = seq_lengths - 1
  return jtu.tree_map(lambda x: x[last, jnp.arange(x.shape[1])], sequence)


class RNN(Module):
  """Scan a cell over the time axis of ``inputs`` (``[batch, time, features]`` unless
  ``time_major``)."""

  def __init__(self, cell, *, time_major: bool = False, return_carry: bool = False,
               reverse: bool = False, keep_order: bool = False, unroll: int = 1,
               state_axes=None, broadcast_rngs=None, rngs=True):
    self.cell = cell
    self.time_major = time_major
    self.return_carry = return_carry
    self.reverse = reverse
    self.keep_order = keep_order
    self.unroll = unroll
    if rngs is True:
      self.rngs = rnglib.RngStream(0, tag="carry")
    elif isinstance(rngs, rnglib.Rngs):
      self.rngs = rngs.carry.fork()
    elif rngs is False:
      self.rngs = data(None)
    else:
      raise ValueError("Expected rngs to be a jax.Array, int, Rngs, or bool. Got "
                       f"{type(rngs)}.")
    self.state_axes = state_axes or StateAxes({...: Carry})
    self.broadcast_rngs = broadcast_rngs

  def __call__(self, inputs, *, initial_carry=None, seq_lengths=None, return_carry=None,
               time_major=None, reverse=None, keep_order=None, rngs=None):
    return_carry = self.return_carry if return_carry is None else return_carry
    time_major = self.time_major if time_major is None else time_major
    reverse = self.reverse if reverse is None else reverse
    keep_order = self.keep_order if keep_order is None else keep_order
    time_axis = 0 if time_major else inputs.ndim - (self.cell.num_feature_axes + 1)
    if time_axis < 0:
      time_axis += inputs.ndim
    batch_dims = inputs.shape[1:-self.cell.num_feature_axes] if time_major else \
        inputs.shape[:time_axis]
    if reverse:
      inputs = flip_sequences(inputs, seq_lengths, len(batch_dims), time_major)
    if rngs is None:
      rngs = self.rngs
    if isinstance(rngs, rnglib.Rngs):
      rngs = rngs.carry.fork()
    carry = initial_carry
    if carry is None:
      carry = self.cell.initialize_carry(inputs.shape[:time_axis] + inputs.shape[time_axis + 1:],
                                         rngs)
    slice_carry = seq_lengths is not None and return_carry
    items = dict(self.state_axes.items()) if isinstance(self.state_axes, StateAxes) else \
        dict(self.state_axes)
    state_axes = StateAxes({filterlib.All(RngState, self.broadcast_rngs): None, **items})

    @split_rngs(splits=1, only=self.broadcast_rngs, squeeze=True)
    @functools.partial(scan, in_axes=(state_axes, Carry, time_axis),
                       out_axes=(Carry, (0, time_axis)) if slice_carry else (Carry, time_axis),
                       unroll=self.unroll)
    def scan_fn(cell, carry, x):
      carry, y = cell(carry, x)
      return (carry, (carry, y)) if slice_carry else (carry, y)

    out = scan_fn(self.cell, carry, inputs)
    if slice_carry:
      _, (carries, outputs) = out
      carry = _select_last_carry(carries, seq_lengths)
    else:
      carry, outputs = out
    if reverse and keep_order:
      outputs = flip_sequences(outputs, seq_lengths, len(batch_dims), time_major)
    return (carry, outputs) if return_carry else outputs


def _concatenate(a, b):
  return jnp.concatenate([a, b], axis=-1)


class Bidirectional(Module):
  """Run one RNN forward and one backward over the sequence and merge their outputs."""

  def __init__(self, forward_rnn, backward_rnn, *, merge_fn=_concatenate,
               time_major: bool = False, return_carry: bool = False, rngs=True):
    self.forward_rnn = forward_rnn
    self.backward_rnn = backward_rnn
    self.merge_fn = merge_fn
    self.time_major = time_major
    self.return_carry = return_carry
    if rngs is True:
      self.rngs = rnglib.RngStream(0, tag="carry")
    elif rngs is False:
      self.rngs = None
    elif isinstance(rngs, rnglib.Rngs):
      self.rngs = rngs.carry.fork()
    elif isinstance(rngs, rnglib.RngStream):
      self.rngs = rngs
    else:
      raise TypeError(f"rngs must be a Rngs, jax.Array, int, or bool, but got {type(rngs)}.")

  def __call__(self, inputs, *, initial_carry=None, rngs=None, seq_lengths=None,
               return_carry=None, time_major=None, reverse=None, keep_order=None):
    time_major = self.time_major if time_major is None else time_major
    return_carry = self.return_carry if return_carry is None else return_carry
    if rngs is None:
      rngs = self.rngs
    if isinstance(rngs, rnglib.Rngs):
      rngs = rngs.carry
    fwd_init, bwd_init = initial_carry if initial_carry is not None else (None, None)
    carry_f, out_f = self.forward_rnn(inputs, initial_carry=fwd_init, rngs=rngs,
                                      seq_lengths=seq_lengths, return_carry=True,
                                      time_major=time_major, reverse=False)
    carry_b, out_b = self.backward_rnn(inputs, initial_carry=bwd_init, rngs=rngs,
                                       seq_lengths=seq_lengths, return_carry=True,
                                       time_major=time_major, reverse=True, keep_order=True)
    outputs = jtu.tree_map(self.merge_fn, out_f, out_b)
    return ((carry_f, carry_b), outputs) if return_carry else outputs

