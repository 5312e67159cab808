"""Exception hierarchy of cascom_sim.

Every error raised on purpose by the package subclasses :class:`CascomError`, so a
caller (and the command line) can tell a user mistake or a physics verdict from a bug.
"""

from __future__ import annotations


class CascomError(Exception):
    """Base class of every error raised on purpose by cascom_sim."""


class ParameterError(CascomError, ValueError):
    """A parameter or option is invalid; the message names it, its value and the allowed range."""

    def __init__(self, name: str, value: object, allowed: str):
        self.name = name
        self.value = value
        self.allowed = allowed
        super().__init__(f"parameter {name!r} = {value!r} is invalid: allowed {allowed}")


class WorkTooLargeError(ParameterError):
    """A run would need more memory or work than its budget; the message gives the estimate and the override."""

    def __init__(self, what: str, estimate: str, budget: str, override: str):
        self.name, self.value, self.allowed = override, estimate, budget
        CascomError.__init__(self, f"{what} needs about {estimate}, above the budget of {budget}: "
                                   f"reduce it, or raise the budget with {override}")


class SolverError(CascomError):
    """A numerical method failed on valid input; ``hint`` says what to try."""

    def __init__(self, message: str, hint: str = ""):
        self.hint = hint
        super().__init__(message + (f"; try {hint}" if hint else ""))


class UnstableSystemError(CascomError):
    """The drift matrix has an eigenvalue with non-negative real part: no steady state exists."""


class UnphysicalModelError(CascomError):
    """A linear model or a covariance matrix violates a quantum (uncertainty-principle) condition."""


class CascomWarning(UserWarning):
    """Something the user should know that did not stop the run (e.g. a checkpoint chunk was recomputed)."""


class BudgetError(WorkTooLargeError):
    """A master-equation solve would exceed its size or memory budget; the message names the estimate,
    the occupations behind it and what to change (cutoffs, --modes, --max-memory, --max-dimension)."""

    def __init__(self, message: str):
        self.name, self.value, self.allowed = "budget", None, message
        CascomError.__init__(self, message)
