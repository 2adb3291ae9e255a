"""The JAX programming model end to end: tutorial values, transformations and their
nesting, jit caching and staging, the Array type, and the errors JAX raises."""
import logging
import pickle

import numpy as np
import pytest

import jaxlite as jax
import jaxlite.numpy as jnp
from jaxlite import errors, lax


def simple_graph(x):
  return jnp.mean((x + 2) ** 2 + 3)


SIMPLE_GRAPH_JAXPR = """{ lambda ; a:f32[3]. let
    b:f32[3] = add a 2.0:f32[]
    c:f32[3] = integer_pow[y=2] b
    d:f32[3] = add c 3.0:f32[]
    e:f32[] = reduce_sum[axes=(0,) out_sharding=None] d
    f:f32[] = div e 3.0:f32[]
  in (f,) }"""


# ---------------------------------------------------------------------------
# The classic tutorial examples

def test_tutorial_grads():
  assert float(jax.grad(lambda x: x ** 2 + 2 * x + 2)(2.0)) == 6.0
  np.testing.assert_array_equal(jax.grad(lambda x: jnp.sum(x ** 3))(jnp.array([1., 2, 3, 4])),
                                [3., 12., 27., 48.])
  value, grad = jax.value_and_grad(simple_graph)(jnp.arange(3.0))
  np.testing.assert_allclose(value, 12.666667, rtol=1e-6)
  np.testing.assert_allclose(grad, [1.3333334, 2.0, 2.6666667], rtol=1e-6)


def test_tutorial_jaxpr_text():
  assert str(jax.make_jaxpr(simple_graph)(jnp.zeros(3))) == SIMPLE_GRAPH_JAXPR


def test_impure_function_side_effect_leaves_no_trace():
  global_list = []

  def log2(x):
    global_list.append(x)
    ln_x = jnp.log(x)
    return ln_x / jnp.log(2.0)

  jaxpr = jax.make_jaxpr(log2)(3.0)
  names = [e.primitive.name for e in jaxpr.eqns]
  assert names == ["log", "log", "div"]
  assert len(global_list) == 1  # the append ran once, at trace time, and is not in the program


def test_immutability_and_at():
  x = jnp.arange(5)
  with pytest.raises(TypeError, match=r"x = x\.at\[idx\]\.set\(y\)"):
    x[0] = 10
  y = x.at[0].set(10)
  np.testing.assert_array_equal(x, [0, 1, 2, 3, 4])
  np.testing.assert_array_equal(y, [10, 1, 2, 3, 4])


def test_grad_through_python_control_flow_on_concrete_values():
  def f(x):
    return x ** 2 if x > 0 else -x
  assert float(jax.grad(f)(3.0)) == 6.0
  assert float(jax.grad(f)(-3.0)) == -1.0


# ---------------------------------------------------------------------------
# Transformations

def test_jvp_vjp_linearize_agree():
  f = lambda x: jnp.sin(x) * x
  x = jnp.array([0.5, 1.0, 2.0])
  t = jnp.array([1.0, -1.0, 0.5])
  out, jvp_out = jax.jvp(f, (x,), (t,))
  expected = (jnp.cos(x) * x + jnp.sin(x)) * t
  np.testing.assert_allclose(jvp_out, expected, rtol=1e-6)
  out2, f_jvp = jax.linearize(f, x)
  np.testing.assert_allclose(f_jvp(t), expected, rtol=1e-6)
  np.testing.assert_allclose(out, out2)
  _, pullback = jax.vjp(f, x)
  (ct,) = pullback(t)
  np.testing.assert_allclose(ct, expected, rtol=1e-6)


def test_jacobians_and_hessian():
  f = lambda x: jnp.stack([x[0] * x[1], jnp.sin(x[0])]) if False else \
      jnp.concatenate([jnp.sin(x), x ** 2])
  x = jnp.array([0.3, 1.2])
  expected = np.concatenate([np.diag(np.cos(x)), np.diag(2 * np.asarray(x))])
  np.testing.assert_allclose(jax.jacfwd(f)(x), expected, rtol=1e-6)
  np.testing.assert_allclose(jax.jacrev(f)(x), expected, rtol=1e-6)
  np.testing.assert_allclose(jax.hessian(lambda x: jnp.sum(x ** 3))(jnp.array([1., 2.])),
                             [[6., 0.], [0., 12.]])


