"""Control flow, custom derivatives, remat and debugging tools: each against a Python
reference, under jit, vmap, jvp and grad, with the jaxpr text JAX prints."""
import functools

import numpy as np
import pytest

import jaxlite as jax
import jaxlite.numpy as jnp
from jaxlite import lax
from jaxlite.test_util import check_grads

# ---------------------------------------------------------------------------
# cond / switch

COND_JAXPR = """{ lambda ; a:f32[]. let
    b:bool[] = gt a 0.0:f32[]
    c:i32[] = convert_element_type[new_dtype=int32 weak_type=False] b
    d:f32[] = cond[
      branches=(
        { lambda ; e:f32[]. let f:f32[] = cos e in (f,) }
        { lambda ; g:f32[]. let h:f32[] = sin g in (h,) }
      )
    ] c a
  in (d,) }"""


def cond_fn(x):
  return lax.cond(x > 0, jnp.sin, jnp.cos, x)


def test_cond_jaxpr_matches_jax():
  assert str(jax.make_jaxpr(cond_fn)(1.0)) == COND_JAXPR


@pytest.mark.parametrize("x", [1.3, -0.7])
def test_cond_values_and_derivatives(x):
  ref = np.sin(x) if x > 0 else np.cos(x)
  dref = np.cos(x) if x > 0 else -np.sin(x)
  np.testing.assert_allclose(cond_fn(x), ref, rtol=1e-6)
  np.testing.assert_allclose(jax.jit(cond_fn)(x), ref, rtol=1e-6)
  np.testing.assert_allclose(jax.grad(cond_fn)(x), dref, rtol=1e-6)
  np.testing.assert_allclose(jax.grad(jax.jit(cond_fn))(x), dref, rtol=1e-6)
  np.testing.assert_allclose(jax.jit(jax.grad(cond_fn))(x), dref, rtol=1e-6)
  check_grads(jax.jit(cond_fn), (x,), order=2)


def test_cond_batched_predicate_becomes_select():
  xs = jnp.array([1.0, -1.0, 2.0])
  np.testing.assert_allclose(jax.vmap(cond_fn)(xs), np.where(xs > 0, np.sin(xs), np.cos(xs)),
                             rtol=1e-6)
  np.testing.assert_allclose(jax.vmap(jax.grad(cond_fn))(xs),
                             np.where(xs > 0, np.cos(xs), -np.sin(xs)), rtol=1e-6)


def test_cond_batched_operand_unbatched_predicate():
  f = lambda p, x: lax.cond(p, lambda v: v * 2, lambda v: v - 1, x)
  np.testing.assert_allclose(jax.vmap(f, in_axes=(None, 0))(True, jnp.arange(3.0)), [0, 2, 4])
  np.testing.assert_allclose(jax.jit(jax.vmap(f, in_axes=(None, 0)))(False, jnp.arange(3.0)),
                             [-1, 0, 1])


def test_cond_closure_over_tracer_and_pytrees():
  def f(x, y):
    return lax.cond(x > y, lambda ops: {"s": ops[0] * y}, lambda ops: {"s": ops[1] + y},
                    (x, y))["s"]
  assert float(jax.jit(f)(3.0, 2.0)) == 6.0
  assert float(jax.grad(f, argnums=1)(3.0, 2.0)) == 3.0
  assert float(jax.grad(f, argnums=1)(1.0, 2.0)) == 2.0  # false branch: y + y


def test_cond_with_concrete_predicate_runs_one_branch():
  calls = []
  lax.cond(True, lambda: calls.append("t"), lambda: calls.append("f"))
  assert calls == ["t"]


def test_cond_branch_type_mismatch_errors():
  with pytest.raises(TypeError, match="true_fun and false_fun output must have identical types"):
    jax.jit(lambda x: lax.cond(x > 0, lambda v: v, lambda v: jnp.stack([v, v]), x))(1.0)


