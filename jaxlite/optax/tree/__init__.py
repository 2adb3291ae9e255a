"""``optax.tree``: pytree helpers under short names (``optax.tree.add``...)."""
# ruff: noqa: F401, A001
from jaxlite.optax._src import tree_casting as _casting
from jaxlite.optax._src import tree_math as _math
from jaxlite.optax._src import tree_random as _random
from jaxlite.optax._src import tree_state as _state

cast = _casting.tree_cast
cast_like = _casting.tree_cast_like
dtype = _casting.tree_dtype
random_like = _random.tree_random_like
split_key_like = _random.tree_split_key_like
get = _state.tree_get
get_all_with_path = _state.tree_get_all_with_path
map_params = _state.tree_map_params
set = _state.tree_set
add = _math.tree_add
add_scale = _math.tree_add_scale
allclose = _math.tree_allclose
batch_shape = _math.tree_batch_shape
bias_correction = _math.tree_bias_correction
clip = _math.tree_clip
conj = _math.tree_conj
div = _math.tree_div
full_like = _math.tree_full_like
max = _math.tree_max
min = _math.tree_min
mul = _math.tree_mul
norm = _math.tree_norm
ones_like = _math.tree_ones_like
real = _math.tree_real
scale = _math.tree_scale
size = _math.tree_size
sub = _math.tree_sub
sum = _math.tree_sum
update_infinity_moment = _math.tree_update_infinity_moment
update_moment = _math.tree_update_moment
update_moment_per_elem_norm = _math.tree_update_moment_per_elem_norm
vdot = _math.tree_vdot
where = _math.tree_where
zeros_like = _math.tree_zeros_like
