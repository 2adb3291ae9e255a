"""Models shared by the parity test and fixtures/make_reference.py.

Each case takes the ``jax`` and ``flax.linen`` modules to use (the real ones when the
reference values are made, jaxlite's in the tests) and returns (variables, outputs).
"""


def _x(jax, shape, seed=1):
  return jax.random.normal(jax.random.PRNGKey(seed), shape)


def _init_apply(jax, model, *args, mutable=False, rngs=None, **kwargs):
  variables = model.init(jax.random.PRNGKey(0), *args, **kwargs)
  out = model.apply(variables, *args, mutable=mutable, rngs=rngs, **kwargs)
  return variables, out


def dense(jax, nn):
  return _init_apply(jax, nn.Dense(3), _x(jax, (2, 4)))


def dense_general(jax, nn):
  return _init_apply(jax, nn.DenseGeneral((2, 3), axis=(-2, -1)), _x(jax, (2, 3, 4)))


def einsum(jax, nn):
  return _init_apply(jax, nn.Einsum((4, 3), "abc,cd->abd"), _x(jax, (2, 3, 4)))


def conv(jax, nn):
  return _init_apply(jax, nn.Conv(3, (3, 3), strides=2, padding="SAME"), _x(jax, (1, 5, 5, 2)))


def conv_circular(jax, nn):
  return _init_apply(jax, nn.Conv(2, (3,), padding="CIRCULAR", use_bias=False),
                     _x(jax, (2, 6, 2)))


def conv_transpose(jax, nn):
  return _init_apply(jax, nn.ConvTranspose(3, (3,), strides=(2,)), _x(jax, (2, 5, 2)))


def conv_local(jax, nn):
  return _init_apply(jax, nn.ConvLocal(3, (3,)), _x(jax, (2, 5, 2)))


def embed(jax, nn):
  ids = jax.numpy.array([[0, 4, 2], [1, 1, 3]])
  model = nn.Embed(5, 3)
  variables, out = _init_apply(jax, model, ids)
  return variables, (out, model.apply(variables, _x(jax, (2, 3)), method="attend"))


def norms(jax, nn):
  x = _x(jax, (2, 3, 4))

  class Norms(nn.Module):
    @nn.compact
    def __call__(self, x):
      return (nn.LayerNorm()(x), nn.RMSNorm()(x), nn.GroupNorm(num_groups=2)(x),
              nn.InstanceNorm()(x), nn.LayerNorm(use_bias=False, reduction_axes=(1, 2))(x))
  return _init_apply(jax, Norms(), x)


def batch_norm(jax, nn):
  x = _x(jax, (4, 3))
  model = nn.BatchNorm(use_running_average=False, momentum=0.9)
  variables = model.init(jax.random.PRNGKey(0), x)
  out, updated = model.apply(variables, x, mutable=["batch_stats"])
  frozen = nn.BatchNorm(use_running_average=True).apply(
      {"params": variables["params"], **updated}, x)
  return variables, (out, updated, frozen)


def attention(jax, nn):
  x = _x(jax, (2, 3, 4))
  mask = nn.make_causal_mask(jax.numpy.ones((2, 3)))
  model = nn.MultiHeadDotProductAttention(num_heads=2, qkv_features=4)
  variables = model.init(jax.random.PRNGKey(0), x, mask=mask)
  return variables, (model.apply(variables, x, mask=mask), mask)


def cells(jax, nn):
  x = _x(jax, (2, 4))

  class Cells(nn.Module):
    @nn.compact
    def __call__(self, x):
      outs = []
      for cell in (nn.LSTMCell(3), nn.GRUCell(3), nn.OptimizedLSTMCell(3), nn.SimpleCell(3),
                   nn.MGUCell(3)):
        carry = cell.initialize_carry(jax.random.PRNGKey(1), x.shape)
        outs.append(cell(carry, x))
      return outs
  return _init_apply(jax, Cells(), x)


def rnn(jax, nn):
  x = _x(jax, (2, 5, 4))

  class Seq(nn.Module):
    @nn.compact
    def __call__(self, x):
      y = nn.RNN(nn.LSTMCell(3))(x)
      carry, z = nn.RNN(nn.GRUCell(2), return_carry=True, reverse=True, keep_order=True)(y)
      return nn.Bidirectional(nn.RNN(nn.SimpleCell(2)), nn.RNN(nn.SimpleCell(2)))(z), carry
  return _init_apply(jax, Seq(), x)


