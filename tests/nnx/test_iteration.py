"""nnx.vmap/scan (StateAxes, Carry), remat, cond/switch, fori_loop/while_loop, split_rngs,
custom_vjp and the recurrent layers, against literal outputs of the real Flax 0.12.8."""
import numpy as np
import pytest

import jaxlite as jax
import jaxlite.numpy as jnp
from jaxlite.flax import nnx

X = jnp.linspace(-1, 1, 6).reshape(2, 3)
XR = jnp.linspace(-1, 1, 2 * 5 * 3).reshape(2, 5, 3)


def close(got, want, tol=2e-5):
  np.testing.assert_allclose(np.asarray(got, np.float64), np.asarray(want, np.float64),
                             rtol=tol, atol=tol)


class MLP(nnx.Module):
  def __init__(self, rngs):
    self.l = nnx.Linear(3, 2, rngs=rngs)
    self.count = nnx.BatchStat(jnp.array(0))

  def __call__(self, x):
    self.count[...] += 1
    return self.l(x)


def make_ensemble():
  @nnx.split_rngs(splits=4)
  @nnx.vmap(in_axes=(0,), out_axes=0)
  def create(rngs):
    return MLP(rngs)
  return create(nnx.Rngs(0))


def test_vmap_ensemble_creation_and_call():
  ens = make_ensemble()
  assert ens.l.kernel.shape == (4, 3, 2) and ens.count.shape == (4,)
  close(ens.l.kernel[...][0], REF["ens_kernel0"])
  y = nnx.vmap(lambda m, x: m(x), in_axes=(0, None))(ens, X)
  assert y.shape == (4, 2, 2)
  close(y[0], REF["ens_y0"])
  assert ens.count[...].tolist() == [1, 1, 1, 1]


def test_vmap_state_axes():
  ens = make_ensemble()
  nnx.vmap(lambda m, x: m(x), in_axes=(0, None))(ens, X)
  sa = nnx.StateAxes({nnx.Param: 0, nnx.BatchStat: None})
  y = nnx.vmap(lambda m, x: m(x), in_axes=(sa, 0))(ens, jnp.ones((4, 2, 3)))
  close(y[0], REF["ens_y2_0"])
  assert ens.count[...].tolist() == [2, 2, 2, 2]
  with pytest.raises(ValueError, match="No filter"):
    nnx.vmap(lambda m: m(X), in_axes=(nnx.StateAxes({nnx.Param: 0}),))(ens)


def test_scan_over_stacked_layers():
  @nnx.split_rngs(splits=3)
  @nnx.vmap(in_axes=(0,), out_axes=0)
  def make_layers(rngs):
    return nnx.Linear(3, 3, rngs=rngs)
  layers = make_layers(nnx.Rngs(1))

  def step(h, layer):
    h = nnx.relu(layer(h))
    return h, h.sum()
  h, ys = nnx.scan(step, in_axes=(nnx.Carry, 0), out_axes=(nnx.Carry, 0))(X, layers)
  close(h, REF["scan_h"])
  close(ys, REF["scan_ys"])


def test_scan_with_module_carry_updates_state():
  m = MLP(nnx.Rngs(2))
  m_out, ys = nnx.scan(lambda m, xi: (m, m(xi)), in_axes=(nnx.Carry, 0),
                       out_axes=(nnx.Carry, 0))(m, jnp.ones((5, 3)))
  close(ys, REF["scan2_ys"])
  assert m_out is m and int(m.count[...]) == 5


