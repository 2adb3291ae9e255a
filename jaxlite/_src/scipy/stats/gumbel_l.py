"""The Gumbel distribution gumbel_l (``jax.scipy.stats.gumbel_l``)."""
from jaxlite._src.scipy.stats._gumbel import make

__all__ = ["logpdf", "pdf", "logcdf", "cdf", "logsf", "sf", "ppf"]

globals().update(make("gumbel_l", -1))
