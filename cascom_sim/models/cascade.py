"""The physically consistent bidirectional cascade ("two-channel" model), built as (H, L).

Two chiral fibre channels: R carries light from cavity 1 to cavity 2, L from cavity 2 to cavity 1.
Cavity j decays at κ_R,j into R, κ_L,j into L and κ_0,j elsewhere (κ_j = κ_R,j + κ_L,j + κ_0,j).
Each channel transmits an amplitude √η with phase φ between the cavities.  By the SLH series
product (Gough & James, IEEE TAC 54, 2530 (2009)) or the cascaded master equation (Gardiner, PRL 70,
2269 (1993); Carmichael, PRL 70, 2273 (1993)), channel R contributes

    L_R      = √(2κ_R,1) √η e^{iφ} a1 + √(2κ_R,2) a2          (the field after cavity 2)
    L_R,loss = √(2κ_R,1 (1 − η)) a1                           (what the fibre loses)
    H_R      = −i √(κ_R,1 κ_R,2 η) (e^{iφ} a2† a1 − e^{−iφ} a1† a2)

and channel L the same with 1 ↔ 2.  The resulting Langevin equations contain, besides the local
damping κ_j of each cavity,

    ȧ2 ⊃ −2√(κ_R,1 κ_R,2) √η e^{iφ} a1,      ȧ1 ⊃ −2√(κ_L,1 κ_L,2) √η e^{iφ} a2,

one-way terms whose noise is the upstream cavity's own output: no back-action on the upstream
cavity.  **Relation to the paper's Eq. (8):** the paper has −2κ√η e^{iφ} in both directions with
local damping κ and vacuum noise κ per cavity.  The two-channel model gives that coupling only for
κ_R = κ_L = κ, i.e. a total decay 2κ into the fibres — more than the damping κ allows.  With the
damping fixed at κ the largest symmetric choice is κ_R = κ_L = κ/2 (the default), coupling κ√η e^{iφ}:
half the paper's.  The missing balance of noise is exactly what makes the paper's (A, D) unphysical
for η > 0, cos φ ≠ 0 (docs/derivation.md).  At η = 0 both models are two independent cavities with
the same drift and diffusion *for the same α*, but not the same α: here each pump enters through its own
channel of rate κ_R (cavity 1) or κ_L (cavity 2), so the photon numbers are κ_R/κ and κ_L/κ times the
paper's (half at the default ½, ½).  The paper's model at η = 0 is the network of
:mod:`cascom_sim.models.network` whose pumps enter ports of rate κ (docs/networks.md).

Mean fields: pump j (power P_j, phase θ_j, photon flux amplitude β_j = √(P_j/ħω_d) e^{−iθ_j}) enters
the channel that reaches its own cavity first — pump 1 channel R before cavity 1, pump 2 channel L
before cavity 2 — so, with the paper's convention a_out = a_in − √(2κ) a (Eq. 4),

    ȧ1 = −(iΔ1 + κ1) a1 + √(2κ_R,1) β1 + √(2κ_L,1 η) e^{iφ} (β2 − √(2κ_L,2) a2)
    ȧ2 = −(iΔ2 + κ2) a2 + √(2κ_L,2) β2 + √(2κ_R,2 η) e^{iφ} (β1 − √(2κ_R,1) a1).

For κ_R = κ_L = κ this is the paper's Eq. (7) in the ``consistent`` reading.  The model is
dimensionally consistent, so it has no ``literal`` reading.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ParameterError
from ..parameters import ModelOptions, Parameters
from .engine import LindbladModel, drift_and_diffusion, ladder_to_quadrature_vector
from .linear import LinearModel
from .meanfield import MeanFields, assemble_mean_fields


@dataclass(frozen=True, kw_only=True)
class TwoChannelSpec:
    """Per-cavity description of the two-channel cascade (angular units, rad/s).

    Every per-cavity field is a pair (cavity 1, cavity 2), each entry a scalar or an array
    (arrays broadcast: that is how sweeps evaluate many points).
    """

    kappa_r: tuple
    kappa_l: tuple
    kappa_0: tuple
    omega_m: tuple
    gamma_m: tuple
    n_m: tuple
    g0: tuple
    delta: tuple
    eta: object
    phi: object

    @property
    def kappa(self) -> tuple:
        return tuple(np.asarray(self.kappa_r[j]) + self.kappa_l[j] + self.kappa_0[j] for j in range(2))

    @classmethod
    def from_parameters(cls, params: Parameters, options: ModelOptions) -> TwoChannelSpec:
        kap = params.kappa_rad
        kr = kap * np.asarray(params.kappa_r_fraction)
        kl = kap * np.asarray(params.kappa_l_fraction)
        k0 = kap - kr - kl
        g0 = params.g0(options.coupling)
        two = lambda x: (x, x)  # noqa: E731
        return cls(kappa_r=two(kr), kappa_l=two(kl), kappa_0=two(np.clip(k0, 0.0, None)),
                   omega_m=two(params.omega_m_rad), gamma_m=two(params.gamma_m_rad), n_m=two(params.n_m),
                   g0=two(g0), delta=two(params.delta), eta=params.eta, phi=params.phi)


def two_channel_mean_fields(spec: TwoChannelSpec, beta_in: tuple) -> np.ndarray:
    """α_1, α_2 (shape (..., 2)) for input flux amplitudes β_j (s^-1/2) at effective detunings ``spec.delta``."""
    kr, kl = spec.kappa_r, spec.kappa_l
    sq = np.sqrt(spec.eta)
    e = np.exp(1j * np.asarray(spec.phi))
    c1 = 1j * np.asarray(spec.delta[0]) + spec.kappa[0]
    c2 = 1j * np.asarray(spec.delta[1]) + spec.kappa[1]
    k12 = 2.0 * np.sqrt(kl[0] * kl[1]) * sq * e  # a2 in ȧ1
    k21 = 2.0 * np.sqrt(kr[0] * kr[1]) * sq * e  # a1 in ȧ2
    b1, b2 = beta_in
    s1 = np.sqrt(2.0 * kr[0]) * b1 + np.sqrt(2.0 * kl[0]) * sq * e * b2
    s2 = np.sqrt(2.0 * kl[1]) * b2 + np.sqrt(2.0 * kr[1]) * sq * e * b1
    det = c1 * c2 - k12 * k21
    with np.errstate(divide="ignore", invalid="ignore"):
        a1 = (c2 * s1 - k12 * s2) / det
        a2 = (c1 * s2 - k21 * s1) / det
    return np.stack(np.broadcast_arrays(a1, a2), axis=-1)


def two_channel_lindblad(spec: TwoChannelSpec, alpha: np.ndarray) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """Quadrature Hamiltonian H_m (..., 8, 8) and jump vectors l (..., K, 8) of the linearized cascade."""
    alpha = np.asarray(alpha)
    shape = np.broadcast_shapes(alpha.shape[:-1], *(np.shape(x) for f in (
        spec.kappa_r, spec.kappa_l, spec.kappa_0, spec.omega_m, spec.gamma_m, spec.n_m, spec.g0, spec.delta)
        for x in f), np.shape(spec.eta), np.shape(spec.phi))
    b = lambda x: np.broadcast_to(np.asarray(x, dtype=float), shape)  # noqa: E731
    H = np.zeros(shape + (8, 8))
    for j in range(2):
        xa, ya, xb, yb = 2 * j, 2 * j + 1, 4 + 2 * j, 5 + 2 * j
        H[..., xa, xa] = H[..., ya, ya] = b(spec.delta[j])
        H[..., xb, xb] = H[..., yb, yb] = b(spec.omega_m[j])
        lam = 2.0 * b(spec.g0[j]) * np.broadcast_to(alpha[..., j], shape)
        H[..., xa, xb] = H[..., xb, xa] = -lam.real
        H[..., ya, xb] = H[..., xb, ya] = -lam.imag
    # cascade Hamiltonians H_R + H_L = −i g (e^{iφ} a_down† a_up − h.c.) with g = √(κ_up κ_down η):
    # in quadratures −i(e^{iφ} a_d† a_u − e^{−iφ} a_u† a_d) = sin φ (X_d X_u + Y_d Y_u) + cos φ (X_d Y_u − Y_d X_u)
    sphi, cphi = np.sin(b(spec.phi)), np.cos(b(spec.phi))
    eta = b(spec.eta)
    for up, down, kr in ((0, 1, spec.kappa_r), (1, 0, spec.kappa_l)):
        g = np.sqrt(b(kr[0]) * b(kr[1]) * eta)
        xu, yu, xd, yd = 2 * up, 2 * up + 1, 2 * down, 2 * down + 1
        for (i, k, v) in ((xd, xu, g * sphi), (yd, yu, g * sphi), (xd, yu, g * cphi), (yd, xu, -g * cphi)):
            H[..., i, k] += v
            H[..., k, i] += v
    # jump operators on ladder coefficients (μ_1, ν_1, …) of (a1, a1†, a2, a2†, b1, b1†, b2, b2†)
    jumps, labels = [], []
    e = np.exp(1j * b(spec.phi))

    def add(coeffs, label):
        jumps.append(ladder_to_quadrature_vector(coeffs))
        labels.append(label)

    for name, up, down, kc in (("R", 0, 1, spec.kappa_r), ("L", 1, 0, spec.kappa_l)):
        c = np.zeros(shape + (8,), complex)
        c[..., 2 * up] = np.sqrt(2.0 * b(kc[up]) * eta) * e
        c[..., 2 * down] = np.sqrt(2.0 * b(kc[down]))
        add(c, f"channel {name}: √(2κ_{name},up)√η e^(iφ) a_up + √(2κ_{name},down) a_down")
        c = np.zeros(shape + (8,), complex)
        c[..., 2 * up] = np.sqrt(2.0 * b(kc[up]) * (1.0 - eta))
        add(c, f"channel {name}: fibre loss √(2κ_{name},up(1−η)) a_up")
    for j in range(2):
        c = np.zeros(shape + (8,), complex)
        c[..., 2 * j] = np.sqrt(2.0 * b(spec.kappa_0[j]))
        add(c, f"cavity {j + 1}: other loss √(2κ_0) a{j + 1}")
        c = np.zeros(shape + (8,), complex)
        c[..., 4 + 2 * j] = np.sqrt(2.0 * b(spec.gamma_m[j]) * (b(spec.n_m[j]) + 1.0))
        add(c, f"mirror {j + 1}: √(2γ_m(n_m+1)) b{j + 1}")
        c = np.zeros(shape + (8,), complex)
        c[..., 5 + 2 * j] = np.sqrt(2.0 * b(spec.gamma_m[j]) * b(spec.n_m[j]))
        add(c, f"mirror {j + 1}: √(2γ_m n_m) b{j + 1}†")
    return H, np.stack(jumps, axis=-2), tuple(labels)


def two_channel_model(params: Parameters, options: ModelOptions = ModelOptions(model="two-channel"),
                      mf: MeanFields | None = None):
    """The two-channel cascade for identical cavities described by ``params`` (docs/derivation.md).

    Uses ``kappa_r_fraction`` and ``kappa_l_fraction`` (κ_R/κ, κ_L/κ; default ½ each, κ_0 = 0).
    Per-cavity parameters: build a :class:`TwoChannelSpec` directly.
    """
    if options.bath != "paper":
        raise ParameterError("bath", options.bath, "'paper' for the two-channel model (quantum Brownian motion "
                                                   "is not of Lindblad form)")
    if options.units != "consistent":
        raise ParameterError("units", options.units, "'consistent' for the two-channel model (it has no "
                                                     "literal reading: its units are consistent by construction)")
    spec = TwoChannelSpec.from_parameters(params, options)
    if mf is None:
        flux = params.photon_flux_amplitude
        beta_in = (flux * np.exp(-1j * params.theta1), flux * np.ones_like(params.theta1))
        alpha = two_channel_mean_fields(spec, beta_in)
        delta = np.stack(np.broadcast_arrays(params.delta, params.delta), axis=-1)
        mf = assemble_mean_fields(params, options, alpha, delta)
    else:
        spec = TwoChannelSpec(**{**spec.__dict__, "delta": (mf.delta[..., 0], mf.delta[..., 1])})
    H, jumps, labels = two_channel_lindblad(spec, mf.alpha)
    A, D = drift_and_diffusion(H, jumps)
    lind = LindbladModel(hamiltonian=H, jumps=jumps, labels=labels) if H.ndim == 2 else None
    return LinearModel(drift=A, diffusion=D, options=options, mean_fields=mf, lindblad=lind)
