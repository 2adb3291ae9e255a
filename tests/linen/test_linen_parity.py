"""Linen models give the real Flax's parameter trees and numbers for the same keys.

Reference values come from reference_values.py (made with the real jax/flax by
fixtures/make_reference.py from the same linen_models.py). Values are compared to
1e-5 relative: the real XLA CPU backend fuses multiply-adds (FMA) inside the random
initializers, which moves some results by one float32 ulp. Rng keys are exact.
"""
import numpy as np
import pytest

import jaxlite
import jaxlite.flax.linen as nn

from . import linen_models
from .reference_values import REFERENCE


def summarize(tree):
  out = {}
  for path, leaf in jaxlite.tree_util.tree_flatten_with_path(tree)[0]:
    a = np.asarray(leaf)
    key = "/".join(str(getattr(p, "key", getattr(p, "idx", p))) for p in path)
    out[key] = (a.shape, str(a.dtype), a.ravel()[:4].astype(np.float64),
                float(a.astype(np.float64).sum()))
  return out


@pytest.mark.parametrize("name", sorted(linen_models.CASES))
def test_matches_real_flax(name):
  variables, outputs = linen_models.CASES[name](jaxlite, nn)
  for part, tree in (("variables", variables), ("outputs", outputs)):
    expected = REFERENCE[name][part]
    got = summarize(tree)
    assert sorted(got) == sorted(expected), f"{name} {part}: different tree"
    for key, (shape, dtype, head, total) in expected.items():
      g_shape, g_dtype, g_head, g_total = got[key]
      assert g_shape == tuple(shape) and g_dtype == dtype, (name, key)
      atol = 1e-6 if part == "variables" else 1e-5  # outputs add up ulp differences
      np.testing.assert_allclose(g_head, head, rtol=1e-5, atol=atol, err_msg=f"{name} {key}")
      np.testing.assert_allclose(g_total, total, rtol=1e-4, atol=1e-5, err_msg=f"{name} {key}")


def test_rng_keys_are_bit_exact():
  keys = linen_models.rng_keys(jaxlite, nn)
  expected = REFERENCE["rng_keys"]
  assert sorted(keys) == sorted(expected)
  for name, value in expected.items():
    assert np.asarray(keys[name]).tolist() == value, name