def test_grad_argnums_has_aux_and_pytrees():
  def loss(params, x):
    out = params["w"] * x + params["b"]
    return jnp.sum(out ** 2), out

  params = {"w": jnp.array(2.0), "b": jnp.array(1.0)}
  x = jnp.array([1.0, 2.0])
  (val, aux), grads = jax.value_and_grad(loss, has_aux=True)(params, x)
  np.testing.assert_allclose(aux, [3.0, 5.0])
  assert float(val) == 34.0
  assert float(grads["w"]) == 2 * (3 * 1 + 5 * 2)
  assert float(grads["b"]) == 2 * (3 + 5)
  gx = jax.grad(lambda p, x: loss(p, x)[0], argnums=1)(params, x)
  np.testing.assert_allclose(gx, [2 * 3 * 2, 2 * 5 * 2])
  both = jax.grad(lambda a, b: a * b, argnums=(0, 1))(3.0, 4.0)
  assert tuple(map(float, both)) == (4.0, 3.0)


def test_allow_int_gives_float0():
  g = jax.grad(lambda x, n: x * n, argnums=(0, 1), allow_int=True)(2.0, 3)
  assert float(g[0]) == 3.0
  assert g[1].dtype == jax.dtypes.float0


def test_vmap_axes_and_pytrees():
  x = jnp.arange(6.0).reshape(2, 3)
  np.testing.assert_allclose(jax.vmap(jnp.sum)(x), [3.0, 12.0])
  np.testing.assert_allclose(jax.vmap(jnp.sum, in_axes=1)(x), [3.0, 5.0, 7.0])
  np.testing.assert_allclose(jax.vmap(jnp.sum, in_axes=-1)(x), [3.0, 5.0, 7.0])
  out = jax.vmap(lambda a, b: a * b, in_axes=(0, None))(x, 2.0)
  np.testing.assert_allclose(out, np.asarray(x) * 2)
  out = jax.vmap(lambda d: d["a"] + d["b"], in_axes=({"a": 0, "b": None},))(
      {"a": x, "b": jnp.ones(3)})
  np.testing.assert_allclose(out, np.asarray(x) + 1)
  out = jax.vmap(lambda a: a * 2, out_axes=1)(x)
  assert out.shape == (3, 2)
  out = jax.vmap(lambda: jnp.ones(2), axis_size=3)()
  assert out.shape == (3, 2)
  out = jax.vmap(lambda a: (a, 1.0), out_axes=(0, None))(jnp.ones(3))
  assert out[1] == 1.0  # JAX passes unmapped Python outputs through unchanged


def test_nesting_grad_of_vmap_of_jit_of_grad():
  f = lambda x: jnp.sin(x) * x
  df = jax.grad(f)
  g = jax.grad(lambda xs: jnp.sum(jax.vmap(jax.jit(df))(xs)))
  xs = jnp.array([0.1, 0.7, 1.5])
  x = np.asarray(xs, np.float64)
  expected = 2 * np.cos(x) - x * np.sin(x)  # d/dx (cos(x) x + sin(x))
  np.testing.assert_allclose(g(xs), expected, rtol=1e-5)
  np.testing.assert_allclose(jax.jit(g)(xs), expected, rtol=1e-5)
  np.testing.assert_allclose(jax.vmap(jax.grad(jax.grad(f)))(xs), expected, rtol=1e-5)


def test_grad_of_jit_keeps_the_jit_boundary():
  jaxpr = jax.make_jaxpr(jax.grad(jax.jit(simple_graph)))(jnp.zeros(3))
  names = [e.primitive.name for e in jaxpr.eqns]
  assert names == ["jit", "jit"]
  assert jaxpr.eqns[1].params["name"] == "transpose(jvp(simple_graph))"


def test_closed_over_tracers_in_jit():
  def outer(x):
    return jax.jit(lambda y: y * x)(2.0)
  assert float(jax.grad(outer)(3.0)) == 2.0
  np.testing.assert_allclose(jax.vmap(outer)(jnp.arange(3.0)), [0.0, 2.0, 4.0])


