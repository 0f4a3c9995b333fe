"""``python -m skopt_lab``: the command line (see skopt_lab.cli)."""

import sys

from .cli import main

sys.exit(main())
