"""pmap, shard_map and the sharding API over simulated devices: results equal the
single-device computation, forward and under grad."""
import numpy as np
import pytest

import jaxlite as jax
import jaxlite.numpy as jnp
from jaxlite import lax
from jaxlite.sharding import Mesh, NamedSharding, PartitionSpec as P


@pytest.fixture(autouse=True)
def eight_devices():
  jax.config.update("jax_num_cpu_devices", 8)
  yield
  jax.config.update("jax_num_cpu_devices", -1)


def test_devices_honour_the_flag_and_xla_flags(monkeypatch):
  assert jax.device_count() == 8 and repr(jax.devices()[3]) == "CpuDevice(id=3)"
  assert str(jax.devices()[3]) == "cpu:3"
  jax.config.update("jax_num_cpu_devices", -1)
  monkeypatch.setenv("XLA_FLAGS", "--xla_force_host_platform_device_count=4")
  assert jax.device_count() == 4


@pytest.mark.parametrize("collective,reference", [
    (lambda v: lax.psum(v, "i"), lambda x: np.broadcast_to(x.sum(0), x.shape)),
    (lambda v: lax.pmean(v, "i"), lambda x: np.broadcast_to(x.mean(0), x.shape)),
    (lambda v: lax.pmax(v, "i"), lambda x: np.broadcast_to(x.max(0), x.shape)),
    (lambda v: lax.pmin(v, "i"), lambda x: np.broadcast_to(x.min(0), x.shape)),
    (lambda v: lax.all_gather(v, "i"), lambda x: np.broadcast_to(x, (len(x),) + x.shape)),
    (lambda v: lax.ppermute(v, "i", [(j, (j + 1) % 8) for j in range(8)]),
     lambda x: np.roll(x, 1, axis=0)),
    (lambda v: v * lax.axis_index("i"), lambda x: x * np.arange(8)[:, None]),
])
def test_pmap_collectives_equal_single_device(collective, reference):
  x = np.random.default_rng(0).normal(size=(8, 3)).astype(np.float32)
  np.testing.assert_allclose(jax.pmap(collective, axis_name="i")(x), reference(x), rtol=1e-6)


def test_pmap_grad_through_psum_and_sharding_of_outputs():
  x = np.arange(16.0, dtype=np.float32).reshape(8, 2)
  loss = lambda w: jax.pmap(lambda v: lax.psum((v * w) ** 2, "i").sum(), axis_name="i")(x).sum()
  want = 8 * 2 * 2.0 * np.sum(x ** 2)  # 8 members each see the psum
  np.testing.assert_allclose(jax.grad(loss)(2.0), want, rtol=1e-5)
  out = jax.pmap(lambda v: v * 2, axis_name="i")(x)
  assert repr(out.sharding) == ("NamedSharding(mesh=Mesh('i': 8, axis_types=(Auto,)), "
                                "spec=P('i'), memory_kind=device)")
  with pytest.raises(ValueError, match="requires 9 logical devices, but only 8"):
    jax.pmap(lambda v: v)(np.ones((9, 2)))


def test_pmap_static_broadcasted_and_in_axes():
  f = jax.pmap(lambda x, n: x * n, static_broadcasted_argnums=1)
  np.testing.assert_allclose(f(np.ones((4, 2)), 3), np.full((4, 2), 3.0))
  g = jax.pmap(lambda x, y: x + y, in_axes=(0, None))
  np.testing.assert_allclose(g(np.ones((4, 2)), np.arange(2.0)), np.ones((4, 2)) + np.arange(2))


def test_data_parallel_training_step_matches_full_batch():
  rng = np.random.default_rng(1)
  xs = rng.normal(size=(8, 16, 3)).astype(np.float32)
  ys = rng.normal(size=(8, 16)).astype(np.float32)
  w = np.zeros(3, np.float32)
  loss = lambda w, x, y: jnp.mean((x @ w - y) ** 2)

  def dp_step(w, x, y):
    g = jax.grad(loss)(w, x, y)
    return w - 0.1 * lax.pmean(g, "batch")

  w_dp = jax.pmap(dp_step, axis_name="batch", in_axes=(None, 0, 0))(w, xs, ys)[0]
  w_full = w - 0.1 * jax.grad(loss)(w, xs.reshape(-1, 3), ys.reshape(-1))
  np.testing.assert_allclose(w_dp, w_full, rtol=1e-5, atol=1e-6)


