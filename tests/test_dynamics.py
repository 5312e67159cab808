import numpy as np
import pytest

from cascom_sim import ModelOptions, Parameters, build_model, steady_state
from cascom_sim.gaussian.lyapunov import solve_lyapunov
from cascom_sim.presets import SINGLE_CAVITY_ENTANGLED as CASE
from cascom_sim.solvers.dynamics import (
    BLOCK,
    evolve_covariance,
    evolve_ensemble,
    initial_covariance,
    propagate_covariance,
    step_propagator,
)

PAIR = ("a1", "b1")


@pytest.fixture(scope="module")
def model():
    return build_model(CASE)


@pytest.fixture(scope="module")
def lyap():
    return steady_state(CASE, pair=PAIR)


def test_exact_matches_solve_ivp(model):
    V0 = initial_covariance(CASE)
    t = np.linspace(0, 2e-7, 21)  # ~60/κ: the ODE solver can follow it
    exact = evolve_covariance(model, t, V0, PAIR)
    ode = evolve_covariance(model, t, V0, PAIR, method="ode")
    scale = np.max(np.abs(exact.covariances), axis=(1, 2))[:, None, None]
    np.testing.assert_allclose(exact.covariances / scale, ode.covariances / scale, atol=1e-7)


@pytest.mark.parametrize("h", [1e-9, 1e-7, 1e-5, 3e-4])
def test_van_loan_doubling_equals_lyapunov_form(model, h):
    A, D = model.drift, model.diffusion
    V_inf = solve_lyapunov(A, D)
    phi1, Q1 = step_propagator(A, D, h, V_inf)
    phi2, Q2 = step_propagator(A, D, h, None)
    np.testing.assert_allclose(phi2, phi1, atol=1e-9 * max(1, np.max(np.abs(phi1))))
    np.testing.assert_allclose(Q2, Q1, atol=1e-8 * np.max(np.abs(V_inf)))


def test_covariance_reaches_lyapunov_after_several_damping_times(model, lyap):
    g = float(CASE.gamma_m_rad)
    t = np.linspace(0, 8 / g, 400)  # κ/γ_m ≈ 2·10⁴: steps far beyond 1/κ are exact
    ev = evolve_covariance(model, t, initial_covariance(CASE), PAIR)
    rel = np.linalg.norm(ev.covariance_final - lyap.covariance) / np.linalg.norm(lyap.covariance)
    assert rel < 1e-8
    assert ev.stationary_E_N == pytest.approx(lyap.E_N, rel=1e-12)
    assert ev.metrics.convergence_time is not None and ev.metrics.birth_time is not None
    assert ev.metrics.bona_fide_until is None and ev.bona_fide.all()
    # without V∞ (Van Loan path) the same trajectory
    Vs = propagate_covariance(model.drift, model.diffusion, initial_covariance(CASE), t, None)
    np.testing.assert_allclose(Vs[-1], ev.covariance_final, rtol=1e-7, atol=1e-9)


def test_unstable_case_reports_divergence_and_rate():
    p = Parameters(detuning=1.4, dtheta_pi=0.25, phi_pi=0.8)  # the paper's Fig. 2(a) point
    m = build_model(p)
    t = np.linspace(0, 5e-8, 11)
    ev = evolve_covariance(m, t, initial_covariance(p))
    assert not ev.stable and ev.stationary_E_N is None
    rate = ev.metrics.growth_rate
    assert rate == pytest.approx(0.618034 * float(p.kappa_rad), rel=1e-4)
    # ‖V(t)‖ grows like e^{2λt} once the growing mode dominates
    n = np.linalg.norm(ev.covariances, axis=(1, 2))
    slope = np.polyfit(t[5:], np.log(n[5:]), 1)[0]
    assert slope == pytest.approx(2 * rate, rel=0.02)


def test_unphysical_model_reports_first_violation_time():
    # stable in the literal reading at φ = 0.6π, but the noise is unphysical (η = 1, cos φ ≠ 0)
    p = Parameters(detuning=1.5, dtheta_pi=0.1, phi_pi=0.6)
    opts = ModelOptions(units="literal")
    s = steady_state(p, opts)
    assert s.stable and not s.noise_physical and not s.bona_fide
    m = build_model(p, opts)
    t = np.linspace(0, 4e-8, 401)
    ev = evolve_covariance(m, t, initial_covariance(p))
    tv = ev.metrics.bona_fide_until
    assert tv is not None and 0 < tv < t[-1]
    assert ev.bona_fide[0] and not ev.bona_fide[-1]


