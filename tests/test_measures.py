"""Two-mode Gaussian measures against closed forms, independent constructions and invariants.

States are built in the package convention (vacuum variance 1/2); closed forms are quoted in the
σ = 2V convention of the references and converted here, independently of measures.py.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from strategies import physical_state, random_symplectic, seeds

from cascom_sim.gaussian import covariance
from cascom_sim.gaussian import measures as M

I2 = np.eye(2)
Z = np.diag([1.0, -1.0])


def blockdiag(A, B):
    return np.block([[A, np.zeros((2, 2))], [np.zeros((2, 2)), B]])


def two_mode_squeezer(r):
    return np.block([[np.cosh(r) * I2, np.sinh(r) * Z], [np.sinh(r) * Z, np.cosh(r) * I2]])


def sts(r, n1=0.0, n2=0.0):
    """Two-mode squeezed thermal state S(r) diag(n1+½, n1+½, n2+½, n2+½) S(r)ᵀ."""
    S = two_mode_squeezer(r)
    return S @ np.diag([n1 + 0.5, n1 + 0.5, n2 + 0.5, n2 + 0.5]) @ S.T


def loss_on_second(V, eta):
    K = blockdiag(I2, np.sqrt(eta) * I2)
    return K @ V @ K.T + blockdiag(0 * I2, (1 - eta) / 2 * I2)


def rot(t):
    return np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])


def f_entropy(nu):  # σ-convention entropy, written out again for the tests
    nu = np.asarray(nu, float)
    return np.where(nu > 1, (nu + 1) / 2 * np.log((nu + 1) / 2) - (nu - 1) / 2 * np.log(np.maximum(nu - 1, 1e-300) / 2),
                    0.0)


R_VALUES = [0.05, 0.3, 0.8, 1.5]


@pytest.mark.parametrize("r", R_VALUES)
def test_pure_tmsv_closed_forms(r):
    V = sts(r)
    n = np.cosh(2 * r)
    np.testing.assert_allclose(M.log_negativity(V), 2 * r, atol=1e-12)
    np.testing.assert_allclose(M.renyi2_entanglement(V), np.log(n), atol=1e-12)
    # steering of a pure state equals its Rényi-2 entanglement, both directions (Kogias et al.)
    np.testing.assert_allclose(M.steering(V), [np.log(n), np.log(n)], atol=1e-12)
    # pure state: discord = entanglement entropy = f(cosh 2r) both ways; mutual information twice that
    # (f has infinite slope at ν = 1: the pure state's ν± = 1 from the invariants carry ~√ε rounding,
    # which is why this tolerance is looser than the others)
    np.testing.assert_allclose(M.gaussian_discord(V), [f_entropy(n), f_entropy(n)], rtol=2e-5)
    np.testing.assert_allclose(M.mutual_information(V), 2 * f_entropy(n), rtol=2e-5)
    np.testing.assert_allclose(M.duan(V), np.exp(-2 * r), rtol=1e-12)


@pytest.mark.parametrize("r", R_VALUES)
@pytest.mark.parametrize("nth", [0.1, 0.7, 2.0])
def test_symmetric_squeezed_thermal(r, nth):
    V = sts(r, nth, nth)
    nu_t = (2 * nth + 1) * np.exp(-2 * r)  # smallest PT symplectic eigenvalue, σ-convention
    np.testing.assert_allclose(M.log_negativity(V), max(0.0, -np.log(nu_t)), atol=1e-12)
    np.testing.assert_allclose(M.log_negativity(V), covariance.log_negativity(V), atol=1e-12)
    e2 = np.log((1 + nu_t**2) / (2 * nu_t)) if nu_t < 1 else 0.0
    np.testing.assert_allclose(M.renyi2_entanglement(V), e2, atol=1e-12)
    np.testing.assert_allclose(M.duan(V), nu_t, rtol=1e-12)  # Duan is necessary and sufficient here
    # steering: ½ ln(det σ_A / det σ) with det σ = (2n+1)⁴
    a = ((2 * nth + 1) * np.cosh(2 * r)) ** 2
    g = max(0.0, 0.5 * np.log(a / (2 * nth + 1) ** 4))
    np.testing.assert_allclose(M.steering(V), [g, g], atol=1e-12)
    # mutual information: f(√a)·2 − 2 f(2n+1)
    np.testing.assert_allclose(M.mutual_information(V), 2 * f_entropy(np.sqrt(a)) - 2 * f_entropy(2 * nth + 1),
                               rtol=1e-9, atol=1e-13)


@pytest.mark.parametrize("eta", [0.2, 0.5, 0.8, 1.0])
def test_steering_is_one_way_with_loss_on_one_side(eta):
    """TMSV with loss η on mode 2: 1 steers 2 for every η > 0, 2 steers 1 only for η > 1/2.

    σ-convention closed forms: G12 = ln(n / (n(1−η) + η)), G21 = max(0, ln((ηn + 1 − η)/(n(1−η) + η))).
    """
    r = 0.9
    n = np.cosh(2 * r)
    V = loss_on_second(sts(r), eta)
    g12, g21 = M.steering(V)
    denom = n * (1 - eta) + eta
    np.testing.assert_allclose(g12, np.log(n / denom), rtol=1e-10)
    np.testing.assert_allclose(g21, max(0.0, np.log((eta * n + 1 - eta) / denom)), atol=1e-12)
    if eta < 0.5:
        assert g12 > 0.1 and g21 == 0.0
    # and it is still entangled throughout (E_N > 0): steering is stricter than entanglement
    assert float(M.log_negativity(V)) > 0


def _numerical_discord(V, n_theta=721):
    """Discord with measurement on mode 2 by brute force over pure Gaussian measurements (σ-convention).

    E = inf det(σ_A − σ_C (σ_B + σ_M)⁻¹ σ_Cᵀ) over σ_M = R diag(λ, 1/λ) Rᵀ on a dense grid (λ = 0 and ∞,
    homodyne, included).
    """
    s = 2 * V
    sa, sb, sc = s[:2, :2], s[2:, 2:], s[:2, 2:]
    best = np.inf
    for lam in np.concatenate([np.geomspace(1e-6, 1e6, 241)]):
        for t in np.linspace(0, np.pi, n_theta):
            R = rot(t)
            sm = R @ np.diag([lam, 1 / lam]) @ R.T
            e = sa - sc @ np.linalg.inv(sb + sm) @ sc.T
            best = min(best, np.linalg.det(e))
    a, b, c, d = M.sigma_invariants(V)
    nm, np_ = M.symplectic_spectrum(V)
    return f_entropy(np.sqrt(b)) - f_entropy(nm) - f_entropy(np_) + f_entropy(np.sqrt(best))


@pytest.mark.parametrize("case", ["sts_asym", "lossy", "thermal_mixed"])
def test_discord_matches_brute_force_measurement(case):
    V = {"sts_asym": sts(0.6, 0.3, 1.2), "lossy": loss_on_second(sts(0.7, 0.2, 0.2), 0.4),
         "thermal_mixed": physical_state(12345, 2)}[case]
    d2, d1 = M.gaussian_discord(V)
    np.testing.assert_allclose(d2, _numerical_discord(V), rtol=2e-3, atol=1e-6)
    P = np.block([[np.zeros((2, 2)), I2], [I2, np.zeros((2, 2))]])  # swap the modes
    np.testing.assert_allclose(d1, _numerical_discord(P @ V @ P.T), rtol=2e-3, atol=1e-6)


def test_everything_vanishes_on_product_states():
    rng = np.random.default_rng(7)
    for _ in range(5):
        VA = physical_state(int(rng.integers(2**31)), 1)
        VB = physical_state(int(rng.integers(2**31)), 1)
        V = blockdiag(VA, VB)
        for f in (M.log_negativity, M.mutual_information):
            np.testing.assert_allclose(f(V), 0.0, atol=1e-12)
        np.testing.assert_allclose(M.steering(V), [0.0, 0.0], atol=1e-12)
        np.testing.assert_allclose(M.gaussian_discord(V), [0.0, 0.0], atol=1e-10)
        assert float(M.duan(V)) >= 1 - 1e-12
        assert float(M.simon(V)) >= -1e-12
    V = blockdiag(np.eye(2) * 0.9, np.eye(2) * 0.9)  # symmetric product: E_2 defined and 0
    np.testing.assert_allclose(M.renyi2_entanglement(V), 0.0, atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(seeds)
def test_simon_is_the_pt_spectrum_product_and_agrees_with_E_N(seed):
    V = physical_state(seed, 2)
    nm, np_ = M.pt_symplectic_spectrum(V)  # σ-convention
    s = M.simon(V)
    if np.linalg.det(V[:2, 2:]) < 0:  # then Simon's |det C| form is the PT spectrum's product
        np.testing.assert_allclose(s, (nm**2 / 4 - 0.25) * (np_**2 / 4 - 0.25), rtol=1e-8, atol=1e-10)
    assert (s < -1e-10) == (float(M.log_negativity(V)) > 1e-10) or abs(s) < 1e-9


@settings(max_examples=40, deadline=None)
@given(seeds)
def test_invariant_under_local_symplectics(seed):
    """E_N, E_2, steering, discord, mutual information and Simon's expression are local-symplectic invariants."""
    rng = np.random.default_rng(seed)
    V = physical_state(seed, 2)
    L = blockdiag(random_symplectic(rng, 1, 0.8), random_symplectic(rng, 1, 0.8))
    W = L @ V @ L.T
    for f in (M.log_negativity, M.mutual_information):
        np.testing.assert_allclose(f(W), f(V), rtol=1e-7, atol=1e-9)
    for f in (M.steering, M.gaussian_discord):
        np.testing.assert_allclose(f(W), f(V), rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(M.simon(W), M.simon(V), rtol=1e-6, atol=1e-9)
    # E_2 varies like a square root near a symplectic eigenvalue 1 (tests/test_measures_renyi2.py): looser
    np.testing.assert_allclose(M.renyi2_entanglement(W), M.renyi2_entanglement(V), rtol=1e-6, atol=1e-8)
    # Duan's minimum is over local rotations: invariant under those
    Rl = blockdiag(rot(rng.uniform(0, 6.3)), rot(rng.uniform(0, 6.3)))
    np.testing.assert_allclose(M.duan(Rl @ V @ Rl.T), M.duan(V), rtol=1e-10)


def test_duan_minimum_over_rotations_by_brute_force():
    V = physical_state(99, 2)
    th = np.linspace(0, 2 * np.pi, 361)
    best = np.inf
    for t1 in th:
        for t2 in th[::4]:
            R = blockdiag(rot(t1), rot(t2))
            W = R @ V @ R.T
            u = np.array([1, 0, 1, 0.0])
            v = np.array([0, 1, 0, -1.0])
            best = min(best, (u @ W @ u + v @ W @ v) / 2)
    np.testing.assert_allclose(M.duan(V), best, rtol=1e-4)


def test_squeezing_in_db():
    r = 0.4
    V = blockdiag(rot(0.3) @ np.diag([np.exp(-2 * r), np.exp(2 * r)]) / 2 @ rot(0.3).T, np.eye(2) * 1.5)
    s1, s2 = M.squeezing_db(V)
    np.testing.assert_allclose(s1, -20 * r / np.log(10), rtol=1e-12)
    np.testing.assert_allclose(s2, 10 * np.log10(3.0), rtol=1e-12)


def test_vectorized_over_stacks():
    Vs = np.stack([sts(r, 0.2, 0.5) for r in R_VALUES]).reshape(2, 2, 4, 4)
    out = M.evaluate_measures(Vs, list(M.MEASURES))
    for name, arr in out.items():
        assert arr.shape == (2, 2), name
        np.testing.assert_allclose(arr[1, 0], M.evaluate_measures(Vs[1, 0], list(M.MEASURES))[name], rtol=1e-12)
