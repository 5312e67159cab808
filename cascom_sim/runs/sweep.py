"""Steady-state sweeps over any number of parameters, several mode pairs and measures, vectorized over points.

The pipeline (mean fields → A, D → stability by eigenvalues and Routh–Hurwitz → batched
Lyapunov solve → bona fide check → E_N) runs on chunks of points as stacked arrays; there
is no Python loop over points.  Results hold NumPy arrays (:attr:`SweepResult.arrays`), saved as NetCDF
without xarray; :attr:`SweepResult.dataset` is the :class:`xarray.Dataset` carrying the coordinates, units,
every other parameter and the conventions used, built on first use.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..errors import ParameterError, WorkTooLargeError
from ..gaussian import covariance as gaussian
from ..gaussian.lyapunov import solve_lyapunov
from ..gaussian.measures import MEASURES, evaluate_measures, measure_outputs
from ..gaussian.stability import max_real_eigenvalue, stable_by_eigenvalues, stable_by_routh_hurwitz
from ..models import build_model
from ..models.network import NODE_NUMERIC_EXTRAS as NETWORK_NUMERIC_EXTRAS
from ..parameters import SPECS, ModelOptions, Parameters
from ..progress import NoProgress
from .executor import KERNEL_BLOCK, claim_blocks
from .storage import VARIABLES, DatasetParts, parameter_attributes, save_dataset

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


_SCOPE = re.compile(r"(node|link)[1-9][0-9]*")


def check_parameter_name(name: str, values: Sequence[float], text: str) -> None:
    """A parameter name as sweeps and searches take it, and its end values, checked in isolation.

    ``NAME`` (a :class:`Parameters` field), or for a network also ``nodeK.NAME``, ``linkK.NAME`` and the
    node fields :data:`NETWORK_NUMERIC_EXTRAS`; whether a network has that node or link is checked
    against the network (:func:`check_network_names`), whether a model without one takes it by
    :func:`require_model_names`.

    Raises
    ------
    ParameterError
        Naming the parameter and what it may be.
    """
    scope, _, fld = name.rpartition(".")
    if (fld not in SPECS and fld not in NETWORK_NUMERIC_EXTRAS) or (scope and not _SCOPE.fullmatch(scope)):
        raise ParameterError(name, text, "a parameter name among " + ", ".join(SPECS)
                             + " (networks also: nodeK.NAME, linkK.NAME, " + ", ".join(NETWORK_NUMERIC_EXTRAS) + ")")
    for v in values:
        if fld in SPECS:
            try:
                SPECS[fld].validate(v)
            except ParameterError as exc:
                raise ParameterError(name, v, exc.allowed) from None
        elif not np.isfinite(v):
            raise ParameterError(name, v, "a finite number")


def require_model_names(names: Sequence[str], text=lambda name: name) -> None:
    """Refuse network-only names (``node2.detuning``, ``g0``, …) for the paper's and the two-channel model."""
    for name in names:
        if name not in SPECS:
            raise ParameterError(name, text(name), "a parameter name among " + ", ".join(SPECS)
                                 + " (nodeK./linkK. names need a network: --model-file NET.toml)")


def check_network_names(assignments: Sequence[tuple[str, float]], network, values: bool = True) -> None:
    """Each ``(name, value)`` must exist in ``network`` and (if ``values``) be a valid value there; for a name
    the network lacks, the one-line error lists the names it has.

    Sweeps check names only (``values=False``): a point where the network cannot be built (e.g. κ fractions
    summing above 1 at one end of an axis) is reported in the data as such, not refused."""
    from ..models.network import apply_assignment, describe_numeric_names, numeric_names

    for name, value in assignments:
        if name not in numeric_names(network):
            try:
                apply_assignment(network, name, value)  # its own message says what is wrong with the name
                allowed = "a name of this network"
            except ParameterError as exc:
                allowed = exc.allowed
            raise ParameterError(name, value, f"{allowed}; this network ({network.n_nodes} nodes) has "
                                 + describe_numeric_names(network))
        if values:
            apply_assignment(network, name, value)


