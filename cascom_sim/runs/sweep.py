"""Steady-state sweeps over any number of parameters, several mode pairs and measures, vectorized over points.

The pipeline (mean fields → A, D → stability by eigenvalues and Routh–Hurwitz → batched
Lyapunov solve → bona fide check → E_N) runs on chunks of points as stacked arrays; there
is no Python loop over points.  Results are an :class:`xarray.Dataset` carrying the
coordinates, units, every other parameter and the conventions used.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..errors import ParameterError, WorkTooLargeError
from ..gaussian import covariance as gaussian
from ..gaussian.lyapunov import solve_lyapunov
from ..gaussian.measures import MEASURES, evaluate_measures, measure_outputs
from ..gaussian.stability import max_real_eigenvalue, stable_by_eigenvalues, stable_by_routh_hurwitz
from ..models import build_model
from ..parameters import SPECS, ModelOptions, Parameters
from ..progress import NoProgress
from .storage import VARIABLES, parameter_attributes, save_dataset

if TYPE_CHECKING:
    import xarray


def parse_range(text: str, option: str, form: str, example: str, types) -> tuple[str, list]:
    """Split ``NAME=V1:V2[:…]`` into the name and the values converted by ``types`` (one per part)."""
    name, sep, rng = text.partition("=")
    parts = rng.split(":")
    if not sep or len(parts) != len(types):
        raise ParameterError(option, text, f"{form}, e.g. {example}")
    try:
        return name.strip(), [t(v) for t, v in zip(types, parts)]
    except ValueError:
        raise ParameterError(option, text, f"{form} with numbers" + (", NUM an integer" if int in types else "")) from None


@dataclass(frozen=True)
class Axis:
    """One swept parameter: ``numpy.linspace(start, stop, num)`` (inclusive)."""

    name: str
    start: float
    stop: float
    num: int

    def __post_init__(self) -> None:
        if self.name not in SPECS:
            raise ParameterError(self.name, f"{self.start}:{self.stop}:{self.num}",
                                 "a parameter name among " + ", ".join(SPECS))
        if not (isinstance(self.num, int) and not isinstance(self.num, bool) and self.num >= 1):
            raise ParameterError(f"{self.name} (NUM)", self.num, "an integer ≥ 1")
        for v in (self.start, self.stop):
            SPECS[self.name].validate(v)

    @property
    def values(self) -> np.ndarray:
        return np.linspace(self.start, self.stop, self.num)

    @classmethod
    def parse(cls, text: str) -> Axis:
        """Parse ``NAME=START:STOP:NUM``."""
        name, (start, stop, num) = parse_range(text, "axis", "NAME=START:STOP:NUM", "detuning=0.5:2.5:200",
                                               (float, float, int))
        return cls(name.strip(), start, stop, num)


@dataclass(frozen=True)
class SweepResult:
    """A sweep's data (``dataset``) and statistics."""

    dataset: xarray.Dataset = field(repr=False)
    axes: tuple[Axis, ...]
    options: ModelOptions
    pair: tuple[str, str]
    stats: dict

    def __repr__(self) -> str:
        ds = self.dataset
        return (f"SweepResult(axes={[a.name for a in self.axes]}, shape={ds['E_N'].shape}, "
                f"model={self.options.model!r}, units={self.options.units!r}, "
                f"stable_fraction={float(ds['stable'].mean()):.3f}, "
                f"noise_physical_fraction={float(ds['noise_physical'].mean()):.3f}, "
                f"max_E_N={float(np.nanmax(ds['E_N'].values)) if np.isfinite(ds['E_N'].values).any() else 'nan'}, "
                f"wall_time={self.stats['wall_time_s']:.3g}s)")

    def save(self, path: str | Path) -> Path:
        """Write NetCDF atomically (temporary file, then rename)."""
        return save_dataset(self.dataset, path)


#: Per-point engines: ``compiled`` (default, :mod:`cascom_sim.runs.kernels`) and ``numpy``, the
#: stacked-array reference it is tested against.
ENGINES = ("compiled", "numpy")


def _outputs(model, n: int) -> dict[str, np.ndarray]:
    # mean fields do not depend on every parameter (e.g. temperature): broadcast to the points
    return {"photon_number_1": np.broadcast_to(model.mean_fields.photon_numbers[..., 0], (n,)),
            "photon_number_2": np.broadcast_to(model.mean_fields.photon_numbers[..., 1], (n,))}


