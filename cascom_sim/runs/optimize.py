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

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..errors import ParameterError
from ..gaussian import covariance as gaussian
from ..gaussian.measures import MEASURES
from ..parameters import ModelOptions, Parameters
from .sweep import (
    ENGINES,
    NETWORK_NUMERIC_EXTRAS,  # noqa: F401 - re-exported: the numeric node fields a search may vary
    check_network_names,
    check_parameter_name,
    evaluate_network_points,
    evaluate_points,
    normalize_pairs,
    parse_range,
    require_model_names,
)

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
    """One varied parameter and its interval [lo, hi] (the parameter's units, see ``cascom steady --help``).

    For a network (``optimize(..., network=…)``) the name may be qualified: ``node2.detuning`` (one node),
    ``link1.phi_pi`` (one link), or unqualified (every node; every link for ``eta`` and ``phi_pi``); the
    node fields ``kappa_pump_fraction``, ``pump_phase_pi`` and ``g0`` exist only there.
    """

    name: str
    lo: float
    hi: float

    def __post_init__(self) -> None:
        check_parameter_name(self.name, (self.lo, self.hi), f"{self.lo}:{self.hi}")
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
    network : cascom_sim.models.network.Network or None
        For a network search: the network at the optimum (``parameters`` is then None).
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
    parameters: Parameters | None = field(repr=False)
    options: ModelOptions = field(repr=False)
    steady: object = field(repr=False)
    history: list = field(repr=False)
    robustness: dict = field(repr=False)
    stats: dict = field(repr=False)
    network: object = field(default=None, repr=False)

    @property
    def model_description(self) -> str:
        """What was searched: the model and its readings, or the network's size and channels."""
        if self.network is not None:
            net = self.network
            return f"model='network' ({net.n_nodes} nodes, channels {net.channels!r}, coupling {net.coupling!r})"
        o = self.options
        return f"model={o.model!r}, coupling={o.coupling!r}, bath={o.bath!r}"

    def __repr__(self) -> str:
        goal = "max" if self.maximize else "min"
        val = "none feasible" if self.value is None else f"{self.value:.6g}"
        xs = ", ".join(f"{k}={v:.6g}" for k, v in self.x.items())
        rob = self.robustness
        fmt = lambda v: "—" if v is None else f"{v:.4g}"  # noqa: E731
        return (f"OptimizeResult({goal} {self.measure}({','.join(self.pair)}) = {val} at {xs}; "
                f"{self.model_description}; "
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


def evaluate_network_measure(points: dict[str, np.ndarray], network, pair, measure: str, threads: int = 1,
                             require_noise_physical: bool = True,
                             stability_margin: float = 0.0) -> tuple[np.ndarray, np.ndarray, dict]:
    """:func:`evaluate_measure` for a network: the networks of all points built as stacked arrays, evaluated
    together by the kernel (:func:`cascom_sim.runs.sweep.evaluate_network_points`).  A point whose network cannot be built
    (e.g. κ fractions summing above 1) counts as infeasible.

    Parameters
    ----------
    points : dict
        Assignment name (``node2.detuning``, ``link1.phi_pi``, ``power``, …) → values, shape (S,).
    network : cascom_sim.models.network.Network
        Every parameter not in ``points``.
    pair : two mode names of the network (``('b1', 'b3')``)

    Returns
    -------
    value, feasible, raw
        As :func:`evaluate_measure`; ``raw`` holds ``stable``, ``max_re_eigenvalue``, ``noise_physical``,
        ``bona_fide``, ``E_N``, ``E_N_formal``, ``network_built`` and the measure's outputs, shape (S,).
    """
    raw = evaluate_network_points(points, network, tuple(pair), threads, (_measure_of_output(measure),))
    stable, bona = raw["stable"], raw["bona_fide"]
    value = np.asarray(raw[measure], dtype=float)
    feasible = stable & (bona == 1) & np.isfinite(value)
    if stability_margin > 0:
        feasible &= raw["max_re_eigenvalue"] <= -stability_margin * float(np.mean(network.rates()["omega_m"]))
    if require_noise_physical:
        feasible &= raw["noise_physical"]
    return np.where(feasible, value, np.nan), feasible, raw


def _evaluate_share(task) -> tuple[np.ndarray, np.ndarray, dict]:
    """One worker's share of a population (module level, so that processes and Dask can run it)."""
    from .executor import points_on_their_own

    (kind, model, options, pair, measure, engine, require_noise_physical, margin), threads, points = task
    # each member on its own (no Newton start from its neighbour in the stack), so that splitting a
    # population over workers changes no bit of the growth rates the penalty uses
    with points_on_their_own():
        if kind == "network":
            return evaluate_network_measure(points, model, pair, measure, threads, require_noise_physical, margin)
        return evaluate_measure(points, model, options, pair, measure, engine, threads, require_noise_physical,
                                margin)


@contextlib.contextmanager
def _population_evaluator(spec, threads, execution):
    """points → (value, feasible, raw) for a whole population: on threads of this process, or split into one
    share per worker of ``execution``, whose processes (or Dask cluster) live for the whole search (every
    point is evaluated on its own, so the split changes nothing)."""
    from .executor import available_cores, worker_pool

    many = execution is not None and (execution.workers > 1 or execution.dask or execution.scheduler)
    if threads is None:
        threads = 1 if many else (execution.threads if execution is not None and execution.threads > 1
                                  else available_cores())
    if isinstance(threads, bool) or not isinstance(threads, (int, np.integer)) or threads < 1:
        raise ParameterError("threads", threads, "an integer ≥ 1")
    if not many:
        yield lambda points: _evaluate_share((spec, int(threads), points))
        return
    shares = max(execution.workers, 2)
    with worker_pool(execution) as pool_map:
        def evaluate(points):
            size = len(np.atleast_1d(next(iter(points.values())))) if points else 1
            edges = np.linspace(0, size, min(shares, size) + 1).astype(int)
            tasks = [(spec, int(threads), {k: np.atleast_1d(v)[lo:hi] for k, v in points.items()})
                     for lo, hi in zip(edges[:-1], edges[1:])]
            parts = pool_map(_evaluate_share, tasks)
            raw = {k: np.concatenate([np.atleast_1d(p[2][k]) for p in parts]) for k in parts[0][2]}
            return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]), raw

        yield evaluate


