"""Sweep cases for the slicing primitives: slice, dynamic_slice, dynamic_update_slice,
gather and the scatters, over several dimension numbers and modes, with out-of-bounds
indices where the mode defines them."""
import numpy as np

from jaxlite import lax
from cases import Case, args_of, rand

f32, i32 = np.float32, np.int32
GD, SD = lax.GatherDimensionNumbers, lax.ScatterDimensionNumbers


def ints(*values):
  """A fixed index array (the same for every draw, so vmap sees it batched but equal)."""
  return lambda rng: np.array(values, i32)


def perm_indices(n, k, shape):
  """``k`` distinct indices below ``n`` (unique, so every scatter has a clean gradient)."""
  return lambda rng: rng.permutation(n)[:k].reshape(shape).astype(i32)


def distinct(shape, offset=0.0):
  """Values without ties (min/max scatters are smooth there); operand and updates get
  different offsets so that no update equals an operand value either."""
  def make(rng):
    n = int(np.prod(shape))
    return (rng.permutation(n) * 0.37 - 1.0 + offset).reshape(shape).astype(f32)
  return make


def shifted(shape):
  return distinct(shape, 0.18)


TAKE = GD(offset_dims=(1,), collapsed_slice_dims=(0,), start_index_map=(0,))
WINDOW = GD(offset_dims=(1,), collapsed_slice_dims=(), start_index_map=(0,))
POINTS = GD(offset_dims=(), collapsed_slice_dims=(0, 1), start_index_map=(0, 1))
MIDDLE = GD(offset_dims=(0, 2), collapsed_slice_dims=(1,), start_index_map=(1,))
BATCHED = GD(offset_dims=(), collapsed_slice_dims=(1,), start_index_map=(1,),
             operand_batching_dims=(0,), start_indices_batching_dims=(0,))
S_POINT = SD(update_window_dims=(), inserted_window_dims=(0,), scatter_dims_to_operand_dims=(0,))
S_ROWS = SD(update_window_dims=(1,), inserted_window_dims=(0,), scatter_dims_to_operand_dims=(0,))
S_WINDOW = SD(update_window_dims=(1,), inserted_window_dims=(), scatter_dims_to_operand_dims=(0,))
S_BATCHED = SD(update_window_dims=(), inserted_window_dims=(1,), scatter_dims_to_operand_dims=(1,),
               operand_batching_dims=(0,), scatter_indices_batching_dims=(0,))


def scatter_cases(prim, fn, values=rand, updates=rand, **kw):
  return [
      Case(prim, lambda x, i, u: fn(x, i, u, S_POINT, unique_indices=True),
           args_of(values((5,)), perm_indices(5, 3, (3, 1)), updates((3,))), **kw),
      Case(prim, lambda x, i, u: fn(x, i, u, S_ROWS, unique_indices=True),
           args_of(values((4, 3)), perm_indices(4, 2, (2, 1)), updates((2, 3))), name="rows", **kw),
      Case(prim, lambda x, i, u: fn(x, i, u, S_WINDOW, mode="clip", unique_indices=True),
           args_of(values((6,)), ints([4], [0]), updates((2, 2))), name="clip", **kw),
      Case(prim, lambda x, i, u: fn(x, i, u, S_WINDOW, unique_indices=True),
           args_of(values((6,)), ints([5], [1]), updates((2, 2))), name="drop_oob", **kw),
      Case(prim, lambda x, i, u: fn(x, i, u, S_BATCHED, unique_indices=True),
           args_of(values((2, 4)), ints([3], [1]), updates((2,))), name="batching_dims", **kw),
  ]


