"""Progress reporting, injected into long computations (no-op by default)."""

from __future__ import annotations

import functools


class NoProgress:
    """Default progress meter: does nothing."""

    def start(self, total: int, description: str = "") -> None:  # noqa: D401
        pass

    def advance(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


class TqdmProgress(NoProgress):
    """Progress bar with rate and ETA on stderr (tqdm)."""

    def __init__(self) -> None:
        self._bar = None

    def start(self, total: int, description: str = "") -> None:
        self._bar = _bar_class()(total=total, desc=description, dynamic_ncols=True, leave=False, miniters=1)

    def advance(self, n: int = 1) -> None:
        if self._bar is not None:
            self._bar.update(n)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


@functools.cache
def _bar_class():
    """tqdm without its monitor thread.  tqdm starts one per process to redraw bars whose dynamic ``miniters``
    has grown; ours redraw at every update (``miniters=1``, at most every 0.1 s), and a second thread would
    keep the compiled kernels' first load from skipping numba's scipy.linalg probe (0.25 s of a command,
    :func:`cascom_sim.runs.kernels._first_load`)."""
    from tqdm import tqdm

    class Bar(tqdm):
        monitor_interval = 0

    return Bar
