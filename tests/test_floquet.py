"""Floquet analysis and periodic steady states: parametric drive and a modulated optomechanical pump."""

import numpy as np
import pytest
import scipy.optimize

from cascom_sim.models.drives import combine
from cascom_sim.parameters import ModelOptions
from cascom_sim.presets import SINGLE_CAVITY_ENTANGLED as P
from cascom_sim.solvers.floquet import floquet, one_period
from cascom_sim.solvers.meanfield_dynamics import driven_system
from cascom_sim.solvers.timedep import evolve_driven, evolve_driven_ensemble, parametric_oscillator

W, G, N_TH = 1.0, 0.01, 2.0
THRESHOLD = 4 * G / W  # rotating-wave threshold of the spring modulation depth


def _max_multiplier(depth, method="ode"):
    s = parametric_oscillator(W, G, N_TH, depth)
    return np.max(np.abs(np.linalg.eigvals(one_period(s, s.period, np.zeros(0), method=method)[1])))


def test_parametric_multipliers_cross_the_unit_circle_at_the_analytic_threshold():
    assert _max_multiplier(0.9 * THRESHOLD) < 1 < _max_multiplier(1.1 * THRESHOLD)
    h = scipy.optimize.brentq(lambda x: _max_multiplier(x) - 1.0, 0.5 * THRESHOLD, 2 * THRESHOLD, xtol=1e-9)
    assert h == pytest.approx(THRESHOLD, rel=1e-2)
    # det Φ = e^{tr A · T} = e^{−2γT} for any depth (Liouville): an invariant of the monodromy
    s = parametric_oscillator(W, G, N_TH, 0.5 * THRESHOLD)
    phi = one_period(s, s.period, np.zeros(0))[1]
    assert np.linalg.det(phi) == pytest.approx(np.exp(-2 * G * s.period), rel=1e-9)
    # the midpoint-propagator fast path gives the same multipliers
    assert _max_multiplier(0.9 * THRESHOLD, "piecewise") == pytest.approx(_max_multiplier(0.9 * THRESHOLD), rel=1e-5)


def test_squeezing_below_threshold_approaches_the_3dB_limit():
    ratios = []
    for r in (0.5, 0.9, 0.98):
        f = floquet(parametric_oscillator(W, G, N_TH, r * THRESHOLD), pair=None, points=41)
        assert f.stable and f.closure < 1e-8
        ratio = float(np.mean(f.squeezed_variance())) / (N_TH + 0.5)
        assert ratio == pytest.approx(1 / (1 + r), rel=1e-2)  # rotating-wave prediction
        ratios.append(ratio)
    assert ratios[0] > ratios[1] > ratios[2] > 0.5
    assert ratios[2] < 0.51  # half the unmodulated variance at threshold: the 3 dB limit
    above = floquet(parametric_oscillator(W, G, N_TH, 1.05 * THRESHOLD), pair=None)
    assert not above.stable and above.covariances is None and above.max_multiplier > 1


@pytest.fixture(scope="module")
def modulated():
    """Power modulated at 2ω_m (depth 0.5) on the entangling single-cavity preset (η = 0)."""
    s = driven_system(P, ModelOptions(), combine(None, modulate=[f"power:0.5:{2 * float(P.omega_m)}"]))
    return s, floquet(s, ("a1", "b1"), points=41)


def test_modulated_pump_periodic_entanglement_exceeds_the_unmodulated(modulated):
    s, f = modulated
    assert f.stable and f.max_multiplier < 0.95
    assert f.closure < 1e-8
    assert f.E_N_max > 1.1 * f.unmodulated_E_N  # 0.098 vs 0.0826 (measured)
    assert f.unmodulated_E_N == pytest.approx(0.0826, abs=1e-3)


def test_periodic_state_equals_long_time_integration(modulated):
    s, f = modulated
    T = f.period
    k = 120  # periods: max |μ|^120 ≈ 3e-7
    t = np.concatenate([[0.0], k * T + f.times[::10]])
    ev = evolve_driven(s, t, pair=("a1", "b1"))
    rel = np.max(np.abs(ev.covariances[1:] - f.covariances[::10])) / np.max(np.abs(f.covariances))
    assert rel < 1e-5
    np.testing.assert_allclose(ev.means[1:], f.means[::10], rtol=0, atol=1e-6 * np.max(np.abs(f.means)))


def test_langevin_ensemble_interval_contains_the_periodic_E_N(modulated):
    s, f = modulated
    t = f.times[::4]
    ens = evolve_driven_ensemble(s, t, 32768, V0=f.covariances[0], y0=f.means[0], pair=("a1", "b1"), seed=3)
    en = f.E_N[::4]
    inside = (ens.E_N_ci[:, 0] <= en) & (en <= ens.E_N_ci[:, 1])
    assert inside.mean() >= 0.8  # 95 % intervals, pointwise (neighbouring times share trajectories)
    k = int(np.argmax(en))
    assert ens.E_N_ci[k, 0] <= en[k] <= ens.E_N_ci[k, 1]


def test_time_dependent_master_equation_reaches_the_periodic_state():
    """Small case (ω_m/2π = 1 MHz, n_m = 0.13, power modulated at 2ω_m with depth 1): mesolve with a QobjEvo
    Hamiltonian from the product state converges to the Floquet periodic state, whose max E_N is more than
    twice the unmodulated value."""
    pytest.importorskip("qutip")
    from cascom_sim.gaussian.covariance import log_negativity
    from cascom_sim.report.me_cases import ME_BASE
    from cascom_sim.solvers.master_timedep import master_driven_evolution

    s = driven_system(ME_BASE, ModelOptions(), combine(None, modulate=[f"power:1.0:{2 * ME_BASE.omega_m}"]))
    f = floquet(s, ("a1", "b1"), points=21)
    assert f.E_N_max > 2 * f.unmodulated_E_N  # 0.1215 vs 0.0528 (measured)
    k = 20  # periods: max |μ|^20 ≈ 2e-4
    t = np.concatenate([[0.0], k * f.period + f.times])
    V = master_driven_evolution(s, t, ("a1", "b1"), (6, 9), (0.0, float(ME_BASE.n_m)), y0=f.means[0],
                                grid_points=200 * k + 1)
    en = log_negativity(V[1:], (0, 1))
    np.testing.assert_allclose(en, f.E_N, rtol=0, atol=5e-5)  # measured 5.6e-6 at cutoffs (6, 9)
