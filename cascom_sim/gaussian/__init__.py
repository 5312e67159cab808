"""What we can say about a Gaussian state or a linear model: covariance checks and measures,
stability of a drift matrix, and the Lyapunov equation.

* :mod:`.covariance` — bona fide checks, symplectic spectra, logarithmic negativity, occupations.
* :mod:`.measures` — two-mode correlation measures: E_N, Rényi-2, EPR steering, discord, mutual
  information, Duan and Simon criteria, squeezing (registry :data:`.measures.MEASURES`).
* :mod:`.stability` — eigenvalues and the Routh–Hurwitz criterion.
* :mod:`.lyapunov` — A V + V Aᵀ = −D.
"""

from .covariance import (
    bona_fide_min_eigenvalue,
    check_bona_fide,
    is_bona_fide,
    is_noise_physical,
    log_negativity,
    log_negativity_symplectic,
    noise_physicality_min_eigenvalue,
    occupations,
    pair_indices,
    purities,
    reduce_modes,
    resolve_pair,
    symplectic_eigenvalues,
)
from .lyapunov import lyapunov_residual, solve_lyapunov, solve_lyapunov_reference
from .stability import StabilityReport, assess_stability

__all__ = ["StabilityReport", "assess_stability", "bona_fide_min_eigenvalue", "check_bona_fide", "is_bona_fide",
           "is_noise_physical", "log_negativity", "log_negativity_symplectic", "lyapunov_residual",
           "noise_physicality_min_eigenvalue", "occupations", "pair_indices", "purities", "reduce_modes", "resolve_pair",
           "solve_lyapunov", "solve_lyapunov_reference", "symplectic_eigenvalues"]
