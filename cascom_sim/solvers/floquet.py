"""Periodic drives: Floquet analysis of one period and the periodic steady state.

For a drift with period T (a modulated pump, a modulated spring, …) there is no stationary state but a
periodic one.  Over one period the covariance maps as

    V(t₀ + T) = Φ V(t₀) Φᵀ + Q,       Φ̇ = A(t) Φ, Φ(t₀) = 1;   Q̇ = A Q + Q Aᵀ + D, Q(t₀) = 0,

with Φ the monodromy matrix.  Its eigenvalues (Floquet multipliers) decide stability: the periodic state
exists iff every |μ| < 1, and then V(t₀) solves the discrete Lyapunov equation V = Φ V Φᵀ + Q
(``scipy.linalg.solve_discrete_lyapunov``); V(t) over the period follows by integrating from it.

Models with mean fields first need the periodic orbit of the nonlinear mean-field equations: found by
Newton shooting, y₀ ← y₀ − (Φ − 1)⁻¹ (y(T) − y₀), where Φ is the same monodromy (the mean-field
Jacobian is A(t)), started from the unmodulated steady state.

References
----------
Mari & Eisert, Phys. Rev. Lett. 103, 213603 (2009) (modulated optomechanics, periodic covariance);
Farace & Giovannetti, Phys. Rev. A 86, 013820 (2012).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import scipy.linalg

from ..errors import CascomError, ParameterError
from ..gaussian import covariance as gaussian
from ..gaussian.lyapunov import solve_lyapunov
from ..gaussian.stability import assess_stability
from .meanfield_dynamics import MAX_RHS_EVALUATIONS, RTOL, integrate
from .timedep import evolve_driven, formal_log_negativity, interval_propagators


def one_period(system, period: float, y0, rtol: float = RTOL, method: str = "ode", steps: int = 256,
               ode_method: str = "LSODA", max_evaluations: int = MAX_RHS_EVALUATIONS):
    """(y(T), Φ, Q) over one period from t = 0 and the means y0.

    ``method='ode'``: y, Φ and Q integrated together by ``solve_ivp`` (error control, ``rtol``);
    ``'piecewise'``: Φ and Q composed from ``steps`` midpoint-frozen exact steps (means still by ``solve_ivp``).
    """
    m = system.dim
    d = system.diffusion.shape[0]
    y0 = np.asarray(y0, float)
    if method == "piecewise":
        phis, Qs, ys, _ = interval_propagators(system, np.array([0.0, period]), steps, y0, rtol, ode_method)
        return ys[-1], phis[0], Qs[0]
    D = system.diffusion
    eye = np.eye(d)

    def fun(t, z):
        y = z[:m]
        A = system.drift(t, y)
        P = z[m:m + d * d].reshape(d, d)
        Q = z[m + d * d:].reshape(d, d)
        AQ = A @ Q
        return np.concatenate([system.rhs(t, y), (A @ P).ravel(), (AQ + AQ.T + D).ravel()])

    def jac(t, z):
        A = system.drift(t, z[:m])
        n = m + 2 * d * d
        J = np.zeros((n, n))
        if m:
            J[:m, :m] = A
        J[m:m + d * d, m:m + d * d] = np.kron(A, eye)
        J[m + d * d:, m + d * d:] = np.kron(A, eye) + np.kron(eye, A)
        return J

    y_scale = max(1.0, float(np.max(np.abs(y0)))) if m else 1.0
    q_scale = max(1.0, float(np.max(np.abs(D))) * period)
    atol = np.concatenate([np.full(m, rtol * 1e-3 * y_scale), np.full(d * d, rtol * 1e-3),
                           np.full(d * d, rtol * 1e-3 * q_scale)])
    z0 = np.concatenate([y0, eye.ravel(), np.zeros(d * d)])
    z, _ = integrate(fun, jac, z0, np.array([0.0, period]), system.drive.breakpoints, ode_method, rtol, atol,
                     what="monodromy", max_evaluations=max_evaluations)
    zT = z[-1]
    Q = zT[m + d * d:].reshape(d, d)
    return zT[:m], zT[m:m + d * d].reshape(d, d), 0.5 * (Q + Q.T)


def periodic_orbit(system, period: float, y0=None, rtol: float = RTOL, max_iter: int = 30, **kw):
    """Periodic mean-field orbit by Newton shooting; returns (y0, Φ, Q, iterations).

    Raises
    ------
    CascomError
        When Newton does not converge (the drive may be too strong for a periodic orbit).
    """
    m = system.dim
    y = system.steady_means() if y0 is None else np.asarray(y0, float)
    for it in range(1, max_iter + 1):
        yT, phi, Q = one_period(system, period, y, rtol, **kw)
        if m == 0:
            return y, phi, Q, 0
        r = yT - y
        scale = max(1.0, float(np.max(np.abs(y))))
        M = phi[:m, :m] if phi.shape[0] != m else phi
        step = np.linalg.solve(M - np.eye(m), r)
        y = y - step
        if np.max(np.abs(r)) <= 10 * rtol * scale and np.max(np.abs(step)) <= 10 * rtol * scale:
            return y, phi, Q, it
    raise CascomError(f"no periodic mean-field orbit: Newton shooting did not converge in {max_iter} periods "
                      f"(last residual {np.max(np.abs(r)):.3g}); try a weaker modulation")


@dataclass(frozen=True)
class FloquetResult:
    """Floquet analysis and periodic steady state of a periodically driven model.

    Attributes
    ----------
    period : float
        T (s).
    monodromy : ndarray, shape (2n, 2n)
    multipliers : ndarray, shape (2n,), complex
        Eigenvalues of the monodromy, sorted by decreasing modulus.
    stable : bool
        Every |μ| < 1: the periodic steady state exists.
    times : ndarray, shape (P,)
        One period, t ∈ [0, T].
    covariances : ndarray, shape (P, 2n, 2n) or None
        Periodic steady state V(t) (None when unstable).
    means : ndarray, shape (P, m)
        Periodic mean-field orbit.
    E_N : ndarray, shape (P,) or None
    E_N_mean, E_N_max, time_of_max : float or None
    unmodulated_E_N : float or None
        E_N of the Lyapunov state of the unmodulated model (the constant drive).
    closure : float or None
        max|V(T) − V(0)| / max|V(0)| of the integrated period (checks the discrete Lyapunov solution).
    """

    period: float
    monodromy: np.ndarray = field(repr=False)
    multipliers: np.ndarray
    stable: bool
    times: np.ndarray = field(repr=False)
    covariances: np.ndarray | None = field(repr=False)
    means: np.ndarray = field(repr=False)
    E_N: np.ndarray | None = field(repr=False)
    E_N_mean: float | None
    E_N_max: float | None
    time_of_max: float | None
    unmodulated_E_N: float | None
    closure: float | None
    pair: tuple | None
    modes: tuple
    method: str
    rtol: float
    newton_iterations: int = 0
    stats: dict = field(default_factory=dict)

    @property
    def max_multiplier(self) -> float:
        return float(np.abs(self.multipliers[0]))

    def squeezed_variance(self) -> np.ndarray:
        """Smallest eigenvalue of the 2×2 covariance of the first mode at each time, shape (P,)."""
        if self.covariances is None:
            raise CascomError("no periodic steady state (a Floquet multiplier is outside the unit circle)")
        return np.linalg.eigvalsh(self.covariances[:, 0:2, 0:2])[:, 0]


def floquet(system, pair=("a1", "b1"), points: int = 101, rtol: float = RTOL, method: str = "ode",
            steps: int = 256, period: float | None = None,
            max_evaluations: int = MAX_RHS_EVALUATIONS) -> FloquetResult:
    """Monodromy, multipliers and the periodic steady state V(t) over one period.

    Parameters
    ----------
    system : DrivenSystem or ModulatedModel
        With a periodic drive (``system.drive.period``) or an explicit ``period``.
    pair : two mode names or None
        For E_N(t).
    points : int
        Output times over the period (including both ends).
    rtol : float
        ``solve_ivp`` relative tolerance.
    method : {'ode', 'piecewise'}
        How Φ and Q are computed (see :func:`one_period`); V(t) over the period is always integrated.
    steps : int
        Midpoint steps per period for ``piecewise``.
    max_evaluations : int
        Right-hand-side evaluations allowed per integrated period of the monodromy (``method='ode'``);
        beyond, :class:`~cascom_sim.solvers.meanfield_dynamics.IntegrationError` (a drive near an
        instability can make one period cost minutes: a caller scanning many drives caps it).
    """
    T = period or getattr(system, "period", None) or system.drive.period
    if not T or not np.isfinite(T) or T <= 0:
        raise ParameterError("drive", "not periodic", "a periodic drive (commensurate modulation frequencies)")
    if method not in ("ode", "piecewise"):
        raise ParameterError("method", method, "ode or piecewise")
    if not (isinstance(points, (int, np.integer)) and points >= 3):
        raise ParameterError("points", points, "an integer ≥ 3")
    if not (isinstance(steps, (int, np.integer)) and not isinstance(steps, bool) and steps >= 1):
        raise ParameterError("steps", steps, "an integer ≥ 1 (midpoint steps per period)")
    start = time.perf_counter()
    y0, phi, Q, iters = periodic_orbit(system, T, rtol=rtol, method=method, steps=steps,
                                       max_evaluations=max_evaluations)
    m = system.dim
    d = system.diffusion.shape[0]
    if phi.shape[0] != d:  # the mean-field monodromy is A's, same dimension
        raise CascomError("monodromy of unexpected shape")
    mult = np.linalg.eigvals(phi)
    mult = mult[np.argsort(-np.abs(mult))]
    stable = bool(np.abs(mult[0]) < 1.0 - 1e-12)
    t = np.linspace(0.0, T, points)
    Vs = en = None
    en_mean = en_max = t_max = closure = None
    means = np.broadcast_to(y0, (points, m)).copy()
    if stable:
        V0 = scipy.linalg.solve_discrete_lyapunov(phi, Q)
        V0 = 0.5 * (V0 + V0.T)
        ev = evolve_driven(system, t, V0, pair, method="ode", rtol=rtol, y0=y0)
        Vs, means = ev.covariances, ev.means
        closure = float(np.max(np.abs(Vs[-1] - V0)) / np.max(np.abs(V0)))
        if pair is not None:
            f = formal_log_negativity(Vs, pair, tuple(system.modes))
            en = np.maximum(f, 0.0)
            en_mean = float(np.trapezoid(en, t) / T)
            k = int(np.argmax(en))
            en_max, t_max = float(en[k]), float(t[k])
    un = None
    if pair is not None and hasattr(system, "model") and system.model is not None:
        A = np.asarray(system.model.drift, float)
        if assess_stability(A).stable:
            V_L = solve_lyapunov(A, np.asarray(system.model.diffusion, float))
            if bool(gaussian.is_bona_fide(V_L)):
                un = float(gaussian.log_negativity(V_L, pair, tuple(system.modes)))
    return FloquetResult(period=T, monodromy=phi, multipliers=mult, stable=stable, times=t, covariances=Vs,
                         means=means, E_N=en, E_N_mean=en_mean, E_N_max=en_max, time_of_max=t_max,
                         unmodulated_E_N=un, closure=closure, pair=None if pair is None else tuple(pair),
                         modes=tuple(system.modes), method=method, rtol=rtol, newton_iterations=iters,
                         stats={"wall_time_s": time.perf_counter() - start})


__all__ = ["FloquetResult", "floquet", "one_period", "periodic_orbit"]
