"""asc: algorithm selection and configuration for combinatorial solvers.

The package follows Rice's framework for algorithm selection; each space has its
own subpackage:

- ``asc.instances``      P, problem instances (DIMACS CNF reader, QSAR datasets)
- ``asc.features``       F, instance features (SATzilla-style, in ASlib feature steps)
- ``asc.portfolios``     A, algorithms and portfolios (python-sat, external, parameterized)
- ``asc.runs``           Y, performance collection (harness and run store)
- ``asc.selectors``      S, selection mappings learned from F and Y (estimators only)
- ``asc.policy``         the run-time policy of a decision and how it is charged (NumPy only)
- ``asc.models``         model files, their compiled form, deployment on one instance
- ``asc.configuration``  solver configuration with SMAC
- ``asc.aslib``          the ASlib exchange format: Scenario, reader, writer, validator
- ``asc.evaluation``     metrics and cross-validation protocols
- ``asc.experiments``    reproducible, seeded experiment specs
- ``asc.cli``            the ``asc`` command line

Importing ``asc`` is cheap: heavy libraries load only in the modules that need them.
"""

__version__ = "0.1.0"