@dataclass(frozen=True)
class Axis:
    """One swept parameter: ``numpy.linspace(start, stop, num)`` (inclusive).

    ``name`` is a :class:`Parameters` field; sweeping a network (``run_sweep(..., network=…)``) it may also
    be qualified, as the optimizer's names: ``node2.detuning`` (one node), ``link1.phi_pi`` (one link),
    ``power`` (every node; every link for ``eta`` and ``phi_pi``), and the node fields
    ``kappa_pump_fraction``, ``pump_phase_pi``, ``g0``.
    """

    name: str
    start: float
    stop: float
    num: int

    def __post_init__(self) -> None:
        if not (isinstance(self.num, int) and not isinstance(self.num, bool) and self.num >= 1):
            raise ParameterError(f"{self.name} (NUM)", self.num, "an integer ≥ 1")
        check_parameter_name(self.name, (self.start, self.stop), f"{self.start}:{self.stop}:{self.num}")

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
    """A sweep's data and statistics; ``network`` is the swept network (None for the paper's and the
    two-channel model).

    The data are NumPy arrays (:attr:`arrays`, :attr:`coords`, :attr:`attrs`); :attr:`dataset` is the
    :class:`xarray.Dataset` holding them, built on first use (importing xarray takes ~0.3–0.7 s)."""

    parts: DatasetParts = field(repr=False)
    axes: tuple[Axis, ...]
    options: ModelOptions
    pair: tuple[str, str]
    stats: dict
    network: object = field(default=None, repr=False)

    @cached_property
    def dataset(self) -> xarray.Dataset:
        """The variables, coordinates and attributes as an :class:`xarray.Dataset` (sharing the arrays)."""
        return self.parts.to_xarray()

    @property
    def arrays(self) -> dict[str, np.ndarray]:
        """Data variable name → values (dimensions: the axes in order, then ``pair`` if there are several)."""
        return {name: var[1] for name, var in self.parts.data_vars.items()}

    @property
    def coords(self) -> dict[str, np.ndarray]:
        """Coordinate name → values: each axis's grid, and the ``pair`` labels ('b1,b2', …) if there are several."""
        return {name: var[1] for name, var in self.parts.coords.items()}

    @property
    def attrs(self) -> dict:
        """The global attributes (model, pairs, measures, every fixed parameter, …): once :attr:`dataset` has
        been built, its attributes (xarray copies them; :meth:`save` then writes the dataset), so that what is
        set here is saved either way."""
        return self.dataset.attrs if "dataset" in self.__dict__ else self.parts.attrs

    def __repr__(self) -> str:
        a = self.arrays
        en = a["E_N"]
        model = (f"model='network' ({self.network.n_nodes} nodes, channels {self.network.channels!r})"
                 if self.network is not None else f"model={self.options.model!r}, units={self.options.units!r}")
        return (f"SweepResult(axes={[ax.name for ax in self.axes]}, shape={en.shape}, {model}, "
                f"stable_fraction={float(a['stable'].mean()):.3f}, "
                f"noise_physical_fraction={float(a['noise_physical'].mean()):.3f}, "
                f"max_E_N={float(np.nanmax(en)) if np.isfinite(en).any() else 'nan'}, "
                f"wall_time={self.stats['wall_time_s']:.3g}s)")

    def save(self, path: str | Path) -> Path:
        """Write NetCDF atomically (temporary file, then rename), with CF-1.10 attributes.

        Written from the arrays, without xarray; once :attr:`dataset` has been used, from it instead, so that
        what was changed in it is saved as well (the same file otherwise)."""
        if "dataset" in self.__dict__:
            return save_dataset(self.dataset, path)
        return self.parts.save(path)


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