Pair = tuple[str, str]


def normalize_pairs(pairs) -> tuple[Pair, ...]:
    """One pair (``('b1', 'b2')`` or ``'b1,b2'``) or several (``[('b1', 'b2'), 'a1,b1']``, ``'b1,b2 a1,b1'``)
    as a tuple of pairs of names."""
    if isinstance(pairs, str):
        items = pairs.replace(";", " ").split()
        return tuple(tuple(t.strip() for t in it.split(",")) for it in items)  # type: ignore[misc]
    pairs = tuple(pairs)
    if len(pairs) == 2 and all(isinstance(m, (str, int, np.integer)) and not (isinstance(m, str) and "," in m)
                               for m in pairs):
        return (tuple(pairs),)  # type: ignore[return-value]
    out = []
    for p in pairs:
        out += list(normalize_pairs(p)) if isinstance(p, str) else [tuple(p)]
    return tuple(out)  # type: ignore[return-value]


def pair_label(pair: Sequence[str]) -> str:
    return ",".join(str(m) for m in pair)


def _pair_measures(V: np.ndarray, bona: np.ndarray, modes, pairs, measures) -> dict[str, np.ndarray]:
    """Measures other than E_N of each pair from the stable points' covariances V (M, n, n); (M, P) each,
    NaN where V is not bona fide (a non-state has no correlations to quantify)."""
    out: dict[str, np.ndarray] = {}
    for k, pair in enumerate(pairs):
        idx = gaussian.pair_indices(pair, modes)
        V2 = V[:, idx][:, :, idx]
        for name, arr in evaluate_measures(V2, measures).items():
            out.setdefault(name, np.full((V.shape[0], len(pairs)), np.nan))[:, k] = np.where(bona, arr, np.nan)
    return out


def _evaluate_numpy(params: Parameters, options: ModelOptions, pairs, measures) -> dict[str, np.ndarray]:
    model = build_model(params, options)
    A, D = model.drift, model.diffusion
    n = A.shape[0]
    max_re = max_real_eigenvalue(A)
    by_eig = stable_by_eigenvalues(A, max_re)
    by_rh = stable_by_routh_hurwitz(A)
    stable = by_eig & by_rh
    P = len(pairs)
    out = {
        "stable": stable,
        "stable_eigenvalues": by_eig,
        "stable_routh_hurwitz": by_rh,
        "max_re_eigenvalue": max_re,
        "noise_physical": gaussian.is_noise_physical(A, D),
        **_outputs(model, n),
        "E_N": np.full((n, P), np.nan),
        "E_N_formal": np.full((n, P), np.nan),
        "bona_fide": np.full(n, -1, dtype=np.int8),
    }
    if np.any(stable):
        V = solve_lyapunov(A[stable], D[stable])
        bona = gaussian.is_bona_fide(V)
        en = np.stack([gaussian.log_negativity(V, pair, model.modes) for pair in pairs], axis=-1)
        out["E_N_formal"][stable] = en
        out["E_N"][stable] = np.where(bona[:, None], en, np.nan)
        out["bona_fide"][stable] = bona.astype(np.int8)
        extra = [m for m in measures if m != "E_N"]
        if extra:
            for name, arr in _pair_measures(V, bona, model.modes, pairs, extra).items():
                out[name] = np.full((n, P), np.nan)
                out[name][stable] = arr
    for name in measure_outputs([m for m in measures if m != "E_N"]):
        out.setdefault(name, np.full((n, P), np.nan))
    return out


def _evaluate_compiled(params: Parameters, options: ModelOptions, pairs, measures) -> dict[str, np.ndarray]:
    from .kernels import steady_points  # numba is imported only when the kernel is used

    model = build_model(params, options)
    extra = [m for m in measures if m != "E_N"]
    k = steady_points(model.drift, model.diffusion,
                      np.array([gaussian.pair_indices(pair, model.modes) for pair in pairs]),
                      keep_covariance=bool(extra))
    stable = k["stable_eigenvalues"] & k["stable_routh_hurwitz"]
    en = k["E_N_formal"]
    out = {"stable": stable, **{key: k[key] for key in ("stable_eigenvalues", "stable_routh_hurwitz",
                                                         "max_re_eigenvalue", "noise_physical")},
           **_outputs(model, stable.size), "E_N": np.where(k["bona_fide"][:, None] == 1, en, np.nan),
           "E_N_formal": en, "bona_fide": k["bona_fide"]}
    for name in measure_outputs(extra):
        out[name] = np.full(en.shape, np.nan)
    if extra and np.any(stable):
        for name, arr in _pair_measures(k["covariance"][stable], k["bona_fide"][stable] == 1, model.modes,
                                        pairs, extra).items():
            out[name][stable] = arr
    return out