def nested(jax, nn):
  x = _x(jax, (2, 4))

  class Block(nn.Module):
    features: int

    def setup(self):
      self.layers = [nn.Dense(self.features), nn.Dense(self.features)]
      self.norm = nn.LayerNorm()

    def __call__(self, x):
      for layer in self.layers:
        x = nn.relu(layer(x))
      return self.norm(x)

  class Model(nn.Module):
    @nn.compact
    def __call__(self, x):
      x = Block(5)(x)
      x = Block(5, name="named")(x)
      shared = nn.Dense(5)
      x = shared(shared(x))
      x = nn.Sequential([nn.Dense(4), nn.gelu, nn.Dense(2)])(x)
      return nn.Dense(1)(nn.tanh(nn.Dense(3)(x)))  # Dense_2 is built before Dense_3
  return _init_apply(jax, Model(), x)


def dropout(jax, nn):
  x = jax.numpy.ones((3, 4))

  class Drop(nn.Module):
    @nn.compact
    def __call__(self, x, train):
      x = nn.Dense(4)(x)
      x = nn.Dropout(0.5, deterministic=not train)(x)
      return nn.Dropout(0.3, broadcast_dims=(0,))(x, deterministic=not train)
  model = Drop()
  variables = model.init(jax.random.PRNGKey(0), x, train=False)
  out = model.apply(variables, x, train=True, rngs={"dropout": jax.random.PRNGKey(5)})
  return variables, out


def transforms(jax, nn):
  x = _x(jax, (2, 3, 4))

  class Body(nn.Module):
    @nn.compact
    def __call__(self, c, x):
      h = nn.tanh(nn.Dense(4)(x) + c)
      return h, h

  class Lifted(nn.Module):
    @nn.compact
    def __call__(self, x):
      a = nn.vmap(nn.Dense, variable_axes={"params": 0}, split_rngs={"params": True},
                  in_axes=1, out_axes=1)(3)(x)
      b = nn.jit(nn.Dense)(3)(x)
      c = nn.remat(nn.Dense)(3)(x)
      scan = nn.scan(Body, variable_broadcast="params", split_rngs={"params": False},
                     in_axes=1, out_axes=1)
      carry, d = scan()(jax.numpy.zeros((2, 4)), x)
      e_scan = nn.scan(Body, variable_axes={"params": 0}, split_rngs={"params": True},
                       in_axes=1, out_axes=1)
      _, e = e_scan(name="stacked")(carry, x)
      return a, b, c, d, e
  return _init_apply(jax, Lifted(), x)


def pooling(jax, nn):
  x = _x(jax, (1, 5, 5, 2))
  return {}, (nn.avg_pool(x, (2, 2), strides=(2, 2)), nn.max_pool(x, (3, 3), padding="SAME"),
              nn.avg_pool(x, (3, 3), padding="SAME", count_include_pad=False),
              nn.pool(x, 0.0, jax.lax.add, (2, 2), (1, 1), "VALID"))


CASES = {
    "dense": dense, "dense_general": dense_general, "einsum": einsum, "conv": conv,
    "conv_circular": conv_circular, "conv_transpose": conv_transpose, "conv_local": conv_local,
    "embed": embed, "norms": norms, "batch_norm": batch_norm, "attention": attention,
    "cells": cells, "rnn": rnn, "nested": nested, "dropout": dropout, "transforms": transforms,
    "pooling": pooling,
}


def rng_keys(jax, nn):
  """Raw key data drawn by make_rng at several places of a module tree (exact)."""
  class Leaf(nn.Module):
    @nn.compact
    def __call__(self):
      return self.make_rng("params"), self.make_rng("dropout"), self.make_rng("other")

  class Root(nn.Module):
    @nn.compact
    def __call__(self):
      first = Leaf()()
      second = Leaf(name="leaf")()
      lifted = nn.vmap(Leaf, variable_axes={}, split_rngs={"params": True, "dropout": False},
                       axis_size=2)()()
      return first + second + lifted + (self.make_rng("params"),)

  rngs = {"params": jax.random.PRNGKey(3), "dropout": jax.random.PRNGKey(4)}
  keys, _ = Root().init_with_output(rngs)
  out = {f"k{i}": k for i, k in enumerate(keys)}
  typed, _ = Root().init_with_output({"params": jax.random.key(7)})
  out.update({f"typed{i}": jax.random.key_data(k) for i, k in enumerate(typed)})
  return out


