"""Steady-state sweeps over one or two parameters, vectorized over points.

The pipeline (mean fields → A, D → stability by eigenvalues and Routh–Hurwitz → batched
Lyapunov solve → bona fide check → E_N) runs on chunks of points as stacked arrays; there
is no Python loop over points.  Results are an :class:`xarray.Dataset` carrying the
coordinates, units, every other parameter and the conventions used.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import xarray as xr

from ..errors import ParameterError, WorkTooLargeError
from ..gaussian import covariance as gaussian
from ..gaussian.lyapunov import solve_lyapunov
from ..gaussian.stability import max_real_eigenvalue, stable_by_eigenvalues, stable_by_routh_hurwitz
from ..models import build_model
from ..parameters import SPECS, ModelOptions, Parameters
from ..progress import NoProgress
from .storage import parameter_attributes, save_dataset


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
        name, sep, rng = text.partition("=")
        parts = rng.split(":")
        if not sep or len(parts) != 3:
            raise ParameterError("axis", text, "NAME=START:STOP:NUM, e.g. detuning=0.5:2.5:200")
        try:
            start, stop, num = float(parts[0]), float(parts[1]), int(parts[2])
        except ValueError:
            raise ParameterError("axis", text, "NAME=START:STOP:NUM with numbers, NUM an integer") from None
        return cls(name.strip(), start, stop, num)


@dataclass(frozen=True)
class SweepResult:
    """A sweep's data (``dataset``) and statistics."""

    dataset: xr.Dataset = field(repr=False)
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


def _evaluate_numpy(params: Parameters, options: ModelOptions, pair: Sequence[str]) -> dict[str, np.ndarray]:
    model = build_model(params, options)
    A, D = model.drift, model.diffusion
    n = A.shape[0]
    max_re = max_real_eigenvalue(A)
    by_eig = stable_by_eigenvalues(A, max_re)
    by_rh = stable_by_routh_hurwitz(A)
    stable = by_eig & by_rh
    out = {
        "stable": stable,
        "stable_eigenvalues": by_eig,
        "stable_routh_hurwitz": by_rh,
        "max_re_eigenvalue": max_re,
        "noise_physical": gaussian.is_noise_physical(A, D),
        **_outputs(model, n),
        "E_N": np.full(n, np.nan),
        "E_N_formal": np.full(n, np.nan),
        "bona_fide": np.full(n, -1, dtype=np.int8),
    }
    if np.any(stable):
        V = solve_lyapunov(A[stable], D[stable])
        bona = gaussian.is_bona_fide(V)
        en = gaussian.log_negativity(V, pair)
        out["E_N_formal"][stable] = en
        out["E_N"][stable] = np.where(bona, en, np.nan)
        out["bona_fide"][stable] = bona.astype(np.int8)
    return out


def _evaluate_compiled(params: Parameters, options: ModelOptions, pair: Sequence[str]) -> dict[str, np.ndarray]:
    from .kernels import steady_points  # numba is imported only when the kernel is used

    model = build_model(params, options)
    k = steady_points(model.drift, model.diffusion, np.array([gaussian.pair_indices(pair, model.modes)]))
    stable = k["stable_eigenvalues"] & k["stable_routh_hurwitz"]
    en = k["E_N_formal"][:, 0]
    return {"stable": stable, **{key: k[key] for key in ("stable_eigenvalues", "stable_routh_hurwitz",
                                                          "max_re_eigenvalue", "noise_physical")},
            **_outputs(model, stable.size), "E_N": np.where(k["bona_fide"] == 1, en, np.nan), "E_N_formal": en,
            "bona_fide": k["bona_fide"]}


def _slice_points(params: Parameters, s: slice) -> Parameters:
    return params.replace(**{name: getattr(params, name)[s] for name in params.names()
                             if np.ndim(getattr(params, name)) == 1})