CASES = [
    # slice
    Case("slice", lambda x: lax.slice(x, (1, 0), (3, 2)), args_of(rand((4, 3)))),
    Case("slice", lambda x: lax.slice(x, (0, 1), (5, 3), (2, 1)), args_of(rand((5, 3))),
         name="strided"),
    Case("slice", lambda x: lax.slice(x, (1,), (6,), (3,)), args_of(rand((7,))), name="stride3"),
    Case("slice", lambda x: lax.slice(x, (0, 2), (2, 2)), args_of(rand((2, 4))), name="empty"),
    # dynamic_slice: start indices as operands, windows moved back inside the operand
    Case("dynamic_slice", lambda x: lax.dynamic_slice(x, (1, 2), (2, 2)), args_of(rand((4, 5)))),
    Case("dynamic_slice", lambda x, i: lax.dynamic_slice(x, (i, 1), (3, 2)),
         args_of(rand((4, 5)), lambda rng: np.array(rng.integers(-6, 6), i32)), name="traced"),
    Case("dynamic_slice", lambda x, i, j: lax.dynamic_slice(x, (i, j), (2, 2)),
         args_of(rand((4, 5)), lambda rng: np.array(rng.integers(0, 4), i32),
                 lambda rng: np.array(9, i32)), name="clamped", vmap_argnums=(1,)),
    Case("dynamic_slice", lambda x, i: lax.dynamic_slice(x, (i,), (2,)),
         args_of(rand((5,)), lambda rng: np.array(-1, i32)), name="operand_batched",
         vmap_argnums=(0,)),
    # dynamic_update_slice
    Case("dynamic_update_slice", lambda x, u: lax.dynamic_update_slice(x, u, (1, 2)),
         args_of(rand((4, 5)), rand((2, 2)))),
    Case("dynamic_update_slice", lambda x, u, i: lax.dynamic_update_slice(x, u, (i,)),
         args_of(rand((5,)), rand((2,)), lambda rng: np.array(rng.integers(-7, 7), i32)),
         name="traced"),
    Case("dynamic_update_slice", lambda x, u: lax.dynamic_update_slice(x, u, (4, -1)),
         args_of(rand((4, 5)), rand((2, 3))), name="clamped", vmap_argnums=(1,)),
    # gather
    Case("gather", lambda x, i: lax.gather(x, i, TAKE, (1, 3)),
         args_of(rand((4, 3)), ints([2], [0], [2]))),
    Case("gather", lambda x, i: lax.gather(x, i, WINDOW, (2,), mode="clip"),
         args_of(rand((5,)), ints([4], [-1], [1])), name="clip"),
    Case("gather", lambda x, i: lax.gather(x, i, WINDOW, (2,), mode="fill", fill_value=2.0),
         args_of(rand((5,)), ints([4], [-1], [1], [3])), name="fill"),
    Case("gather", lambda x, i: lax.gather(x, i, WINDOW, (2,), mode="fill"),
         args_of(rand((5,)), ints([4], [-1], [1], [3])), name="fill_nan", grad=False),
    Case("gather", lambda x, i: lax.gather(x, i, WINDOW, (2,), mode="fill", fill_value=-1.0),
         args_of(rand((5,)), ints([9], [3])), name="fill_value", grad=False),
    Case("gather", lambda x, i: lax.gather(x, i, POINTS, (1, 1)),
         args_of(rand((3, 4)), lambda rng: rng.integers(0, 3, (2, 2, 2)).astype(i32)),
         name="points"),
    Case("gather", lambda x, i: lax.gather(x, i, MIDDLE, (2, 1, 3)),
         args_of(rand((2, 4, 3)), ints([3], [1])), name="offset_around_batch"),
    Case("gather", lambda x, i: lax.gather(x, i, BATCHED, (1, 1)),
         args_of(rand((2, 4)), ints([3], [1])), name="batching_dims"),
    Case("gather", lambda x, i: lax.gather(x, i, TAKE, (1, 2), mode="fill"),
         args_of(rand((4, 2), i32, -9, 9), ints([7], [1])), name="int_fill", grad=False),
    Case("gather", lambda x, i: lax.gather(x, i, TAKE, (1, 3)),
         args_of(rand((4, 3)), lambda rng: rng.integers(-2, 6, (3, 1)).astype(i32)),
         name="indices_only", vmap_argnums=(1,)),
    # scatters
    *scatter_cases("scatter", lax.scatter),
    Case("scatter", lambda x, i, u: lax.scatter(x, i, u, S_POINT),
         args_of(rand((5,)), ints([1], [3], [1]), rand((3,))), name="repeated"),
    *scatter_cases("scatter-add", lax.scatter_add),
    Case("scatter-add", lambda x, i, u: lax.scatter_add(x, i, u, S_ROWS),
         args_of(rand((4, 3)), ints([1], [1], [0]), rand((3, 3))), name="repeated"),
    Case("scatter-add", lambda x, i, u: lax.scatter_add(x, i, u, S_POINT),
         args_of(rand((5,), i32, -9, 9), ints([1], [1]), rand((2,), i32, -9, 9)), name="int",
         grad=False),
    *scatter_cases("scatter-sub", lax.scatter_sub),
    *scatter_cases("scatter-mul", lax.scatter_mul),
    Case("scatter-mul", lambda x, i, u: lax.scatter_mul(x, i, u, S_POINT),
         args_of(rand((5,)), ints([1], [1]), rand((2,))), name="repeated", grad_argnums=(0,)),
    *scatter_cases("scatter-min", lax.scatter_min, distinct, shifted),
    Case("scatter-min", lambda x, i, u: lax.scatter_min(x, i, u, S_POINT),
         args_of(distinct((5,)), ints([1], [1], [4]), shifted((3,))), name="repeated"),
    *scatter_cases("scatter-max", lax.scatter_max, distinct, shifted),
    Case("scatter-max", lambda x, i, u: lax.scatter_max(x, i, u, S_POINT),
         args_of(distinct((5,)), ints([1], [1], [4]), shifted((3,))), name="repeated"),
]
