"""Mean fields of the paper's cascade (Eqs. 7 and 16), in both units readings.

Steady state of Eq. (7) with θ2 = 0, θ1 = Δθ and ε_j = ε real (identical pumps):

    (iΔ_1 + κ) α_1 + K α_2 = ε e^{-iθ1} + F ε e^{-iθ2} e^{iφ},
    K α_1 + (iΔ_2 + κ) α_2 = ε e^{-iθ2} + F ε e^{-iθ1} e^{iφ},     K = 2κ√η e^{iφ},

where F is the factor multiplying the fed-through drive:

* ``consistent`` reading: F = √η (ε/√(2κ) is the input amplitude in s^-1/2, so
  √(2ηκ)·(ε/√(2κ)) = √η ε has the units of ε);
* ``literal`` reading: F = √(2ηκ) exactly as printed in Eq. (16), with κ in rad/s; the
  result then depends on the unit system (SI here).

The coupling K = √(2ηκ)·√(2κ) is the same in both readings.  β_j follows from Eq. (7):
β = i g0 N/(iω_m + γ_m) (paper bath) or β = g0 N/ω_m (Brownian bath, whose position
equation is undamped), and the bare detuning is Δ_c = Δ + g0(β + β*).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..parameters import ModelOptions, Parameters


def feedthrough_factor(params: Parameters, units: str):
    """F of the module docstring: √η (consistent) or √(2ηκ) in SI (literal)."""
    if units == "consistent":
        return np.sqrt(params.eta)
    return np.sqrt(2.0 * params.eta * params.kappa_rad)


def drive_terms(params: Parameters, units: str) -> tuple[np.ndarray, np.ndarray]:
    """Right-hand sides S_1, S_2 of the mean-field equations (s⁻¹ in the consistent reading)."""
    eps = params.epsilon
    phase_phi = np.exp(1j * params.phi)
    d1 = eps * np.exp(-1j * params.theta1)
    d2 = eps * np.ones_like(d1)  # θ2 = 0
    F = feedthrough_factor(params, units)
    return d1 + F * d2 * phase_phi, d2 + F * d1 * phase_phi


def cascade_coupling(params: Parameters):
    """K = 2κ√η e^{iφ} (rad/s), the cavity–cavity term of Eqs. (7)–(8)."""
    return 2.0 * params.kappa_rad * np.sqrt(params.eta) * np.exp(1j * params.phi)


def solve_cavity_fields(params: Parameters, units: str, delta1, delta2) -> np.ndarray:
    """α_1, α_2 for given effective detunings (rad/s) of each cavity, shape (..., 2)."""
    kap = params.kappa_rad
    c1 = 1j * np.asarray(delta1) + kap
    c2 = 1j * np.asarray(delta2) + kap
    K = cascade_coupling(params)
    S1, S2 = drive_terms(params, units)
    det = c1 * c2 - K * K
    with np.errstate(divide="ignore", invalid="ignore"):
        a1 = (c2 * S1 - K * S2) / det
        a2 = (c1 * S2 - K * S1) / det
    return np.stack(np.broadcast_arrays(a1, a2), axis=-1)


def detuning_shift_per_photon(params: Parameters, options: ModelOptions):
    """χ with Δ_c − Δ = χ N (rad/s per photon): g0(β + β*)/N."""
    g0 = params.g0(options.coupling)
    wm, gm = params.omega_m_rad, params.gamma_m_rad
    if options.bath == "brownian":
        return 2.0 * g0**2 / wm
    return 2.0 * g0**2 * wm / (wm**2 + gm**2)


def mechanical_means(params: Parameters, options: ModelOptions, alpha: np.ndarray) -> np.ndarray:
    """β_j from the steady state of Eq. (7), shape (..., 2)."""
    g0 = np.asarray(params.g0(options.coupling))[..., None]
    N = np.abs(alpha) ** 2
    wm = np.asarray(params.omega_m_rad)[..., None]
    if options.bath == "brownian":
        return (g0 * N / wm).astype(complex)
    gm = np.asarray(params.gamma_m_rad)[..., None]
    return 1j * g0 * N / (1j * wm + gm)


@dataclass(frozen=True)
class MeanFields:
    """Steady mean fields at one point (or a stack of points).

    Attributes
    ----------
    alpha, beta : ndarray, shape (..., 2), complex
        Optical and mechanical mean amplitudes (√photons, √phonons).
    delta : ndarray, shape (..., 2)
        Effective detuning of each cavity, rad/s.
    bare_detuning : ndarray, shape (..., 2)
        Implied bare detuning Δ_c,j = Δ_j + g0(β_j + β_j*), rad/s.
    units : str
        Units reading used.
    """

    alpha: np.ndarray
    beta: np.ndarray
    delta: np.ndarray
    bare_detuning: np.ndarray
    units: str

    @property
    def photon_numbers(self) -> np.ndarray:
        return np.abs(self.alpha) ** 2


def assemble_mean_fields(params, options, alpha, delta) -> MeanFields:
    """β_j and the implied bare detunings for given α_j and effective detunings Δ_j (rad/s)."""
    beta = mechanical_means(params, options, alpha)
    g0 = np.asarray(params.g0(options.coupling))[..., None]
    bare = delta + g0 * 2.0 * beta.real
    return MeanFields(alpha=alpha, beta=beta, delta=delta, bare_detuning=bare, units=options.units)


def mean_fields(params: Parameters, options: ModelOptions = ModelOptions()) -> MeanFields:
    """Mean fields (Eq. 16) at the effective detuning Δ = detuning·ω_m, common to both cavities.

    This is the paper's scan variable.  When N_1 ≠ N_2 the implied bare detunings of the
    two cavities differ; they are returned in ``bare_detuning``.
    """
    delta = np.asarray(params.delta, dtype=float)
    alpha = solve_cavity_fields(params, options.units, delta, delta)
    return assemble_mean_fields(params, options, alpha, np.stack(np.broadcast_arrays(delta, delta), axis=-1))


def mean_fields_from_bare_detuning(params: Parameters, bare_detuning_over_omega_m: float,
                                   options: ModelOptions = ModelOptions(),
                                   starts_per_axis: int = 12) -> list[MeanFields]:
    """Every self-consistent solution for a given bare detuning Δ_c (common to both cavities).

    Solves N_j = |α_j(Δ_c − χN_1, Δ_c − χN_2)|² for (N_1, N_2) (Eq. 7 with Δ_j = Δ_c − χN_j).
    At η = 0 each cavity is the textbook cubic and all its roots are found exactly; for
    η > 0 the roots are found by Newton iterations from a logarithmic grid of starting
    points and deduplicated, so a branch outside the grid's basin could be missed.

    Returns
    -------
    list of MeanFields, sorted by N_1 (several entries = bistability).
    """
    if np.ndim(params.delta) or params.shape:
        raise ValueError("mean_fields_from_bare_detuning works on a single parameter point")
    kap = float(params.kappa_rad)
    chi = float(detuning_shift_per_photon(params, options))
    dc = bare_detuning_over_omega_m * float(params.omega_m_rad)

    def residual(x):  # x_j = χ N_j / κ (detuning shift in units of κ)
        x = np.asarray(x)
        a = solve_cavity_fields(params, options.units, dc - kap * x[0], dc - kap * x[1])
        return x - chi * np.abs(a) ** 2 / kap

    if float(params.eta) == 0.0:
        roots = _uncoupled_roots(params, options, dc, chi, kap)
    else:
        # scale of the shift: what the drive alone would give on resonance
        s = np.abs(np.asarray(drive_terms(params, options.units)))
        x0 = max(chi * float(np.max(s)) ** 2 / kap**3, 1e-12)
        grid = np.concatenate([[0.0], np.geomspace(x0 * 1e-4, x0 * 10, starts_per_axis - 1)])
        # the roots without the cavity-cavity term K are good starts for weak coupling
        starts = [tuple(r) for r in _uncoupled_roots(params, options, dc, chi, kap)]
        starts += [(g1, g2) for g1 in grid for g2 in grid]
        import scipy.optimize  # here: the paper's model, its sweeps, never need it

        roots = []
        for start in starts:
            sol = scipy.optimize.root(residual, start, method="hybr", tol=1e-13)
            # judged by the residual itself: hybr may stop with "xtol too small" at a root
            if (np.all(np.isfinite(sol.x)) and np.all(sol.x >= -1e-12)
                    and np.max(np.abs(residual(sol.x))) < 1e-9 * max(1, np.max(sol.x))):
                roots.append(sol.x)
    uniq: list[np.ndarray] = []
    for r in roots:
        if not any(np.allclose(r, u, rtol=1e-7, atol=1e-12) for u in uniq):
            uniq.append(np.asarray(r, dtype=float))
    uniq.sort(key=lambda r: tuple(r))
    out = []
    for x in uniq:
        delta = np.array([dc - kap * x[0], dc - kap * x[1]])
        alpha = solve_cavity_fields(params, options.units, delta[0], delta[1])
        out.append(assemble_mean_fields(params, options, alpha, delta))
    return out


def _uncoupled_roots(params, options, dc, chi, kap) -> list[np.ndarray]:
    """Roots without the cavity–cavity term (exact at η = 0): per cavity a cubic in x = χN/κ."""
    S1, S2 = drive_terms(params, options.units)
    per_cavity = []
    for S in (complex(S1), complex(S2)):
        # N [κ² + (Δ_c − χN)²] = |S|²  →  in x = χN/κ:  x[κ² + (Δ_c − κx)²] = χ|S|²/κ
        d = dc / kap
        coeffs = [1.0, -2.0 * d, 1.0 + d * d, -chi * abs(S) ** 2 / kap**3]
        r = np.roots(coeffs)
        per_cavity.append(sorted(float(v.real) for v in r if abs(v.imag) <= 1e-9 * max(1, abs(v)) and v.real >= 0))
    return [np.array([x1, x2]) for x1 in per_cavity[0] for x2 in per_cavity[1]]
