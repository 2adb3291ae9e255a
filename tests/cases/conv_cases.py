"""Sweep cases for convolution and the windowed reductions (reduce_window*, select_and_*,
and the generic reduce)."""
import numpy as np

from jaxlite import lax
from jaxlite._src.lax import elementwise as ew
from jaxlite._src.lax import windowed_reductions as wr
from cases import Case, args_of, rand

# Gradients of convolutions sum many products: finite differences in float32 need slack.
CONV_TOL = dict(atol=1e-4, rtol=1e-4, grad_tol=2e-2)


def conv(window_strides, padding, **kw):
  return lambda x, w: lax.conv_general_dilated(x, w, window_strides, padding, **kw)


def window(init, op, dims, strides=None, padding="VALID", **kw):
  return lambda x: lax.reduce_window(x, init, op, dims, strides, padding, **kw)


CONV_CASES = [
    Case("conv_general_dilated", conv((1, 1), "SAME"),
         args_of(rand((2, 3, 5, 4)), rand((4, 3, 3, 2))), name="nchw_same", **CONV_TOL),
    Case("conv_general_dilated",
         conv((2, 1), "VALID", rhs_dilation=(1, 2), dimension_numbers=("NHWC", "HWIO", "NHWC")),
         args_of(rand((2, 5, 6, 2)), rand((2, 2, 2, 3))), name="nhwc_stride_rdil", **CONV_TOL),
    Case("conv_general_dilated", conv((1, 2), ((1, -1), (2, 0)), lhs_dilation=(2, 1)),
         args_of(rand((1, 2, 4, 5)), rand((2, 2, 3, 2))), name="ldil_negpad", **CONV_TOL),
    Case("conv_general_dilated", conv((1, 1), "SAME", feature_group_count=2),
         args_of(rand((2, 4, 4, 3)), rand((6, 2, 2, 2))), name="feature_groups", **CONV_TOL),
    Case("conv_general_dilated", conv((1, 1), ((0, 1), (1, 0)), batch_group_count=2),
         args_of(rand((4, 3, 4, 3)), rand((4, 3, 2, 2))), name="batch_groups", **CONV_TOL),
    # Depthwise 1-D conv in a layout whose spatial dims come in a different order per operand.
    Case("conv_general_dilated",
         conv((2,), "SAME_LOWER", dimension_numbers=("NWC", "WIO", "CWN"), feature_group_count=3),
         args_of(rand((2, 7, 3)), rand((3, 1, 6))), name="depthwise_1d", **CONV_TOL),
    Case("conv_general_dilated",
         conv((2, 1), ((1, 0), (0, 1)), dimension_numbers=("HNWC", "HOWI", "WHCN")),
         args_of(rand((5, 2, 4, 3)), rand((3, 2, 2, 3))), name="odd_layout", **CONV_TOL),
    # The kernel-gradient layout: kernel (I, spatial..., O), input batch last in memory.
    Case("conv_general_dilated",
         conv((1, 2), ((1, 0), (0, 1)), dimension_numbers=("CHWN", "IHWO", "HWNC")),
         args_of(rand((2, 4, 5, 3)), rand((2, 2, 3, 3))), name="kernel_grad_layout", **CONV_TOL),
    # Stride 1, more input than output features, NCHW: per-tap products on a copied input.
    Case("conv_general_dilated", conv((1, 1), "SAME"),
         args_of(rand((2, 5, 4, 3)), rand((2, 5, 3, 2))), name="per_tap_nchw", **CONV_TOL),
    Case("conv_general_dilated",
         conv((1, 2, 1), ((1, 1), (0, 1), (1, 0)), rhs_dilation=(1, 1, 2),
              dimension_numbers=("NDHWC", "DHWIO", "NDHWC")),
         args_of(rand((1, 3, 4, 4, 2)), rand((2, 2, 2, 2, 3))), name="3d", **CONV_TOL),
    # Only one operand batched: the vmapped axis folds into the batch or output features.
    Case("conv_general_dilated", conv((1, 1), "SAME", feature_group_count=2),
         args_of(rand((1, 4, 3, 3)), rand((4, 2, 2, 2))), name="vmap_rhs_groups",
         vmap_argnums=(1,), grad=False),
    Case("conv_general_dilated", conv((1, 1), "VALID", batch_group_count=2),
         args_of(rand((4, 2, 3, 3)), rand((2, 2, 2, 2))), name="vmap_lhs_bgroups",
         vmap_argnums=(0,), grad=False),
    Case("conv_general_dilated", conv((1, 1), "VALID", batch_group_count=2),
         args_of(rand((4, 2, 3, 3)), rand((2, 2, 2, 2))), name="vmap_rhs_bgroups",
         vmap_argnums=(1,), grad=False),
    Case("conv_general_dilated", conv((1,), "SAME"),
         args_of(rand((2, 2, 5), np.int32, -4, 4), rand((3, 2, 3), np.int32, -4, 4)),
         name="int", grad=False),
    Case("conv_general_dilated",
         conv((1,), "VALID", preferred_element_type=np.float32),
         args_of(rand((2, 2, 5), np.float16), rand((3, 2, 3), np.float16)),
         name="preferred_f32", grad=False, atol=1e-2, rtol=1e-2),
]

