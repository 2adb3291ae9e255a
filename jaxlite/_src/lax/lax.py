"""All lax functions in one namespace, for internal callers (``from ... import lax``)."""
# ruff: noqa: F401, F403
from jaxlite._src.lax.elementwise import *
from jaxlite._src.lax.shapes import *
from jaxlite._src.lax.reductions import *
from jaxlite._src.lax.dot import *
from jaxlite._src.lax.misc import *
from jaxlite._src.lax.slicing import *
from jaxlite._src.lax.structural import *
from jaxlite._src.lax.convolution import *
from jaxlite._src.lax.windowed_reductions import *
from jaxlite._src.lax.control_flow.cond import cond, switch
from jaxlite._src.lax.control_flow.loops import scan, while_loop, fori_loop, map
from jaxlite._src.lax.control_flow.associative_scan import associative_scan
from jaxlite._src.lax.parallel import *
from jaxlite._src.sharding import with_sharding_constraint
