"""Parameter spaces of parameterized algorithms as ConfigSpace objects (for configuration with SMAC).

Kept apart so that reading a portfolio never imports ConfigSpace.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from asc.portfolios.algorithm import Parameter


def to_configspace(params: Iterable[Parameter], name: str = "", seed: int | None = None) -> Any:
    """Build a ``ConfigSpace.ConfigurationSpace`` from :class:`Parameter` specs.

    Parameters
    ----------
    params
        The parameters.
    name
        Name of the space.
    seed
        Seed of the space's sampler (explicit, as everywhere in ``asc``).
    """
    from ConfigSpace import Categorical, ConfigurationSpace, Float, Integer

    cs = ConfigurationSpace(name=name, seed=seed)
    hps = []
    for p in params:
        if p.type == "categorical":
            hps.append(Categorical(p.name, list(p.choices), default=p.default))
        elif p.type == "integer":
            hps.append(Integer(p.name, (int(p.lower), int(p.upper)), default=int(p.default), log=p.log))
        else:
            hps.append(Float(p.name, (float(p.lower), float(p.upper)), default=float(p.default), log=p.log))
    cs.add(hps)
    return cs


def configuration_of(algorithm: Any) -> Any:
    """The algorithm's fixed configuration as a ``ConfigSpace.Configuration`` of its space."""
    from ConfigSpace import Configuration

    return Configuration(algorithm.config_space(), values=algorithm.config)
