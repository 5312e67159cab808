import numpy as np
import pytest


@pytest.fixture
def rng():
    return np.random.default_rng(20240216)


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
