"""Small-occupation cases where the truncated-Fock master equation converges (docs/master_equation.md).

How they were chosen: ω_m/2π = 1 MHz, κ/2π = 0.5 MHz, γ_m/2π = 0.1 MHz (so every rate is within a
factor 20 of the others), a light mirror (m = 2 pg) and a weak pump (P = 0.3 µW) so that the
effective coupling G = g0|α| ≈ 0.14 ω_m, and T = 22 µK so that n_m ≈ 0.13.  Occupations then stay
≤ 0.13 and a few Fock states per mode suffice.  The couplings are scaled down from the paper's
regime on purpose: the paper's own parameters have n_m ≈ 23 and (in the literal reading) 10¹⁶ photons,
far outside any Fock-space check.

Each case returns a :class:`~cascom_sim.engine.LindbladModel` restricted to the modes that matter, the
Lyapunov covariance of those modes, the pair whose E_N is compared, and a description.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..gaussian.covariance import reduce_modes
from ..gaussian.lyapunov import solve_lyapunov
from ..models.cascade import TwoChannelSpec, two_channel_lindblad, two_channel_mean_fields
from ..models.engine import LindbladModel, drift_and_diffusion
from ..parameters import ModelOptions, Parameters
from ..solvers.master import lindblad_from_langevin, restrict
from ..solvers.steady import steady_state

ME_BASE = Parameters(omega_m=1e6, kappa=0.5e6, gamma_m=0.1e6, temperature=2.2e-5, eta=0.0, detuning=1.0,
                     mass=2e-15, power=3e-7)


@dataclass(frozen=True)
class MasterCase:
    name: str
    description: str
    model: LindbladModel
    lyapunov: np.ndarray
    drift: np.ndarray
    diffusion: np.ndarray
    pair: tuple[str, str]
    cutoffs: tuple[tuple[int, ...], ...]
    initial_occupations: tuple[float, ...]


def single_cavity() -> MasterCase:
    """The paper's model at η = 0 (physical), modes (a1, b1): red-detuned optomechanical entanglement."""
    s = steady_state(ME_BASE, ModelOptions(), pair=("a1", "b1"))
    full = lindblad_from_langevin(s.drift, s.diffusion)
    m = restrict(full, ("a1", "b1"))
    A, D = m.drift_and_diffusion()
    return MasterCase("single-cavity", "paper model, η = 0, modes a1, b1", m, reduce_modes(s.covariance, ("a1", "b1")),
                      A, D, ("a1", "b1"), ((3, 4), (4, 5), (5, 7), (6, 9)), (0.0, float(ME_BASE.n_m)))


def _cascade(eta: float, phi_pi: float, mech: int | None, keep, pair, name, description, cutoffs) -> MasterCase:
    p = ME_BASE.replace(eta=eta, phi_pi=phi_pi)
    opts = ModelOptions(model="two-channel")
    spec = TwoChannelSpec.from_parameters(p, opts)
    if mech is not None:
        g0 = [float(spec.g0[0]), float(spec.g0[1])]
        g0[1 - mech] = 0.0  # the other mirror is decoupled, so its mode can be dropped exactly
        spec = TwoChannelSpec(**{**spec.__dict__, "g0": tuple(g0)})
    flux = float(p.photon_flux_amplitude)
    alpha = two_channel_mean_fields(spec, (flux * np.exp(-1j * float(p.theta1)), flux))
    H, l, labels = two_channel_lindblad(spec, alpha)
    A, D = drift_and_diffusion(H, l)
    V = solve_lyapunov(A, D)
    m = restrict(LindbladModel(hamiltonian=H, jumps=l, labels=labels), keep)
    Ar, Dr = m.drift_and_diffusion()
    occ = tuple(0.0 if k.startswith("a") else float(p.n_m) for k in keep)
    return MasterCase(name, description, m, reduce_modes(V, keep), Ar, Dr,
                      pair, cutoffs, occ)


def cascade_upstream_mirror() -> MasterCase:
    """Two-channel cascade, η = 0.8, φ = 0.3π, mirror on cavity 1 only: modes (a1, a2, b1)."""
    return _cascade(0.8, 0.3, 0, ("a1", "a2", "b1"), ("a1", "b1"), "cascade-upstream-mirror",
                    "two-channel, η = 0.8, φ = 0.3π, κ_R = κ_L = κ/2, mirror 1 only; modes a1, a2, b1",
                    ((3, 3, 4), (4, 4, 5), (4, 4, 6)))


def cascade_downstream_mirror() -> MasterCase:
    """Two-channel cascade, η = 1, φ = 0.7π, mirror on cavity 2 only: modes (a1, a2, b2)."""
    return _cascade(1.0, 0.7, 1, ("a1", "a2", "b2"), ("a2", "b2"), "cascade-downstream-mirror",
                    "two-channel, η = 1, φ = 0.7π, κ_R = κ_L = κ/2, mirror 2 only; modes a1, a2, b2",
                    ((3, 3, 4), (4, 4, 5), (4, 4, 6)))


def cascade_four_modes() -> MasterCase:
    """Two-channel cascade, η = 0.8, φ = 0.3π, both mirrors: all four modes (a1, a2, b1, b2), pair (a2, b2).

    The four-mode benchmark of the master-equation solvers: occupations ≤ 0.13, so (4,4,4,4) and
    (5,5,5,5) bracket the truncation error.
    """
    return _cascade(0.8, 0.3, None, ("a1", "a2", "b1", "b2"), ("a2", "b2"), "cascade-four-modes",
                    "two-channel, η = 0.8, φ = 0.3π, κ_R = κ_L = κ/2, both mirrors; modes a1, a2, b1, b2",
                    ((3, 3, 4, 4), (4, 4, 4, 4), (5, 5, 5, 5)))


def paper_cos_phi_zero() -> MasterCase:
    """The paper's model at η = 0.5, φ = 0.5π (cos φ = 0: physical), all four modes, colder (n_m ≈ 0.03)."""
    p = ME_BASE.replace(eta=0.5, phi_pi=0.5, temperature=1e-5, power=1e-7)
    s = steady_state(p, ModelOptions(), pair=("a1", "b1"))
    m = lindblad_from_langevin(s.drift, s.diffusion)
    return MasterCase("paper-cos-phi-zero", "paper model, η = 0.5, φ = 0.5π, T = 10 µK; modes a1, a2, b1, b2", m,
                      s.covariance, s.drift, s.diffusion, ("a1", "b1"), ((3, 3, 4, 4), (4, 4, 5, 5)),
                      (0.0, 0.0, float(p.n_m), float(p.n_m)))


ALL_CASES = (single_cavity, cascade_upstream_mirror, cascade_downstream_mirror)
