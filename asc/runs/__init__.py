"""Y, performance collection: the runtime-collection harness and its run store.

- :mod:`asc.runs.runner`    one solver run in a child process under hard limits
- :mod:`asc.runs.status`    the run status vocabulary
- :mod:`asc.runs.store`     the crash-safe SQLite run store (one row per run)
- :mod:`asc.runs.campaign`  the run list of a campaign and its scheduling (local pool or Dask)
- :mod:`asc.runs.export`    ASlib / CSV / Parquet export of a store
- :mod:`asc.runs.smoke`     the portfolio smoke test (each algorithm on a tiny SAT and UNSAT formula)

Submodules are imported on demand so that ``import asc.runs`` stays cheap.
"""
