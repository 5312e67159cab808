"""Sweeps over networks (run_sweep(..., network=…), cascom sweep --model-file): checked against the two-channel
model's sweep, against steady_state of the network built at a point, resumed, refused with one-line errors."""

import json
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from test_executor import Interrupt

from cascom_sim import ModelOptions, ParameterError, steady_state
from cascom_sim.cli import main
from cascom_sim.errors import WorkTooLargeError
from cascom_sim.models.network import Link, Network, Node, apply_assignments, load_network, network_model
from cascom_sim.presets import SINGLE_CAVITY_ENTANGLED
from cascom_sim.runs.executor import Execution, run_chunks
from cascom_sim.runs.sweep import Axis, run_sweep

CHAIN3 = str(Path(__file__).resolve().parents[1] / "examples" / "chain3.toml")
BASE = SINGLE_CAVITY_ENTANGLED.replace(eta=0.8, phi_pi=0.3, dtheta_pi=0.0)  # strong coupling: E_N > 0 occurs
PAIRS = "b1,b2 a1,b1"


def entangled_chain3() -> Network:
    """Three nodes on both channels, the third pumped only through the fibre, links differing."""
    p = BASE.replace(kappa_r_fraction=0.5, kappa_l_fraction=0.3)
    return Network(nodes=(Node(params=p, pump_phase_pi=0.2), Node(params=p.replace(detuning=0.9)),
                          Node(params=p.replace(power=0.0), pump_port="none")),
                   links=(Link(eta=0.8, phi_pi=0.3), Link(eta=0.6, phi_pi=-0.4)))


def test_two_node_network_sweep_equals_the_two_channel_sweep():
    """A 2-node network on both channels is the two-channel model (to 1e-12 in A and D): sweeping detuning and
    φ on every node/link and node 1's pump phase gives the two-channel sweep over detuning, φ and Δθ, every
    variable, flag for flag."""
    net = Network(nodes=(Node(params=BASE), Node(params=BASE)), links=(Link(eta=0.8, phi_pi=0.3),))
    grid = [("detuning", -1.2, 1.5, 6), ("phi_pi", 0.0, 2.0, 4)]
    a = run_sweep([Axis(*g) for g in grid] + [Axis("node1.pump_phase_pi", 0.0, 1.0, 3)], network=net, pair=PAIRS,
                  measures=("steering",), threads=1).dataset
    b = run_sweep([Axis(*g) for g in grid] + [Axis("dtheta_pi", 0.0, 1.0, 3)], base=BASE,
                  options=ModelOptions(model="two-channel"), pair=PAIRS, measures=("steering",), threads=1).dataset
    assert set(a.data_vars) == set(b.data_vars) | {"network_built"} and a["network_built"].values.all()
    for name in b.data_vars:
        x, y = a[name].values, b[name].values
        if y.dtype.kind == "f":
            scale = np.nanmax(np.abs(y))
            np.testing.assert_allclose(x, y, rtol=1e-9, atol=1e-12 * scale, equal_nan=True, err_msg=name)
        else:
            np.testing.assert_array_equal(x, y, err_msg=name)
    assert a["E_N"].dims == ("detuning", "phi_pi", "node1.pump_phase_pi", "pair")
    assert 0 < a["stable"].values.mean() < 1 and np.nanmax(a["E_N"].values) > 0.01  # both kinds of point


