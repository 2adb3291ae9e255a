"""NNX transforms: jit, grad, value_and_grad, eval_shape. State written inside a transform
shows on the caller's objects afterwards; jit does not retrace on the same graph structure."""
import numpy as np
import pytest

import jaxlite as jax
import jaxlite.numpy as jnp
from jaxlite import errors
from jaxlite.flax import errors as flax_errors
from jaxlite.flax import nnx


class Counter(nnx.Module):
  def __init__(self, rngs):
    self.lin = nnx.Linear(3, 2, rngs=rngs)
    self.calls = nnx.BatchStat(jnp.array(0))

  def __call__(self, x):
    self.calls[...] += 1
    return self.lin(x)


def test_jit_updates_state_and_does_not_retrace():
  m = Counter(nnx.Rngs(0))
  traces = []

  @nnx.jit
  def f(m, x):
    traces.append(1)
    return m(x)

  x = jnp.ones((4, 3))
  y1, y2 = f(m, x), f(m, x)
  np.testing.assert_allclose(y1, m(x), rtol=1e-6)
  assert int(m.calls[...]) == 3 and len(traces) == 1
  f(Counter(nnx.Rngs(1)), x)  # another model, same structure and shapes: cached
  assert len(traces) == 1
  f(m, jnp.ones((5, 3)))  # new input shape: retrace
  assert len(traces) == 2
  np.testing.assert_array_equal(y1, y2)


def test_jit_shared_module_across_arguments_and_return_identity():
  m = Counter(nnx.Rngs(0))

  @nnx.jit
  def f(a, b):
    a.calls[...] += 10
    return b

  out = f(m, m)
  assert out is m and int(m.calls[...]) == 10


def test_jit_static_args_donate_and_kwargs():
  traces = []

  @nnx.jit(static_argnums=1, donate_argnums=0)
  def f(m, n, *, scale):
    traces.append(n)
    return m.lin.kernel[...].sum() * n * scale

  m = Counter(nnx.Rngs(0))
  a = f(m, 2, scale=1.0)
  b = f(m, 2, scale=3.0)
  f(m, 3, scale=1.0)
  assert traces == [2, 3]
  np.testing.assert_allclose(b, 3 * a, rtol=1e-6)
  g = nnx.jit(lambda m, n: m.lin.kernel[...] * n, static_argnames="n")
  assert g(m, n=2).shape == (3, 2)


def test_jit_on_methods_and_rng_streams_advance():
  class Noisy(nnx.Module):
    def __init__(self):
      self.rngs = nnx.Rngs(0)

    @nnx.jit
    def __call__(self, x):
      return x + self.rngs.normal(x.shape)

  n = Noisy()
  a, b = n(jnp.zeros(2)), n(jnp.zeros(2))
  assert int(n.rngs.default.count[...]) == 2 and not np.array_equal(a, b)
  expected = nnx.Rngs(0)
  expected.normal((2,))
  np.testing.assert_allclose(b, expected.normal((2,)), rtol=1e-6)


def test_jit_creates_and_restructures_modules():
  lin = nnx.jit(lambda: nnx.Linear(2, 3, rngs=nnx.Rngs(0)))()
  np.testing.assert_allclose(lin.kernel[...], nnx.Linear(2, 3, rngs=nnx.Rngs(0)).kernel[...],
                             rtol=1e-6)
  m = Counter(nnx.Rngs(0))

  @nnx.jit
  def add_attr(m, x):
    m.extra = nnx.Param(x * 2)
    m.arr = x + 1
    m.n = 5

  add_attr(m, jnp.ones(2))
  assert isinstance(m.extra, nnx.Param) and m.extra[...].tolist() == [2., 2.]
  assert isinstance(m.arr, jax.Array) and m.arr.tolist() == [2., 2.] and m.n == 5


def test_jit_mutating_a_captured_module_raises_trace_context_error():
  m = Counter(nnx.Rngs(0))

  @nnx.jit
  def g(x):
    m.calls[...] = x
    return x

  with pytest.raises(flax_errors.TraceContextError, match="Cannot mutate BatchStat from a "
                     "different trace level"):
    g(jnp.array(3))

  @nnx.jit
  def h(x):
    m.attr = x

  with pytest.raises(flax_errors.TraceContextError, match="Cannot mutate 'Counter'"):
    h(jnp.array(1))