def test_fori_while_cond_switch():
  m = MLP(nnx.Rngs(3))

  def body(i, val):
    m, acc = val
    return m, acc + m(jnp.ones(3) * i).sum()
  m_out, acc = nnx.fori_loop(0, 4, body, (m, jnp.float32(0.)))
  close(acc, REF["fori_acc"])
  assert m_out is m and int(m.count[...]) == 4

  m = MLP(nnx.Rngs(5))

  def wbody(val):
    m, i = val
    m(jnp.ones(3))
    return m, i + 1
  nnx.while_loop(lambda v: v[1] < 3, wbody, (m, 0))
  assert int(m.count[...]) == 3

  m = MLP(nnx.Rngs(4))
  close(nnx.cond(jnp.array(True), lambda m, x: m(x), lambda m, x: -x[:, :2], m, X),
        REF["cond_y"])
  assert int(m.count[...]) == 1
  close(nnx.switch(1, [lambda m, x: m(x), lambda m, x: m(x) * 2], m, X), REF["switch_y"])
  assert int(m.count[...]) == 2


def test_loop_structure_change_is_rejected():
  m = MLP(nnx.Rngs(0))

  def body(i, m):
    m.extra = nnx.Param(jnp.ones(1))
    return m
  with pytest.raises(ValueError, match="graph structure of the arguments changed"):
    nnx.fori_loop(0, 2, body, m)


def test_remat_gradients():
  m = MLP(nnx.Rngs(6))
  g = nnx.grad(lambda m, x: nnx.remat(lambda m, x: (m(x) ** 2).sum())(m, x))(m, X)
  close(g["l"]["kernel"][...], REF["remat_grad"])
  assert int(m.count[...]) == 1


def test_custom_vjp_with_modules():
  class Foo(nnx.Module):
    def __init__(self):
      self.x = nnx.Param(jnp.array(1.))
      self.y = nnx.Param(jnp.array(2.))

  @nnx.custom_vjp
  def f(m):
    return jnp.sin(m.x) * m.y

  def f_fwd(m):
    return f(m), (jnp.cos(m.x), jnp.sin(m.x), m)

  def f_bwd(res, g):
    (m_updates_g,), out_g = g
    cos_x, sin_x, m = res
    m_g = jax.tree_util.tree_map(lambda x: x, m_updates_g)
    m_g["x"][...] = cos_x * out_g * m.y * 10  # a custom rule: 10x the true derivative
    m_g["y"][...] = sin_x * out_g
    return (m_g,)

  f.defvjp(f_fwd, f_bwd)
  grads = nnx.grad(f)(Foo())
  close(grads["x"][...], 10.806046)
  close(grads["y"][...], 0.84147096)


def test_split_rngs_decorator_restores_streams():
  rngs = nnx.Rngs(0)

  @nnx.split_rngs(splits=5)
  def shapes(rngs):
    return rngs.default.key.shape
  assert shapes(rngs) == (5,) and rngs.default.key.shape == ()
  assert int(rngs.default.count[...]) == 1


@pytest.mark.parametrize("name,cls", [("lstm", nnx.LSTMCell), ("olstm", nnx.OptimizedLSTMCell),
                                      ("gru", nnx.GRUCell), ("simple", nnx.SimpleCell)])
def test_rnn_cells(name, cls):
  cell = cls(3, 4, rngs=nnx.Rngs(0))
  y = nnx.RNN(cell)(XR)
  assert y.shape == (2, 5, 4)
  close(y[0], REF[name])


def test_lstm_step_bidirectional_and_seq_lengths():
  cell = nnx.LSTMCell(3, 4, rngs=nnx.Rngs(0))
  carry = cell.initialize_carry((2, 3), nnx.Rngs(0))
  assert [c.shape for c in carry] == [(2, 4), (2, 4)]
  close(cell(carry, XR[:, 0])[1], REF["lstm_step"])
  bi = nnx.Bidirectional(nnx.RNN(nnx.GRUCell(3, 4, rngs=nnx.Rngs(1))),
                         nnx.RNN(nnx.GRUCell(3, 4, rngs=nnx.Rngs(2))))
  out = bi(XR)
  assert out.shape == (2, 5, 8)
  close(out[0], REF["bi"])
  rnn = nnx.RNN(nnx.SimpleCell(3, 4, rngs=nnx.Rngs(3)), return_carry=True)
  c, y = rnn(XR, seq_lengths=jnp.array([3, 5]))
  close(c, REF["seq_carry"])
  close(y[0], REF["seq_y"])


