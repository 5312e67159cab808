"""Conventions used everywhere in cascom_sim, named once.

* Modes ``a1, a2`` (optical) and ``b1, b2`` (mechanical), quadrature vector
  ``u = (Xa1, Ya1, Xa2, Ya2, Xb1, Yb1, Xb2, Yb2)`` (paper Eq. 20).
* ``X = (c + c†)/√2``, ``Y = i(c† − c)/√2``: ``[X, Y] = i`` and the vacuum variance is 1/2.
* Symplectic form ``Ω = ⊕ [[0, 1], [−1, 0]]`` so that ``[u_k, u_l] = i Ω_kl``.
* Inputs give frequencies as ``f = ω/2π`` in Hz; inside the package every rate is angular (rad/s).
"""

from __future__ import annotations

import functools

import numpy as np

MODES: tuple[str, ...] = ("a1", "a2", "b1", "b2")
QUADRATURES: tuple[str, ...] = ("Xa1", "Ya1", "Xa2", "Ya2", "Xb1", "Yb1", "Xb2", "Yb2")
VACUUM_VARIANCE = 0.5

HBAR = 1.054571817e-34  # J s
K_B = 1.380649e-23  # J / K
SPEED_OF_LIGHT = 299792458.0  # m / s
TWO_PI = 2.0 * np.pi


def symplectic_form(n_modes: int) -> np.ndarray:
    """Return Ω = ⊕_{k=1}^{n} [[0, 1], [−1, 0]], shape (2n, 2n)."""
    return np.kron(np.eye(n_modes), np.array([[0.0, 1.0], [-1.0, 0.0]]))


def default_modes(n_modes: int) -> tuple[str, ...]:
    """Mode names of a model that gives none: the paper's ``a1, a2, b1, b2`` for four modes, else ``m1 … mn``."""
    return MODES if n_modes == len(MODES) else tuple(f"m{k + 1}" for k in range(n_modes))


def mode_index(name: str | int, modes: tuple[str, ...] = MODES, what: str = "pair") -> int:
    """Index of a mode, given by its name in ``modes`` or by its number.

    Raises
    ------
    ParameterError
        Naming the modes the model has, when ``name`` is not one of them.
    """
    from .errors import ParameterError

    if isinstance(name, (int, np.integer)) and not isinstance(name, bool):
        if 0 <= int(name) < len(modes):
            return int(name)
        raise ParameterError(what, int(name), f"a mode number 0 … {len(modes) - 1} or a name among "
                                              + ", ".join(modes))
    try:
        return tuple(modes).index(str(name).strip())
    except ValueError:
        raise ParameterError(what, name, "modes the model has: " + ", ".join(modes)) from None


def quadrature_slice(mode: int) -> list[int]:
    """Row/column indices (X, Y) of mode number ``mode`` in the quadrature vector."""
    return [2 * mode, 2 * mode + 1]


@functools.lru_cache(maxsize=64)
def complex_to_quadrature(n_modes: int) -> np.ndarray:
    """Unitary-up-to-scale map T with ``(c_1, c_1†, …) = T · (X_1, Y_1, …)``.

    ``c = (X + iY)/√2`` and ``c† = (X − iY)/√2``.  Returns shape (2n, 2n), complex, read-only (cached:
    model builders call it once per jump operator).
    """
    block = np.array([[1.0, 1.0j], [1.0, -1.0j]]) / np.sqrt(2.0)
    T = np.kron(np.eye(n_modes), block)
    T.flags.writeable = False
    return T


def hz_to_angular(f_hz):
    """ω = 2π f (rad/s) from a frequency f in Hz."""
    return TWO_PI * np.asarray(f_hz, dtype=float)
