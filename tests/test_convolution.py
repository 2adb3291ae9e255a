"""Convolutions and windowed reductions: values against a naive loop reference and against
literal outputs of JAX 0.10.2, gradients of pooling, jaxprs and error messages."""
import itertools

import numpy as np
import pytest

import jaxlite
from jaxlite import lax


def ar(shape, mod=7, off=3):
  """Small integers, so that float results are exact and literals are short."""
  return (np.arange(np.prod(shape)) % mod - off).astype(np.float32).reshape(shape)


def _raises(exc, match, fn):
  with pytest.raises(exc) as info:
    fn()
  assert match in str(info.value), str(info.value)


# ---------------------------------------------------------------------------
# A naive convolution: loops over every output element and window tap.

def _dilate_pad(x, dilation, padding):
  """Dilate then pad (negative pads crop) the spatial axes 2... of x (N, C, spatial...)."""
  for ax, (d, (lo, hi)) in enumerate(zip(dilation, padding), start=2):
    n = x.shape[ax]
    shape = list(x.shape)
    shape[ax] = (n - 1) * d + 1 if n else 0
    holes = np.zeros(shape, x.dtype)
    index = [slice(None)] * x.ndim
    index[ax] = slice(None, None, d)
    holes[tuple(index)] = x
    x = np.moveaxis(holes, ax, 0)
    x = x[max(-lo, 0):x.shape[0] - max(-hi, 0)]
    x = np.concatenate([np.zeros((max(lo, 0),) + x.shape[1:], x.dtype), x,
                        np.zeros((max(hi, 0),) + x.shape[1:], x.dtype)])
    x = np.moveaxis(x, 0, ax)
  return x


