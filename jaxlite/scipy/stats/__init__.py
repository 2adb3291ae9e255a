"""``jax.scipy.stats`` for jaxlite: one submodule per distribution, plus mode, rankdata and
sem."""
# ruff: noqa: F401
from jaxlite.scipy.stats import (
    bernoulli, beta, betabinom, binom, cauchy, chi2, dirichlet, expon, gamma, gennorm, geom,
    gumbel_l, gumbel_r, laplace, logistic, multinomial, multivariate_normal, nbinom, norm,
    pareto, poisson, t, truncnorm, uniform, vonmises, wrapcauchy)
from jaxlite._src.scipy.stats._summary import ModeResult, mode, rankdata, sem

from jaxlite._src.compat import missing_attribute as _missing_attribute
__getattr__ = _missing_attribute("jaxlite.scipy.stats", "jax.scipy.stats")