def evaluate_points(params: Parameters, options: ModelOptions, pair: Sequence[str], engine: str = "compiled",
                    threads: int = 1) -> dict[str, np.ndarray]:
    """The steady-state pipeline over a 1-D stack of points (``params`` fields of shape (N,) or scalars).

    ``engine='compiled'`` runs :func:`cascom_sim.runs.kernels.steady_points` on ``threads`` threads
    (each builds and evaluates its share of the points); ``engine='numpy'`` is the stacked-array
    reference.  Both give the same flags; E_N and V agree to rounding (tested to 1e-10 relative).
    """
    if engine not in ENGINES:
        raise ParameterError("engine", engine, " or ".join(ENGINES))
    if engine == "numpy":
        return _evaluate_numpy(params, options, pair)
    n = params.shape[0] if params.shape else 1
    threads = max(1, min(int(threads), n // 256 or 1))  # a thread per few hundred points at least
    if threads == 1:
        return _evaluate_compiled(params, options, pair)
    from .kernels import thread_pool

    edges = np.linspace(0, n, threads + 1).astype(int)
    parts = [thread_pool().submit(_evaluate_compiled, _slice_points(params, slice(lo, hi)), options, pair)
             for lo, hi in zip(edges[:-1], edges[1:])]
    parts = [f.result() for f in parts]
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


_DESCRIPTIONS = {
    "E_N": ("1", "logarithmic negativity of the pair (Eqs. 30-32); NaN where unstable, not bona fide or not determined"),
    "E_N_formal": ("1", "E_N computed from V even where V is not bona fide; NaN where unstable"),
    "stable": ("bool", "1 where both eigenvalue and Routh-Hurwitz criteria say stable"),
    "stable_eigenvalues": ("bool", "1 where max Re(eig A) < 0"),
    "stable_routh_hurwitz": ("bool", "1 where the Routh table's first column is positive"),
    "max_re_eigenvalue": ("1/s", "largest real part of the eigenvalues of A (growth rate if > 0)"),
    "noise_physical": ("bool", "1 where D + (i/2)(A Omega + Omega A^T) >= 0"),
    "bona_fide": ("flag", "1: V + i Omega/2 >= 0; 0: violated; -1: unstable, no V"),
    "photon_number_1": ("1", "|alpha_1|^2"),
    "photon_number_2": ("1", "|alpha_2|^2"),
}


#: default memory budget of a sweep (bytes)
MAX_MEMORY = 4e9


def sweep_bytes(n_points: int, n_axes: int) -> float:
    """Estimated peak memory of a sweep: coordinate grids (two copies) and the result variables (twice,
    as chunks and concatenated), ~ (16·axes + 100) bytes per point."""
    return float(n_points) * (16 * n_axes + 100)


def check_sweep_size(nums: Sequence[int], max_memory: float = MAX_MEMORY) -> None:
    """Refuse, before allocating, a grid whose estimated memory exceeds ``max_memory`` bytes."""
    if not (isinstance(max_memory, (int, float)) and not isinstance(max_memory, bool) and max_memory > 0):
        raise ParameterError("max_memory", max_memory, "a number of bytes > 0")
    points = float(np.prod([float(n) for n in nums]))
    need = sweep_bytes(points, len(nums))
    if need > max_memory:
        raise WorkTooLargeError(f"a sweep of {points:.3g} points", f"{need / 1e9:.3g} GB",
                                f"{max_memory / 1e9:.3g} GB", "--max-memory GB (API: max_memory=bytes)")


def _sweep_task(task) -> dict[str, np.ndarray]:
    base, options, pair, values, engine, threads = task
    return evaluate_points(base.replace(**values), options, pair, engine, threads)


def run_sweep(axes: Sequence[Axis], base: Parameters | None = None, options: ModelOptions | None = None,
              pair: Sequence[str] = ("b1", "b2"), chunk: int = 4096, progress=None,
              execution=None, engine: str = "compiled", threads: int | None = None,
              max_memory: float = MAX_MEMORY) -> SweepResult:
    """Evaluate the steady state over a 1-D or 2-D grid of parameters.

    Parameters
    ----------
    axes : one or two :class:`Axis`
        The swept parameters (x first).  Every other parameter comes from ``base``.
    base : Parameters
        Fixed parameters (default: the paper's).
    options : ModelOptions
    pair : two mode names
    chunk : int
        Points per vectorized batch (bounds memory).
    progress : object with start/advance/close, optional
        e.g. :class:`cascom_sim.progress.TqdmProgress`.
    execution : cascom_sim.executor.Execution, optional
        Local processes, Dask, and a checkpoint directory for resuming; results do not depend on it.
    engine : {'compiled', 'numpy'}
        Per-point evaluation: the compiled kernel (default) or the NumPy reference.
    threads : int, optional
        Threads per chunk for the compiled engine (default: every core this process may use, or 1
        when chunks already run on several processes); results do not depend on it.
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
    if not 1 <= len(axes) <= 2 or len({a.name for a in axes}) != len(axes):
        raise ParameterError("axes", [a.name for a in axes], "one or two different parameters")
    base = Parameters() if base is None else base
    options = ModelOptions() if options is None else options
    pair = tuple(pair)
    gaussian.pair_indices(pair)
    progress = NoProgress() if progress is None else progress
    if isinstance(chunk, bool) or not isinstance(chunk, (int, np.integer)) or chunk < 1:
        raise ParameterError("chunk", chunk, "an integer ≥ 1 (points per batch)")
    check_sweep_size([a.num for a in axes], max_memory)
    if engine not in ENGINES:
        raise ParameterError("engine", engine, " or ".join(ENGINES))
    if threads is None:
        from .executor import available_cores

        many = execution is not None and (execution.workers > 1 or execution.dask or execution.scheduler)
        threads = 1 if many else available_cores()
    grids = np.meshgrid(*(a.values for a in axes), indexing="ij")
    flat = [g.ravel() for g in grids]
    total = flat[0].size
    from .executor import run_chunks, run_key

    results: dict[str, list[np.ndarray]] = {}
    t0 = time.perf_counter()
    tasks = [(base, options, pair, {a.name: f[s : s + chunk] for a, f in zip(axes, flat)}, engine, threads)
             for s in range(0, total, chunk)]
    key = run_key("sweep", [a.__dict__ for a in axes], base.as_dict(), options, pair, chunk, engine)
    for part in run_chunks(_sweep_task, tasks, execution, key, progress, "sweep (chunks)"):
        for k, v in part.items():
            results.setdefault(k, []).append(v)
    wall = time.perf_counter() - t0
    shape = grids[0].shape
    dims = [a.name for a in axes]
    data_vars = {}
    for k, parts in results.items():
        arr = np.concatenate(parts).reshape(shape)
        if arr.dtype == bool:
            arr = arr.astype(np.int8)
        unit, desc = _DESCRIPTIONS[k]
        data_vars[k] = (dims, arr, {"units": unit, "description": desc})
    coords = {a.name: (a.name, a.values, {"units": SPECS[a.name].unit, "description": SPECS[a.name].description})
              for a in axes}
    attrs = {
        "title": "cascom_sim steady-state sweep",
        "model": options.model, "units_reading": options.units, "coupling": options.coupling,
        "bath": options.bath, "pair": ",".join(pair),
        "swept": ",".join(dims),
        "conventions": "quadratures (Xa1,Ya1,Xa2,Ya2,Xb1,Yb1,Xb2,Yb2), vacuum variance 1/2; theta2=0, theta1=dtheta",
        "wall_time_s": wall, "engine": engine,
    }
    attrs.update(parameter_attributes(base, exclude=dims))
    ds = xr.Dataset(data_vars=data_vars, coords=coords, attrs=attrs)
    stats = {"wall_time_s": wall, "points": total, "seconds_per_point": wall / total, "engine": engine,
             "threads": int(threads)}
    return SweepResult(dataset=ds, axes=axes, options=options, pair=pair, stats=stats)
