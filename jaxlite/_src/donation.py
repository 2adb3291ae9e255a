"""jit's buffer donation (``donate_argnums`` / ``donate_argnames``) with JAX's semantics:
which donated leaves an output can take over (XLA's pairing), JAX's warnings and errors,
and the buffers handed to generated code, which may write over them (docs/compiler.md)."""
from __future__ import annotations

import math
import warnings

from jaxlite._src import async_dispatch
from jaxlite._src import tree_util
from jaxlite._src.api_util import fun_signature, resolve_static_argnums
from jaxlite._src.array import ArrayImpl
from jaxlite._src.errors import JaxRuntimeError


def resolve(fun, donate_argnums, donate_argnames, static_argnums, static_argnames):
  """(donate_argnums, donate_argnames), each filled in from the other through ``fun``'s
  signature as jax.jit does, with JAX's errors for bad or static ones."""
  if donate_argnums is None and donate_argnames is None:
    return (), ()
  nums, names = resolve_static_argnums(fun, donate_argnums, donate_argnames)
  sig = fun_signature(fun)
  if sig is not None:
    params = sig.parameters.values()
    if not any(p.kind == p.VAR_POSITIONAL for p in params):
      n_pos = sum(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in params)
      if any(not -n_pos <= i < n_pos for i in nums):
        raise ValueError(f"Jitted function has donate_argnums={tuple(nums)}, but only accepts "
                         f"{n_pos} positional arguments.")
    if not any(p.kind == p.VAR_KEYWORD for p in params):
      bad = set(names) - set(sig.parameters)
      if bad:
        raise ValueError(f"Jitted function has invalid argnames {bad} in donate_argnames. "
                         "Function does not take these args.")
  both = set(names) & set(static_argnames)
  if both:
    raise ValueError("static_argnames and donate_argnames cannot intersect. Argument names "
                     f"{both} appear in both static_argnames and donate_argnames")
  if set(nums) & set(static_argnums):
    raise ValueError("static_argnums and donate_argnums cannot intersect. Argument numbers "
                     f"{set(nums) & set(static_argnums)} appear in both.")
  return nums, names


def usable(jitted, args, kwargs, closed):
  """Flat positions of donated leaves that an output can take over, paired as XLA pairs
  them; warns about the others, as JAX does."""
  static_pos, dyn_args, dyn_kwargs, _, _ = jitted._split_args(args, kwargs)
  nums = {i % len(args) for i in jitted._donate_argnums if -len(args) <= i < len(args)}
  wanted, k = [], 0
  dyn_positions = [i for i in range(len(args)) if i not in static_pos]
  for i, a in zip(dyn_positions, dyn_args):
    n = tree_util.tree_structure(a).num_leaves
    if i in nums:
      wanted.extend(range(k, k + n))
    k += n
  for name in sorted(dyn_kwargs):  # the order dicts flatten in
    n = tree_util.tree_structure(dyn_kwargs[name]).num_leaves
    if name in jitted._donate_argnames:
      wanted.extend(range(k, k + n))
    k += n
  # XLA pairs a donated buffer with an output of as many elements of the same width
  # (f32[6] with f32[2,3] or i32[6]), in argument order.
  outs = [(math.prod(a.shape), a.dtype.itemsize) for a in closed.out_avals]
  paired, unusable = [], []
  for pos in wanted:
    aval = closed.in_avals[pos]
    match = (math.prod(aval.shape), aval.dtype.itemsize)
    if match in outs:
      outs[outs.index(match)] = None
      paired.append(pos)
    else:
      unusable.append(aval.str_short())
  if unusable:
    warnings.warn(f"Some donated buffers were not usable: {', '.join(unusable)}.\n"
                  "See an explanation at "
                  "https://docs.jax.dev/en/latest/faq.html#buffer-donation.", stacklevel=4)
  return tuple(paired)


def sources(leaves, donated, source):
  """What generated code gets for each argument leaf (``source(x)`` for the others), the
  donated ones deleted as JAX deletes them."""
  donated_ids = {id(leaves[i]) for i in donated if type(leaves[i]) is ArrayImpl}
  for i, x in enumerate(leaves):
    if i not in donated and id(x) in donated_ids:
      first = next(j for j in donated if leaves[j] is x)
      raise JaxRuntimeError(
          "INVALID_ARGUMENT: Attempt to use a buffer that was previously donated in the same "
          f"call (flattened argument {i}, first use: {first}). Toy example for this bug: "
          "`f(donate(a), a)`. Pass a copy (`a.copy()`) or stop donating it.")
  # Every leaf is checked before any is deleted: a deleted one raises here.
  out = [None if i in donated else source(x) for i, x in enumerate(leaves)]
  for i in donated:
    if type(leaves[i]) is ArrayImpl and leaves[i].is_deleted():
      leaves[i]._value  # noqa: B018  (raises that it was deleted)
  for i in donated:
    out[i] = _donate(leaves[i], source)
  return out


def _donate(x, source):
  """The source for a donated argument leaf, which is deleted (as JAX deletes donated
  arrays). Generated code may write over a donated buffer, so one that anything else can
  still see (a view, another array on the same buffer) is copied first."""
  if type(x) is not ArrayImpl:
    return source(x)  # NumPy arrays and scalars: a fresh copy already
  later = x._later
  if type(later) is async_dispatch.Result:
    x.delete()
    return async_dispatch.Owned(later)
  value = x._value  # raises if x was deleted already
  x.delete()
  return async_dispatch.sole_owner(value)

