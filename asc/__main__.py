"""``python -m asc`` runs the command line."""

from asc.cli.main import console

console()
