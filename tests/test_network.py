"""N-node cascaded networks: the two-channel model as the 2-node case, a 3-node chain by hand, the paper at η = 0."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cascom_sim import (
    ModelOptions,
    ParameterError,
    Parameters,
    build_model,
    is_noise_physical,
    log_negativity,
    paper_model,
    solve_lyapunov,
    steady_state,
)
from cascom_sim.models.network import Link, Network, Node, network_model

TWO = ModelOptions(model="two-channel")


def rel(a, b):
    return float(np.max(np.abs(np.asarray(a) - b)) / np.max(np.abs(b)))


@settings(max_examples=30, deadline=None)
@given(eta=st.floats(0, 1), phi=st.floats(-2, 2), fr=st.floats(0, 1), fl=st.floats(0, 1), det=st.floats(-3, 3),
       dth=st.floats(-1, 1), temp=st.floats(0, 1), power=st.one_of(st.just(0.0), st.floats(1e-9, 0.05)))
def test_two_node_network_is_the_two_channel_model(eta, phi, fr, fl, det, dth, temp, power):
    if fr + fl > 1:
        fr, fl = fr / (fr + fl), fl / (fr + fl) * 0.999
    p = Parameters(eta=eta, phi_pi=phi, kappa_r_fraction=fr, kappa_l_fraction=fl, detuning=det, dtheta_pi=dth,
                   temperature=temp, power=power)
    two = build_model(p, TWO)
    net = Network(nodes=(Node(params=p, pump_phase_pi=dth), Node(params=p)), links=(Link(eta=eta, phi_pi=phi),))
    m = network_model(net)
    assert m.modes == ("a1", "a2", "b1", "b2") and m.label == "network"
    np.testing.assert_allclose(m.mean_fields.alpha, two.mean_fields.alpha, rtol=0,
                               atol=1e-12 * max(np.max(np.abs(two.mean_fields.alpha)), 1e-300))
    np.testing.assert_allclose(m.drift, two.drift, rtol=0, atol=1e-12 * np.max(np.abs(two.drift)))
    np.testing.assert_allclose(m.diffusion, two.diffusion, rtol=0, atol=1e-12 * np.max(np.abs(two.diffusion)))


# ------------------------------------------------------------------ a three-node one-way chain by hand
NODE_VALUES = [
    dict(kappa=40e6, kappa_r_fraction=0.8, detuning=1.1, omega_m=90e6, gamma_m=2e3, mass=20e-12, length=0.1,
         temperature=0.1, power=8e-3, pump_port="R", pump_phase_pi=0.3),
    dict(kappa=50e6, kappa_r_fraction=0.6, kappa_pump_fraction=0.3, detuning=0.9, omega_m=80e6, gamma_m=3e3,
         mass=30e-12, length=0.12, temperature=0.05, power=4e-3, pump_port="own", pump_phase_pi=-0.4),
    dict(kappa=45e6, kappa_r_fraction=1.0, detuning=1.3, omega_m=85e6, gamma_m=1e3, mass=25e-12, g0=150.0,
         temperature=0.2, power=6e-3, pump_port="R", pump_phase_pi=0.1),
]
LINKS = [(0.8, 0.3), (0.6, -0.7)]


def chain3() -> Network:
    nodes = tuple(Node.from_values({**v, "kappa_l_fraction": 0.0}) for v in NODE_VALUES)
    return Network(nodes=nodes, links=tuple(Link(eta=e, phi_pi=f) for e, f in LINKS), channels="R")


def hand_chain(alpha=None):
    """Langevin equations of the one-way chain written out (module docstring of network.py, by hand):

    ȧ_j = −(iΔ_j + κ_j) a_j − Σ_{k<j} 2√(κ_R,j κ_R,k) τ_jk a_k + i g0_j α_j (b_j + b_j†) + noise,
    ḃ_j = −(iω_j + γ_j) b_j + i g0_j (α_j* a_j + α_j a_j†) + noise,
    τ_jk = Π_{m=k}^{j−1} √η_m e^{iφ_m};  the noise of a_j is √(2κ_R,j)(τ_j1 v_in + Σ_{m<j} τ_j,m+1 √(1−η_m) v_m)
    + √(2κ_0,j) v_0,j + √(2κ_p,j) v_p,j, and the mirrors' is thermal, D = γ(2n+1).
    """
    hbar, kb, c = 1.054571817e-34, 1.380649e-23, 299792458.0
    n = 3
    two_pi = 2 * np.pi
    kap = np.array([two_pi * v["kappa"] for v in NODE_VALUES])
    kr = kap * np.array([v["kappa_r_fraction"] for v in NODE_VALUES])
    kp = kap * np.array([v.get("kappa_pump_fraction", 0.0) for v in NODE_VALUES])
    k0 = kap - kr - kp
    dl = np.array([v["detuning"] * two_pi * v["omega_m"] for v in NODE_VALUES])
    wm = np.array([two_pi * v["omega_m"] for v in NODE_VALUES])
    gm = np.array([two_pi * v["gamma_m"] for v in NODE_VALUES])
    nm = np.array([1 / np.expm1(hbar * two_pi * v["omega_m"] / (kb * v["temperature"])) for v in NODE_VALUES])
    wc = two_pi * c / 780e-9
    g0 = np.array([two_pi * v["g0"] if "g0" in v else wc / v["length"] * np.sqrt(hbar / (v["mass"] * two_pi * v["omega_m"]))
                   for v in NODE_VALUES])
    t = [np.sqrt(e) * np.exp(1j * np.pi * f) for e, f in LINKS]
    tau = lambda j, k: np.prod(t[k:j]) if j > k else 1.0  # noqa: E731
    beta = np.array([np.sqrt(v["power"] / (hbar * wc)) * np.exp(-1j * np.pi * v["pump_phase_pi"]) for v in NODE_VALUES])
    # mean fields
    M = np.diag(-(1j * dl + kap)).astype(complex)
    s = np.zeros(n, complex)
    for j in range(n):
        for k in range(j):
            M[j, k] -= 2 * np.sqrt(kr[j] * kr[k]) * tau(j, k)
        for k in range(j + 1):
            if NODE_VALUES[k]["pump_port"] == "R":
                s[j] += np.sqrt(2 * kr[j]) * tau(j, k) * beta[k]
        if NODE_VALUES[j]["pump_port"] == "own":
            s[j] += np.sqrt(2 * kp[j]) * beta[j]
    alpha = np.linalg.solve(M, -s) if alpha is None else alpha
    # complex drift on ξ = (a1, a1†, a2, a2†, a3, a3†, b1, b1†, …)
    Ac = np.zeros((4 * n, 4 * n), complex)
    a, b = (lambda j: 2 * j), (lambda j: 2 * (n + j))
    for j in range(n):
        Ac[a(j), a(j)] = -(1j * dl[j] + kap[j])
        for k in range(j):
            Ac[a(j), a(k)] = M[j, k]
        Ac[a(j), b(j)] = Ac[a(j), b(j) + 1] = 1j * g0[j] * alpha[j]
        Ac[b(j), b(j)] = -(1j * wm[j] + gm[j])
        Ac[b(j), a(j)] = 1j * g0[j] * np.conj(alpha[j])
        Ac[b(j), a(j) + 1] = 1j * g0[j] * alpha[j]
    swap = np.arange(4 * n).reshape(-1, 2)[:, ::-1].ravel()
    for row in range(0, 4 * n, 2):
        Ac[row + 1] = np.conj(Ac[row][swap])
    T = np.kron(np.eye(2 * n), np.array([[1, 1j], [1, -1j]]) / np.sqrt(2))
    A = np.linalg.solve(T, Ac @ T)
    assert np.max(np.abs(A.imag)) < 1e-6 * np.max(np.abs(A))
    # noise: independent vacuum inputs v_in, v_1, v_2 (link losses), v_0,j, v_p,j → ȧ_j
    B = np.zeros((n, 3 + 2 * n), complex)
    for j in range(n):
        B[j, 0] = np.sqrt(2 * kr[j]) * tau(j, 0)
        for m in range(j):
            B[j, 1 + m] = np.sqrt(2 * kr[j]) * tau(j, m + 1) * np.sqrt(1 - LINKS[m][0])
        B[j, 3 + j] = np.sqrt(2 * k0[j])
        B[j, 3 + n + j] = np.sqrt(2 * kp[j])
    N = np.zeros((2 * n, 2 * B.shape[1]))
    N[0::2, 0::2], N[0::2, 1::2] = B.real, -B.imag
    N[1::2, 0::2], N[1::2, 1::2] = B.imag, B.real
    D = np.zeros((4 * n, 4 * n))
    D[: 2 * n, : 2 * n] = 0.5 * N @ N.T
    D[2 * n :, 2 * n :] = np.diag(np.repeat(gm * (2 * nm + 1), 2))
    return alpha, A.real, D


def test_three_node_one_way_chain_matches_a_hand_derivation():
    m = network_model(chain3())
    alpha, A, D = hand_chain()
    assert m.modes == ("a1", "a2", "a3", "b1", "b2", "b3")
    assert rel(m.mean_fields.alpha, alpha) < 1e-10
    assert rel(m.drift, A) < 1e-8
    assert rel(m.diffusion, D) < 1e-8
    np.testing.assert_allclose(m.drift[0:2, 2:6], 0.0, atol=1e-9 * np.max(np.abs(A)))  # one way: no back-action
    assert bool(is_noise_physical(m.drift, m.diffusion))
    s = steady_state(m, pair=("b1", "b3"))
    assert s.stable and s.pair == ("b1", "b3") and s.E_N is not None


def test_three_node_chain_mean_fields_against_the_cascaded_master_equation():
    """Independent of the mean-field code: ⟨a_j⟩ of the cascaded master equation in QuTiP, written here with the
    SLH series product, with each pump a coherent input (1, β, 0) placed in series before its port.  Tiny
    power (empty cavities, Fock cutoff 3), mirrors decoupled (g0 = 0): the amplitudes are the mean fields.
    SLH's convention ȧ ⊃ −√γ b_in is the paper's (ȧ ⊃ +√(2κ) a_in) with b_in = −a_in, so β_SLH = −β."""
    import qutip

    from cascom_sim.models.network import network_mean_fields

    values = [{k: v for k, v in dict(nv, power=nv["power"] * 1e-14, g0=0.0).items() if k != "length"}
              for nv in NODE_VALUES]
    net = Network(nodes=tuple(Node.from_values({**v, "kappa_l_fraction": 0.0}) for v in values),
                  links=tuple(Link(eta=e, phi_pi=f) for e, f in LINKS), channels="R")
    alpha = network_mean_fields(net).alpha
    r = net.rates()
    scale = float(np.max(r["kappa"]))  # O(1) rates for the solver
    N = 3
    a = [qutip.tensor(*[qutip.destroy(N) if j == k else qutip.qeye(N) for j in range(3)]) for k in range(3)]
    one = qutip.qeye([N] * 3)
    beta = -r["beta"] / np.sqrt(scale)
    t = [np.sqrt(e) * np.exp(1j * np.pi * f) for e, f in LINKS]
    H = sum(r["delta"][j] / scale * a[j].dag() * a[j] for j in range(3))
    c_ops = []

    def series(L, l):  # (1, L, ·) ◁ (1, l, 0): H gains (1/2i)(l† L − L† l), the fields add
        return L + l, (l.dag() * L - L.dag() * l) / 2j

    L = 0 * one  # channel R
    for j in range(3):
        if j > 0:
            c_ops.append(np.sqrt(1 - LINKS[j - 1][0]) * L)
            L = t[j - 1] * L
        if values[j]["pump_port"] == "R":  # the coherent source joins the channel in series, too
            L, dH = series(L, beta[j] * one)
            H = H + dH
        L, dH = series(L, np.sqrt(2 * r["kappa_R"][j] / scale) * a[j])
        H = H + dH
    c_ops.append(L)
    for j in range(3):
        if r["kappa_p"][j] > 0:
            src = (beta[j] if values[j]["pump_port"] == "own" else 0.0) * one
            Lp, dH = series(src, np.sqrt(2 * r["kappa_p"][j] / scale) * a[j])
            H, c_ops = H + dH, c_ops + [Lp]
        c_ops.append(np.sqrt(2 * r["kappa_0"][j] / scale) * a[j])
    rho = qutip.steadystate(H, [c for c in c_ops if c.norm() > 0])
    me_alpha = np.array([qutip.expect(a[j], rho) for j in range(3)])
    assert rel(me_alpha, alpha) < 1e-8


# ------------------------------------------------------------------ the paper's model at η = 0
@settings(max_examples=25, deadline=None)
@given(phi=st.floats(-2, 2), det=st.floats(-3, 3), dth=st.floats(-1, 1), power=st.floats(1e-4, 0.05),
       temp=st.floats(0, 1))
def test_network_with_full_kappa_pumps_equals_the_paper_at_eta_zero(phi, det, dth, power, temp):
    p = Parameters(eta=0.0, phi_pi=phi, detuning=det, dtheta_pi=dth, power=power, temperature=temp,
                   kappa_r_fraction=0.0, kappa_l_fraction=0.0)
    paper = paper_model(p)  # its own, unmodified mean fields
    nodes = (Node(params=p, pump_port="own", kappa_pump_fraction=1.0, pump_phase_pi=dth),
             Node(params=p, pump_port="own", kappa_pump_fraction=1.0))
    m = network_model(Network(nodes=nodes, links=(Link(eta=0.0, phi_pi=phi),)))
    np.testing.assert_allclose(m.mean_fields.alpha, paper.mean_fields.alpha, rtol=1e-12)
    np.testing.assert_allclose(m.drift, paper.drift, rtol=0, atol=1e-12 * np.max(np.abs(paper.drift)))
    np.testing.assert_allclose(m.diffusion, paper.diffusion, rtol=0, atol=1e-12 * np.max(paper.diffusion))
    sp, sn = steady_state(p), steady_state(m)
    assert sp.stable == sn.stable
    if sp.stable:
        assert sn.E_N == pytest.approx(sp.E_N, abs=1e-12)


def test_channel_pumps_differ_from_the_paper_at_eta_zero_by_the_coupling_fraction():
    """The two-channel model at η = 0 is the paper's at power f·P when each pump enters a channel of rate fκ
    (κ_R = κ_L = fκ): the photon number is scaled by f, exactly."""
    f = 0.5
    p = Parameters(eta=0.0, detuning=1.0, dtheta_pi=0.3, kappa_r_fraction=f, kappa_l_fraction=f)
    two = build_model(p, TWO)
    paper_same_power = paper_model(p)
    np.testing.assert_allclose(np.abs(two.mean_fields.alpha) ** 2, f * np.abs(paper_same_power.mean_fields.alpha) ** 2,
                               rtol=1e-12)
    paper = paper_model(p.replace(power=f * p.power))
    np.testing.assert_allclose(two.mean_fields.alpha, paper.mean_fields.alpha, rtol=1e-12)
    np.testing.assert_allclose(two.drift, paper.drift, rtol=0, atol=1e-12 * np.max(np.abs(paper.drift)))
    np.testing.assert_allclose(two.diffusion, paper.diffusion, rtol=0, atol=1e-12 * np.max(paper.diffusion))


# ------------------------------------------------------------------ construction and errors
def test_networks_are_physical_and_one_way_chains_have_no_back_action():
    rng = np.random.default_rng(5)
    for channels in ("both", "R", "L"):
        for n in (1, 2, 4):
            nodes = []
            for _ in range(n):
                fr, fl = rng.uniform(0, 0.5, 2)
                nodes.append(Node.from_values({"detuning": rng.uniform(0.5, 1.5), "power": rng.uniform(0, 0.01),
                                               "kappa_r_fraction": fr if channels != "L" else 0.0,
                                               "kappa_l_fraction": fl if channels != "R" else 0.0,
                                               "pump_phase_pi": rng.uniform(-1, 1)}))
            links = tuple(Link(eta=rng.uniform(0, 1), phi_pi=rng.uniform(-1, 1)) for _ in range(n - 1))
            m = network_model(Network(nodes=tuple(nodes), links=links, channels=channels))
            assert m.drift.shape == (4 * n, 4 * n)
            assert bool(is_noise_physical(m.drift, m.diffusion))
            if channels == "R" and n > 1:
                np.testing.assert_allclose(m.drift[0:2, 2 : 2 * n], 0.0, atol=1e-9 * np.max(np.abs(m.drift)))


def test_invalid_networks_are_refused():
    with pytest.raises(ParameterError, match="eta"):
        Link(eta=1.5)
    with pytest.raises(ParameterError, match="link parameter"):
        Node.from_values({"eta": 0.5})
    with pytest.raises(ParameterError, match="kappa_pump_fraction"):
        Node(kappa_pump_fraction=0.5)  # with the default κ_R = κ_L = κ/2 this exceeds κ
    with pytest.raises(ParameterError, match="no channel L"):
        Network.uniform(3, channels="R")  # default κ_L/κ = ½ has nowhere to go
    with pytest.raises(ParameterError, match="links"):
        Network(nodes=(Node(), Node()), links=(Link(), Link()))


def test_steady_state_of_a_network_names_its_modes():
    net = Network.uniform(3, Parameters(kappa_r_fraction=1.0, kappa_l_fraction=0.0, eta=0.9, detuning=1.0),
                          channels="R")
    m = network_model(net)
    s = steady_state(m, pair=("b1", "b3"))
    V = solve_lyapunov(m.drift, m.diffusion)
    assert s.E_N_formal == pytest.approx(float(log_negativity(V, (3, 5))), abs=1e-12)
    with pytest.raises(ParameterError, match="a1, a2, a3, b1, b2, b3"):
        steady_state(m, pair=("b1", "b9"))
    d = m.describe()
    assert d["model"] == "network" and [nd["name"] for nd in d["nodes"]] == ["node1", "node2", "node3"]
