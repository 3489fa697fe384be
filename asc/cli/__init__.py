"""The ``asc`` command line.

Each subcommand lives in its own module of this package and exposes two functions:

- ``add_parser(subparsers)`` registers its argparse sub-parser;
- ``run(args) -> int`` does the work and returns the exit status.

Command modules import only the standard library at module level; heavy
libraries (numba, scikit-learn, smac) are imported inside ``run`` so that
``asc --help`` and light commands start fast.
"""
