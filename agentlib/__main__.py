"""``python -m agentlib``: see :mod:`agentlib.cli`."""

import gc
import sys

from agentlib.cli import main

# torch, imported above, lives as long as the process: its objects are
# kept out of the collector's full passes (each about 0.1 s of a short
# run, and the last one at exit)
gc.freeze()
sys.exit(main())