REF = {'bi': [[-0.080822, 0.577984, -0.634553, -0.087246, -0.324973, 0.261772, 0.52559, -0.83303],
        [-0.217137, 0.696395, -0.821091, -0.036062, -0.257077, 0.203606, 0.402307, -0.708507],
        [-0.328505, 0.660311, -0.777132, 0.025457, -0.188967, 0.141322, 0.266395, -0.527893],
        [-0.348512, 0.534657, -0.596133, 0.069274, -0.12271, 0.078665, 0.127062, -0.309797],
        [-0.249243, 0.345513, -0.324445, 0.095329, -0.06115, 0.023971, 0.012841, -0.107326]],
 'cond_y': [[-0.3564, -0.448762], [0.396525, -0.243333]],
 'ens_kernel0': [[-0.875064, -0.219943], [-0.101074, -0.485687], [0.198403, -0.22091]],
 'ens_y0': [[0.896028, 0.555537], [-0.037254, -0.556311]],
 'ens_y2_0': [[-0.777736, -0.92654], [-0.777736, -0.92654]],
 'fori_acc': -13.913471,
 'gru': [[-0.061908, 0.30056, -0.07391, -0.137589], [-0.119976, 0.386555, -0.086493, -0.242465],
         [-0.156557, 0.383774, -0.075482, -0.284021], [-0.163915, 0.34043, -0.054099, -0.259052],
         [-0.14348, 0.276238, -0.026745, -0.178705]],
 'lstm': [[-0.157038, -0.007509, 0.072387, 0.019088], [-0.274139, -0.000341, 0.093576, 0.063644],
          [-0.314299, 0.020586, 0.082388, 0.099891], [-0.265599, 0.042445, 0.055206, 0.117242],
          [-0.144517, 0.045883, 0.023662, 0.11863]],
 'lstm_step': [[-0.157038, -0.007509, 0.072387, 0.019088],
               [0.020231, -0.031337, -0.015942, 0.025243]],
 'olstm': [[-0.284536, 0.160222, 0.007617, -0.336953], [-0.485296, 0.242877, 0.022542, -0.386864],
           [-0.557295, 0.275814, 0.048875, -0.376692], [-0.509925, 0.280243, 0.082756, -0.328196],
           [-0.341493, 0.252891, 0.110942, -0.233602]],
 'remat_grad': [[0.478399, -0.690289], [0.395782, -0.324934], [0.313165, 0.04042]],
 'scan2_ys': [[-0.437054, 0.357572], [-0.437054, 0.357572], [-0.437054, 0.357572],
              [-0.437054, 0.357572], [-0.437054, 0.357572]],
 'scan_h': [[0.002601, 0.0, 0.0], [0.0, 0.256543, 0.0]],
 'scan_ys': [2.030094, 0.737274, 0.259145],
 'seq_carry': [[-0.036491, -0.242124, 0.507555, -0.334766],
               [-0.358796, 0.082975, -0.62826, 0.338373]],
 'seq_y': [[0.364318, 0.360168, 0.659768, -0.045599], [0.514436, -0.172685, 0.063561, -0.366258],
           [-0.036491, -0.242124, 0.507555, -0.334766], [0.542609, -0.293869, 0.437762, -0.222791],
           [0.096567, -0.61151, 0.094312, -0.188352]],
 'simple': [[0.982372, 0.663247, 0.556012, -0.433565], [0.989036, 0.461295, 0.124598, -0.892249],
            [0.969282, 0.76208, 0.128742, -0.863166], [0.892664, 0.658841, -0.217224, -0.875744],
            [0.598504, 0.706582, -0.193833, -0.82857]],
 'switch_y': [[-0.7128, -0.897523], [0.79305, -0.486666]]}
