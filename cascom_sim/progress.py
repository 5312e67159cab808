"""Progress reporting, injected into long computations (no-op by default)."""

from __future__ import annotations


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
        from tqdm import tqdm

        self._bar = tqdm(total=total, desc=description, dynamic_ncols=True, leave=False)

    def advance(self, n: int = 1) -> None:
        if self._bar is not None:
            self._bar.update(n)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
