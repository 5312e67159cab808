"""cascom validate: the report exists, has a row per claim and model, and its numbers recompute."""

import json

import numpy as np
import pytest

from cascom_sim import ModelOptions, Parameters, steady_state
from cascom_sim.report.validate import READINGS, run_validation

CLAIMS = {"2a-window", "2a-ratio", "2b-stability", "3a-90MHz", "3a-100MHz", "3bc-omega", "3def-power",
          "4-temperature", "4-inset"}


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("validate")
    path = run_validation(out, quick=True, resolution=9)
    return out, path, json.loads((out / "report.json").read_text())


def test_every_claim_has_a_row_per_model(report):
    out, path, data = report
    assert {c["id"] for c in data["claims"]} == CLAIMS
    for c in data["claims"]:
        assert set(c["rows"]) == {label for label, _ in READINGS}
    text = path.read_text()
    assert text.count("| Fig.") == len(CLAIMS) * len(READINGS)
    for f in data["figures"].values():
        assert (out / f).stat().st_size > 5_000


def test_recompute_fig2a_point_growth_rate(report):
    """The report's growth rate at the paper's Fig. 2(a) point, recomputed independently."""
    _, _, data = report
    row = next(r for r in data["crosscheck"] if r["case"].startswith("paper Fig. 2(a) point") and "consistent" in r["case"])
    s = steady_state(Parameters(detuning=1.4, dtheta_pi=0.25, phi_pi=0.8), ModelOptions())
    kap = float(Parameters().kappa_rad)
    assert row["growth_rate"] == pytest.approx(s.stability.max_re_eigenvalue, rel=1e-12)
    assert row["growth_rate"] == pytest.approx((2 * abs(np.cos(0.8 * np.pi)) - 1) * kap, rel=1e-6)


def test_recompute_master_equation_number(report):
    """The report's master-equation E_N for the single-cavity case, recomputed from the case definition."""
    from cascom_sim.gaussian.covariance import log_negativity
    from cascom_sim.report.me_cases import single_cavity

    _, _, data = report
    row = next(r for r in data["crosscheck"] if r["case"].startswith("paper model, η = 0"))
    case = single_cavity()
    assert row["lyapunov_E_N"] == pytest.approx(float(log_negativity(case.lyapunov, (0, 1))), rel=1e-12)
    assert row["master_E_N"] == pytest.approx(row["lyapunov_E_N"], abs=1e-4)
    assert row["langevin_ci"][0] <= row["lyapunov_E_N"] <= row["langevin_ci"][1]


def test_paper_model_claims_are_not_reproduced_and_say_why(report):
    _, _, data = report
    for c in data["claims"]:
        r = c["rows"]["paper, consistent"]
        assert r["reproduced"] is False and "unstable at every point" in r["reason"]


def test_where_is_the_entanglement_section_recomputes(report):
    """The search's conclusion reproduces from the command printed beside it (same seed, same numbers)."""
    import shlex

    from cascom_sim.runs.optimize import optimize

    out, path, data = report
    e = data["where_is_entanglement"]
    text = path.read_text()
    assert "## Where is the entanglement?" in text and e["command"] in text
    assert (out / "where_is_entanglement.png").exists()
    argv = shlex.split(e["command"])[1:]
    vary = [argv[i + 1] for i, a in enumerate(argv) if a == "--vary"]
    r = optimize(vary, options=ModelOptions(model="two-channel"), pair="b1,b2", measure="pt_nu", maximize=False,
                 popsize=int(argv[argv.index("--popsize") + 1]), maxiter=int(argv[argv.index("--maxiter") + 1]),
                 seed=int(argv[argv.index("--seed") + 1]))
    np.testing.assert_allclose(r.value, e["best_pt_nu"], rtol=1e-12)
    assert (e["best_E_N_b1_b2"] or 0.0) == pytest.approx(max(0.0, -np.log(r.value)))


