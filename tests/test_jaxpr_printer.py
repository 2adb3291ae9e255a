"""The jaxpr printer: text identical to JAX 0.10.2's ``str(jax.make_jaxpr(f)(*args))``.

Every expected text is a literal output of the real JAX (or follows JAX's printing rule
where a comment says so). Jaxprs with primitives other modules provide are built equation
by equation with stand-in primitives and param types, so they test the printer alone.
Traced programs are in test_jaxpr_printer_programs.py."""
import enum
from typing import NamedTuple

import numpy as np
import pytest

import jaxlite as jax
import jaxlite.numpy as jnp
from jaxlite import lax
from jaxlite._src import core
from jaxlite._src import jaxpr_printer as pp
from jaxlite._src.core import ShapedArray
from jaxlite._src.dtypes import bfloat16
from jaxlite._src.jaxpr import ClosedJaxpr, Jaxpr, JaxprEqn, Literal, Var


# ---------------------------------------------------------------------------
# Hand-built jaxprs

_DTYPES = {"f32": np.float32, "f16": np.float16, "bf16": bfloat16, "i32": np.int32,
           "u32": np.uint32, "bool": np.bool_, "c64": np.complex64}


def _aval(t):
  """'f32[3,4]' -> ShapedArray((3, 4), float32)."""
  name, dims = t[:-1].split("[")
  return ShapedArray(tuple(int(d) for d in dims.split(",") if d), _DTYPES[name])


def V(*types):
  vs = [Var(_aval(t)) for t in types]
  return vs[0] if len(vs) == 1 else vs


def L(val, t):
  aval = _aval(t)
  return Literal(np.asarray(val, aval.dtype)[()], aval)


class _StandInPrimitive(core.Primitive):
  """Has a real primitive's name but stays out of ``core.all_primitives``."""

  def __init__(self, name):
    self.name = name


def E(prim, ins, outs, /, **params):
  return JaxprEqn(ins, outs, _StandInPrimitive(prim), params)


def J(invars, outvars, eqns, constvars=()):
  return Jaxpr(constvars, invars, outvars, eqns)


def jit_eqn(ins, outs, jaxpr, name, **params):
  return E("jit", ins, outs, jaxpr=ClosedJaxpr(jaxpr, []), name=name, **params)


# Stand-ins with the str() of JAX's param types.
class GatherDimensionNumbers(NamedTuple):
  offset_dims: tuple
  collapsed_slice_dims: tuple
  start_index_map: tuple
  operand_batching_dims: tuple = ()
  start_indices_batching_dims: tuple = ()


class ScatterDimensionNumbers(NamedTuple):
  update_window_dims: tuple
  inserted_window_dims: tuple
  scatter_dims_to_operand_dims: tuple
  operand_batching_dims: tuple = ()
  scatter_indices_batching_dims: tuple = ()


class ConvDimensionNumbers(NamedTuple):
  lhs_spec: tuple
  rhs_spec: tuple
  out_spec: tuple


class GatherScatterMode(enum.Enum):
  CLIP = 0
  FILL_OR_DROP = 1
  PROMISE_IN_BOUNDS = 2


def test_gather_with_constvar_and_namedtuple_params():
  a, b = V("i32[2]", "f32[4,3]")
  c, d, e, f, g = V("bool[2]", "i32[2]", "i32[2]", "i32[2,1]", "f32[2,3]")
  dnums = GatherDimensionNumbers(offset_dims=(1,), collapsed_slice_dims=(0,),
                                 start_index_map=(0,))
  jaxpr = J([b], [g], [
      E("lt", [a, L(0, "i32[]")], [c]),
      E("add", [a, L(4, "i32[]")], [d]),
      E("select_n", [c, a, d], [e]),
      E("broadcast_in_dim", [e], [f], shape=(2, 1), broadcast_dimensions=(0,), sharding=None),
      E("gather", [b, f], [g], dimension_numbers=dnums, slice_sizes=(1, 3),
        unique_indices=False, indices_are_sorted=False,
        mode=GatherScatterMode.PROMISE_IN_BOUNDS, fill_value=None),
  ], constvars=[a])
  assert str(jaxpr) == """\
{ lambda a:i32[2]; b:f32[4,3]. let
    c:bool[2] = lt a 0:i32[]
    d:i32[2] = add a 4:i32[]
    e:i32[2] = select_n c a d
    f:i32[2,1] = broadcast_in_dim[broadcast_dimensions=(0,)] e
    g:f32[2,3] = gather[
      dimension_numbers=GatherDimensionNumbers(offset_dims=(1,), collapsed_slice_dims=(0,), start_index_map=(0,), operand_batching_dims=(), start_indices_batching_dims=())
      fill_value=None
      indices_are_sorted=False
      mode=GatherScatterMode.PROMISE_IN_BOUNDS
      slice_sizes=(1, 3)
      unique_indices=False
    ] b f
  in (g,) }"""


