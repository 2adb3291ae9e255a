"""Fusion regions: which equations join, what is hoisted, what ends a region, how chunks
tile the arrays, and that fused code computes the same bits."""
import itertools

import numpy as np
import pytest

import jaxlite
import jaxlite.numpy as jnp
from jaxlite import lax
from jaxlite._src.compiler import buffers, fusion, passes
from jaxlite._src.compiler.codegen import _Emitter, _expression

from compiler_util import check_same


@pytest.fixture
def small_fusion(monkeypatch):
  monkeypatch.setattr(fusion, "FUSE_MIN_ELEMS", 16)
  monkeypatch.setattr(fusion, "CHUNK_ELEMS", 8)


def steps_of(fn, *args):
  jaxpr = passes.dce(jaxlite.make_jaxpr(fn)(*args).jaxpr)
  em = _Emitter()
  forms = []
  for eqn in jaxpr.eqns:
    ins = [em.atom(a) for a in eqn.invars]
    forms.append(None if eqn.primitive.multiple_results else
                 buffers.out_form(eqn, _expression(em, eqn, ins), ins, {}))
  steps = fusion.find_regions(jaxpr.eqns, forms, passes.is_effectful)
  names = lambda idx: [jaxpr.eqns[i].primitive.name for i in idx]
  return [names([s]) [0] if type(s) is int else names(s.members) for s in steps]


X = np.linspace(-2, 2, 48, dtype=np.float32).reshape(6, 8)


def test_chain_becomes_one_region_and_dependents_end_it(small_fusion):
  f = lambda x, w: jnp.tanh(jnp.exp(x) * 2.0 + x) @ w
  w = np.ones((8, 3), np.float32)
  assert steps_of(f, X, w) == [["exp", "mul", "add", "tanh"], "dot_general"]
  check_same(f, X, w)


def test_independent_equations_are_hoisted(small_fusion):
  def f(x, w):
    a = jnp.exp(x)
    d = w @ w.T  # needs nothing from the region: runs before its loop
    return jnp.sin(a + 1.0), d
  w = np.ones((3, 8), np.float32)
  assert steps_of(f, X, w) == ["transpose", "dot_general", ["exp", "add", "sin"]] or \
      steps_of(f, X, w) == ["dot_general", ["exp", "add", "sin"]]
  check_same(f, X, w)


def test_effects_end_regions_in_order(small_fusion):
  seen = []

  def f(x):
    a = jnp.exp(x)
    jaxlite.debug.callback(lambda v: seen.append(np.asarray(v).sum()), x)
    return jnp.sin(a * 2.0)
  steps = steps_of(f, X)
  assert "debug_callback" in steps
  assert steps.index("debug_callback") == 0 or steps[0] == "exp"
  check_same(f, X)


def test_small_arrays_are_not_fused():
  assert steps_of(lambda x: jnp.sin(jnp.exp(x) * 2.0), X) == ["exp", "mul", "sin"]


def test_broadcast_operands_and_trailing_sum(small_fusion):
  row = np.arange(8, dtype=np.float32)
  col = np.arange(6, dtype=np.float32)[:, None]

  def f(x, row, col):
    y = jnp.exp(x - row) * col  # operands broadcast along either axis
    return y, jnp.sum(y * y, axis=1)
  steps = steps_of(f, X, row, col)
  region = next(s for s in steps if type(s) is list)
  assert region[-1] == "reduce_sum" and "exp" in region
  opt = check_same(f, X, row, col)
  assert "for _c, _t, _c0, _c1 in" in opt.source


def test_sums_across_chunks_are_not_fused(small_fusion, monkeypatch):
  # Chunks are rows: a column sum would add chunk results in a different order.
  f = lambda x: jnp.sum(jnp.exp(x) * 2.0, axis=0)
  assert steps_of(f, X)[-1] == "reduce_sum"
  check_same(f, X)


@pytest.mark.parametrize("shape,chunk", [((6, 8), 8), ((6, 8), 5), ((3, 4, 5), 7),
                                         ((1, 1, 9), 4), ((2, 3), 100), ((7,), 3)])
def test_chunks_tile_every_element_once(monkeypatch, shape, chunk):
  monkeypatch.setattr(fusion, "CHUNK_ELEMS", chunk)
  region = fusion.Region(shape, [], [tuple(1 if k == 0 else d for k, d in enumerate(shape))])
  count = np.zeros(shape, int)
  buf = np.zeros(region.chunk_shape())
  for index, part, bcast in region.chunks():
    count[index] += 1
    assert buf[part].shape == count[index].shape
    assert np.zeros(region.patterns[0])[bcast].shape[1:] == count[index].shape[1:]
  assert (count == 1).all()
  assert region.n_chunks == len(region.chunks())


def test_fused_code_is_readable(small_fusion):
  opt = check_same(lambda x: jnp.sin(jnp.exp(x) * 2.0), X)
  assert "# fused: 3 equations on 6x8" in opt.source
  assert "for _c, _t in _chunks0:" in opt.source
  compile(opt.source, "<check>", "exec")
