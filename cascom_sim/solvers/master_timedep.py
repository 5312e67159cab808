"""Time-dependent master equation (QuTiP ``mesolve`` with a ``QobjEvo`` Hamiltonian) as the independent check
of the covariance with A(t).

The linearized fluctuations of a driven model obey a master equation with a quadratic Hamiltonian
H(t) = ½ rᵀ H_m(t) r, H_m(t) = sym(Ωᵀ A(t)), and constant jump operators (A(t) changes only through the
mean fields and modulated parameters, which enter Hamiltonian terms: detuning, Λ = 2 g0 α(t), spring).
The jump operators come from (A, D) at t = 0 by :func:`~cascom_sim.models.engine.lindblad_from_langevin`;
every entry of H_m that changes in time becomes one ``[operator, coefficient array]`` term of a QuTiP
``QobjEvo`` on a fine grid (QuTiP interpolates array coefficients with cubic splines).  Truncation of the
Fock spaces is the only other approximation, so small occupations and low cutoffs suffice.
"""

from __future__ import annotations

import numpy as np

from ..conventions import symplectic_form
from ..errors import CascomError
from ..models.engine import LindbladModel, lindblad_from_langevin
from .master import (
    _check_cutoffs,
    covariance_from_moments,
    fock_operators,
    moment_operators,
    quadratic_operator,
    restrict,
)
from .meanfield_dynamics import RTOL, integrate


def master_driven_evolution(system, times, keep, cutoffs, occupations, y0=None, grid_points: int = 4001,
                            rtol: float = RTOL) -> np.ndarray:
    """V(t) of the modes ``keep`` from ``mesolve`` with the time-dependent linearized Hamiltonian.

    Parameters
    ----------
    system : DrivenSystem or ModulatedModel
    times : array, shape (T,)
        Output times (s) from 0.
    keep : tuple of str
        Modes kept (they must be decoupled from the rest, e.g. ('a1', 'b1') at η = 0).
    cutoffs : tuple of int
        Fock cutoffs of the kept modes.
    occupations : tuple of float
        Initial thermal occupations of the kept modes (product state, zero fluctuation means).
    y0 : array, optional
        Initial mean fields (default: empty cavities, mirrors at rest).
    grid_points : int
        Samples of H_m(t) for the spline coefficients.

    Returns
    -------
    ndarray, shape (T, 2k, 2k)
    """
    import qutip

    t = np.asarray(times, float)
    tg = np.linspace(0.0, t[-1], grid_points)
    m = system.dim
    y0 = np.zeros(m) if y0 is None else np.asarray(y0, float)
    ys = integrate(system.rhs, system.drift, y0, tg, system.drive.breakpoints, "LSODA", rtol)[0] if m else \
        np.zeros((tg.size, 0))
    A = np.stack([system.drift(tt, y) for tt, y in zip(tg, ys)])
    W = symplectic_form(A.shape[-1] // 2)
    M = W.T @ A
    anti = 0.5 * (M - np.swapaxes(M, -1, -2))
    if np.max(np.abs(anti - anti[0])) > 1e-9 * np.max(np.abs(M)):
        raise CascomError("the dissipative part of A(t) changes in time: jump operators would too")
    Hm = 0.5 * (M + np.swapaxes(M, -1, -2))
    full = lindblad_from_langevin(A[0], system.diffusion, tuple(system.modes))
    part = restrict(full, tuple(keep))
    idx = [system.modes.index(k) for k in keep]
    q = [2 * i + s for i in idx for s in (0, 1)]
    Hk = Hm[:, q][:, :, q]
    ref = LindbladModel(hamiltonian=Hk[0], jumps=part.jumps, modes=tuple(keep))
    cut = _check_cutoffs(ref, cutoffs)
    fock = fock_operators(ref, cut)  # normal-ordered ladder operators: the cutoff is the only approximation
    scale = fock.rate_scale
    dH = (Hk - Hk[0]) / scale
    terms = [fock.hamiltonian]
    tol = 1e-12 * np.max(np.abs(Hk)) / scale
    n = len(q)
    for i in range(n):
        for j in range(i, n):
            if np.max(np.abs(dH[:, i, j])) > tol:
                E = np.zeros((n, n))
                E[i, j] = E[j, i] = 1.0  # ½ rᵀ E r = ½ r_i² (i = j) or sym(r_i r_j) (i < j)
                terms.append([quadratic_operator(fock, E), np.ascontiguousarray(dH[:, i, j])])
    H = qutip.QobjEvo(terms, tlist=tg * scale)
    rho0 = qutip.tensor([qutip.thermal_dm(c, float(o)) for c, o in zip(cut, occupations)])
    dims = [list(cut), list(cut)]
    e_ops = [qutip.Qobj(op, dims=dims) for op in moment_operators(fock.ladder)]
    res = qutip.mesolve(H, rho0, t * scale, fock.c_ops, e_ops=e_ops,
                        options={"atol": 1e-10, "rtol": 1e-8, "nsteps": 1_000_000})
    return covariance_from_moments(np.stack(res.expect, axis=-1), len(cut))
