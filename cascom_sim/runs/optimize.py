"""Maximise (or minimise) a correlation measure of a mode pair over named parameters within bounds.

The search is :func:`scipy.optimize.differential_evolution` with ``vectorized=True``: every
generation's whole population is evaluated in one call of the sweep pipeline
(:func:`cascom_sim.runs.sweep.evaluate_points`, compiled kernel by default), seeded, followed by
scipy's local polish (L-BFGS-B).  A point counts only if its drift is stable (eigenvalues and
Routh–Hurwitz), its noise is physical (D + (i/2)(AΩ + ΩAᵀ) ≥ 0) and its covariance is bona fide;
every other point gets a penalty worse than any feasible value, so the optimum is never an
unphysical number.  The result carries the optimum with its full steady-state report, the history of
the search and the measure's spread in a neighbourhood of the optimum (robustness).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.optimize

from ..errors import ParameterError
from ..gaussian.measures import MEASURES
from ..parameters import SPECS, ModelOptions, Parameters
from .sweep import ENGINES, evaluate_points, normalize_pairs, parse_range

#: Objective scale of an infeasible point (unstable, unphysical noise, not bona fide, or NaN measure):
#: every infeasible point scores in (PENALTY, 3·PENALTY), worse than any feasible value of the measures
#: here, and graded by the growth rate max Re λ(A)/ω_m so that a population that starts wholly
#: infeasible still moves towards stability (a flat penalty would stop the evolution at once).
PENALTY = 1e6


def _penalty(raw: dict, omega: float) -> np.ndarray:
    growth = np.nan_to_num(np.asarray(raw["max_re_eigenvalue"], float) / omega, nan=10.0, posinf=10.0, neginf=-10.0)
    return PENALTY * (2.0 + np.tanh(growth))


@dataclass(frozen=True)
class Bound:
    """One varied parameter and its interval [lo, hi] (the parameter's units, see ``cascom steady --help``)."""

    name: str
    lo: float
    hi: float

    def __post_init__(self) -> None:
        if self.name not in SPECS:
            raise ParameterError(self.name, f"{self.lo}:{self.hi}", "a parameter name among " + ", ".join(SPECS))
        for v in (self.lo, self.hi):
            SPECS[self.name].validate(v)
        if not self.lo < self.hi:
            raise ParameterError(f"{self.name} bounds", f"{self.lo}:{self.hi}", "LO < HI")

    @classmethod
    def parse(cls, text: str) -> Bound:
        """Parse ``NAME=LO:HI``."""
        name, (lo, hi) = parse_range(text, "vary", "NAME=LO:HI", "detuning=0.5:1.5", (float, float))
        return cls(name.strip(), lo, hi)


def _measure_of_output(output: str) -> str:
    for m in MEASURES.values():
        if output in m.outputs:
            return m.name
    allowed = [o for m in MEASURES.values() for o in m.outputs]
    raise ParameterError("measure", output, "one of " + ", ".join(allowed))


@dataclass(frozen=True)
class OptimizeResult:
    """Optimum of a measure and how it was found.

    Attributes
    ----------
    x : dict
        The optimal value of every varied parameter.
    value : float or None
        The measure there (None when no feasible point was found).
    parameters : Parameters
        All parameters at the optimum.
    steady : cascom_sim.solvers.steady.SteadyState or None
        Full steady-state report at the optimum (stability, physicality, covariance, occupations…).
    history : list of dict
        Per population evaluation: ``evaluations`` so far, ``best`` feasible value so far,
        ``feasible_fraction`` of that population.
    robustness : dict
        The measure (and E_N) over ``samples`` uniform points in the box optimum ± ``radius``·(hi − lo):
        min, max, mean, std and the feasible fraction.
    """

    vary: tuple[Bound, ...]
    measure: str
    pair: tuple[str, str]
    maximize: bool
    x: dict
    value: float | None
    parameters: Parameters = field(repr=False)
    options: ModelOptions = field(repr=False)
    steady: object = field(repr=False)
    history: list = field(repr=False)
    robustness: dict = field(repr=False)
    stats: dict = field(repr=False)

    def __repr__(self) -> str:
        goal = "max" if self.maximize else "min"
        val = "none feasible" if self.value is None else f"{self.value:.6g}"
        xs = ", ".join(f"{k}={v:.6g}" for k, v in self.x.items())
        rob = self.robustness
        fmt = lambda v: "—" if v is None else f"{v:.4g}"  # noqa: E731
        return (f"OptimizeResult({goal} {self.measure}({','.join(self.pair)}) = {val} at {xs}; "
                f"model={self.options.model!r}, coupling={self.options.coupling!r}, bath={self.options.bath!r}; "
                f"neighbourhood ±{rob.get('radius', 0):g} of the range: {fmt(rob.get('min'))}…{fmt(rob.get('max'))}; "
                f"evaluations={self.stats['evaluations']})")


def evaluate_measure(points: dict[str, np.ndarray], base: Parameters, options: ModelOptions, pair, measure: str,
                     engine: str = "compiled", threads: int = 1,
                     require_noise_physical: bool = True,
                     stability_margin: float = 0.0) -> tuple[np.ndarray, np.ndarray, dict]:
    """The measure at a stack of points and whether each is feasible (stable, physical noise, bona fide).

    Returns
    -------
    value : ndarray (S,)
        NaN where infeasible.
    feasible : bool ndarray (S,)
    raw : dict
        Everything :func:`evaluate_points` returned.
    """
    raw = evaluate_points(base.replace(**points), options, pair, engine, threads, (_measure_of_output(measure),))
    value = np.asarray(raw[measure], dtype=float)
    feasible = np.asarray(raw["stable"], bool) & (np.asarray(raw["bona_fide"]) == 1) & np.isfinite(value)
    if stability_margin > 0:
        omega = np.broadcast_to(base.replace(**points).omega_m_rad, value.shape)
        feasible &= np.asarray(raw["max_re_eigenvalue"]) <= -stability_margin * omega
    if require_noise_physical:
        feasible &= np.asarray(raw["noise_physical"], bool)
    return np.where(feasible, value, np.nan), feasible, raw


def optimize(vary: Sequence[Bound | str], base: Parameters | None = None, options: ModelOptions | None = None,
             pair=("b1", "b2"), measure: str = "E_N", maximize: bool = True, seed: int = 0,
             popsize: int = 20, maxiter: int = 60, tol: float = 1e-7, polish: bool = True,
             engine: str = "compiled", threads: int = 1, robustness_radius: float = 0.01,
             robustness_samples: int = 64, require_noise_physical: bool = True,
             stability_margin: float = 1e-6) -> OptimizeResult:
    """Find the largest (or smallest) ``measure`` of ``pair`` over the ``vary`` box.

    Parameters
    ----------
    vary : :class:`Bound` or ``'NAME=LO:HI'`` strings
        The varied parameters; every other one comes from ``base``.
    base : Parameters
    options : ModelOptions
    pair : two mode names (``('a1', 'b1')`` or ``'a1,b1'``)
    measure : str
        An output of :data:`cascom_sim.gaussian.measures.MEASURES`: ``E_N``, ``steering_12``,
        ``discord_2``, ``duan``, … (``duan``/``simon``/``squeezing_*`` are usually minimised).
    maximize : bool
    seed : int
        Seeds the evolution (results are reproducible).
    popsize, maxiter, tol, polish
        Passed to :func:`scipy.optimize.differential_evolution` (population = popsize × number of
        parameters).
    engine, threads
        The per-point evaluation (see :func:`cascom_sim.runs.sweep.run_sweep`).
    robustness_radius : float
        Half-width of the neighbourhood, as a fraction of each parameter's range.
    robustness_samples : int
    require_noise_physical : bool
        Count only points whose noise is physical (default).  The quantum Brownian bath
        (``bath='brownian'``) is not of Lindblad form and fails this check at some points by
        construction; pass False to search such a model under stability and bona fide alone (the result
        says so in ``stats``).
    stability_margin : float
        A point counts as stable only if max Re λ(A) ≤ −margin·ω_m (default 10⁻⁶).  Entanglement often
        grows towards the instability threshold, so an unconstrained optimum sits *on* the boundary where
        any two stability tests may disagree in the last digits; the margin keeps the reported optimum
        inside the stable region.  It must stay below the slowest physical damping (γ_m/(2ω_m) = 1/(2Q)).

    Returns
    -------
    OptimizeResult

    Examples
    --------
    >>> from cascom_sim.presets import SINGLE_CAVITY_ENTANGLED
    >>> r = optimize(["detuning=0.5:1.5"], base=SINGLE_CAVITY_ENTANGLED, pair="a1,b1", maxiter=5)
    >>> r.value > 0
    True
    """
    import time

    from ..solvers.steady import steady_state

    bounds = tuple(b if isinstance(b, Bound) else Bound.parse(b) for b in vary)
    if not bounds or len({b.name for b in bounds}) != len(bounds):
        raise ParameterError("vary", [b.name for b in bounds], "one or more different parameters")
    base = Parameters() if base is None else base
    options = ModelOptions() if options is None else options
    pairs = normalize_pairs(pair)
    if len(pairs) != 1:
        raise ParameterError("pair", pair, "one pair")
    pair = pairs[0]
    _measure_of_output(measure)
    if engine not in ENGINES:
        raise ParameterError("engine", engine, " or ".join(ENGINES))
    names = [b.name for b in bounds]
    omega = float(np.mean(base.omega_m_rad))
    sign = -1.0 if maximize else 1.0
    history: list[dict] = []
    best = {"value": None, "x": None, "evaluations": 0}

    def objective(x: np.ndarray) -> np.ndarray | float:
        single = x.ndim == 1  # the local polish calls with one point
        X = x[:, None] if single else x
        value, feasible, raw = evaluate_measure({n: X[i] for i, n in enumerate(names)}, base, options, pair,
                                                measure, engine, threads, require_noise_physical,
                                                stability_margin)
        f = np.where(feasible, sign * value, _penalty(raw, omega))
        best["evaluations"] += X.shape[1]
        if feasible.any():
            k = int(np.argmin(f))
            if best["value"] is None or sign * value[k] < sign * best["value"]:
                best["value"], best["x"] = float(value[k]), X[:, k].copy()
        history.append({"evaluations": best["evaluations"], "best": best["value"],
                        "feasible_fraction": float(feasible.mean())})
        return float(f[0]) if single else f

    t0 = time.perf_counter()
    res = scipy.optimize.differential_evolution(
        objective, [(b.lo, b.hi) for b in bounds], seed=seed, popsize=popsize, maxiter=maxiter, tol=tol,
        polish=polish, vectorized=True, updating="deferred", init="sobol" if popsize * len(bounds) >= 4 else "latinhypercube")
    wall = time.perf_counter() - t0
    # the best feasible point seen (the polish may end on the penalty plateau; never report that)
    if best["x"] is not None:
        xbest = best["x"]
        value = best["value"]
    else:
        xbest, value = res.x, None
    x = {n: float(v) for n, v in zip(names, xbest)}
    at = base.replace(**x)
    steady = steady_state(at, options, pair)
    robustness = _robustness(bounds, xbest, base, options, pair, measure, engine, threads, robustness_radius,
                             robustness_samples, seed, require_noise_physical, stability_margin)
    stats = {"evaluations": best["evaluations"], "generations": int(res.nit), "wall_time_s": wall,
             "scipy_message": str(res.message), "population": popsize * len(bounds), "seed": seed,
             "require_noise_physical": require_noise_physical, "stability_margin": stability_margin}
    return OptimizeResult(vary=bounds, measure=measure, pair=pair, maximize=maximize, x=x, value=value,
                          parameters=at, options=options, steady=steady, history=history, robustness=robustness,
                          stats=stats)


def _robustness(bounds, xbest, base, options, pair, measure, engine, threads, radius, samples, seed,
                require_noise_physical, stability_margin) -> dict:
    rng = np.random.default_rng(seed)
    lo = np.array([b.lo for b in bounds])
    hi = np.array([b.hi for b in bounds])
    half = radius * (hi - lo)
    pts = np.clip(xbest[:, None] + rng.uniform(-1, 1, (len(bounds), samples)) * half[:, None], lo[:, None],
                  hi[:, None])
    value, feasible, raw = evaluate_measure({b.name: pts[i] for i, b in enumerate(bounds)}, base, options, pair,
                                            measure, engine, threads, require_noise_physical, stability_margin)
    en = np.where(feasible, raw["E_N"], np.nan)
    out = {"radius": radius, "samples": samples, "feasible_fraction": float(feasible.mean()),
           "half_widths": {b.name: float(h) for b, h in zip(bounds, half)}}
    ok = np.isfinite(value)
    for key, arr in ((measure, value), ("E_N", en)):
        good = arr[np.isfinite(arr)] if ok.any() else np.array([])
        stats = ({"min": float(good.min()), "max": float(good.max()), "mean": float(good.mean()),
                  "std": float(good.std())} if good.size else {"min": None, "max": None, "mean": None, "std": None})
        if key == measure:
            out.update(stats)
        out[f"{key}_spread"] = stats
    return out