def test_switch():
  branches = [lambda x: x + 1, lambda x: x * 10, lambda x: -x]
  f = lambda i, x: lax.switch(i, branches, x)
  for i, want in [(0, 3.0), (1, 20.0), (2, -2.0), (7, -2.0), (-3, 3.0)]:
    assert float(jax.jit(f)(i, 2.0)) == want
  np.testing.assert_allclose(jax.vmap(f)(jnp.array([0, 1, 2]), jnp.array([1.0, 1.0, 1.0])),
                             [2.0, 10.0, -1.0])
  assert float(jax.grad(f, argnums=1)(1, 3.0)) == 10.0


# ---------------------------------------------------------------------------
# scan / fori_loop / map

SCAN_JAXPR = """{ lambda ; a:f32[3]. let
    b:f32[] c:f32[3] = scan[
      jaxpr={ lambda ; d:f32[] e:f32[]. let
          f:f32[] = convert_element_type[new_dtype=float32 weak_type=False] d
          g:f32[] = add f e
          h:f32[] = convert_element_type[new_dtype=float32 weak_type=False] d
          i:f32[] = mul h e
        in (g, i) }
      length=3
      num_carry=1
      num_consts=0
      reverse=False
      unroll=1
    ] 0.0:f32[] a
  in (b, c) }"""

FORI_JAXPR = """{ lambda ; a:f32[]. let
    _:i32[] b:f32[] = scan[
      jaxpr={ lambda ; c:i32[] d:f32[]. let
          e:i32[] = add c 1:i32[]
          f:f32[] = mul d 2.0:f32[]
        in (e, f) }
      length=3
      num_carry=2
      num_consts=0
      reverse=False
      unroll=1
    ] 0:i32[] a
  in (b,) }"""

WHILE_JAXPR = """{ lambda ; a:f32[]. let
    b:f32[] = while[
      body_jaxpr={ lambda ; c:f32[]. let d:f32[] = mul c 2.0:f32[] in (d,) }
      body_nconsts=0
      cond_jaxpr={ lambda ; e:f32[]. let f:bool[] = lt e 10.0:f32[] in (f,) }
      cond_nconsts=0
    ] a
  in (b,) }"""


def scan_fn(xs):
  return lax.scan(lambda c, x: (c + x, c * x), 0.0, xs)


def test_loop_jaxprs_match_jax():
  assert str(jax.make_jaxpr(scan_fn)(jnp.arange(1.0, 4.0))) == SCAN_JAXPR
  assert str(jax.make_jaxpr(lambda x: lax.fori_loop(0, 3, lambda i, c: c * 2, x))(1.0)) == \
      FORI_JAXPR
  assert str(jax.make_jaxpr(
      lambda x: lax.while_loop(lambda c: c < 10, lambda c: c * 2, x))(1.0)) == WHILE_JAXPR


def _scan_reference(f, init, xs, reverse=False):
  carry, ys = init, []
  order = range(len(xs) - 1, -1, -1) if reverse else range(len(xs))
  for i in order:
    carry, y = f(carry, xs[i])
    ys.append(y)
  if reverse:
    ys = ys[::-1]
  return carry, np.stack(ys)


@pytest.mark.parametrize("reverse", [False, True])
def test_scan_matches_python_loop_under_transforms(reverse):
  w = np.array([[0.5, -0.2], [0.1, 0.9]], np.float32)
  xs = np.random.default_rng(0).normal(size=(5, 2)).astype(np.float32)

  def body(c, x):
    c = jnp.tanh(w @ c + x)
    return c, jnp.sum(c * x)

  def f(c0, xs):
    return lax.scan(body, c0, xs, reverse=reverse)

  c0 = np.array([0.3, -0.1], np.float32)
  ref_c, ref_ys = _scan_reference(
      lambda c, x: (np.tanh(w @ c + x), np.sum(np.tanh(w @ c + x) * x)), c0, xs, reverse)
  for fn in (f, jax.jit(f)):
    c, ys = fn(c0, xs)
    np.testing.assert_allclose(c, ref_c, rtol=1e-5)
    np.testing.assert_allclose(ys, ref_ys, rtol=1e-5)
  check_grads(lambda c0, xs: f(c0, xs)[1].sum() + f(c0, xs)[0].sum(), (c0, xs), order=2,
              atol=2e-2, rtol=2e-2)
  batched = jax.vmap(f)(np.stack([c0, c0 * 2]), np.stack([xs, xs]))
  np.testing.assert_allclose(batched[1][0], ref_ys, rtol=1e-5)
  np.testing.assert_allclose(batched[1][1], f(c0 * 2, xs)[1], rtol=1e-5)


