"""Mean-field dynamics and fluctuations with a time-dependent drift."""

import numpy as np
import pytest

from cascom_sim.gaussian.lyapunov import solve_lyapunov
from cascom_sim.models import build_model
from cascom_sim.models.drives import Drive, Envelope, PumpDrive, ramp_drive
from cascom_sim.parameters import ModelOptions
from cascom_sim.presets import SINGLE_CAVITY_ENTANGLED as P
from cascom_sim.solvers.dynamics import initial_covariance, propagate_covariance
from cascom_sim.solvers.meanfield_dynamics import driven_system, evolve_mean_fields
from cascom_sim.solvers.timedep import (
    ModulatedModel,
    default_times,
    evolve_driven,
    interpolated_metrics,
)

PAIR = ("a1", "b1")


@pytest.mark.parametrize("params, options", [
    (P, ModelOptions()),
    (P, ModelOptions(bath="brownian")),
    (P.replace(eta=0.6, phi_pi=0.5), ModelOptions(model="two-channel")),
    (P.replace(eta=0.3, phi_pi=0.5, dtheta_pi=0.3), ModelOptions()),
])
def test_drift_at_the_steady_mean_is_the_models_drift_and_the_jacobian(params, options):
    s = driven_system(params, options)
    y = s.steady_means()
    A = build_model(params, options).drift
    np.testing.assert_allclose(s.drift(0.0, y), A, rtol=0, atol=1e-12 * np.max(np.abs(A)))
    # the steady mean is a fixed point of the nonlinear equations (relative to the size of the terms)
    scale = np.max(np.abs(A)) * np.max(np.abs(y))
    assert np.max(np.abs(s.rhs(0.0, y))) < 1e-12 * scale
    # A is the Jacobian of the mean-field equations (central differences, away from the steady state)
    y1 = 0.7 * y + 1.0
    h = 1e-3
    J = np.array([(s.rhs(0.0, y1 + h * e) - s.rhs(0.0, y1 - h * e)) / (2 * h) for e in np.eye(y.size)]).T
    np.testing.assert_allclose(J, s.drift(0.0, y1), rtol=0, atol=1e-7 * np.max(np.abs(A)))


def test_switch_on_reaches_the_steady_mean_fields_to_1e8():
    s = driven_system(P, ModelOptions(), ramp_drive(2e-8))
    tr = evolve_mean_fields(s, np.linspace(0.0, 1.0e-6, 11))
    rel = np.max(np.abs(tr.alpha[-1] - tr.steady_alpha)) / np.max(np.abs(tr.steady_alpha))
    assert rel < 1e-8
    beta_ss = s.model.mean_fields.beta
    assert np.max(np.abs(tr.beta[-1] - beta_ss)) / np.max(np.abs(beta_ss)) < 1e-8
    np.testing.assert_allclose(tr.detuning[-1], s.model.mean_fields.delta, rtol=1e-8)
    assert np.all(tr.alpha[0] == 0) and tr.power[0, 0] == 0.0


def test_constant_drift_reproduces_the_exact_quench():
    model = build_model(P)
    sys_ = ModulatedModel(model=model, drift_fn=lambda t: model.drift)
    t = np.linspace(0.0, 2e-7, 21)
    V0 = initial_covariance(P)
    exact = propagate_covariance(model.drift, model.diffusion, V0, t)
    for method, tol in (("ode", 1e-7), ("piecewise", 1e-10)):
        ev = evolve_driven(sys_, t, V0, PAIR, method=method)
        assert np.max(np.abs(ev.covariances - exact)) / np.max(np.abs(exact)) < tol, method


def test_piecewise_path_converges_to_the_ode_at_second_order():
    s = driven_system(P, ModelOptions(), ramp_drive(2e-8))
    t = np.linspace(0.0, 1e-7, 11)
    ref = evolve_driven(s, t, pair=PAIR).covariances
    errs = [np.max(np.abs(evolve_driven(s, t, pair=PAIR, method="piecewise", substeps=k).covariances - ref))
            for k in (8, 16)]
    assert 3.0 < errs[0] / errs[1] < 5.0  # midpoint rule: error ∝ h²
    assert errs[1] < 2e-3