def test_scatter_add_with_update_jaxpr():
  a, b, c = V("f32[4]", "i32[1]", "f32[4]")
  x, y, z = V("f32[]", "f32[]", "f32[]")
  update = J([x, y], [z], [E("add", [x, y], [z])])
  dnums = ScatterDimensionNumbers(update_window_dims=(), inserted_window_dims=(0,),
                                  scatter_dims_to_operand_dims=(0,))
  jaxpr = J([a], [c], [
      E("broadcast_in_dim", [L(1, "i32[]")], [b], shape=(1,), broadcast_dimensions=(),
        sharding=None),
      E("scatter-add", [a, b, L(2.0, "f32[]")], [c], update_jaxpr=update, update_consts=(),
        dimension_numbers=dnums, indices_are_sorted=True, unique_indices=True,
        mode=GatherScatterMode.FILL_OR_DROP),
  ])
  assert str(jaxpr) == """\
{ lambda ; a:f32[4]. let
    b:i32[1] = broadcast_in_dim 1:i32[]
    c:f32[4] = scatter-add[
      dimension_numbers=ScatterDimensionNumbers(update_window_dims=(), inserted_window_dims=(0,), scatter_dims_to_operand_dims=(0,), operand_batching_dims=(), scatter_indices_batching_dims=())
      indices_are_sorted=True
      mode=GatherScatterMode.FILL_OR_DROP
      unique_indices=True
      update_consts=()
      update_jaxpr={ lambda ; d:f32[] e:f32[]. let f:f32[] = add d e in (f,) }
    ] a b 2.0:f32[]
  in (c,) }"""


def test_slice_and_squeeze():
  a, b, c = V("f32[4,3]", "f32[1,3]", "f32[3]")
  jaxpr = J([a], [c], [
      E("slice", [a], [b], start_indices=(0, 0), limit_indices=(1, 3), strides=None),
      E("squeeze", [b], [c], dimensions=(0,)),
  ])
  assert str(jaxpr) == """\
{ lambda ; a:f32[4,3]. let
    b:f32[1,3] = slice[limit_indices=(1, 3) start_indices=(0, 0) strides=None] a
    c:f32[3] = squeeze[dimensions=(0,)] b
  in (c,) }"""


class UnspecifiedValue:
  def __repr__(self):
    return "UnspecifiedValue"


class _EmptyMesh:
  empty = True


def test_jnp_pad_jit_hides_default_params_and_reuses_caller_names():
  a, b = V("f32[3]", "f32[6]")
  x, c, d, y = V("f32[3]", "i32[]", "f32[]", "f32[6]")
  inner = J([x, c], [y], [
      E("convert_element_type", [c], [d], new_dtype=np.dtype("float32"), weak_type=False,
        sharding=None),
      E("pad", [x, d], [y], padding_config=((np.int64(1), np.int64(2), 0),)),
  ])
  # The params JAX attaches to every jit call; all at their defaults, so all hidden.
  defaults = dict(in_shardings=(UnspecifiedValue(),) * 2, out_shardings=(UnspecifiedValue(),),
                  in_layouts=(None, None), out_layouts=(None,), donated_invars=(False, False),
                  ctx_mesh=_EmptyMesh(), keep_unused=False, inline=False,
                  compiler_options_kvs=())
  jaxpr = J([a], [b], [jit_eqn([a, L(0, "i32[]")], [b], inner, "_pad", **defaults)])
  assert str(jaxpr) == """\
{ lambda ; a:f32[3]. let
    b:f32[6] = jit[
      name=_pad
      jaxpr={ lambda ; a:f32[3] c:i32[]. let
          d:f32[] = convert_element_type[new_dtype=float32 weak_type=False] c
          b:f32[6] = pad[padding_config=((np.int64(1), np.int64(2), 0),)] a d
        in (b,) }
    ] a 0:i32[]
  in (b,) }"""


