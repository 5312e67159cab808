"""Networks built at many points at once (network_points): point for point the network_model of the network
with those assignments (A and D to 1e-12, the same points unbuildable), and a network sweep unchanged against
building one network per point."""

import numpy as np
import pytest

from cascom_sim import ParameterError
from cascom_sim.models.network import (
    Link,
    Network,
    Node,
    _solve,
    apply_assignments,
    network_model,
    network_points,
)
from cascom_sim.presets import SINGLE_CAVITY_ENTANGLED
from cascom_sim.runs.sweep import Axis, _kernel_outputs, evaluate_network_points, run_sweep

BASE = SINGLE_CAVITY_ENTANGLED.replace(eta=0.8, phi_pi=0.3, dtheta_pi=0.0)  # strong coupling: E_N > 0 occurs


def networks() -> dict[str, Network]:
    p = BASE.replace(kappa_r_fraction=0.5, kappa_l_fraction=0.3)
    return {
        # one node pumped through its own port, mirror at T = 0 (its b† jump vanishes)
        "one": Network(nodes=(Node(params=BASE.replace(kappa_r_fraction=0.2, kappa_l_fraction=0.0, temperature=0.0),
                                   kappa_pump_fraction=0.5, pump_port="own"),), channels="R"),
        "two": Network(nodes=(Node(params=p, pump_phase_pi=0.2), Node(params=p.replace(detuning=0.9))),
                       links=(Link(eta=0.8, phi_pi=0.3),)),
        # three nodes on both channels, a lossless link, node 3 pumped only through the fibre, g0 given on node 2
        "three": Network(nodes=(Node(params=p, pump_phase_pi=0.2), Node(params=p.replace(detuning=0.9), g0=300.0),
                                Node(params=p.replace(power=0.0), pump_port="none")),
                         links=(Link(eta=0.8, phi_pi=0.3), Link(eta=1.0, phi_pi=-0.4))),
        # one way L: κ_R must stay 0
        "chain_L": Network(nodes=tuple(Node(params=BASE.replace(kappa_r_fraction=0.0, kappa_l_fraction=0.7))
                                       for _ in range(3)), links=(Link(eta=0.7, phi_pi=0.1),) * 2, channels="L"),
    }


def random_points(net: Network, rng, S: int) -> dict[str, np.ndarray]:
    """Every kind of name (every node, one node, every link, one link, network-only node fields), with ranges
    that leave some points unbuildable: κ fractions summing above 1, η > 1, negative power or g0, decay
    into an absent channel."""
    n = net.n_nodes
    pts = {"detuning": rng.uniform(-1.5, 1.5, S), f"node{n}.detuning": rng.uniform(-1.5, 1.5, S),
           "power": rng.uniform(-0.002, 0.05, S), "node1.pump_phase_pi": rng.uniform(-1, 1, S),
           "node1.kappa_pump_fraction": rng.uniform(0.0, 0.35, S), "temperature": rng.uniform(0.0, 0.2, S),
           f"node{n}.g0": rng.uniform(-20.0, 400.0, S), "kappa": rng.uniform(20e6, 60e6, S)}
    if n == 1 or net.channels != "both":
        pts["kappa_r_fraction" if net.channels == "L" else "kappa_l_fraction"] = \
            np.where(rng.uniform(size=S) < 0.1, 0.1, 0.0)
    if n > 1:
        pts.update({"eta": rng.uniform(0.3, 1.0, S), "link1.eta": rng.uniform(0.5, 1.05, S),
                    "phi_pi": rng.uniform(0, 2, S), "node2.kappa_r_fraction": rng.uniform(0.0, 0.7, S)
                    if net.channels != "L" else np.zeros(S)})
    return pts


def per_point(net: Network, pts: dict, k: int):
    """The reference: the network of point k built on its own (None where it cannot be built)."""
    try:
        return network_model(apply_assignments(net, {name: float(v[k]) for name, v in pts.items()}))
    except (ParameterError, np.linalg.LinAlgError):
        return None


@pytest.mark.parametrize("name", ["one", "two", "three", "chain_L"])
def test_stacked_networks_equal_the_network_built_at_each_point(name):
    net = networks()[name]
    rng = np.random.default_rng(11)
    S = 64
    pts = random_points(net, rng, S)
    got = network_points(net, pts)
    d = 4 * net.n_nodes
    assert got.drift.shape == got.diffusion.shape == (S, d, d) and got.photon_numbers.shape == (S, net.n_nodes)
    assert got.modes == net.modes
    built = np.zeros(S, bool)
    for k in range(S):
        ref = per_point(net, pts, k)
        built[k] = ref is not None
        if ref is None:
            assert np.isnan(got.drift[k]).all() and np.isnan(got.diffusion[k]).all()
            assert np.isnan(got.photon_numbers[k]).all()
            continue
        for mine, theirs in ((got.drift[k], ref.drift), (got.diffusion[k], ref.diffusion)):
            np.testing.assert_allclose(mine, theirs, rtol=0, atol=1e-12 * np.max(np.abs(theirs)))
        for f in ("alpha", "beta", "delta", "bare_detuning"):
            np.testing.assert_allclose(getattr(got.mean_fields, f)[k], getattr(ref.mean_fields, f), rtol=1e-12,
                                       atol=1e-300)
    np.testing.assert_array_equal(got.built, built)
    assert 0.5 * S < built.sum() < S  # both kinds of point were drawn


