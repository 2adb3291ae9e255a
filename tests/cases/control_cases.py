"""Sweep cases for control flow, checkpointing and callbacks."""
import numpy as np

import jaxlite as jax
import jaxlite.numpy as jnp
from jaxlite import lax
from jaxlite.ad_checkpoint import checkpoint_name
from cases import Case, args_of, rand


def _cond(p, x):
  return lax.cond(p > 0, lambda v: jnp.sin(v) * 2.0, lambda v: jnp.cos(v) - v, x)


def _scan(c, xs):
  return lax.scan(lambda c, x: (jnp.tanh(c * x + 0.5), c * x), c, xs)


def _while(x):
  return lax.while_loop(lambda c: c[1] < 3, lambda c: (c[0] * 1.5 + jnp.sin(c[0]), c[1] + 1),
                        (x, 0))[0]


def _callback(x):
  return jax.pure_callback(lambda v: np.cos(v).astype(v.dtype),
                           jax.ShapeDtypeStruct(x.shape, x.dtype), x, vmap_method="sequential")


CASES = [
    Case("cond", _cond, args_of(rand((), low=0.5, high=1.0), rand((3,))), name="true",
         grad_argnums=(1,)),
    Case("cond", _cond, args_of(rand((), low=-1.0, high=-0.5), rand((3,))), name="false",
         grad_argnums=(1,)),
    Case("scan", _scan, args_of(rand((2,)), rand((4, 2))), atol=1e-5, grad_tol=2e-2),
    Case("while", _while, args_of(rand((3,))), modes=("fwd",)),
    Case("checkpoint", jax.checkpoint(lambda x: jnp.sin(jnp.sin(x)) * x), args_of(rand((3,)))),
    Case("name", lambda x: checkpoint_name(x * 2.0, "doubled"), args_of(rand((3,)))),
    Case("pure_callback", _callback, args_of(rand((3,))), grad=False),
]
