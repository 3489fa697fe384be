"""Algorithm configuration: searching a parameterized solver's configuration space.

The home of solver configuration with SMAC (``asc configure``): parameterized
algorithms of a portfolio file carry a ConfigSpace space (:mod:`asc.portfolios.space`).
The search that configures the *selector* itself (AutoFolio-style) is a selector and
lives with the selectors (:mod:`asc.selectors.search`).
"""
