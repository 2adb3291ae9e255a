"""The values stored in the committed checkpoints of tests/orbax/fixtures/, built from
NumPy alone so that both the fixture maker (run with the real orbax) and the tests
(run with jaxlite) can rebuild them."""
import ml_dtypes
import numpy as np

# Leaves saved as jax.Array (the others were NumPy arrays or Python scalars).
JAX_LEAVES = ("params.dense.kernel", "params.dense.bias", "params.embed", "opt.0.mu",
              "opt.1", "count")


def state(step: int) -> dict:
  """A training-like state: nested dicts and lists, several dtypes, scalars and None."""
  base = np.arange(12, dtype=np.float32).reshape(3, 4) / 8 + step
  return {
      "params": {
          "dense": {"kernel": base, "bias": np.linspace(-1, 1, 4).astype(np.float32) * step},
          "embed": (base[:2] * 3).astype(ml_dtypes.bfloat16),
      },
      "opt": [{"mu": base.astype(np.float16), "nu": None}, np.full((2,), step, np.int32)],
      "count": np.array(step * 10, np.int32),
      "rng": np.arange(4, dtype=np.uint32) * (step + 1),
      "mask": np.array([True, False, step % 2 == 0]),
      "history": np.arange(3, dtype=np.float64) * 0.1 + step,
      "lr": 0.5 / (step + 1),
      "epoch": step // 2,
  }


def metrics(step: int) -> dict:
  return {"loss": 1.0 / (step + 1), "accuracy": step / 10}
