"""Fluctuations around a moving mean: covariance and Langevin ensembles with a time-dependent drift A(t).

For a driven model (:class:`~cascom_sim.solvers.meanfield_dynamics.DrivenSystem`) the mean fields y(t)
follow the nonlinear Eq. (7) and the fluctuations follow the linearization around them (Eq. 8):

    V̇ = A(t) V + V A(t)ᵀ + D,        A(t) = A(y(t), t).

Two paths:

* ``ode`` (reference): y and V integrated together by ``solve_ivp`` with error control (LSODA by
  default, with the Jacobian blocks A and A⊗1 + 1⊗A; rtol stated in the result).
* ``piecewise`` (fast path): A frozen at the midpoint of each of ``substeps`` sub-intervals of every
  output interval and the exact step propagator (Φ = e^{Ah}, Q_h by Van Loan) composed.  Exact where A
  is piecewise constant (a frozen mean field with a stepped drive: the quench), second order in the
  step (midpoint Magnus) for smooth A(t).  The composed per-interval (Φ_k, Q_k) also drive the
  Langevin ensembles, which are then exact samples of the piecewise-constant process.

Models without mean fields (any :class:`LinearModel`, e.g. a network) enter through
:class:`ModulatedModel`, a drift A(t) given as a function of time.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import scipy.linalg
import scipy.stats

from ..errors import ParameterError
from ..gaussian import covariance as gaussian
from ..gaussian.lyapunov import solve_lyapunov
from ..gaussian.stability import assess_stability
from ..models import LinearModel
from ..models.drives import Drive
from .dynamics import _check_times, step_propagator
from .meanfield_dynamics import RTOL, DrivenSystem, integrate


@dataclass(frozen=True, eq=False)
class ModulatedModel:
    """A linear model whose drift is a given function of time (no mean fields): A(t) = ``drift_fn(t)``.

    Has the interface of :class:`DrivenSystem` with an empty mean-field vector, so every solver of this
    module and of :mod:`.floquet` takes it.
    """

    model: LinearModel = field(repr=False)
    drift_fn: Callable = field(repr=False)
    drive: Drive = Drive()
    period: float | None = None

    @property
    def dim(self) -> int:
        return 0

    @property
    def diffusion(self) -> np.ndarray:
        return np.asarray(self.model.diffusion, float)

    @property
    def modes(self):
        return self.model.modes

    @property
    def n_pumps(self) -> int:
        return 0

    def rhs(self, t, y):
        return np.zeros(0)

    def drift(self, t, y=None) -> np.ndarray:
        return np.asarray(self.drift_fn(t), float)

    def steady_means(self) -> np.ndarray:
        return np.zeros(0)


def parametric_oscillator(omega_m: float, gamma_m: float, n_th: float, depth: float, frequency: float | None = None,
                          phase_pi: float = 0.0) -> ModulatedModel:
    """A mechanical oscillator with its spring constant modulated: the parametric drive.

    Ẋ = ω_m Y − γ_m X,  Ẏ = −ω_m (1 + m(t)) X − γ_m Y,  m(t) = depth·cos(2π f t + π phase_pi),
    D = γ_m (2 n_th + 1) 1 (both quadratures damped, as the paper's bath; all rates in rad/s, f in Hz,
    default f = 2 ω_m/2π).  In the rotating-wave approximation the squeezing rate is depth·ω_m/4, so the
    threshold (a Floquet multiplier on the unit circle) is depth = 4 γ_m/ω_m and the squeezed quadrature's
    variance below it is (n_th + ½)/(1 + depth/threshold) — half the unmodulated value at threshold.
    """
    from ..models.drives import Modulation

    f = 2.0 * omega_m / (2 * np.pi) if frequency is None else frequency
    mod = Modulation(name="spring", depth=depth, frequency=f, phase_pi=phase_pi)
    A0 = np.array([[-gamma_m, omega_m], [-omega_m, -gamma_m]])
    D = gamma_m * (2 * n_th + 1) * np.eye(2)
    model = LinearModel(drift=A0, diffusion=D, modes=("b",), label="user")

    def drift(t):
        A = A0.copy()
        A[1, 0] -= float(mod(t)) * omega_m
        return A

    return ModulatedModel(model=model, drift_fn=drift, drive=Drive(modulations=(mod,)), period=1.0 / f)


# ----------------------------------------------------------------------------- metrics
#: formal E_N above this counts as entangled (rounding of ν⁻ = 1/2 for a product state with a vacuum mode)
BIRTH_EPS = 1e-12


@dataclass(frozen=True)
class Metric:
    """A transient figure of merit with its 95 % interval (ensembles) — ``value`` None when withheld."""

    value: float | None
    ci: tuple[float, float] | None = None
    note: str = ""

    def as_dict(self):
        return {"value": self.value, "ci": None if self.ci is None else list(self.ci), "note": self.note or None}


@dataclass(frozen=True)
class InterpolatedMetrics:
    """Birth time, maximum and settling time of E_N(t), interpolated between output samples.

    birth_time: upward zero crossing of the formal E_N = −ln 2ν⁻ (linear interpolation) after which the
    pair stays entangled to the end of the run (the first crossing when it is not entangled at the end) —
    a pure (vacuum) mode coupled to anything is entangled for a moment, which is not the build-up;
    max_E_N / time_of_max: parabola through the largest sample and its neighbours;
    settling_time: last crossing of |E_N − E_N(final)| = tolerance (linear interpolation);
    resolved: whether the output step is ≤ 1/8 of the fastest time scale of A (and of the drive).
    """

    birth_time: Metric
    max_E_N: Metric
    time_of_max: Metric
    settling_time: Metric
    tolerance: float
    resolved: bool

    def as_dict(self):
        return {"birth_time": self.birth_time.as_dict(), "max_E_N": self.max_E_N.as_dict(),
                "time_of_max": self.time_of_max.as_dict(), "settling_time": self.settling_time.as_dict(),
                "tolerance": self.tolerance, "resolved": self.resolved}


def formal_log_negativity(V, pair, modes=None) -> np.ndarray:
    """−ln 2ν⁻ without the max(0, ·): smooth through the birth of entanglement.

    ``modes`` are the model's own mode names (default: the paper's for 4 modes)."""
    V2 = gaussian.reduce_modes(V, pair, modes)
    with np.errstate(divide="ignore", invalid="ignore"):
        return -np.log(2.0 * gaussian.smallest_pt_symplectic_eigenvalue(V2))


def _raw_metrics(t, formal, tolerance, final=None):
    """(birth, max, t_max, settling) from a formal E_N series (interpolated between samples)."""
    t = np.asarray(t)
    f = np.asarray(formal, dtype=float)
    birth = None
    # a crossing counts above rounding: a product state with a vacuum mode sits exactly at ν⁻ = 1/2
    f0 = f - BIRTH_EPS
    up = np.nonzero((f0[:-1] <= 0) & (f0[1:] > 0))[0]
    if up.size and f0[-1] > 0:
        up = up[-1:]  # the pair stays entangled from the last upward crossing on
    if f0[0] > 0 and (not up.size or f0[-1] <= 0 or np.all(f0 > 0)):
        birth = float(t[0])
    elif up.size:
        k = up[0]
        birth = float(t[k] + (t[k + 1] - t[k]) * (-f0[k]) / (f0[k + 1] - f0[k]))
    en = np.maximum(f, 0.0)
    k = int(np.nanargmax(en))
    tmax, emax = float(t[k]), float(en[k])
    if 0 < k < t.size - 1 and en[k] > 0:
        # parabola through (t_{k−1}, t_k, t_{k+1})
        x, y = t[k - 1:k + 2], en[k - 1:k + 2]
        c = np.polyfit(x - t[k], y, 2)
        if c[0] < 0:
            dt = -c[1] / (2 * c[0])
            if x[0] - t[k] <= dt <= x[2] - t[k]:
                tmax, emax = float(t[k] + dt), float(np.polyval(c, dt))
    final = float(en[-1]) if final is None else final
    dev = np.abs(en - final) - tolerance
    out = np.nonzero(dev > 0)[0]
    if out.size == 0:
        settle = float(t[0])
    elif out[-1] == t.size - 1:
        settle = None
    else:
        k = out[-1]
        settle = float(t[k] + (t[k + 1] - t[k]) * dev[k] / (dev[k] - dev[k + 1]))
    return birth, emax, tmax, settle


def interpolated_metrics(times, formal, tolerance=1e-3, resolved=True, formal_groups=None) -> InterpolatedMetrics:
    """Metrics of :class:`InterpolatedMetrics`; with ``formal_groups`` (shape (G, T): the delete-one-group
    jackknife estimates of an ensemble) each gets a 95 % interval (delete-one-group jackknife) and is withheld
    (value None, with a note) when the interval is wider than the value; the maximum is withheld when its time
    is; the birth time becomes the detection time (the 95 % lower bound of E_N positive from then on)."""
    b, m, tm, s = _raw_metrics(times, formal, tolerance)
    vals = [b, m, tm, s]
    if formal_groups is None:
        mets = [Metric(v) for v in vals]
    else:
        G = len(formal_groups)
        loo = [_raw_metrics(times, fg, tolerance, final=max(float(formal[-1]), 0.0)) for fg in formal_groups]
        q = scipy.stats.t.ppf(0.975, G - 1)
        mets = []
        for i, v in enumerate(vals):
            xs = [r[i] for r in loo]
            if v is None or any(x is None for x in xs):
                mets.append(Metric(None, None, "not defined in every jackknife group"))
                continue
            xs = np.asarray(xs)
            se = np.sqrt((G - 1) / G * np.sum((xs - xs.mean()) ** 2))
            ci = (v - q * se, v + q * se)
            if i != 1:  # a time: the interval says where in the simulated span it lies, never outside it
                ci = (max(ci[0], float(times[0])), min(ci[1], float(times[-1])))
            if 2 * q * se > abs(v):
                mets.append(Metric(None, ci, "withheld: 95 % interval wider than the value"))
            else:
                mets.append(Metric(v, ci))
        # the birth time of a noisy E_N is not a smooth statistic (the last zero crossing jumps between
        # crossings of the noise), so its jackknife is not trustworthy; report instead when entanglement is
        # detected: the 95 % lower bound of E_N positive from then on — an upper bound on the birth time
        fg = np.asarray(formal_groups, dtype=float)
        se_t = np.sqrt((G - 1) / G * np.sum((fg - fg.mean(axis=0)) ** 2, axis=0))
        # (the same rule as the birth time: the last upward crossing when entangled at the end, so a dip of
        # the bound under zero late in a small ensemble postpones it — more trajectories narrow the bound)
        detected = _raw_metrics(times, np.asarray(formal, float) - q * se_t, tolerance)[0]
        mets[0] = Metric(detected, None, "detection time: the 95 % lower bound of E_N is positive from here on "
                                         "(an upper bound on the birth time)" if detected is not None
                         else "entanglement not detected at 95 %")
        if mets[2].value is None and mets[1].value is not None:
            # no well-located maximum: the largest sample of a noisy plateau is biased upward, its interval too
            mets[1] = Metric(None, mets[1].ci, "withheld: no distinct maximum (its time is undetermined); the "
                                               "largest sample of a noisy plateau is biased upward")
        if mets[1].value is not None:
            # times where E_N could reach the maximum within its own 95 % interval; several separate such
            # stretches (e.g. one per period of a drive) mean the largest sample was picked out of noise, and
            # that choice biases it upward by more than its jackknife interval shows
            near = np.asarray(formal, float) + q * se_t >= float(np.nanmax(formal))
            stretches = int(np.count_nonzero(np.diff(near.astype(np.int8)) == 1) + near[0])
            if stretches > 1:
                mets[1] = Metric(None, mets[1].ci, f"withheld: E_N comes within its 95 % interval of the largest "
                                                   f"sample in {stretches} separate stretches, so the largest is "
                                                   "biased upward (use --method exact or ode for the maximum)")
                mets[2] = Metric(None, None, "withheld with the maximum")
        if mets[3].value is None and mets[3].note.startswith("not defined"):
            mets[3] = Metric(None, None, "not settled within the tolerance in every jackknife group "
                                         "(sampling noise larger than the tolerance?)")
    return InterpolatedMetrics(birth_time=mets[0], max_E_N=mets[1], time_of_max=mets[2], settling_time=mets[3],
                               tolerance=tolerance, resolved=resolved)


# ----------------------------------------------------------------------------- time grids
def time_scales(A: np.ndarray, drive: Drive | None = None) -> dict:
    """Slowest and fastest time scales (s) of a drift matrix (and a drive).

    ``relax``: 1/min|Re λ| (None if not stable); ``fast``: 2π/max|λ|, together with the drive's own
    scales (ramp and pulse time constants, modulation periods).
    """
    lam = np.linalg.eigvals(np.asarray(A, float))
    re = -lam.real
    relax = 1.0 / float(np.min(re)) if np.all(re > 0) else None
    fast = 2 * np.pi / float(np.max(np.abs(lam))) if np.max(np.abs(lam)) > 0 else np.inf
    if drive is not None and drive.time_scales:
        fast = min(fast, min(drive.time_scales))
    return {"relax": relax, "fast": fast}


def default_times(A: np.ndarray, drive: Drive | None = None, relaxations: float = 12.0, per_fast: int = 8,
                  max_points: int = 20001) -> tuple[np.ndarray, dict]:
    """Output grid resolving the build-up: span = end of the drive's changes + ``relaxations``/min|Re λ|
    (or 4 periods of a periodic drive, whichever is longer), step ≤ fast/``per_fast``.

    Returns (times, info) with ``info['resolved']`` False when ``max_points`` capped the grid.
    """
    sc = time_scales(A, drive)
    relax = sc["relax"] if sc["relax"] is not None else 50 * sc["fast"]
    span = (drive.end_of_changes if drive is not None else 0.0) + relaxations * relax
    if drive is not None and drive.period:
        span = max(span, 4 * drive.period)
    step = sc["fast"] / per_fast
    n = int(np.ceil(span / step)) + 1
    resolved = n <= max_points
    n = min(n, max_points)
    info = {**sc, "t_end": span, "points": n, "resolved": resolved}
    return np.linspace(0.0, span, n), info


# ----------------------------------------------------------------------------- results
@dataclass(frozen=True)
class DrivenEvolution:
    """Mean fields and covariance of a driven model in time.

    Attributes
    ----------
    times : ndarray, shape (T,)
    means : ndarray, shape (T, m)  (m = 0 for models without mean fields)
    alpha, beta, detuning : ndarray, shape (T, n_c) or None
        Cavity and mirror amplitudes and the effective detuning Δ_j(t) (rad/s).
    power : ndarray, shape (T, n_pumps) or None
        P_j(t)/P.
    covariances : ndarray, shape (T, 2n, 2n)
    E_N, E_N_formal : ndarray, shape (T,)
        E_N of ``pair`` and −ln 2ν⁻ (None without a pair).
    E_N_ci : ndarray, shape (T, 2) or None
        95 % jackknife interval (ensembles).
    bona_fide : ndarray of bool, shape (T,)
    metrics : InterpolatedMetrics or None
    final_lyapunov : ndarray or None
        Lyapunov covariance of A at the final time (None if unstable there).
    method : str
        'ode', 'piecewise' or 'langevin'.
    final_max_re_eigenvalue : float or None
        max Re λ of A at the final time and means (≥ 0: unstable there, the fluctuations grow at this rate
        and never settle; None when the final means are not finite).
    """

    times: np.ndarray
    means: np.ndarray = field(repr=False)
    alpha: np.ndarray | None = field(repr=False)
    beta: np.ndarray | None = field(repr=False)
    detuning: np.ndarray | None = field(repr=False)
    power: np.ndarray | None = field(repr=False)
    covariances: np.ndarray = field(repr=False)
    E_N: np.ndarray | None = field(repr=False)
    E_N_formal: np.ndarray | None = field(repr=False)
    E_N_ci: np.ndarray | None = field(repr=False)
    bona_fide: np.ndarray = field(repr=False)
    metrics: InterpolatedMetrics | None
    final_lyapunov: np.ndarray | None = field(repr=False)
    final_lyapunov_E_N: float | None
    pair: tuple | None
    modes: tuple
    method: str
    rtol: float | None
    n_trajectories: int | None = None
    seed: int | None = None
    stats: dict = field(default_factory=dict)
    final_max_re_eigenvalue: float | None = None

    @property
    def covariance_final(self):
        return self.covariances[-1]

    def __repr__(self):
        en = None if self.E_N is None else float(self.E_N[-1])
        return (f"DrivenEvolution(method={self.method!r}, modes={self.modes}, pair={self.pair}, "
                f"t_end={self.times[-1]:.4g} s, points={self.times.size}, E_N(t_end)={en}, "
                f"final_lyapunov_E_N={self.final_lyapunov_E_N}, rtol={self.rtol}, "
                f"trajectories={self.n_trajectories}, wall={self.stats.get('wall_time_s', 0):.3g}s)")


def _V0_default(system) -> np.ndarray:
    """Optical vacuum, mechanics at the bath's occupation (from D and the damping of A₀ when known)."""
    n = len(system.modes)
    V = 0.5 * np.eye(2 * n)
    if isinstance(system, DrivenSystem):
        nc = system.n_cavities
        A0, D = system.base_drift, system.diffusion
        for j in range(nc, n):
            i = slice(2 * j, 2 * j + 2)
            # thermal state of the bare mirror: the Lyapunov solution of its own block
            V[i, i] = solve_lyapunov(A0[i, i], D[i, i])
            V[i, i] = np.eye(2) * np.trace(V[i, i]) / 2
    else:
        V = solve_lyapunov(system.drift(0.0), system.diffusion) if assess_stability(system.drift(0.0)).stable else V
    return V