def test_ramp_tends_to_lyapunov_as_tau_grows_and_to_the_step_as_tau_vanishes():
    s0 = driven_system(P, ModelOptions())
    V_L = solve_lyapunov(s0.model.drift, s0.model.diffusion)
    dist = []
    for tau in (2e-9, 1e-8, 5e-8):
        s = driven_system(P, ModelOptions(), ramp_drive(tau))
        ev = evolve_driven(s, [0.0, 12 * tau], pair=PAIR)  # pump at 1 − e^{−12} of its final power
        dist.append(np.max(np.abs(ev.covariance_final - V_L)) / np.max(np.abs(V_L)))
    assert dist[0] > dist[1] > dist[2]
    assert dist[2] < 2e-3
    # τ → 0: the ramp's V(t) tends to the step switch-on's, linearly in τ
    t = np.linspace(0.0, 6e-8, 7)
    step = evolve_driven(driven_system(P, ModelOptions(), ramp_drive(0.0)), t, pair=PAIR).covariances
    d = [np.max(np.abs(evolve_driven(driven_system(P, ModelOptions(), ramp_drive(tau)), t, pair=PAIR).covariances
                       - step)) for tau in (1e-10, 1e-11)]
    assert 7 < d[0] / d[1] < 13


def test_interpolated_metrics_find_crossings_between_samples():
    t = np.linspace(0.0, 1.0, 11)
    f = t - 0.33  # crosses zero at 0.33
    m = interpolated_metrics(t, f, tolerance=0.05)
    assert m.birth_time.value == pytest.approx(0.33, abs=1e-12)
    g = 1.0 - (t - 0.437) ** 2  # parabola: exact maximum recovered
    m = interpolated_metrics(t, g)
    assert m.time_of_max.value == pytest.approx(0.437, abs=1e-12)
    assert m.max_E_N.value == pytest.approx(1.0, abs=1e-12)
    decay = 0.1 + np.exp(-t / 0.1)
    m = interpolated_metrics(t, decay, tolerance=1e-2)
    # |E − E_final| = tolerance at t = 0.1·ln(1/(tol + e^{-10})) ≈ 0.4605, found by linear interpolation
    assert m.settling_time.value == pytest.approx(0.1 * np.log(1 / (1e-2 + np.exp(-10))), abs=0.02)


def test_default_grid_resolves_the_fastest_scale_and_spans_the_relaxation():
    A = build_model(P).drift
    t, info = default_times(A, ramp_drive(2e-8))
    lam = np.linalg.eigvals(A)
    assert t[-1] >= 12 / np.min(-lam.real)
    assert np.diff(t)[0] <= 2 * np.pi / np.max(np.abs(lam)) / 8 * (1 + 1e-12)
    assert info["resolved"] and t[-1] < 1e-6  # not 5/γ_m = 360 µs


def test_pulse_and_phase_drive_run_and_return_to_rest():
    d = Drive(pumps=(PumpDrive(envelope=(Envelope(kind="pulse", tau=5e-9, duration=5e-8),), phase_pi=0.3),))
    s = driven_system(P, ModelOptions(), d)
    tr = evolve_mean_fields(s, np.linspace(0.0, 0.8e-6, 5), rtol=1e-9)
    # pump 1 off again: cavity 1 empties; pump 2 (constant) fills cavity 2 to its steady value
    assert abs(tr.alpha[-1, 0]) < 1e-6 * np.max(np.abs(tr.alpha[:, 0]))
    np.testing.assert_allclose(tr.alpha[-1, 1], s.model.mean_fields.alpha[1], rtol=1e-7)


