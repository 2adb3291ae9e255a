"""``jax.numpy`` for jaxlite: NumPy's API with JAX's semantics."""
# ruff: noqa: F401
import numpy as _np

from jaxlite._src.array import Array as ndarray
from jaxlite._src.dtypes import (
    finfo, iinfo, issubdtype, promote_types, result_type)
from jaxlite._src.numpy.creation import (
    array, asarray, zeros, ones, full, empty, zeros_like, ones_like, full_like, empty_like,
    arange, eye, identity)
from jaxlite._src.numpy.scalar_types import (
    bool_, int8, int16, int32, int64, uint8, uint16, uint32, uint64, float16, float32, float64,
    complex64, complex128, bfloat16, float8_e4m3fn, float8_e5m2, int4, uint4, int_, uint,
    float_, complex_, single, double, half, csingle, cdouble, generic, number, inexact,
    floating, complexfloating, integer, signedinteger, unsignedinteger)
from jaxlite._src.numpy.ufuncs import (
    add, subtract, multiply, maximum, minimum, equal, not_equal, less, less_equal, greater,
    greater_equal, sin, cos, tanh, exp, log, sqrt, negative, positive, true_divide, divide,
    square, reciprocal, power, float_power, where)
from jaxlite._src.numpy.reductions import (
    sum, prod, mean, var, std, max, min, amax, amin, all, any)
from jaxlite._src.numpy.shape_ops import (
    reshape, ravel, transpose, matrix_transpose, squeeze, expand_dims, broadcast_to,
    broadcast_arrays, stack, concatenate, astype, matmul, dot, vdot, clip, round, around, copy,
    size, shape, ndim)

bool = bool_  # noqa: A001
dtype = _np.dtype
pi = _np.pi
e = _np.e
inf = _np.inf
nan = _np.nan
euler_gamma = _np.euler_gamma
newaxis = None

from jaxlite._src.numpy.ufuncs_extra import *
from jaxlite._src.numpy.indexing import *
from jaxlite._src.numpy.reductions_extra import *
from jaxlite._src.numpy.sorting import *

from jaxlite.numpy import linalg, fft  # noqa: E402

from jaxlite._src.numpy.shape_extra import *  # noqa: E402
from jaxlite._src.numpy.creation_extra import *  # noqa: E402
from jaxlite._src.numpy.linalg_basic import *  # noqa: E402
from jaxlite._src.numpy.padding import *  # noqa: E402
from jaxlite._src.numpy.vectorize import *  # noqa: E402
from jaxlite._src.numpy.misc import *  # noqa: E402

from jaxlite._src.compat import missing_attribute as _missing_attribute  # noqa: E402
__getattr__ = _missing_attribute("jaxlite.numpy", "jax.numpy")
