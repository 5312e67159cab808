"""Correlation measures of a two-mode Gaussian state, vectorized over stacks of covariance matrices.

Every function takes ``V2`` of shape (..., 4, 4): the covariance of one mode pair (modes 1 and 2, in
the order given), quadratures (X1, Y1, X2, Y2), **vacuum variance 1/2** (the package convention,
:mod:`cascom_sim.conventions`).  Most of the literature below writes formulas for σ = 2V (vacuum
variance 1, "σ-convention"); the conversion is done once, in :func:`sigma_invariants`, whose four
local symplectic invariants are the ones every formula uses:

* a = det σ_A = 4 det A,   b = det σ_B = 4 det B,   c = det σ_C = 4 det C,   d = det σ = 16 det V,

with V = [[A, C], [Cᵀ, B]].  In the σ-convention a physical state has symplectic eigenvalues ν ≥ 1.

Which measure says what (ν̃₋: smallest symplectic eigenvalue of the partial transpose, σ-convention):

========================  ==========================================================  ===============
name                      meaning                                                      nonclassical if
========================  ==========================================================  ===============
``E_N``                   logarithmic negativity, −ln ν̃₋                               > 0
``pt_nu``                 ν̃₋ itself (graded also where E_N = 0, for searches)          < 1
``E_2``                   Gaussian Rényi-2 entanglement (nats), any pair               > 0
``steering_12``/``_21``   Gaussian EPR steering, mode 1 steers 2 / 2 steers 1           > 0
``discord_2``/``_1``      Gaussian quantum discord, measurement on mode 2 / on mode 1   (correlations)
``mutual_information``    von Neumann mutual information (nats)                         (correlations)
``duan``                  Duan sum over local phases, normalized (separable ⇒ ≥ 1)      < 1
``simon``                 Simon's PPT expression (separable ⇒ ≥ 0)                      < 0
``squeezing_1``/``_2``    smallest quadrature variance of each mode, dB re vacuum       < 0 dB
========================  ==========================================================  ===============
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..conventions import VACUUM_VARIANCE


def _blocks(V2: np.ndarray):
    V2 = np.asarray(V2, dtype=float)
    if V2.shape[-2:] != (4, 4):
        from ..errors import ParameterError

        raise ParameterError("V2", f"shape {V2.shape}", "a two-mode covariance (..., 4, 4)")
    return V2, V2[..., 0:2, 0:2], V2[..., 2:4, 2:4], V2[..., 0:2, 2:4]


def _det2(M: np.ndarray) -> np.ndarray:
    return M[..., 0, 0] * M[..., 1, 1] - M[..., 0, 1] * M[..., 1, 0]


def sigma_invariants(V2: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Local symplectic invariants (a, b, c, d) of σ = 2V (vacuum variance 1).

    Returns
    -------
    a, b, c, d : ndarray, shape (...)
        det σ_A, det σ_B, det σ_C, det σ.
    """
    V2, A, B, C = _blocks(V2)
    return 4.0 * _det2(A), 4.0 * _det2(B), 4.0 * _det2(C), 16.0 * np.linalg.det(V2)