def test_jit_shows_params_off_their_defaults():
  a, b, c = V("f32[3]", "f32[3]", "f32[3]")
  x, y, z = V("f32[3]", "f32[3]", "f32[3]")
  inner = J([x, y], [z], [E("add", [x, y], [z])])
  jaxpr = J([a, b], [c], [jit_eqn([a, b], [c], inner, "<lambda>",
                                  donated_invars=(True, False), inline=False)])
  assert str(jaxpr) == """\
{ lambda ; a:f32[3] b:f32[3]. let
    c:f32[3] = jit[
      name=<lambda>
      donated_invars=(True, False)
      jaxpr={ lambda ; a:f32[3] b:f32[3]. let c:f32[3] = add a b in (c,) }
    ] a b
  in (c,) }"""


def test_conv_general_dilated_breaks_params_one_per_line():
  a, b, c = V("f32[1,2,5,5]", "f32[3,2,3,3]", "f32[1,3,5,5]")
  jaxpr = J([a, b], [c], [E(
      "conv_general_dilated", [a, b], [c], window_strides=(1, 1), padding=((1, 1), (1, 1)),
      lhs_dilation=(1, 1), rhs_dilation=(1, 1),
      dimension_numbers=ConvDimensionNumbers((0, 1, 2, 3), (0, 1, 2, 3), (0, 1, 2, 3)),
      feature_group_count=1, batch_group_count=1, precision=None,
      preferred_element_type=None, out_sharding=None)])
  assert str(jaxpr) == """\
{ lambda ; a:f32[1,2,5,5] b:f32[3,2,3,3]. let
    c:f32[1,3,5,5] = conv_general_dilated[
      batch_group_count=1
      dimension_numbers=ConvDimensionNumbers(lhs_spec=(0, 1, 2, 3), rhs_spec=(0, 1, 2, 3), out_spec=(0, 1, 2, 3))
      feature_group_count=1
      lhs_dilation=(1, 1)
      out_sharding=None
      padding=((1, 1), (1, 1))
      precision=None
      preferred_element_type=None
      rhs_dilation=(1, 1)
      window_strides=(1, 1)
    ] a b
  in (c,) }"""


def test_reduce_window_with_jaxpr_and_empty_consts():
  a, b = V("f32[4,4]", "f32[3,3]")
  x, y, z = V("f32[]", "f32[]", "f32[]")
  jaxpr = J([a], [b], [E(
      "reduce_window", [a, L(1.0, "f32[]")], [b], jaxpr=J([x, y], [z], [E("mul", [x, y], [z])]),
      consts=(), window_dimensions=(2, 2), window_strides=(1, 1), padding=((0, 0), (0, 0)),
      base_dilation=(1, 1), window_dilation=(1, 1))])
  assert str(jaxpr) == """\
{ lambda ; a:f32[4,4]. let
    b:f32[3,3] = reduce_window[
      base_dilation=(1, 1)
      consts=()
      jaxpr={ lambda ; c:f32[] d:f32[]. let e:f32[] = mul c d in (e,) }
      padding=((0, 0), (0, 0))
      window_dilation=(1, 1)
      window_dimensions=(2, 2)
      window_strides=(1, 1)
    ] a 1.0:f32[]
  in (b,) }"""


def _argsort_body():
  x, idx, keys, perm = V("f32[3]", "i32[3]", "f32[3]", "i32[3]")
  return J([x], [perm], [
      E("iota", [], [idx], dtype=np.dtype("int32"), shape=(3,), dimension=0, sharding=None),
      E("sort", [x, idx], [keys, perm], dimension=0, is_stable=True, num_keys=1),
  ])


def test_argsort_iota_trailing_space_and_unused_outputs():
  body = _argsort_body()
  a, b = V("f32[3]", "i32[3]")
  assert str(J([a], [b], [jit_eqn([a], [b], body, "argsort")])) == """\
{ lambda ; a:f32[3]. let
    b:i32[3] = jit[
      name=argsort
      jaxpr={ lambda ; a:f32[3]. let
          c:i32[3] = iota[dimension=0 dtype=int32 shape=(3,) sharding=None]\x20
          d:f32[3] b:i32[3] = sort[dimension=0 is_stable=True num_keys=1] a c
        in (b,) }
    ] a
  in (b,) }"""
  # Only a top-level jaxpr prints outputs nobody reads as `_`.
  assert str(body) == """\
{ lambda ; a:f32[3]. let
    b:i32[3] = iota[dimension=0 dtype=int32 shape=(3,) sharding=None]\x20
    _:f32[3] c:i32[3] = sort[dimension=0 is_stable=True num_keys=1] a b
  in (c,) }"""


