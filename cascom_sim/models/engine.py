"""The generic engine: a quadratic Hamiltonian and linear jump operators → (A, D).

A linearized model is H = ½ rᵀ H_m r plus jump operators L_k = l_kᵀ r, with r the
quadrature vector of :mod:`cascom_sim.conventions`.  Its Heisenberg–Langevin equations are
ṙ = A r + noise with

    A = Ω (H_m + Im Γ),    D = Ω (Re Γ) Ωᵀ,    Γ = Σ_k l_k* l_kᵀ

(A. Serafini, *Quantum Continuous Variables*, CRC Press 2017, Ch. 6).  Check: one mode with
L = √(2κ) a has l = √κ (1, i), Γ = κ[[1, i], [−i, 1]], hence A = −κ I and D = κ I, the
optical block of the paper's Eq. (27).  Models built this way are physical by construction:
D + (i/2)(AΩ + ΩAᵀ) = Ω Γ* Ωᵀ ≥ 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ..conventions import complex_to_quadrature, default_modes, symplectic_form
from ..errors import UnphysicalModelError
from ..gaussian.covariance import NOISE_RTOL


def drift_and_diffusion(hamiltonian: np.ndarray, jumps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(A, D) from H_m, shape (..., 2n, 2n), and jump vectors l, shape (..., K, 2n)."""
    H = np.asarray(hamiltonian, dtype=float)
    l = np.asarray(jumps, dtype=complex)
    W = symplectic_form(H.shape[-1] // 2)
    gamma = np.swapaxes(l.conj(), -1, -2) @ l  # Γ = Σ_k l_k* l_kᵀ (matmul: ~2× einsum on stacks of points)
    A = W @ (H + gamma.imag)
    D = W @ gamma.real @ W.T
    return A, D


def ladder_to_quadrature_vector(coefficients: Sequence[complex] | np.ndarray) -> np.ndarray:
    """Quadrature vector l of an operator given on ladder operators.

    ``coefficients`` are (μ_1, ν_1, μ_2, ν_2, …) of L = Σ_k μ_k c_k + ν_k c_k†, shape (..., 2n).
    Since (c_k, c_k†) = T (X_k, Y_k), L = (Tᵀ λ)ᵀ r.
    """
    lam = np.asarray(coefficients, dtype=complex)
    T = complex_to_quadrature(lam.shape[-1] // 2)
    return lam @ T


def hamiltonian_from_ladder(matrix: np.ndarray) -> np.ndarray:
    """H_m of H = ½ ξ† M ξ with ξ = (c_1, c_1†, c_2, c_2†, …) and Hermitian M.

    Returns the real symmetric part of T† M T; the rest is a c-number and does not act.
    """
    M = np.asarray(matrix, dtype=complex)
    T = complex_to_quadrature(M.shape[-1] // 2)
    S = np.conj(T.T) @ M @ T
    return 0.5 * (S + np.swapaxes(S, -1, -2)).real


@dataclass(frozen=True)
class LindbladModel:
    """A quadratic Hamiltonian and jump operators in the quadrature basis.

    Attributes
    ----------
    hamiltonian : ndarray, shape (2n, 2n)
        Real symmetric H_m (rad/s), H = ½ rᵀ H_m r.
    jumps : ndarray, shape (K, 2n)
        Complex l_k with L_k = l_kᵀ r (s^-1/2).
    modes : tuple of str
        Mode names in quadrature order (default: ``a1, a2, b1, b2`` for four modes, ``m1 … mn`` otherwise).
    labels : tuple of str
        A short description of each jump operator.

    Use :meth:`cascom_sim.LinearModel.from_lindblad` to hand it to the solvers.
    """

    hamiltonian: np.ndarray
    jumps: np.ndarray
    modes: tuple[str, ...] | None = None
    labels: tuple[str, ...] = field(default=())

    def __post_init__(self):
        n = np.shape(self.hamiltonian)[-1] // 2
        modes = default_modes(n) if self.modes is None else tuple(str(m) for m in self.modes)
        object.__setattr__(self, "modes", modes)
        if len(modes) != n or len(set(modes)) != n:
            from ..errors import ParameterError

            raise ParameterError("modes", ",".join(modes), f"{n} different names, one per mode of the "
                                                           f"{2 * n}×{2 * n} Hamiltonian matrix")
        if np.shape(self.jumps)[-1] != 2 * n:
            from ..errors import ParameterError

            raise ParameterError("jumps", f"shape {np.shape(self.jumps)}", f"vectors of length {2 * n}")

    def drift_and_diffusion(self) -> tuple[np.ndarray, np.ndarray]:
        return drift_and_diffusion(self.hamiltonian, self.jumps)


def lindblad_from_langevin(A: np.ndarray, D: np.ndarray, modes: tuple[str, ...] | None = None) -> LindbladModel:
    """An (H, L) with drift A and diffusion D, if one exists.

    Inverts A = Ω(H + Im Γ), D = Ω Re Γ Ωᵀ: H = sym(ΩᵀA), Im Γ = antisym(ΩᵀA), Re Γ = Ωᵀ D Ω, and factors
    Γ* = Σ_k l_k l_k† by its eigen-decomposition.  A master equation exists iff Γ ≥ 0, which is the
    noise-physicality condition D + (i/2)(AΩ + ΩAᵀ) ≥ 0 (docs/conventions.md, "Physicality").

    Raises
    ------
    UnphysicalModelError
        When Γ has a negative eigenvalue, naming it.
    """
    A = np.asarray(A, dtype=float)
    D = np.asarray(D, dtype=float)
    W = symplectic_form(A.shape[0] // 2)
    M = W.T @ A
    H = 0.5 * (M + M.T)
    gamma = W.T @ D @ W + 0.5j * (M - M.T)
    w, U = np.linalg.eigh(np.conj(gamma))
    scale = max(np.max(np.abs(A)), np.max(np.abs(D)), 1e-300)
    if w[0] < -NOISE_RTOL * scale:
        raise UnphysicalModelError(
            f"no master equation exists for this (A, D): D + (i/2)(AΩ + ΩAᵀ) has eigenvalue {w[0]:.4g} < 0 "
            "(for the paper's model: −2κ√η|cos φ|, nonzero unless η = 0 or cos φ = 0)")
    keep = w > NOISE_RTOL * scale
    jumps = (U[:, keep] * np.sqrt(w[keep])).T
    return LindbladModel(hamiltonian=H, jumps=jumps, modes=modes,
                         labels=tuple(f"eigen-channel {k}" for k in range(int(keep.sum()))))
