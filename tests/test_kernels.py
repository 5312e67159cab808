"""The compiled steady-state kernel against the NumPy reference pipeline (flags identical, V and E_N
to 1e-10 relative) on random points of every model, and independent of the number of threads."""

import zlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cascom_sim import ModelOptions, Parameters
from cascom_sim.conventions import default_modes
from cascom_sim.gaussian import covariance as gaussian
from cascom_sim.gaussian.lyapunov import solve_lyapunov
from cascom_sim.gaussian.stability import max_real_eigenvalue, stable_by_eigenvalues, stable_by_routh_hurwitz
from cascom_sim.models import build_model, drift_and_diffusion
from cascom_sim.presets import SINGLE_CAVITY_ENTANGLED
from cascom_sim.runs.kernels import steady_points
from cascom_sim.runs.sweep import ENGINES, Axis, evaluate_points, run_sweep

PAIRS = (("b1", "b2"), ("a1", "b1"), ("a2", "b2"))
N = 400


def _reference(A, D, pairs, modes=None):
    """The NumPy pipeline of runs/sweep.py, returning V as well."""
    max_re = max_real_eigenvalue(A)
    by_eig = stable_by_eigenvalues(A, max_re)
    by_rh = stable_by_routh_hurwitz(A)
    stable = by_eig & by_rh
    V = np.full(A.shape, np.nan)
    V[stable] = solve_lyapunov(A[stable], D[stable])
    bona = np.full(A.shape[0], -1, dtype=np.int8)
    bona[stable] = gaussian.is_bona_fide(V[stable])
    en = np.full((A.shape[0], len(pairs)), np.nan)
    for k, pair in enumerate(pairs):
        en[stable, k] = gaussian.log_negativity(V[stable], pair, modes)
    return {"max_re_eigenvalue": max_re, "stable_eigenvalues": by_eig, "stable_routh_hurwitz": by_rh,
            "noise_physical": gaussian.is_noise_physical(A, D), "bona_fide": bona, "E_N_formal": en,
            "covariance": V}


