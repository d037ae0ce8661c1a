"""python -m autograd.debug [--all] [--html FILE] SCRIPT [ARGS...]: the terminal stepper (see cli.py)."""

import sys

from autograd.debug.cli import main

if __name__ == "__main__":
    sys.exit(main())