def reference_conv(lhs, rhs, strides, padding, lhs_dilation, rhs_dilation, dnums, fgc, bgc):
  lhs_spec, rhs_spec, out_spec = dnums
  x = _dilate_pad(np.transpose(lhs, lhs_spec).astype(np.float64), lhs_dilation, padding)
  w = np.transpose(rhs, rhs_spec).astype(np.float64)
  n_out, out_features = x.shape[0] // bgc, w.shape[0]
  per_group = out_features // max(fgc, bgc)
  window = [(k - 1) * d + 1 for k, d in zip(w.shape[2:], rhs_dilation)]
  space = [max(0, (p - k) // s + 1) for p, k, s in zip(x.shape[2:], window, strides)]
  out = np.zeros((n_out, out_features) + tuple(space))
  for n, o in itertools.product(range(n_out), range(out_features)):
    group = o // per_group
    batch = group * n_out + n if bgc > 1 else n
    first_channel = group * w.shape[1] if fgc > 1 else 0
    for pos in np.ndindex(*space):
      total = 0.0
      for i in range(w.shape[1]):
        for tap in np.ndindex(*w.shape[2:]):
          at = tuple(p * s + t * d for p, s, t, d in zip(pos, strides, tap, rhs_dilation))
          total += x[(batch, first_channel + i) + at] * w[(o, i) + tap]
      out[(n, o) + pos] = total
  return np.transpose(out, np.argsort(out_spec))


CONFIGS = [
    dict(ls=(2, 3, 5, 4), rs=(4, 3, 3, 2), strides=(1, 1), padding="SAME"),
    dict(ls=(2, 3, 6, 5), rs=(2, 3, 2, 2), strides=(2, 3), padding="VALID", rhs_dilation=(2, 1)),
    dict(ls=(1, 2, 4, 5), rs=(3, 2, 3, 2), strides=(2, 1), padding=((2, -1), (1, 3)),
         lhs_dilation=(2, 3)),
    dict(ls=(2, 4, 5, 3), rs=(6, 2, 2, 2), strides=(1, 1), padding="SAME_LOWER", fgc=2),
    dict(ls=(4, 3, 4, 4), rs=(4, 3, 2, 3), strides=(1, 2), padding=((1, 0), (0, 2)), bgc=2),
    dict(ls=(2, 5, 6, 3), rs=(2, 3, 3, 4), strides=(1, 2), padding="SAME",
         dn=("NHWC", "HWIO", "NHWC")),
    dict(ls=(5, 2, 4, 3), rs=(3, 2, 2, 3), strides=(2, 1), padding=((1, 0), (0, 1)),
         dn=("HNWC", "HOWI", "WHCN"), rhs_dilation=(1, 2)),
    dict(ls=(2, 7, 3), rs=(3, 1, 6), strides=(2,), padding="SAME", dn=("NWC", "WIO", "CWN"),
         fgc=3),
    dict(ls=(1, 2, 3, 4, 3), rs=(2, 2, 2, 2, 2), strides=(1, 2, 1), padding="VALID"),
    # More input than output features at stride 1: the per-tap matmul path.
    dict(ls=(2, 5, 6, 5), rs=(2, 5, 3, 2), strides=(1, 1), padding=((1, 1), (0, 2)),
         rhs_dilation=(1, 2)),
    dict(ls=(2, 4, 4, 5, 4), rs=(1, 4, 1, 2, 2), strides=(1, 1, 1), padding=((0, 0),) * 3,
         lhs_dilation=(1, 2, 1)),
    # A kernel laid out (I, spatial..., O), the batch last in the input: the kernel-gradient
    # product form (patches taken along the input's contiguous batch axis).
    dict(ls=(2, 5, 6, 3), rs=(2, 3, 3, 4), strides=(2, 1), padding=((1, 0), (2, -1)),
         rhs_dilation=(1, 2), dn=("CHWN", "IHWO", "HWNC")),
    dict(ls=(3, 4, 5, 2), rs=(2, 2, 3, 4), strides=(1, 1), padding="SAME",
         dn=("NHWC", "IHWO", "NCHW")),
    # One input feature (or one batch element in the kernel-gradient form): the patches are
    # copied along the input's rows instead.
    dict(ls=(2, 6, 7, 1), rs=(3, 3, 1, 4), strides=(1, 1), padding="SAME",
         dn=("NHWC", "HWIO", "NHWC")),
    dict(ls=(4, 5, 6, 1), rs=(4, 3, 2, 2), strides=(1, 1), padding=((1, 1), (0, 1)),
         dn=("CHWN", "IHWO", "HWNC")),
    # The per-tap path on an input that is not channels-last in memory (copied first).
    dict(ls=(2, 6, 5, 4), rs=(3, 6, 3, 2), strides=(1, 1), padding="SAME"),
    dict(ls=(2, 4, 5, 3, 4), rs=(2, 2, 3, 2, 6), strides=(2, 1, 1),
         padding=((1, 0), (0, 1), (1, 1)), dn=("NDHWC", "DHWIO", "NDHWC"), fgc=2),
    # Depthwise (one input feature per group), with a channel multiplier of 2.
    dict(ls=(2, 6, 7, 3), rs=(3, 2, 1, 6), strides=(2, 1), padding="SAME",
         rhs_dilation=(1, 2), dn=("NHWC", "HWIO", "NHWC"), fgc=3),
    dict(ls=(4, 7, 2), rs=(3, 2, 4), strides=(2,), padding=((2, 1),), lhs_dilation=(2,),
         rhs_dilation=(2,), dn=("NWC", "WIO", "NWC"), bgc=2),
    dict(ls=(3, 4), rs=(5, 4), strides=(), padding=()),
    dict(ls=(2, 3, 4), rs=(2, 3, 3), strides=(1,), padding=((-2, -2),)),  # empty output
]


@pytest.mark.parametrize("cfg", CONFIGS, ids=lambda c: f"{c['ls']}-{c['padding']}")
def test_conv_matches_loop_reference(cfg):
  rng = np.random.default_rng(0)
  lhs = rng.standard_normal(cfg["ls"]).astype(np.float32)
  rhs = rng.standard_normal(cfg["rs"]).astype(np.float32)
  nsp = len(cfg["ls"]) - 2
  ld, rd = cfg.get("lhs_dilation", (1,) * nsp), cfg.get("rhs_dilation", (1,) * nsp)
  got = lax.conv_general_dilated(lhs, rhs, cfg["strides"], cfg["padding"], ld, rd,
                                 cfg.get("dn"), cfg.get("fgc", 1), cfg.get("bgc", 1))
  dnums = lax.conv_dimension_numbers(lhs.shape, rhs.shape, cfg.get("dn"))
  padding = cfg["padding"]
  if isinstance(padding, str):
    window = [(rhs.shape[i] - 1) * d + 1 for i, d in zip(dnums.rhs_spec[2:], rd)]
    padding = lax.padtype_to_pads([lhs.shape[i] for i in dnums.lhs_spec[2:]], window,
                                  cfg["strides"], padding)
  want = reference_conv(lhs, rhs, cfg["strides"], padding, ld, rd, dnums, cfg.get("fgc", 1),
                        cfg.get("bgc", 1))
  assert got.dtype == np.float32
  np.testing.assert_allclose(np.asarray(got), want, rtol=1e-4, atol=1e-4)


# ---------------------------------------------------------------------------
# Literal outputs of JAX 0.10.2

def test_conv_values_from_jax():
  x, w = ar((1, 2, 4, 4)), ar((2, 2, 2, 3), 5, 2)
  out = lax.conv_general_dilated(x, w, (2, 1), ((1, 0), (0, 1)), rhs_dilation=(1, 2))
  np.testing.assert_array_equal(out, [[[[-9.0], [-14.0]], [[8.0], [6.0]]]])
  xb, wb = ar((4, 2, 3)), ar((4, 2, 2), 5, 2)
  out = lax.conv_general_dilated(xb, wb, (1,), ((1, 1),), lhs_dilation=(2,), batch_group_count=2)
  np.testing.assert_array_equal(out, [
      [[3., 6., 3., 4., 3., 2.], [6., -6., 4., -5., 2., -4.], [6., 6., 7., 5., -6., -3.],
       [6., -4., 5., -2., -3., 0.]],
      [[-4., -6., 3., 6., 3., 4.], [-6., 7., 6., -6., 4., -5.], [5., 7., 6., 6., 7., 5.],
       [7., -6., 6., -4., 5., -2.]]])
  xh, wh = ar((2, 3, 4, 4)), ar((2, 2, 2, 4), 5, 2)
  out = lax.conv_general_dilated(xh, wh, (1, 1), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC"),
                                 feature_group_count=2)
  np.testing.assert_array_equal(np.asarray(out)[1, 2], [[-1., -10., -1., 3.], [3., 11., -12., 2.],
                                                        [0., -10., 5., 1.], [2., 4., -1., 0.]])


def test_conv_results_do_not_share_scratch_memory():
  # Padded inputs and patch matrices live in memory reused across calls: results must not.
  rng = np.random.default_rng(1)
  w = rng.standard_normal((3, 3, 4, 5)).astype(np.float32)
  xs = [rng.standard_normal((2, 6, 6, 4)).astype(np.float32) for _ in range(2)]
  for dn in (("NHWC", "HWIO", "NHWC"), ("NHWC", "IHWO", "NHWC"), ("NCHW", "HWOI", "NCHW")):
    rhs = np.transpose(w, [("HWIO").index(c) for c in dn[1]])
    lhs = [np.transpose(x, [("NHWC").index(c) for c in dn[0]]) for x in xs]
    conv = lambda x: lax.conv_general_dilated(x, rhs, (1, 1), "SAME", dimension_numbers=dn)
    for fn in (conv, jaxlite.jit(conv)):
      first = fn(lhs[0])
      kept = np.array(first)
      second = fn(lhs[1])
      np.testing.assert_array_equal(first, kept)
      assert not np.shares_memory(np.asarray(first), np.asarray(second))
      np.testing.assert_allclose(second, conv(lhs[1]), rtol=1e-6)


def test_conv_integer_bool_and_preferred_types():
  out = lax.conv(np.ones((1, 1, 3, 3), np.int32), np.ones((1, 1, 2, 2), np.int32), (1, 1), "SAME")
  assert out.dtype == np.int32
  np.testing.assert_array_equal(out, [[[[4, 4, 2], [4, 4, 2], [2, 2, 1]]]])
  x, w = ar((2, 5, 4, 4)), ar((3, 5, 2, 3), 5, 2)
  out = lax.conv(x.astype(np.int32), w.astype(np.int32), (1, 1), "SAME")
  assert out.dtype == np.int32
  np.testing.assert_array_equal(out, lax.conv(x, w, (1, 1), "SAME"))
  out = lax.conv(ar((1, 2, 3, 3)) > 0, ar((1, 2, 2, 2)) > 0, (1, 1), "VALID")
  assert out.dtype == np.bool_ and np.asarray(out).all()
  out = lax.conv_general_dilated(ar((1, 2, 3)).astype(np.int8), ar((2, 2, 2)).astype(np.int8),
                                 (1,), "VALID", preferred_element_type=np.int32)
  assert out.dtype == np.int32
  np.testing.assert_array_equal(out, [[[13, 7], [-10, -7]]])


def test_conv_grads_from_jax():
  x, w = ar((1, 2, 4, 4)), ar((2, 2, 2, 3), 5, 2)

  def loss(x, w):
    y = lax.conv_general_dilated(x, w, (2, 1), ((1, 0), (0, 1)), rhs_dilation=(1, 2))
    return (y ** 2).sum()
  gx, gw = jaxlite.grad(loss, (0, 1))(x, w)
  np.testing.assert_array_equal(gx, [
      [[[-50., 0., -52., 0.], [56., 0., 40., 0.], [-52., 0., -68., 0.], [0., 0., 0., 0.]],
       [[-52., 0., 36., 0.], [40., 0., 24., 0.], [-68., 0., 56., 0.], [0., 0., 0., 0.]]]])
  np.testing.assert_array_equal(gw, [
      [[[-28., -84., 0.], [110., 18., 0.]], [[-84., 56., 0.], [18., -74., 0.]]],
      [[[12., 36., 0.], [-72., -16., 0.]], [[36., -24., 0.], [-16., 40., 0.]]]])
  # The same under jit, through the generated code.
  jx, jw = jaxlite.jit(jaxlite.grad(loss, (0, 1)))(x, w)
  np.testing.assert_array_equal(jx, gx)
  np.testing.assert_array_equal(jw, gw)


def test_conv_transpose_from_jax():
  x, w = ar((1, 3, 3, 1)), ar((2, 2, 1, 2), 5, 2)
  out = np.asarray(lax.conv_transpose(x, w, (2, 2), "SAME"))
  assert out.shape == (1, 6, 6, 2)
  np.testing.assert_array_equal(out[0, :2], [
      [[3., 0.], [-6., 6.], [2., 0.], [-4., 4.], [1., 0.], [-2., 2.]],
      [[0., -3.], [6., 3.], [0., -2.], [4., 2.], [0., -1.], [2., 1.]]])
  out = np.asarray(lax.conv_transpose(x, w.transpose(0, 1, 3, 2), (2, 2), "VALID",
                                      transpose_kernel=True))
  np.testing.assert_array_equal(out[0, 4:], [
      [[-6., -3.], [0., 3.], [6., 3.], [0., -3.], [4., 2.], [0., -2.]],
      [[6., -6.], [-3., 0.], [-6., 6.], [3., 0.], [-4., 4.], [2., 0.]]])
  out = lax.conv_transpose(x, w, (2, 1), ((1, 0), (0, 2)))
  np.testing.assert_array_equal(np.asarray(out)[0, :, 0], [[-4., 6.], [6., 1.], [-1., 0.],
                                                           [0., 1.], [9., -6.]])
  out = lax.conv_transpose(x, w, (2, 1), ((1, 0), (0, 2)), use_consistent_padding=True)
  np.testing.assert_array_equal(out, [[[[0., -3.], [6., 1.]], [[0., 0.], [-1., 0.]],
                                       [[0., 0.], [0., 1.]], [[-3., 0.], [9., -6.]],
                                       [[0., 3.], [-6., -6.]]]])


def test_padding_and_dimension_number_helpers():
  assert lax.padtype_to_pads((5, 6, 7), (3, 2, 4), (2, 3, 1), "SAME") == [(1, 1), (0, 0), (1, 2)]
  assert lax.padtype_to_pads((5, 6, 7), (3, 2, 4), (2, 3, 1), "SAME_LOWER") == [
      (1, 1), (0, 0), (2, 1)]
  assert lax.padtype_to_pads((5, 6), (3, 2), (2, 3), "valid") == [(0, 0), (0, 0)]
  _raises(RuntimeError, "Unrecognized padding type: expected 'VALID', 'SAME', or 'SAME_LOWER', "
          "got FOO.", lambda: lax.padtype_to_pads((5,), (3,), (1,), "FOO"))
  dn = lax.conv_dimension_numbers((1, 2, 3, 4), (1, 2, 3, 4), ("NHWC", "HWIO", "NHWC"))
  assert isinstance(dn, lax.ConvDimensionNumbers)
  assert dn == ((0, 3, 1, 2), (3, 2, 0, 1), (0, 3, 1, 2))
  assert lax.conv_dimension_numbers((1,) * 5, (1,) * 5, ("NDHWC", "WHDIO", "NCWHD")) == (
      (0, 4, 3, 2, 1), (4, 3, 0, 1, 2), (0, 1, 2, 3, 4))
  assert repr(dn) == ("ConvDimensionNumbers(lhs_spec=(0, 3, 1, 2), rhs_spec=(3, 2, 0, 1), "
                      "out_spec=(0, 3, 1, 2))")
  assert lax.conv_general_shape_tuple((1, 5, 6, 3), (3, 2, 3, 4), (1, 2), "SAME",
                                      ("NHWC", "HWIO", "NHWC")) == (1, 5, 3, 4)
  assert lax.conv_transpose_shape_tuple((1, 5, 6, 3), (3, 2, 3, 4), (2, 2), "SAME",
                                        ("NHWC", "HWIO", "NHWC")) == (1, 10, 12, 4)
  assert lax.conv_shape_tuple((1, 3, 5, 6), (4, 3, 3, 2), (2, 1), ((1, 1), (0, 0))) == (1, 4, 3, 5)
  assert lax.reduce_window_shape_tuple((5, 6), (2, 3), (2, 1), ((1, 0), (0, 2)), (1, 2),
                                       (2, 1)) == (2, 11)


def test_conv_jaxpr_params():
  x, w = np.ones((1, 2, 5, 5), np.float32), np.ones((3, 2, 3, 3), np.float32)
  text = str(jaxlite.make_jaxpr(lambda x, w: lax.conv_general_dilated(x, w, (1, 1), "SAME"))(x, w))
  assert text == """{ lambda ; a:f32[1,2,5,5] b:f32[3,2,3,3]. let
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


CONV_ERRORS = [
    (TypeError, "lax.conv_general_dilated requires arguments to have the same dtypes, got float32, "
     "int32.", lambda x, w: lax.conv(x, w.astype(np.int32), (1, 1), "SAME")),
    (ValueError, "conv_general_dilated lhs feature dimension size divided by feature_group_count "
     "must equal the rhs input feature dimension size, but 3 // 1 != 2.",
     lambda x, w: lax.conv(x, np.ones((4, 2, 3, 3), np.float32), (1, 1), "SAME")),
    (TypeError, "convolution requires lhs and rhs ndim to be equal, got 4 and 3.",
     lambda x, w: lax.conv(x, np.ones((4, 3, 3), np.float32), (1, 1), "SAME")),
    (ValueError, "conv_general_dilated window and window_strides must have the same number of "
     "dimensions, but got 2 and 1", lambda x, w: lax.conv(x, w, (1,), "SAME")),
    (ValueError, "conv_general_dilated feature_group_count must divide lhs feature dimension size, "
     "but 2 does not divide 3.",
     lambda x, w: lax.conv_general_dilated(x, w, (1, 1), "SAME", feature_group_count=2)),
    (ValueError, "conv_general_dilated batch_group_count must divide lhs batch dimension size, but "
     "3 does not divide 2.",
     lambda x, w: lax.conv_general_dilated(x, w, (1, 1), "SAME", batch_group_count=3)),
    (ValueError, "String padding is not implemented for transposed convolution using this op.",
     lambda x, w: lax.conv_general_dilated(x, w, (1, 1), "SAME", lhs_dilation=(2, 2))),
    (ValueError, "padding argument to conv_general_dilated should be a string or a sequence of "
     "(low, high) pairs, got [(1, 2, 3), (1, 1)]",
     lambda x, w: lax.conv_general_dilated(x, w, (1, 1), [(1, 2, 3), (1, 1)])),
    (ValueError, "Negative padding is larger than the size of the corresponding dimension",
     lambda x, w: lax.conv_general_dilated(x, w, (1, 1), ((-4, -4), (0, 0)))),
    (TypeError, "Wrong number of explicit pads for convolution: expected 2, got 3.",
     lambda x, w: lax.conv_general_dilated(x, w, (1, 1), ((0, 0),) * 3)),
    (TypeError, "convolution dimension_numbers list/tuple must be length 3, got 2.",
     lambda x, w: lax.conv_general_dilated(x, w, (1, 1), "VALID",
                                           dimension_numbers=("NCHW", "OIHW"))),
    (TypeError, "convolution dimension_numbers elements must each have the same set of spatial "
     "characters, got ('NCHW', 'OIHW', 'NCHX').",
     lambda x, w: lax.conv_general_dilated(x, w, (1, 1), "VALID",
                                           dimension_numbers=("NCHW", "OIHW", "NCHX"))),
    (TypeError, "convolution dimension_numbers[0] cannot have duplicate characters, got NCHH.",
     lambda x, w: lax.conv_general_dilated(x, w, (1, 1), "VALID",
                                           dimension_numbers=("NCHH", "OIHW", "NCHW"))),
    (TypeError, "convolution dimension_numbers[0] must contain the characters 'N' and 'C' exactly "
     "once, got NXHW.",
     lambda x, w: lax.conv_general_dilated(x, w, (1, 1), "VALID",
                                           dimension_numbers=("NXHW", "OIHW", "NCHW"))),
    (TypeError, "`preferred_element_type` must not be narrower than the original type.",
     lambda x, w: lax.conv_general_dilated(x, w, (1, 1), "VALID",
                                           preferred_element_type=np.float16)),
]


@pytest.mark.parametrize("exc,message,fn", CONV_ERRORS, ids=range(len(CONV_ERRORS)))
def test_conv_errors(exc, message, fn):
  x, w = np.ones((2, 3, 5, 5), np.float32), np.ones((4, 3, 3, 3), np.float32)
  _raises(exc, message, lambda: fn(x, w))
  # Shape and dtype errors come from the abstract evaluation, so tracing raises them too.
  if exc is not RuntimeError:
    _raises(exc, message, lambda: jaxlite.jit(fn)(x, w))


# ---------------------------------------------------------------------------
# Windowed reductions

X = np.array([[1., 3., 3., 2.], [0., 3., 1., 1.], [2., 2., 5., 5.]], np.float32)


def test_reduce_window_picks_primitives_as_jax_does():
  def prims(init, op, dtype=np.float32):
    fn = lambda x: lax.reduce_window(x, init, op, (2, 2), (1, 1), "VALID")
    return [e.primitive.name for e in jaxlite.make_jaxpr(fn)(X.astype(dtype)).jaxpr.eqns]
  assert prims(0., lax.add) == ["reduce_window_sum"]
  assert prims(0, lax.add) == ["reduce_window_sum"]
  assert prims(-np.inf, lax.max) == ["reduce_window_max"]
  assert prims(np.inf, lax.min) == ["reduce_window_min"]
  assert prims(np.iinfo(np.int32).min, lax.max, np.int32) == ["reduce_window_max"]
  assert prims(1., lax.add) == ["reduce_window"]
  assert prims(0., lax.max) == ["reduce_window"]
  assert prims(1., lax.mul) == ["reduce_window"]


def test_reduce_window_values_from_jax():
  out = lax.reduce_window(X, 0., lax.add, (2, 2), (1, 1), ((1, 0), (0, 2)), base_dilation=(2, 1),
                          window_dilation=(1, 2))
  np.testing.assert_array_equal(out, [[4., 5., 3., 2.], [4., 5., 3., 2.], [1., 4., 1., 1.],
                                      [1., 4., 1., 1.], [7., 7., 5., 5.]])
  out = lax.reduce_window(X, 0., lax.add, (2, 2), (2, 1), ((1, 0), (0, 2)), base_dilation=(2, 1))
  np.testing.assert_array_equal(out, [[4., 6., 5., 2., 0.], [3., 4., 2., 1., 0.],
                                      [4., 7., 10., 5., 0.]])
  out = lax.reduce_window(X, -np.inf, lax.max, (2, 2), (1, 1), "VALID", base_dilation=(2, 1))
  np.testing.assert_array_equal(out, [[3., 3., 3.], [3., 3., 1.], [3., 3., 1.], [2., 5., 5.]])
  out = lax.reduce_window(X, 0., lax.add, (2, 2), (1, 1), ((-1, 0), (0, 0)))
  np.testing.assert_array_equal(out, [[7., 11., 12.]])
  assert lax.reduce_window(X, 0., lax.add, (2, 2), (1, 1), ((-3, 0), (0, 0))).shape == (0, 3)
  out = lax.reduce_window(X, 1., lax.mul, (2, 2), (1, 1), ((1, 0), (0, 1)), window_dilation=(1, 2))
  np.testing.assert_array_equal(out, [[3., 6., 3.], [0., 18., 3.], [0., 30., 5.]])
  out = lax.reduce_window(X.astype(np.int32), np.iinfo(np.int32).min, lax.max, (2, 3), (1, 1),
                          "SAME")
  assert out.dtype == np.int32
  np.testing.assert_array_equal(out, [[3, 3, 3, 3], [3, 5, 5, 5], [2, 5, 5, 5]])
  out = lax.reduce_window(X > 1, False, lax.max, (2, 2), (1, 1), "VALID")
  assert out.dtype == np.bool_ and np.asarray(out).all()


def test_generic_reduce_window_variadic_and_jvp():
  sums, prods = lax.reduce_window((X, X), (0., 1.), lambda a, b: (a[0] + b[0], a[1] * b[1]),
                                  (2, 2), (1, 1), "SAME")
  np.testing.assert_array_equal(sums, [[7., 10., 7., 3.], [7., 11., 12., 6.], [4., 7., 10., 5.]])
  np.testing.assert_array_equal(prods, [[0., 27., 6., 2.], [0., 30., 25., 5.], [4., 10., 25., 5.]])
  prod = lambda x: lax.reduce_window(x, 1., lax.mul, (2, 2), (1, 1), "VALID")
  out, tangent = jaxlite.jvp(prod, (X,), (X,))
  np.testing.assert_array_equal(out, [[0., 27., 6.], [0., 30., 25.]])
  np.testing.assert_array_equal(tangent, [[0., 108., 24.], [0., 120., 100.]])
  text = str(jaxlite.make_jaxpr(lambda x: jaxlite.jvp(prod, (x,), (x,)))(X))
  assert "jaxpr={ lambda ; d:f32[] e:f32[] f:f32[] g:f32[]. let" in text
  assert "] a a 1.0:f32[] 0.0:f32[]" in text


def test_max_pool_grads_from_jax():
  x = ar((1, 4, 5, 1), 5, 2)
  pool = lambda x: lax.reduce_window(x, -np.inf, lax.max, (1, 3, 3, 1), (1, 2, 2, 1), "SAME")
  np.testing.assert_array_equal(pool(x), [[[[-1.], [1.], [2.]], [[-1.], [1.], [2.]]]])
  weights = np.arange(1., 7., dtype=np.float32).reshape(1, 2, 3, 1)
  grad = jaxlite.grad(lambda x: (pool(x) * weights).sum())(x)
  np.testing.assert_array_equal(np.asarray(grad)[0, :, :, 0], [
      [0., 1., 0., 2., 3.], [0., 0., 0., 0., 0.], [0., 4., 0., 5., 6.], [0., 0., 0., 0., 0.]])
  # Ties go to the first maximal element of each window.
  ties = jaxlite.grad(lambda x: lax.reduce_window(x, -np.inf, lax.max, (2, 2), (1, 1),
                                                  "VALID").sum())(X)
  np.testing.assert_array_equal(ties, [[0., 2., 1., 0.], [0., 1., 0., 0.], [0., 0., 2., 0.]])
  batched = jaxlite.vmap(jaxlite.grad(lambda x: pool(x).sum()))(np.stack([x, -x]))
  np.testing.assert_array_equal(np.asarray(batched)[:, 0, :, :, 0], [
      [[0., 1., 0., 1., 1.], [0., 0., 0., 0., 0.], [0., 1., 0., 1., 1.], [0., 0., 0., 0., 0.]],
      [[1., 1., 0., 1., 0.], [0., 0., 0., 0., 0.], [1., 1., 0., 1., 0.], [0., 0., 0., 0., 0.]]])
  # Second order: the JVP of select_and_scatter_add.
  small = x[:, :3, :3]
  hess = jaxlite.jacfwd(jaxlite.grad(lambda x: (pool(x) ** 3).sum()))(small)
  np.testing.assert_array_equal(np.asarray(hess).sum(axis=(4, 5, 6, 7))[0, :, :, 0],
                                [[0., -6., 0.], [0., -6., 0.], [0., 0., 0.]])
  # With base dilation the holes are never chosen.
  grad = jaxlite.grad(lambda x: lax.reduce_window(x, -np.inf, lax.max, (2, 2), (1, 1), "VALID",
                                                  base_dilation=(2, 1)).sum())(X)
  np.testing.assert_array_equal(grad, [[0., 2., 1., 0.], [0., 4., 2., 0.], [1., 0., 2., 0.]])
  _raises(NotImplementedError, "VJP not implemented for select_and_gather (MaxPool) with window "
          "dilation, got window_dilation=(1, 2).",
          lambda: jaxlite.grad(lambda x: lax.reduce_window(
              x, -np.inf, lax.max, (2, 2), (1, 1), "VALID", window_dilation=(1, 2)).sum())(X))


def test_one_element_windows_from_jax():
  # Windows as wide as the base dilation, one step apart (avg pooling's transpose): each
  # holds one element, repeated and shifted by the padding.
  x = ar((3, 2), 5, 2)
  for pads, want in [
      (((1, 0), (-1, 2)), [[-1.] * 3, [-1.] * 3, [1.] * 3, [1.] * 3, [-2.] * 3]),
      (((0, 1), (2, -2)), [[-2., -2.], [0., 0.], [0., 0.], [2., 2.], [2., 2.]])]:
    for init, op in ((0., lax.add), (-np.inf, lax.max)):
      out = lax.reduce_window(x, init, op, (2, 3), (1, 1), pads, base_dilation=(2, 3))
      np.testing.assert_array_equal(out, want)
  out = lax.reduce_window(ar((2, 3), 5, 2).astype(np.int32), 0, lax.add, (2, 1), (1, 1),
                          ((1, 1), (0, 0)), base_dilation=(2, 1))
  assert out.dtype == np.int32
  np.testing.assert_array_equal(out, [[-2, -1, 0], [-2, -1, 0], [1, 2, -2], [1, 2, -2]])


def test_max_pool_nan_inf_and_ties_from_jax():
  x = np.array([[1., np.nan, 3., 3.], [2., 0., -np.inf, 3.], [5., 5., 1., np.nan]], np.float32)
  pool = lambda x: lax.reduce_window(x, -np.inf, lax.max, (2, 2), (1, 1), "VALID")
  np.testing.assert_array_equal(pool(x), [[np.nan, np.nan, 3.], [5., 5., np.nan]])
  ct = np.array([[1., np.inf, 2.], [3., 4., -np.inf]], np.float32)
  np.testing.assert_array_equal(jaxlite.vjp(pool, x)[1](ct)[0], [
      [0., 0., np.inf, 0.], [1., 0., 0., 0.], [3., 4., 0., -np.inf]])
  t = np.array([[1., 2., 3., 4.], [5., 6., 7., 8.], [9., np.inf, 11., 12.]], np.float32)
  np.testing.assert_array_equal(jaxlite.jvp(pool, (x,), (t,))[1], [[5., 3., 3.], [9., np.inf, 12.]])
  minpool = lambda x: lax.reduce_window(x, np.inf, lax.min, (2, 2), (1, 1), ((0, 1), (1, 0)))
  weights = np.arange(12., dtype=np.float32).reshape(3, 4)
  np.testing.assert_array_equal(jaxlite.grad(lambda x: (minpool(x) * weights).sum())(x), [
      [0., 0., 0., 0.], [4., 6., 11., 0.], [17., 0., 10., 7.]])


def test_avg_and_min_pool_grads_from_jax():
  x = ar((1, 4, 5, 1), 5, 2)
  weights = np.arange(1., 7., dtype=np.float32).reshape(1, 2, 3, 1)
  avg = lambda x: lax.reduce_window(x, 0., lax.add, (1, 2, 2, 1), (1, 2, 2, 1), "SAME") / 4
  grad = jaxlite.grad(lambda x: (avg(x) * weights).sum())(x)
  np.testing.assert_array_equal(np.asarray(grad)[0, :, :, 0], [
      [.25, .25, .5, .5, .75], [.25, .25, .5, .5, .75], [1., 1., 1.25, 1.25, 1.5],
      [1., 1., 1.25, 1.25, 1.5]])
  low = lambda x: lax.reduce_window(x, np.inf, lax.min, (1, 2, 2, 1), (1, 1, 1, 1),
                                    ((0, 0), (1, 1), (0, 1), (0, 0)))
  grad = jaxlite.grad(lambda x: (low(x) ** 2).sum())(x)
  np.testing.assert_array_equal(np.asarray(grad)[0, :, :, 0], [
      [-8., -4., 0., 4., 8.], [-4., -2., 0., 2., 4.], [-4., -2., 0., 2., 4.],
      [-4., -2., 0., 2., 4.]])


WINDOW_ERRORS = [
    (TypeError, "reduce_window got the wrong number of window_dimensions for operand: got operand "
     "shape (3, 4) with window_dimensions (2,).",
     lambda: lax.reduce_window(X, 0., lax.add, (2,), (1,), "VALID")),
    (TypeError, "reduce_window got inconsistent window_strides and window_dimensions: got "
     "window_strides (1,) and window_dimensions (2, 2).",
     lambda: lax.reduce_window(X, 0., lax.add, (2, 2), (1,), "VALID")),
    (TypeError, "reduce_window window_dimensions must have every element be strictly positive, "
     "got (0, 2).", lambda: lax.reduce_window(X, 0., lax.add, (0, 2), (1, 1), "VALID")),
    (TypeError, "reduce_window got inconsistent base_dilation and window_dimensions: got "
     "base_dilation (1,) and window_dimensions (2, 2).",
     lambda: lax.reduce_window(X, 0., lax.add, (2, 2), (1, 1), "VALID", base_dilation=(1,))),
    (TypeError, "reduce_window got inconsistent dtypes for operands and init_values: got operand "
     "dtypes [dtype('float32')] and init_value dtypes [dtype('int32')].",
     lambda: lax.reduce_window(X, 1, lax.mul, (2, 2), (1, 1), "VALID")),
    (TypeError, "reduce_window expected init_values to be scalars but init_values have shapes "
     "[(2,)].", lambda: lax.reduce_window(X, np.ones(2, np.float32), lax.mul, (2, 2))),
    (TypeError, "operand to reduce_window_sum must have a number dtype, got bool",
     lambda: lax.reduce_window(X > 1, False, lax.add, (2, 2), (1, 1), "VALID")),
    (ValueError, "Operands must have the same tree structure as init_values:",
     lambda: lax.reduce_window((X, X), (1.,), lax.mul, (2, 2))),
    (ValueError, "reduction axes (2,) contains out-of-bounds indices for float32[3,4].",
     lambda: lax.reduce(X, 1., lambda a, b: a * b + 1., (2,))),
    (TypeError, "reduce operand dtypes should match corresponding initial value dtypes, got "
     "operands=[ShapedArray(float32[3,4])] and initial_values=[ShapedArray(int32[])]",
     lambda: lax.reduce(X, np.int32(1), lambda a, b: a * b, (1,))),
    (ValueError, "reduce found non-scalar initial value: [(2,)]",
     lambda: lax.reduce(X, np.ones(2, np.float32), lambda a, b: a * b, (1,))),
]


@pytest.mark.parametrize("exc,message,fn", WINDOW_ERRORS, ids=range(len(WINDOW_ERRORS)))
def test_window_and_reduce_errors(exc, message, fn):
  _raises(exc, message, fn)


def test_reduce_generic_and_monoids():
  out = lax.reduce(np.arange(6., dtype=np.float32).reshape(2, 3), 1., lambda a, b: a * b + 1.,
                   (1,))
  np.testing.assert_array_equal(out, [5., 86.])  # XLA folds from the init value, in order
  def prims(fn, x):
    return [e.primitive.name for e in jaxlite.make_jaxpr(fn)(x).jaxpr.eqns]
  assert prims(lambda x: lax.reduce(x, 0., lax.add, (1,)), X) == ["reduce_sum"]
  assert prims(lambda x: lax.reduce(x, -np.inf, lax.max, (1,)), X) == ["reduce_max"]
  assert prims(lambda x: lax.reduce(x, 1., lax.add, (1,)), X) == ["reduce"]
  from jaxlite._src.lax.bitwise import bitwise_and, bitwise_or
  assert prims(lambda x: lax.reduce(x, True, bitwise_and, (1,)), X > 1) == ["reduce_and"]
  assert prims(lambda x: lax.reduce(x, -1, bitwise_and, (1,)), X.astype(np.int32)) == [
      "reduce_and"]
  assert prims(lambda x: lax.reduce(x, 0, bitwise_or, (1,)), X.astype(np.int32)) == ["reduce_or"]
  grad = jaxlite.grad(lambda x: lax.reduce(x, 1., lambda a, b: a * b, (1,)).sum())(X)
  np.testing.assert_array_equal(grad, [[18., 6., 6., 9.], [3., 0., 0., 0.], [50., 50., 20., 20.]])
  sums, prods = lax.reduce((X, X), (0., 1.), lambda a, b: (a[0] + b[0], a[1] * b[1]), (0,))
  np.testing.assert_array_equal(sums, [3., 8., 9., 8.])
  np.testing.assert_array_equal(prods, [0., 18., 15., 10.])
  assert not lax.reduce(X, 0., lax.add, (0,)).weak_type


def test_small_cnn_grad_under_jit():
  rng = np.random.default_rng(0)
  x = rng.standard_normal((4, 8, 8, 1)).astype(np.float32)
  w1 = rng.standard_normal((3, 3, 1, 4)).astype(np.float32)
  w2 = rng.standard_normal((3, 3, 4, 6)).astype(np.float32)
  dn = ("NHWC", "HWIO", "NHWC")

  def loss(w1, w2):
    h = lax.conv_general_dilated(x, w1, (1, 1), "SAME", dimension_numbers=dn)
    h = lax.reduce_window(lax.max(h, 0.), -np.inf, lax.max, (1, 2, 2, 1), (1, 2, 2, 1), "VALID")
    h = lax.conv_general_dilated(h, w2, (1, 1), "VALID", dimension_numbers=dn)
    return (h ** 2).sum()
  eager = jaxlite.grad(loss, (0, 1))(w1, w2)
  jitted = jaxlite.jit(jaxlite.grad(loss, (0, 1)))(w1, w2)
  for e, j in zip(eager, jitted):
    np.testing.assert_allclose(j, e, rtol=1e-5, atol=1e-4)
  # A directional derivative agrees with central differences.
  d1 = rng.standard_normal(w1.shape).astype(np.float32)
  d2 = rng.standard_normal(w2.shape).astype(np.float32)
  eps = 1e-3
  fd = (loss(w1 + eps * d1, w2 + eps * d2) - loss(w1 - eps * d1, w2 - eps * d2)) / (2 * eps)
  analytic = (np.asarray(eager[0]) * d1).sum() + (np.asarray(eager[1]) * d2).sum()
  np.testing.assert_allclose(analytic, float(fd), rtol=2e-2)