def _kernel_summary(k: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The sweep's outputs from the kernel's: overall stability, and E_N only where V is a state."""
    stable = k["stable_eigenvalues"] & k["stable_routh_hurwitz"]
    en = k["E_N_formal"]
    return {"stable": stable, **{key: k[key] for key in ("stable_eigenvalues", "stable_routh_hurwitz",
                                                         "max_re_eigenvalue", "noise_physical")},
            "E_N": np.where(k["bona_fide"][:, None] == 1, en, np.nan), "E_N_formal": en, "bona_fide": k["bona_fide"]}


def _kernel_outputs(A: np.ndarray, D: np.ndarray, modes, pairs, measures, threads: int = 1) -> dict[str, np.ndarray]:
    """Stability, physicality, E_N and the other measures of stacked drifts A and diffusions D (N, n, n) by
    the compiled kernel: per-point outputs (N,), per-pair outputs (N, P)."""
    from .kernels import steady_points  # numba is imported only when the kernel is used

    extra = [m for m in measures if m != "E_N"]
    k = steady_points(A, D, np.array([gaussian.pair_indices(pair, modes) for pair in pairs]), threads=threads,
                      keep_covariance=bool(extra))
    out = _kernel_summary(k)
    stable, en = out["stable"], out["E_N_formal"]
    for name in measure_outputs(extra):
        out[name] = np.full(en.shape, np.nan)
    if extra and np.any(stable):
        for name, arr in _pair_measures(k["covariance"][stable], k["bona_fide"][stable] == 1, modes,
                                        pairs, extra).items():
            out[name][stable] = arr
    return out


def _evaluate_compiled(params: Parameters, options: ModelOptions, pairs, measures) -> dict[str, np.ndarray]:
    model = build_model(params, options)
    out = _kernel_outputs(model.drift, model.diffusion, model.modes, pairs, measures)
    return {**out, **_outputs(model, out["stable"].size)}


#: Outputs of :func:`evaluate_points` that belong to a point (the rest have one value per pair).
POINT_OUTPUTS = ("stable", "stable_eigenvalues", "stable_routh_hurwitz", "max_re_eigenvalue", "noise_physical",
                 "photon_number_1", "photon_number_2", "bona_fide", "network_built")


def evaluate_points(params: Parameters, options: ModelOptions, pair=("b1", "b2"), engine: str = "compiled",
                    threads: int = 1, measures: Sequence[str] = ("E_N",)) -> dict[str, np.ndarray]:
    """The steady-state pipeline over a 1-D stack of points (``params`` fields of shape (N,) or scalars; all
    scalars: one point, N = 1).

    The single per-point evaluation of sweeps and of :func:`cascom_sim.runs.optimize.optimize`.

    Parameters
    ----------
    pair : one pair or several (see :func:`normalize_pairs`)
        With one pair, per-pair outputs have shape (N,); with several, (N, P).
    measures : names in :data:`cascom_sim.gaussian.measures.MEASURES`
        E_N (and E_N_formal) always come from the kernel; the others from each pair's covariance.

    Notes
    -----
    ``engine='compiled'`` runs the compiled kernel on ``threads`` threads: for the paper's model with E_N
    alone, :func:`cascom_sim.runs.kernels.paper_points` (the kernel builds each point's model itself);
    otherwise :func:`cascom_sim.runs.kernels.steady_points` on blocks of points that each thread builds
    as stacked arrays.  ``engine='numpy'`` is the stacked-array reference.  Both give the same flags; E_N
    and V agree to rounding (tested to 1e-10 relative).
    """
    if engine not in ENGINES:
        raise ParameterError("engine", engine, " or ".join(ENGINES))
    if not params.shape:  # one point: a stack of one (each path below expects a leading axis of points)
        params = params.replace(detuning=np.atleast_1d(params.detuning))
    pairs, single, measures = _pairs_and_measures(pair, measures)
    return _squeezed(_evaluate_all(params, options, pairs, measures, engine, threads), single)


def _pairs_and_measures(pair, measures) -> tuple[tuple[Pair, ...], bool, tuple[str, ...]]:
    """The pairs, whether one pair was given (per-pair outputs then lose their pair axis), and the
    measures with E_N first (checked)."""
    pairs = normalize_pairs(pair)
    single = len(pairs) == 1 and not (isinstance(pair, str) and " " in pair.strip())
    measures = tuple(dict.fromkeys(["E_N", *measures]))
    measure_outputs(measures)
    return pairs, single, measures


def _squeezed(out: dict[str, np.ndarray], single: bool) -> dict[str, np.ndarray]:
    return {k: (v[:, 0] if not is_point_output(k) else v) for k, v in out.items()} if single else out


def is_point_output(name: str) -> bool:
    """Whether an output belongs to a point (else it has one value per pair)."""
    return name in POINT_OUTPUTS or name.startswith("photon_number_")


def evaluate_network_points(points: dict[str, np.ndarray], network, pair=("b1", "b2"), threads: int = 1,
                            measures: Sequence[str] = ("E_N",)) -> dict[str, np.ndarray]:
    """:func:`evaluate_points` for a network: the networks of all points built as stacked arrays, then
    evaluated together by the compiled kernel.

    The networks are built by :func:`cascom_sim.models.network.network_points` (point k is
    ``network_model(apply_assignments(network, point k))``, built without a loop over points, in blocks of
    :data:`NETWORK_BLOCK` points); their drifts and diffusions then go through
    :func:`cascom_sim.runs.kernels.steady_points` in one call.

    Parameters
    ----------
    points : dict
        Assignment name (``node2.detuning``, ``link1.phi_pi``, ``power`` for every node, …) → values, shape (S,)
        (checked beforehand by :func:`check_network_names`).
    network : cascom_sim.models.network.Network
        Every parameter not in ``points``.
    pair, threads, measures
        As :func:`evaluate_points`; mode names are the network's (``a1 … aN, b1 … bN``).

    Returns
    -------
    dict
        The outputs of :func:`evaluate_points`, with ``photon_number_1`` … ``photon_number_N`` (one per node)
        and ``network_built``: False where the network cannot be built at that point (e.g. κ fractions
        summing above 1); there every flag is 0 (``bona_fide`` −1) and every number NaN.
    """
    from ..models.network import network_points

    pairs, single, measures = _pairs_and_measures(pair, measures)
    size = max((np.size(v) for v in points.values()), default=1)
    parts = [network_points(network, {k: np.atleast_1d(v)[lo:lo + NETWORK_BLOCK] if np.size(v) > 1 else v
                                      for k, v in points.items()}) for lo in range(0, size, NETWORK_BLOCK)]
    built = np.concatenate([p.built for p in parts])
    S, d = built.size, 4 * network.n_nodes
    # where the network cannot be built, a stable placeholder for the kernel (its outputs are blanked below)
    A = np.concatenate([np.where(p.built[:, None, None], p.drift, -np.eye(d)) for p in parts])
    D = np.concatenate([np.where(p.built[:, None, None], p.diffusion, np.eye(d)) for p in parts])
    photons = np.concatenate([p.photon_numbers for p in parts])
    out = _kernel_outputs(A, D, network.modes, pairs, measures, threads)
    for key, v in out.items():  # nothing of the placeholder may show: flags off, numbers NaN
        out[key] = np.where(built.reshape((S,) + (1,) * (v.ndim - 1)),
                            v, -1 if key == "bona_fide" else (False if v.dtype == bool else np.nan))
    out.update({f"photon_number_{j + 1}": photons[:, j] for j in range(network.n_nodes)}, network_built=built)
    return _squeezed(out, single)


#: points per stacked build of networks (:func:`evaluate_network_points`): its temporaries stay ~10 MB
NETWORK_BLOCK = 2048

#: points per stacked batch of the NumPy engine (whose Lyapunov operators take ~10 kB per point)
NUMPY_BLOCK = 4096


def _evaluate_paper_compiled(params: Parameters, options: ModelOptions, pairs,
                             threads: int) -> dict[str, np.ndarray] | None:
    """The paper's model through the compiled kernel, which solves each point's mean fields and lays out its
    drift itself (:func:`cascom_sim.runs.kernels.paper_points`): no stack of 8 × 8 drift matrices is made,
    and the threads need no Python between blocks."""
    from ..models.build import RATE_LIMIT
    from ..models.paper import paper_diffusion
    from .kernels import paper_inputs, paper_points  # numba is imported only when the kernel is used

    n = params.shape[0] if params.shape else 1
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        X = paper_inputs(params, options.coupling)
    k = paper_points(X, paper_diffusion(params, options, (n,)),
                     np.array([gaussian.pair_indices(pair) for pair in pairs]), options.units, options.bath,
                     threads=threads)
    if not np.all(k["rate"] <= RATE_LIMIT):
        return None  # rates the linear algebra cannot survive: the stacked path refuses them with its message
    photons = k["photon_numbers"]
    return {**_kernel_summary(k), "photon_number_1": photons[:, 0], "photon_number_2": photons[:, 1]}


def _evaluate_all(params, options, pairs, measures, engine, threads) -> dict[str, np.ndarray]:
    if engine == "compiled" and options.model == "paper" and tuple(measures) == ("E_N",):
        out = _evaluate_paper_compiled(params, options, pairs, threads)
        if out is not None:
            return out
    n = params.shape[0] if params.shape else 1
    evaluate = _evaluate_numpy if engine == "numpy" else _evaluate_compiled
    if engine == "numpy":
        block, threads = NUMPY_BLOCK, 1
    else:
        block = KERNEL_BLOCK
    if n <= block:
        return evaluate(params, options, pairs, measures)
    starts = range(0, n, block)
    parts: list = [None] * len(starts)

    def work(lo, hi):
        parts[lo // block] = evaluate(params.take(slice(lo, hi)), options, pairs, measures)

    claim_blocks(work, n, block, threads)
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
    if name.startswith("photon_number_"):  # a network's node K > 2
        return "1", f"mean intracavity photon number of cavity {name.rpartition('_')[2]}"
    for m in MEASURES.values():
        if name in m.outputs:
            return m.unit, m.description + "; NaN where unstable or not bona fide"
    return "1", name


#: Default budget of a network sweep in points, and the time a point takes (its network built as part of a
#: stack, then evaluated by the compiled kernel; the estimate's unit): measured 15 µs for 2 nodes, 50 µs for
#: 3 nodes on one shared core (2026-11-26).  10⁷ points ≈ 8 minutes.
MAX_NETWORK_POINTS = 1e7
NETWORK_BUILD_SECONDS = 5e-5
#: default points per chunk of a network sweep (~0.1–0.4 s: progress and checkpoints stay fine-grained)
NETWORK_CHUNK = 8192
#: default points per chunk of the built-in models (~0.1–0.3 s of the compiled kernel on two cores)
SWEEP_CHUNK = 65536


def check_network_sweep_size(points: int, max_points: float = MAX_NETWORK_POINTS) -> None:
    """Refuse, before anything runs, a network sweep of more than ``max_points`` points (each costs
    ~:data:`NETWORK_BUILD_SECONDS`); the message gives the size, the estimated time and the budget."""
    if isinstance(max_points, bool) or not isinstance(max_points, (int, float, np.integer)) or not max_points > 0:
        raise ParameterError("max_points", max_points, "a number of points > 0")
    if points > max_points:
        raise WorkTooLargeError(f"a network sweep of {points:.3g} points",
                                f"{format_duration(points * NETWORK_BUILD_SECONDS)} "
                                f"(~{NETWORK_BUILD_SECONDS * 1e6:.0f} µs per point to build and evaluate its network)",
                                f"{max_points:.3g} points (~{format_duration(max_points * NETWORK_BUILD_SECONDS)})",
                                "--max-points N (API: max_points=N)")


def format_duration(seconds: float) -> str:
    """'42 s', '3.5 min', '2.1 h'."""
    for unit, size in (("h", 3600.0), ("min", 60.0)):
        if seconds >= size:
            return f"{seconds / size:.3g} {unit}"
    return f"{seconds:.3g} s"


def _axis_description(name: str) -> tuple[str, str]:
    """(units, description) of a swept parameter: a :class:`Parameters` field, or a network's
    ``nodeK.NAME``/``linkK.NAME``/node field."""
    scope, _, fld = name.rpartition(".")
    if fld in SPECS:
        unit, text = SPECS[fld].unit, SPECS[fld].description
    else:
        unit, text = {"kappa_pump_fraction": ("1", "fraction κ_p/κ of the cavity decay into the node's own pump port"),
                      "pump_phase_pi": ("π rad", "pump phase θ/π of the node"),
                      "g0": ("Hz", "single-photon optomechanical coupling g0/2π")}[fld]
    if scope:
        return unit, f"{text} (of {scope[:4]} {scope[4:]} only)"
    return unit, text


def _network_attributes(network) -> dict:
    """What the swept network is, as NetCDF attributes (nodes and links as JSON text)."""
    import json

    d = network.describe()
    return {"title": "cascom_sim steady-state sweep of a network", "model": "network", "n_nodes": network.n_nodes,
            "channels": d["channels"], "coupling": d["coupling"], "units_reading": "consistent", "bath": "paper",
            "modes": ",".join(network.modes),
            "conventions": "quadratures (" + ",".join(f"X{m},Y{m}" for m in network.modes)
                           + "), vacuum variance 1/2; node parameters in network_nodes, links in network_links",
            "network_nodes": json.dumps(d["nodes"]), "network_links": json.dumps(d["links"])}


def _network_sweep_task(task) -> dict[str, np.ndarray]:
    network, pairs, values, threads, measures = task
    return evaluate_network_points(values, network, list(pairs), threads, measures)


def _sweep_task(task) -> dict[str, np.ndarray]:
    base, options, pairs, values, engine, threads, measures = task
    return evaluate_points(base.replace(**values), options, list(pairs), engine, threads, measures)


def run_sweep(axes: Sequence[Axis], base: Parameters | None = None, options: ModelOptions | None = None,
              pair=("b1", "b2"), chunk: int | None = None, progress=None,
              execution=None, engine: str = "compiled", threads: int | None = None,
              measures: Sequence[str] = ("E_N",), max_memory: float = MAX_MEMORY, network=None,
              max_points: float = MAX_NETWORK_POINTS) -> SweepResult:
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
    chunk : int or None
        Points per chunk (default: :data:`SWEEP_CHUNK`, or :data:`NETWORK_CHUNK` for a network): the unit of progress,
        of checkpoints (resume) and of work sent to processes or Dask workers.  Inside a chunk, points are evaluated in blocks of :data:`KERNEL_BLOCK` spread over
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
    network : cascom_sim.models.network.Network, optional
        Sweep this network instead of the model of ``base`` and ``options`` (which must then be unset).
        Axis names are the optimizer's: ``node2.detuning``, ``link1.phi_pi``, ``power`` (every node), …;
        pairs name the network's modes (``'b1,b3'``).  The networks of a chunk's points are built together as
        stacked arrays (~15–50 µs per point for 2–3 nodes with the kernel, see :func:`evaluate_network_points`); points where it cannot be built have ``network_built`` 0 and
        no numbers.  The dataset has the variables of other sweeps, with one ``photon_number_K`` per node.
    max_points : float
        Budget of a network sweep in points (default :data:`MAX_NETWORK_POINTS`, about 8 minutes for 3
        nodes), checked before anything runs.

    Returns
    -------
    SweepResult

    Raises
    ------
    WorkTooLargeError
        When the estimated memory exceeds ``max_memory``, or a network sweep has more than ``max_points``
        points; the message gives the estimate.
    ParameterError
        Names the model (or network) lacks, a pair it lacks, ``base``/``options`` given with a network.
    """
    axes = tuple(axes)
    if not axes or len({a.name for a in axes}) != len(axes):
        raise ParameterError("axes", [a.name for a in axes], "one or more different parameters")
    if network is not None:
        if base is not None or options is not None:
            raise ParameterError("base/options", "given with a network", "unset: the network holds its parameters")
        if engine != "compiled":
            raise ParameterError("engine", engine, "compiled for a network")
        check_network_names([(a.name, a.start) for a in axes], network, values=False)
        check_network_sweep_size(int(np.prod([a.num for a in axes])), max_points)
        model_modes = network.modes
        options = ModelOptions()  # unused: the network holds its readings
    else:
        require_model_names([a.name for a in axes], lambda name: next(f"{a.start}:{a.stop}:{a.num}"
                                                                       for a in axes if a.name == name))
        base = Parameters() if base is None else base
        options = ModelOptions() if options is None else options
        model_modes = build_model(base.replace(**{a.name: a.start for a in axes}), options).modes
    pairs = normalize_pairs(pair)
    several = len(pairs) > 1
    for p in pairs:
        if len(p) != 2 or p[0] == p[1]:
            raise ParameterError("pair", pair_label(p), "two different modes, e.g. b1,b2")
        gaussian.pair_indices(p, model_modes)
    if len(set(pairs)) != len(pairs):
        raise ParameterError("pair", " ".join(pair_label(p) for p in pairs), "different pairs")
    measures = tuple(dict.fromkeys(["E_N", *measures]))
    measure_outputs(measures)
    progress = NoProgress() if progress is None else progress
    if chunk is None:
        chunk = NETWORK_CHUNK if network is not None else SWEEP_CHUNK
    if isinstance(chunk, bool) or not isinstance(chunk, (int, np.integer)) or chunk < 1:
        raise ParameterError("chunk", chunk, "an integer ≥ 1 (points per batch)")
    check_sweep_size([a.num for a in axes], max_memory, len(pairs) * (1 + len(measure_outputs(measures)))
                     + (network.n_nodes if network is not None else 0))
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
    if network is None:
        task, key = _sweep_task, run_key("sweep", [a.__dict__ for a in axes], base.as_dict(), options, pairs,
                                         chunk, engine, measures)
        tasks = [(base, options, pairs, chunk_values(s), engine, threads, measures) for s in range(0, total, chunk)]
    else:  # the key holds the network's content: a changed file never resumes from another network's chunks
        task, key = _network_sweep_task, run_key("sweep-network", [a.__dict__ for a in axes], network.describe(),
                                                 pairs, chunk, measures)
        tasks = [(network, pairs, chunk_values(s), threads, measures) for s in range(0, total, chunk)]
    # a network sweep says how long it will take (each point builds its network) as it starts
    what = ("sweep (chunks)" if network is None else
            f"network sweep of {total} points, ~{format_duration(total * NETWORK_BUILD_SECONDS)} (chunks)")
    for part in run_chunks(task, tasks, execution, key, progress, what):
        for k, v in part.items():
            results.setdefault(k, []).append(v)
    wall = time.perf_counter() - t0
    dims = [a.name for a in axes]
    data_vars = {}
    for k, parts in results.items():
        arr = np.concatenate(parts)
        per_pair = not is_point_output(k)
        if arr.dtype == bool:
            arr = arr.astype(np.int8)
        if per_pair and several:
            arr, var_dims = arr.reshape(shape + (len(pairs),)), dims + ["pair"]
        else:
            arr, var_dims = arr.reshape(shape), dims
        unit, desc = _describe(k)
        data_vars[k] = (var_dims, arr, {"units": unit, "description": desc})
    coords = {a.name: (a.name, a.values, dict(zip(("units", "description"), _axis_description(a.name))))
              for a in axes}
    if several:
        coords["pair"] = ("pair", np.array([pair_label(p) for p in pairs]),
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
    if network is None:
        attrs.update(parameter_attributes(base, exclude=dims))
    else:
        attrs.update(_network_attributes(network))
    parts = DatasetParts(data_vars=data_vars, coords=coords, attrs=attrs)  # no xarray: ~0.5 s of the command
    stats = {"wall_time_s": wall, "points": total, "seconds_per_point": wall / total, "engine": engine,
             "threads": int(threads)}
    if network is not None:
        stats.update(estimated_s=total * NETWORK_BUILD_SECONDS,
                     not_built=int((data_vars["network_built"][1] == 0).sum()))
    return SweepResult(parts=parts, axes=axes, options=options, pair=pairs[0] if not several else pairs, stats=stats,
                       network=network)
