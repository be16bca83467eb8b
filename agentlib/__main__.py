"""``python -m agentlib``: see :mod:`agentlib.cli`."""

import sys

from agentlib.cli import main

sys.exit(main())
