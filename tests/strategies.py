"""Hypothesis strategies for physical Gaussian states and models."""

import numpy as np
import scipy.linalg
from hypothesis import strategies as st

from cascom_sim.conventions import symplectic_form
from cascom_sim.models.engine import drift_and_diffusion


def random_symplectic(rng: np.random.Generator, n_modes: int, scale: float = 0.6) -> np.ndarray:
    """S = exp(Ω H) for a random symmetric H is symplectic."""
    H = rng.normal(size=(2 * n_modes, 2 * n_modes)) * scale
    H = 0.5 * (H + H.T)
    return scipy.linalg.expm(symplectic_form(n_modes) @ H)


def thermal(rng, n_modes, max_n=3.0):
    return np.diag(np.repeat(rng.uniform(0, max_n, n_modes) + 0.5, 2))


seeds = st.integers(min_value=0, max_value=2**32 - 1)


def physical_state(seed: int, n_modes: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    S = random_symplectic(rng, n_modes)
    return S @ thermal(rng, n_modes) @ S.T


def physical_model(seed: int, n_modes: int = 4, n_jumps: int = 6):
    """Random (H, L) with every mode damped, so A is stable; returns (A, D)."""
    rng = np.random.default_rng(seed)
    H = rng.normal(size=(2 * n_modes, 2 * n_modes))
    H = 0.5 * (H + H.T)
    l = rng.normal(size=(n_jumps, 2 * n_modes)) + 1j * rng.normal(size=(n_jumps, 2 * n_modes))
    # a damping jump on every mode makes the drift stable
    damp = np.zeros((n_modes, 2 * n_modes), complex)
    for k in range(n_modes):
        damp[k, 2 * k : 2 * k + 2] = np.sqrt(rng.uniform(0.5, 2.0)) * np.array([1.0, 1.0j])
    return drift_and_diffusion(0.3 * H, np.vstack([0.3 * l, damp * 2.0]))