def test_stop_gradient():
  assert float(jax.grad(lambda x: jax.lax.stop_gradient(x) * x)(3.0)) == 3.0
  tree = jax.lax.stop_gradient({"a": jnp.ones(2), "n": jnp.arange(2)})
  assert tree["n"].dtype == np.int32


def test_closure_convert():
  c = jnp.array([3.0, 4.0])
  f = lambda x: x * c
  converted, consts = jax.closure_convert(f, 1.0)
  assert len(consts) == 1
  np.testing.assert_allclose(converted(2.0, jnp.array([5.0, 6.0])), [10.0, 12.0])


def test_eval_shape_and_shape_dtype_struct():
  out = jax.eval_shape(lambda x: (x.sum(), x * 2.0), jax.ShapeDtypeStruct((2, 3), jnp.float32))
  assert out[0].shape == () and out[1].shape == (2, 3)
  assert repr(jax.ShapeDtypeStruct((2,), jnp.float32)) == \
      "ShapeDtypeStruct(shape=(2,), dtype=float32)"


# ---------------------------------------------------------------------------
# jit

def test_jit_caches_and_retraces_on_new_shapes():
  traces = []

  @jax.jit
  def f(x):
    traces.append(x.shape)
    return x * 2

  f(jnp.ones(3))
  f(jnp.ones(3))
  f(jnp.ones(3) + 1)
  assert traces == [(3,)]
  f(jnp.ones(4))
  assert traces == [(3,), (4,)]
  f(jnp.ones(4, jnp.int32))
  assert len(traces) == 3


def test_jit_static_args():
  @jax.jit
  def bad(x, n):
    return jnp.zeros(n) + x
  with pytest.raises(TypeError, match="Shapes must be 1D sequences of concrete values"):
    bad(1.0, 3)

  good = jax.jit(lambda x, n: jnp.zeros(n) + x, static_argnums=1)
  assert good(1.0, 3).shape == (3,)
  named = jax.jit(lambda x, n: jnp.zeros(n) + x, static_argnames="n")
  assert named(1.0, n=4).shape == (4,)
  assert named(1.0, 2).shape == (2,)
  with pytest.raises(ValueError, match="Non-hashable static arguments are not supported"):
    good(1.0, [1, 2])


def test_jit_lower_compile_and_text():
  f = jax.jit(lambda x: jnp.sin(x) * 2)
  lowered = f.lower(jnp.ones(3))
  text = lowered.as_text()
  assert "np.sin(" in text and "def fn(" in text
  compiled = lowered.compile()
  np.testing.assert_allclose(compiled(jnp.ones(3)), np.sin(1.0) * 2 * np.ones(3), rtol=1e-6)


def test_jit_passes_cse_and_dce():
  def f(x):
    unused = jnp.exp(x)  # noqa: F841
    return jnp.sin(x) + jnp.sin(x)
  text = jax.jit(f).lower(jnp.ones(2)).as_text()
  assert text.count("np.sin(") == 1
  assert "np.exp(" not in text


def test_jit_method_and_decorator_forms():
  import functools

  class Model:
    def __init__(self, k):
      self.k = k

    @functools.partial(jax.jit, static_argnums=0)
    def __call__(self, x):
      return x * self.k

  assert float(Model(3)(jnp.array(2.0))) == 6.0
  g = jax.jit(static_argnums=0)(lambda n, x: x * n)
  assert float(g(3, 2.0)) == 6.0


def test_disable_jit_runs_python():
  seen = []

  @jax.jit
  def f(x):
    seen.append(type(x).__name__)
    return x + 1

  with jax.disable_jit():
    f(jnp.ones(2))
  assert seen == ["ArrayImpl"]


def test_log_compiles_and_explain_cache_misses(caplog):
  f = jax.jit(lambda x: x + 1)
  with caplog.at_level(logging.WARNING, logger="jaxlite"):
    with jax.log_compiles(), jax.explain_cache_misses():
      f(jnp.ones(2))
      f(jnp.ones(3))
  text = caplog.text
  assert "Compiling <lambda>" in text
  assert "TRACING CACHE MISS" in text and "float32[2] to float32[3]" in text


def test_jit_outputs_weak_types_like_jax():
  out = jax.jit(lambda x: x * 2)(1.0)
  assert out.weak_type and out.dtype == np.float32
  assert repr(out) == "Array(2., dtype=float32, weak_type=True)"


