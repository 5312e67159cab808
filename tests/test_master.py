"""QuTiP master equation vs the Gaussian solvers, on small-occupation cases (cascom_sim.report.me_cases)."""

import numpy as np
import pytest
from strategies import physical_model

from cascom_sim import LindbladModel, ParameterError, Parameters, UnphysicalModelError, paper_model
from cascom_sim.errors import BudgetError, SolverError
from cascom_sim.gaussian.covariance import log_negativity
from cascom_sim.models.engine import drift_and_diffusion
from cascom_sim.report.me_cases import (
    cascade_downstream_mirror,
    cascade_four_modes,
    cascade_upstream_mirror,
    paper_cos_phi_zero,
    single_cavity,
)
from cascom_sim.solvers.dynamics import propagate_covariance
from cascom_sim.solvers.master import (
    check_budget,
    convergence_steps,
    cutoff_convergence,
    default_cutoffs,
    estimate_cost,
    fock_operators,
    lindblad_from_langevin,
    master_evolution,
    master_steady_state,
    predicted_top_population,
    required_modes,
    restrict,
)


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


# --------------------------------------------------------------------------- Fock build from ladder operators
ISSUE_POINT = dict(eta=0.0, detuning=1.0, length=1e-4, power=0.05, temperature=1e-3)
ISSUE_ARGS = ["--set", "eta=0", "--set", "detuning=1.0", "--set", "length=1e-4", "--set", "power=0.05",
              "--set", "temperature=1e-3", "--pair", "a1,b1"]


def _issue_case():
    from cascom_sim.gaussian.covariance import reduce_modes
    from cascom_sim.solvers.steady import steady_state

    s = steady_state(Parameters(**ISSUE_POINT), pair=("a1", "b1"))
    keep = required_modes(s.drift, s.model.modes, ("a1", "b1"))
    return s, keep, restrict(lindblad_from_langevin(s.drift, s.diffusion), keep), reduce_modes(s.covariance, keep)


def test_ladder_build_reaches_lyapunov_at_cutoffs_4_4():
    # The quadrature-product build gave 6.7e-2 (E_N 0.0147) here; a ladder build with a quadrature read-out
    # 7.0e-4 (E_N 0.0294).  Normal-ordered operators and moments do better still.
    s, keep, lind, ref = _issue_case()
    assert keep == ("a1", "b1")
    r = master_steady_state(lind, (4, 4), ref)
    assert r.relative_difference < 2e-4, r
    assert r.log_negativity(("a1", "b1")) == pytest.approx(s.E_N, abs=5e-5)
    assert s.E_N == pytest.approx(0.029278, abs=1e-6)


def test_truncated_operators_equal_truncation_of_larger_build():
    # Normal ordering makes the cutoff the only approximation: the (3,4) operators are the (6,7) ones
    # restricted to the first levels of each mode.
    _, _, lind, _ = _issue_case()
    small, big = fock_operators(lind, (3, 4)), fock_operators(lind, (6, 7))
    keep = [i * 7 + j for i in range(3) for j in range(4)]
    np.testing.assert_allclose(small.hamiltonian.full(), big.hamiltonian.full()[np.ix_(keep, keep)], atol=1e-12)
    for cs, cb in zip(small.c_ops, big.c_ops):
        np.testing.assert_allclose(cs.full(), cb.full()[np.ix_(keep, keep)], atol=1e-12)


def test_required_modes_and_exact_marginal():
    from cascom_sim import ModelOptions
    from cascom_sim.gaussian.covariance import reduce_modes
    from cascom_sim.gaussian.lyapunov import solve_lyapunov
    from cascom_sim.solvers.steady import steady_state

    m = paper_model(Parameters(eta=0.0))
    assert required_modes(m.drift, m.modes, ("a1", "b1")) == ("a1", "b1")
    assert required_modes(m.drift, m.modes, ("b1", "b2")) == ("a1", "a2", "b1", "b2")
    # a one-way cascade (κ_L = 0): the upstream pair is not driven by the downstream cavity, whatever the
    # noise; the downstream pair needs everything; with both directions everything is coupled
    p = Parameters(eta=0.8, phi_pi=0.3, temperature=1e-3, kappa_l_fraction=0.0, kappa_r_fraction=1.0)
    s = steady_state(p, ModelOptions(model="two-channel"), ("a1", "b1"))
    keep = required_modes(s.drift, s.model.modes, ("a1", "b1"))
    assert keep == ("a1", "b1")
    assert required_modes(s.drift, s.model.modes, ("a2", "b2")) == ("a1", "a2", "b1", "b2")
    both = steady_state(p.replace(kappa_l_fraction=0.5, kappa_r_fraction=0.5), ModelOptions(model="two-channel"))
    assert required_modes(both.drift, both.model.modes, ("a1", "b1")) == ("a1", "a2", "b1", "b2")
    sub = restrict(s.model.lindblad, keep)
    A, D = sub.drift_and_diffusion()
    V = solve_lyapunov(A, D)
    np.testing.assert_allclose(V, reduce_modes(s.covariance, keep), rtol=1e-9, atol=1e-12)


