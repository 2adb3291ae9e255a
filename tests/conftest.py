import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
# Tier-2 kernels built by the tests go to a scratch cache, not the user's ~/.cache.
os.environ.setdefault("JAXLITE_CACHE_DIR", tempfile.mkdtemp(prefix="jaxlite-test-kernels-"))
