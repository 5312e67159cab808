"""QuTiP in and out: from_qutip / to_qutip, refusal of nonlinear terms, a three-mode model end to end."""

import numpy as np
import pytest
import qutip
import scipy.linalg

import cascom_sim as cs
from cascom_sim import LindbladModel, LinearModel, ParameterError, from_qutip, to_qutip
from cascom_sim.gaussian.covariance import thermal_covariance
from cascom_sim.solvers.dynamics import evolve_covariance, evolve_ensemble
from cascom_sim.solvers.master import master_steady_state


def random_model(n, seed) -> LinearModel:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(2 * n, 2 * n))
    jumps = rng.normal(size=(2 * n, 2 * n)) + 1j * rng.normal(size=(2 * n, 2 * n))
    return LinearModel.from_lindblad(LindbladModel(hamiltonian=X + X.T, jumps=jumps))


@pytest.mark.parametrize("n", [1, 2, 3, 4])
@pytest.mark.parametrize("seed", [0, 1])
def test_round_trip_gives_the_same_drift_and_diffusion(n, seed):
    m = random_model(n, seed + 10 * n)
    H, c_ops = to_qutip(m, 3)
    back = from_qutip(H, c_ops, modes=m.modes)
    scale = np.max(np.abs(m.drift))
    np.testing.assert_allclose(back.drift, m.drift, rtol=0, atol=1e-12 * scale)
    np.testing.assert_allclose(back.diffusion, m.diffusion, rtol=0, atol=1e-12 * np.max(np.abs(m.diffusion)))
    assert back.modes == m.modes and back.label == "user"


def test_round_trip_of_a_model_given_only_as_drift_and_diffusion():
    m = cs.build_model(cs.Parameters(eta=0.5), cs.ModelOptions(model="two-channel"))
    bare = LinearModel(drift=m.drift, diffusion=m.diffusion)  # no (H, L): reconstructed for to_qutip
    back = from_qutip(*to_qutip(bare, 3), modes=m.modes)
    np.testing.assert_allclose(back.drift, m.drift, rtol=0, atol=1e-9 * np.max(np.abs(m.drift)))
    np.testing.assert_allclose(back.diffusion, m.diffusion, rtol=0, atol=1e-9 * np.max(np.abs(m.diffusion)))
    with pytest.raises(cs.UnphysicalModelError, match="no master equation"):
        to_qutip(cs.paper_model(cs.Parameters(eta=0.5, phi_pi=0.2)), 3)


def test_single_mode_against_hand_values_and_truncated_products():
    a = qutip.destroy(5)
    m = from_qutip(2.0 * a.dag() * a, [np.sqrt(0.2) * a], modes=["cav"])
    np.testing.assert_allclose(m.drift, [[-0.1, 2.0], [-2.0, -0.1]], atol=1e-15)
    np.testing.assert_allclose(m.diffusion, 0.1 * np.eye(2), atol=1e-15)
    # X² built from truncated matrices is wrong on the top Fock level only; it must still be read as quadratic
    x = (a + a.dag()) / np.sqrt(2)
    m2 = from_qutip(x * x + 0.3 * (a + a.dag()), [np.sqrt(0.2) * a])
    np.testing.assert_allclose(m2.drift, [[-0.1, 0.0], [-2.0, -0.1]], atol=1e-14)


def test_higher_order_terms_are_refused_by_name():
    a = qutip.tensor(qutip.destroy(5), qutip.qeye(4))
    b = qutip.tensor(qutip.qeye(5), qutip.destroy(4))
    with pytest.raises(ParameterError, match=r"0\.3·a_(cav† a_mir\^2|mir†\^2 a_cav).*order 3"):
        from_qutip(a.dag() * a + 0.3 * (a.dag() * b * b + b.dag() * b.dag() * a), [a], modes=("cav", "mir"))
    with pytest.raises(ParameterError, match=r"a_cav†\^2 a_cav\^2"):
        from_qutip(0.5 * a.dag() * a.dag() * a * a, [a], modes=("cav", "mir"))  # Kerr
    with pytest.raises(ParameterError, match=r"c_ops\[1\].*a_cav† a_mir"):
        from_qutip(a.dag() * a, [a, a.dag() * b], modes=("cav", "mir"))
    with pytest.raises(ParameterError, match="Hermitian"):
        from_qutip(a * b, [a])
    with pytest.raises(ParameterError, match="at least 3"):
        from_qutip(qutip.destroy(2).dag() * qutip.destroy(2), [])