def test_cond_branches_tuple():
  a, b, c, d = V("f32[]", "bool[]", "i32[]", "f32[]")
  e, f, g, h = V("f32[]", "f32[]", "f32[]", "f32[]")
  branches = (ClosedJaxpr(J([e], [f], [E("cos", [e], [f], accuracy=None)]), []),
              ClosedJaxpr(J([g], [h], [E("sin", [g], [h], accuracy=None)]), []))
  jaxpr = J([a], [d], [
      E("gt", [a, L(0.0, "f32[]")], [b]),
      E("convert_element_type", [b], [c], new_dtype=np.dtype("int32"), weak_type=False,
        sharding=None),
      E("cond", [c, a], [d], branches=branches),
  ])
  assert str(jaxpr) == """\
{ lambda ; a:f32[]. let
    b:bool[] = gt a 0.0:f32[]
    c:i32[] = convert_element_type[new_dtype=int32 weak_type=False] b
    d:f32[] = cond[
      branches=(
        { lambda ; e:f32[]. let f:f32[] = cos e in (f,) }
        { lambda ; g:f32[]. let h:f32[] = sin g in (h,) }
      )
    ] c a
  in (d,) }"""


def test_scan_and_while():
  a, i_out, b = V("f32[]", "i32[]", "f32[]")
  c, d, e, f = V("i32[]", "f32[]", "i32[]", "f32[]")
  body = J([c, d], [e, f], [E("add", [c, L(1, "i32[]")], [e]),
                            E("mul", [d, L(2.0, "f32[]")], [f], out_dtype=None)])
  scan = J([a], [b], [E("scan", [L(0, "i32[]"), a], [i_out, b], reverse=False, length=3,
                        jaxpr=ClosedJaxpr(body, []), num_consts=0, num_carry=2, unroll=1)])
  assert str(scan) == """\
{ lambda ; a:f32[]. let
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
  a, b = V("f32[]", "f32[]")
  c, d, e, f = V("f32[]", "f32[]", "f32[]", "bool[]")
  loop = J([a], [b], [E(
      "while", [a], [b], cond_nconsts=0, body_nconsts=0,
      cond_jaxpr=ClosedJaxpr(J([e], [f], [E("lt", [e, L(10.0, "f32[]")], [f])]), []),
      body_jaxpr=ClosedJaxpr(J([c], [d], [E("mul", [c, L(2.0, "f32[]")], [d])]), []))])
  assert str(loop) == """\
{ lambda ; a:f32[]. let
    b:f32[] = while[
      body_jaxpr={ lambda ; c:f32[]. let d:f32[] = mul c 2.0:f32[] in (d,) }
      body_nconsts=0
      cond_jaxpr={ lambda ; e:f32[]. let f:bool[] = lt e 10.0:f32[] in (f,) }
      cond_nconsts=0
    ] a
  in (b,) }"""


def test_custom_jvp_call_named_after_its_function():
  def jvp():
    pass

  c, d = V("f32[]", "f32[]")
  x, y = V("f32[]", "f32[]")
  relu = J([x], [y], [E("max", [x, L(0.0, "f32[]")], [y])])
  call = Jaxpr([], [c], [d], [jit_eqn([c], [d], relu, "relu")], debug_info="relu")
  a, dropped, g, h = V("f32[]", "f32[]", "bool[]", "f32[]")
  jaxpr = J([a], [h], [
      E("custom_jvp_call", [a], [dropped], call_jaxpr=ClosedJaxpr(call, []),
        jvp_jaxpr_fun=jvp, num_consts=0, symbolic_zeros=False),
      E("gt", [a, L(0.0, "f32[]")], [g]),
      E("select_n", [g, L(0.0, "f32[]"), L(1.0, "f32[]")], [h]),
  ])
  assert str(jaxpr) == """\
{ lambda ; a:f32[]. let
    _:f32[] = custom_jvp_call[
      name=relu
      call_jaxpr={ lambda ; b:f32[]. let
          c:f32[] = jit[
            name=relu
            jaxpr={ lambda ; b:f32[]. let c:f32[] = max b 0.0:f32[] in (c,) }
          ] b
        in (c,) }
      jvp=jvp
      symbolic_zeros=False
    ] a
    d:bool[] = gt a 0.0:f32[]
    e:f32[] = select_n d 0.0:f32[] 1.0:f32[]
  in (e,) }"""


def _where_jaxpr(pred, dtype):
  p, on_false, on_true, out = V(pred, dtype, dtype, dtype)
  return J([p, on_false, on_true], [out], [E("select_n", [p, on_true, on_false], [out])])


def test_long_sub_jaxpr_is_hoisted_and_its_name_skipped():
  # jnp.remainder on int32: the body has more than 10 equations, so it is printed first.
  a, b, c, d, e = V("i32[3]", "i32[]", "i32[]", "bool[]", "i32[]")
  g, h, i, j, k, l, m, n = V("i32[3]", "bool[3]", "bool[3]", "bool[]", "bool[3]", "bool[3]",
                             "i32[3]", "i32[3]")
  body = J([a, b], [n], [
      E("convert_element_type", [b], [c], new_dtype=np.dtype("int32"), weak_type=False,
        sharding=None),
      E("eq", [c, L(0, "i32[]")], [d]),
      jit_eqn([d, L(1, "i32[]"), c], [e], _where_jaxpr("bool[]", "i32[]"), "_where"),
      E("rem", [a, e], [g]),
      E("ne", [g, L(0, "i32[]")], [h]),
      E("lt", [g, L(0, "i32[]")], [i]),
      E("lt", [e, L(0, "i32[]")], [j]),
      E("ne", [i, j], [k]),
      E("and", [k, h], [l]),
      E("add", [g, e], [m]),
      E("select_n", [l, g, m], [n]),
  ])
  o, p = V("i32[3]", "i32[3]")
  jaxpr = J([o], [p], [jit_eqn([o, L(2, "i32[]")], [p], body, "remainder")])
  assert str(jaxpr) == """\
