"""The command line on a network described in a TOML file (--model-file, --set nodeK.NAME=VALUE)."""

import json
from pathlib import Path

import numpy as np
import pytest

from cascom_sim.cli import main
from cascom_sim.models.network import apply_assignment, load_network, network_model

CHAIN3 = str(Path(__file__).resolve().parents[1] / "examples" / "chain3.toml")


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_steady_json_names_the_nodes_modes_and_pair(capsys):
    code, out, err = run(capsys, "steady", "--model-file", CHAIN3, "--pair", "b1,b3", "--json")
    assert code == 0, err
    d = json.loads(out)
    assert d["model"] == "network" and d["modes"] == ["a1", "a2", "a3", "b1", "b2", "b3"]
    assert [n["name"] for n in d["nodes"]] == ["node1", "node2", "node3"] and d["channels"] == "R"
    assert d["pair"] == ["b1", "b3"] and d["stable"] is True
    net, _ = load_network(CHAIN3)
    from cascom_sim import steady_state

    s = steady_state(network_model(net), pair=("b1", "b3"))
    assert d["E_N"] == s.E_N
    np.testing.assert_allclose(np.array(d["drift_matrix"]), s.drift, rtol=0, atol=0)
    assert set(d["occupations"]) == set(d["modes"])


def test_set_reaches_one_node_or_every_node(capsys):
    code, out, _ = run(capsys, "steady", "--model-file", CHAIN3, "--set", "node2.detuning=1.2", "--json")
    assert code == 0
    nodes = json.loads(out)["nodes"]
    assert [n["detuning"] for n in nodes] == [1.0, 1.2, 1.0]
    code, out, _ = run(capsys, "steady", "--model-file", CHAIN3, "--set", "detuning=0.8", "--set", "link1.eta=0.5",
                       "--json")
    d = json.loads(out)
    assert [n["detuning"] for n in d["nodes"]] == [0.8] * 3 and [lk["eta"] for lk in d["links"]] == [0.5, 0.8]
    net = apply_assignment(apply_assignment(load_network(CHAIN3)[0], "detuning", 0.8), "link1.eta", 0.5)
    np.testing.assert_allclose(np.array(d["drift_matrix"]), network_model(net).drift, rtol=0, atol=0)


@pytest.mark.parametrize("argv, words", [
    (("--set", "node2.eta=1.5"), "node2.eta"),
    (("--pair", "b1,b9"), "a1, a2, a3, b1, b2, b3"),
    (("--set", "node4.power=1e-3"), "node1 … node3"),
    (("--set", "node2.pump_port=X"), "pump_port"),
    (("--model", "paper"), "model-file"),
])
def test_mistakes_are_one_line_errors_with_exit_2(capsys, argv, words):
    code, out, err = run(capsys, "steady", "--model-file", CHAIN3, *argv)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("cascom: error:") and words in err


def test_evolve_and_the_subcommands_that_do_not_take_networks(capsys, tmp_path):
    code, out, err = run(capsys, "evolve", "--model-file", CHAIN3, "--points", "20", "--pair", "b1,b3", "--json",
                         "--out", str(tmp_path / "ev.nc"))
    assert code == 0, err
    d = json.loads(out)
    assert d["model"] == "network" and d["occupation_modes"] == d["modes"] and len(d["occupations"][0]) == 6
    import xarray as xr

    ds = xr.open_dataset(tmp_path / "ev.nc")
    assert ds.attrs["model"] == "network" and ds.attrs["modes"] == "a1,a2,a3,b1,b2,b3"
    assert [n["name"] for n in json.loads(ds.attrs["network_nodes"])] == ["node1", "node2", "node3"]
    ds.close()
    code, _, err = run(capsys, "floquet", "--model-file", CHAIN3, "--modulate", "power:0.1:1e6")
    assert code == 2 and "model-file" in err