def _slice_points(params: Parameters, s: slice) -> Parameters:
    return params.replace(**{name: getattr(params, name)[s] for name in params.names()
                             if np.ndim(getattr(params, name)) == 1})


#: Outputs of :func:`evaluate_points` that belong to a point (the rest have one value per pair).
POINT_OUTPUTS = ("stable", "stable_eigenvalues", "stable_routh_hurwitz", "max_re_eigenvalue", "noise_physical",
                 "photon_number_1", "photon_number_2", "bona_fide")


def evaluate_points(params: Parameters, options: ModelOptions, pair=("b1", "b2"), engine: str = "compiled",
                    threads: int = 1, measures: Sequence[str] = ("E_N",)) -> dict[str, np.ndarray]:
    """The steady-state pipeline over a 1-D stack of points (``params`` fields of shape (N,) or scalars).

    The single per-point evaluation of sweeps and of :func:`cascom_sim.runs.optimize.optimize`.

    Parameters
    ----------
    pair : one pair or several (see :func:`normalize_pairs`)
        With one pair, per-pair outputs have shape (N,); with several, (N, P).
    measures : names in :data:`cascom_sim.gaussian.measures.MEASURES`
        E_N (and E_N_formal) always come from the kernel; the others from each pair's covariance.

    Notes
    -----
    ``engine='compiled'`` runs :func:`cascom_sim.runs.kernels.steady_points` on ``threads`` threads
    (each builds and evaluates its share of the points); ``engine='numpy'`` is the stacked-array
    reference.  Both give the same flags; E_N and V agree to rounding (tested to 1e-10 relative).
    """
    if engine not in ENGINES:
        raise ParameterError("engine", engine, " or ".join(ENGINES))
    pairs = normalize_pairs(pair)
    single = len(pairs) == 1 and not (isinstance(pair, str) and " " in pair.strip())
    measures = tuple(dict.fromkeys(["E_N", *measures]))
    measure_outputs(measures)
    out = _evaluate_all(params, options, pairs, measures, engine, threads)
    if single:
        out = {k: (v[:, 0] if k not in POINT_OUTPUTS else v) for k, v in out.items()}
    return out


#: points per call of the compiled kernel (A, D and the outputs of a block stay in a core's cache) and per
#: stacked batch of the NumPy engine (whose Lyapunov operators take ~10 kB per point)
KERNEL_BLOCK = 2048
NUMPY_BLOCK = 4096


def _evaluate_all(params, options, pairs, measures, engine, threads) -> dict[str, np.ndarray]:
    n = params.shape[0] if params.shape else 1
    block = NUMPY_BLOCK if engine == "numpy" else KERNEL_BLOCK
    evaluate = _evaluate_numpy if engine == "numpy" else _evaluate_compiled
    starts = range(0, n, block)
    if len(starts) == 1:
        return evaluate(params, options, pairs, measures)
    if engine == "numpy":
        threads = 1
    parts: list = [None] * len(starts)
    claim = itertools.count()  # blocks are claimed one at a time (next() on it is atomic under the GIL)

    def work():
        # dynamic scheduling: stable points cost more than unstable ones, so equal shares would not balance
        while (k := next(claim)) < len(starts):
            lo = starts[k]
            parts[k] = evaluate(_slice_points(params, slice(lo, lo + block)), options, pairs, measures)

    threads = max(1, min(int(threads), len(starts)))
    if threads == 1:
        work()
    else:
        from .kernels import thread_pool

        for f in [thread_pool().submit(work) for _ in range(threads)]:
            f.result()
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


#: default memory budget of a sweep (bytes)
MAX_MEMORY = 4e9


