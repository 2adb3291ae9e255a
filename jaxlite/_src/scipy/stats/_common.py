"""Shared helpers of the distribution modules."""
from jaxlite._src.numpy import util


def promote(name, *args):
  """Check and promote the arguments of ``name`` to one inexact dtype and rank."""
  return util.promote_args_inexact(name, *args)


def standardize(name, x, loc, scale):
  """``(x - loc) / scale`` with the arguments promoted together, plus the promoted ones."""
  x, loc, scale = promote(name, x, loc, scale)
  return (x - loc) / scale, x, loc, scale
