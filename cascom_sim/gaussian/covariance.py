"""Gaussian-state algebra on covariance matrices (vacuum variance 1/2, ordering of Eq. 20).

Every function accepts a stack of matrices with arbitrary leading axes, shape (..., 2n, 2n).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..conventions import default_modes, mode_index, quadrature_slice, symplectic_form
from ..errors import ParameterError, UnphysicalModelError

#: Relative tolerance of the positivity checks: an eigenvalue counts as negative only
#: below ``-BONA_FIDE_RTOL * max(1, max|V|)`` (rounding of an 8×8 Lyapunov solve is ~1e-14).
BONA_FIDE_RTOL = 1e-9

#: Relative tolerance of the noise-physicality check D + (i/2)(AΩ + ΩAᵀ) ≥ 0, relative to max(|A|, |D|).
#: Forming that matrix and its smallest eigenvalue costs ~1e-15 relative on Lindblad models (measured on
#: random (H, L) models of 1–6 modes over 12 decades), so 1e-12 only forgives rounding.  It is much
#: tighter than :data:`BONA_FIDE_RTOL` on purpose: the quantum Brownian bath violates the condition by
#: γ_m/(4(2n̄+1)), ~1e-9 of the largest rate at typical parameters, and a 1e-9 tolerance let that verdict
#: flip from point to point with the size of A.
NOISE_RTOL = 1e-12


def _n_modes(V: np.ndarray) -> int:
    return np.shape(V)[-1] // 2


def pair_indices(pair: Sequence[str | int], modes: Sequence[str] | None = None) -> list[int]:
    """Quadrature indices of modes given by name (looked up in ``modes``) or by number.

    ``modes`` are the model's own mode names (default: the paper's ``a1, a2, b1, b2``).  A name the
    model does not have is a :class:`ParameterError` naming the modes it has.
    """
    names = tuple(modes) if modes is not None else default_modes(4)
    idx: list[int] = []
    for m in pair:
        idx += quadrature_slice(mode_index(m, names))
    return idx


def resolve_pair(pair: Sequence[str | int] | str | None, modes: Sequence[str]) -> tuple[str, str]:
    """The two different mode names of ``pair`` among ``modes``.

    ``pair`` may be a ``'b1,b2'`` string, two names or two mode numbers.  None selects the default:
    ``b1, b2`` when the model has them (the paper's mechanical pair), the only pair of a two-mode
    model, and otherwise a :class:`ParameterError` asking for one.
    """
    modes = tuple(modes)
    allowed = "two different modes among the model's modes " + ", ".join(modes)
    if pair is None:
        if "b1" in modes and "b2" in modes:
            return ("b1", "b2")
        if len(modes) == 2:
            return modes  # type: ignore[return-value]
        raise ParameterError("pair", None, allowed + " (this model has no default pair)")
    items = [s.strip() for s in pair.split(",")] if isinstance(pair, str) else list(pair)
    if len(items) != 2:
        raise ParameterError("pair", ",".join(map(str, items)), allowed)
    names = tuple(modes[mode_index(m, modes)] for m in items)
    if names[0] == names[1]:
        raise ParameterError("pair", ",".join(map(str, items)), allowed)
    return names  # type: ignore[return-value]


def reduce_modes(V: np.ndarray, keep: Sequence[str | int], modes: Sequence[str] | None = None) -> np.ndarray:
    """Covariance of a subset of modes: rows and columns of those modes, shape (..., 2k, 2k).

    ``modes`` names the modes of V (default :func:`~cascom_sim.conventions.default_modes` for its size).
    """
    names = tuple(modes) if modes is not None else default_modes(_n_modes(V))
    idx = pair_indices(keep, names)
    return np.asarray(V)[..., idx, :][..., :, idx]


def _pair_block(V: np.ndarray, pair, modes) -> np.ndarray:
    """The two-mode block of ``pair``; a two-mode V with no pair given is the pair itself."""
    names = tuple(modes) if modes is not None else default_modes(_n_modes(V))
    if len(names) != _n_modes(V):
        raise ParameterError("modes", ",".join(names), f"{_n_modes(V)} names, one per mode of V")
    if pair is None and len(names) == 2:
        return np.asarray(V)
    return reduce_modes(V, resolve_pair(pair, names), names)


def bona_fide_min_eigenvalue(V: np.ndarray) -> np.ndarray:
    """Smallest eigenvalue of the Hermitian matrix V + iΩ/2 (≥ 0 for a physical state)."""
    V = np.asarray(V, dtype=float)
    M = V + 0.5j * symplectic_form(_n_modes(V))
    return np.linalg.eigvalsh(M)[..., 0]


def _positivity_tolerance(M: np.ndarray) -> np.ndarray:
    return BONA_FIDE_RTOL * np.maximum(1.0, np.max(np.abs(M), axis=(-2, -1)))


def is_bona_fide(V: np.ndarray) -> np.ndarray:
    """True where V + iΩ/2 ≥ 0 (within :data:`BONA_FIDE_RTOL`)."""
    return bona_fide_min_eigenvalue(V) >= -_positivity_tolerance(np.asarray(V))


def check_bona_fide(V: np.ndarray) -> None:
    """Raise :class:`UnphysicalModelError` naming the offending eigenvalue if V + iΩ/2 ≱ 0."""
    lam = bona_fide_min_eigenvalue(V)
    tol = _positivity_tolerance(np.asarray(V))
    bad = lam < -tol
    if np.any(bad):
        raise UnphysicalModelError(
            f"covariance matrix is not bona fide: smallest eigenvalue of V + iΩ/2 is "
            f"{float(np.min(lam)):.3e} (expected ≥ {-float(np.max(tol)):.1e})"
        )


def noise_physicality_min_eigenvalue(A: np.ndarray, D: np.ndarray) -> np.ndarray:
    """Smallest eigenvalue of D + (i/2)(AΩ + ΩAᵀ) (docs/conventions.md, "Physicality").

    A linear Langevin model (A, D) comes from a completely positive (Lindblad) evolution
    only if this matrix is positive semidefinite.
    """
    A = np.asarray(A, dtype=float)
    W = symplectic_form(_n_modes(A))
    M = np.asarray(D, dtype=float) + 0.5j * (A @ W + W @ np.swapaxes(A, -1, -2))
    return np.linalg.eigvalsh(M)[..., 0]


def is_noise_physical(A: np.ndarray, D: np.ndarray) -> np.ndarray:
    """True where D + (i/2)(AΩ + ΩAᵀ) ≥ 0, within :data:`NOISE_RTOL` of the size of A and D."""
    lam = noise_physicality_min_eigenvalue(A, D)
    scale = np.maximum(np.max(np.abs(A), axis=(-2, -1)), np.max(np.abs(D), axis=(-2, -1)))
    return lam >= -NOISE_RTOL * np.maximum(scale, 1e-300)


def symplectic_eigenvalues(V: np.ndarray) -> np.ndarray:
    """Symplectic eigenvalues ν_k (moduli of the eigenvalues of iΩV), ascending, shape (..., n).

    For a physical state every ν_k ≥ 1/2.
    """
    V = np.asarray(V, dtype=float)
    n = _n_modes(V)
    ev = np.abs(np.linalg.eigvals(1j * symplectic_form(n) @ V))
    ev = np.sort(ev, axis=-1)
    # eigenvalues come in ± pairs of equal modulus: average each pair
    return 0.5 * (ev[..., 0::2] + ev[..., 1::2])


def partial_transpose(V2: np.ndarray) -> np.ndarray:
    """Partial transpose of a two-mode covariance: Y of the second mode changes sign."""
    P = np.diag([1.0, 1.0, 1.0, -1.0])
    return P @ np.asarray(V2, dtype=float) @ P


def smallest_pt_symplectic_eigenvalue(V2: np.ndarray) -> np.ndarray:
    """ν⁻ of a two-mode covariance (Eqs. 31–32), evaluated without cancellation.

    With K = (ΩṼ)² for the partial transpose Ṽ, −K has eigenvalues ν₊², ν₊², ν₋², ν₋², so
    Σ̃ = −tr K/2 = ν₊² + ν₋² (Eq. 32) and the traceless part N = K − (tr K/4)·1 has tr N² = (ν₊² − ν₋²)²
    = Σ̃² − 4 det V, the discriminant of Eq. (31), as a sum of products of small numbers: near
    ν₊ = ν₋ (E_N ≈ 0) its square root keeps absolute accuracy ~1e-16 instead of ~1e-8.  Then
    ν₋² = 2 det V / (Σ̃ + √disc), a quotient with no subtraction, accurate for large squeezing and
    occupations as long as det V itself is (it is set by the conditioning of V).

    Returns NaN where det V ≤ 0 numerically: V is then singular at double precision and ν⁻ is not
    determined (never ±inf).
    """
    V2 = np.asarray(V2, dtype=float)
    # ν scales with V: work on V/max|V| so that (ΩṼ)² and det V cannot overflow for huge V
    # (a power of two, so the scaling itself is exact and the result equals the unscaled formula's)
    big = np.max(np.abs(V2), axis=(-2, -1))
    scale = np.ldexp(1.0, np.frexp(np.where(big > 0, big, 1.0))[1])
    P = np.array([1.0, 1.0, 1.0, -1.0])
    Vt = V2 / scale[..., None, None] * P[:, None] * P[None, :]
    M = symplectic_form(2) @ Vt
    K = M @ M
    trK = np.trace(K, axis1=-2, axis2=-1)
    sigma = -0.5 * trK
    N = K - (trK / 4.0)[..., None, None] * np.eye(4)
    disc = np.clip(np.einsum("...ij,...ji->...", N, N), 0.0, None)
    det = np.linalg.det(Vt)
    with np.errstate(divide="ignore", invalid="ignore"):
        nu2 = 2.0 * det / (sigma + np.sqrt(disc))
    return scale * np.sqrt(np.where(nu2 > 0, nu2, np.nan))


def log_negativity(V: np.ndarray, pair: Sequence[str | int] | None = None,
                   modes: Sequence[str] | None = None) -> np.ndarray:
    """Logarithmic negativity E_N = max(0, −ln 2ν⁻) of a mode pair (Eqs. 30–32).

    ν⁻ comes from :func:`smallest_pt_symplectic_eigenvalue`, which avoids the cancellation of the
    printed form; NaN (never inf) where V is singular at double precision.

    Parameters
    ----------
    V : ndarray, shape (..., 2n, 2n)
        Covariance matrix (or a stack of them).
    pair : two mode names or numbers, optional
        Names are looked up in ``modes``.  Default: the two modes of a 4×4 V, else ``('b1', 'b2')``.
        The pair is honoured for every size (on a 4×4 V, ``(1, 0)`` swaps the modes).
    modes : sequence of str, optional
        Names of the modes of V (default: ``a1, a2, b1, b2`` for 8×8, ``m1 … mn`` otherwise).

    Raises
    ------
    ParameterError
        When a mode of ``pair`` is not among ``modes`` (the message lists them).

    References
    ----------
    Liu et al., Phys. Rev. A 109, 023519 (2024), Eqs. (30)–(33); Vidal & Werner,
    Phys. Rev. A 65, 032314 (2002).
    """
    V2 = _pair_block(V, pair, modes)
    nu = smallest_pt_symplectic_eigenvalue(V2)
    # fmax-like: NaN (ν⁻ not determined) stays NaN, never a number
    return np.where(np.isnan(nu), np.nan, np.maximum(0.0, -np.log(2.0 * nu)))


def log_negativity_symplectic(V: np.ndarray, pair: Sequence[str | int] | None = None,
                              modes: Sequence[str] | None = None) -> np.ndarray:
    """E_N from the symplectic spectrum of the partial transpose (independent of Eq. 31); arguments as
    :func:`log_negativity`."""
    V2 = _pair_block(V, pair, modes)
    nu = symplectic_eigenvalues(partial_transpose(V2))
    return np.sum(np.maximum(0.0, -np.log(2.0 * nu)), axis=-1)


def occupations(V: np.ndarray) -> np.ndarray:
    """Mean excitation number of each mode, n = (V_XX + V_YY − 1)/2, shape (..., n)."""
    d = np.diagonal(np.asarray(V), axis1=-2, axis2=-1)
    return 0.5 * (d[..., 0::2] + d[..., 1::2] - 1.0)


def purities(V: np.ndarray) -> np.ndarray:
    """Purity μ = 1/(2√det V_j) of each single-mode reduced state, shape (..., n)."""
    V = np.asarray(V)
    n = _n_modes(V)
    dets = np.stack([np.linalg.det(V[..., 2 * k : 2 * k + 2, 2 * k : 2 * k + 2]) for k in range(n)], axis=-1)
    return 1.0 / (2.0 * np.sqrt(dets))


def thermal_covariance(occupation: Sequence[float] | np.ndarray) -> np.ndarray:
    """Covariance of a product of thermal states: diag((2n_k + 1)/2, …)."""
    n = np.asarray(occupation, dtype=float)
    return np.diag(np.repeat(n + 0.5, 2))