def sweep_bytes(n_points: int, n_axes: int, per_pair_values: int = 2) -> float:
    """Estimated peak memory of a sweep: coordinate grids (two copies) and the result variables (twice,
    as chunks and concatenated), ~ (16·axes + 68 + 16·per_pair_values) bytes per point, where
    ``per_pair_values`` counts pairs × per-pair outputs (E_N and E_N_formal: 2 for one pair)."""
    return float(n_points) * (16 * n_axes + 68 + 16 * per_pair_values)


def check_sweep_size(nums: Sequence[int], max_memory: float = MAX_MEMORY, per_pair_values: int = 2) -> None:
    """Refuse, before allocating, a grid whose estimated memory exceeds ``max_memory`` bytes."""
    if not (isinstance(max_memory, (int, float)) and not isinstance(max_memory, bool) and max_memory > 0):
        raise ParameterError("max_memory", max_memory, "a number of bytes > 0")
    points = float(np.prod([float(n) for n in nums]))
    need = sweep_bytes(points, len(nums), per_pair_values)
    if need > max_memory:
        raise WorkTooLargeError(f"a sweep of {points:.3g} points", f"{need / 1e9:.3g} GB",
                                f"{max_memory / 1e9:.3g} GB", "--max-memory GB (API: max_memory=bytes)")


def _describe(name: str) -> tuple[str, str]:
    """(units, description) of an output, from the package's one table of variables or its measure."""
    if name in VARIABLES:
        return VARIABLES[name].unit, VARIABLES[name].description
    for m in MEASURES.values():
        if name in m.outputs:
            return m.unit, m.description + "; NaN where unstable or not bona fide"
    return "1", name


def _sweep_task(task) -> dict[str, np.ndarray]:
    base, options, pairs, values, engine, threads, measures = task
    return evaluate_points(base.replace(**values), options, list(pairs), engine, threads, measures)


