"""The drift and diffusion of the paper's model against independent constructions."""

import numpy as np
import pytest

from cascom_sim import LindbladModel, ModelOptions, Parameters, paper_model
from cascom_sim.conventions import complex_to_quadrature
from cascom_sim.models.engine import drift_and_diffusion, hamiltonian_from_ladder, ladder_to_quadrature_vector
from cascom_sim.models.meanfield import MeanFields


def complex_form_drift(delta, kappa, wm, gm, g0, alpha, eta, phi):
    """Eq. (8) written as ċ = M c + N c† for c = (a1, a2, b1, b2), mapped to quadratures.

    This construction never writes a quadrature equation by hand: the quadrature drift is
    T⁻¹ 𝓜 T where 𝓜 acts on ξ = (c1, c1†, c2, c2†, …).
    """
    M = np.zeros((4, 4), complex)
    N = np.zeros((4, 4), complex)
    K = 2 * kappa * np.sqrt(eta) * np.exp(1j * phi)
    for j in range(2):
        a, b, k = j, 2 + j, 1 - j
        M[a, a] = -(1j * delta[j] + kappa)
        M[a, b] = 1j * g0 * alpha[j]
        N[a, b] = 1j * g0 * alpha[j]  # i g0 α (b† + b)
        M[a, k] = -K
        M[b, b] = -(1j * wm + gm)
        M[b, a] = 1j * g0 * np.conj(alpha[j])
        N[b, a] = 1j * g0 * alpha[j]  # i g0 (α* a + α a†)
    big = np.zeros((8, 8), complex)
    for r in range(4):
        for c in range(4):
            # d c_r/dt = M_rc c_c + N_rc c_c† ;  d c_r†/dt = conj
            big[2 * r, 2 * c] = M[r, c]
            big[2 * r, 2 * c + 1] = N[r, c]
            big[2 * r + 1, 2 * c] = np.conj(N[r, c])
            big[2 * r + 1, 2 * c + 1] = np.conj(M[r, c])
    # quadrature order: our T is per mode in order (a1, a2, b1, b2) = modes 0..3
    T = complex_to_quadrature(4)
    A = np.linalg.solve(T, big @ T)
    assert np.max(np.abs(A.imag)) < 1e-9 * np.max(np.abs(A))
    return A.real


@pytest.mark.parametrize("seed", range(6))
def test_drift_matches_complex_form(seed):
    rng = np.random.default_rng(seed)
    p = Parameters(eta=rng.uniform(0, 1), phi_pi=rng.uniform(-1, 1), detuning=rng.uniform(-2, 2),
                   gamma_m=rng.uniform(1e3, 1e6))
    alpha = rng.normal(size=2) * 1e4 + 1j * rng.normal(size=2) * 1e4
    delta = rng.uniform(-1, 1, size=2) * 1e9
    mf = MeanFields(alpha=alpha, beta=np.zeros(2, complex), delta=delta, bare_detuning=delta, units="consistent")
    A = paper_model(p, ModelOptions(), mf).drift
    ref = complex_form_drift(delta, float(p.kappa_rad), float(p.omega_m_rad), float(p.gamma_m_rad),
                             float(p.g0()), alpha, float(p.eta), float(p.phi))
    np.testing.assert_allclose(A, ref, rtol=0, atol=1e-9 * np.max(np.abs(ref)))


def engine_single_cavities(p: Parameters, options: ModelOptions, alpha, delta):
    """The η = 0 model written as (H, L) on ladder operators and passed through the engine."""
    kap, wm, gm = float(p.kappa_rad), float(p.omega_m_rad), float(p.gamma_m_rad)
    g0, n = float(p.g0(options.coupling)), float(p.n_m)
    # ξ = (a1, a1†, a2, a2†, b1, b1†, b2, b2†); H = ½ ξ† M ξ with Hermitian M
    M = np.zeros((8, 8), complex)
    for j in range(2):
        a, ad, b, bd = 2 * j, 2 * j + 1, 4 + 2 * j, 5 + 2 * j
        M[a, a] = M[ad, ad] = delta[j]  # Δ a†a
        M[b, b] = M[bd, bd] = wm  # ω_m b†b
        c = -g0 * alpha[j]
        # −g0 α a†(b + b†): a†b = ξ_a†ξ_b = ξ_bd†ξ_ad and a†b† = ξ_a†ξ_bd = ξ_b†ξ_ad
        M[a, b] = M[bd, ad] = M[a, bd] = M[b, ad] = c
        # Hermitian partners give −g0 α* a(b + b†)
        M[b, a] = M[ad, bd] = M[bd, a] = M[ad, b] = np.conj(c)
    H = hamiltonian_from_ladder(M)
    jumps = []
    for j in range(2):
        lam = np.zeros(8, complex)
        lam[2 * j] = np.sqrt(2 * kap)  # √(2κ) a_j
        jumps.append(ladder_to_quadrature_vector(lam))
        lam = np.zeros(8, complex)
        lam[4 + 2 * j] = np.sqrt(2 * gm * (n + 1))  # √(2γ(n+1)) b_j
        jumps.append(ladder_to_quadrature_vector(lam))
        lam = np.zeros(8, complex)
        lam[5 + 2 * j] = np.sqrt(2 * gm * n)  # √(2γn) b_j†
        jumps.append(ladder_to_quadrature_vector(lam))
    return LindbladModel(hamiltonian=H, jumps=np.array(jumps)).drift_and_diffusion()


