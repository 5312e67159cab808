"""Hypothesis property tests of the invariants listed in DEVELOPERS.md."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import physical_model, physical_state, random_symplectic, seeds, thermal

from cascom_sim import (
    bona_fide_min_eigenvalue,
    is_bona_fide,
    is_noise_physical,
    log_negativity,
    log_negativity_symplectic,
    solve_lyapunov,
    symplectic_eigenvalues,
)
from cascom_sim.gaussian.lyapunov import lyapunov_residual, solve_lyapunov_reference
from cascom_sim.gaussian.stability import stable_by_eigenvalues, stable_by_routh_hurwitz

SETTINGS = settings(max_examples=60, deadline=None)


@SETTINGS
@given(seeds, st.integers(1, 4))
def test_physical_states_are_bona_fide_with_nu_at_least_half(seed, n):
    V = physical_state(seed, n)
    assert bool(is_bona_fide(V))
    assert float(bona_fide_min_eigenvalue(V)) > -1e-9 * np.max(np.abs(V))
    assert np.all(symplectic_eigenvalues(V) >= 0.5 - 1e-9 * np.max(np.abs(V)))


@SETTINGS
@given(seeds)
def test_symplectic_eigenvalues_are_symplectic_invariants(seed):
    rng = np.random.default_rng(seed)
    V0 = thermal(rng, 2)
    S = random_symplectic(rng, 2)
    np.testing.assert_allclose(symplectic_eigenvalues(S @ V0 @ S.T), np.sort(np.diag(V0)[::2]), rtol=1e-8)


@SETTINGS
@given(seeds)
def test_log_negativity_local_symplectic_invariance_and_swap(seed):
    rng = np.random.default_rng(seed)
    V = physical_state(seed, 2)
    S1, S2 = random_symplectic(rng, 1), random_symplectic(rng, 1)
    L = np.block([[S1, np.zeros((2, 2))], [np.zeros((2, 2)), S2]])
    e = float(log_negativity(V))
    assert abs(float(log_negativity(L @ V @ L.T)) - e) < 1e-7
    P = np.block([[np.zeros((2, 2)), np.eye(2)], [np.eye(2), np.zeros((2, 2))]])
    assert abs(float(log_negativity(P @ V @ P.T)) - e) < 1e-9
    assert abs(float(log_negativity_symplectic(V)) - e) < 1e-8


@SETTINGS
@given(seeds)
def test_log_negativity_zero_for_product_states(seed):
    V1, V2 = physical_state(seed, 1), physical_state(seed + 1, 1)
    V = np.block([[V1, np.zeros((2, 2))], [np.zeros((2, 2)), V2]])
    assert float(log_negativity(V)) == 0.0
    assert float(log_negativity_symplectic(V)) == 0.0


@SETTINGS
@given(seeds)
def test_lyapunov_residual_and_physicality_of_engine_models(seed):
    A, D = physical_model(seed)
    assert bool(stable_by_eigenvalues(A)) and bool(stable_by_routh_hurwitz(A))
    assert bool(is_noise_physical(A, D))
    V = solve_lyapunov(A, D)
    assert float(lyapunov_residual(A, V, D)) < 1e-12
    np.testing.assert_allclose(V, solve_lyapunov_reference(A, D), rtol=1e-9, atol=1e-12 * np.max(np.abs(V)))
    # a physical (Lindblad) model has a bona fide steady state
    assert bool(is_bona_fide(V))


@SETTINGS
@given(seeds, st.floats(-3, 3))
def test_stability_criteria_agree(seed, shift):
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(8, 8))
    ev = np.linalg.eigvals(A)
    A = A - (np.max(ev.real) + shift) * np.eye(8)  # max Re eig = −shift
    if abs(shift) > 1e-3:
        assert bool(stable_by_eigenvalues(A)) == (shift > 0)
        assert bool(stable_by_routh_hurwitz(A)) == (shift > 0)
