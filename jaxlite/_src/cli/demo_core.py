"""The core demo: the JAX programming model on a few lines of code, with timings."""
from __future__ import annotations

import time


def main() -> int:
  import jaxlite as jax
  import jaxlite.numpy as jnp

  def section(title):
    print(f"\n== {title}")

  section("Arrays are immutable NumPy-like values")
  x = jnp.arange(5.0)
  print("x =", repr(x))
  try:
    x[0] = 10
  except TypeError as e:
    print("x[0] = 10  ->", str(e).split(":")[0])
  print("x.at[0].set(10) =", x.at[0].set(10), " (x unchanged:", x, ")")

  section("grad")
  f = lambda x: x ** 2 + 2 * x + 2
  print("grad(x**2 + 2x + 2)(2.0) =", jax.grad(f)(2.0))
  print("grad(sum(x**3))([1,2,3,4]) =", jax.grad(lambda x: jnp.sum(x ** 3))(
      jnp.array([1.0, 2.0, 3.0, 4.0])))

  def simple_graph(x):
    return jnp.mean((x + 2) ** 2 + 3)

  value, grads = jax.value_and_grad(simple_graph)(jnp.arange(3.0))
  print("value_and_grad(simple_graph)(arange(3)) =", value, grads)

  section("make_jaxpr: the program JAX sees")
  print(jax.make_jaxpr(simple_graph)(jnp.arange(3.0)))

  section("jit: trace once, generate NumPy code, run it")
  step = jax.jit(jax.grad(simple_graph))
  t0 = time.perf_counter()
  step(jnp.arange(3.0)).block_until_ready()
  t1 = time.perf_counter()
  for _ in range(1000):
    step(jnp.arange(3.0))
  t2 = time.perf_counter()
  print(f"first call (trace + compile): {(t1 - t0) * 1e3:.2f} ms; "
        f"cached call: {(t2 - t1) * 1e3:.2f} us")
  print(step.lower(jnp.arange(3.0)).as_text())

  section("vmap: batching without loops")
  batched = jax.vmap(jax.grad(simple_graph))(jnp.arange(6.0).reshape(2, 3))
  print("vmap(grad(simple_graph)) over 2 rows =\n", batched)

  section("Composition: jit(vmap(grad(...)))")
  print(jax.jit(jax.vmap(jax.grad(lambda x: jnp.sin(x) * x)))(jnp.arange(4.0) / 3))
  return 0
