"""Time domain: covariance evolution and stochastic Langevin (Wigner) ensembles.

Covariance ODE  V̇ = A V + V Aᵀ + D  (the moment equation of Eq. 19 with the noise of Eq. 28).
Exact propagation over a step h uses Φ = e^{Ah} and Q_h = ∫₀ʰ e^{As} D e^{Aᵀs} ds:

    V(t + h) = Φ V(t) Φᵀ + Q_h.

For stable A, Q_h = V∞ − Φ V∞ Φᵀ with V∞ the Lyapunov solution (no large exponentials, so any step
size is exact at the paper's stiffness κ/γ_m ≈ 2·10⁴).  For any A (unstable included), Q_h comes from
Van Loan's block exponential, evaluated on a step small enough for e^{−Ah} to stay in range and then
doubled (Φ_{2h} = Φ_h², Q_{2h} = Φ_h Q_h Φ_hᵀ + Q_h) — divergence is shown, not hidden.

Langevin trajectories: for a linear model the Wigner (symmetrically ordered) description is exact,
du = A u dt + B dW with B Bᵀ = D; the ensemble covariance E[u uᵀ] obeys the covariance ODE.  The exact
Ornstein–Uhlenbeck update u(t+h) = Φ u + C ξ (C Cᵀ = Q_h) and Euler–Maruyama are provided.
Trajectories come in fixed blocks, each with its own generator from ``SeedSequence(seed).spawn``, so a
result depends only on (seed, number of trajectories), never on chunking or worker count.  Only running
sums are kept (bounded memory); confidence intervals come from a delete-one-group jackknife over
:data:`N_GROUPS` groups of trajectories.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.integrate
import scipy.linalg
import scipy.stats

from ..errors import ParameterError, SolverError, WorkTooLargeError
from ..gaussian import covariance as gaussian
from ..gaussian.lyapunov import solve_lyapunov
from ..gaussian.stability import assess_stability
from ..models import LinearModel
from ..models.linear import as_linear
from ..parameters import Parameters
from ..progress import NoProgress

#: trajectories per independently seeded block (fixed: it defines the random stream)
BLOCK = 4096
#: jackknife groups; trajectory i belongs to group i mod N_GROUPS
N_GROUPS = 16


def initial_covariance(params: Parameters) -> np.ndarray:
    """Default initial state of the paper's four modes: optical vacuum, mechanics thermal at n_m, shape (8, 8).

    For other models use :func:`cascom_sim.gaussian.covariance.thermal_covariance` with one occupation per mode.
    """
    n = float(params.n_m)
    return np.diag([0.5] * 4 + [n + 0.5] * 4)


def _check_initial(model: LinearModel, V0) -> np.ndarray:
    V0 = np.asarray(V0, dtype=float)
    d = 2 * model.n_modes
    if V0.shape != (d, d):
        raise ParameterError("V0", f"shape {V0.shape}", f"a {d}×{d} covariance of the modes {', '.join(model.modes)}")
    gaussian.check_bona_fide(V0)
    return V0


# ----------------------------------------------------------------------------- propagators
def _van_loan(A: np.ndarray, D: np.ndarray, h: float) -> tuple[np.ndarray, np.ndarray]:
    n = A.shape[0]
    M = np.zeros((2 * n, 2 * n))
    M[:n, :n] = -A
    M[:n, n:] = D
    M[n:, n:] = A.T
    F = scipy.linalg.expm(M * h)
    phi = F[n:, n:].T
    Q = phi @ F[:n, n:]
    return phi, 0.5 * (Q + Q.T)


def step_propagator(A: np.ndarray, D: np.ndarray, h: float, V_inf: np.ndarray | None = None):
    """(Φ, Q_h) of one step h for the covariance and the exact OU update.

    ``V_inf`` (the Lyapunov solution) selects the stable-A form Q_h = V∞ − Φ V∞ Φᵀ.
    """
    A = np.asarray(A, dtype=float)
    D = np.asarray(D, dtype=float)
    if V_inf is not None:
        phi = scipy.linalg.expm(A * h)
        Q = V_inf - phi @ V_inf @ phi.T
        return phi, 0.5 * (Q + Q.T)
    # keep ‖A‖h ≲ 1 inside Van Loan, then double up to h
    norm = max(np.max(np.abs(A)) * A.shape[0], 1e-300)
    k = max(0, int(np.ceil(np.log2(norm * h))))
    phi, Q = _van_loan(A, D, h / 2**k)
    for _ in range(k):
        Q = phi @ Q @ phi.T + Q
        phi = phi @ phi
    return phi, 0.5 * (Q + Q.T)


#: the span may hold at most this many of the fastest time constants 1/max|λ(A)| (beyond, the time
#: grid cannot resolve the dynamics and exponentials of A·t lose every digit)
MAX_SPAN_RATES = 1e15
#: ``method='ode'``: at most this many time constants (solve_ivp takes ~1 step per time constant)
MAX_ODE_SPAN_RATES = 1e7


def fastest_rate(A: np.ndarray) -> float:
    """max |λ(A)| (1/s); the norm bound max|A|·n if the eigenvalues cannot be computed."""
    A = np.asarray(A, dtype=float)
    try:
        return float(np.max(np.abs(np.linalg.eigvals(A))))
    except np.linalg.LinAlgError:
        return float(np.max(np.abs(A)) * A.shape[-1])


def check_time_span(A, times, method: str = "covariance") -> None:
    """Refuse a time span the method cannot resolve (or, for ``ode``, would take too many steps)."""
    span = float(times[-1])
    rate = fastest_rate(A)
    limit = MAX_ODE_SPAN_RATES if method == "ode" else MAX_SPAN_RATES
    if span * rate > limit:
        if method == "ode":
            steps = span * rate
            raise WorkTooLargeError(f"--method ode over t_end = {span:.3g} s",
                                    (f"{steps:.2g}" if np.isfinite(steps) else "more than 1e308") + " steps "
                                    f"(max|λ| = {rate:.3g} 1/s)", f"{limit:.0e} steps",
                                    "--method covariance (exact at any step) or a shorter --t-end")
        raise ParameterError("t-end", span, f"a span of at most {limit:.0e} of the fastest time constants "
                                            f"(1/max|λ(A)| = {1 / rate:.3g} s): ≤ {limit / rate:.3g} s")


def _check_times(times) -> np.ndarray:
    t = np.asarray(times, dtype=float)
    if t.ndim != 1 or t.size < 1 or not np.all(np.isfinite(t)) or t[0] < 0 or np.any(np.diff(t) <= 0):
        raise ParameterError("times", f"array of {t.size}", "finite, increasing, starting at ≥ 0")
    return t


def _uniform_step(t: np.ndarray) -> float | None:
    if t.size < 2:
        return None
    d = np.diff(t)
    return float(d[0]) if np.allclose(d, d[0], rtol=1e-9, atol=0) else None


def propagate_covariance(A, D, V0, times, V_inf=None) -> np.ndarray:
    """V at each of ``times`` (t = 0 is the initial state), exact, shape (T, n, n).

    One (Φ, Q) per distinct step; O(1) matrix products per output time on a uniform grid.
    """
    t = _check_times(times)
    out = np.full((t.size,) + np.shape(V0), np.nan)
    V = np.asarray(V0, dtype=float)
    # an unstable drift makes V overflow eventually: from then on V(t) is NaN (not a number to report)
    with np.errstate(over="ignore", invalid="ignore"):
        if t[0] > 0:
            phi, Q = step_propagator(A, D, t[0], V_inf)
            V = phi @ V @ phi.T + Q
        out[0] = V
        h = _uniform_step(t)
        cache = step_propagator(A, D, h, V_inf) if h is not None else None
        for k in range(1, t.size):
            if not np.all(np.isfinite(V)):
                break
            phi, Q = cache if cache is not None else step_propagator(A, D, t[k] - t[k - 1], V_inf)
            V = phi @ V @ phi.T + Q
            out[k] = 0.5 * (V + V.T)
    out[~np.all(np.isfinite(out), axis=(-2, -1))] = np.nan
    return out


#: right-hand-side evaluations covariance_ode may spend (a few seconds) before it gives up with what to try
ODE_MAX_EVALUATIONS = 200_000


class _OdeBudget(Exception):
    def __init__(self, t):
        self.t = t


#: covariance_ode stops where |V| passes this (an unstable drift): the later samples are NaN, as for the
#: exact propagation, instead of the integrator shrinking its step towards the overflow for minutes
ODE_DIVERGENCE_BOUND = 1e100


def covariance_ode(A, D, V0, times, method: str = "DOP853", rtol: float = 1e-10, atol: float = 1e-12) -> np.ndarray:
    """Cross-check: V̇ = AV + VAᵀ + D integrated by scipy's ``solve_ivp``, shape (T, n, n).

    Where an unstable drift makes |V| pass :data:`ODE_DIVERGENCE_BOUND` the integration stops and the later
    samples are NaN."""
    t = _check_times(times)
    A = np.asarray(A, dtype=float)
    D = np.asarray(D, dtype=float)
    n = A.shape[0]
    scale = max(np.max(np.abs(np.asarray(V0))), 1.0)

    count = [0]

    def rhs(tt, y):
        count[0] += 1
        if count[0] > ODE_MAX_EVALUATIONS:
            raise _OdeBudget(tt)
        V = y.reshape(n, n)
        return (A @ V + V @ A.T + D / scale).ravel()

    def diverged(_, y):
        return ODE_DIVERGENCE_BOUND / scale - float(np.max(np.abs(y)))

    diverged.terminal = True
    jac = np.kron(A, np.eye(n)) + np.kron(np.eye(n), A)
    kw = {"jac": jac} if method in ("Radau", "BDF", "LSODA") else {}
    try:
        with np.errstate(over="ignore", invalid="ignore"):
            sol = scipy.integrate.solve_ivp(rhs, (0.0, t[-1]), (np.asarray(V0) / scale).ravel(), t_eval=t,
                                            method=method, rtol=rtol, atol=atol, events=diverged, **kw)
    except _OdeBudget as exc:
        # e.g. the paper's unstable point: DOP853 at rtol 1e-10 needs ~1e6 evaluations per 0.1 µs of growth
        raise SolverError(f"solve_ivp ({method}) needed more than {ODE_MAX_EVALUATIONS:.0e} evaluations of the "
                          f"covariance ODE and reached only t = {exc.t:.4g} s of {t[-1]:.4g} s",
                          "--method covariance (exact at any step) or a shorter --t-end") from None
    if not sol.success:
        raise SolverError(f"solve_ivp failed: {sol.message}", "--method covariance (exact at any step)")
    out = np.full((t.size, n * n), np.nan)
    out[:sol.y.shape[1]] = sol.y.T  # after a divergence stop the later samples stay NaN
    return out.reshape(t.size, n, n) * scale


# ----------------------------------------------------------------------------- results
@dataclass(frozen=True)
class TransientMetrics:
    """What users ask of a transient (times in s).

    convergence_time: first time after which |E_N(t) − E_N∞| ≤ tolerance at every later output time;
    max_E_N / time_of_max (None when no E_N exists); birth_time: first time with E_N > 0; bona_fide_until:
    first time V(t) violates V + iΩ/2 ≥ 0 (None if never); finite_until: first time V(t) overflowed
    (unstable drift; None if never); growth_rate: max Re λ(A) when unstable (1/s), else None.
    No E_N, maximum or birth time is taken from a time at or after the first violation or overflow.
    """

    convergence_time: float | None
    tolerance: float
    max_E_N: float | None
    time_of_max: float | None
    birth_time: float | None
    bona_fide_until: float | None
    growth_rate: float | None
    finite_until: float | None = None


def check_tolerance(tolerance) -> float:
    """The E_N tolerance of the convergence time: a finite number ≥ 0."""
    if isinstance(tolerance, (bool, np.bool_)) or not isinstance(tolerance, (int, float, np.floating, np.integer)) \
            or not (np.isfinite(tolerance) and tolerance >= 0):
        raise ParameterError("tolerance", tolerance, "a finite number ≥ 0 (E_N)")
    return float(tolerance)


def transient_metrics(times, en, en_stationary, bona_fide, growth_rate=None, tolerance=1e-3,
                      ci=None, finite=None) -> TransientMetrics:
    """Transient figures of merit; with an ensemble interval ``ci`` (shape (T, 2)) the sampling error
    counts: entanglement is born when the lower bound exceeds 0, and E_N has converged where the
    interval widened by ``tolerance`` contains the stationary value.  ``finite`` (bool, (T,)) marks the
    times where V(t) is representable; E_N at or after the first violation or overflow is ignored."""
    tolerance = check_tolerance(tolerance)
    t = np.asarray(times)
    en = np.array(en, dtype=float)
    bona = np.asarray(bona_fide, dtype=bool)
    finite = np.ones(t.size, bool) if finite is None else np.asarray(finite, dtype=bool)
    lo, hi = (en, en) if ci is None else (np.array(ci)[:, 0], np.array(ci)[:, 1])
    stop = np.nonzero(~(bona & finite))[0]
    if stop.size:  # nothing after the state stopped being a state
        en[stop[0]:] = np.nan
        lo = np.where(np.arange(t.size) < stop[0], lo, np.nan)
        hi = np.where(np.arange(t.size) < stop[0], hi, np.nan)
    conv = None
    if en_stationary is not None:
        ok = (lo - tolerance <= en_stationary) & (en_stationary <= hi + tolerance)
        bad = np.nonzero(~ok)[0]
        if bad.size == 0:
            conv = float(t[0])
        elif bad[-1] + 1 < t.size:
            conv = float(t[bad[-1] + 1])
    born = np.nonzero(lo > 0)[0]
    viol = np.nonzero(~bona & finite)[0]
    over = np.nonzero(~finite)[0]
    has = np.isfinite(en)
    k = int(np.nanargmax(np.where(has, en, -np.inf))) if has.any() else None
    return TransientMetrics(convergence_time=conv, tolerance=tolerance,
                            max_E_N=None if k is None else float(en[k]),
                            time_of_max=None if k is None else float(t[k]),
                            birth_time=float(t[born[0]]) if born.size else None,
                            bona_fide_until=float(t[viol[0]]) if viol.size else None, growth_rate=growth_rate,
                            finite_until=float(t[over[0]]) if over.size else None)


def _num(x) -> str:
    return f"{float(x):.5g}" if np.isfinite(x) else "—"


@dataclass(frozen=True)
class Evolution:
    """A covariance trajectory V(t), exact or estimated from a Langevin ensemble.

    Attributes
    ----------
    times : ndarray, shape (T,)
        s.
    covariances : ndarray, shape (T, 2n, 2n)
        In the quadrature order of ``model.modes`` (also :attr:`modes`).
    E_N : ndarray, shape (T,)
        E_N of ``pair`` at each time (from V(t), flagged by ``bona_fide``).
    E_N_ci : ndarray, shape (T, 2) or None
        95 % jackknife interval for ensembles.
    bona_fide : ndarray of bool, shape (T,)
    occupations : ndarray, shape (T, n)
        One column per mode of ``modes``.
    stationary_E_N : float or None
        Lyapunov value (None when unstable or not bona fide).
    stationary_covariance : ndarray or None
    metrics : TransientMetrics
    method : str
        'covariance', 'ode', 'langevin' or 'euler'.
    """

    times: np.ndarray
    covariances: np.ndarray = field(repr=False)
    E_N: np.ndarray = field(repr=False)
    E_N_ci: np.ndarray | None = field(repr=False)
    bona_fide: np.ndarray = field(repr=False)
    occupations: np.ndarray = field(repr=False)
    stationary_E_N: float | None
    stationary_covariance: np.ndarray | None = field(repr=False)
    metrics: TransientMetrics
    method: str
    pair: tuple[str, str]
    model: LinearModel = field(repr=False)
    stable: bool = True
    max_re_eigenvalue: float = float("nan")
    noise_physical: bool = True
    n_trajectories: int | None = None
    seed: int | None = None
    stats: dict = field(default_factory=dict)
    #: ensembles: formal −ln 2ν⁻(t) of each delete-one-group jackknife estimate, shape (T, groups), for the
    #: intervals of interpolated metrics (cascom_sim.solvers.timedep.interpolated_metrics)
    E_N_groups: np.ndarray | None = field(default=None, repr=False)

    @property
    def covariance_final(self) -> np.ndarray:
        return self.covariances[-1]

    @property
    def modes(self) -> tuple[str, ...]:
        return self.model.modes

    def __repr__(self) -> str:
        o = self.model.options
        readings = "" if o is None else f"units={o.units!r}, coupling={o.coupling!r}, bath={o.bath!r}, "
        return (f"Evolution(method={self.method!r}, model={self.model.label!r}, modes={self.modes}, {readings}"
                f"pair={self.pair}, t_end={self.times[-1]:.4g} s, points={self.times.size}, "
                f"stable={self.stable}, noise_physical={self.noise_physical}, "
                f"E_N(t_end)={_num(self.E_N[-1])}, stationary_E_N={self.stationary_E_N}, "
                f"trajectories={self.n_trajectories}, wall={self.stats.get('wall_time_s', 0):.3g}s)")


def _stationary(model: LinearModel, pair):
    stab = assess_stability(model.drift)
    if not stab.stable:
        return stab, None, None
    V_inf = solve_lyapunov(model.drift, model.diffusion)
    en = float(gaussian.log_negativity(V_inf, pair, model.modes)) if bool(gaussian.is_bona_fide(V_inf)) else None
    return stab, V_inf, en


def _assemble(model, pair, times, Vs, method, stab, V_inf, en_inf, ci=None, tolerance=1e-3, bona=None, **extra):
    """An :class:`Evolution`: E_N where V(t) is finite and bona fide, NaN (withheld) from the first time it
    is not; eigen-decompositions only ever see finite matrices."""
    finite = np.all(np.isfinite(Vs), axis=(-2, -1))
    en = np.full(finite.shape, np.nan)
    if bona is None:
        bona = np.zeros(finite.shape, bool)
        if finite.any():
            bona[finite] = gaussian.is_bona_fide(Vs[finite])
    bona = np.asarray(bona, bool) & finite
    stop = np.nonzero(~bona)[0]
    keep = np.arange(finite.size) < (stop[0] if stop.size else finite.size)
    if keep.any():
        en[keep] = gaussian.log_negativity(Vs[keep], pair, model.modes)
    if ci is not None:
        ci = np.where(keep[:, None], ci, np.nan)
    growth = None if stab.stable else stab.max_re_eigenvalue
    metrics = transient_metrics(times, en, en_inf, bona, growth, tolerance, ci, finite=finite)
    return Evolution(times=np.asarray(times), covariances=Vs, E_N=en, E_N_ci=ci, bona_fide=bona,
                     occupations=gaussian.occupations(Vs), stationary_E_N=en_inf, stationary_covariance=V_inf,
                     metrics=metrics, method=method, pair=tuple(pair), model=model, stable=stab.stable,
                     max_re_eigenvalue=stab.max_re_eigenvalue,
                     noise_physical=bool(gaussian.is_noise_physical(model.drift, model.diffusion)), **extra)


def evolve_covariance(model: LinearModel, times: Sequence[float], V0: np.ndarray, pair=None,
                      method: str = "covariance", tolerance: float = 1e-3) -> Evolution:
    """Covariance evolution from a Gaussian initial state.

    Parameters
    ----------
    model : LinearModel or LindbladModel
        A single point (drift shape (2n, 2n)) on any number of modes.
    times : array, shape (T,)
        Output times in s, increasing, t[0] ≥ 0.
    V0 : ndarray, shape (2n, 2n)
        Initial covariance in the order of ``model.modes`` (e.g. :func:`initial_covariance`).
    pair : two of ``model.modes``
        Default ``b1, b2`` when the model has them, the only pair of a two-mode model.
    method : {'covariance', 'ode'}
        ``covariance``: exact propagation; ``ode``: scipy's solve_ivp (DOP853), a cross-check.
    tolerance : float
        E_N tolerance for the convergence time.
    """
    model = as_linear(model)
    pair = gaussian.resolve_pair(pair, model.modes)
    V0 = _check_initial(model, V0)
    check_tolerance(tolerance)
    t = _check_times(times)
    check_time_span(model.drift, t, method)
    t0 = time.perf_counter()
    stab, V_inf, en_inf = _stationary(model, pair)
    if method == "covariance":
        Vs = propagate_covariance(model.drift, model.diffusion, V0, times, V_inf)
    elif method == "ode":
        Vs = covariance_ode(model.drift, model.diffusion, V0, times)
    else:
        raise ParameterError("method", method, "covariance or ode")
    stats = {"wall_time_s": time.perf_counter() - t0, "steps": len(times)}
    return _assemble(model, pair, _check_times(times), Vs, method, stab, V_inf, en_inf, tolerance=tolerance,
                     stats=stats)


# ----------------------------------------------------------------------------- ensembles
def _matrix_sqrt(M: np.ndarray) -> np.ndarray:
    """C with C Cᵀ = M for symmetric PSD M (eigen-decomposition; tolerates singular M)."""
    w, U = np.linalg.eigh(0.5 * (M + M.T))
    return U * np.sqrt(np.clip(w, 0.0, None))


def _block_sizes(n: int) -> list[int]:
    full, rest = divmod(n, BLOCK)
    return [BLOCK] * full + ([rest] if rest else [])


def _group_second_moments(u: np.ndarray) -> np.ndarray:
    """Σ u uᵀ per jackknife group (trajectory index mod N_GROUPS; blocks start at multiples of it)."""
    n = u.shape[0]
    full = n - n % N_GROUPS
    x = u[:full].reshape(-1, N_GROUPS, u.shape[1]).transpose(1, 2, 0)  # (G, d, n/G)
    out = x @ x.transpose(0, 2, 1)
    for r in range(full, n):
        out[r - full] += np.outer(u[r], u[r])
    return out


def _run_block(args) -> np.ndarray:
    """One seeded block of trajectories → per-group Σ u uᵀ at every output time, shape (T, G, d, d)."""
    (seed_seq, n, V0, times, A, D, method, substeps, phi_q) = args
    rng = np.random.Generator(np.random.PCG64(seed_seq))
    d = A.shape[0]
    u = rng.standard_normal((n, d)) @ _matrix_sqrt(V0).T
    T = len(times)
    sums = np.empty((T, N_GROUPS, d, d))
    sums[0] = _group_second_moments(u)
    if method == "langevin":
        phiT = [p.T for p, _ in phi_q]
        CT = [_matrix_sqrt(q).T for _, q in phi_q]
        xi = np.empty((n, d))
        for k in range(1, T):
            j = 0 if len(phi_q) == 1 else k - 1
            rng.standard_normal(out=xi)
            u = u @ phiT[j] + xi @ CT[j]
            sums[k] = _group_second_moments(u)
    else:  # Euler–Maruyama with `substeps` steps per output interval
        BT = _matrix_sqrt(D).T
        xi = np.empty((n, d))
        for k in range(1, T):
            h = (times[k] - times[k - 1]) / substeps
            M = (np.eye(d) + A * h).T
            S = BT * np.sqrt(h)
            for _ in range(substeps):
                rng.standard_normal(out=xi)
                u = u @ M + xi @ S
            sums[k] = _group_second_moments(u)
    return sums


#: default work budget of an ensemble: ~4 h at the measured 7e6 trajectory-steps/s on one core
MAX_TRAJECTORY_STEPS = 1e11


def _is_int(x) -> bool:
    return isinstance(x, (int, np.integer)) and not isinstance(x, (bool, np.bool_))


def _add_in_place(total: np.ndarray, block: np.ndarray) -> np.ndarray:
    total += block
    return total


def check_ensemble_budget(n_trajectories: int, n_times: int, steps_per_trajectory: int, d: int,
                          max_trajectory_steps: float = MAX_TRAJECTORY_STEPS, max_memory: float = 4e9) -> None:
    """Refuse an ensemble above its work (trajectories × steps) or memory budget, before anything runs.

    Raises
    ------
    WorkTooLargeError
    """
    steps = float(n_trajectories) * steps_per_trajectory
    if steps > max_trajectory_steps:
        raise WorkTooLargeError(f"an ensemble of {n_trajectories} trajectories × {steps_per_trajectory} steps",
                                f"{steps:.3g} trajectory-steps", f"{max_trajectory_steps:.3g}",
                                "--max-steps (API: max_trajectory_steps=)")
    # running sums (T, groups, d, d): the accumulator, the blocks in flight and the jackknife copies
    need = n_times * N_GROUPS * d * d * 8.0 * 8 + BLOCK * d * 8.0 * 6
    if need > max_memory:
        raise WorkTooLargeError(f"an ensemble with {n_times} output times", f"{need / 1e9:.3g} GB",
                                f"{max_memory / 1e9:.3g} GB", "--max-memory GB (API: max_memory=bytes)")


def evolve_ensemble(model: LinearModel, times: Sequence[float], V0: np.ndarray, n_trajectories: int,
                    seed: int = 0, pair=None, method: str = "langevin", substeps: int = 1,
                    workers: int = 1, progress=None, tolerance: float = 1e-3, execution=None,
                    max_trajectory_steps: float = MAX_TRAJECTORY_STEPS, max_memory: float = 4e9,
                    threads: int | None = None) -> Evolution:
    """Langevin (Wigner) ensemble estimate of V(t) and E_N(t) with 95 % jackknife intervals.

    Parameters
    ----------
    model : LinearModel or LindbladModel
        A single point, any number of modes.
    times : array, shape (T,)
        Output times (s); t[0] is the initial time (the initial state is sampled there).
    V0 : ndarray, shape (2n, 2n)
        Initial covariance (Gaussian, zero mean) in the order of ``model.modes``.
    pair : two of ``model.modes``
        As for :func:`evolve_covariance`.
    n_trajectories : int
    seed : int
        Root of ``numpy.random.SeedSequence``; block k uses ``SeedSequence(seed).spawn(...)[k]``.
    method : {'langevin', 'euler'}
        Exact OU update between output times, or Euler–Maruyama with ``substeps`` per interval.
    workers : int
        Processes; the result does not depend on it.
    threads : int, optional
        Threads of this process running blocks in parallel when ``workers`` is 1 (default: every core
        this process may use); the result does not depend on it.
    execution : cascom_sim.executor.Execution, optional
        Overrides ``workers`` and ``threads``: local processes or threads, Dask, and a checkpoint
        directory for resuming.
    max_trajectory_steps, max_memory : float
        Budgets checked before anything runs (trajectories × steps; bytes of the running sums).

    Raises
    ------
    ParameterError
        Invalid input, or a span the method cannot resolve; :class:`WorkTooLargeError` above a budget.
    """
    if not (_is_int(n_trajectories) and n_trajectories >= 2 * N_GROUPS):
        raise ParameterError("trajectories", n_trajectories, f"an integer ≥ {2 * N_GROUPS}")
    if method not in ("langevin", "euler"):
        raise ParameterError("method", method, "langevin or euler")
    if not (_is_int(substeps) and substeps >= 1):
        raise ParameterError("substeps", substeps, "an integer ≥ 1")
    if not (_is_int(seed) and seed >= 0):
        raise ParameterError("seed", seed, "an integer ≥ 0")
    check_tolerance(tolerance)
    model = as_linear(model)
    pair = gaussian.resolve_pair(pair, model.modes)
    V0 = _check_initial(model, V0)
    t = _check_times(times)
    check_time_span(model.drift, t, method)
    A, D = model.drift, model.diffusion
    d = A.shape[-1]
    per = (t.size - 1) * (substeps if method == "euler" else 1)
    check_ensemble_budget(n_trajectories, t.size, per, d, max_trajectory_steps, max_memory)
    progress = NoProgress() if progress is None else progress
    t_start = time.perf_counter()
    stab, V_inf, en_inf = _stationary(model, pair)
    phi_q = []
    if method == "langevin":
        h = _uniform_step(t)
        with np.errstate(over="ignore", invalid="ignore"):
            if h is not None:
                phi_q = [step_propagator(A, D, h, V_inf)]
            else:
                phi_q = [step_propagator(A, D, dt, V_inf) for dt in np.diff(t)]
        if not all(np.all(np.isfinite(p)) and np.all(np.isfinite(q)) for p, q in phi_q):
            lam = stab.max_re_eigenvalue
            raise ParameterError("t-end", float(t[-1]), f"output steps over which the growth e^(λh) of this unstable "
                                                        f"system (λ = {lam:.4g} 1/s) stays representable: "
                                                        f"steps ≲ {300 / max(lam, 1e-300):.3g} s")
    sizes = _block_sizes(int(n_trajectories))
    seeds = np.random.SeedSequence(seed).spawn(len(sizes))
    tasks = [(s, n, np.asarray(V0, float), t, A, D, method, int(substeps), phi_q) for s, n in zip(seeds, sizes)]
    from ..runs.executor import Execution, run_chunks, run_key

    if execution is None:
        from ..runs.executor import available_cores

        threads = (available_cores() if int(workers) == 1 else 1) if threads is None else int(threads)
        execution = Execution(workers=int(workers), threads=threads)
    key = run_key("ensemble", A, D, np.asarray(V0, float), t, seed, int(n_trajectories), method, int(substeps))
    # running sums: each block is added as it finishes, in block order, so the result is the same bit for
    # bit wherever and in whichever order the blocks ran, and memory does not grow with the block count
    total = run_chunks(_run_block, tasks, execution, key, progress,
                       f"{method} ensemble (blocks of {BLOCK} trajectories)",
                       reduce=_add_in_place, initial=np.zeros((t.size, N_GROUPS, d, d)))
    # group counts: trajectory i in group i mod G (blocks start at multiples of G)
    counts = np.zeros(N_GROUPS)
    for n in sizes:
        counts += n // N_GROUPS
        counts[: n % N_GROUPS] += 1
    N = counts.sum()
    with np.errstate(over="ignore", invalid="ignore"):
        V = total.sum(axis=1) / N
        V = 0.5 * (V + np.swapaxes(V, -1, -2))
        # delete-one-group jackknife for E_N(t)
        loo = (total.sum(axis=1)[:, None] - total) / (N - counts)[None, :, None, None]
    # an unstable drift overflows the sums eventually: those times get no E_N (eigen-decompositions
    # only ever see finite matrices)
    finite = np.all(np.isfinite(V), axis=(1, 2)) & np.all(np.isfinite(loo), axis=(1, 2, 3))
    V[~finite] = np.nan
    G = N_GROUPS
    en = np.full(t.size, np.nan)
    en_loo = np.full((t.size, G), np.nan)
    formal_loo = np.full((t.size, G), np.nan)
    lam = np.full(t.size, np.nan)
    se_frob = np.full(t.size, np.nan)
    if finite.any():
        en_loo[finite] = gaussian.log_negativity(loo[finite], pair, model.modes)  # (T, G)
        with np.errstate(divide="ignore", invalid="ignore"):  # formal −ln 2ν⁻ (unclipped) for metric intervals
            formal_loo[finite] = -np.log(2.0 * gaussian.smallest_pt_symplectic_eigenvalue(
                gaussian.reduce_modes(loo[finite], pair, model.modes)))
        en[finite] = gaussian.log_negativity(V[finite], pair, model.modes)
        lam[finite] = gaussian.bona_fide_min_eigenvalue(V[finite])
        dev = loo[finite] - loo[finite].mean(axis=1, keepdims=True)
        se_frob[finite] = np.sqrt((G - 1) / G * np.sum(dev**2, axis=(1, 2, 3)))
    se = np.sqrt((G - 1) / G * np.sum((en_loo - en_loo.mean(axis=1, keepdims=True)) ** 2, axis=1))
    q = scipy.stats.t.ppf(0.975, G - 1)
    ci = np.stack([en - q * se, en + q * se], axis=-1)
    # A sample covariance of a (nearly) pure state violates V + iΩ/2 ≥ 0 by sampling error alone.
    # By Weyl's inequality an eigenvalue moves by at most ‖δV‖₂ ≤ ‖δV‖_F, so a violation counts only
    # below −q·SE(‖δV‖_F), the jackknife standard error of the whole matrix.
    with np.errstate(invalid="ignore"):
        scale = np.maximum(1.0, np.max(np.abs(V), axis=(1, 2)))
        bona = finite & (lam + q * se_frob >= -gaussian.BONA_FIDE_RTOL * scale)
    wall = time.perf_counter() - t_start
    steps = (t.size - 1) * (substeps if method == "euler" else 1)
    stats = {"wall_time_s": wall, "trajectory_steps": int(N) * steps,
             "trajectory_steps_per_s": int(N) * steps / wall if wall > 0 else None,
             "workers": execution.workers, "threads": execution.threads,
             "dask": bool(execution.dask or execution.scheduler)}
    return _assemble(model, pair, t, V, method, stab, V_inf, en_inf, ci=ci, tolerance=tolerance, bona=bona,
                     n_trajectories=int(N), seed=seed, stats=stats, E_N_groups=formal_loo)