let remainder = { lambda ; a:i32[3] b:i32[]. let
    c:i32[] = convert_element_type[new_dtype=int32 weak_type=False] b
    d:bool[] = eq c 0:i32[]
    e:i32[] = jit[
      name=_where
      jaxpr={ lambda ; d:bool[] f:i32[] c:i32[]. let
          e:i32[] = select_n d c f
        in (e,) }
    ] d 1:i32[] c
    g:i32[3] = rem a e
    h:bool[3] = ne g 0:i32[]
    i:bool[3] = lt g 0:i32[]
    j:bool[] = lt e 0:i32[]
    k:bool[3] = ne i j
    l:bool[3] = and k h
    m:i32[3] = add g e
    n:i32[3] = select_n l g m
  in (n,) } in
{ lambda ; o:i32[3]. let
    p:i32[3] = jit[name=remainder jaxpr=remainder] o 2:i32[]
  in (p,) }"""


def test_norm_hoists_a_sub_jaxpr_nested_in_another_call():
  # x.std(0) calls _var (12 equations) inside _std: _var is hoisted, _std stays inline.
  a, b, c, d, e, f, g, h, i, j, k, l, m = V(
      "f32[3,4]", "i32[]", "f32[4]", "f32[1,4]", "f32[1,4]", "f32[3,4]", "f32[3,4]", "f32[]",
      "f32[]", "f32[4]", "f32[4]", "bool[]", "f32[4]")
  pred, on_true, n, o, p, out = V("bool[]", "f32[4]", "f32[]", "f32[]", "f32[4]", "f32[4]")
  where = J([pred, on_true, n], [out], [
      E("convert_element_type", [n], [o], new_dtype=np.dtype("float32"), weak_type=False,
        sharding=None),
      E("broadcast_in_dim", [o], [p], shape=(4,), broadcast_dimensions=(), sharding=None),
      E("select_n", [pred, p, on_true], [out]),
  ])
  var = J([a, b], [m], [
      E("reduce_sum", [a], [c], axes=(0,), out_sharding=None),
      E("broadcast_in_dim", [c], [d], shape=(1, 4), broadcast_dimensions=(1,), sharding=None),
      E("div", [d, L(3.0, "f32[]")], [e]),
      E("sub", [a, e], [f]),
      E("square", [f], [g]),
      E("convert_element_type", [b], [h], new_dtype=np.dtype("float32"), weak_type=False,
        sharding=None),
      E("sub", [L(3.0, "f32[]"), h], [i]),
      E("reduce_sum", [g], [j], axes=(0,), out_sharding=None),
      E("div", [j, i], [k]),
      E("gt", [i, L(0.0, "f32[]")], [l]),
      jit_eqn([l, k, L(np.nan, "f32[]")], [m], where, "_where"),
  ])
  u, w, x, v = V("f32[3,4]", "i32[]", "f32[4]", "f32[4]")
  std = J([u, w], [v], [jit_eqn([u, w], [x], var, "_var"), E("sqrt", [x], [v], accuracy=None)])
  q, r, s, t, u2, v2, y, z = V("f32[3,4]", "f32[4]", "f32[4]", "f32[1,4]", "f32[3,4]",
                               "f32[4]", "f32[1,4]", "f32[3,4]")
  jaxpr = J([q], [z], [
      E("reduce_sum", [q], [r], axes=(0,), out_sharding=None),
      E("div", [r, L(3.0, "f32[]")], [s]),
      E("broadcast_in_dim", [s], [t], shape=(1, 4), broadcast_dimensions=(1,), sharding=None),
      E("sub", [q, t], [u2]),
      jit_eqn([u2, L(0, "i32[]")], [v2], std, "_std"),
      E("broadcast_in_dim", [v2], [y], shape=(1, 4), broadcast_dimensions=(1,), sharding=None),
      E("div", [u2, y], [z]),
  ])
  assert str(jaxpr) == """\
