"""NumPy's AxisError (a ValueError and IndexError), raised for bad axis arguments."""
import numpy as np

AxisError = np.exceptions.AxisError