def _compare(A, D, pairs, min_stable=1):
    modes = default_modes(A.shape[-1] // 2)
    idx = np.array([gaussian.pair_indices(p, modes) for p in pairs])
    got = steady_points(A, D, idx, keep_covariance=True)
    ref = _reference(A, D, pairs, modes)
    for k in ("stable_eigenvalues", "stable_routh_hurwitz", "noise_physical", "bona_fide"):
        np.testing.assert_array_equal(got[k], ref[k], err_msg=k)
    scale = np.max(np.abs(A), axis=(-2, -1))
    assert np.all(np.abs(got["max_re_eigenvalue"] - ref["max_re_eigenvalue"]) <= 1e-12 * scale)
    stable = ref["stable_eigenvalues"] & ref["stable_routh_hurwitz"]
    assert stable.sum() >= min_stable
    Vg, Vr = got["covariance"][stable], ref["covariance"][stable]
    vscale = np.max(np.abs(Vr), axis=(-2, -1), keepdims=True)
    assert np.all(np.abs(Vg - Vr) <= 1e-10 * vscale)
    # the formula on the same V agrees to rounding; end to end, the two Lyapunov solvers' V differ at
    # ~1e-12 relative and ν₋ can amplify that near a singular V, so E_N is held to 1e-9 there
    for k, pair in enumerate(pairs):
        parity = gaussian.log_negativity(got["covariance"][stable], pair, modes)
        np.testing.assert_allclose(got["E_N_formal"][stable, k], parity, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(got["E_N_formal"][stable], ref["E_N_formal"][stable], rtol=1e-9, atol=1e-12)
    assert np.all(np.isnan(got["E_N_formal"][~stable])) and np.all(got["bona_fide"][~stable] == -1)
    return got, stable


def _random_points(base, rng, **ranges):
    return base.replace(**{k: rng.uniform(lo, hi, N) for k, (lo, hi) in ranges.items()})


@pytest.mark.parametrize("units", ["consistent", "literal"])
@pytest.mark.parametrize("coupling", ["paper", "standard"])
@pytest.mark.parametrize("bath", ["paper", "brownian"])
def test_paper_model_matches_reference(units, coupling, bath):
    rng = np.random.default_rng(zlib.crc32(f"{units}-{coupling}-{bath}".encode()))  # hash() is salted per process
    opts = ModelOptions(units=units, coupling=coupling, bath=bath)
    # the paper's parameters (stable/unstable mix across φ) and a strongly coupled, entangled variant
    seen = 0
    for base, ranges in ((Parameters(eta=0.3), {"detuning": (0.5, 2.5), "phi_pi": (0.4, 0.6)}),
                         (SINGLE_CAVITY_ENTANGLED.replace(eta=0.5),
                          {"detuning": (0.5, 1.5), "phi_pi": (0.0, 2.0), "dtheta_pi": (0.0, 1.0)})):
        m = build_model(_random_points(base, rng, **ranges), opts)
        seen += _compare(m.drift, m.diffusion, PAIRS, min_stable=0)[1].sum()
    assert seen > 0


def test_two_channel_model_matches_reference():
    rng = np.random.default_rng(7)
    pts = _random_points(SINGLE_CAVITY_ENTANGLED.replace(eta=0.5), rng, detuning=(0.3, 2.0), phi_pi=(0.0, 2.0),
                         kappa_r_fraction=(0.0, 0.5))
    m = build_model(pts, ModelOptions(model="two-channel"))
    got, stable = _compare(m.drift, m.diffusion, PAIRS, min_stable=N // 2)
    assert np.any(got["E_N_formal"][stable] > 0)


@pytest.mark.parametrize("modes", [2, 3, 6])
def test_any_size_matches_reference(modes):
    """Random physical (H, L) models of other sizes: stable and unstable, any pair."""
    rng = np.random.default_rng(modes)
    n = 2 * modes
    H = rng.normal(size=(N, n, n))
    H = H + np.swapaxes(H, -1, -2)
    L = rng.normal(size=(N, modes + 1, n)) + 1j * rng.normal(size=(N, modes + 1, n))
    A, D = drift_and_diffusion(H, L)
    # extra damping spread so that both stable and unstable points occur at every size
    A = A - rng.uniform(0, 4 * n, N)[:, None, None] * np.eye(n)
    _compare(A, D, [(0, modes - 1), (modes - 1, 0)], min_stable=10)


def test_threads_do_not_change_results():
    rng = np.random.default_rng(3)
    m = build_model(_random_points(SINGLE_CAVITY_ENTANGLED.replace(eta=0.5), rng, detuning=(0.5, 1.5),
                                   phi_pi=(0.0, 2.0)), ModelOptions())
    idx = np.array([gaussian.pair_indices(p) for p in PAIRS])
    one = steady_points(m.drift, m.diffusion, idx, threads=1, keep_covariance=True)
    two = steady_points(m.drift, m.diffusion, idx, threads=2, keep_covariance=True)
    for k in one:
        np.testing.assert_array_equal(one[k], two[k], err_msg=k)


def test_sweep_engines_agree():
    """run_sweep's default (compiled, threads) against the NumPy engine: same flags, same numbers."""
    axes = [Axis("detuning", 0.5, 2.5, 23), Axis("phi_pi", 0.0, 2.0, 19)]
    base = SINGLE_CAVITY_ENTANGLED.replace(eta=0.4)
    fast = run_sweep(axes, base=base, pair=("a1", "b1"), threads=2, chunk=200).dataset
    ref = run_sweep(axes, base=base, pair=("a1", "b1"), engine="numpy").dataset
    for k in ("stable", "stable_eigenvalues", "stable_routh_hurwitz", "noise_physical", "bona_fide"):
        np.testing.assert_array_equal(fast[k].values, ref[k].values, err_msg=k)
    for k in ("E_N", "E_N_formal", "photon_number_1", "photon_number_2"):
        np.testing.assert_allclose(fast[k].values, ref[k].values, rtol=1e-10, atol=1e-12, err_msg=k)
    np.testing.assert_allclose(fast["max_re_eigenvalue"].values, ref["max_re_eigenvalue"].values, rtol=1e-9)
    assert 0 < float(fast["stable"].mean()) < 1 and np.nanmax(fast["E_N_formal"].values) > 0


def test_unknown_engine_is_a_parameter_error():
    from cascom_sim.errors import ParameterError

    with pytest.raises(ParameterError, match="engine"):
        evaluate_points(Parameters(), ModelOptions(), ("b1", "b2"), engine="fortran")


def test_ensemble_threads_do_not_change_results():
    """Seeded blocks on 1 or 3 threads: the same estimate and intervals, bit for bit."""
    from cascom_sim.models import build_model as build
    from cascom_sim.solvers.dynamics import BLOCK, evolve_ensemble, initial_covariance

    m = build(SINGLE_CAVITY_ENTANGLED)
    V0 = initial_covariance(SINGLE_CAVITY_ENTANGLED)
    times = np.linspace(0, 2e-7, 6)
    runs = [evolve_ensemble(m, times, V0, 2 * BLOCK + 100, seed=4, pair=("a1", "b1"), threads=k) for k in (1, 3)]
    assert runs[1].stats["threads"] == 3
    for attr in ("covariances", "E_N", "E_N_ci", "bona_fide"):
        np.testing.assert_array_equal(getattr(runs[0], attr), getattr(runs[1], attr), err_msg=attr)


@pytest.mark.parametrize("reduction", ["householder", "elimination"])
@pytest.mark.parametrize("n", [2, 3, 5, 8, 12])
def test_hessenberg_characteristic_polynomial(n, reduction):
    """La Budde's recursion on the kernel's Hessenberg forms (Householder, and Gaussian elimination with
    pivoting) against Faddeev–LeVerrier on A (the NumPy reference) and against the monic polynomial of
    A's eigenvalues: the same coefficients to rounding."""
    from cascom_sim.gaussian.stability import characteristic_polynomial
    from cascom_sim.runs.kernels import _charpoly_hessenberg, _hessenberg, _hessenberg_elimination

    rng = np.random.default_rng(100 + n)
    for _ in range(20):
        A = rng.normal(size=(n, n)) * 10.0 ** rng.uniform(-3, 9)
        scale = float(np.max(np.abs(A)))
        H = A.copy()
        if reduction == "householder":
            _hessenberg(H, np.empty(n), np.empty(n), n)
        else:
            _hessenberg_elimination(H, n)
            assert np.all(np.tril(H, -2) == 0.0)
        c = np.empty(n + 1)
        _charpoly_hessenberg(H, n, scale, np.empty((n + 1, n + 1)), c)
        fl = characteristic_polynomial(A / scale)
        roots = np.poly(np.linalg.eigvals(A / scale)).real
        # coefficients of a polynomial with roots of size ≤ n: c_k ≤ C(n, k) n^k
        bound = np.array([np.prod(np.arange(n - k + 1, n + 1)) * float(n) ** k for k in range(n + 1)])
        np.testing.assert_allclose(c, fl, rtol=0, atol=1e-12 * bound.max())
        np.testing.assert_allclose(c, roots, rtol=0, atol=1e-12 * bound.max())


@pytest.mark.parametrize("n", [2, 4, 8, 12])
def test_eigenvalues_from_the_elimination_form(n):
    """QR (eigenvalues only) on the elimination Hessenberg form gives LAPACK's eigenvalues of A, also for
    matrices with a zero pivot column, repeated eigenvalues and rates over many decades."""
    from cascom_sim.runs.kernels import _hessenberg_elimination, _schur

    rng = np.random.default_rng(200 + n)
    mats = [rng.normal(size=(n, n)) * 10.0 ** rng.uniform(-3, 9) for _ in range(30)]
    mats.append(np.diag(np.arange(1.0, n + 1)))  # already triangular: nothing to eliminate
    mats.append(np.kron(np.eye(n // 2), [[-1.0, 2.0], [-2.0, -1.0]]) if n % 2 == 0 else np.eye(n))  # repeated pairs
    for A in mats:
        H = A.copy()
        _hessenberg_elimination(H, n)
        wr, wi = np.empty(n), np.empty(n)
        assert _schur(H, np.empty((n, n)), wr, wi, np.empty(n, dtype=np.int64), n, False)
        ref = np.linalg.eigvals(A)
        got = np.sort_complex(wr + 1j * wi)
        scale = np.max(np.abs(A))
        np.testing.assert_allclose(np.sort_complex(ref), got, rtol=0, atol=1e-12 * scale)


def test_shared_diffusion_is_not_copied_and_gives_the_same_results():
    """A sweep over detunings has one D for every point (a broadcast view): passed once, same results."""
    rng = np.random.default_rng(11)
    m = build_model(_random_points(SINGLE_CAVITY_ENTANGLED.replace(eta=0.5), rng, detuning=(0.5, 1.5),
                                   phi_pi=(0.0, 2.0)), ModelOptions())
    assert m.diffusion.strides[0] == 0  # κ, γ_m, n_m do not vary: one matrix, broadcast
    idx = np.array([gaussian.pair_indices(p) for p in PAIRS])
    shared = steady_points(m.drift, m.diffusion, idx, keep_covariance=True)
    full = steady_points(m.drift, np.array(m.diffusion), idx, keep_covariance=True)
    single = steady_points(m.drift, m.diffusion[0], idx, keep_covariance=True)
    for k in shared:
        np.testing.assert_array_equal(shared[k], full[k], err_msg=k)
        np.testing.assert_array_equal(single[k], full[k], err_msg=k)
    assert np.any(shared["bona_fide"] == 1)


def test_a_full_stack_of_diffusions_reaches_the_kernel_uncopied(monkeypatch):
    """A writable, C-contiguous (N, n, n) D is passed to the kernel as it is (it went through np.broadcast_to,
    whose read-only view was then copied: 16 MB per 8192-point chunk of a 2-node network sweep)."""
    from cascom_sim.runs import kernels

    A, D = np.tile(-np.eye(8), (5, 1, 1)), np.tile(np.eye(8), (5, 1, 1))
    seen = []
    plain = kernels._plain
    monkeypatch.setattr(kernels, "_plain", lambda x: seen.append(np.shares_memory(plain(x), x)) or plain(x))
    out = kernels.steady_points(A, D, np.array([[0, 1, 2, 3]]))
    assert seen == [True, True] and out["stable_eigenvalues"].all()


def test_blocks_claimed_by_threads_do_not_change_results():
    """evaluate_points splits a stack into KERNEL_BLOCK blocks that threads claim as they free up: the
    result is the same, bit for bit, on 1, 2 or 3 threads."""
    from cascom_sim.runs.sweep import KERNEL_BLOCK

    rng = np.random.default_rng(5)
    n = 2 * KERNEL_BLOCK + 777
    pts = _random_points(SINGLE_CAVITY_ENTANGLED.replace(eta=0.4), rng, detuning=(0.5, 1.5), phi_pi=(0.0, 2.0))
    pts = pts.replace(detuning=rng.uniform(0.5, 1.5, n), phi_pi=rng.uniform(0.0, 2.0, n))
    runs = [evaluate_points(pts, ModelOptions(), PAIRS, threads=k) for k in (1, 2, 3)]
    assert 0 < runs[0]["stable"].mean() < 1
    for other in runs[1:]:
        for k in runs[0]:
            np.testing.assert_array_equal(runs[0][k], other[k], err_msg=k)


@pytest.mark.parametrize("units", ["consistent", "literal"])
@pytest.mark.parametrize("coupling", ["paper", "standard"])
@pytest.mark.parametrize("bath", ["paper", "brownian"])
def test_paper_model_built_in_the_kernel(units, coupling, bath):
    """The kernel's own mean fields and drift of the paper's model (used by sweeps) against the NumPy
    model: drift coefficients and photon numbers to 1e-13 relative, the layout entry for entry, and the
    sweep outputs against the kernel on stacked A: flags identical, numbers to rounding."""
    from cascom_sim.models.meanfield import mean_fields
    from cascom_sim.models.paper import paper_drift, paper_drift_coefficients
    from cascom_sim.runs.kernels import _paper_coefficients, _paper_drift, paper_inputs
    from cascom_sim.runs.sweep import _evaluate_compiled, _evaluate_paper_compiled

    rng = np.random.default_rng(zlib.crc32(f"{units}-{coupling}-{bath}".encode()))
    opts = ModelOptions(units=units, coupling=coupling, bath=bath)
    if units == "consistent":
        pts = _random_points(SINGLE_CAVITY_ENTANGLED.replace(eta=0.5), rng, detuning=(0.5, 1.5),
                             phi_pi=(0.0, 2.0), dtheta_pi=(0.0, 2.0), temperature=(0.01, 1.0), power=(1e-3, 5e-2))
    else:  # the paper's parameters, where the literal reading has stable points
        pts = _random_points(Parameters(eta=0.3), rng, detuning=(0.5, 2.5), phi_pi=(0.45, 0.55),
                             dtheta_pi=(0.0, 2.0), temperature=(0.01, 1.0), eta=(0.0, 1.0))
    mf = mean_fields(pts, opts)
    q_ref, A = paper_drift_coefficients(pts, opts, mf), paper_drift(pts, opts, mf)
    X = paper_inputs(pts, coupling)
    q, a = np.empty(12), np.empty((8, 8))
    for k in range(N):
        photons = _paper_coefficients(X[k], units == "literal", bath == "brownian", q)
        scale = np.max(np.abs(q_ref[k]))
        np.testing.assert_allclose(q, q_ref[k], rtol=1e-13, atol=1e-13 * scale)
        np.testing.assert_allclose(photons, mf.photon_numbers[k], rtol=1e-13)
        _paper_drift(q_ref[k], a)
        np.testing.assert_array_equal(a, A[k])
    fused = _evaluate_paper_compiled(pts, opts, PAIRS, threads=2)
    stacked = _evaluate_compiled(pts, opts, PAIRS, ("E_N",))
    assert fused.keys() == stacked.keys()
    scale = np.max(np.abs(q_ref), axis=-1)
    for key in fused:
        if key == "max_re_eigenvalue":  # as the kernel against LAPACK: to 1e-12 of the largest rate
            assert np.all(np.abs(fused[key] - stacked[key]) <= 1e-12 * scale)
        elif key.startswith("photon_number"):
            np.testing.assert_allclose(fused[key], stacked[key], rtol=1e-13, err_msg=key)
        elif fused[key].dtype.kind == "f":  # E_N: as in _compare (ν₋ amplifies rounding near a singular V)
            np.testing.assert_allclose(fused[key], stacked[key], rtol=1e-9, atol=1e-12, err_msg=key)
        else:
            np.testing.assert_array_equal(fused[key], stacked[key], err_msg=key)
    assert np.any(fused["stable"]) and np.any(~fused["stable"])


def test_paper_model_in_the_kernel_refuses_rates_as_build_model_does():
    """Rates that would overflow the linear algebra are refused with build_model's message, not computed."""
    from cascom_sim.errors import ParameterError
    from cascom_sim.models.build import RATE_LIMIT

    # each value in its own range, together they overflow (the robustness suite's case), at one of three points
    pts = Parameters(mass=1e-35, omega_m=1e-3, length=1e-15).replace(detuning=np.array([1.0, 1.1, 1.2]))
    with pytest.raises(ParameterError, match="representable") as caught:
        build_model(pts, ModelOptions())
    with pytest.raises(ParameterError) as fused:
        evaluate_points(pts, ModelOptions())
    assert str(fused.value) == str(caught.value) and f"{RATE_LIMIT:.0e}" in str(fused.value)


def test_paper_model_in_the_kernel_refuses_singular_mean_fields_as_build_model_does():
    """At η = 1/4, Δ = 0, φ = 0 (θ1 = 0) the mean-field equations are singular (det = (iΔ + κ)² − K² = 0
    exactly): the kernel neither raises numba's ZeroDivisionError nor computes a NaN drift, it reports the
    rate as not finite, and the sweep refuses the point with build_model's message, as the NumPy engine does."""
    from cascom_sim.errors import ParameterError
    from cascom_sim.models.paper import paper_diffusion
    from cascom_sim.runs.kernels import paper_inputs, paper_points

    pts = Parameters(detuning=0.0, phi_pi=0.0, dtheta_pi=0.0).replace(eta=np.array([0.5, 0.25, 0.75]))
    k = paper_points(paper_inputs(pts), paper_diffusion(pts, ModelOptions(), (3,)),
                     np.array([gaussian.pair_indices(p) for p in PAIRS]))
    np.testing.assert_array_equal(np.isfinite(k["rate"]), [True, False, True])
    with pytest.raises(ParameterError, match="representable") as caught:
        build_model(pts, ModelOptions())
    for engine in ENGINES:
        with pytest.raises(ParameterError) as refused:
            evaluate_points(pts, ModelOptions(), engine=engine)
        assert str(refused.value) == str(caught.value)


def test_first_kernel_load_leaves_scipy_and_numba_blas_usable():
    """The first kernel load skips numba's scipy.linalg probe (see kernels._first_load); afterwards nothing of
    it remains: scipy.linalg imports, and numba code using BLAS (np.dot) still compiles and is right."""
    import subprocess
    import sys

    code = """
import sys, numpy as np
from cascom_sim.runs.kernels import steady_points
out = steady_points(-np.eye(4)[None], np.eye(4), np.array([[0, 1, 2, 3]]))
assert out["stable_eigenvalues"][0] and 'scipy.linalg.cython_blas' not in sys.modules
import numba
f = numba.njit(lambda a, b: (np.dot(a, b), np.convolve(a, b)))
d, c = f(np.arange(3.0), np.ones(3))
assert d == 3.0
np.testing.assert_array_equal(c, [0, 1, 3, 3, 2])
import scipy.linalg
np.testing.assert_allclose(scipy.linalg.solve(2 * np.eye(2), np.ones(2)), 0.5, rtol=1e-15)
print("ok")
"""
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr


def test_first_kernel_load_does_not_break_imports_of_other_threads():
    """The scipy.linalg mark of kernels._first_load is process-wide: while another thread exists it is not
    set, so that thread's ``import scipy.linalg`` during the load succeeds (it failed with
    ModuleNotFoundError while the mark was set)."""
    import subprocess
    import sys

    code = """
import sys, threading, time, numpy as np
from cascom_sim.runs import kernels
assert "scipy.linalg" not in sys.modules
seen = []
def other():  # waits until the mark is set (or the load is over), then imports
    while not kernels._LOADED and sys.modules.get("scipy.linalg.cython_blas", 0) is not None:
        time.sleep(1e-4)
    try:
        import scipy.linalg
        seen.append("ok")
    except ImportError as exc:
        seen.append(repr(exc))
t = threading.Thread(target=other)
t.start()
out = kernels.steady_points(-np.eye(4)[None], np.eye(4), np.array([[0, 1, 2, 3]]))
t.join()
assert out["stable_eigenvalues"][0]
print(seen[0])
"""
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.strip() == "ok", (r.stdout, r.stderr)


def _poly_with_roots(roots):
    return np.poly(roots).real


@pytest.mark.parametrize("n", [1, 2, 3, 4, 6, 8, 12])
def test_routh_count_is_the_number_of_right_half_plane_roots(n):
    """Routh's sign count on polynomials built from known roots (kept ≥ 1e-2 from the imaginary axis):
    the number of roots with positive real part, and 0 exactly where the stability test says stable."""
    from cascom_sim.runs.kernels import _routh_count, _routh_table

    rng = np.random.default_rng(300 + n)
    width = n // 2 + 1
    scratch = [np.empty(width) for _ in range(3)]
    for _ in range(40):
        roots = []
        while len(roots) < n:
            re = rng.choice([-1.0, 1.0]) * rng.uniform(1e-2, 1.0)
            if n - len(roots) >= 2 and rng.random() < 0.7:
                im = rng.uniform(0.05, 2.0)
                roots += [re + 1j * im, re - 1j * im]
            else:
                roots.append(re)
        c = _poly_with_roots(roots)
        expected = int(np.sum(np.real(roots) > 0))
        assert _routh_count(c, n, *scratch) == expected
        assert _routh_table(c, n, *scratch) == (expected == 0)
    if n == 2:  # roots ±i: a zero in the first column, undecided (the caller then counts nothing as certain)
        assert _routh_count(np.array([1.0, 0.0, 1.0]), 2, *scratch) == -1


def test_taylor_shift_evaluates_the_shifted_polynomial():
    from cascom_sim.runs.kernels import _taylor_shift

    rng = np.random.default_rng(7)
    for n in (1, 3, 8, 12):
        c = np.concatenate([[1.0], rng.normal(size=n)])
        b = np.empty(n + 1)
        sigma = rng.normal()
        _taylor_shift(c, n, sigma, b)
        z = rng.normal(size=5) + 1j * rng.normal(size=5)
        np.testing.assert_allclose(np.polyval(b, z), np.polyval(c, z + sigma), rtol=1e-12)


def _rightmost(A, start):
    """The kernel's certified rightmost eigenvalue of A from ``start``: (λ, certified)."""
    from cascom_sim.runs.kernels import _charpoly_hessenberg, _hessenberg_elimination, _rightmost_by_newton

    n = A.shape[0]
    S = A.copy()
    scale = float(np.max(np.abs(A)))
    _hessenberg_elimination(S, n)
    c = np.empty(n + 1)
    _charpoly_hessenberg(S, n, scale, np.empty((n + 1, n + 1)), c)
    width = n // 2 + 1
    return _rightmost_by_newton(S, c, n, scale, complex(start), np.empty(n, complex), np.empty(n, complex),
                                np.empty(n + 1), np.empty(width), np.empty(width), np.empty(width))


def _with_spectrum(eigenvalues, rng):
    """A real matrix with the given (conjugate-closed) spectrum: a random similarity of its real Schur form."""
    n = len(eigenvalues)
    T = np.triu(rng.normal(size=(n, n)) * 0.3, 2)
    k = 0
    while k < n:
        lam = eigenvalues[k]
        if lam.imag != 0:
            T[k:k + 2, k:k + 2] = [[lam.real, lam.imag], [-lam.imag, lam.real]]
            k += 2
        else:
            T[k, k] = lam.real
            k += 1
    Q = rng.normal(size=(n, n))
    return Q @ T @ np.linalg.inv(Q)


def test_rightmost_eigenvalue_by_newton_is_certified_only_when_it_is_the_rightmost():
    """Soundness of the certificate: from near, far and wrong starts, on random matrices, weakly damped
    drifts, graded and nearly multiple spectra and near ties, every certified λ is the rightmost eigenvalue
    (LAPACK's, to 1e-12 max|A|); a well-separated rightmost pair is certified from a start 1e-3 away; ties
    within the margin and a double rightmost pair are not."""
    from cascom_sim.runs.kernels import RIGHTMOST_MARGIN

    rng = np.random.default_rng(42)
    omega = np.kron(np.eye(4), [[0.0, 1.0], [-1.0, 0.0]])
    mats = [rng.normal(size=(8, 8)) for _ in range(60)]
    for _ in range(60):  # drift of a weakly damped linear network, some unstable
        H = rng.normal(size=(8, 8))
        H = (H + H.T) / np.linalg.norm(H + H.T, 2)
        mats.append(omega @ H - 0.5 * np.diag(np.repeat(10.0 ** rng.uniform(-4, -1, 4), 2))
                    + 0.02 * rng.uniform() * np.eye(8))
    for _ in range(30):  # graded: a diagonal similarity over eight decades
        d = 10.0 ** rng.uniform(-4, 4, 8)
        mats.append(d[:, None] * rng.normal(size=(8, 8)) / d[None, :])
    certified = 0
    for A in mats:
        ev = np.linalg.eigvals(A)
        top = ev[np.argmax(ev.real)]
        scale = np.max(np.abs(A))
        for start in (top * (1 + 1e-3 * rng.normal()), top * (1 + 0.2 * rng.normal()), ev[np.argmin(ev.real)],
                      complex(*rng.normal(size=2)) * scale):
            lam, ok = _rightmost(A, start)
            if ok:
                certified += 1
                assert abs(lam.real - ev.real.max()) <= 1e-12 * scale
    assert certified >= 150
    # near ties: a second pair 1e-6 max|A| to the right of the start's pair is never missed
    for d in (1e-2, 1e-6, 1e-10):
        for _ in range(20):
            spectrum = [0.3 + 1j, 0.3 - 1j, 0.3 + d + 0.7j, 0.3 + d - 0.7j, -0.5 + 0.2j, -0.5 - 0.2j, -0.2, -0.9]
            A = _with_spectrum(spectrum, rng)
            scale = np.max(np.abs(A))
            lam, ok = _rightmost(A, 0.3 + 1j)
            true = max(np.linalg.eigvals(A).real)
            assert not ok or abs(lam.real - true) <= 1e-12 * scale
            if d * 1.0 < RIGHTMOST_MARGIN * scale / 10:
                assert not ok
    # a double rightmost pair (two identical unstable modes) is left to QR
    A = _with_spectrum([0.3 + 1j, 0.3 - 1j, 0.3 + 1j, 0.3 - 1j, -0.5, -0.6, -0.7 + 1j, -0.7 - 1j], rng)
    assert not _rightmost(A, 0.3 + 1.001j)[1]
    # well separated: certified from a near start
    A = _with_spectrum([0.3 + 1j, 0.3 - 1j, -0.3 + 2j, -0.3 - 2j, -0.5, -0.6, -0.7 + 1j, -0.7 - 1j], rng)
    lam, ok = _rightmost(A, 0.3003 + 1.001j)
    assert ok and abs(lam - (0.3 + 1j)) <= 1e-12 * np.max(np.abs(A))


def test_sweep_ordered_points_take_the_newton_path_and_match_the_reference():
    """Along a sweep line the rightmost eigenvalue of each unstable point comes from Newton's method
    started at its neighbour's (most points of the paper's plane), and agrees with LAPACK to 1e-12 max|A|;
    every flag is the reference's, and no point is called stable by the Newton path."""
    det = np.repeat(np.linspace(0.5, 2.5, 6), 300)
    phase = np.tile(np.linspace(0.0, 2.0, 300), 6)
    for units in ("consistent", "literal"):
        params = Parameters().replace(detuning=det, dtheta_pi=phase)
        model = build_model(params, ModelOptions(units=units))
        got, _ = _compare(model.drift, model.diffusion, PAIRS, min_stable=0)
        assert got["max_re_by_newton"].mean() > 0.9
        assert not np.any(got["max_re_by_newton"] & got["stable_eigenvalues"])


def test_a_zero_drift_after_an_unstable_point_is_evaluated_not_raised():
    """A drift of all zeros (max|A| = 0) right after an unstable point of the same block: Newton's start is
    the previous point's eigenvalue divided by max|A|, a complex division by zero that numba raises even
    under error_model='numpy'.  The point must come out as it does alone (by QR), not abort the sweep."""
    D = np.eye(4)
    pairs = np.array([[0, 1, 2, 3]])
    alone = steady_points(np.zeros((1, 4, 4)), D, pairs)
    got = steady_points(np.stack([np.diag([1.0, 1.0, 2.0, 2.0]), np.zeros((4, 4))]), D, pairs)
    assert not got["max_re_by_newton"][1]
    for key in ("max_re_eigenvalue", "stable_eigenvalues", "stable_routh_hurwitz", "noise_physical", "bona_fide"):
        np.testing.assert_array_equal(got[key][1:], alone[key], err_msg=key)


def _matrix_for_property(kind, n, rng):
    """A test matrix of size n: random; graded over eight decades; a real eigenvalue next to a complex pair
    (either side, gaps from 1e-14 to 1e-1); real eigenvalues behind a strongly non-normal similarity (condition
    numbers up to 1e14); or block-triangular copies of one block (a cascade of identical nodes: multiple,
    defective eigenvalues)."""
    if kind == "random" or n < 3:
        return rng.normal(size=(n, n))
    if kind == "graded":
        d = 10.0 ** rng.uniform(-4, 4, n)
        return d[:, None] * rng.normal(size=(n, n)) / d[None, :]
    if kind == "tie":
        a, gap = rng.uniform(-1, 1), rng.choice([-1, 1]) * 10.0 ** rng.uniform(-14, -1)
        spectrum = [complex(a), complex(a + gap, 0.5), complex(a + gap, -0.5)]
        while len(spectrum) < n:
            z = complex(a - rng.uniform(0, 2), rng.uniform(0, 2) if n - len(spectrum) >= 2 else 0.0)
            spectrum += [z, z.conjugate()] if z.imag else [z]
        return _with_spectrum(spectrum, rng)
    if kind == "nonnormal":  # real eigenvalues, the two rightmost close, behind a strongly non-normal similarity
        T = np.triu(rng.normal(size=(n, n)), 1) * 10.0 ** rng.uniform(0, 4)
        np.fill_diagonal(T, np.concatenate([[0.5, 0.3 + 10.0 ** rng.uniform(-6, -1)], -rng.uniform(0.1, 2, n - 2)]))
        Q = np.linalg.qr(rng.normal(size=(n, n)))[0]
        return Q @ T @ Q.T
    b = 2 if n % 2 == 0 else 1
    block = rng.normal(size=(b, b))
    A = np.zeros((n, n))
    for i in range(0, n, b):
        A[i:i + b, i:i + b] = block
        if i:
            A[i:i + b, i - b:i] = rng.normal(size=(b, b)) * 10.0 ** rng.uniform(-8, 0)
    return A


def _eigenvalue_condition(A):
    """The largest condition number 1/|yᴴx| (unit left and right eigenvectors) of A's eigenvalues."""
    import scipy.linalg

    _, left, right = scipy.linalg.eig(A, left=True, right=True)
    cos = np.abs(np.sum(left.conj() * right, axis=0)) / (np.linalg.norm(left, axis=0) * np.linalg.norm(right, axis=0))
    return float(np.max(1.0 / cos))


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 16),
       st.sampled_from(["random", "graded", "tie", "nonnormal", "cascade"]),
       st.floats(-3, 12), st.sampled_from(["near", "other", "random", "nan", "inf", "zero"]))
def test_a_certified_rightmost_eigenvalue_is_lapacks(seed, n, kind, log_scale, start):
    """Property: whatever the matrix (size 1–16, scale 1e-3–1e12) and wherever Newton starts, a certified λ
    has Re λ = max Re eig(A) (numpy's LAPACK) to 1e-12 max|A|, or, where the eigenvalues are so ill-conditioned
    (condition number κ) that no backward-stable method (LAPACK included) determines them that well, to
    100 κ ε max|A|; through the kernel, on a block whose first point gives the start, the same wherever the
    Newton path was taken."""
    rng = np.random.default_rng(seed)
    A = _matrix_for_property(kind, n, rng) * 10.0**log_scale
    ev = np.linalg.eigvals(A)
    scale = np.max(np.abs(A))
    tol = max(1e-12, 100 * np.finfo(float).eps * _eigenvalue_condition(A)) * scale
    top = ev[np.argmax(ev.real)]
    z = {"near": top * (1 + 1e-4 * rng.normal()), "other": ev[rng.integers(n)] * (1 + 1e-6 * rng.normal()),
         "random": complex(*rng.normal(size=2)) * scale, "nan": complex(np.nan, 0.0),
         "inf": complex(np.inf, 1.0), "zero": 0j}[start]
    lam, ok = _rightmost(A, z)
    if ok:
        assert abs(lam.real - ev.real.max()) <= tol
    if n % 2:
        return  # the kernel takes quadrature pairs: even n
    # the kernel: a neighbour (A slightly changed) first, then A
    A0 = A * (1 + 1e-3 * rng.normal(size=(n, n)))
    got = steady_points(np.stack([A0, A]), np.eye(n), np.array([[0, 0, 0, 0]]))
    if got["max_re_by_newton"][1]:
        assert abs(got["max_re_eigenvalue"][1] - ev.real.max()) <= tol
        assert not got["stable_eigenvalues"][1]


def test_points_on_their_own_do_not_depend_on_how_a_stack_is_split():
    """The optimizer's context: no Newton start from a neighbour, so a stack evaluated whole, in two uneven
    halves, or point by point gives the same bits; outside it, sweep-ordered points do take the Newton path."""
    from cascom_sim.runs.executor import points_on_their_own

    params = Parameters().replace(detuning=np.repeat(np.linspace(0.5, 2.5, 10), 30),
                                  dtheta_pi=np.tile(np.linspace(0.0, 2.0, 30), 10))
    model = build_model(params, ModelOptions(units="literal"))
    A, D = model.drift, model.diffusion
    idx = np.array([gaussian.pair_indices(p) for p in PAIRS])
    assert steady_points(A, D, idx)["max_re_by_newton"].mean() > 0.9
    with points_on_their_own():
        whole = steady_points(A, D, idx)
        halves = [steady_points(A[s], D[s], idx) for s in (slice(0, 137), slice(137, None))]
        single = [steady_points(A[k:k + 1], D[k:k + 1], idx) for k in range(0, 300, 7)]
    assert not whole["max_re_by_newton"].any()
    for key in ("max_re_eigenvalue", "stable_eigenvalues", "stable_routh_hurwitz", "E_N_formal"):
        np.testing.assert_array_equal(whole[key], np.concatenate([h[key] for h in halves]), err_msg=key)
        np.testing.assert_array_equal(whole[key][::7], np.concatenate([h[key] for h in single]), err_msg=key)


def test_the_first_use_without_a_cached_kernel_says_it_compiles(monkeypatch):
    """Compiling takes 10-20 s once after installing: the first use says so (a CascomWarning, one line on the
    command line) instead of sitting silent at 0 %; a cached kernel says nothing."""
    import warnings

    from cascom_sim.errors import CascomWarning
    from cascom_sim.runs import kernels

    A, D, idx = -np.eye(4)[None], np.eye(4)[None], np.array([[0, 1, 2, 3]])
    steady_points(A, D, idx)  # compiled (or loaded) and cached by now
    assert kernels._is_cached(kernels._block) is True  # numba's cache index is read the way the note needs
    monkeypatch.setattr(kernels, "_LOADED", False)
    monkeypatch.setattr(kernels, "_is_cached", lambda kernel: False)
    with pytest.warns(CascomWarning, match="compiling the sweep kernel"):
        steady_points(A, D, idx)
    monkeypatch.setattr(kernels, "_LOADED", False)
    monkeypatch.setattr(kernels, "_is_cached", lambda kernel: True)
    with warnings.catch_warnings():
        warnings.simplefilter("error", CascomWarning)
        steady_points(A, D, idx)