# ---------------------------------------------------------------- three modes end to end (examples/qutip_model.py)
TWO_PI = 2 * np.pi
KAPPA, G, R, GAMMA, NTH = TWO_PI * 1.0e6, TWO_PI * 0.2e6, 0.3, TWO_PI * 2e3, 0.05
MODES = ("cavity", "mirror_L", "mirror_R")
PAIR = ("mirror_L", "mirror_R")


def three_mode_qutip(N=4):
    a, bL, bR = (qutip.tensor(*[qutip.destroy(N) if j == k else qutip.qeye(N) for j in range(3)]) for k in range(3))
    H = G * np.cosh(R) * (a.dag() * bL + a * bL.dag()) + G * np.sinh(R) * (a.dag() * bR.dag() + a * bR)
    c_ops = [np.sqrt(2 * KAPPA) * a, np.sqrt(2 * GAMMA * (NTH + 1)) * bL, np.sqrt(2 * GAMMA * NTH) * bL.dag(),
             np.sqrt(2 * GAMMA * (NTH + 1)) * bR, np.sqrt(2 * GAMMA * NTH) * bR.dag()]
    return H, c_ops


def hand_drift_diffusion():
    """From the Langevin equations written out by hand on ξ = (a, a†, b_L, b_L†, b_R, b_R†):
    ȧ = −κa − iG₊b_L − iG₋b_R†,  ḃ_L = −γb_L − iG₊a,  ḃ_R = −γb_R − iG₋a†;  D = diag(κ, κ, γ(2n+1) ×4)."""
    gp, gm = G * np.cosh(R), G * np.sinh(R)
    Ac = np.zeros((6, 6), complex)
    Ac[0, 0], Ac[0, 2], Ac[0, 5] = -KAPPA, -1j * gp, -1j * gm
    Ac[2, 2], Ac[2, 0] = -GAMMA, -1j * gp
    Ac[4, 4], Ac[4, 1] = -GAMMA, -1j * gm
    for k in (0, 2, 4):  # the adjoint rows
        Ac[k + 1] = np.conj(Ac[k][[1, 0, 3, 2, 5, 4]])
    T = np.kron(np.eye(3), np.array([[1, 1j], [1, -1j]]) / np.sqrt(2))  # ξ = T r
    A = np.linalg.solve(T, Ac @ T)
    assert np.max(np.abs(A.imag)) < 1e-6
    return A.real, np.diag([KAPPA, KAPPA] + [GAMMA * (2 * NTH + 1)] * 4)


def test_three_mode_model_from_qutip_through_every_solver(tmp_path):
    model = from_qutip(*three_mode_qutip(), modes=MODES)
    A, D = hand_drift_diffusion()
    np.testing.assert_allclose(model.drift, A, rtol=0, atol=1e-9 * KAPPA)
    np.testing.assert_allclose(model.diffusion, D, rtol=0, atol=1e-9 * KAPPA)

    s = cs.steady_state(model, pair=PAIR)
    V = scipy.linalg.solve_continuous_lyapunov(A, -D)
    assert s.modes == MODES and s.pair == PAIR and s.stable and s.bona_fide
    assert s.E_N == pytest.approx(float(cs.log_negativity(V, (1, 2))), abs=1e-9)
    assert s.E_N == pytest.approx(0.421898, abs=1e-6)  # below 2r = 0.6: the mirrors' baths
    np.testing.assert_allclose(s.occupations, [0.000289, 0.094751, 0.239229], atol=2e-6)

    V0 = thermal_covariance([0.0, NTH, NTH])
    t = np.linspace(0.0, 60e-6, 61)
    ev = evolve_covariance(model, t, V0, pair=PAIR)
    assert ev.modes == MODES and ev.E_N[0] == 0.0
    assert ev.E_N[-1] == pytest.approx(s.E_N, abs=1e-4)
    ens = evolve_ensemble(model, t[::20], V0, 4096, seed=1, pair=PAIR)
    inside = (ens.E_N_ci[:, 0] - 0.01 <= ev.E_N[::20]) & (ev.E_N[::20] <= ens.E_N_ci[:, 1] + 0.01)
    assert inside.all()

    me = master_steady_state(model, (2, 5, 5), s.covariance)
    assert me.modes == MODES
    # normal-ordered build and read-out: 2.5e-3 at these cutoffs (E_N low by 5.5e-3), 6.2e-4 at (2, 6, 6)
    assert me.relative_difference < 4e-3
    assert me.log_negativity(PAIR) == pytest.approx(s.E_N, abs=7e-3)

    from cascom_sim.report.plotting import plot_evolution

    assert plot_evolution(ev, tmp_path / "qutip_model.png").stat().st_size > 0
    from cascom_sim.cli.steady import steady_json

    d = steady_json(s)
    assert d["modes"] == list(MODES) and set(d["occupations"]) == set(MODES)