def _finish(system, t, ys, Vs, pair, method, rtol, tolerance, ci=None, groups=None, stats=None, **extra):
    Vs = 0.5 * (Vs + np.swapaxes(Vs, -1, -2))
    en = formal = None
    metrics = None
    A_end = system.drift(float(t[-1]), ys[-1])
    sc = time_scales(A_end, system.drive)
    resolved = bool(t.size < 2 or np.max(np.diff(t)) <= sc["fast"] / 4 + 1e-300)
    stab = assess_stability(A_end)
    if pair is not None:
        formal = formal_log_negativity(Vs, pair, tuple(system.modes))
        en = np.maximum(formal, 0.0)
        metrics = interpolated_metrics(t, formal, tolerance, resolved, groups)
        if system.drive.period:
            metrics = dataclasses.replace(metrics, settling_time=Metric(
                None, None, "periodic drive: no settling to a constant; see the periodic steady state (floquet)"))
        elif not stab.stable:
            # E_N may sit at 0 while V(t) grows: "settled from t = 0" would be a silent wrong answer
            metrics = dataclasses.replace(metrics, settling_time=Metric(
                None, None, f"unstable at the final drift (max Re λ = {stab.max_re_eigenvalue:.4g} 1/s): "
                            "never settles"))
    V_L = solve_lyapunov(A_end, system.diffusion) if stab.stable else None
    en_L = None
    if V_L is not None and pair is not None and bool(gaussian.is_bona_fide(V_L)):
        en_L = float(gaussian.log_negativity(V_L, pair, tuple(system.modes)))
    if (metrics is not None and groups is None and en_L is not None and not system.drive.period
            and np.isfinite(en[-1]) and abs(float(en[-1]) - en_L) > tolerance):
        # E_N has not reached the state it relaxes to (e.g. t_end shorter than the build-up): the last
        # crossing of |E_N − E_N(t_end)| would call a run that has not started "settled from t = 0"
        metrics = dataclasses.replace(metrics, settling_time=Metric(
            None, None, f"not settled: E_N(t_end) is {abs(float(en[-1]) - en_L):.3g} from the Lyapunov E_N "
                        f"{en_L:.6g} at the final drift (tolerance {tolerance:g}); a longer --t-end"))
    isd = isinstance(system, DrivenSystem)
    return DrivenEvolution(
        times=t, means=ys, alpha=system.alpha(ys) if isd else None, beta=system.beta(ys) if isd else None,
        detuning=system.detuning(t, ys) if isd else None,
        power=system.drive.power_factors(t, system.n_pumps) if isd else None,
        covariances=Vs, E_N=en, E_N_formal=formal, E_N_ci=ci,
        bona_fide=np.asarray(gaussian.is_bona_fide(Vs)), metrics=metrics, final_lyapunov=V_L,
        final_lyapunov_E_N=en_L, pair=None if pair is None else tuple(pair), modes=tuple(system.modes),
        method=method, rtol=rtol, stats=stats or {},
        final_max_re_eigenvalue=float(stab.max_re_eigenvalue) if np.all(np.isfinite(A_end)) else None, **extra)


