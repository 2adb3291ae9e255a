"""The subset of MessagePack that Flax checkpoints use, written out by hand.

Flax stores state dicts with the ``msgpack`` package (``packb(tree, default=...,
strict_types=True)`` / ``unpackb(data, ext_hook=..., raw=False, strict_map_key=False)``).
This module produces the same bytes and reads the same files without that dependency:
nil, bool, int, float64, str, bin, array, map and ext. Decoding only builds these plain
values (and whatever ``ext_hook`` returns), so reading a file never runs code from it.
"""
import struct

__all__ = ["ExtType", "packb", "unpackb"]


class ExtType:
  """An application-defined value: an integer ``code`` in [-128, 127] and raw ``data``."""
  __slots__ = ("code", "data")

  def __init__(self, code, data):
    if not isinstance(code, int) or not -128 <= code <= 127:
      raise ValueError("code must be an int in [-128, 127]")
    if not isinstance(data, (bytes, bytearray)):
      raise TypeError("data must be bytes")
    self.code, self.data = code, bytes(data)

  def __eq__(self, other):
    return isinstance(other, ExtType) and (self.code, self.data) == (other.code, other.data)

  def __repr__(self):
    return f"ExtType(code={self.code}, data={self.data!r})"


def _pack_int(x, out):
  if 0 <= x < 128:
    out.append(x)
  elif -32 <= x < 0:
    out.append(x & 0xFF)
  elif 0 <= x <= 0xFF:
    out += b"\xcc" + struct.pack(">B", x)
  elif 0 <= x <= 0xFFFF:
    out += b"\xcd" + struct.pack(">H", x)
  elif 0 <= x <= 0xFFFFFFFF:
    out += b"\xce" + struct.pack(">I", x)
  elif 0 <= x < 1 << 64:
    out += b"\xcf" + struct.pack(">Q", x)
  elif -128 <= x < 0:
    out += b"\xd0" + struct.pack(">b", x)
  elif -32768 <= x < 0:
    out += b"\xd1" + struct.pack(">h", x)
  elif -(1 << 31) <= x < 0:
    out += b"\xd2" + struct.pack(">i", x)
  elif -(1 << 63) <= x < 0:
    out += b"\xd3" + struct.pack(">q", x)
  else:
    raise OverflowError("Integer value out of range")


def _pack_len(n, out, fix_tag, fix_max, tags, kind):
  """Header for a sized value: fix form if small, else the 8/16/32-bit form."""
  if fix_tag is not None and n <= fix_max:
    out.append(fix_tag | n)
    return
  for tag, fmt, limit in tags:
    if tag is not None and n < limit:
      out += tag + struct.pack(fmt, n)
      return
  raise ValueError(f"{kind} is too large")


_STR_TAGS = ((b"\xd9", ">B", 1 << 8), (b"\xda", ">H", 1 << 16), (b"\xdb", ">I", 1 << 32))
_BIN_TAGS = ((b"\xc4", ">B", 1 << 8), (b"\xc5", ">H", 1 << 16), (b"\xc6", ">I", 1 << 32))
_ARRAY_TAGS = ((None, None, 0), (b"\xdc", ">H", 1 << 16), (b"\xdd", ">I", 1 << 32))
_MAP_TAGS = ((None, None, 0), (b"\xde", ">H", 1 << 16), (b"\xdf", ">I", 1 << 32))
_FIXEXT = {1: 0xD4, 2: 0xD5, 4: 0xD6, 8: 0xD7, 16: 0xD8}
_EXT_TAGS = ((b"\xc7", ">B", 1 << 8), (b"\xc8", ">H", 1 << 16), (b"\xc9", ">I", 1 << 32))


def _is(x, types, strict):
  return type(x) in types if strict else isinstance(x, types)


