"""The ASlib exchange format: the :class:`Scenario` data model, reader, writer, validator.

ASlib (the Algorithm Selection Library, aslib.net) is the field's format for
algorithm-selection scenarios: instances x algorithms x features x performance.
"""

from asc.aslib.description import AlgorithmInfo, Description, FeatureStep, read_description
from asc.aslib.reader import read_scenario
from asc.aslib.scenario import FEATURE_STATUSES, RUN_STATUSES, Scenario

__all__ = [
    "AlgorithmInfo",
    "Description",
    "FEATURE_STATUSES",
    "FeatureStep",
    "RUN_STATUSES",
    "Scenario",
    "read_description",
    "read_scenario",
    "write_scenario",
]


def __getattr__(name: str):
    # The writer is imported lazily so that reading does not pay for it.
    if name == "write_scenario":
        from asc.aslib.writer import write_scenario

        return write_scenario
    raise AttributeError(name)
