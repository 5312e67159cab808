import numpy as np
import pytest
from hypothesis import given, settings
from strategies import physical_state, seeds

from cascom_sim import (
    UnphysicalModelError,
    check_bona_fide,
    is_bona_fide,
    log_negativity,
    log_negativity_symplectic,
    occupations,
    purities,
    symplectic_eigenvalues,
)
from cascom_sim.gaussian import covariance as gaussian


def tmsv(r: float) -> np.ndarray:
    """Two-mode squeezed vacuum (vacuum variance 1/2)."""
    c, s = np.cosh(2 * r) / 2, np.sinh(2 * r) / 2
    Z = np.diag([1.0, -1.0])
    return np.block([[c * np.eye(2), s * Z], [s * Z, c * np.eye(2)]])


@pytest.mark.parametrize("r", [0.0, 0.1, 0.5, 1.3])
def test_tmsv_log_negativity_is_2r(r):
    V = tmsv(r)
    assert float(log_negativity(V)) == pytest.approx(2 * r, abs=1e-12)
    assert float(log_negativity_symplectic(V)) == pytest.approx(2 * r, abs=1e-12)
    assert bool(is_bona_fide(V))


def test_thermal_states():
    V = np.diag([1.5, 1.5, 0.5, 0.5])
    np.testing.assert_allclose(symplectic_eigenvalues(V), [0.5, 1.5], atol=1e-14)
    np.testing.assert_allclose(occupations(V), [1.0, 0.0], atol=1e-14)
    np.testing.assert_allclose(purities(V), [1 / 3, 1.0], atol=1e-14)
    assert float(log_negativity(V)) == 0.0


def test_not_bona_fide_is_caught_with_its_eigenvalue():
    V = np.diag([0.2, 0.2, 0.5, 0.5])
    assert not bool(is_bona_fide(V))
    with pytest.raises(UnphysicalModelError, match=r"-3\.000e-01"):
        check_bona_fide(V)
    # squeezed but physical
    assert bool(is_bona_fide(np.diag([0.1, 2.5, 0.5, 0.5])))


def test_pair_selection_from_eight_modes():
    V = np.eye(8) / 2
    V[np.ix_([4, 5, 6, 7], [4, 5, 6, 7])] = tmsv(0.4)
    assert float(log_negativity(V, ("b1", "b2"))) == pytest.approx(0.8, abs=1e-12)
    assert float(log_negativity(V, ("a1", "b1"))) == 0.0
    assert float(log_negativity(V, ("b2", "b1"))) == pytest.approx(0.8, abs=1e-12)


# ----------------------------------------------------------------------------- E_N without cancellation
def _tmsv(r, n=0.0, phase=0.0):
    """(2n+1)·TMSV(r): ν₋ = (n + 1/2)e^{−2r}, so E_N = max(0, 2r − ln(2n + 1)) exactly; ``phase`` rotates mode 2."""
    c, s = np.cosh(2 * r), np.sinh(2 * r)
    V = 0.5 * (2 * n + 1) * np.array([[c, 0, s, 0], [0, c, 0, -s], [s, 0, c, 0], [0, -s, 0, c]])
    R = np.eye(4)
    R[2:, 2:] = [[np.cos(phase), -np.sin(phase)], [np.sin(phase), np.cos(phase)]]
    return R @ V @ R.T


@pytest.mark.parametrize("r,n,tol", [
    (0.0, 0.0, 1e-15), (1e-8, 0.0, 1e-15), (0.5, 0.0, 1e-14), (3.0, 0.0, 1e-10), (5.0, 0.0, 1e-6),
    (3.0, 1e4, 0.0), (5.0, 1e4, 1e-6), (7.82, 1e6, 5e-3), (0.3, 1e6, 0.0)])
def test_log_negativity_at_extremes(r, n, tol):
    """Analytic E_N = max(0, 2r − ln(2n+1)); the printed closed form gave 5e-9 at the vacuum, inf at r ≥ 5 and
    at n = 1e4, r = 3, and 1.1247 for 1.1330 at n = 1e6.  At r = 7.82 the entries of V fix det V only to
    ~eps·e^{4r} ≈ 1e-2 relative, so no route can do better than a few 1e-3 there (the symplectic one neither)."""
    for phase in (0.0, 0.7):
        V = _tmsv(r, n, phase)
        exact = max(0.0, 2 * r - np.log(2 * n + 1))
        en = float(gaussian.log_negativity(V))
        assert np.isfinite(en)
        np.testing.assert_allclose(en, exact, atol=tol, rtol=0)
        np.testing.assert_allclose(en, float(gaussian.log_negativity_symplectic(V)), atol=max(tol, 1e-12) * 2)


def test_vacuum_product_of_the_paper_model_has_no_spurious_entanglement():
    """P = 0, T = 0, η = 0: every mode is in its vacuum; E_N(a1, b1) was 5.27e-9 from the printed form."""
    from cascom_sim import Parameters, steady_state

    s = steady_state(Parameters(power=0.0, temperature=0.0, eta=0.0, detuning=1.0), pair=("a1", "b1"))
    assert s.E_N is not None and s.E_N < 1e-15
    assert s.E_N_symplectic < 1e-15


def test_log_negativity_is_nan_not_inf_where_v_is_singular():
    V = _tmsv(12.0)  # det V underflows relative to its entries: ν₋ is not determined in double precision
    en = gaussian.log_negativity(V)
    assert not np.isinf(en)


@given(seeds)
@settings(max_examples=30, deadline=None)
def test_log_negativity_routes_agree_on_random_states(seed):
    V = physical_state(seed, 2)
    np.testing.assert_allclose(gaussian.log_negativity(V, (0, 1)), gaussian.log_negativity_symplectic(V, (0, 1)),
                               atol=1e-10)


def test_negative_or_bool_mode_numbers_are_refused():
    from cascom_sim import ParameterError

    V = np.eye(8) / 2
    for pair in [(-1, 0), (True, 0), (0, 4), (0.5, 1)]:
        with pytest.raises(ParameterError, match="pair"):
            gaussian.log_negativity(V, pair)
