"""``ocp.utils``."""
# ruff: noqa: F401
from jaxlite.orbax._src.utils import construct_restore_args, to_shape_dtype_struct
