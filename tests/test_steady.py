import numpy as np
import pytest

from cascom_sim import ModelOptions, Parameters, solve_lyapunov, solve_lyapunov_reference, steady_state
from cascom_sim.solvers.steady import steady_states_from_bare_detuning


@pytest.mark.parametrize("bath", ["paper", "brownian"])
def test_zero_coupling_limit_is_vacuum_and_thermal(bath):
    p = Parameters(power=0.0, eta=0.0, temperature=0.2, gamma_m=1e5)
    s = steady_state(p, ModelOptions(bath=bath))
    n = float(p.n_m)
    assert s.stable and s.bona_fide
    np.testing.assert_allclose(s.covariance, np.diag([0.5] * 4 + [n + 0.5] * 4), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(s.occupations, [0, 0, n, n], atol=1e-9 * n)
    assert s.E_N == 0.0
    assert s.noise_physical == (bath == "paper")  # quantum Brownian motion is not of Lindblad form


def test_zero_temperature_zero_coupling_is_pure():
    s = steady_state(Parameters(power=0.0, eta=0.0, temperature=0.0))
    np.testing.assert_allclose(s.purities, 1.0, rtol=1e-9)


def test_papers_fig2a_point_is_unstable_and_unphysical():
    """Fig. 2(a) point (Δ/ω_m = 1.4, Δθ = 0.25π, φ = 0.8π, η = 1) in both readings.

    The optical block alone has eigenvalues −(iΔ+κ) ± 2κ e^{iφ}; since 2|cos 0.8π| = 1.618 > 1
    one of them grows at (1.618 − 1)κ: no steady state, whatever Δ, Δθ or P.
    """
    for units in ("consistent", "literal"):
        s = steady_state(Parameters(detuning=1.4, dtheta_pi=0.25, phi_pi=0.8), ModelOptions(units=units))
        assert not s.stable
        assert s.stability.agree
        assert s.E_N is None and s.covariance is None
        assert not s.noise_physical
        assert s.stability.max_re_eigenvalue > 0.5 * float(Parameters().kappa_rad)


def test_stable_entangled_optomechanical_pair():
    """Single cavity (η = 0), red-detuned, strong coupling: E_N(a1, b1) > 0 (Vitali et al. 2007 regime)."""
    from cascom_sim.presets import SINGLE_CAVITY_ENTANGLED

    s = steady_state(SINGLE_CAVITY_ENTANGLED, pair=("a1", "b1"))
    assert s.stable and s.bona_fide and s.noise_physical
    assert s.E_N == pytest.approx(0.0826, abs=5e-4)
    assert s.E_N == pytest.approx(s.E_N_symplectic, abs=1e-9)
    assert s.lyapunov_residual < 1e-12


def test_lyapunov_batched_matches_scipy(rng):
    from cascom_sim import paper_model

    p = Parameters(eta=rng.uniform(0, 0.2, 50), phi_pi=rng.uniform(0, 2, 50), detuning=rng.uniform(0.5, 2, 50))
    m = paper_model(p)
    A, D = m.drift, m.diffusion
    np.testing.assert_allclose(solve_lyapunov(A, D), solve_lyapunov_reference(A, D), rtol=1e-9,
                               atol=1e-9 * np.max(np.abs(solve_lyapunov_reference(A, D))))


def test_bistable_branches_report_stability():
    branches = steady_states_from_bare_detuning(Parameters(eta=0.0, mass=1e-19), 2.0, pair=("a1", "b1"))
    assert len(branches) == 9
    # the middle root of each cavity's cubic is unstable (negative slope of the S-curve)
    assert any(not b.stable for b in branches)
    assert all((b.E_N is None) == (not b.stable or not b.bona_fide) for b in branches)


def test_pair_validation():
    from cascom_sim import ParameterError

    with pytest.raises(ParameterError):
        steady_state(pair=("b1", "b1"))
    with pytest.raises(ParameterError):
        steady_state(pair=("b1", "c3"))


def test_symmetric_operator_fast_path_matches_reference(rng):
    from cascom_sim.gaussian.lyapunov import _symmetric_operator, _symmetric_operator_reference

    A = rng.normal(size=(5, 8, 8))
    np.testing.assert_allclose(_symmetric_operator(A), _symmetric_operator_reference(A), rtol=0, atol=1e-13)
