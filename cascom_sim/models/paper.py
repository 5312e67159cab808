"""Linearized models of the cascade: drift A and diffusion D in the ordering of Eq. (20).

The paper's model (``model='paper'``) is a Langevin model given directly as (A, D).  Its
drift is derived here from Eq. (8) (the paper does not print Eq. (21)); see
``docs/derivation.md``.  With c = (X + iY)/√2 for every mode, Eq. (8) gives, for cavity j
with partner k and Λ_j = 2 g0 α_j, J_c = 2κ√η cos φ, J_s = 2κ√η sin φ:

    Ẋa_j = −κ Xa_j + Δ_j Ya_j − Λ_j^im Xb_j − J_c Xa_k + J_s Ya_k
    Ẏa_j = −Δ_j Xa_j − κ Ya_j + Λ_j^re Xb_j − J_s Xa_k − J_c Ya_k
    Ẋb_j = −γ_m Xb_j + ω_m Yb_j
    Ẏb_j = −ω_m Xb_j − γ_m Yb_j + Λ_j^re Xa_j + Λ_j^im Ya_j

and D = diag(κ, κ, κ, κ, γ_m(2n_m+1) ×4) (Eq. 27).  The Brownian bath (docs/conventions.md)
replaces the mechanical block by Ẋb = ω_m Yb, Ẏb = −ω_m Xb − γ_m Yb (+ force) and puts
the diffusion γ_m(2n_m+1) on Yb only.
"""

from __future__ import annotations

import numpy as np

from ..parameters import ModelOptions, Parameters
from .linear import LinearModel
from .meanfield import MeanFields, mean_fields

N_MODES = 4
DIM = 2 * N_MODES


def _bcast(x, shape):
    return np.broadcast_to(np.asarray(x, dtype=float), shape)


#: columns of :func:`paper_drift_coefficients`: every entry of the paper's drift is one of them, or minus one
DRIFT_COEFFICIENTS = ("kappa", "omega_m", "A_xb_xb", "A_yb_yb", "J_c", "J_s", "delta_1", "delta_2",
                      "Lambda_1_re", "Lambda_1_im", "Lambda_2_re", "Lambda_2_im")


def paper_drift_coefficients(params: Parameters, options: ModelOptions, mf: MeanFields) -> np.ndarray:
    """The numbers the drift of the paper's model is made of, shape (..., 12) (rad/s).

    Columns (:data:`DRIFT_COEFFICIENTS`): κ, ω_m, the two mechanical diagonal entries (−γ_m, −γ_m; 0, −γ_m
    for the Brownian bath), J_c = 2κ√η cos φ, J_s = 2κ√η sin φ, the effective detunings Δ_1, Δ_2 and
    Λ_j = 2 g0 α_j (real and imaginary parts).  :func:`paper_drift` lays them out as the 8 × 8 matrix;
    the compiled sweep kernel does the same point by point (:mod:`cascom_sim.runs.kernels`).
    """
    shape = np.broadcast_shapes(params.shape, mf.alpha.shape[:-1])
    kap = _bcast(params.kappa_rad, shape)
    gm = _bcast(params.gamma_m_rad, shape)
    g0 = _bcast(params.g0(options.coupling), shape)
    amp = 2.0 * kap * np.sqrt(_bcast(params.eta, shape))
    phi = _bcast(params.phi, shape)
    q = np.empty(shape + (len(DRIFT_COEFFICIENTS),))
    q[..., 0] = kap
    q[..., 1] = _bcast(params.omega_m_rad, shape)
    q[..., 2] = 0.0 if options.bath == "brownian" else -gm
    q[..., 3] = -gm
    q[..., 4] = amp * np.cos(phi)
    q[..., 5] = amp * np.sin(phi)
    for j in range(2):
        lam = 2.0 * g0 * np.broadcast_to(mf.alpha[..., j], shape)
        q[..., 6 + j] = np.broadcast_to(mf.delta[..., j], shape)
        q[..., 8 + 2 * j] = lam.real
        q[..., 9 + 2 * j] = lam.imag
    return q


def paper_drift(params: Parameters, options: ModelOptions, mf: MeanFields) -> np.ndarray:
    """Drift matrix A of the paper's model (Eq. 21 as derived from Eq. 8), shape (..., 8, 8)."""
    q = paper_drift_coefficients(params, options, mf)
    A = np.zeros(q.shape[:-1] + (DIM, DIM))
    kap, wm, a_xx, a_yy, jc, js = (q[..., c] for c in range(6))
    for j in range(2):
        k = 1 - j
        xa, ya, xb, yb = 2 * j, 2 * j + 1, 4 + 2 * j, 5 + 2 * j
        xk, yk = 2 * k, 2 * k + 1
        dj, lam_re, lam_im = q[..., 6 + j], q[..., 8 + 2 * j], q[..., 9 + 2 * j]
        A[..., xa, xa] = -kap
        A[..., xa, ya] = dj
        A[..., ya, xa] = -dj
        A[..., ya, ya] = -kap
        A[..., xa, xb] = -lam_im
        A[..., ya, xb] = lam_re
        A[..., yb, xa] = lam_re
        A[..., yb, ya] = lam_im
        A[..., xa, xk] = -jc
        A[..., xa, yk] = js
        A[..., ya, xk] = -js
        A[..., ya, yk] = -jc
        A[..., xb, yb] = wm
        A[..., yb, xb] = -wm
        A[..., yb, yb] = a_yy
        A[..., xb, xb] = a_xx
    return A


def paper_diffusion(params: Parameters, options: ModelOptions, shape=None) -> np.ndarray:
    """Diffusion matrix D of Eq. (27) (or its Brownian variant), shape (..., 8, 8).

    Where κ, γ_m and n_m do not vary over ``shape`` the result is one 8 × 8 matrix broadcast (a
    read-only view): a sweep over detunings or phases does not store N copies of it.
    """
    shape = params.shape if shape is None else shape
    kappa, mech_rate = params.kappa_rad, params.gamma_m_rad * (2.0 * params.n_m + 1.0)
    own = np.broadcast_shapes(np.shape(kappa), np.shape(mech_rate))
    diag = np.zeros(own + (DIM,))
    diag[..., 0:4] = np.asarray(kappa, dtype=float)[..., None]
    if options.bath == "brownian":
        diag[..., 5] = mech_rate
        diag[..., 7] = mech_rate
    else:
        diag[..., 4:8] = np.asarray(mech_rate, dtype=float)[..., None]
    return np.broadcast_to(diag[..., :, None] * np.eye(DIM), tuple(shape) + (DIM, DIM))


def paper_model(params: Parameters, options: ModelOptions = ModelOptions(),
                mf: MeanFields | None = None) -> LinearModel:
    """The paper's Langevin model (Eqs. 8, 21, 27) at the effective detuning of ``params``."""
    mf = mean_fields(params, options) if mf is None else mf
    A = paper_drift(params, options, mf)
    D = paper_diffusion(params, options, A.shape[:-2])
    return LinearModel(drift=A, diffusion=D, options=options, mean_fields=mf)
