"""cascom optimize on networks: node- and link-specific names, checked against the two-channel and paper models."""

import json
from pathlib import Path

import numpy as np
import pytest

from cascom_sim import ParameterError
from cascom_sim.cli import main
from cascom_sim.models.network import Link, Network, Node, apply_assignment, apply_assignments, load_network
from cascom_sim.parameters import SPECS, ModelOptions
from cascom_sim.presets import SINGLE_CAVITY_ENTANGLED
from cascom_sim.runs.optimize import evaluate_measure, evaluate_network_measure, optimize

CHAIN3 = Path(__file__).parents[1] / "examples" / "chain3.toml"


def test_network_evaluation_equals_the_two_channel_model_at_random_points():
    """A 2-node network on both channels is the two-channel cascade: same feasibility, E_N and ν̃₋ per point,
    through two different builders (network SLH vs cascade) and two evaluation paths."""
    rng = np.random.default_rng(7)
    base = SINGLE_CAVITY_ENTANGLED.replace(eta=0.8, phi_pi=0.3, dtheta_pi=0.0)  # strong coupling: E_N > 0 occurs
    S = 60
    pts = {"detuning": rng.uniform(-1.2, 1.5, S), "phi_pi": rng.uniform(0, 2, S), "power": rng.uniform(0.01, 0.3, S)}
    net = Network.uniform(2, base)
    for pair in (("b1", "b2"), ("a1", "b1")):
        v2, f2, raw2 = evaluate_measure(pts, base, ModelOptions(model="two-channel"), pair, "pt_nu")
        vn, fn, rawn = evaluate_network_measure(pts, net, pair, "pt_nu")
        np.testing.assert_array_equal(fn, f2)
        np.testing.assert_array_equal(rawn["stable"], raw2["stable"])
        np.testing.assert_allclose(vn[fn], v2[f2], rtol=1e-8)
        np.testing.assert_allclose(rawn["E_N"][fn], raw2["E_N"][f2], rtol=1e-8, atol=1e-10)
    assert 0 < fn.sum() < S and np.nanmax(rawn["E_N"]) > 0.01  # both feasible and infeasible points, some entangled


def test_node_specific_optimum_equals_the_single_cavity_optimum():
    """Node 2 pumped through its own port with κ_p = κ and η = 0 is the paper's single cavity: optimising
    node2.detuning alone finds the optimum of the paper model's E_N(a1, b1) over detuning."""
    own = SINGLE_CAVITY_ENTANGLED.replace(kappa_r_fraction=0.0, kappa_l_fraction=0.0)
    net = Network(nodes=(Node(params=own, kappa_pump_fraction=1.0, pump_port="own"),) * 2,
                  links=(Link(eta=0.0),))
    r_net = optimize(["node2.detuning=0.2:1.4"], network=net, pair="a2,b2", seed=2, popsize=10, maxiter=30)
    r_pap = optimize(["detuning=0.2:1.4"], base=SINGLE_CAVITY_ENTANGLED, pair="a1,b1", seed=2, popsize=10,
                     maxiter=30)
    np.testing.assert_allclose(r_net.value, r_pap.value, rtol=1e-6)
    assert abs(r_net.x["node2.detuning"] - r_pap.x["detuning"]) < 2e-3
    # the report at the optimum is the network's, with node 2 moved and node 1 not
    assert r_net.parameters is None and r_net.steady.model.label == "network"
    np.testing.assert_allclose(r_net.steady.E_N, r_net.value, rtol=1e-9)
    assert r_net.network.nodes[1].params.detuning == r_net.x["node2.detuning"]
    assert r_net.network.nodes[0].params.detuning == 1.0
    assert "network" in repr(r_net) and "2 nodes" in repr(r_net)
    assert r_net.robustness["feasible_fraction"] == 1.0 and r_net.robustness["max"] <= r_net.value + 1e-12


def test_apply_assignments_equals_one_at_a_time():
    net, _ = load_network(CHAIN3)
    values = {"power": 0.02, "node2.power": 0.03, "eta": 0.7, "link2.phi_pi": 1.1, "node3.detuning": 0.8}
    one = net
    for name in ("power", "eta", "node2.power", "link2.phi_pi", "node3.detuning"):  # unqualified first
        one = apply_assignment(one, name, values[name])
    assert apply_assignments(net, values) == one
    assert one.nodes[1].params.power == 0.03 and one.nodes[0].params.power == 0.02
    assert one.links[0].eta == 0.7 and one.links[1].phi_pi == 1.1