def test_three_node_sweep_point_equals_the_steady_state_of_the_network_built_there():
    net = entangled_chain3()
    axes = [Axis("node2.detuning", 0.6, 1.4, 4), Axis("link1.phi_pi", 0.0, 1.5, 3), Axis("power", 0.05, 0.15, 2)]
    ds = run_sweep(axes, network=net, pair="a1,b1 b1,b3", threads=1).dataset
    assert ds.attrs["model"] == "network" and ds.attrs["n_nodes"] == 3 and ds.attrs["modes"] == "a1,a2,a3,b1,b2,b3"
    assert json.loads(ds.attrs["network_links"])[1]["eta"] == 0.6
    stable = ds["stable"].values.astype(bool)
    assert stable.any() and np.nanmax(ds["E_N"].values) > 0.01
    checked = 0
    for i, j, k in [(0, 0, 0), (1, 2, 1), (3, 1, 0), (2, 1, 1)] + [tuple(ix) for ix in np.argwhere(stable)[:2]]:
        at = {"node2.detuning": axes[0].values[i], "link1.phi_pi": axes[1].values[j], "power": axes[2].values[k]}
        model = network_model(apply_assignments(net, at))
        for p, pair in enumerate((("a1", "b1"), ("b1", "b3"))):
            s = steady_state(model, pair=pair)
            assert bool(ds["stable"].values[i, j, k]) == s.stable
            np.testing.assert_allclose(ds["max_re_eigenvalue"].values[i, j, k], s.stability.max_re_eigenvalue,
                                       rtol=1e-9)
            if s.stable:
                checked += 1
                np.testing.assert_allclose(ds["E_N_formal"].values[i, j, k, p], s.E_N_formal, rtol=1e-8, atol=1e-12)
                assert bool(ds["bona_fide"].values[i, j, k] == 1) == s.bona_fide
        for node in range(3):
            np.testing.assert_allclose(ds[f"photon_number_{node + 1}"].values[i, j, k],
                                       model.mean_fields.photon_numbers[node], rtol=1e-12)
    assert checked >= 4


def test_points_where_the_network_cannot_be_built_carry_no_numbers():
    """κ_R/κ = 1 on node 1 of chain3: any own-port fraction above 0 makes the split exceed κ."""
    net, _ = load_network(CHAIN3)
    ds = run_sweep([Axis("node1.kappa_pump_fraction", 0.0, 0.5, 3)], network=net, pair="b1,b3",
                   measures=("steering",)).dataset
    np.testing.assert_array_equal(ds["network_built"].values, [1, 0, 0])
    bad = slice(1, None)
    for name in ("stable", "stable_eigenvalues", "stable_routh_hurwitz", "noise_physical"):
        np.testing.assert_array_equal(ds[name].values[bad], 0)
    np.testing.assert_array_equal(ds["bona_fide"].values[bad], -1)
    for name in ("E_N", "E_N_formal", "max_re_eigenvalue", "steering_12", "photon_number_1", "photon_number_3"):
        assert np.isnan(ds[name].values[bad]).all(), name
    assert ds["stable"].values[0] == 1 and np.isfinite(ds["E_N_formal"].values[0])


def test_interrupted_network_sweep_resumes_to_the_same_data(tmp_path):
    net = entangled_chain3()
    axes = [Axis("node3.detuning", 0.5, 1.5, 6), Axis("eta", 0.2, 1.0, 4)]
    kw = dict(network=net, pair=PAIRS, chunk=5, threads=1)
    ref = run_sweep(axes, **kw).dataset
    ck = Execution(checkpoint=tmp_path / "ck", checkpoint_every=0)
    with pytest.raises(KeyboardInterrupt):
        run_sweep(axes, execution=ck, progress=Interrupt(2), **kw)
    res = run_sweep(axes, execution=ck, **kw)
    assert run_chunks.last_stats["loaded"] == 2 and run_chunks.last_stats["computed"] == 3
    for name in ref.data_vars:
        np.testing.assert_array_equal(res.dataset[name].values, ref[name].values)
    # the key holds the network's content: another network never resumes from these chunks
    other = apply_assignments(net, {"node2.temperature": 0.2})
    with pytest.raises(ParameterError, match="checkpoint"):
        run_sweep(axes, execution=ck, **{**kw, "network": other})


