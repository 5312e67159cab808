import numpy as np
import pytest


@pytest.fixture
def rng():
    return np.random.default_rng(20240216)


@pytest.fixture(scope="session", autouse=True)
def _kernels_ready():
    """Compile (or load from numba's cache) both sweep kernels once, before any test, with the note that
    compilation is under way silenced: no test's output then depends on whether the cache was warm (in a
    fresh clone the first sweep of the session would print that note)."""
    import warnings

    from cascom_sim import ModelOptions, Parameters
    from cascom_sim.errors import CascomWarning
    from cascom_sim.models.paper import paper_diffusion
    from cascom_sim.runs import kernels

    params = Parameters()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CascomWarning)
        kernels.steady_points(-np.eye(4)[None], np.eye(4)[None], np.array([[0, 1, 2, 3]]))
        kernels.paper_points(kernels.paper_inputs(params), paper_diffusion(params, ModelOptions(), (1,)),
                             np.array([[4, 5, 6, 7]]))


def pytest_terminal_summary(terminalreporter):
    """The fuzz suite's own count of what it tried and how much was clean, per category."""
    import sys

    fuzz = sys.modules.get("test_fuzz")
    counts = getattr(fuzz, "COUNTS", None)
    if not counts:
        return
    terminalreporter.write_sep("-", "fuzz: tried / clean")
    for category, c in sorted(counts.items()):
        terminalreporter.write_line(f"{category:32s} {c['tried']:6d} / {c['clean']:6d}")
