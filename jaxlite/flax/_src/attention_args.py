"""Argument defaults Linen's and NNX's multi-head attention share."""


def default_keys_values(inputs_q, inputs_k, inputs_v):
  """Keys default to the queries and values to the keys (values alone cannot be given)."""
  if inputs_k is None:
    if inputs_v is not None:
      raise ValueError("`inputs_k` cannot be None if `inputs_v` is not None. To have both "
                       "`inputs_k` and `inputs_v` be the same value, pass in the value to "
                       "`inputs_k` and leave `inputs_v` as None.")
    inputs_k = inputs_q
  return inputs_k, inputs_k if inputs_v is None else inputs_v