def test_jit_tracer_stored_in_static_attribute_raises_leak_error():
  m = Counter(nnx.Rngs(0))

  @nnx.jit
  def f(m, x):
    m.scale_fn = lambda y: y * x  # a function is static; its closure holds a tracer

  with pytest.raises(errors.UnexpectedTracerError, match="static attribute 'scale_fn' of Counter"):
    f(m, jnp.array(2.))

  @nnx.jit
  def g(m, x):
    m.cfg = {"scale": x}  # caught on assignment: data inside a static container

  with pytest.raises(ValueError, match="Found data on value of type '<class 'dict'>'"):
    g(m, jnp.array(2.))


def loss_fn(m, x):
  return jnp.mean(m(x) ** 2)


def test_grad_returns_param_state_and_writes_back_other_state():
  m = Counter(nnx.Rngs(0))
  x = jnp.linspace(0, 1, 6).reshape(2, 3)
  grads = nnx.grad(loss_fn)(m, x)
  assert isinstance(grads, nnx.State) and set(grads["lin"]) == {"bias", "kernel"}
  assert isinstance(grads["lin"]["kernel"], nnx.Param)
  assert int(m.calls[...]) == 1  # the BatchStat written inside grad
  k, b = m.lin.kernel[...], m.lin.bias[...]
  manual = jax.grad(lambda k, b: jnp.mean((x @ k + b) ** 2), argnums=(0, 1))(k, b)
  np.testing.assert_allclose(grads["lin"]["kernel"][...], manual[0], rtol=1e-6)
  np.testing.assert_allclose(grads["lin"]["bias"][...], manual[1], rtol=1e-6)


def test_value_and_grad_argnums_has_aux_and_diffstate():
  m = Counter(nnx.Rngs(0))
  x = jnp.linspace(0, 1, 6).reshape(2, 3)

  def f(m, x):
    y = m(x)
    return jnp.sum(y), y.shape

  (value, aux), (g_m, g_x) = nnx.value_and_grad(f, argnums=(0, 1), has_aux=True)(m, x)
  assert aux == (2, 2) and g_x.shape == (2, 3)
  np.testing.assert_allclose(value, jnp.sum(m.lin(x)), rtol=1e-6)
  np.testing.assert_allclose(g_x, jnp.broadcast_to(m.lin.kernel[...].sum(1), (2, 3)),
                             rtol=1e-6)
  only_kernel = nnx.grad(loss_fn, argnums=nnx.DiffState(0, nnx.PathContains("kernel")))(m, x)
  assert list(only_kernel["lin"]) == ["kernel"]
  stats = nnx.grad(lambda m: m.calls[...] * 1.0, argnums=nnx.DiffState(0, nnx.BatchStat),
                   allow_int=True)(m)
  assert list(stats) == ["calls"]


def test_grad_inside_jit_training_step():
  m = Counter(nnx.Rngs(0))
  x = jnp.linspace(0, 1, 6).reshape(2, 3)

  @nnx.jit
  def step(m, x):
    grads = nnx.grad(loss_fn)(m, x)
    m.lin.kernel[...] -= 0.1 * grads["lin"]["kernel"][...]
    m.lin.bias[...] -= 0.1 * grads["lin"]["bias"][...]
    return loss_fn(m, x)

  losses = [float(step(m, x)) for _ in range(5)]
  assert all(b < a for a, b in zip(losses, losses[1:]))
  assert int(m.calls[...]) == 10


def test_eval_shape_builds_abstract_modules():
  abstract = nnx.eval_shape(lambda: nnx.Linear(64, 128, rngs=nnx.Rngs(0)))
  kernel = abstract.kernel.get_raw_value()
  assert isinstance(kernel, jax.ShapeDtypeStruct) and kernel.shape == (64, 128)
  out = nnx.eval_shape(lambda m, x: m(x), Counter(nnx.Rngs(0)), jnp.ones((7, 3)))
  assert out.shape == (7, 2) and out.dtype == jnp.float32
