"""``jnp.vectorize`` (through vmap) and small type predicates."""
from __future__ import annotations

import functools
import re

import numpy as np

from jaxlite._src import dtypes

__all__ = ["vectorize", "isrealobj", "iscomplexobj", "isscalar", "iterable", "isreal",
           "iscomplex"]

_DIM = r"\w+"
_CORE = rf"(?:{_DIM}(?:,{_DIM})*)?"
_ARGS = rf"\({_CORE}\)(?:,\({_CORE}\))*"
_SIGNATURE = re.compile(rf"^{_ARGS}->{_ARGS}$")


def _parse_signature(signature):
  if not _SIGNATURE.match(signature.replace(" ", "")):
    raise ValueError(f"not a valid gufunc signature: {signature}")
  ins, outs = signature.replace(" ", "").split("->")
  parse = lambda s: [tuple(d for d in grp.split(",") if d) for grp in re.findall(r"\((.*?)\)", s)]
  return parse(ins), parse(outs)


def vectorize(pyfunc, *, excluded=frozenset(), signature=None):
  """NumPy's vectorize: ``pyfunc`` over scalars (or core dims) is mapped with nested vmaps."""
  from jaxlite._src.api import vmap
  from jaxlite._src.numpy.creation import asarray
  from jaxlite._src.numpy.shape_ops import broadcast_to

  @functools.wraps(pyfunc)
  def wrapped(*args, **kwargs):
    excluded_pos = {i for i in excluded if isinstance(i, int)}
    dyn = [asarray(a) for i, a in enumerate(args) if i not in excluded_pos]
    if signature is not None:
      in_core, _ = _parse_signature(signature)
      if len(in_core) != len(dyn):
        raise TypeError(f"wrong number of positional arguments: expected {len(in_core)}, got "
                        f"{len(dyn)}")
    else:
      in_core = [()] * len(dyn)
    batch_shapes = [a.shape[:a.ndim - len(c)] for a, c in zip(dyn, in_core)]
    batch = np.broadcast_shapes(*batch_shapes) if batch_shapes else ()
    dyn = [broadcast_to(a, batch + a.shape[a.ndim - len(c):]) for a, c in zip(dyn, in_core)]

    def call(*xs):
      it = iter(xs)
      full = [a if i in excluded_pos else next(it) for i, a in enumerate(args)]
      return pyfunc(*full, **kwargs)

    f = call
    for _ in batch:
      f = vmap(f)
    return f(*dyn)

  return wrapped


def isrealobj(x):
  return not dtypes.is_complex(dtypes.dtype(x) if not hasattr(x, "dtype") else x.dtype)


def iscomplexobj(x):
  return not isrealobj(x)


def isscalar(element):
  if hasattr(element, "shape") and not isinstance(element, type):
    return len(element.shape) == 0 and not isinstance(element, np.ndarray)
  return np.isscalar(element)


def iterable(y):
  try:
    iter(y)
  except TypeError:
    return False
  return True


def isreal(x):
  from jaxlite._src.numpy.creation import asarray
  from jaxlite._src.lax import lax
  x = asarray(x)
  return lax.eq(lax.imag(x), np.zeros((), dtypes.real_dtype(x.dtype))) if \
      dtypes.is_complex(x.dtype) else lax.full(x.shape, True, np.bool_)


def iscomplex(x):
  from jaxlite._src.numpy.creation import asarray
  from jaxlite._src.lax import lax
  x = asarray(x)
  return lax.ne(lax.imag(x), np.zeros((), dtypes.real_dtype(x.dtype))) if \
      dtypes.is_complex(x.dtype) else lax.full(x.shape, False, np.bool_)
