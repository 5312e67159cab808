"""Stability of a linear drift matrix: eigenvalues and, independently, Routh–Hurwitz.

The paper (below Eq. 23) states stability as "all eigenvalues of A have negative real
part, as characterized by the Routh–Hurwitz criterion [85]".  We compute both, from
different arithmetic: the eigenvalues from LAPACK, the Routh table from the characteristic
polynomial obtained by the Faddeev–LeVerrier recursion (traces only, no eigenvalues).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: A real part counts as negative only below ``-STABILITY_RTOL * max|A|``.
STABILITY_RTOL = 1e-12


def max_real_eigenvalue(A: np.ndarray) -> np.ndarray:
    """Largest real part of the eigenvalues of A (s⁻¹ when A is in s⁻¹), shape (...)."""
    return np.max(np.linalg.eigvals(np.asarray(A, dtype=float)).real, axis=-1)


def stable_by_eigenvalues(A: np.ndarray, max_re: np.ndarray | None = None) -> np.ndarray:
    """max Re λ(A) < −STABILITY_RTOL·max|A|; pass ``max_re`` if already computed."""
    A = np.asarray(A, dtype=float)
    scale = np.max(np.abs(A), axis=(-2, -1))
    max_re = max_real_eigenvalue(A) if max_re is None else max_re
    return max_re < -STABILITY_RTOL * scale


def characteristic_polynomial(A: np.ndarray) -> np.ndarray:
    """Monic characteristic polynomial det(λI − A) by Faddeev–LeVerrier, shape (..., n+1).

    Coefficients in descending powers, ``c[..., 0] = 1``.  No eigenvalues are used.
    """
    A = np.asarray(A, dtype=float)
    n = A.shape[-1]
    eye = np.eye(n)
    coeffs = [np.ones(A.shape[:-2])]
    M = np.zeros_like(A)
    for k in range(1, n + 1):
        M = A @ M + coeffs[-1][..., None, None] * eye
        coeffs.append(-np.trace(A @ M, axis1=-2, axis2=-1) / k)
    return np.stack(coeffs, axis=-1)


def routh_first_column(coeffs: np.ndarray) -> np.ndarray:
    """First column of the Routh table of polynomials with descending coefficients.

    Shape (..., n+1).  A zero pivot gives NaN from there on (not strictly stable).
    """
    c = np.asarray(coeffs, dtype=float)
    n = c.shape[-1] - 1
    width = n // 2 + 1
    row0 = np.zeros(c.shape[:-1] + (width,))
    row1 = np.zeros_like(row0)
    r0 = c[..., 0::2]
    r1 = c[..., 1::2]
    row0[..., : r0.shape[-1]] = r0
    row1[..., : r1.shape[-1]] = r1
    first = [row0[..., 0], row1[..., 0]]
    with np.errstate(divide="ignore", invalid="ignore"):
        for _ in range(n - 1):
            pivot = row1[..., :1]
            new = np.zeros_like(row0)
            new[..., :-1] = (pivot * row0[..., 1:] - row0[..., :1] * row1[..., 1:]) / pivot
            new = np.where(pivot == 0.0, np.nan, new)
            row0, row1 = row1, new
            first.append(row1[..., 0])
    return np.stack(first, axis=-1)


def stable_by_routh_hurwitz(A: np.ndarray) -> np.ndarray:
    """Routh–Hurwitz: every entry of the Routh table's first column is positive.

    A is first scaled by max|A| (stability is invariant under positive scaling) so that
    the coefficients stay within floating-point range.
    """
    A = np.asarray(A, dtype=float)
    scale = np.max(np.abs(A), axis=(-2, -1))
    scale = np.where(scale > 0, scale, 1.0)
    col = routh_first_column(characteristic_polynomial(A / scale[..., None, None]))
    return np.all(col > 0.0, axis=-1)


@dataclass(frozen=True)
class StabilityReport:
    """Both stability verdicts and the growth rate (s⁻¹ when A is in s⁻¹)."""

    stable: bool
    by_eigenvalues: bool
    by_routh_hurwitz: bool
    max_re_eigenvalue: float

    @property
    def agree(self) -> bool:
        return self.by_eigenvalues == self.by_routh_hurwitz


def assess_stability(A: np.ndarray) -> StabilityReport:
    """Stability of one drift matrix.  ``stable`` requires both criteria to say so."""
    by_eig = bool(stable_by_eigenvalues(A))
    by_rh = bool(stable_by_routh_hurwitz(A))
    return StabilityReport(stable=by_eig and by_rh, by_eigenvalues=by_eig, by_routh_hurwitz=by_rh,
                           max_re_eigenvalue=float(max_real_eigenvalue(A)))