def test_make_jaxpr_of_nested_jit_and_static_argnums():
  jaxpr = jax.make_jaxpr(lambda x: jax.jit(jnp.sin)(x) + 1)(jnp.ones(3))
  assert [e.primitive.name for e in jaxpr.eqns] == ["jit", "add"]
  assert jaxpr.eqns[0].params["name"] == "sin"
  jaxpr = jax.make_jaxpr(lambda x, n: x * n, static_argnums=1)(jnp.ones(3), 3)
  assert len(jaxpr.jaxpr.invars) == 1


def test_check_jaxpr_accepts_traced_programs():
  from jaxlite._src.jaxpr import check_jaxpr
  closed = jax.make_jaxpr(jax.grad(simple_graph))(jnp.ones(3))
  check_jaxpr(closed.jaxpr)


# ---------------------------------------------------------------------------
# The Array type

@pytest.mark.parametrize("make,text", [
    (lambda: jnp.array([1., 2.]), "Array([1., 2.], dtype=float32)"),
    (lambda: jnp.array([1, 2]), "Array([1, 2], dtype=int32)"),
    (lambda: jnp.array(1.), "Array(1., dtype=float32, weak_type=True)"),
    (lambda: jnp.float32(1.), "Array(1., dtype=float32)"),
    (lambda: jnp.array([True, False]), "Array([ True, False], dtype=bool)"),
    (lambda: jnp.zeros((2, 3)), "Array([[0., 0., 0.],\n       [0., 0., 0.]], dtype=float32)"),
    (lambda: jnp.ones(3, jnp.bfloat16), "Array([1, 1, 1], dtype=bfloat16)"),
    (lambda: jnp.zeros((0,)), "Array([], shape=(0,), dtype=float32)"),
    (lambda: jnp.zeros((2, 0)), "Array([], shape=(2, 0), dtype=float32)"),
    (lambda: jnp.arange(2000), "Array([   0,    1,    2, ..., 1997, 1998, 1999], dtype=int32)"),
    (lambda: jnp.array([1 + 2j]), "Array([1.+2.j], dtype=complex64)"),
    (lambda: jnp.array(3, jnp.uint8), "Array(3, dtype=uint8)"),
])
def test_array_repr_like_jax(make, text):
  assert repr(make()) == text


def test_array_attributes_and_conversions():
  x = jnp.arange(6.0).reshape(2, 3)
  assert (x.shape, x.dtype, x.ndim, x.size) == ((2, 3), np.float32, 2, 6)
  assert str(x) == "[[0. 1. 2.]\n [3. 4. 5.]]"
  assert len(x) == 2 and [r.shape for r in x] == [(3,), (3,)]
  view = np.asarray(x)
  assert not view.flags.writeable
  assert float(jnp.array(2.5)) == 2.5 and int(jnp.array(2.7)) == 2
  assert jnp.ones(3).tolist() == [1.0, 1.0, 1.0] and jnp.array(2.5).item() == 2.5
  assert format(jnp.array(1.5), ".3f") == "1.500"
  assert isinstance(x, jax.Array)
  with pytest.raises(ValueError, match="truth value of an array with more than one element"):
    bool(jnp.ones(3))
  with pytest.raises(TypeError, match="Only scalar arrays can be converted"):
    float(jnp.ones(3))
  with pytest.raises(TypeError, match="len\\(\\) of unsized object"):
    len(jnp.array(1.0))
  with pytest.raises(TypeError, match="unhashable"):
    hash(x)


def test_array_devices_and_pickle():
  x = jnp.ones(3)
  assert repr(jax.devices()) == "[CpuDevice(id=0)]"
  assert x.devices() == {jax.devices()[0]}
  assert x.block_until_ready() is x
  y = jax.device_put(np.arange(3.0))
  assert isinstance(y, jax.Array) and y.dtype == np.float32
  got = jax.device_get({"a": x})
  assert isinstance(got["a"], np.ndarray)
  z = pickle.loads(pickle.dumps(jnp.array(2.0)))
  assert repr(z) == "Array(2., dtype=float32, weak_type=True)"


