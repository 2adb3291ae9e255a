"""``jax.random`` for jaxlite: counter-based PRNG keys (Threefry-2x32) and samplers."""
# ruff: noqa: F401
from jaxlite._src.random.keys import (
    PRNGKey, key, split, fold_in, bits, key_data, wrap_key_data, key_impl, key_dtype, clone)
from jaxlite._src.random.continuous import (
    uniform, normal, truncated_normal, bernoulli, exponential, gumbel, laplace, logistic,
    cauchy, pareto, rayleigh, wald, weibull_min, maxwell, double_sided_maxwell, rademacher,
    triangular, lognormal, geometric)
from jaxlite._src.random.gamma import (
    random_gamma_p, gamma, loggamma, beta, dirichlet, t, chisquare, f, generalized_normal, ball)
from jaxlite._src.random.discrete import (
    randint, permutation, choice, categorical, poisson, binomial, multinomial)
from jaxlite._src.random.multivariate import multivariate_normal, orthogonal
