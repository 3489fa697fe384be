"""The status vocabulary of a solver run.

Richer than SMAC's SUCCESS/TIMEOUT/CRASHED because performance data for selectors
must tell apart *why* a run did not answer, and must never count a wrong answer as
solved.
"""

from __future__ import annotations

import enum


class RunStatus(str, enum.Enum):
    """Outcome of one run; the value is the upper-case name (``RunStatus.SAT.value == "SAT"``).

    Attributes
    ----------
    SAT
        Answered satisfiable, and the printed model satisfies every clause.
    UNSAT
        Answered unsatisfiable (not contradicted by a known answer).
    TIMEOUT
        Killed for exceeding the CPU-time or wall-clock limit, or answered after the
        cutoff.
    MEMOUT
        Killed for exceeding the memory limit, or failed while at the limit.
    CRASH
        Ended without an answer in a way a well-behaved solver does not: a signal,
        an unexpected exit code, malformed output, a command that cannot start.
    WRONG
        The answer is wrong: a model that does not satisfy the formula, UNSAT on a
        formula known (or shown by another run's checked model) to be satisfiable.
    UNKNOWN
        Ended normally without deciding the formula (``s UNKNOWN`` or no answer).
    OK
        A quality run (a QSAR learner's cross-validation) ended normally and reported
        its measure, stored as the record's ``quality``. Not "solved": quality runs
        have no answer to check, and runtime scores never count them.
    """

    SAT = "SAT"
    UNSAT = "UNSAT"
    TIMEOUT = "TIMEOUT"
    MEMOUT = "MEMOUT"
    CRASH = "CRASH"
    WRONG = "WRONG"
    UNKNOWN = "UNKNOWN"
    OK = "OK"

    def __str__(self) -> str:
        return self.value

    @property
    def solved(self) -> bool:
        """True for the statuses that count as a correct answer (SAT, UNSAT)."""
        return self.value in SOLVED


#: The statuses that are answers (the solver decided the instance), as strings: what a
#: stored or exported run's status is compared with.
SOLVED = frozenset({RunStatus.SAT.value, RunStatus.UNSAT.value})
