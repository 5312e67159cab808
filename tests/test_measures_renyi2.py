"""Gaussian Rényi-2 entanglement E_2 of any two-mode pair, against closed forms and a direct minimisation.

States are built in the package convention (vacuum variance 1/2); formulas are quoted for σ = 2V
(vacuum 1).  The independent check is a brute-force search over *all* pure two-mode Gaussian states
(six parameters, nothing assumed about the optimal state's form): a pure γ with det γ_A = m² fits
under σ (σ − γ ≥ 0) for m slightly above e^{E_2} and never below it.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from scipy.optimize import minimize
from strategies import physical_state, random_symplectic, seeds

from cascom_sim.gaussian import measures as M

I2 = np.eye(2)
Z = np.diag([1.0, -1.0])


def blockdiag(A, B):
    return np.block([[A, np.zeros((2, 2))], [np.zeros((2, 2)), B]])


def rot(t):
    return np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])


def sts(r, N1=0.0, N2=0.0):
    """Two-mode squeezed thermal state S(r) diag(N1+½, N1+½, N2+½, N2+½) S(r)ᵀ (vacuum ½)."""
    S = np.block([[np.cosh(r) * I2, np.sinh(r) * Z], [np.sinh(r) * Z, np.cosh(r) * I2]])
    return S @ np.diag([N1 + 0.5, N1 + 0.5, N2 + 0.5, N2 + 0.5]) @ S.T


def e2_squeezed_thermal(r, N1, N2):
    """Closed form for squeezed thermal states (docs/entanglement.md), n_i = 2N_i + 1:
    E_2 = ln cosh t, eᵗ = e^{2r} [1 + n₁n₂ − √((n₁² − 1)(n₂² − 1))]/(n₁ + n₂), 0 if eᵗ ≤ 1."""
    n1, n2 = 2 * N1 + 1, 2 * N2 + 1
    et = np.exp(2 * r) * (1 + n1 * n2 - np.sqrt((n1**2 - 1) * (n2**2 - 1))) / (n1 + n2)
    return float(np.log((et + 1 / et) / 2)) if et > 1 else 0.0


def entangled_states(n, min_en=0.05):
    out, seed = [], 0
    while len(out) < n:
        seed += 1
        V = physical_state(seed, 2)
        if M.log_negativity(V) > min_en:
            out.append((seed, V))
    return out


# --- the independent minimisation over all pure two-mode Gaussian states -------------------------

def pure_state(m, p):
    """Pure two-mode covariance (vacuum 1) with det γ_A = m²: local symplectics (p: 5 numbers) on a TMSV."""
    sh = np.sqrt(max(m * m - 1.0, 0.0))
    T = np.block([[m * I2, sh * Z], [sh * Z, m * I2]])
    LA = rot(p[0]) @ np.diag([np.exp(p[1]), np.exp(-p[1])]) @ rot(p[2])
    LB = rot(p[3]) @ np.diag([np.exp(p[4]), np.exp(-p[4])])  # TMSV is invariant under R(φ) ⊕ R(−φ)
    L = blockdiag(LA, LB)
    return L @ T @ L.T


def best_fit(sigma, m, rng, starts=6, ladder=(0.0,)):
    """max over pure γ with det γ_A = m² of λ_min(σ − γ): ≥ 0 iff some pure γ ≤ σ (Nelder–Mead).

    ``ladder``: continuation from the fatter problems m(1 + s) down to m, warm-started, so that the thin
    feasible region just above the optimum is found reliably.
    """
    lo = [-np.pi, -1.5, -np.pi, -np.pi, -1.5]
    p_best, val = None, -np.inf
    for s in ladder:
        f = lambda p, mm=m * (1 + s): -np.linalg.eigvalsh(sigma - pure_state(mm, p))[0]  # noqa: E731
        starts_ = [p_best] if p_best is not None else [rng.uniform(lo, np.negative(lo)) for _ in range(starts)]
        res = min((minimize(f, p0, method="Nelder-Mead", options=dict(xatol=1e-10, fatol=1e-13, maxiter=3000))
                   for p0 in starts_), key=lambda r: r.fun)
        p_best, val = res.x, -res.fun
    return val, p_best


def check_against_search(V, delta, seed, ladder):
    sigma = 2 * V
    m = float(np.exp(M.renyi2_entanglement(V)))  # E_2 = ln m, m² = inf det γ_A
    rng = np.random.default_rng(seed)
    fit, p = best_fit(sigma, m * (1 + delta), rng, ladder=ladder)
    assert fit >= 0, f"no pure state with det γ_A = (m(1+{delta}))² found under σ: E_2 too small?"
    gamma = pure_state(m * (1 + delta), p)  # the certificate: pure, below σ, det γ_A as claimed
    np.testing.assert_allclose(np.linalg.eigvals(np.kron(I2, [[0, 1], [-1, 0]]) @ gamma).imag ** 2, 1.0, rtol=1e-9)
    assert np.linalg.eigvalsh(sigma - gamma)[0] >= 0
    below, _ = best_fit(sigma, m * (1 - delta), rng)
    assert below < 0, f"a pure state with det γ_A = (m(1-{delta}))² fits under σ: E_2 too large"


@pytest.mark.parametrize("k", [0, 1])
def test_agrees_with_minimisation_over_all_pure_states(k):
    """E_2 is bracketed within ±10⁻³ (in e^{E_2}) by the six-parameter search, on random asymmetric states."""
    seed, V = entangled_states(2)[k]
    a, b, _, _ = M.sigma_invariants(V)
    assert abs(a - b) > 0.1 * max(a, b)  # genuinely asymmetric
    check_against_search(V, 1e-3, seed, ladder=(0.3, 0.1, 0.03, 0.01, 0.003, 0.0))


@pytest.mark.slow
@pytest.mark.parametrize("k", range(8))
def test_agrees_with_minimisation_over_all_pure_states_tightly(k):
    seed, V = entangled_states(8)[k]
    check_against_search(V, 2e-4, seed, ladder=(0.3, 0.1, 0.03, 0.01, 0.003, 0.001, 3e-4, 0.0))


# --- closed forms ---------------------------------------------------------------------------------

R_VALUES = [0.05, 0.3, 0.8, 1.5]


@pytest.mark.parametrize("r", R_VALUES)
@pytest.mark.parametrize("N1,N2", [(0.1, 0.1), (0.7, 0.7), (2.0, 2.0), (0.1, 0.9), (0.5, 2.0), (2.0, 0.05), (3.0, 0.4)])
def test_squeezed_thermal_closed_form(r, N1, N2):
    V = sts(r, N1, N2)
    np.testing.assert_allclose(M.renyi2_entanglement(V), e2_squeezed_thermal(r, N1, N2), atol=1e-9)
    if N1 == N2:  # symmetric: E_2 = ln((1 + ν̃²)/(2ν̃)), ν̃ = (2N + 1)e^{−2r} (Adesso, Girolami & Serafini 2012)
        nu = (2 * N1 + 1) * np.exp(-2 * r)
        np.testing.assert_allclose(M.renyi2_entanglement(V), np.log((1 + nu**2) / (2 * nu)) if nu < 1 else 0.0, atol=1e-9)


@pytest.mark.parametrize("r", [0.3, 1.5, 2.5])
@pytest.mark.parametrize("N", [0.1, 2.0])
def test_squeezed_thermal_with_one_pure_mode(r, N):
    """n₁ = 1: the closed form gives ln cosh 2r whatever N₂ (σ ≥ the TMSV it came from, which is optimal).

    E_2 has an infinite slope in n₁ at n₁ = 1 (√(n₁² − 1) in the closed form), so rounding of V at the
    10⁻¹⁶ level moves it by ~10⁻⁸·e^{2r}: hence the looser tolerance here.
    """
    for V in (sts(r, 0.0, N), sts(r, N, 0.0)):
        np.testing.assert_allclose(M.renyi2_entanglement(V), np.log(np.cosh(2 * r)), rtol=1e-5)


def test_pure_states_give_the_renyi2_entropy_of_a_mode():
    """Pure state: E_2 = ½ ln det σ_A (the Rényi-2 entropy of either mode) = ln cosh 2r; also = steering."""
    rng = np.random.default_rng(3)
    for _ in range(20):
        r = rng.uniform(0.0, 2.0)
        L = blockdiag(random_symplectic(rng, 1, 0.8), random_symplectic(rng, 1, 0.8))
        V = L @ sts(r) @ L.T
        e2 = M.renyi2_entanglement(V)
        np.testing.assert_allclose(e2, np.log(np.cosh(2 * r)), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(e2, 0.5 * np.log(4 * np.linalg.det(V[:2, :2])), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(M.steering(V), [e2, e2], rtol=1e-8, atol=1e-10)


def test_zero_on_product_states():
    rng = np.random.default_rng(7)
    for _ in range(5):
        V = blockdiag(physical_state(int(rng.integers(2**31)), 1), physical_state(int(rng.integers(2**31)), 1))
        assert M.renyi2_entanglement(V) == 0.0


# --- invariants -----------------------------------------------------------------------------------

@settings(max_examples=60, deadline=None)
@given(seeds)
def test_zero_exactly_on_separable_states_and_bounded(seed):
    """E_2 = 0 iff E_N = 0 (PPT is exact for two modes); and G^{A→B}, G^{B→A} ≤ E_2 ≤ E_N.

    The steering bound is Kogias et al., PRL 114, 060403 (2015); E_2 ≤ E_N holds on symmetric states
    (ln((1 + ν̃²)/2ν̃) ≤ −ln ν̃) and on every sample here.
    """
    V = physical_state(seed, 2)
    e2, en = M.renyi2_entanglement(V), M.log_negativity(V)
    assert (e2 == 0.0) == (en == 0.0)
    assert e2 <= en + 1e-12
    assert max(M.steering(V)) <= e2 + 1e-9


@settings(max_examples=40, deadline=None)
@given(seeds)
def test_standard_form_has_the_invariants(seed):
    V = physical_state(seed, 2)
    sa, sb, cp, cm = M.standard_form(V)
    a, b, c, d = M.sigma_invariants(V)
    W = np.array([[sa, 0, cp, 0], [0, sa, 0, cm], [cp, 0, sb, 0], [0, cm, 0, sb]]) / 2
    np.testing.assert_allclose(M.sigma_invariants(W), [a, b, c, d], rtol=1e-9)
    assert cp >= abs(cm)


def test_reduced_problem_has_no_better_point_than_the_curve():
    """Inside the reduction (γ = γ_x ⊕ γ_x⁻¹ with σ_p⁻¹ ≤ γ_x ≤ σ_x), 4·10⁵ random feasible γ_x never beat
    the one-angle curve that renyi2_entanglement minimises, and the best come within 1 %."""
    rng = np.random.default_rng(11)
    for _, V in entangled_states(3):
        sa, sb, cp, cm = (float(x) for x in M.standard_form(V))
        Q = np.array([[sa, cp], [cp, sb]])
        P = np.linalg.inv(np.array([[sa, cm], [cm, sb]]))
        w, U = np.linalg.eigh(Q - P)
        R = U @ np.diag(np.sqrt(np.clip(w, 0, None))) @ U.T
        n = 400_000  # γ_x = P + R K R, 0 ≤ K ≤ I: the whole feasible set, half of it on its boundary
        lam = rng.uniform(0, 1, (n, 2))
        lam[: n // 2, 1] = 1.0
        phi = rng.uniform(0, np.pi, n)
        c, s = np.cos(phi), np.sin(phi)
        K = np.empty((n, 2, 2))
        K[:, 0, 0] = lam[:, 0] * c * c + lam[:, 1] * s * s
        K[:, 1, 1] = lam[:, 0] * s * s + lam[:, 1] * c * c
        K[:, 0, 1] = K[:, 1, 0] = (lam[:, 0] - lam[:, 1]) * c * s
        G = P + R @ K @ R
        det_gamma_a = G[:, 0, 0] * G[:, 1, 1] / np.linalg.det(G)
        best = np.exp(2 * M.renyi2_entanglement(V))
        assert det_gamma_a.min() >= best * (1 - 1e-12)
        assert det_gamma_a.min() <= best * (1 + 1e-2)


def test_vectorized_mixed_stack():
    Vs = np.stack([sts(0.6, 0.1, 0.9), sts(0.05, 2.0, 2.0), physical_state(5, 2), sts(1.0, 0.3, 0.0)])
    out = M.renyi2_entanglement(Vs.reshape(2, 2, 4, 4))
    assert out.shape == (2, 2)
    np.testing.assert_allclose(out.ravel(), [M.renyi2_entanglement(V) for V in Vs], rtol=1e-12)
    assert out[0, 1] == 0.0


def test_optimal_pure_state_is_a_certificate():
    """The optimum behind E_2 is an explicit pure state γ ≤ σ (standard form) with ½ ln det γ_A = E_2: E_2 is
    attained, so it can only be too large, which the search above rules out from below."""
    Omega = np.kron(I2, [[0.0, 1.0], [-1.0, 0.0]])
    states = [V for _, V in entangled_states(6)] + [sts(0.6, 0.1, 0.9), sts(1.2, 3.0, 0.2)]
    sigma, gamma = M._renyi2_optimum(np.stack(states))
    for V, s, g in zip(states, sigma, gamma):
        np.testing.assert_allclose(M.symplectic_spectrum(s / 2), M.symplectic_spectrum(V), rtol=1e-10)  # same state
        np.testing.assert_allclose(np.abs(np.linalg.eigvals(Omega @ g).imag), 1.0, rtol=1e-10)  # pure
        assert np.linalg.eigvalsh(s - g)[0] >= -1e-12 * np.abs(s).max()  # γ ≤ σ
        np.testing.assert_allclose(0.5 * np.log(np.linalg.det(g[:2, :2])), M.renyi2_entanglement(V), rtol=1e-12)