@pytest.mark.parametrize("coupling", ["paper", "standard"])
def test_engine_reproduces_paper_model_at_eta_zero(coupling):
    p = Parameters(eta=0.0, detuning=1.1, temperature=0.3, gamma_m=5e4)
    options = ModelOptions(coupling=coupling)
    m = paper_model(p, options)
    A, D = engine_single_cavities(p, options, m.mean_fields.alpha, m.mean_fields.delta)
    np.testing.assert_allclose(m.drift, A, rtol=0, atol=1e-9 * np.max(np.abs(A)))
    np.testing.assert_allclose(m.diffusion, D, rtol=1e-12, atol=0)


def test_hamiltonian_from_ladder_number_operator():
    # H = ω a†a = ½ ξ† diag(ω, ω) ξ + const  →  H_m = ω I
    H = hamiltonian_from_ladder(np.diag([2.0, 2.0]))
    np.testing.assert_allclose(H, 2.0 * np.eye(2), atol=1e-15)


def test_engine_single_damped_mode():
    l = ladder_to_quadrature_vector([np.sqrt(2 * 3.0), 0])[None, :]
    A, D = drift_and_diffusion(np.zeros((2, 2)), l)
    np.testing.assert_allclose(A, -3.0 * np.eye(2), atol=1e-14)
    np.testing.assert_allclose(D, 3.0 * np.eye(2), atol=1e-14)


def test_diffusion_is_eq27():
    p = Parameters()
    D = paper_model(p).diffusion
    k, g, n = float(p.kappa_rad), float(p.gamma_m_rad), float(p.n_m)
    np.testing.assert_allclose(np.diag(D), [k] * 4 + [g * (2 * n + 1)] * 4, rtol=1e-14)
    Db = paper_model(p, ModelOptions(bath="brownian")).diffusion
    np.testing.assert_allclose(np.diag(Db), [k] * 4 + [0, g * (2 * n + 1)] * 2, rtol=1e-14)


@pytest.mark.parametrize("eta,phi_pi", [(1.0, 0.8), (0.3, 0.1), (0.7, 1.3)])
def test_paper_noise_unphysical_by_exactly_2kappa_sqrt_eta_cos_phi(eta, phi_pi):
    """Analytic: min eig of D + (i/2)(AΩ+ΩAᵀ) is −2κ√η|cos φ| (docs/derivation.md)."""
    from cascom_sim import noise_physicality_min_eigenvalue

    p = Parameters(eta=eta, phi_pi=phi_pi)
    m = paper_model(p)
    lam = float(noise_physicality_min_eigenvalue(m.drift, m.diffusion))
    expected = -2 * float(p.kappa_rad) * np.sqrt(eta) * abs(np.cos(np.pi * phi_pi))
    assert lam == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("eta,phi_pi", [(0.0, 0.8), (1.0, 0.5), (0.6, -0.5)])
def test_paper_noise_physical_when_eta_zero_or_cos_phi_zero(eta, phi_pi):
    from cascom_sim import is_noise_physical

    m = paper_model(Parameters(eta=eta, phi_pi=phi_pi))
    assert bool(is_noise_physical(m.drift, m.diffusion))


@pytest.mark.parametrize("eta,phi_pi", [(1.0, 0.8), (0.25, 0.0), (1.0, 0.6)])
def test_optical_instability_without_optomechanics(eta, phi_pi):
    """With P = 0 the optical block has eigenvalues −(iΔ+κ) ± 2κ√η e^{iφ}."""
    from cascom_sim.gaussian.stability import max_real_eigenvalue

    p = Parameters(eta=eta, phi_pi=phi_pi, power=0.0)
    A = paper_model(p).drift
    kap = float(p.kappa_rad)
    expected = max(-kap + 2 * kap * np.sqrt(eta) * abs(np.cos(np.pi * phi_pi)), -float(p.gamma_m_rad))
    assert float(max_real_eigenvalue(A)) == pytest.approx(expected, rel=1e-9, abs=1e-6 * kap)


def test_a_model_prints_what_it_is_not_its_matrices():
    import cascom_sim as cs

    text = repr(cs.build_model(cs.Parameters()))
    assert text == ("LinearModel(label='paper', modes=('a1', 'a2', 'b1', 'b2'), units='consistent', coupling='paper', "
                    "bath='paper', hamiltonian_and_jumps=no)")