def optimize(vary: Sequence[Bound | str], base: Parameters | None = None, options: ModelOptions | None = None,
             pair=("b1", "b2"), measure: str = "E_N", maximize: bool = True, seed: int = 0,
             popsize: int = 20, maxiter: int = 60, tol: float = 1e-7, polish: bool = True,
             engine: str = "compiled", threads: int | None = None, robustness_radius: float = 0.01,
             robustness_samples: int = 64, require_noise_physical: bool | None = None,
             stability_margin: float = 1e-6, network=None, x0: dict | None = None,
             execution=None) -> OptimizeResult:
    """Find the largest (or smallest) ``measure`` of ``pair`` over the ``vary`` box.

    Parameters
    ----------
    vary : :class:`Bound` or ``'NAME=LO:HI'`` strings
        The varied parameters; every other one comes from ``base`` (or ``network``).  For a network:
        ``node2.detuning=0.5:1.5`` (one node), ``link1.phi_pi=0:2`` (one link), ``power=1e-3:0.1`` (every
        node; ``eta``, ``phi_pi``: every link).
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
        The per-point evaluation (see :func:`cascom_sim.runs.sweep.run_sweep`); ``threads`` defaults to
        every core this process may use (1 per worker with ``execution``).  Results do not depend on it.
    execution : :class:`cascom_sim.runs.executor.Execution`, optional
        With ``workers > 1`` or a Dask scheduler, each generation's population is split into one share per
        worker and evaluated in other processes — worth it for large networks, whose members are built as a
        stack on one core (threads share only the kernel); the built-in models are faster on threads.  Results do not depend on it.
    robustness_radius : float
        Half-width of the neighbourhood, as a fraction of each parameter's range.
    robustness_samples : int
    require_noise_physical : bool or None
        Count only points whose noise is physical, D + (i/2)(AΩ + ΩAᵀ) ≥ 0.  Default (None): yes, except
        for the quantum Brownian bath (``bath='brownian'``), which is not of Lindblad form at any point
        (it misses by γ_m/(4(2n̄+1))); there stability and a bona fide covariance are required, and
        ``stats['require_noise_physical']`` says which rule was applied.
    stability_margin : float
        A point counts as stable only if max Re λ(A) ≤ −margin·ω_m (default 10⁻⁶).  Entanglement often
        grows towards the instability threshold, so an unconstrained optimum sits *on* the boundary where
        any two stability tests may disagree in the last digits; the margin keeps the reported optimum
        inside the stable region.  It must stay below the slowest physical damping (γ_m/(2ω_m) = 1/(2Q)).

    network : cascom_sim.models.network.Network, optional
        Search this network instead of the model of ``base`` and ``options`` (which must then be left
        unset).  Each population member is built on its own and the stack goes through the compiled
        kernel (``engine`` must be ``'compiled'``); the result's ``network`` is the network at the optimum.

    x0 : dict, optional
        A starting point (name → value, clipped into the bounds) that joins the initial population, e.g.
        the optimum of a simpler model; names not given take the middle of their range.

    Returns
    -------
    OptimizeResult

    Raises
    ------
    ParameterError
        Unknown or duplicate names, empty or invalid bounds, a pair the model lacks, an unknown measure;
        for a network, names it does not have (``node4.…`` in a 3-node chain, ``dtheta_pi``, …).

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
    pairs = normalize_pairs(pair)
    if len(pairs) != 1:
        raise ParameterError("pair", pair, "one pair")
    pair = pairs[0]
    _measure_of_output(measure)
    for name, value, low in (("popsize", popsize, 1), ("maxiter", maxiter, 0)):  # scipy would take 0 or −3 silently
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            raise ParameterError(name, value, f"an integer ≥ {low}")
    if not (np.isfinite(robustness_radius) and 0 <= robustness_radius <= 1):
        raise ParameterError("radius", robustness_radius, "0 ≤ radius ≤ 1 (a fraction of each range)")
    if engine not in ENGINES:
        raise ParameterError("engine", engine, " or ".join(ENGINES))
    names = [b.name for b in bounds]
    evaluate: Callable[[dict], tuple[np.ndarray, np.ndarray, dict]]
    if network is not None:
        if base is not None or options is not None:
            raise ParameterError("base/options", "given with a network", "unset: the network holds its parameters")
        if engine != "compiled":
            raise ParameterError("engine", engine, "compiled for a network")
        check_network_names([(b.name, v) for b in bounds for v in (b.lo, b.hi)], network)
        gaussian.pair_indices(pair, network.modes)
        base, options = None, ModelOptions()
        omega = float(np.mean(network.rates()["omega_m"]))
        if require_noise_physical is None:
            require_noise_physical = True
        spec = ("network", network, None, pair, measure, "compiled", require_noise_physical, stability_margin)
    else:
        require_model_names(names, lambda name: next(f"{b.lo}:{b.hi}" for b in bounds if b.name == name))
        base = Parameters() if base is None else base
        options = ModelOptions() if options is None else options
        omega = float(np.mean(base.omega_m_rad))
        if require_noise_physical is None:
            require_noise_physical = options.bath != "brownian"

        spec = ("model", base, options, pair, measure, engine, require_noise_physical, stability_margin)
    sign = -1.0 if maximize else 1.0
    history: list[dict] = []
    best = {"value": None, "x": None, "evaluations": 0}

    def objective(x: np.ndarray) -> np.ndarray | float:
        single = x.ndim == 1  # the local polish calls with one point
        X = x[:, None] if single else x
        value, feasible, raw = evaluate({n: X[i] for i, n in enumerate(names)})
        f = np.where(feasible, sign * value, _penalty(raw, omega))
        best["evaluations"] += X.shape[1]
        if feasible.any():
            k = int(np.argmin(f))
            if best["value"] is None or sign * value[k] < sign * best["value"]:
                best["value"], best["x"] = float(value[k]), X[:, k].copy()
        history.append({"evaluations": best["evaluations"], "best": best["value"],
                        "feasible_fraction": float(feasible.mean())})
        return float(f[0]) if single else f

    start = None
    if x0 is not None:
        unknown = set(x0) - set(names)
        if unknown:
            raise ParameterError("x0", sorted(unknown)[0], "a varied name: " + ", ".join(names))
        start = np.array([min(max(float(x0.get(b.name, 0.5 * (b.lo + b.hi))), b.lo), b.hi) for b in bounds])
    t0 = time.perf_counter()
    import scipy.optimize  # here: every command would otherwise pay ~0.5 s to import it

    with _population_evaluator(spec, threads, execution) as evaluate:
        res = scipy.optimize.differential_evolution(
            objective, [(b.lo, b.hi) for b in bounds], seed=seed, popsize=popsize, maxiter=maxiter, tol=tol,
            polish=polish, vectorized=True, updating="deferred", x0=start,
            init="sobol" if popsize * len(bounds) >= 4 else "latinhypercube")
        wall = time.perf_counter() - t0
        # the best feasible point seen (the polish may end on the penalty plateau; never report that)
        if best["x"] is not None:
            xbest = best["x"]
            value = best["value"]
        else:
            xbest, value = res.x, None
        x = {n: float(v) for n, v in zip(names, xbest)}
        if network is not None:
            from ..models.network import apply_assignments, network_model

            at, net_at = None, apply_assignments(network, x)
            steady = steady_state(network_model(net_at), pair=pair)
        else:
            at, net_at = base.replace(**x), None
            steady = steady_state(at, options, pair)
        robustness = _robustness(bounds, xbest, evaluate, measure, robustness_radius, robustness_samples, seed)
    stats = {"evaluations": best["evaluations"], "generations": int(res.nit), "wall_time_s": wall,
             "scipy_message": str(res.message), "population": popsize * len(bounds), "seed": seed,
             "require_noise_physical": require_noise_physical, "stability_margin": stability_margin,
             "workers": 1 if execution is None else execution.workers}
    return OptimizeResult(vary=bounds, measure=measure, pair=pair, maximize=maximize, x=x, value=value,
                          parameters=at, options=options, steady=steady, history=history, robustness=robustness,
                          stats=stats, network=net_at)


def _robustness(bounds, xbest, evaluate, measure, radius, samples, seed) -> dict:
    rng = np.random.default_rng(seed)
    lo = np.array([b.lo for b in bounds])
    hi = np.array([b.hi for b in bounds])
    half = radius * (hi - lo)
    pts = np.clip(xbest[:, None] + rng.uniform(-1, 1, (len(bounds), samples)) * half[:, None], lo[:, None],
                  hi[:, None])
    value, feasible, raw = evaluate({b.name: pts[i] for i, b in enumerate(bounds)})
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
