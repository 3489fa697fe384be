"""Configuration with SMAC: searching configuration spaces by Bayesian optimisation.

:mod:`asc.configuration.selector_search` configures the selection method itself
(which selector, its hyperparameters, which feature steps, whether to pre-solve), as
AutoFolio does.
"""
