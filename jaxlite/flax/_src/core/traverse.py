"""``flax.traverse_util.flatten_dict`` / ``unflatten_dict`` (used by summaries and naming)."""
from jaxlite.flax._src.core.frozen_dict import FrozenDict

__all__ = ["flatten_dict", "unflatten_dict", "empty_node"]


class _EmptyNode:
  def __repr__(self):
    return "empty_node"


empty_node = _EmptyNode()


def flatten_dict(xs, keep_empty_nodes=False, is_leaf=None, sep=None):
  """``{('a', 'b'): leaf}`` (or ``{'a/b': leaf}`` with ``sep='/'``) from a nested dict."""
  if not isinstance(xs, (dict, FrozenDict)):
    raise TypeError(f"expected (frozen)dict; got {type(xs)}")

  def key(path):
    return sep.join(path) if sep is not None else path

  def walk(xs, prefix):
    if not isinstance(xs, (dict, FrozenDict)) or (is_leaf and is_leaf(prefix, xs)):
      return {key(prefix): xs}
    out = {}
    for k, v in xs.items():
      out.update(walk(v, prefix + (k,)))
    if not xs and keep_empty_nodes and prefix:
      return {key(prefix): empty_node}
    return out

  return walk(xs, ())


def unflatten_dict(xs, sep=None):
  """Inverse of ``flatten_dict``."""
  out = {}
  for path, value in xs.items():
    if sep is not None:
      path = path.split(sep)
    if value is empty_node:
      value = {}
    cursor = out
    for k in path[:-1]:
      cursor = cursor.setdefault(k, {})
    cursor[path[-1]] = value
  return out
