"""``python -m asc`` runs the command line."""

import sys

from asc.cli.main import main

sys.exit(main())
