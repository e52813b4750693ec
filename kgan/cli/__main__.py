"""``python -m kgan.cli``: the ``kgan`` command without its console script."""

import sys

from kgan.cli import main

sys.exit(main())