def test_mesh_named_sharding_device_put_and_shards():
  mesh = jax.make_mesh((2, 4), ("x", "y"))
  assert repr(mesh) == "Mesh('x': 2, 'y': 4, axis_types=(Explicit, Explicit))"
  s = NamedSharding(mesh, P("x", "y"))
  x = jax.device_put(np.arange(32.0).reshape(4, 8), s)
  assert x.sharding == s and len(x.addressable_shards) == 8
  shard = x.addressable_shards[5]
  assert shard.device == jax.devices()[5]
  assert shard.index == (slice(2, 4), slice(2, 4))
  np.testing.assert_array_equal(shard.data, np.arange(32.0).reshape(4, 8)[2:4, 2:4])
  with pytest.raises(ValueError, match="not found in mesh"):
    NamedSharding(mesh, P("z"))


def test_shard_map_matches_global_computation():
  mesh = Mesh(np.array(jax.devices()[:8]).reshape(2, 4), ("x", "y"))
  a = np.random.default_rng(2).normal(size=(8, 12)).astype(np.float32)
  # Each block sums its rows; psum over x gives the column sums of the x-stacked blocks.
  f = jax.shard_map(lambda b: lax.psum(b.sum(0, keepdims=True), "x"), mesh=mesh,
                    in_specs=P("x", "y"), out_specs=P(None, "y"))
  np.testing.assert_allclose(f(a), a.sum(0, keepdims=True), rtol=1e-5)
  g = jax.shard_map(lambda b: b * 2, mesh=mesh, in_specs=P(("x", "y")), out_specs=P(("x", "y")))
  np.testing.assert_allclose(g(a), a * 2)
  # Globally f(a) = a.sum(0): the gradient is one everywhere.
  grad = jax.grad(lambda a: f(a).sum())(a)
  np.testing.assert_allclose(grad, np.ones_like(a), rtol=1e-6)


def test_visualize_array_sharding(capsys):
  mesh = jax.make_mesh((2,), ("x",))
  jax.debug.visualize_array_sharding(jax.device_put(np.ones((4, 4)), NamedSharding(mesh, P("x"))))
  out = capsys.readouterr().out
  assert "CPU 0" in out and "CPU 1" in out


def test_pmap_donation_deletes_what_jax_deletes_on_cpu():
  # Behaviour of the real JAX 0.10.2 on CPU (2 devices here, as there).
  import warnings
  jax.config.update("jax_num_cpu_devices", 2)
  double = jax.pmap(lambda a: a * 2, donate_argnums=0)
  laid_out = double(np.ones((2, 3), np.float32))  # a pmap output: on the pmap's devices
  out = double(laid_out)
  assert laid_out.is_deleted() and out.tolist() == [[4.0] * 3] * 2
  with pytest.raises(RuntimeError, match=r"Array has been deleted with shape=float32\[2,3\]"):
    laid_out + 1
  with pytest.raises(RuntimeError, match="Array has been deleted"):
    double(laid_out)
  assert laid_out.shape == (2, 3)  # metadata stays readable
  one_device = jnp.ones((2, 3))  # JAX copies it into per-device buffers: the copy is donated
  double(one_device)
  assert not one_device.is_deleted()
  unmapped = jnp.ones(3)  # an unmapped argument is donated as is
  jax.pmap(lambda w, b: w + b, in_axes=(None, 0), donate_argnums=0)(unmapped, np.ones((2, 3)))
  assert unmapped.is_deleted()
  # Per device, an output must have as many elements of the same width; XLA pairs them in
  # order, and warns about the rest (once per compilation), naming the per-device shapes.
  a, b = double(np.ones((2, 3), np.float32)), double(np.ones((2, 3), np.float32))
  add = jax.pmap(lambda x, y: x + y, donate_argnums=(0, 1))
  with pytest.warns(UserWarning, match=r"Some donated buffers were not usable: float32\[1,3\]\."):
    add(a, b)
  assert a.is_deleted() and not b.is_deleted()
  c = double(np.ones((2, 3), np.float32))
  jax.pmap(lambda x: x.astype(jnp.int32), donate_argnums=0)(c)
  assert c.is_deleted()  # same element count and width: usable
  total = jax.pmap(lambda x: x.sum(-1), donate_argnums=0)
  with warnings.catch_warnings(record=True) as seen:
    warnings.simplefilter("always")
    total(np.ones((2, 3), np.float32))
    total(np.ones((2, 3), np.float32))
  assert len(seen) == 1
