"""Sweep cases for the PRNG primitives: threefry2x32, random_gamma, random_gamma_grad."""
import numpy as np

from jaxlite._src.random.gamma import random_gamma_grad_p, random_gamma_p
from jaxlite._src.random.threefry import threefry2x32_p
from cases import Case, args_of, rand


def u32(shape):
  """Full-range uint32 values (the high bit set often: wraparound matters)."""
  return lambda rng: rng.integers(0, 2 ** 32, size=shape, dtype=np.uint64).astype(np.uint32)


def key_data():
  return u32((2,))


def threefry(k1, k2, x1, x2):
  return threefry2x32_p.bind(k1, k2, x1, x2)


def gamma(log_space):
  return lambda key, a: random_gamma_p.bind(key, a, log_space=log_space)


CASES = [
    Case("threefry2x32", threefry, args_of(u32(()), u32(()), u32((5,)), u32((5,))),
         name="scalar_key", grad=False),
    Case("threefry2x32", threefry, args_of(u32((2, 3)), u32((2, 3)), u32((2, 3)), u32((2, 3))),
         name="full", grad=False),
    Case("threefry2x32", threefry, args_of(u32((3, 1)), u32((3, 1)), u32((1, 4)), u32((1, 4))),
         name="bcast1", grad=False),
    Case("threefry2x32", threefry, args_of(u32(()), u32(()), u32((4,)), u32((4,))),
         name="unbatched_key", grad=False, vmap_argnums=(2, 3)),
    # The derivative of random_gamma is the implicit reparameterization gradient, not the
    # derivative of the sampling path, so finite differences cannot check it: test_random
    # compares it with JAX's values instead.
    Case("random_gamma", gamma(False), args_of(key_data(), rand((4,), low=0.3, high=4.0)),
         grad=False),
    Case("random_gamma", gamma(True), args_of(key_data(), rand((3,), low=0.05, high=3.0)),
         name="log_space", grad=False),
    Case("random_gamma", gamma(False), args_of(key_data(), rand((2,), low=0.5, high=2.0)),
         name="unbatched_key", grad=False, vmap_argnums=(1,)),
    Case("random_gamma_grad", lambda a, x: random_gamma_grad_p.bind(a, x),
         args_of(rand((5,), low=0.1, high=5.0), rand((5,), low=0.05, high=6.0)), grad=False),
]
