"""Every solver takes any linear model, on its own mode names."""

import numpy as np
import pytest

import cascom_sim as cs
from cascom_sim import LindbladModel, LinearModel, ParameterError, log_negativity, steady_state
from cascom_sim.gaussian.covariance import thermal_covariance
from cascom_sim.models.engine import hamiltonian_from_ladder, ladder_to_quadrature_vector
from cascom_sim.solvers.dynamics import evolve_covariance, evolve_ensemble

MODES3 = ("cav", "m_left", "m_right")


def reservoir_model(G=0.2, r=0.5, kappa=1.0, gamma=1e-3, n_th=0.1) -> LindbladModel:
    """One cavity cooling the Bogoliubov mode cosh r·b1 + sinh r·b2† of two mirrors (dimensionless rates)."""
    Gp, Gm = G * np.cosh(r), G * np.sinh(r)
    M = np.zeros((6, 6), complex)
    a, ad, b1, b1d, b2, b2d = range(6)
    for i, j, g in ((a, b1, Gp), (b1d, ad, Gp), (a, b2d, Gm), (b2, ad, Gm)):
        M[i, j] += g
        M[j, i] += np.conj(g)
    jumps = [ladder_to_quadrature_vector(v) for v in (
        [np.sqrt(2 * kappa), 0, 0, 0, 0, 0],
        [0, 0, np.sqrt(2 * gamma * (n_th + 1)), 0, 0, 0], [0, 0, 0, np.sqrt(2 * gamma * n_th), 0, 0],
        [0, 0, 0, 0, np.sqrt(2 * gamma * (n_th + 1)), 0], [0, 0, 0, 0, 0, np.sqrt(2 * gamma * n_th)])]
    return LindbladModel(hamiltonian=hamiltonian_from_ladder(M), jumps=np.array(jumps), modes=MODES3)


def test_lindblad_model_converts_and_keeps_its_modes():
    lind = reservoir_model()
    m = LinearModel.from_lindblad(lind)
    assert m.modes == MODES3 and m.label == "user" and m.lindblad is lind
    A, D = lind.drift_and_diffusion()
    np.testing.assert_array_equal(m.drift, A)
    np.testing.assert_array_equal(m.diffusion, D)


def test_steady_state_of_a_user_model_uses_its_mode_names():
    lind = reservoir_model()
    s = steady_state(lind, pair=("m_left", "m_right"))
    assert s.model.label == "user" and s.modes == MODES3 and s.pair == ("m_left", "m_right")
    V = cs.solve_lyapunov(*lind.drift_and_diffusion())
    # independent: the block of modes 1, 2 by number
    assert s.E_N == pytest.approx(float(log_negativity(V, (1, 2))), abs=1e-12)
    assert s.E_N == pytest.approx(s.E_N_symplectic, abs=1e-9)
    assert 0.5 < s.E_N < 1.0  # below the ideal 2r = 1 because of the thermal baths
    assert s.occupations.shape == (3,)
    with pytest.raises(ParameterError, match="cav, m_left, m_right"):
        steady_state(lind, pair=("m_left", "b9"))
    with pytest.raises(ParameterError, match="no default pair"):
        steady_state(lind)


def test_log_negativity_honours_the_pair_on_two_modes():
    r = 0.4
    c, s = np.cosh(2 * r) / 2, np.sinh(2 * r) / 2
    V = np.array([[c, 0, s, 0], [0, c, 0, -s], [s, 0, c, 0], [0, -s, 0, c]])
    assert float(log_negativity(V)) == pytest.approx(2 * r, abs=1e-12)
    assert float(log_negativity(V, (1, 0))) == pytest.approx(2 * r, abs=1e-12)
    assert float(log_negativity(V, ("y", "x"), modes=("x", "y"))) == pytest.approx(2 * r, abs=1e-12)
    with pytest.raises(ParameterError, match="m1, m2"):
        log_negativity(V, ("b1", "b2"))
    with pytest.raises(ParameterError, match="pair"):
        log_negativity(V, (0, 0))


def test_evolve_covariance_and_ensemble_on_three_named_modes(tmp_path):
    lind = reservoir_model()
    V0 = thermal_covariance([0.0, 0.1, 0.1])
    t = np.linspace(0, 200.0, 41)
    ev = evolve_covariance(lind, t, V0, pair=("m_left", "m_right"))
    assert ev.modes == MODES3 and ev.occupations.shape == (41, 3)
    ode = evolve_covariance(lind, t, V0, pair=("m_left", "m_right"), method="ode")
    np.testing.assert_allclose(ev.covariances, ode.covariances, rtol=0, atol=1e-6)  # solve_ivp: ~5e-7 here
    # at long times the covariance approaches the Lyapunov solution
    assert ev.E_N[-1] == pytest.approx(ev.stationary_E_N, abs=2e-2)
    ens = evolve_ensemble(lind, t[::10], V0, 4096, seed=3, pair=("m_left", "m_right"))
    assert ens.modes == MODES3
    assert np.all(np.abs(ens.E_N - ev.E_N[::10]) < 0.05)
    from cascom_sim.report.plotting import plot_evolution

    assert plot_evolution(ev, tmp_path / "three.png").stat().st_size > 0
    with pytest.raises(ParameterError, match="6×6"):
        evolve_covariance(lind, t, np.eye(8) / 2, pair=("m_left", "m_right"))


def test_two_mode_model_evolves_and_plots(tmp_path):
    H = np.diag([1.0, 1.0, 1.0, 1.0])
    jumps = np.array([ladder_to_quadrature_vector([0.3, 0, 0, 0]), ladder_to_quadrature_vector([0, 0, 0.3, 0])])
    m = LinearModel.from_lindblad(LindbladModel(hamiltonian=H, jumps=jumps))
    assert m.modes == ("m1", "m2")
    ev = evolve_covariance(m, np.linspace(0, 5, 11), thermal_covariance([1.0, 2.0]))
    assert ev.pair == ("m1", "m2")
    # two uncoupled damped modes relax to vacuum: n(t) = n0 e^{-0.09 t} for |l|² = 0.09 (κ = 0.045)
    np.testing.assert_allclose(ev.occupations[:, 0], np.exp(-0.09 * ev.times), rtol=1e-10)
    from cascom_sim.report.plotting import plot_evolution

    assert plot_evolution(ev, tmp_path / "two.png").stat().st_size > 0


def test_json_names_the_models_modes():
    from cascom_sim.cli.steady import steady_json

    d = steady_json(steady_state(reservoir_model(), pair=("m_left", "m_right")))
    assert d["model"] == "user" and d["modes"] == list(MODES3)
    assert set(d["occupations"]) == set(MODES3) and d["parameters"] is None and d["alpha"] is None
    d = steady_json(steady_state(cs.Parameters(detuning=1.0)))
    assert d["model"] == "paper" and d["modes"] == ["a1", "a2", "b1", "b2"]


def test_master_equation_takes_a_linear_model():
    from cascom_sim.solvers.master import master_steady_state

    lind = reservoir_model(G=0.15, r=0.3, gamma=0.05, n_th=0.05)
    m = LinearModel.from_lindblad(lind)
    V = cs.solve_lyapunov(m.drift, m.diffusion)
    me = master_steady_state(m, (3, 5, 5), V)
    assert me.modes == MODES3
    assert me.relative_difference < 2e-2
    assert me.log_negativity(("m_left", "m_right")) == pytest.approx(
        float(log_negativity(V, ("m_left", "m_right"), MODES3)), abs=2e-2)
