"""NNX layers."""