def test_array_methods():
  x = jnp.arange(6.0).reshape(2, 3)
  assert x.T.shape == (3, 2)
  assert x.reshape(3, 2).shape == (3, 2) and x.reshape((6,)).shape == (6,)
  assert float(x.sum()) == 15.0 and x.sum(axis=0).shape == (3,)
  np.testing.assert_allclose(x.mean(axis=1), [1.0, 4.0])
  assert float(x.max()) == 5.0 and x.astype(jnp.int32).dtype == np.int32
  assert x.ravel().shape == (6,) and x.flatten().shape == (6,)
  np.testing.assert_allclose((x @ x.T), np.asarray(x) @ np.asarray(x).T)
  np.testing.assert_allclose(x.clip(1, 4).min(), 1.0)
  assert x[None].shape == (1, 2, 3) if hasattr(x, "at") else True
  np.testing.assert_allclose(2.0 - x, 2.0 - np.asarray(x))
  np.testing.assert_allclose(2.0 / (x + 1), 2.0 / (np.asarray(x) + 1))
  assert (x == x).dtype == np.bool_


# ---------------------------------------------------------------------------
# Errors

def test_tracer_conversion_errors_name_function_and_argument():
  with pytest.raises(errors.TracerBoolConversionError,
                     match="depends on the value of the argument x"):
    jax.jit(lambda x: 1 if x > 0 else 2)(1.0)
  with pytest.raises(errors.ConcretizationTypeError, match="problem arose with the `int`"):
    jax.jit(lambda x: int(x))(1.0)
  with pytest.raises(errors.TracerArrayConversionError, match="__array__"):
    jax.jit(lambda x: np.asarray(x))(1.0)
  with pytest.raises(errors.TracerIntegerConversionError, match="__index__"):
    jax.jit(lambda x: list(range(x)))(3)
  with pytest.raises(errors.TracerBoolConversionError, match=r"arguments d\['a'\] and y"):
    jax.jit(lambda d, y: 1 if d["a"] + y > 0 else 2)({"a": 1.0}, 2.0)
  with pytest.raises(errors.TracerBoolConversionError, match="lax.cond"):
    jax.jit(lambda x: 1 if x > 0 else 2)(1.0)


def test_leaked_tracer_is_an_unexpected_tracer_error():
  leaked = []

  @jax.jit
  def f(x):
    leaked.append(x)
    return x

  f(1.0)
  with pytest.raises(errors.UnexpectedTracerError, match="escape the scope"):
    jnp.sin(leaked[0])


def test_grad_errors():
  with pytest.raises(TypeError, match="grad requires real- or complex-valued inputs"):
    jax.grad(lambda x: x)(1)
  with pytest.raises(TypeError, match=r"Gradient only defined for scalar-output functions. "
                                      r"Output had shape: \(3,\)"):
    jax.grad(lambda x: x)(jnp.ones(3))
  with pytest.raises(TypeError, match="grad requires real-valued outputs"):
    jax.grad(lambda x: x.astype(jnp.int32))(1.0)


def test_vmap_errors():
  with pytest.raises(ValueError, match="vmap got inconsistent sizes for array axes to be mapped"):
    jax.vmap(lambda x, y: x + y)(jnp.ones(3), jnp.ones(4))
  with pytest.raises(ValueError, match="map its argument along axis 2, which implies that its "
                                       "rank should be at least 3, but is only 1"):
    jax.vmap(lambda x: x, in_axes=2)(jnp.ones(3))


def test_lax_errors():
  with pytest.raises(TypeError, match="lax.add requires arguments to have the same dtypes, got "
                                      "int32, float32"):
    lax.add(jnp.ones(3, jnp.int32), jnp.ones(3))
  with pytest.raises(TypeError, match="add got incompatible shapes for broadcasting: "
                                      r"\(3,\), \(4,\)"):
    jnp.ones(3) + jnp.ones(4)
  with pytest.raises(TypeError, match="sin does not accept dtype int32"):
    lax.sin(jnp.ones(3, jnp.int32))
  with pytest.raises(TypeError, match="dot_general requires contracting dimensions to have "
                                      r"the same shape, got \(3,\) and \(4,\)"):
    jnp.ones((2, 3)) @ jnp.ones((4, 5))
  np.testing.assert_allclose(lax.add(jnp.ones(3), 1.0), [2.0, 2.0, 2.0])
  with pytest.raises(TypeError, match="got float32, int32"):
    lax.add(jnp.ones(3), 1)