def test_a_point_without_assignments_is_the_network_itself():
    net = networks()["three"]
    got, ref = network_points(net, {}), network_model(net)
    assert got.built.tolist() == [True]
    np.testing.assert_allclose(got.drift[0], ref.drift, rtol=0, atol=1e-12 * np.max(np.abs(ref.drift)))
    np.testing.assert_allclose(got.diffusion[0], ref.diffusion, rtol=0, atol=1e-12 * np.max(np.abs(ref.diffusion)))
    # scalars broadcast against arrays; the one-point model leaves vanishing jumps out (lossless link 2, T = 0)
    two = network_points(net, {"detuning": 1.1, "node2.power": np.array([0.01, 0.02, 0.03])})
    assert two.built.shape == (3,) and two.built.all()
    labels = network_model(net).lindblad.labels
    assert "channel R: loss in link 1" in labels and "channel R: loss in link 2" not in labels


def test_names_the_network_lacks_and_ragged_values_are_refused():
    net = networks()["three"]
    with pytest.raises(ParameterError, match="node4.detuning"):
        network_points(net, {"node4.detuning": [1.0]})
    with pytest.raises(ParameterError, match="dtheta_pi"):
        network_points(net, {"dtheta_pi": [0.1]})
    with pytest.raises(ParameterError, match="points"):
        network_points(net, {"detuning": [1.0, 2.0], "power": [0.01, 0.02, 0.03]})
    with pytest.raises(ParameterError, match="points"):
        network_points(net, {"detuning": np.ones((2, 2))})


def test_singular_mean_field_systems_are_marked_not_solved():
    """A stack solves what it can; a singular system alone raises, as np.linalg.solve does."""
    M = np.array([np.eye(2), np.zeros((2, 2)), 2 * np.eye(2)], complex)
    b = np.array([[1, 2], [3, 4], [2, 4]], complex)
    x, solved = _solve(M, b)
    assert solved.tolist() == [True, False, True]
    np.testing.assert_allclose(x[[0, 2]], [[1, 2], [1, 2]], rtol=1e-15)
    assert np.isnan(x[1]).all()
    with pytest.raises(np.linalg.LinAlgError):
        _solve(M[1], b[1])


def reference_evaluation(points, network, pairs, measures):
    """The network sweep's evaluation as it was before stacked building: one network per point."""
    S, n = len(next(iter(points.values()))), network.n_nodes
    A, D = np.tile(-np.eye(4 * n), (S, 1, 1)), np.tile(np.eye(4 * n), (S, 1, 1))
    photons, built = np.full((S, n), np.nan), np.ones(S, bool)
    for k in range(S):
        model = per_point(network, points, k)
        if model is None:
            built[k] = False
            continue
        A[k], D[k], photons[k] = model.drift, model.diffusion, model.mean_fields.photon_numbers
    out = _kernel_outputs(A, D, network.modes, pairs, measures)
    for key, v in out.items():
        out[key] = np.where(built.reshape((S,) + (1,) * (v.ndim - 1)),
                            v, -1 if key == "bona_fide" else (False if v.dtype == bool else np.nan))
    out.update({f"photon_number_{j + 1}": photons[:, j] for j in range(n)}, network_built=built)
    return out


def assert_same_outputs(got: dict, ref: dict):
    assert set(got) == set(ref)
    for key, r in ref.items():
        g = np.asarray(got[key])
        if r.dtype.kind == "f":
            scale = np.nanmax(np.abs(r)) if np.isfinite(r).any() else 1.0
            np.testing.assert_allclose(g, r, rtol=1e-9, atol=1e-12 * scale, equal_nan=True, err_msg=key)
        else:
            np.testing.assert_array_equal(g, r, err_msg=key)


def test_network_evaluation_is_unchanged_against_building_one_network_per_point():
    """Flags identical, numbers to rounding, for two pairs and a further measure, over more points than one
    stacked block (so that blocks are joined)."""
    import cascom_sim.runs.sweep as sweep

    net = networks()["three"]
    rng = np.random.default_rng(5)
    pts = random_points(net, rng, 150)
    pts.update(power=rng.uniform(-0.01, 0.15, 150), detuning=rng.uniform(0.6, 1.4, 150))  # entangled ones occur
    pairs, measures = (("a1", "b1"), ("b1", "b3")), ("E_N", "steering")
    ref = reference_evaluation(pts, net, pairs, measures)
    block = sweep.NETWORK_BLOCK
    try:
        sweep.NETWORK_BLOCK = 64
        got = evaluate_network_points(pts, net, pair=list(pairs), measures=measures)
    finally:
        sweep.NETWORK_BLOCK = block
    assert_same_outputs(got, ref)
    assert ref["stable"].any() and not ref["network_built"].all() and np.nanmax(ref["E_N"]) > 0.01


def test_network_sweep_dataset_is_unchanged_against_building_one_network_per_point():
    net = networks()["two"]
    axes = [Axis("node2.detuning", -1.2, 1.5, 7), Axis("link1.phi_pi", 0.0, 2.0, 4),
            Axis("node1.kappa_pump_fraction", 0.0, 0.3, 3)]
    ds = run_sweep(axes, network=net, pair="b1,b2", threads=1, chunk=20).dataset
    grid = np.meshgrid(*(a.values for a in axes), indexing="ij")
    ref = reference_evaluation({a.name: g.ravel() for a, g in zip(axes, grid)}, net, (("b1", "b2"),), ("E_N",))
    got = {k: ds[k].values.reshape(-1) for k in ds.data_vars}
    ref = {k: (v[:, 0] if v.ndim == 2 else v) for k, v in ref.items()}
    ref = {k: (v.astype(np.int8) if v.dtype == bool else v) for k, v in ref.items()}
    assert_same_outputs(got, ref)
    assert 0 < ds["network_built"].values.mean() < 1 and ds["stable"].values.any()