let _var = { lambda ; a:f32[3,4] b:i32[]. let
    c:f32[4] = reduce_sum[axes=(0,) out_sharding=None] a
    d:f32[1,4] = broadcast_in_dim[broadcast_dimensions=(1,)] c
    e:f32[1,4] = div d 3.0:f32[]
    f:f32[3,4] = sub a e
    g:f32[3,4] = square f
    h:f32[] = convert_element_type[new_dtype=float32 weak_type=False] b
    i:f32[] = sub 3.0:f32[] h
    j:f32[4] = reduce_sum[axes=(0,) out_sharding=None] g
    k:f32[4] = div j i
    l:bool[] = gt i 0.0:f32[]
    m:f32[4] = jit[
      name=_where
      jaxpr={ lambda ; l:bool[] k:f32[4] n:f32[]. let
          o:f32[] = convert_element_type[new_dtype=float32 weak_type=False] n
          p:f32[4] = broadcast_in_dim o
          m:f32[4] = select_n l p k
        in (m,) }
    ] l k nan:f32[]
  in (m,) } in
{ lambda ; q:f32[3,4]. let
    r:f32[4] = reduce_sum[axes=(0,) out_sharding=None] q
    s:f32[4] = div r 3.0:f32[]
    t:f32[1,4] = broadcast_in_dim[broadcast_dimensions=(1,)] s
    u:f32[3,4] = sub q t
    v:f32[4] = jit[
      name=_std
      jaxpr={ lambda ; u:f32[3,4] w:i32[]. let
          x:f32[4] = jit[name=_var jaxpr=_var] u w
          v:f32[4] = sqrt x
        in (v,) }
    ] u 0:i32[]
    y:f32[1,4] = broadcast_in_dim[broadcast_dimensions=(1,)] v
    z:f32[3,4] = div u y
  in (z,) }"""


# ---------------------------------------------------------------------------
# Per-primitive param rules and value formatting

class Precision(enum.Enum):
  DEFAULT = 0
  HIGHEST = 2

  def __repr__(self):
    return f"Precision.{self.name}"


class _Opaque:
  """An object whose str() carries a memory address, like a function or a Tolerance."""

  def __init__(self, text):
    self.text = text

  def __str__(self):
    return self.text


def _one_eqn(prim, in_types, out_type, **params):
  ins, out = [Var(_aval(t)) for t in in_types], Var(_aval(out_type))
  return J(ins, [out], [E(prim, ins, [out], **params)])


def test_dot_general_hides_none_and_prints_dimension_numbers_as_lists():
  dims = (((1,), (0,)), ((), ()))
  plain = _one_eqn("dot_general", ["f32[2,3]", "f32[3,4]"], "f32[2,4]", dimension_numbers=dims,
                   precision=None, preferred_element_type=None, out_sharding=None)
  assert str(plain) == """\
{ lambda ; a:f32[2,3] b:f32[3,4]. let
    c:f32[2,4] = dot_general[dimension_numbers=(([1], [0]), ([], []))] a b
  in (c,) }"""
  precise = _one_eqn("dot_general", ["f32[2,3]", "f32[3,4]"], "f32[2,4]",
                     dimension_numbers=dims, precision=(Precision.HIGHEST, Precision.HIGHEST),
                     preferred_element_type=None, out_sharding=None)
  assert str(precise) == """\
{ lambda ; a:f32[2,3] b:f32[3,4]. let
    c:f32[2,4] = dot_general[
      dimension_numbers=(([1], [0]), ([], []))
      precision=(Precision.HIGHEST, Precision.HIGHEST)
    ] a b
  in (c,) }"""


def test_accuracy_and_out_dtype_hidden_only_when_none():
  assert str(_one_eqn("exp", ["f32[3]"], "f32[3]", accuracy=None)) == (
      "{ lambda ; a:f32[3]. let b:f32[3] = exp a in (b,) }")
  tolerance = _Opaque("<jax._src.lax.lax.Tolerance object at 0x7f3a2b1c4d50>")
  assert str(_one_eqn("exp", ["f32[3]"], "f32[3]", accuracy=tolerance)) == """\
{ lambda ; a:f32[3]. let
    b:f32[3] = exp[
      accuracy=<jax._src.lax.lax.Tolerance object at 0xXXXXXXXXXXXX>
    ] a
  in (b,) }"""
  assert str(_one_eqn("mul", ["f32[3]", "f32[3]"], "f32[3]", out_dtype=None)) == (
      "{ lambda ; a:f32[3] b:f32[3]. let c:f32[3] = mul a b in (c,) }")
  # Only the primitives JAX gives a rule hide a None accuracy.
  assert str(_one_eqn("asin", ["f32[3]"], "f32[3]", accuracy=None)) == (
      "{ lambda ; a:f32[3]. let b:f32[3] = asin[accuracy=None] a in (b,) }")


def test_reduce_masks_function_addresses():
  x, y, z, w = V("f32[]", "f32[]", "f32[]", "f32[]")
  body = J([x, y], [w], [E("mul", [x, y], [z], out_dtype=None),
                         E("add", [z, L(1.0, "f32[]")], [w])])
  a, b = V("f32[2,3]", "f32[2]")
  computation = _Opaque("<function <lambda>.<locals>.<lambda> at 0x7f0e5c3a1b50>")
  jaxpr = J([a], [b], [E("reduce", [a, L(1.0, "f32[]")], [b], computation=computation,
                         jaxpr=ClosedJaxpr(body, []), dimensions=(1,))])
  assert str(jaxpr) == """\
{ lambda ; a:f32[2,3]. let
    b:f32[2] = reduce[
      computation=<function <lambda>.<locals>.<lambda> at 0xXXXXXXXXXXXX>
      dimensions=(1,)
      jaxpr={ lambda ; c:f32[] d:f32[]. let
          e:f32[] = mul c d
          f:f32[] = add e 1.0:f32[]
        in (f,) }
    ] a 1.0:f32[]
  in (b,) }"""


def test_frozenset_params_print_sorted():
  jaxpr = _one_eqn("psum", ["f32[3]"], "f32[3]", axes=frozenset({"j", "i"}))
  assert str(jaxpr) == (
      "{ lambda ; a:f32[3]. let b:f32[3] = psum[axes=frozenset({'i', 'j'})] a in (b,) }")


def test_custom_rules_can_be_turned_off_and_registered():
  closed = jax.make_jaxpr(lambda x: jnp.zeros(3) + x)(jnp.ones(3))
  assert closed.pretty_print(custom_pp_eqn_rules=False) == """\
{ lambda ; a:f32[3]. let
    b:f32[3] = broadcast_in_dim[
      broadcast_dimensions=()
      shape=(3,)
      sharding=None
    ] 0.0:f32[]
    c:f32[3] = add b a
  in (c,) }"""
  jaxpr = _one_eqn("printer_test_prim", ["f32[3]"], "f32[3]", secret=1, shown=2)
  pp.register_param_printer("printer_test_prim",
                            lambda eqn, ctx: [("shown", eqn.params["shown"])])
  try:
    assert str(jaxpr) == (
        "{ lambda ; a:f32[3]. let b:f32[3] = printer_test_prim[shown=2] a in (b,) }")
  finally:
    del pp.param_printers["printer_test_prim"]


# ---------------------------------------------------------------------------
# Literals, names, options, layout

@pytest.mark.parametrize("val, t, text", [
    (2.0, "f32[]", "2.0:f32[]"), (3, "i32[]", "3:i32[]"), (True, "bool[]", "True:bool[]"),
    (np.nan, "f32[]", "nan:f32[]"), (-np.inf, "f32[]", "-inf:f32[]"),
    (0.044715, "f32[]", "0.044714998453855515:f32[]"), (1e20, "f32[]", "1.0000000200408773e+20:f32[]"),
    (0.1, "bf16[]", "0.10009765625:bf16[]"), (0.1, "f16[]", "0.0999755859375:f16[]"),
    (1 + 2j, "c64[]", "(1+2j):c64[]"), (1065353216, "u32[]", "1065353216:u32[]"),
])
def test_literal_text(val, t, text):
  assert pp.pp_literal_text(L(val, t)) == text


def test_non_scalar_literal_is_elided():
  aval = ShapedArray((2,), np.float32)
  assert pp.pp_literal_text(Literal(np.zeros(2, np.float32), aval)) == "[...]:f32[2]"


def test_variable_names():
  ns = [0, 1, 25, 26, 27, 51, 52, 675, 676, 677, 702, 703]
  assert [pp.encode_name(n) for n in ns] == [
      "a", "b", "z", "ba", "bb", "bz", "ca", "zz", "baa", "bab", "bba", "bbb"]


def test_print_shapes_false_and_eqn_repr():
  closed = jax.make_jaxpr(lambda x: jax.jit(jnp.sin)(x) + 1)(jnp.ones(3))
  assert closed.pretty_print(print_shapes=False) == """\
{ lambda ; a. let
    b = jit[name=sin jaxpr={ lambda ; a. let b = sin a in (b,) }] a
    c = add b 1.0:f32[]
  in (c,) }"""
  # An equation alone is named afresh; the call's operand is named before its result.
  assert repr(closed.eqns[0]) == """\