def test_network_names_sizes_and_arguments_are_checked_before_running():
    net, _ = load_network(CHAIN3)
    for bad in ("node9.detuning", "link3.eta", "node2.eta", "dtheta_pi", "link1.detuning"):
        with pytest.raises(ParameterError) as exc:
            run_sweep([Axis(bad, 0.0, 1.0, 3)], network=net, pair="b1,b3")
        assert bad in str(exc.value) and "node1.NAME … node3.NAME" in str(exc.value)
    with pytest.raises(ParameterError, match="node2.power"):  # a valid name, an invalid value
        run_sweep([Axis("node2.power", -1.0, 1.0, 3)], network=net, pair="b1,b3")
    with pytest.raises(ParameterError, match="need a network"):
        run_sweep([Axis("node2.detuning", 0.5, 1.5, 3)])
    with pytest.raises(ParameterError, match="b4"):
        run_sweep([Axis("detuning", 0.5, 1.5, 3)], network=net, pair="b1,b4")
    with pytest.raises(ParameterError, match="base/options"):
        run_sweep([Axis("detuning", 0.5, 1.5, 3)], network=net, options=ModelOptions(), pair="b1,b3")
    with pytest.raises(ParameterError, match="compiled"):
        run_sweep([Axis("detuning", 0.5, 1.5, 3)], network=net, engine="numpy", pair="b1,b3")
    with pytest.raises(WorkTooLargeError, match=r"2e\+07 points.*1e\+07 points"):
        run_sweep([Axis("detuning", 0.5, 1.5, 20000), Axis("power", 0.0, 0.01, 1000)], network=net, pair="b1,b3")


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_sweep_of_a_network_file_writes_cf_netcdf_and_a_network_summary(tmp_path, capsys):
    out = tmp_path / "net.nc"
    code, text, err = run(capsys, "sweep", "--model-file", CHAIN3, "--axis", "node2.detuning=0.5:1.5:5",
                          "--axis", "link1.phi_pi=0:2:3", "--pair", "b1,b2", "--out", str(out), "--json")
    assert code == 0, err
    d = json.loads(text)
    assert d["model"] == "network" and d["n_nodes"] == 3 and d["channels"] == "R" and d["points"] == 15
    assert [n["name"] for n in d["nodes"]] == ["node1", "node2", "node3"] and d["pair"] == ["b1", "b2"]
    assert d["points_not_built"] == 0 and d["stable_fraction"] == 1.0
    back = xr.open_dataset(out)
    assert back.attrs["Conventions"] == "CF-1.10" and back.attrs["model"] == "network"
    assert "--model-file" in back.attrs["history"] and back["E_N"].dims == ("node2.detuning", "link1.phi_pi")
    np.testing.assert_array_equal(back["link1.phi_pi"].values, [0.0, 1.0, 2.0])
    np.testing.assert_array_equal(back["network_built"].attrs["flag_values"], [0, 1])
    cf_units = pytest.importorskip("cf_units")
    for name, var in back.variables.items():
        assert var.attrs.get("long_name"), name
        if "flag_values" not in var.attrs:
            cf_units.Unit(var.attrs["units"])
    assert "node 2" in back["node2.detuning"].attrs["long_name"]
    assert cf_units.Unit(back["link1.phi_pi"].attrs["units"]).is_convertible(cf_units.Unit("rad"))


@pytest.mark.parametrize("argv, words", [
    (("--axis", "node9.detuning=0.5:1.5:3"), ["node9.detuning", "node1.NAME … node3.NAME", "link1.eta"]),
    (("--axis", "dtheta_pi=0:1:3"), ["dtheta_pi", "node1.NAME … node3.NAME"]),
    (("--axis", "node2.pump_port=0:1:3"), ["node2.pump_port", "a parameter name"]),
    (("--axis", "detuning=0.5:1.5:20000", "--axis", "power=0:0.01:1000"), ["2e+07 points", "--max-points"]),
    (("--axis", "detuning=0.5:1.5:3", "--pair", "b1,b4"), ["b4", "a1, a2, a3, b1, b2, b3"]),
    (("--axis", "node2.detuning=0.5:1.5:3", "--set", "node2.detuning=1"), ["both swept and fixed"]),
])
def test_cli_network_sweep_errors_are_one_line_exit_2(tmp_path, capsys, argv, words):
    code, out, err = run(capsys, "sweep", "--model-file", CHAIN3, "--out", str(tmp_path / "x.nc"), *argv)
    assert code == 2 and err.count("\n") == 1 and err.startswith("cascom: error:"), err
    for w in words:
        assert w in err, (w, err)
    assert not (tmp_path / "x.nc").exists()


def test_cli_network_sweep_says_how_long_it_will_take_and_reports_the_network(tmp_path, capsys):
    code, out, err = run(capsys, "sweep", "--model-file", CHAIN3, "--axis", "node1.kappa_pump_fraction=0:0.5:3",
                         "--out", str(tmp_path / "k.nc"))
    assert code == 0, err
    assert "network sweep of 3 points, ~0.00015 s (chunks)" in err
    assert "network" in out and "3 nodes, channels R" in out and "points_not_built: 2" in out