def run_sweep(axes: Sequence[Axis], base: Parameters | None = None, options: ModelOptions | None = None,
              pair=("b1", "b2"), chunk: int = 65536, progress=None,
              execution=None, engine: str = "compiled", threads: int | None = None,
              measures: Sequence[str] = ("E_N",), max_memory: float = MAX_MEMORY) -> SweepResult:
    """Evaluate the steady state over a grid of any number of parameters, for one or several mode pairs.

    Parameters
    ----------
    axes : one or more :class:`Axis`
        The swept parameters (the grid is their outer product, first axis slowest).  Every other
        parameter comes from ``base``.
    base : Parameters
        Fixed parameters (default: the paper's).
    options : ModelOptions
    pair : one pair or several
        ``('b1', 'b2')``, ``'b1,b2'``, or several: ``[('b1', 'b2'), ('a1', 'b1')]`` / ``'b1,b2 a1,b1'``.
        With several pairs every per-pair variable gets a ``pair`` dimension (labels ``'b1,b2'``, …).
    measures : names in :data:`cascom_sim.gaussian.measures.MEASURES`
        Beside E_N (always), e.g. ``('steering', 'discord')``.
    chunk : int
        Points per chunk: the unit of progress, of checkpoints (resume) and of work sent to processes or
        Dask workers.  Inside a chunk, points are evaluated in blocks of :data:`KERNEL_BLOCK` spread over
        ``threads`` (or :data:`NUMPY_BLOCK` for the NumPy engine), so memory does not grow with it.
    progress : object with start/advance/close, optional
        e.g. :class:`cascom_sim.progress.TqdmProgress`.
    execution : cascom_sim.executor.Execution, optional
        Local processes, Dask, and a checkpoint directory for resuming; results do not depend on it.
    engine : {'compiled', 'numpy'}
        Per-point evaluation: the compiled kernel (default) or the NumPy reference.
    threads : int, optional
        Threads per chunk for the compiled engine (default: ``execution.threads`` if given, else every
        core this process may use; 1 when chunks already run on several processes); results do not
        depend on it.
    max_memory : float
        Budget in bytes for the grid and its results (estimated before anything is allocated).

    Returns
    -------
    SweepResult

    Raises
    ------
    WorkTooLargeError
        When the estimated memory exceeds ``max_memory``; the message gives the estimate.
    """
    axes = tuple(axes)
    if not axes or len({a.name for a in axes}) != len(axes):
        raise ParameterError("axes", [a.name for a in axes], "one or more different parameters")
    base = Parameters() if base is None else base
    options = ModelOptions() if options is None else options
    pairs = normalize_pairs(pair)
    several = len(pairs) > 1
    model_modes = build_model(base.replace(**{a.name: a.start for a in axes}), options).modes
    for p in pairs:
        if len(p) != 2 or p[0] == p[1]:
            raise ParameterError("pair", pair_label(p), "two different modes, e.g. b1,b2")
        gaussian.pair_indices(p, model_modes)
    if len(set(pairs)) != len(pairs):
        raise ParameterError("pair", " ".join(pair_label(p) for p in pairs), "different pairs")
    measures = tuple(dict.fromkeys(["E_N", *measures]))
    measure_outputs(measures)
    progress = NoProgress() if progress is None else progress
    if isinstance(chunk, bool) or not isinstance(chunk, (int, np.integer)) or chunk < 1:
        raise ParameterError("chunk", chunk, "an integer ≥ 1 (points per batch)")
    check_sweep_size([a.num for a in axes], max_memory, len(pairs) * (1 + len(measure_outputs(measures))))
    if engine not in ENGINES:
        raise ParameterError("engine", engine, " or ".join(ENGINES))
    from .executor import Execution, available_cores, run_chunks, run_key

    if threads is None:
        many = execution is not None and (execution.workers > 1 or execution.dask or execution.scheduler)
        threads = 1 if many else (execution.threads if execution is not None else available_cores())
    if execution is not None and execution.threads > 1:
        # threads split the points of each chunk (evaluate_points); chunks themselves run one at a time
        import dataclasses

        execution = dataclasses.replace(execution, threads=1)
    execution = Execution() if execution is None else execution
    shape = tuple(a.num for a in axes)
    total = int(np.prod(shape))

    def chunk_values(start: int) -> dict[str, np.ndarray]:
        # grid coordinates of points start..start+chunk without materialising the whole grid
        idx = np.unravel_index(np.arange(start, min(start + chunk, total)), shape)
        return {a.name: a.values[i] for a, i in zip(axes, idx)}

    results: dict[str, list[np.ndarray]] = {}
    t0 = time.perf_counter()
    tasks = [(base, options, pairs, chunk_values(s), engine, threads, measures) for s in range(0, total, chunk)]
    key = run_key("sweep", [a.__dict__ for a in axes], base.as_dict(), options, pairs, chunk, engine, measures)
    for part in run_chunks(_sweep_task, tasks, execution, key, progress, "sweep (chunks)"):
        for k, v in part.items():
            results.setdefault(k, []).append(v)
    wall = time.perf_counter() - t0
    dims = [a.name for a in axes]
    data_vars = {}
    for k, parts in results.items():
        arr = np.concatenate(parts)
        per_pair = k not in POINT_OUTPUTS
        if arr.dtype == bool:
            arr = arr.astype(np.int8)
        if per_pair and several:
            arr, var_dims = arr.reshape(shape + (len(pairs),)), dims + ["pair"]
        else:
            arr, var_dims = arr.reshape(shape), dims
        unit, desc = _describe(k)
        data_vars[k] = (var_dims, arr, {"units": unit, "description": desc})
    coords = {a.name: (a.name, a.values, {"units": SPECS[a.name].unit, "description": SPECS[a.name].description})
              for a in axes}
    if several:
        coords["pair"] = ("pair", [pair_label(p) for p in pairs],
                          {"description": "mode pair (first,second); _12/_21 and _1/_2 suffixes follow this order"})
    attrs = {
        "title": "cascom_sim steady-state sweep",
        "model": options.model, "units_reading": options.units, "coupling": options.coupling,
        "bath": options.bath, "pair": " ".join(pair_label(p) for p in pairs),
        "measures": ",".join(measures),
        "swept": ",".join(dims),
        "conventions": "quadratures (Xa1,Ya1,Xa2,Ya2,Xb1,Yb1,Xb2,Yb2), vacuum variance 1/2; theta2=0, theta1=dtheta",
        "wall_time_s": wall, "engine": engine,
    }
    attrs.update(parameter_attributes(base, exclude=dims))
    import xarray as xr  # here, not at import: the command line starts ~0.3 s faster without it

    ds = xr.Dataset(data_vars=data_vars, coords=coords, attrs=attrs)
    stats = {"wall_time_s": wall, "points": total, "seconds_per_point": wall / total, "engine": engine,
             "threads": int(threads)}
    return SweepResult(dataset=ds, axes=axes, options=options, pair=pairs[0] if not several else pairs, stats=stats)