def test_scan_consts_and_pytrees_and_no_xs():
  a = jnp.array(2.0)
  f = lambda x: lax.scan(lambda c, _: ({"v": c["v"] * a}, c["v"]), {"v": x}, None, length=4)
  carry, ys = f(1.0)
  assert float(carry["v"]) == 16.0
  np.testing.assert_allclose(ys, [1, 2, 4, 8])
  assert float(jax.grad(lambda x: f(x)[0]["v"])(1.0)) == 16.0


def test_scan_of_10000_steps_runs_as_a_loop():
  f = jax.jit(lambda x: lax.scan(lambda c, _: (c + 1.0, None), x, None, length=10000)[0])
  assert float(f(0.0)) == 10000.0
  assert len(jax.make_jaxpr(f)(0.0).eqns) == 1  # one jit call wrapping one scan


def test_scan_errors():
  with pytest.raises(ValueError, match="scan got values with different leading axis sizes"):
    lax.scan(lambda c, x: (c, x), 0.0, (jnp.ones(3), jnp.ones(4)))
  with pytest.raises(TypeError, match="carry input and carry output must have equal types"):
    lax.scan(lambda c, x: (jnp.stack([c, c]), x), 0.0, jnp.ones(3))


def test_fori_loop_static_is_reverse_differentiable():
  f = lambda x: lax.fori_loop(0, 5, lambda i, c: c * x, 1.0)
  assert float(f(2.0)) == 32.0
  assert float(jax.grad(f)(2.0)) == 80.0
  np.testing.assert_allclose(jax.vmap(jax.grad(f))(jnp.array([1.0, 2.0])), [5.0, 80.0])


def test_fori_loop_dynamic_bounds_uses_while():
  f = jax.jit(lambda n, x: lax.fori_loop(0, n, lambda i, c: c + i, x))
  assert float(f(5, 0.0)) == 10.0
  assert [e.primitive.name for e in jax.make_jaxpr(lambda n: lax.fori_loop(
      0, n, lambda i, c: c + 1, 0))(3).eqns][-1] == "while"


def test_while_loop():
  f = lambda x: lax.while_loop(lambda c: c < 10, lambda c: c * 2, x)
  assert float(f(1.0)) == 16.0 and float(jax.jit(f)(3.0)) == 12.0
  primal, tangent = jax.jvp(f, (1.0,), (1.0,))
  assert (float(primal), float(tangent)) == (16.0, 16.0)
  np.testing.assert_allclose(jax.vmap(f)(jnp.array([1.0, 3.0, 20.0])), [16.0, 12.0, 20.0])
  with pytest.raises(ValueError, match="Reverse-mode differentiation does not work for "
                                       "lax.while_loop"):
    jax.grad(f)(1.0)