def test_jit_non_array_argument_error():
  with pytest.raises(TypeError, match="Error interpreting argument to .* as an abstract array. "
                                      "The problematic value is of type <class 'str'> and was "
                                      "passed to the function at path y"):
    jax.jit(lambda x, y: x)(1.0, "abc")


def test_same_jitted_function_called_twice_inside_jit():
  f = jax.jit(lambda v: v * 2.0)
  assert float(jax.jit(lambda x, y: f(x) + f(y))(1.0, 5.0)) == 12.0
  g = jax.jit(lambda v: (v * 2.0, v + 1))
  assert float(jax.jit(lambda x: g(g(x)[0])[1] + g(x)[0])(1.0)) == 5.0


def test_grad_keeps_weak_type_of_weak_inputs():
  g = jax.grad(lambda x: x * 3.0)(1.0)
  assert g.weak_type and repr(g) == "Array(3., dtype=float32, weak_type=True)"
  assert not jax.grad(lambda x: x * 3.0)(jnp.float32(1.0)).weak_type


def test_tracers_are_arrays_and_like_functions_keep_weak_types():
  seen = []
  jax.jit(lambda x: seen.append(isinstance(x, jax.Array)) or x)(1.0)
  assert seen == [True]
  assert jnp.zeros_like(jnp.array(1.0)).weak_type and jnp.full_like(1.0, 2).weak_type
  assert not jnp.ones_like(jnp.float32(1.0)).weak_type


def test_linear_transpose_and_vectorize():
  t = jax.linear_transpose(lambda x: 2 * x + x[::-1], jnp.ones(3))
  np.testing.assert_allclose(t(jnp.array([1.0, 2.0, 3.0]))[0], [5.0, 6.0, 7.0])
  dot = jnp.vectorize(jnp.dot, signature="(n),(n)->()")
  np.testing.assert_allclose(dot(jnp.ones((2, 3)), jnp.arange(3.0)), [3.0, 3.0])
  assert jnp.iscomplexobj(jnp.ones(2, jnp.complex64)) and jnp.isrealobj(jnp.ones(2))


def test_eager_division_by_zero_is_silent():
  import warnings
  with warnings.catch_warnings():
    warnings.simplefilter("error")
    assert np.isinf(np.asarray(jnp.ones(2) / jnp.zeros(2))).all()


def test_vmap_of_grad_adds_batched_and_unbatched_cotangents():
  # One cotangent contribution depends on the batched p, the other does not.
  f = jax.grad(lambda p, q: jnp.where(p > 0, q, 1.0) + q, 1)
  got = jax.vmap(f)(jnp.array([0.5, -1.]), jnp.array([0.3, 0.2]))
  np.testing.assert_array_equal(np.asarray(got), [2., 1.])


def test_shape_dtype_struct_keeps_its_dtype_and_tracing_canonicalizes_it():
  s = jax.ShapeDtypeStruct((2,), np.int64)
  assert s.dtype == np.int64 and jax.ShapeDtypeStruct((2,), float).dtype == np.float64
  out = jax.eval_shape(lambda x: x + 1, s)
  assert out.dtype == np.int32 and out.shape == (2,)
  assert "a:f32[2]" in str(jax.make_jaxpr(lambda x: x + 1)(jax.ShapeDtypeStruct((2,), float)))


def test_jit_lowers_and_traces_shape_dtype_structs_but_refuses_to_run_them():
  s = jax.ShapeDtypeStruct((2,), jnp.float32)
  f = jax.jit(lambda x: x * 2)
  assert str(f.trace(s).jaxpr) == "{ lambda ; a:f32[2]. let b:f32[2] = mul a 2.0:f32[] in (b,) }"
  assert "def " in f.lower(s).as_text()
  assert f.eval_shape(s).shape == (2,)
  with pytest.raises(TypeError, match="is not a valid JAX type"):
    f(s)


def test_the_jit_cache_is_bounded(monkeypatch):
  from jaxlite._src import jit as jit_module
  monkeypatch.setattr(jit_module, "CACHE_SIZE", 3)
  f = jax.jit(lambda x: x + 1)
  for n in range(1, 6):
    f(jnp.ones(n))
  assert f._cache_size() == 3
  np.testing.assert_array_equal(f(jnp.ones(1)), [2.0])  # evicted, traced again
