"""Steady-state covariance from the Lyapunov equation A V + V Aᵀ = −D (Eq. 29)."""

from __future__ import annotations

from functools import lru_cache

import numpy as np


def solve_lyapunov_reference(A: np.ndarray, D: np.ndarray) -> np.ndarray:
    """Per-matrix reference: scipy's Bartels–Stewart solver in a plain loop, shape (..., n, n)."""
    import scipy.linalg  # here: a sweep, which never calls this, starts faster without it

    A = np.asarray(A, dtype=float)
    D = np.asarray(D, dtype=float)
    shape = np.broadcast_shapes(A.shape, D.shape)
    A = np.broadcast_to(A, shape).reshape(-1, *shape[-2:])
    D = np.broadcast_to(D, shape).reshape(-1, *shape[-2:])
    out = np.empty_like(A)
    for k in range(A.shape[0]):
        out[k] = scipy.linalg.solve_continuous_lyapunov(A[k], -D[k])
    return out.reshape(shape)


@lru_cache(maxsize=8)
def _symmetric_index(n: int):
    i, j = np.triu_indices(n)
    I, K = np.meshgrid(i, i, indexing="ij")
    J, L = np.meshgrid(j, j, indexing="ij")
    return i, j, I, J, K, L


def _symmetric_operator_reference(A: np.ndarray) -> np.ndarray:
    """Matrix of V ↦ A V + V Aᵀ restricted to symmetric V, upper-triangle coordinates (readable form)."""
    n = A.shape[-1]
    _, _, I, J, K, L = _symmetric_index(n)
    off = (K != L).astype(float)
    return (A[..., I, K] * (J == L) + A[..., I, L] * (J == K) * off
            + (I == K) * A[..., J, L] + (I == L) * A[..., J, K] * off)


@lru_cache(maxsize=8)
def _operator_basis(n: int) -> np.ndarray:
    """Constant C with vec(M) = vec(A) @ C, M the symmetric operator of A; shape (n², m²), m = n(n+1)/2."""
    eye = np.eye(n * n).reshape(n * n, n, n)
    m = n * (n + 1) // 2
    return _symmetric_operator_reference(eye).reshape(n * n, m * m)


def _symmetric_operator(A: np.ndarray) -> np.ndarray:
    """Same as :func:`_symmetric_operator_reference`, as one matrix product (it is linear in A)."""
    n = A.shape[-1]
    m = n * (n + 1) // 2
    return (A.reshape(-1, n * n) @ _operator_basis(n)).reshape(A.shape[:-2] + (m, m))


def solve_lyapunov(A: np.ndarray, D: np.ndarray, chunk: int = 4096) -> np.ndarray:
    """Batched Lyapunov solve for a stack of stable drift matrices, shape (..., n, n).

    Solves the n(n+1)/2 linear equations for the independent entries of the symmetric V
    with one batched LU per chunk of points (no Python loop over points).  Tested against
    :func:`solve_lyapunov_reference`.
    """
    A = np.asarray(A, dtype=float)
    D = np.asarray(D, dtype=float)
    shape = np.broadcast_shapes(A.shape, D.shape)
    n = shape[-1]
    A = np.broadcast_to(A, shape).reshape(-1, n, n)
    D = np.broadcast_to(D, shape).reshape(-1, n, n)
    i, j, *_ = _symmetric_index(n)
    out = np.empty((A.shape[0], n, n))
    for start in range(0, A.shape[0], chunk):
        a = A[start : start + chunk]
        rhs = -D[start : start + chunk][:, i, j]
        x = np.linalg.solve(_symmetric_operator(a), rhs[..., None])[..., 0]
        v = out[start : start + chunk]
        v[:, i, j] = x
        v[:, j, i] = x
    return out.reshape(shape)


def lyapunov_residual(A: np.ndarray, V: np.ndarray, D: np.ndarray) -> np.ndarray:
    """Relative residual ‖AV + VAᵀ + D‖_F / (2‖A‖_F‖V‖_F + ‖D‖_F)."""
    R = A @ V + V @ np.swapaxes(A, -1, -2) + D
    norm = lambda M: np.linalg.norm(M, axis=(-2, -1))  # noqa: E731
    return norm(R) / (2 * norm(A) * norm(V) + norm(D))
