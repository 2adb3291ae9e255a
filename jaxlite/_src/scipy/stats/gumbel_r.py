"""The Gumbel distribution gumbel_r (``jax.scipy.stats.gumbel_r``)."""
from jaxlite._src.scipy.stats._gumbel import make

__all__ = ["logpdf", "pdf", "logcdf", "cdf", "logsf", "sf", "ppf"]

globals().update(make("gumbel_r", 1))