def test_scalar_fast_path_of_validation_agrees_with_the_general_path():
    values = [0.0, -0.0, 1.0, -1.0, 0.5, 1e-40, 1e-50, 2e-12, 1e6, 2e6, 1e12, 1e19, float("inf"), float("nan"), 3]
    for spec in SPECS.values():
        for v in values:
            for x in (v, np.float64(v)):
                try:
                    want = spec.validate(np.array(v))  # the general path
                except ParameterError as exc:
                    with pytest.raises(ParameterError) as got:
                        spec.validate(x)
                    assert str(got.value) == str(exc)
                else:
                    assert spec.validate(x) == want and type(spec.validate(x)) is float


def test_network_names_are_checked_with_one_line_errors():
    net, _ = load_network(CHAIN3)
    for bad in ("node4.detuning=0:1", "dtheta_pi=0:1", "link1.detuning=0:1", "node1.eta=0:1", "link3.eta=0:1",
                "nodeX.detuning=0:1", "node2.bogus=0:1", "node2.power=-1:1", "link1.eta=0:2"):
        with pytest.raises(ParameterError) as exc:
            optimize([bad], network=net, pair="b1,b3", maxiter=2, popsize=2)
        assert bad.split("=")[0] in str(exc.value) or bad.split(".")[-1].split("=")[0] in str(exc.value)
    with pytest.raises(ParameterError):  # node names without a network
        optimize(["node2.detuning=0:1"])
    with pytest.raises(ParameterError):
        optimize(["detuning=0:1"], network=net, pair="b1,b4")
    with pytest.raises(ParameterError):
        optimize(["detuning=0:1"], network=net, options=ModelOptions())


def test_cli_optimize_a_network_file(capsys):
    code = main(["optimize", "--model-file", str(CHAIN3), "--pair", "b1,b3", "--measure", "pt_nu", "--minimize",
                 "--vary", "node2.detuning=0.5:1.5", "--vary", "link1.phi_pi=0:2", "--popsize", "4",
                 "--maxiter", "3", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["model"] == "network" and out["pair"] == ["b1", "b3"]
    assert set(out["x"]) == {"node2.detuning", "link1.phi_pi"} and out["value"] > 1
    assert out["steady"]["model"] == "network" and len(out["steady"]["nodes"]) == 3
    assert out["steady"]["nodes"][1]["detuning"] == pytest.approx(out["x"]["node2.detuning"])
    for argv in (["--model-file", str(CHAIN3), "--vary", "node4.detuning=0:1"],
                 ["--model-file", str(CHAIN3), "--vary", "node2.detuning=0:1", "--set", "node2.detuning=1"],
                 ["--vary", "node2.detuning=0:1"]):
        assert main(["optimize", *argv, "--maxiter", "2"]) == 2
        err = capsys.readouterr().err
        assert err.startswith("cascom: error:") and err.count("\n") == 1


def test_a_start_point_joins_the_population():
    """x0 (and --start) put a known point in the first generation: one generation already holds it."""
    best = optimize(["detuning=0.2:1.4"], base=SINGLE_CAVITY_ENTANGLED, pair="a1,b1", seed=1)
    one = optimize(["detuning=0.2:1.4"], base=SINGLE_CAVITY_ENTANGLED, pair="a1,b1", seed=5, popsize=3, maxiter=1,
                   polish=False, x0={"detuning": best.x["detuning"]})
    np.testing.assert_allclose(one.value, best.value, rtol=1e-12)
    with pytest.raises(ParameterError):
        optimize(["detuning=0.2:1.4"], x0={"power": 0.1})
    assert main(["optimize", "--vary", "detuning=0.2:1.4", "--start", "detuning=x"]) == 2
    assert main(["optimize", "--vary", "detuning=0.2:1.4", "--start", "power=0.1"]) == 2  # not a varied name


def test_network_population_over_worker_processes_is_the_same():
    """Networks are built in Python, one member at a time: splitting a population over processes must not
    change the search."""
    from cascom_sim.models.network import load_network
    from cascom_sim.runs.executor import Execution
    from cascom_sim.runs.optimize import optimize

    net, _ = load_network("examples/chain3.toml")
    kw = dict(network=net, pair="b1,b3", measure="pt_nu", maximize=False, maxiter=2, popsize=4, polish=False,
              seed=1, robustness_samples=8)
    one = optimize(["node2.detuning=0.5:1.5"], threads=1, **kw)
    procs = optimize(["node2.detuning=0.5:1.5"], execution=Execution(workers=2), **kw)
    assert procs.x == one.x and procs.value == one.value and procs.history == one.history