def test_while_loop_batched_predicate_runs_until_all_lanes_stop():
  def collatz_steps(n):
    def body(c):
      n, k = c
      return jnp.where(n % 2 == 0, n // 2, 3 * n + 1), k + 1
    return lax.while_loop(lambda c: c[0] != 1, body, (n, 0))[1]
  ns = jnp.array([1, 6, 7, 27])
  np.testing.assert_array_equal(jax.vmap(collatz_steps)(ns), [0, 8, 16, 111])


def test_while_loop_errors():
  with pytest.raises(TypeError, match="cond_fun must return a boolean scalar"):
    lax.while_loop(lambda c: c, lambda c: c, 1.0)
  with pytest.raises(TypeError, match="body_fun function carry input and carry output"):
    lax.while_loop(lambda c: c < 1, lambda c: jnp.stack([c, c]), 0.0)


def test_lax_map():
  np.testing.assert_allclose(lax.map(lambda x: x ** 2, jnp.arange(5.0)), [0, 1, 4, 9, 16])
  np.testing.assert_allclose(lax.map(lambda x: x * 2, jnp.arange(7.0), batch_size=3),
                             np.arange(7.0) * 2)


def test_python_control_flow_on_tracers_points_to_lax():
  with pytest.raises(jax.errors.TracerBoolConversionError, match="lax.cond"):
    jax.jit(lambda x: x if x > 0 else -x)(1.0)
  with pytest.raises(jax.errors.TracerBoolConversionError, match="while_loop"):
    jax.jit(lambda x: [x := x * 2 for _ in iter(lambda: bool(x < 10), False)])(1.0)


# ---------------------------------------------------------------------------
# custom_jvp / custom_vjp

@jax.custom_jvp
def _f(x, y):
  return jnp.sin(x) * y


@_f.defjvp
def _f_jvp(primals, tangents):
  x, y = primals
  x_dot, y_dot = tangents
  return _f(x, y), jnp.cos(x) * x_dot * y + jnp.sin(x) * y_dot


def test_custom_jvp_everywhere():
  want = np.cos(2.0) * 3.0
  np.testing.assert_allclose(jax.grad(_f)(2.0, 3.0), want, rtol=1e-6)
  np.testing.assert_allclose(jax.jit(jax.grad(_f))(2.0, 3.0), want, rtol=1e-6)
  np.testing.assert_allclose(jax.grad(jax.jit(_f))(2.0, 3.0), want, rtol=1e-6)
  np.testing.assert_allclose(jax.vmap(jax.grad(_f))(jnp.array([2.0]), jnp.array([3.0])), [want],
                             rtol=1e-6)
  np.testing.assert_allclose(jax.grad(jax.grad(_f))(2.0, 3.0), -np.sin(2.0) * 3, rtol=1e-6)
  assert jax.make_jaxpr(_f)(2.0, 3.0).eqns[0].primitive.name == "custom_jvp_call"


def test_custom_jvp_rule_is_used_not_the_function():
  @jax.custom_jvp
  def f(x):
    return jnp.log1p(jnp.exp(x)) if hasattr(jnp, "log1p") else jnp.log(1 + jnp.exp(x))
  f.defjvps(lambda t, ans, x: t * 100.0)
  assert float(jax.grad(f)(0.0)) == 100.0
  assert float(jax.jvp(f, (0.0,), (2.0,))[1]) == 200.0


def test_custom_jvp_nondiff_argnums_and_errors():
  @functools.partial(jax.custom_jvp, nondiff_argnums=(0,))
  def app(fn, x):
    return fn(x)

  @app.defjvp
  def app_jvp(fn, primals, tangents):
    (x,), (t,) = primals, tangents
    return app(fn, x), 2.0 * t
  assert float(jax.grad(lambda x: app(jnp.sin, x))(1.0)) == 2.0

  @jax.custom_jvp
  def bad(x):
    return x

  @bad.defjvp
  def bad_jvp(p, t):
    return p[0], (t[0], t[0])
  with pytest.raises(TypeError, match="equal container"):
    jax.jvp(bad, (1.0,), (1.0,))
  with pytest.raises(AttributeError, match="No JVP defined"):
    jax.custom_jvp(lambda x: x)(1.0)


@jax.custom_vjp
def _g(x, y):
  return jnp.sin(x) * y


def _g_fwd(x, y):
  return _g(x, y), (jnp.cos(x), jnp.sin(x), y)


def _g_bwd(res, ct):
  cos_x, sin_x, y = res
  return cos_x * ct * y, sin_x * ct


_g.defvjp(_g_fwd, _g_bwd)


def test_custom_vjp_everywhere():
  want = np.cos(2.0) * 3.0
  np.testing.assert_allclose(jax.grad(_g)(2.0, 3.0), want, rtol=1e-6)
  np.testing.assert_allclose(jax.grad(_g, 1)(2.0, 3.0), np.sin(2.0), rtol=1e-6)
  np.testing.assert_allclose(jax.jit(jax.grad(_g))(2.0, 3.0), want, rtol=1e-6)
  np.testing.assert_allclose(jax.grad(jax.jit(_g))(2.0, 3.0), want, rtol=1e-6)
  np.testing.assert_allclose(jax.vmap(jax.grad(_g))(jnp.array([2.0, 2.0]), jnp.array([3.0, 3.0])),
                             [want, want], rtol=1e-6)
  with pytest.raises(TypeError, match="can't apply forward-mode autodiff"):
    jax.jvp(_g, (2.0, 3.0), (1.0, 0.0))


def test_custom_vjp_clip_gradient_and_pytree_residuals():
  @functools.partial(jax.custom_vjp, nondiff_argnums=(0, 1))
  def clip_gradient(lo, hi, x):
    return x

  clip_gradient.defvjp(lambda lo, hi, x: (x, None),
                       lambda lo, hi, _, g: (jnp.clip(g, lo, hi),))
  assert float(jax.grad(lambda x: clip_gradient(-0.75, 0.75, x) * 2.0)(1.0)) == 0.75

  @jax.custom_vjp
  def h(d):
    return d["a"] * d["b"]
  h.defvjp(lambda d: (h(d), {"saved": d}),
           lambda res, ct: ({"a": res["saved"]["b"] * ct, "b": None},))
  g = jax.grad(h)({"a": 2.0, "b": 5.0})
  assert float(g["a"]) == 5.0 and float(g["b"]) == 0.0


# ---------------------------------------------------------------------------
# checkpoint

def test_checkpoint_recomputes_in_the_backward_pass():
  g = lambda x: jnp.sin(jnp.sin(x))
  f = jax.checkpoint(g)
  np.testing.assert_allclose(jax.grad(f)(2.0), jax.grad(g)(2.0), rtol=1e-6)
  jaxpr = jax.make_jaxpr(jax.grad(f))(2.0)
  names = [e.primitive.name for e in jaxpr.eqns]
  assert names[0] == "checkpoint"
  assert names.count("sin") >= 2  # the forward sines run again for the backward pass
  saved = jax.make_jaxpr(jax.grad(jax.checkpoint(
      g, policy=jax.checkpoint_policies.everything_saveable)))(2.0)
  assert [e.primitive.name for e in saved.eqns] == ["checkpoint", "mul", "mul"]  # no recompute
  np.testing.assert_allclose(jax.vmap(jax.grad(f))(jnp.array([1.0, 2.0])),
                             jax.vmap(jax.grad(g))(jnp.array([1.0, 2.0])), rtol=1e-6)
  np.testing.assert_allclose(jax.grad(jax.grad(f))(2.0), jax.grad(jax.grad(g))(2.0), rtol=1e-5)


def test_checkpoint_static_argnums():
  f = jax.checkpoint(lambda x, n: x ** n, static_argnums=(1,))
  assert float(jax.grad(f)(2.0, 3)) == 12.0


# ---------------------------------------------------------------------------
# debugging

def test_debug_print_in_jit_vmap_grad(capsys):
  jax.vmap(lambda x: jax.debug.print("v {x}", x=x))(jnp.arange(3.0))
  jax.jit(lambda x: jax.debug.print("j {} {y}", x, y=x * 2))(jnp.arange(2.0))
  jax.grad(lambda x: (jax.debug.print("g {}", x), x ** 2)[1])(3.0)
  assert capsys.readouterr().out == "v 0.0\nv 1.0\nv 2.0\nj [0. 1.] [0. 2.]\ng 3.0\n"


def test_debug_print_is_not_dead_code():
  f = jax.jit(lambda x: (jax.debug.print("x={}", x), x + 1)[1])
  assert "debug_print_impl(" in f.lower(1.0).as_text()


def test_callbacks():
  seen = []
  jax.jit(lambda x: jax.debug.callback(lambda v: seen.append(float(v)), x))(2.0)
  assert seen == [2.0]
  out = jax.jit(lambda x: jax.pure_callback(np.sin, jax.ShapeDtypeStruct((3,), jnp.float32), x))(
      jnp.arange(3.0))
  np.testing.assert_allclose(out, np.sin(np.arange(3.0)), rtol=1e-6)
  sq = lambda x: jax.pure_callback(lambda v: v ** 2, jax.ShapeDtypeStruct((), jnp.float32), x,
                                   vmap_method="sequential")
  np.testing.assert_allclose(jax.vmap(sq)(jnp.arange(3.0)), [0.0, 1.0, 4.0])
  with pytest.raises(NotImplementedError, match="vmap_method"):
    jax.vmap(lambda x: jax.pure_callback(np.sin, jax.ShapeDtypeStruct((), jnp.float32), x))(
        jnp.arange(3.0))
  with pytest.raises(RuntimeError, match="Incorrect output shape/dtype"):
    jax.pure_callback(lambda v: v, jax.ShapeDtypeStruct((4,), jnp.float32), jnp.ones(3))
  from jaxlite.experimental import io_callback
  log = []
  jax.jit(lambda x: io_callback(lambda v: log.append(float(v)) or np.float32(v),
                                jax.ShapeDtypeStruct((), jnp.float32), x) * 0)(5.0)
  assert log == [5.0]


def test_debug_nans_names_the_primitive(capsys):
  with jax.debug_nans(True):
    with pytest.raises(FloatingPointError, match=r"invalid value \(nan\) encountered in log"):
      jnp.log(-1.0)
    with pytest.raises(FloatingPointError, match=r"invalid value \(nan\) encountered in log"):
      jax.jit(lambda x: jnp.log(x) * 0)(-1.0)
    assert float(jnp.log(2.0)) == pytest.approx(0.6931472)
  assert "Calling the de-optimized version" in capsys.readouterr().out
  assert np.isnan(float(jnp.log(-1.0)))


# ---------------------------------------------------------------------------
# associative_scan

@pytest.mark.parametrize("n", [1, 2, 7, 10])
def test_associative_scan_matches_cumulative_ops(n):
  x = np.random.default_rng(n).uniform(0.5, 1.5, (n, 3)).astype(np.float32)
  np.testing.assert_allclose(lax.associative_scan(jnp.add, x), np.cumsum(x, 0), rtol=1e-5)
  np.testing.assert_allclose(lax.associative_scan(jnp.multiply, x, reverse=True),
                             np.cumprod(x[::-1], 0)[::-1], rtol=1e-5)
  np.testing.assert_allclose(jax.jit(lambda v: lax.associative_scan(jnp.maximum, v, axis=1))(x),
                             np.maximum.accumulate(x, 1))
  np.testing.assert_allclose(jax.vmap(lambda v: lax.associative_scan(jnp.add, v))(x.T),
                             np.cumsum(x.T, 1), rtol=1e-5)
  g = jax.grad(lambda v: lax.associative_scan(jnp.add, v).sum())(x)
  np.testing.assert_allclose(g, np.broadcast_to(np.arange(n, 0, -1)[:, None], x.shape))


def test_associative_scan_pytree_linear_recurrence():
  # h_t = a_t * h_{t-1} + b_t as pairs combined associatively.
  a = np.array([0.5, 2.0, 1.0, 0.1], np.float32)
  b = np.array([1.0, 1.0, 1.0, 1.0], np.float32)
  combine = lambda x, y: (x[0] * y[0], y[0] * x[1] + y[1])
  _, h = lax.associative_scan(combine, (a, b))
  ref, acc = [], 0.0
  for ai, bi in zip(a, b):
    acc = ai * acc + bi
    ref.append(acc)
  np.testing.assert_allclose(h, ref, rtol=1e-6)


def test_print_inside_cond_inside_loop_is_kept(capsys):
  body = lambda c: (lax.cond(c > 0, lambda _: jax.debug.print("in cond {}", c),
                             lambda _: None, None), c + 1)[1]
  jax.jit(lambda: lax.while_loop(lambda c: c < 3, body, 0))()
  assert capsys.readouterr().out == "in cond 1\nin cond 2\n"


def test_eager_cond_returns_what_a_staged_cond_returns():
  out = lax.cond(True, lambda: {"b": 1, "a": 2.0}, lambda: {"b": 1, "a": 2.0})
  assert list(out) == ["a", "b"] and isinstance(out["b"], jax.Array)
  assert lax.cond(True, lambda x: x is None, lambda x: False, operand=None)
