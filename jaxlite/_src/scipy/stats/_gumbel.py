"""The Gumbel distributions: gumbel_r (right-skewed) and its mirror image gumbel_l."""
import numpy as np

from jaxlite import numpy as jnp
from jaxlite._src.scipy.special import xlogy
from jaxlite._src.scipy.stats._common import promote


def _log1mexp(x):
  """log(1 - exp(-x)) for x > 0, accurate at both ends."""
  return jnp.where(x > np.log(2), jnp.log1p(-jnp.exp(-x)), jnp.log(-jnp.expm1(-x)))


def make(name, sign):
  """The functions of gumbel_r (sign=1) or gumbel_l (sign=-1). With z the standardized
  variable and w = sign * z, gumbel_r's CDF is exp(-exp(-w)) and gumbel_l's is its
  reflection 1 - exp(-exp(-w))."""
  def parts(fn, x, loc, scale):
    x, loc, scale = promote(f"{name}.{fn}", x, loc, scale)
    return sign * (x - loc) / scale, scale > 0, scale

  def logpdf(x, loc=0, scale=1):
    w, ok, scale = parts("logpdf", x, loc, scale)
    return jnp.where(ok, xlogy(-1, scale) - (w + jnp.exp(-w)), np.nan)

  def pdf(x, loc=0, scale=1):
    return jnp.exp(logpdf(x, loc, scale))

  def lower_log(fn, x, loc, scale):   # log of exp(-exp(-w))
    w, ok, _ = parts(fn, x, loc, scale)
    return jnp.where(ok, -jnp.exp(-w), np.nan)

  def upper_log(fn, x, loc, scale):   # log of 1 - exp(-exp(-w))
    w, ok, _ = parts(fn, x, loc, scale)
    return jnp.where(ok, _log1mexp(jnp.exp(-w)), np.nan)

  def logcdf(x, loc=0, scale=1):
    return (lower_log if sign > 0 else upper_log)("logcdf", x, loc, scale)

  def logsf(x, loc=0, scale=1):
    return (upper_log if sign > 0 else lower_log)("logsf", x, loc, scale)

  def cdf(x, loc=0, scale=1):
    return jnp.exp(logcdf(x, loc, scale))

  def sf(x, loc=0, scale=1):
    return jnp.exp(logsf(x, loc, scale))

  def ppf(p, loc=0, scale=1):
    p, loc, scale = promote(f"{name}.ppf", p, loc, scale)
    ok = (p > 0) & (p < 1)
    q = p if sign > 0 else 1 - p
    return jnp.where(ok, loc - sign * scale * jnp.log(-jnp.log(q)), np.nan)

  fns = dict(logpdf=logpdf, pdf=pdf, logcdf=logcdf, cdf=cdf, logsf=logsf, sf=sf, ppf=ppf)
  for fn_name, fn in fns.items():
    fn.__name__ = fn.__qualname__ = fn_name
    fn.__module__ = f"jaxlite.scipy.stats.{name}"
  return fns