def _midpoint_means(system, t, substeps, y0, rtol, method):
    """Means at the midpoints of ``substeps`` equal sub-intervals of every output interval, and at ``t``."""
    edges = np.concatenate([[t[0]], (t[:-1, None] + np.diff(t)[:, None] * np.arange(1, substeps + 1) / substeps)
                            .ravel()])
    mids = 0.5 * (edges[:-1] + edges[1:])
    grid = np.sort(np.concatenate([edges, mids]))
    if system.dim == 0:
        return grid, np.zeros((grid.size, 0)), 0
    y_ss = system.steady_means()
    atol = rtol * 1e-3 * max(1.0, float(np.max(np.abs(y_ss))))
    ys, nfev = integrate(system.rhs, system.drift, y0, grid, system.drive.breakpoints, method, rtol, atol)
    return grid, ys, nfev


def interval_propagators(system, times, substeps: int = 8, y0=None, rtol: float = RTOL,
                         method: str = "LSODA", progress=None):
    """Per output interval k: the composed (Φ_k, Q_k) of midpoint-frozen steps, and the means at ``times``.

    ``progress`` (start/advance/close) counts the intervals: with many output times this stage takes most
    of a driven ensemble's time.

    Returns (phis (T−1, d, d), Qs (T−1, d, d), means (T, m), rhs evaluations).
    """
    from ..progress import NoProgress

    progress = NoProgress() if progress is None else progress
    t = np.asarray(times, float)
    y0 = np.zeros(system.dim) if y0 is None else np.asarray(y0, float)
    grid, ys, nfev = _midpoint_means(system, t, substeps, y0, rtol, method)
    d = system.diffusion.shape[0]
    D = system.diffusion
    phis = np.empty((t.size - 1, d, d))
    Qs = np.empty((t.size - 1, d, d))
    # grid = [t0, mid, edge, mid, edge, …]: sub-interval i has midpoint 2i+1
    progress.start(t.size - 1, "propagators per output interval")
    try:
        for k in range(t.size - 1):
            P, Q = np.eye(d), np.zeros((d, d))
            for s in range(substeps):
                i = k * substeps + s
                h = grid[2 * i + 2] - grid[2 * i]
                p, q = step_propagator(system.drift(grid[2 * i + 1], ys[2 * i + 1]), D, h)
                P, Q = p @ P, p @ Q @ p.T + q
            phis[k], Qs[k] = P, 0.5 * (Q + Q.T)
            progress.advance()
    finally:
        progress.close()
    return phis, Qs, ys[0::2 * substeps], nfev


