"""Algorithm configuration: searching a parameterized solver's configuration space.

The home of solver configuration with SMAC (``asc configure``): parameterized
algorithms of a portfolio file carry a ConfigSpace space (:mod:`asc.portfolios.space`).
The search that configures the *selector* itself (AutoFolio-style) is a selector and
lives with the selectors (:mod:`asc.selectors.search`).

* :mod:`asc.configuration.search`: SMAC's algorithm-configuration facade driven by ask
  and tell, every trial through the harness and into the run store; resume by replay.
* :mod:`asc.configuration.validation`: default vs configured on held-out instances.
* :mod:`asc.configuration.result`: the result as a portfolio file (RESULT.toml).
* :mod:`asc.configuration.configs`: configurations as plain data (NumPy values, run keys).

See docs/configuration.md.
"""
