"""NNX training utilities: optimizers and metrics."""