def evolve_driven(system, times, V0=None, pair=("a1", "b1"), method: str = "ode", rtol: float = RTOL,
                  substeps: int = 8, ode_method: str = "LSODA", tolerance: float = 1e-3, y0=None) -> DrivenEvolution:
    """Mean fields and covariance of a driven model from the undriven state.

    Parameters
    ----------
    system : DrivenSystem or ModulatedModel
    times : array, shape (T,)
        Output times (s), increasing from ≥ 0; integration starts at t = 0.
    V0 : ndarray, shape (2n, 2n), optional
        Initial covariance; default optical vacuum and thermal mirrors.
    pair : two mode names or None
        Pair for E_N(t) (None: no E_N).
    method : {'ode', 'piecewise'}
        Error-controlled ``solve_ivp`` of means and V together, or the midpoint-frozen exact propagation.
    rtol : float
        Relative tolerance of ``solve_ivp`` (both paths integrate the mean fields).
    substeps : int
        Midpoint steps per output interval (``piecewise``).
    ode_method : str
        ``solve_ivp`` method (LSODA default: stiff/non-stiff switching with the analytic Jacobian;
        Radau and BDF work too but are slow on these oscillatory problems).
    tolerance : float
        E_N tolerance of the settling time.
    """
    t = _check_times(times)
    if method not in ("ode", "piecewise"):
        raise ParameterError("method", method, "ode or piecewise")
    if not (isinstance(substeps, (int, np.integer)) and substeps >= 1):
        raise ParameterError("substeps", substeps, "an integer ≥ 1")
    V0 = _V0_default(system) if V0 is None else np.asarray(V0, float)
    gaussian.check_bona_fide(V0)
    y0 = np.zeros(system.dim) if y0 is None else np.asarray(y0, float)
    start = time.perf_counter()
    d = V0.shape[0]
    m = system.dim
    if method == "ode":
        D = system.diffusion
        eye = np.eye(d)

        def fun(tt, z):
            y = z[:m]
            V = z[m:].reshape(d, d)
            A = system.drift(tt, y)
            AV = A @ V
            return np.concatenate([system.rhs(tt, y), (AV + AV.T + D).ravel()])

        def jac(tt, z):
            A = system.drift(tt, z[:m])
            J = np.zeros((m + d * d, m + d * d))
            J[:m, :m] = A[:m, :m] if m else J[:m, :m]
            J[m:, m:] = np.kron(A, eye) + np.kron(eye, A)
            return J

        y_scale = max(1.0, float(np.max(np.abs(system.steady_means())))) if m else 1.0
        atol = np.concatenate([np.full(m, rtol * 1e-3 * y_scale),
                               np.full(d * d, rtol * 1e-3 * max(1.0, float(np.max(np.abs(V0)))))])
        z, nfev = integrate(fun, jac, np.concatenate([y0, V0.ravel()]), t, system.drive.breakpoints, ode_method,
                            rtol, atol, what="mean-field and covariance equations")
        ys, Vs = z[:, :m], z[:, m:].reshape(t.size, d, d)
    else:
        if t[0] != 0.0:
            t_full = np.concatenate([[0.0], t])
        else:
            t_full = t
        phis, Qs, ys, nfev = interval_propagators(system, t_full, substeps, y0, rtol, ode_method)
        Vs = np.empty((t_full.size, d, d))
        Vs[0] = V0
        for k in range(t_full.size - 1):
            Vs[k + 1] = phis[k] @ Vs[k] @ phis[k].T + Qs[k]
        if t_full is not t:
            Vs, ys = Vs[1:], ys[1:]
    stats = {"wall_time_s": time.perf_counter() - start, "rhs_evaluations": nfev, "ode_method": ode_method}
    if method == "piecewise":
        stats["substeps"] = int(substeps)
    return _finish(system, t, ys, Vs, pair, method, rtol, tolerance, stats=stats)