WINDOW_CASES = [
    Case("reduce_window_sum", window(0., lax.add, (2, 3)), args_of(rand((4, 5)))),
    Case("reduce_window_sum", window(0., lax.add, (1, 2, 2, 1), (1, 2, 2, 1), "SAME"),
         args_of(rand((2, 5, 4, 3))), name="pool_same"),
    Case("reduce_window_sum",
         window(0., lax.add, (2, 2), (2, 1), ((1, 0), (-1, 2)), base_dilation=(1, 2),
                window_dilation=(2, 1)),
         args_of(rand((5, 4))), name="dilations_negpad"),
    # Windows as wide as the base dilation (avg pooling's transpose): one element each.
    Case("reduce_window_sum",
         window(0., lax.add, (2, 3), (1, 1), ((1, 0), (-1, 2)), base_dilation=(2, 3)),
         args_of(rand((3, 2))), name="one_element_windows"),
    Case("reduce_window_sum", window(0, lax.add, (2,), (1,)), args_of(rand((6,), np.int32)),
         name="int", grad=False),
    Case("reduce_window_max", window(-np.inf, lax.max, (1, 2, 2, 1), (1, 2, 2, 1), "SAME"),
         args_of(rand((2, 5, 4, 2))), name="maxpool"),
    Case("reduce_window_max", window(-np.inf, lax.max, (3, 2), (1, 1), ((1, 1), (0, 1))),
         args_of(rand((4, 5))), name="overlapping"),
    Case("reduce_window_max", window(-np.inf, lax.max, (2, 2), (1, 2), base_dilation=(2, 1)),
         args_of(rand((3, 4))), name="base_dilation"),
    # JAX has no reverse mode for max pooling with window dilation.
    Case("reduce_window_max", window(-np.inf, lax.max, (2, 2), window_dilation=(1, 2)),
         args_of(rand((4, 5))), name="window_dilation", modes=("fwd",)),
    Case("reduce_window_max", window(np.iinfo(np.int32).min, lax.max, (2,)),
         args_of(rand((5,), np.int32)), name="int", grad=False),
    Case("reduce_window_min", window(np.inf, lax.min, (2, 2), (1, 1), "SAME"),
         args_of(rand((3, 4)))),
    # The generic primitive differentiates in forward mode only, as in JAX.
    Case("reduce_window", window(1., lax.mul, (2, 2), (1, 1), ((0, 1), (1, 0))),
         args_of(rand((3, 4))), name="prod", modes=("fwd",)),
    Case("reduce_window",
         lambda x, y: lax.reduce_window((x, y), (0., 1.),
                                        lambda a, b: (a[0] + b[0], a[1] * b[1]), (2,), (2,),
                                        "SAME"),
         args_of(rand((5,)), rand((5,))), name="variadic", modes=("fwd",), grad_order=1),
    Case("select_and_gather_add",
         lambda t, x: wr.select_and_gather_add_p.bind(
             t, x, select_prim=ew.ge_p, window_dimensions=(2, 2), window_strides=(2, 1),
             padding=((0, 1), (1, 0)), base_dilation=(1, 1), window_dilation=(1, 1)),
         args_of(rand((3, 4)), rand((3, 4))), grad_argnums=(0,)),
    Case("select_and_scatter_add",
         lambda s, x: wr.select_and_scatter_add_p.bind(
             s, x, select_prim=ew.le_p, window_dimensions=(2, 2), window_strides=(1, 2),
             padding=((1, 0), (0, 1))),
         args_of(rand((3, 2)), rand((3, 4))), grad_argnums=(0,)),
    Case("reduce", lambda x: lax.reduce(x, 1., lambda a, b: a * b, (0, 2)),
         args_of(rand((3, 2, 3), low=0.5, high=1.5))),
    Case("reduce",
         lambda x, y: lax.reduce((x, y), (0., -np.inf),
                                 lambda a, b: (a[0] + b[0], lax.max(a[1], b[1])), (1,)),
         args_of(rand((2, 5)), rand((2, 5))), name="variadic"),
]

CASES = CONV_CASES + WINDOW_CASES
