"""QuTiP master equation vs the Gaussian solvers, on small-occupation cases (cascom_sim.report.me_cases)."""

import numpy as np
import pytest
from strategies import physical_model

from cascom_sim import LindbladModel, ParameterError, Parameters, UnphysicalModelError, paper_model
from cascom_sim.gaussian.covariance import log_negativity
from cascom_sim.models.engine import drift_and_diffusion
from cascom_sim.report.me_cases import (
    cascade_downstream_mirror,
    cascade_upstream_mirror,
    paper_cos_phi_zero,
    single_cavity,
)
from cascom_sim.solvers.dynamics import propagate_covariance
from cascom_sim.solvers.master import lindblad_from_langevin, master_evolution, master_steady_state, restrict


@pytest.mark.parametrize("seed", range(5))
def test_lindblad_from_langevin_round_trip(seed):
    A, D = physical_model(seed)
    m = lindblad_from_langevin(A, D)
    A2, D2 = m.drift_and_diffusion()
    np.testing.assert_allclose(A2, A, atol=1e-10 * np.max(np.abs(A)))
    np.testing.assert_allclose(D2, D, atol=1e-10 * np.max(np.abs(D)))


def test_no_master_equation_for_the_papers_cascade():
    m = paper_model(Parameters(eta=1.0, phi_pi=0.8))
    with pytest.raises(UnphysicalModelError, match="no master equation exists"):
        lindblad_from_langevin(m.drift, m.diffusion)


def test_restrict_refuses_coupled_modes():
    m = paper_model(Parameters(eta=0.0))
    lind = lindblad_from_langevin(m.drift, m.diffusion)
    with pytest.raises(ParameterError, match="modes"):
        restrict(lind, ("a1",))  # a1 is coupled to b1


@pytest.mark.parametrize("case", [single_cavity, cascade_upstream_mirror, cascade_downstream_mirror])
def test_master_steady_state_converges_to_lyapunov(case):
    c = case()
    results = [master_steady_state(c.model, cut, c.lyapunov) for cut in c.cutoffs]
    diffs = [r.relative_difference for r in results]
    assert diffs[-1] <= 1e-3, diffs
    assert diffs[-1] < diffs[0] / 5  # convergence with the cutoff, not luck
    idx = [c.model.modes.index(m) for m in c.pair]
    en_ref = float(log_negativity(c.lyapunov, idx))
    assert en_ref > 0.005  # a case with something to compare
    assert results[-1].log_negativity(c.pair) == pytest.approx(en_ref, abs=1e-3)


def test_mesolve_follows_the_covariance_ode():
    c = single_cavity()
    times = np.linspace(0, 3e-6, 7)
    V0 = np.diag(np.repeat(np.array(c.initial_occupations) + 0.5, 2))
    exact = propagate_covariance(c.drift, c.diffusion, V0, times)
    me = master_evolution(c.model, (6, 9), c.initial_occupations, times)
    rel = np.linalg.norm(me - exact, axis=(1, 2)) / np.linalg.norm(exact, axis=(1, 2))
    assert np.max(rel) < 1e-3, rel


@pytest.mark.slow
def test_paper_model_at_cos_phi_zero_four_modes():
    c = paper_cos_phi_zero()
    r = master_steady_state(c.model, (4, 4, 5, 5), c.lyapunov)
    assert r.relative_difference < 1e-2


def test_engine_model_through_qutip_single_damped_mode_is_vacuum():
    l = np.array([[np.sqrt(1.0), 1j * np.sqrt(1.0)]])  # L = √2 a
    m = LindbladModel(hamiltonian=np.eye(2), jumps=l, modes=("a1",))
    r = master_steady_state(m, 4, np.eye(2) / 2)
    assert r.relative_difference < 1e-10
    A, D = drift_and_diffusion(m.hamiltonian, m.jumps)
    np.testing.assert_allclose(A, [[-1, 1], [-1, -1]], atol=1e-14)