def evolve_driven_ensemble(system, times, n_trajectories: int, V0=None, pair=("a1", "b1"), seed: int = 0,
                           substeps: int = 8, rtol: float = RTOL, tolerance: float = 1e-3, execution=None,
                           progress=None, y0=None, max_trajectory_steps: float | None = None,
                           max_memory: float = 4e9) -> DrivenEvolution:
    """Langevin (Wigner) ensemble with A(t): exact Ornstein–Uhlenbeck updates u ← Φ_k u + C_k ξ with the
    per-interval propagators of :func:`interval_propagators`, in the seeded blocks of
    :func:`cascom_sim.solvers.dynamics.evolve_ensemble` (same random streams, same executor).

    E_N(t) and each transient metric come with 95 % delete-one-group jackknife intervals; a metric is
    withheld when its interval is wider than its value.  ``max_trajectory_steps`` (default
    :data:`cascom_sim.solvers.dynamics.MAX_TRAJECTORY_STEPS`) and ``max_memory`` (bytes) are checked before
    anything runs, as for :func:`cascom_sim.solvers.dynamics.evolve_ensemble`.
    """
    from ..progress import NoProgress
    from ..runs.executor import Execution, run_chunks, run_key
    from .dynamics import (
        BLOCK,
        MAX_TRAJECTORY_STEPS,
        N_GROUPS,
        _add_in_place,
        _block_sizes,
        _run_block,
        check_ensemble_budget,
    )

    if not (isinstance(n_trajectories, (int, np.integer)) and n_trajectories >= 2 * N_GROUPS):
        raise ParameterError("trajectories", n_trajectories, f"an integer ≥ {2 * N_GROUPS}")
    t = _check_times(times)
    if t[0] != 0.0:
        raise ParameterError("times", float(t[0]), "a grid starting at t = 0 for ensembles")
    check_ensemble_budget(n_trajectories, t.size, t.size - 1, system.diffusion.shape[0],
                          MAX_TRAJECTORY_STEPS if max_trajectory_steps is None else max_trajectory_steps, max_memory)
    V0 = _V0_default(system) if V0 is None else np.asarray(V0, float)
    gaussian.check_bona_fide(V0)
    start = time.perf_counter()
    phis, Qs, ys, nfev = interval_propagators(system, t, substeps, y0, rtol, progress=progress)
    phi_q = list(zip(phis, Qs))  # one (Φ, Q) per output interval (a single one is read as "every step")
    sizes = _block_sizes(int(n_trajectories))
    seeds = np.random.SeedSequence(seed).spawn(len(sizes))
    D = system.diffusion
    tasks = [(s, n, V0, t, phis[0], D, "langevin", 1, phi_q) for s, n in zip(seeds, sizes)]
    execution = Execution() if execution is None else execution
    d = V0.shape[0]
    key = run_key("driven-ensemble", phis, Qs, V0, t, seed, int(n_trajectories))
    # block sums merged in block order as they finish (bounded memory, same bits wherever they ran)
    total = run_chunks(_run_block, tasks, execution, key, progress or NoProgress(),
                       f"driven Langevin ensemble (blocks of {BLOCK})", reduce=_add_in_place,
                       initial=np.zeros((t.size, N_GROUPS, d, d)))
    counts = np.zeros(N_GROUPS)
    for n in sizes:
        counts += n // N_GROUPS
        counts[: n % N_GROUPS] += 1
    N = counts.sum()
    V = total.sum(axis=1) / N
    loo = (total.sum(axis=1)[:, None] - total) / (N - counts)[None, :, None, None]
    loo = 0.5 * (loo + np.swapaxes(loo, -1, -2))
    ci = groups = None
    if pair is not None:
        f_loo = formal_log_negativity(loo, pair, tuple(system.modes))  # (T, G)
        f = formal_log_negativity(0.5 * (V + np.swapaxes(V, -1, -2)), pair, tuple(system.modes))
        G = N_GROUPS
        en_loo = np.maximum(f_loo, 0)
        en = np.maximum(f, 0)
        se = np.sqrt((G - 1) / G * np.sum((en_loo - en_loo.mean(axis=1, keepdims=True)) ** 2, axis=1))
        q = scipy.stats.t.ppf(0.975, G - 1)
        ci = np.stack([en - q * se, en + q * se], axis=-1)
        groups = f_loo.T
    stats = {"wall_time_s": time.perf_counter() - start, "rhs_evaluations": nfev, "substeps": int(substeps),
             "trajectory_steps": int(N) * (t.size - 1)}
    return _finish(system, t, ys, V, pair, "langevin", rtol, tolerance, ci=ci, groups=groups, stats=stats,
                   n_trajectories=int(N), seed=seed)


def lyapunov_at(system, t: float, y) -> np.ndarray:
    """Lyapunov covariance of the frozen drift A(t, y) (raises when unstable)."""
    A = system.drift(t, y)
    if not assess_stability(A).stable:
        from ..errors import UnstableSystemError

        raise UnstableSystemError(f"A(t = {t:.4g} s) is unstable")
    return solve_lyapunov(A, system.diffusion)


__all__ = ["DrivenEvolution", "InterpolatedMetrics", "Metric", "ModulatedModel", "default_times", "evolve_driven",
           "evolve_driven_ensemble", "formal_log_negativity", "interpolated_metrics", "interval_propagators",
           "lyapunov_at", "parametric_oscillator", "time_scales"]