def test_solvers_agree_and_chain_falls_back():
    _, _, lind, ref = _issue_case()
    direct = master_steady_state(lind, (4, 5), ref, solver="direct")
    for name in ("lgmres", "gmres", "evolution"):
        r = master_steady_state(lind, (4, 5), ref, solver=name)
        assert r.solver == name
        np.testing.assert_allclose(r.covariance, direct.covariance, rtol=0, atol=1e-6 * np.abs(ref).max())
    r = master_steady_state(lind, (4, 5), ref, solver="lgmres,direct", maxiter=1)
    assert r.solver == "direct" and r.stats["solvers_tried"][0].startswith("lgmres")
    assert r.stats["residual"] < 1e-12
    assert r.state.shape == (20, 20) and r.state.tr() == pytest.approx(1.0, abs=1e-12)


def test_solver_failure_raises_with_what_to_try():
    _, _, lind, ref = _issue_case()
    with pytest.raises(SolverError, match="lgmres.*gmres.*try"):
        master_steady_state(lind, (4, 4), ref, solver="lgmres,gmres", maxiter=1)


def test_cost_estimate_bounds_the_liouvillian():
    import qutip

    c = cascade_four_modes()
    for cut in ((3, 3, 3, 3), (2, 3, 4, 3)):
        e = estimate_cost(c.model, cut)
        f = fock_operators(c.model, cut)
        nnz = qutip.liouvillian(f.hamiltonian, f.c_ops).data.as_scipy().nnz
        assert nnz <= e.liouvillian_nonzeros <= 2 * nnz
        assert e.hilbert_dimension == np.prod(cut)
    with pytest.raises(BudgetError, match="max-dimension"):
        check_budget(estimate_cost(c.model, (3, 3, 30, 30)))


def test_default_cutoffs_follow_the_thermal_tail():
    assert default_cutoffs([0.0, 0.1], tail=1e-3) == (2, 4)  # 0.1³/1.1⁴ = 6.8e-4
    p = predicted_top_population([0.1], [4])[0]
    assert p == pytest.approx(0.1**3 / 1.1**4, rel=1e-12)


def test_convergence_steps_report_changes():
    _, _, lind, ref = _issue_case()
    rs = cutoff_convergence(lind, [(3, 4), (4, 5), (5, 6)], ref)
    steps = convergence_steps(rs, ("a1", "b1"))
    assert [s.cutoffs_to for s in steps] == [(4, 5), (5, 6)]
    assert steps[1].covariance_change < steps[0].covariance_change  # converging
    assert abs(steps[-1].E_N_change) < 1e-4


# --------------------------------------------------------------------------- command line
def _run_cli(argv, capsys):
    from cascom_sim.cli import main

    rc = main(argv)
    cap = capsys.readouterr()
    return rc, cap.out, cap.err


def test_cli_issue_command_solves_the_coupled_pair(capsys):
    import json

    rc, out, err = _run_cli(["master", *ISSUE_ARGS, "--json"], capsys)
    assert rc == 0, err
    d = json.loads(out)
    assert d["solved_modes"] == ["a1", "b1"] and "a2,b2 do not act" in d["modes_reason"]
    assert d["relative_difference"] < 1e-3
    assert d["E_N"] == pytest.approx(d["E_N_lyapunov"], abs=1e-4)
    assert len(d["steps"]) == len(d["convergence"]) - 1 >= 1
    assert all(set(c["top_level_populations"]) == {"a1", "b1"} for c in d["convergence"])


def test_cli_solver_failure_is_one_line_exit_1(capsys):
    rc, out, err = _run_cli(["master", *ISSUE_ARGS, "--cutoff", "4", "--solver", "lgmres,gmres", "--maxiter", "1"],
                            capsys)
    assert rc == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("cascom: failed: master-equation steady state"), err
    assert "try:" in lines[0] and "Traceback" not in err


def test_cli_refuses_the_papers_two_channel_point_quickly(capsys):
    import time

    from cascom_sim.cli import main

    main(["steady", "--model", "two-channel"])  # warm the imports
    capsys.readouterr()
    t = time.process_time()
    rc, out, err = _run_cli(["master", "--model", "two-channel"], capsys)
    elapsed = time.process_time() - t
    assert rc == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Hilbert dimension" in lines[0] and "b1 23" in lines[0], err
    assert elapsed < 1.0  # CPU time: the machine may be shared


@pytest.mark.slow
@pytest.mark.parametrize("cut,limit", [((4, 4, 4, 4), 10.0), ((5, 5, 5, 5), 120.0)])
def test_four_mode_cascade_within_its_truncation_error(cut, limit):
    c = cascade_four_modes()
    r = master_steady_state(c.model, cut, c.lyapunov)
    assert r.stats["wall_time_s"] < limit
    # truncation error: of the order of the top-level population
    assert r.relative_difference < 3 * r.top_level_population + 1e-4, r
    en = float(log_negativity(c.lyapunov, c.pair, c.model.modes))
    assert r.log_negativity(c.pair) == pytest.approx(en, abs=2e-3)


def test_cli_modes_override_must_be_closed(capsys):
    base = ["master", *ISSUE_ARGS[:-2], "--pair", "a1,b1"]
    rc, out, err = _run_cli([*base, "--modes", "a1,b1,a2", "--cutoff", "3"], capsys)
    assert rc == 2 and "smallest containing them is a1,a2,b1,b2" in err and err.count("\n") == 1, err
    rc, out, err = _run_cli([*base, "--modes", "a1,a2,b1,b2", "--cutoff", "2", "--json"], capsys)
    assert rc == 0, err
    import json

    d = json.loads(out)
    assert d["solved_modes"] == ["a1", "a2", "b1", "b2"] and d["modes_reason"] == "as asked (--modes)"