def test_vitali_2007_section_recomputes(report):
    """The single-cavity literature check: both readings of the finesse, against the optimizer and the abstract."""
    from cascom_sim.presets import VITALI_2007, VITALI_2007_PAIR
    from cascom_sim.runs.optimize import optimize

    out, path, data = report
    v = data["vitali2007"]
    text = path.read_text()
    assert "## Single cavity: Vitali et al., PRL 98, 030405 (2007)" in text and v["command"] in text
    assert (out / "vitali2007.png").exists()
    first, half = v["readings"]
    r = optimize(["detuning=0.5:1.5"], base=VITALI_2007, options=ModelOptions(coupling="standard", bath="brownian"),
                 pair=VITALI_2007_PAIR, seed=0)
    np.testing.assert_allclose(first["max_E_N"], r.value, atol=1e-6)  # grid step 1e-3 at a smooth maximum
    assert abs(first["at_detuning"] - r.x["detuning"]) <= 1e-3
    np.testing.assert_allclose(first["highest_T_entangled"], 23.5, atol=0.11)
    np.testing.assert_allclose(half["stable_from"], 1.384, atol=2e-3)
    assert half["highest_T_entangled"] < 20.0 < first["highest_T_entangled"]
    assert "| consistent |" in text and "**contradicted**" in text


def test_network_searches_reproduce_from_the_printed_commands(report, capsys):
    """Each network search's printed command (model file in examples/ plus cascom optimize) gives its numbers."""
    import shlex
    from pathlib import Path

    from cascom_sim.cli import main
    from cascom_sim.models.network import load_network
    from cascom_sim.report.validate import NETWORK_SEARCHES

    root = Path(__file__).parents[1]
    out, path, data = report
    nets = data["where_is_entanglement"]["networks"]
    text = path.read_text()
    assert "### Networks: per-node detunings and powers" in text and len(nets) == len(NETWORK_SEARCHES) == 2
    for n, (_label, model_file, build, pair, _bounds) in zip(nets, NETWORK_SEARCHES):
        assert n["command"] in text and n["model_file"] == model_file and n["pair"] == pair
        assert load_network(root / model_file)[0] == build()  # the report's network is the file's
        argv = shlex.split(n["command"])[1:]
        argv[argv.index("--model-file") + 1] = str(root / model_file)
        assert main([*argv, "--json"]) == 0
        got = json.loads(capsys.readouterr().out)
        np.testing.assert_allclose(got["value"], n["best_pt_nu"], rtol=1e-10)
        assert got["x"] == pytest.approx(n["at"], rel=1e-12)
        # the two-channel optimum joined the population, so two nodes start no worse than the uniform search
    assert nets[0]["best_pt_nu"] <= data["where_is_entanglement"]["best_pt_nu"] * (1 + 1e-9)


def test_two_frequency_pumps_reproduce_from_the_printed_command(report, capsys):
    import shlex
    from pathlib import Path

    from cascom_sim.cli import main

    root = Path(__file__).parents[1]
    out, path, data = report
    tf = data["where_is_entanglement"]["two_frequency"]
    assert "### Pumps of different frequencies" in path.read_text() and tf["command"] in path.read_text()
    rows = {r["offset_over_omega_m"]: r for r in tf["offsets"]}
    assert set(rows) == {0.5, 2.0}
    for r in rows.values():  # every offset either has a periodic state with ν̃₋ over it, or says why not
        assert (r["stable"] is True and r["min_pt_nu"] >= 1.0 and r["closure"] < 1e-6) or r["stable"] is False \
            or r.get("error")
    argv = shlex.split(tf["command"])[1:]
    argv[argv.index("--drive") + 1] = str(root / argv[argv.index("--drive") + 1])
    assert main([*argv, "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    np.testing.assert_allclose(got["max_abs_multiplier"], rows[2.0]["max_multiplier"], rtol=1e-6)


def test_entanglement_found_by_a_search_is_confirmed_in_time(tmp_path):
    """The confirmation the searches run on whatever they find: Lyapunov E_N against the covariance ODE."""
    from cascom_sim import build_model
    from cascom_sim.presets import SINGLE_CAVITY_ENTANGLED
    from cascom_sim.report.validate import Validation

    v = Validation(tmp_path, quick=True)
    model = build_model(SINGLE_CAVITY_ENTANGLED.replace(eta=0.5), ModelOptions(model="two-channel"))
    v._confirm_in_time("two-channel, strong coupling", model, ("a1", "b1"))
    row = v.crosscheck[-1]
    assert row["lyapunov_E_N"] > 0.01
    np.testing.assert_allclose(row["ode_E_N_t_end"], row["lyapunov_E_N"], rtol=1e-6)
    assert row["ode_relative_difference"] < 1e-6