b:f32[3] = jit[
  name=sin
  jaxpr={ lambda ; a:f32[3]. let b:f32[3] = sin a in (b,) }
] a"""
  iota_eqn, add_eqn = jax.make_jaxpr(lambda x: x + lax.iota(jnp.float32, 3))(jnp.ones(3)).eqns
  assert repr(iota_eqn) == "a:f32[3] = iota[dimension=0 dtype=float32 shape=(3,) sharding=None]"
  assert repr(add_eqn) == "a:f32[3] = add b c"


def test_width_option():
  closed = jax.make_jaxpr(lambda x: x + 1)(jnp.ones(3, jnp.int32))
  one_line = "{ lambda ; a:i32[3]. let b:i32[3] = add a 1:i32[] in (b,) }"
  assert closed.pretty_print(width=len(one_line)) == one_line
  assert closed.pretty_print(width=len(one_line) - 1) == """\
{ lambda ; a:i32[3]. let
    b:i32[3] = add a 1:i32[]
  in (b,) }"""
  assert closed.pretty_print(width=20) == """\
{ lambda ; a:i32[3]. let
    b:i32[3] = add a
      1:i32[]
  in (b,) }"""


def test_layout_measures_only_the_group():
  # The text after a group may overflow: JAX decides each group on its own contents.
  doc = pp.concat(pp.group(pp.concat(pp.text("aaaa"), pp.brk(), pp.text("bbbb"))),
                  pp.text("cccc"))
  assert pp.format_doc(doc, width=9) == "aaaa bbbbcccc"
  assert pp.format_doc(doc, width=8) == "aaaa\nbbbbcccc"
  nested = pp.group(pp.concat(pp.text("["), pp.nest(2, pp.concat(pp.brk(""), pp.text("x=1"))),
                              pp.brk(""), pp.text("]")))
  assert pp.format_doc(nested, width=5) == "[x=1]"
  assert pp.format_doc(nested, width=4) == "[\n  x=1\n]"


def test_custom_vjp_call_shows_function_names():
  def cv_fwd():
    pass

  def cv_bwd():
    pass

  c, d = V("f32[3]", "f32[3]")
  call = Jaxpr([], [c], [d], [E("sin", [c], [d], accuracy=None)], debug_info="cv")
  jaxpr = _one_eqn("custom_vjp_call", ["f32[3]"], "f32[3]", call_jaxpr=ClosedJaxpr(call, []),
                   fwd_jaxpr_thunk=cv_fwd, num_consts=0, bwd=cv_bwd, out_trees=lambda: None,
                   symbolic_zeros=False)
  assert str(jaxpr) == """\
{ lambda ; a:f32[3]. let
    b:f32[3] = custom_vjp_call[
      name=cv
      bwd=cv_bwd
      call_jaxpr={ lambda ; c:f32[3]. let d:f32[3] = sin c in (d,) }
      fwd=cv_fwd
      symbolic_zeros=False
    ] a
  in (b,) }"""
