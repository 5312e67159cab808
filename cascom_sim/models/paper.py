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


def paper_drift(params: Parameters, options: ModelOptions, mf: MeanFields) -> np.ndarray:
    """Drift matrix A of the paper's model (Eq. 21 as derived from Eq. 8), shape (..., 8, 8)."""
    shape = np.broadcast_shapes(params.shape, mf.alpha.shape[:-1])
    A = np.zeros(shape + (DIM, DIM))
    kap = _bcast(params.kappa_rad, shape)
    wm = _bcast(params.omega_m_rad, shape)
    gm = _bcast(params.gamma_m_rad, shape)
    g0 = _bcast(params.g0(options.coupling), shape)
    amp = 2.0 * kap * np.sqrt(_bcast(params.eta, shape))
    jc = amp * np.cos(_bcast(params.phi, shape))
    js = amp * np.sin(_bcast(params.phi, shape))
    for j in range(2):
        k = 1 - j
        xa, ya, xb, yb = 2 * j, 2 * j + 1, 4 + 2 * j, 5 + 2 * j
        xk, yk = 2 * k, 2 * k + 1
        lam = 2.0 * g0 * np.broadcast_to(mf.alpha[..., j], shape)
        dj = np.broadcast_to(mf.delta[..., j], shape)
        A[..., xa, xa] = -kap
        A[..., xa, ya] = dj
        A[..., ya, xa] = -dj
        A[..., ya, ya] = -kap
        A[..., xa, xb] = -lam.imag
        A[..., ya, xb] = lam.real
        A[..., yb, xa] = lam.real
        A[..., yb, ya] = lam.imag
        A[..., xa, xk] = -jc
        A[..., xa, yk] = js
        A[..., ya, xk] = -js
        A[..., ya, yk] = -jc
        A[..., xb, yb] = wm
        A[..., yb, xb] = -wm
        A[..., yb, yb] = -gm
        A[..., xb, xb] = 0.0 if options.bath == "brownian" else -gm
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