def test_a_model_with_its_own_mode_names_takes_a_drift_in_time():
    """Any LinearModel enters through ModulatedModel: two oscillators with a two-mode-squeezing coupling
    modulated at twice their frequency (a network without mean fields), E_N by the model's own names."""
    from cascom_sim.models import LinearModel
    from cascom_sim.models.drives import Modulation
    from cascom_sim.solvers.floquet import floquet

    w, g, k = 1.0, 0.05, 0.02
    A0 = np.array([[-g, w, 0, 0], [-w, -g, 0, 0], [0, 0, -g, w], [0, 0, -w, -g]])
    model = LinearModel(drift=A0, diffusion=g * np.eye(4), modes=("p", "q"), label="network")
    mod = Modulation(name="spring", depth=1.0, frequency=2 * w / (2 * np.pi))

    def drift(t):
        A = A0.copy()
        c = k * float(mod(t))
        A[1, 2] = A[3, 0] = -c  # Ẏ_p ∝ −X_q, Ẏ_q ∝ −X_p: a modulated position-position coupling
        return A

    sys_ = ModulatedModel(model=model, drift_fn=drift, drive=Drive(modulations=(mod,)), period=np.pi / w)
    f = floquet(sys_, ("p", "q"), points=21)
    assert f.stable and f.E_N_max > 0
    ev = evolve_driven(sys_, np.linspace(0.0, 60 * np.pi, 7), 0.5 * np.eye(4), ("p", "q"))
    np.testing.assert_allclose(ev.E_N, np.maximum(ev.E_N_formal, 0))
    assert ev.modes == ("p", "q")


def test_pump_frequency_offset_rotates_the_field_at_the_offset():
    """η = 0: a pump detuned by δf fills its cavity at a constant photon number whose phase turns at −2πδf."""
    df = 3e6
    d = Drive(pumps=(PumpDrive(frequency_offset=df),))
    s = driven_system(P, ModelOptions(), d)
    t = 1.0e-6 + np.array([0.0, 1e-8, 2e-8])
    tr = evolve_mean_fields(s, np.concatenate([[0.0], t]))
    a = tr.alpha[1:, 0]
    np.testing.assert_allclose(np.abs(a), np.abs(a[0]), rtol=1e-7)
    np.testing.assert_allclose(np.angle(a[1:] / a[:-1]), -2 * np.pi * df * 1e-8, rtol=1e-6)
    np.testing.assert_allclose(tr.alpha[-1, 1], s.model.mean_fields.alpha[1], rtol=1e-7)  # pump 2 unaffected
    assert d.period == pytest.approx(1 / df)


def test_network_switch_on_reaches_its_mean_fields_and_its_drift():
    """A 3-node chain (issue: networks with their own mean fields): A(y_steady) is the network model's drift, the
    Jacobian is A, and a switch-on relaxes to the network's steady mean fields."""
    from cascom_sim.models.network import Network
    from cascom_sim.solvers.meanfield_dynamics import driven_network

    net = Network.uniform(3, P.replace(kappa_r_fraction=0.5, kappa_l_fraction=0.5, eta=0.5, phi_pi=0.5),
                          channels="both")
    assert net.links[0].eta == 0.5  # the nodes are coupled both ways
    s = driven_network(net, ramp_drive(2e-8, n_pumps=3))
    y = s.steady_means()
    A = s.model.drift
    np.testing.assert_allclose(s.drift(0.0, y), A, rtol=0, atol=1e-12 * np.max(np.abs(A)))
    assert np.max(np.abs(s.rhs(1.0, y))) < 1e-12 * np.max(np.abs(A)) * np.max(np.abs(y))
    tr = evolve_mean_fields(s, np.linspace(0.0, 1.0e-5, 3))  # slowest rate 2.3e6 1/s: 23 relaxation times
    assert np.max(np.abs(tr.alpha[-1] - tr.steady_alpha)) / np.max(np.abs(tr.steady_alpha)) < 1e-8
