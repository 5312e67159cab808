import numpy as np
import pytest

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