def _pack(x, out, default, strict, default_used=False):
  if x is None:
    out.append(0xC0)
  elif x is True or x is False:
    out.append(0xC3 if x else 0xC2)
  elif _is(x, (int,), strict) and not isinstance(x, bool):
    _pack_int(int(x), out)
  elif _is(x, (float,), strict):
    out += b"\xcb" + struct.pack(">d", x)
  elif _is(x, (str,), strict):
    data = x.encode("utf-8")
    _pack_len(len(data), out, 0xA0, 31, _STR_TAGS, "str")
    out += data
  elif _is(x, (bytes, bytearray), strict) or (not strict and isinstance(x, memoryview)):
    _pack_len(len(x), out, None, -1, _BIN_TAGS, "bin")
    out += bytes(x)
  elif _is(x, (list,), strict) or (not strict and isinstance(x, tuple)):
    _pack_len(len(x), out, 0x90, 15, _ARRAY_TAGS, "array")
    for v in x:
      _pack(v, out, default, strict)
  elif _is(x, (dict,), strict):
    _pack_len(len(x), out, 0x80, 15, _MAP_TAGS, "map")
    for k, v in x.items():
      _pack(k, out, default, strict)
      _pack(v, out, default, strict)
  elif type(x) is ExtType:
    n = len(x.data)
    if n in _FIXEXT:
      out.append(_FIXEXT[n])
    else:
      _pack_len(n, out, None, -1, _EXT_TAGS, "ext")
    out += struct.pack(">b", x.code) + x.data
  elif default is not None and not default_used:
    _pack(default(x), out, default, strict, default_used=True)
  else:
    raise TypeError(f"can not serialize {type(x).__name__!r} object")


def packb(obj, default=None, strict_types=False) -> bytes:
  """Encode ``obj`` (str as str, bytes as bin, list/tuple as array, like msgpack)."""
  out = bytearray()
  _pack(obj, out, default, strict_types)
  return bytes(out)


class _Reader:
  def __init__(self, data, raw, ext_hook):
    self.data = memoryview(data).cast("B") if not isinstance(data, bytes) else data
    self.pos = 0
    self.raw = raw
    self.ext_hook = ext_hook

  def take(self, n):
    end = self.pos + n
    if end > len(self.data):
      raise ValueError("Unpack failed: incomplete input")
    chunk = bytes(self.data[self.pos:end])
    self.pos = end
    return chunk

  def num(self, fmt):
    return struct.unpack(fmt, self.take(struct.calcsize(fmt)))[0]

  def string(self, n):
    data = self.take(n)
    return data if self.raw else data.decode("utf-8")

  def array(self, n):
    return [self.read() for _ in range(n)]

  def map(self, n):
    out = {}
    for _ in range(n):
      k = self.read()
      try:
        out[k] = self.read()
      except TypeError:
        raise ValueError(f"Unpack failed: unhashable map key {k!r}") from None
    return out

  def ext(self, n):
    code = self.num(">b")
    data = self.take(n)
    return self.ext_hook(code, data) if self.ext_hook else ExtType(code, data)

  def read(self):
    b = self.take(1)[0]
    if b < 0x80:
      return b
    if b >= 0xE0:
      return b - 0x100
    if b < 0x90:
      return self.map(b & 0x0F)
    if b < 0xA0:
      return self.array(b & 0x0F)
    if b < 0xC0:
      return self.string(b & 0x1F)
    sized = _SIZED.get(b)
    if sized is not None:
      kind, fmt = sized
      return getattr(self, kind)(self.num(fmt))
    if b in _FIXED:
      return self.num(_FIXED[b])
    if b in _FIXEXT_READ:
      return self.ext(_FIXEXT_READ[b])
    if b == 0xC0:
      return None
    if b in (0xC2, 0xC3):
      return b == 0xC3
    raise ValueError(f"Unpack failed: invalid MessagePack byte 0x{b:02x}")


_SIZED = {0xD9: ("string", ">B"), 0xDA: ("string", ">H"), 0xDB: ("string", ">I"),
          0xC4: ("take", ">B"), 0xC5: ("take", ">H"), 0xC6: ("take", ">I"),
          0xDC: ("array", ">H"), 0xDD: ("array", ">I"),
          0xDE: ("map", ">H"), 0xDF: ("map", ">I"),
          0xC7: ("ext", ">B"), 0xC8: ("ext", ">H"), 0xC9: ("ext", ">I")}
_FIXED = {0xCA: ">f", 0xCB: ">d", 0xCC: ">B", 0xCD: ">H", 0xCE: ">I", 0xCF: ">Q",
          0xD0: ">b", 0xD1: ">h", 0xD2: ">i", 0xD3: ">q"}
_FIXEXT_READ = {v: k for k, v in _FIXEXT.items()}


def unpackb(data, ext_hook=None, raw=False):
  """Decode one MessagePack value; arrays come back as lists (msgpack's use_list)."""
  reader = _Reader(data, raw, ext_hook)
  try:
    value = reader.read()
  except RecursionError:
    raise ValueError("Unpack failed: data is nested too deeply") from None
  except UnicodeDecodeError as e:
    raise ValueError(f"Unpack failed: invalid UTF-8 in a string ({e})") from None
  if reader.pos != len(reader.data):
    raise ValueError("unpack(b) received extra data.")
  return value