def test_ensemble_interval_contains_lyapunov_and_shrinks_like_inverse_sqrt_n(model, lyap):
    g = float(CASE.gamma_m_rad)
    t = np.linspace(0, 3 / g, 4)  # exact OU: large steps are exact
    V0 = initial_covariance(CASE)
    widths = []
    for n in (4000, 16000):
        ens = evolve_ensemble(model, t, V0, n, seed=7, pair=PAIR)
        lo, hi = ens.E_N_ci[-1]
        assert lo <= lyap.E_N <= hi
        widths.append(hi - lo)
    # 4× the trajectories → half the width (jackknife with 16 groups: allow ±35 %)
    assert 1.3 < widths[0] / widths[1] < 2.7


def test_ensemble_reproducible_and_independent_of_workers(model):
    t = np.linspace(0, 1e-6, 3)
    V0 = initial_covariance(CASE)
    n = BLOCK + 100  # two blocks, the second partial
    a = evolve_ensemble(model, t, V0, n, seed=3, pair=PAIR)
    b = evolve_ensemble(model, t, V0, n, seed=3, pair=PAIR, workers=2)
    c = evolve_ensemble(model, t, V0, n, seed=4, pair=PAIR)
    np.testing.assert_array_equal(a.covariances, b.covariances)
    assert not np.array_equal(a.covariances, c.covariances)


def test_euler_moment_recursion_converges_at_order_one(model):
    """Euler–Maruyama's covariance obeys V ← (I+Ah)V(I+Ah)ᵀ + hD; its error halves with h."""
    A, D = model.drift, model.diffusion
    V0 = initial_covariance(CASE)
    T = 2e-8
    exact = propagate_covariance(A, D, V0, [0.0, T])[-1]
    errs = []
    for n in (1600, 3200, 6400):
        h = T / n
        M = np.eye(8) + A * h
        V = V0.copy()
        for _ in range(n):
            V = M @ V @ M.T + h * D
        errs.append(np.linalg.norm(V - exact) / np.linalg.norm(exact))
    assert errs[0] / errs[1] == pytest.approx(2, rel=0.1)
    assert errs[1] / errs[2] == pytest.approx(2, rel=0.1)


def test_euler_ensemble_agrees_with_exact_within_statistics(model):
    """At h = 5e-12 s (ω h ≈ 3e-3) Euler–Maruyama's O(h) energy inflation, ≈ e^{ω²hT} − 1 ≈ 3 %,
    is below the sampling error of 8000 trajectories; at 400 substeps it is ≈ 40 % and visible."""
    t = np.array([0.0, 2e-8])
    V0 = initial_covariance(CASE)
    exact = evolve_covariance(model, t, V0, PAIR)
    fine = evolve_ensemble(model, t, V0, 8000, seed=11, pair=PAIR, method="euler", substeps=4000)
    coarse = evolve_ensemble(model, t, V0, 8000, seed=11, pair=PAIR, method="euler", substeps=400)
    ou = evolve_ensemble(model, t, V0, 8000, seed=11, pair=PAIR, method="langevin")
    for ens in (fine, ou):
        np.testing.assert_allclose(ens.occupations[-1], exact.occupations[-1], rtol=0.08, atol=0.02)
        lo, hi = ens.E_N_ci[-1]
        assert lo - 5e-3 <= exact.E_N[-1] <= hi + 5e-3
    assert np.all(coarse.occupations[-1, 2:] > 1.3 * exact.occupations[-1, 2:])


def test_bad_ensemble_arguments(model):
    from cascom_sim import ParameterError

    with pytest.raises(ParameterError, match="trajectories"):
        evolve_ensemble(model, [0, 1e-6], initial_covariance(CASE), 5)
    with pytest.raises(ParameterError, match="times"):
        evolve_covariance(model, [0, 2e-6, 1e-6], initial_covariance(CASE))