def _nu_pm(delta: np.ndarray, d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """ν± from ν±² = (Δ ± √(Δ² − 4d))/2 (σ-convention)."""
    disc = np.sqrt(np.clip(delta**2 - 4.0 * d, 0.0, None))
    return np.sqrt(np.clip((delta - disc) / 2.0, 0.0, None)), np.sqrt(np.clip((delta + disc) / 2.0, 0.0, None))


def symplectic_spectrum(V2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(ν₋, ν₊) of σ = 2V by the invariant Δ = a + b + 2c (Serafini et al., J. Phys. B 37, L21 (2004))."""
    a, b, c, d = sigma_invariants(V2)
    return _nu_pm(a + b + 2.0 * c, d)


def pt_symplectic_spectrum(V2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(ν̃₋, ν̃₊) of the partial transpose of σ = 2V: Δ̃ = a + b − 2c."""
    a, b, c, d = sigma_invariants(V2)
    return _nu_pm(a + b - 2.0 * c, d)


def entropy_function(nu: np.ndarray) -> np.ndarray:
    """f(ν) = ((ν+1)/2) ln((ν+1)/2) − ((ν−1)/2) ln((ν−1)/2): von Neumann entropy of a mode of
    symplectic eigenvalue ν (σ-convention, nats); f(1) = 0."""
    nu = np.maximum(np.asarray(nu, dtype=float), 1.0)
    p, m = (nu + 1.0) / 2.0, (nu - 1.0) / 2.0
    with np.errstate(divide="ignore", invalid="ignore"):
        mlogm = np.where(m > 0, m * np.log(np.where(m > 0, m, 1.0)), 0.0)
    return p * np.log(p) - mlogm


def log_negativity(V2: np.ndarray) -> np.ndarray:
    """E_N = max(0, −ln ν̃₋), ν̃₋ in the σ-convention.

    References
    ----------
    Vidal & Werner, Phys. Rev. A 65, 032314 (2002); Adesso, Serafini & Illuminati, Phys. Rev. A 70,
    022318 (2004), Eq. (44).  Same number as :func:`cascom_sim.gaussian.covariance.log_negativity`
    (the paper's Eqs. 30–32 in the vacuum-1/2 convention).
    """
    nu, _ = pt_symplectic_spectrum(V2)
    with np.errstate(divide="ignore"):
        return np.maximum(0.0, -np.log(nu))


def steering(V2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian EPR steerability in both directions, (G^{1→2}, G^{2→1}).

    For one mode on each side, G^{A→B} = max{0, ½ ln(det σ_A / det σ)} (σ-convention), i.e.
    ½ ln(det A / (4 det V)) here: the log of the conditional covariance of B given homodyne
    statistics of A falling below the uncertainty bound.  It is zero when A cannot steer B by
    Gaussian measurements, and equals the Rényi-2 entanglement for pure states.

    Returns
    -------
    (G12, G21) : ndarrays, shape (...)
        G12: mode 1 steers mode 2; G21: mode 2 steers mode 1.

    References
    ----------
    Kogias, Lee, Ragy & Adesso, Phys. Rev. Lett. 114, 060403 (2015), Eq. (3) (two-mode case, Eq. (5)).
    """
    a, b, _, d = sigma_invariants(V2)
    with np.errstate(divide="ignore", invalid="ignore"):
        g12 = np.maximum(0.0, 0.5 * np.log(a / d))
        g21 = np.maximum(0.0, 0.5 * np.log(b / d))
    return g12, g21


def mutual_information(V2: np.ndarray) -> np.ndarray:
    """Von Neumann mutual information I = f(√a) + f(√b) − f(ν₋) − f(ν₊) (nats).

    References
    ----------
    Serafini, Illuminati & De Siena, J. Phys. B 37, L21 (2004); Adesso & Datta, Phys. Rev. Lett.
    105, 030501 (2010), Eq. (3).
    """
    a, b, c, d = sigma_invariants(V2)
    nm, np_ = _nu_pm(a + b + 2.0 * c, d)
    return entropy_function(np.sqrt(a)) + entropy_function(np.sqrt(b)) - entropy_function(nm) - entropy_function(np_)


def _e_min(a, b, c, d):
    """inf det of A's conditional covariance over Gaussian measurements on B (σ-convention)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        q = c**2 + (b - 1.0) * (d - a)
        e1 = (2.0 * c**2 + (b - 1.0) * (d - a) + 2.0 * np.abs(c) * np.sqrt(np.clip(q, 0.0, None))) / (b - 1.0) ** 2
        root = np.sqrt(np.clip(c**4 + (d - a * b) ** 2 - 2.0 * c**2 * (a * b + d), 0.0, None))
        e2 = (a * b - c**2 + d - root) / (2.0 * b)
    first = (d - a * b) ** 2 <= (1.0 + b) * c**2 * (a + d)
    # b → 1 (B pure, product with A): only the second branch is regular; E_min = a there
    return np.where(first & (b > 1.0 + 1e-12), e1, e2)


def gaussian_discord(V2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian quantum discord for a measurement on mode 2 and on mode 1, (D^←, D^→).

    D^←(σ) = f(√b) − f(ν₋) − f(ν₊) + f(√E_min), with E_min the smallest determinant of mode 1's
    conditional state over all Gaussian measurements on mode 2 (closed form of the reference);
    D^→ exchanges the roles of the modes.  Nats.  Zero on product states; > 0 on every
    correlated Gaussian state (Gaussian discord cannot vanish for a non-product Gaussian state).

    References
    ----------
    Adesso & Datta, Phys. Rev. Lett. 105, 030501 (2010), Eqs. (4)–(6); Giorda & Paris, Phys. Rev.
    Lett. 105, 020503 (2010).
    """
    a, b, c, d = sigma_invariants(V2)
    nm, np_ = _nu_pm(a + b + 2.0 * c, d)
    joint = entropy_function(nm) + entropy_function(np_)
    d2 = entropy_function(np.sqrt(b)) - joint + entropy_function(np.sqrt(np.maximum(_e_min(a, b, c, d), 1.0)))
    d1 = entropy_function(np.sqrt(a)) - joint + entropy_function(np.sqrt(np.maximum(_e_min(b, a, c, d), 1.0)))
    return np.maximum(d2, 0.0), np.maximum(d1, 0.0)


def _sqrtm2(M11, M12, M22):
    """Square roots of symmetric PSD 2×2 matrices, closed form (M + √det M I)/√(tr M + 2√det M)."""
    sdet = np.sqrt(np.clip(M11 * M22 - M12**2, 0.0, None))
    norm = np.sqrt(np.clip(M11 + M22 + 2.0 * sdet, 0.0, None))
    with np.errstate(divide="ignore", invalid="ignore"):
        return tuple(np.where(norm > 0, x / norm, 0.0) for x in (M11 + sdet, M12, M22 + sdet))


def standard_form(V2: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Simon's standard form (s_a, s_b, c₊, c₋) of σ = 2V (vacuum 1).

    Every two-mode covariance is brought by local symplectics to σ_A = s_a I, σ_B = s_b I,
    σ_C = diag(c₊, c₋) with c₊ ≥ |c₋|; s_a² = a, s_b² = b, c₊c₋ = c.  Computed directly (each mode
    made isotropic by its own symplectic (det σ_A)^{1/4} σ_A^{-1/2}, then the singular values of the
    transformed cross block), not from the invariants: recovering c± from a, b, c, d needs the root
    of (c₊² − c₋²)², which loses half the digits on squeezed thermal states (c₊ = −c₋).

    Returns
    -------
    s_a, s_b, c_plus, c_minus : ndarrays, shape (...)

    References
    ----------
    Simon, Phys. Rev. Lett. 84, 2726 (2000); Duan, Giedke, Cirac & Zoller, Phys. Rev. Lett. 84,
    2722 (2000).
    """
    V2, A, B, C = _blocks(V2)
    sC = 2.0 * C
    scale, local = [], []
    for X in (2.0 * A, 2.0 * B):
        r11, r12, r22 = _sqrtm2(X[..., 0, 0], X[..., 0, 1], X[..., 1, 1])  # X^{1/2}
        det_r = r11 * r22 - r12**2  # = √det X
        k = 1.0 / np.sqrt(det_r)
        # (det X)^{1/4} X^{-1/2} = adj(X^{1/2}) / √det(X^{1/2}): symplectic, maps X to √det X · I
        scale.append(det_r)
        local.append(np.stack([np.stack([r22 * k, -r12 * k], -1), np.stack([-r12 * k, r11 * k], -1)], -2))
    sv = np.linalg.svd(local[0] @ sC @ np.swapaxes(local[1], -1, -2), compute_uv=False)
    return scale[0], scale[1], sv[..., 0], np.where(_det2(sC) < 0, -1.0, 1.0) * sv[..., 1]


def _renyi2_curve(theta, P11, P12, P22, R11, R12, R22):
    """det γ_A of the pure state γ_x ⊕ γ_x⁻¹, γ_x = P + R e eᵀ R, e = (cos θ, sin θ) (σ-convention).

    Shapes: θ broadcasts against (..., 1); the other arguments have shape (...).
    """
    v1 = R11[..., None] * np.cos(theta) + R12[..., None] * np.sin(theta)
    v2 = R12[..., None] * np.cos(theta) + R22[..., None] * np.sin(theta)
    g11, g22, g12 = P11[..., None] + v1**2, P22[..., None] + v2**2, P12[..., None] + v1 * v2
    return g11 * g22 / (g11 * g22 - g12**2)


def _renyi2_bounds(std):
    """(P11, P12, P22, R11, R12, R22): P = σ_p⁻¹ and R = (σ_x − σ_p⁻¹)^{1/2} from the standard form."""
    sa, sb, cp, cm = std
    det_p = sa * sb - cm**2  # det σ_p ≥ 1 for a physical state
    P11, P12, P22 = sb / det_p, -cm / det_p, sa / det_p
    # σ_x − P ≥ 0 is exactly the bona fide condition σ + iΩ ≥ 0 in this form
    return (P11, P12, P22, *_sqrtm2(sa - P11, cp - P12, sb - P22))


def _renyi2_optimum(V2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(σ in standard form, the optimal pure γ in the same frame), both (..., 4, 4), σ-convention.

    The certificate behind :func:`renyi2_entanglement` for entangled states: γ is pure, γ ≤ σ_std and
    ½ ln det γ_A = E_2 (used by the tests).
    """
    std = standard_form(V2)
    P11, P12, P22, R11, R12, R22 = _renyi2_bounds(std)
    theta = _renyi2_min_det(V2)[1]
    v1 = R11 * np.cos(theta) + R12 * np.sin(theta)
    v2 = R12 * np.cos(theta) + R22 * np.sin(theta)
    gx = np.stack([np.stack([P11 + v1**2, P12 + v1 * v2], -1), np.stack([P12 + v1 * v2, P22 + v2**2], -1)], -2)
    sa, sb, cp, cm = std
    sx = np.stack([np.stack([sa, cp], -1), np.stack([cp, sb], -1)], -2)
    sp = np.stack([np.stack([sa, cm], -1), np.stack([cm, sb], -1)], -2)
    xp = [0, 2, 1, 3]  # (x₁, x₂, p₁, p₂) → (x₁, p₁, x₂, p₂)

    def assemble(X, P):
        out = np.zeros(X.shape[:-2] + (4, 4))
        out[..., :2, :2], out[..., 2:, 2:] = X, P
        return out[..., xp, :][..., :, xp]

    return assemble(sx, sp), assemble(gx, np.linalg.inv(gx))


def _renyi2_min_det(V2: np.ndarray, n_grid: int = 64, n_basins: int = 2,
                    n_golden: int = 60) -> tuple[np.ndarray, np.ndarray]:
    """(inf det γ_A over pure Gaussian γ ≤ σ, the angle θ where it is reached) for entangled states, shapes (...).

    In standard form σ = σ_x ⊕ σ_p (the x₁x₂ and p₁p₂ blocks), the optimal pure state can be taken
    without x–p correlations, γ = γ_x ⊕ γ_x⁻¹; then γ ≤ σ ⇔ P ≤ γ_x ≤ Q with P = σ_p⁻¹, Q = σ_x, and
    det γ_A = 1/(1 − ρ²) with ρ the correlation coefficient of γ_x.  ρ is quasiconvex on the convex
    set [P, Q] and its gradient is an indefinite matrix, so at the minimum both Q − γ_x and γ_x − P are
    singular: Q − P = u uᵀ + v vᵀ with [u, v] = (Q − P)^{1/2} R(θ), γ_x = P + v vᵀ — one angle
    θ ∈ [0, π).  The smooth, π-periodic function of θ is scanned on ``n_grid`` points and its best
    ``n_basins`` local minima are refined by golden-section search (bracket 2π/n_grid × 0.618^60).
    """
    args = _renyi2_bounds(standard_form(V2))
    h = np.pi / n_grid
    grid = np.arange(n_grid) * h
    m = _renyi2_curve(grid, *args)  # (..., n_grid)
    local = (m <= np.roll(m, 1, axis=-1)) & (m <= np.roll(m, -1, axis=-1))  # periodic grid
    order = np.argsort(np.where(local, m, np.inf), axis=-1)[..., :n_basins]
    lo, hi = grid[order] - h, grid[order] + h  # (..., n_basins) brackets
    g = (np.sqrt(5.0) - 1.0) / 2.0
    x1, x2 = hi - g * (hi - lo), lo + g * (hi - lo)
    f1, f2 = _renyi2_curve(x1, *args), _renyi2_curve(x2, *args)
    for _ in range(n_golden):  # one new evaluation per step; the bracket shrinks by g each time
        left = f1 < f2  # the minimum is in [lo, x2], else in [x1, hi]
        hi, lo = np.where(left, x2, hi), np.where(left, lo, x1)
        t = np.where(left, hi - g * (hi - lo), lo + g * (hi - lo))
        x1, x2 = np.where(left, t, x2), np.where(left, x1, t)
        new = _renyi2_curve(t, *args)
        f1, f2 = np.where(left, new, f2), np.where(left, f1, new)
    cand = np.concatenate([f1, f2, m], axis=-1)
    thetas = np.concatenate([x1, x2, np.broadcast_to(grid, m.shape)], axis=-1)
    k = np.argmin(cand, axis=-1)[..., None]
    return np.take_along_axis(cand, k, -1)[..., 0], np.take_along_axis(thetas, k, -1)[..., 0]


def renyi2_entanglement(V2: np.ndarray) -> np.ndarray:
    """Gaussian Rényi-2 entanglement E_2 = ½ ln inf {det γ_A : γ pure Gaussian, γ ≤ σ} (nats), any two-mode pair.

    σ = 2V (vacuum 1), so det γ_A = 1 for a product of pure states and E_2 = 0 on every separable state
    (ν̃₋ ≥ 1, returned as exactly 0).  On a pure state E_2 = ½ ln det σ_A, the Rényi-2 entropy of
    either mode (ln cosh 2r for a two-mode squeezed vacuum).  For entangled states the infimum is
    reduced, in Simon's standard form (:func:`standard_form`), to one angle: the optimal pure state
    has no x–p correlations, γ = γ_x ⊕ γ_x⁻¹ with σ_p⁻¹ ≤ γ_x ≤ σ_x, and is found on the one-parameter
    curve where both bounds are touched (see :func:`_renyi2_min_det` and docs/entanglement.md);
    the angle is found by a grid plus golden-section search, to ~1e-12 in E_2.  Special cases in
    closed form (tested): symmetric states, E_2 = ln((1 + ν̃₋²)/(2ν̃₋)); squeezed thermal states with
    occupations giving n_i = 2N_i + 1, E_2 = ln cosh t with
    eᵗ = e^{2r} [1 + n₁n₂ − √((n₁² − 1)(n₂² − 1))]/(n₁ + n₂).  Where σ has a symplectic eigenvalue 1
    (a mode at zero occupation) E_2 has an infinite slope, and rounding of V limits it to ~1e-8 e^{2r}.

    Parameters
    ----------
    V2 : ndarray, shape (..., 4, 4)
        Covariance of the pair, vacuum variance 1/2.

    Returns
    -------
    ndarray, shape (...)
        E_2 in nats, ≥ 0.

    References
    ----------
    Adesso, Girolami & Serafini, Phys. Rev. Lett. 109, 190502 (2012) (definition, and the
    two-mode infimum over one angle); Marian & Marian, Phys. Rev. Lett. 101, 220403 (2008) (optimal
    pure state of the same optimization for the entanglement of formation); Giedke, Wolf, Krüger,
    Werner & Cirac, Phys. Rev. Lett. 91, 107901 (2003) (symmetric states); Simon, Phys. Rev. Lett.
    84, 2726 (2000) (standard form).
    """
    nu, _ = pt_symplectic_spectrum(V2)
    entangled = nu < 1.0
    out = np.zeros(np.shape(nu))
    if np.any(entangled):
        Vent = np.asarray(V2, dtype=float)[entangled]
        out[entangled] = np.maximum(0.5 * np.log(_renyi2_min_det(Vent)[0]), 0.0)
    return out[()] if out.ndim == 0 else out


def duan(V2: np.ndarray) -> np.ndarray:
    """Duan et al.'s sum for u = X₁ + X₂, v = Y₁ − Y₂, minimized over local phase rotations, halved.

    [Var(u) + Var(v)] / 2 ≥ 1 for every separable state (vacuum variance 1/2); < 1 proves
    entanglement.  The minimum over rotations R(θ₁) ⊕ R(θ₂) is closed form: with s₁ ≥ s₂ the
    singular values of the cross block C, it is (tr A + tr B)/2 − (s₁ + s₂) if det C < 0, else
    (tr A + tr B)/2 − (s₁ − s₂).  Sufficient, not necessary (necessary too for symmetric
    squeezed thermal states, where it equals ν̃₋ of σ = 2V).

    References
    ----------
    Duan, Giedke, Cirac & Zoller, Phys. Rev. Lett. 84, 2722 (2000), Eq. (5) with a = 1.
    """
    _, A, B, C = _blocks(V2)
    sv = np.linalg.svd(C, compute_uv=False)
    detc = _det2(C)
    cross = np.where(detc < 0, sv[..., 0] + sv[..., 1], sv[..., 0] - sv[..., 1])
    tr = np.trace(A, axis1=-2, axis2=-1) + np.trace(B, axis1=-2, axis2=-1)
    return (tr / 2.0 - cross) / (2.0 * VACUUM_VARIANCE)


def simon(V2: np.ndarray) -> np.ndarray:
    """Simon's PPT expression det A det B + (¼ − |det C|)² − tr(AJCJBJCᵀJ) − ¼(det A + det B).

    ≥ 0 for every separable two-mode Gaussian state, < 0 exactly when the state is entangled
    (PPT is necessary and sufficient for 1×1 modes).  Vacuum variance 1/2, as in the reference.

    References
    ----------
    Simon, Phys. Rev. Lett. 84, 2726 (2000), Eq. (17).
    """
    _, A, B, C = _blocks(V2)
    J = np.array([[0.0, 1.0], [-1.0, 0.0]])
    Ct = np.swapaxes(C, -1, -2)
    tr = np.trace(A @ J @ C @ J @ B @ J @ Ct @ J, axis1=-2, axis2=-1)
    dA, dB = _det2(A), _det2(B)
    return dA * dB + (0.25 - np.abs(_det2(C))) ** 2 - tr - 0.25 * (dA + dB)


def squeezing_db(V2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Smallest quadrature variance of each mode over all phases, in dB relative to vacuum.

    10 log₁₀(λ_min(A)/(1/2)); negative means squeezed below the vacuum level.
    """
    _, A, B, _ = _blocks(V2)
    return (10.0 * np.log10(np.linalg.eigvalsh(A)[..., 0] / VACUUM_VARIANCE),
            10.0 * np.log10(np.linalg.eigvalsh(B)[..., 0] / VACUUM_VARIANCE))


@dataclass(frozen=True)
class Measure:
    """One named measure: the outputs it gives (names with ``1``/``2`` for the pair's modes), unit and meaning."""

    name: str
    outputs: tuple[str, ...]
    unit: str
    description: str
    function: Callable[[np.ndarray], np.ndarray | tuple[np.ndarray, ...]]

    def evaluate(self, V2: np.ndarray) -> dict[str, np.ndarray]:
        out = self.function(V2)
        out = out if isinstance(out, tuple) else (out,)
        return dict(zip(self.outputs, out))


#: Every measure by name (``--measure`` values); outputs are the data variable names.
MEASURES: dict[str, Measure] = {m.name: m for m in [
    Measure("E_N", ("E_N",), "1", "logarithmic negativity (Vidal & Werner 2002)", log_negativity),
    Measure("pt_nu", ("pt_nu",), "1",
            "smallest symplectic eigenvalue of the partial transpose of 2V (vacuum 1): < 1 iff entangled, "
            "E_N = max(0, -ln pt_nu); graded where E_N is 0", lambda V2: pt_symplectic_spectrum(V2)[0]),
    Measure("E_2", ("E_2",), "1",
            "Gaussian Renyi-2 entanglement (nats), 1/2 ln inf det(gamma_A) over pure Gaussian gamma <= 2V, "
            "any pair (Adesso, Girolami & Serafini, PRL 109, 190502)", renyi2_entanglement),
    Measure("steering", ("steering_12", "steering_21"), "1",
            "Gaussian EPR steering, first mode steers second / second steers first (Kogias et al., PRL 114, 060403)",
            steering),
    Measure("discord", ("discord_2", "discord_1"), "1",
            "Gaussian quantum discord, measurement on the second / first mode (Adesso & Datta, PRL 105, 030501)",
            gaussian_discord),
    Measure("mutual_information", ("mutual_information",), "1", "von Neumann mutual information (nats)",
            mutual_information),
    Measure("duan", ("duan",), "1", "Duan sum over local phases / 2; < 1 proves entanglement (PRL 84, 2722)", duan),
    Measure("simon", ("simon",), "1", "Simon's PPT expression; < 0 iff entangled (PRL 84, 2726)", simon),
    Measure("squeezing", ("squeezing_1", "squeezing_2"), "dB",
            "smallest quadrature variance of the first / second mode relative to vacuum", squeezing_db),
]}


def measure_outputs(names) -> list[str]:
    """Data variable names produced by the given measures, validated."""
    from ..errors import ParameterError

    out: list[str] = []
    for n in names:
        if n not in MEASURES:
            raise ParameterError("measure", n, "one of " + ", ".join(MEASURES))
        out += MEASURES[n].outputs
    return out


def evaluate_measures(V2: np.ndarray, names) -> dict[str, np.ndarray]:
    """Every output of the named measures on a stack of two-mode covariances."""
    out: dict[str, np.ndarray] = {}
    for n in names:
        measure_outputs([n])
        out.update(MEASURES[n].evaluate(V2))
    return out
