"""``cascom sweep``: the steady-state pipeline over a grid, saved as NetCDF."""

from __future__ import annotations

import numpy as np

from ..conventions import MODES
from ..errors import ParameterError
from ..gaussian import resolve_pair
from ..gaussian.measures import MEASURES
from ..progress import NoProgress, TqdmProgress
from ..runs.sweep import (
    ENGINES,
    MAX_NETWORK_POINTS,
    NETWORK_BUILD_SECONDS,
    Axis,
    format_duration,
    normalize_pairs,
    run_sweep,
)
from .common import (
    add_execution_arguments,
    dumps,
    execution_from_args,
    memory_budget,
    model_from_args,
    pair_texts,
    resolve,
)


def cmd_sweep(args) -> int:
    args.several_pairs = True
    params, options, pair = resolve(args)
    net = args.network
    pairs = normalize_pairs(" ".join(pair_texts(args))) if args.pair else (pair,)
    for p in pairs:
        resolve_pair(",".join(p), net.modes if net else MODES)
    axes = [Axis.parse(t) for t in ([args.x] if args.x else []) + ([args.y] if args.y else []) + list(args.axis)]
    if not axes:
        raise ParameterError("axis", "none", "at least one --axis NAME=START:STOP:NUM (or --x)")
    if args.y and not args.x:
        raise ParameterError("y", args.y, "--y together with --x")
    measures = [m for text in args.measure for m in text.replace(",", " ").split()]
    if args.plot and (len(axes) > 2 or len(pairs) > 1):
        raise ParameterError("plot", args.plot, "a sweep of one or two axes and one pair (open the NetCDF for more)")
    for a in axes:
        if a.name in args.explicit_parameters:
            raise ParameterError(a.name, "both swept and fixed (--set or --config)", "either swept or fixed, not both")
    progress = NoProgress() if args.json else TqdmProgress()
    execution, cleanup = execution_from_args(args, args.out)
    res = run_sweep(axes, base=None if net else params, options=None if net else options,
                    pair=pairs if len(pairs) > 1 else pairs[0], network=net, max_points=args.max_points,
                    progress=progress, execution=execution, engine=args.engine,
                    measures=measures, max_memory=memory_budget(args))
    path = res.save(args.out)
    if cleanup:
        import shutil

        shutil.rmtree(cleanup, ignore_errors=True)
    plot = None
    if args.plot:
        from ..report.plotting import plot_sweep

        plot = str(plot_sweep(res.dataset, args.plot))
    data = res.arrays  # NumPy arrays: the summary needs no xarray (~0.5 s of the command)
    en, stable = data["E_N"], data["stable"]
    finite = np.isfinite(en)
    if net:  # what the network is, as cascom steady --model-file says it
        described = {**model_from_args(args, params, options).describe(), "model_file": args.model_file,
                     "n_nodes": net.n_nodes, "points_not_built": res.stats["not_built"],
                     "estimated_s": res.stats["estimated_s"]}
    else:
        described = {"model": options.model, "units_reading": options.units, "coupling": options.coupling,
                     "bath": options.bath}
    summary = {
        "out": str(path), "plot": plot, "axes": [a.__dict__ for a in axes], **described,
        "pair": list(pairs[0]) if len(pairs) == 1 else [list(p) for p in pairs],
        "measures": res.attrs["measures"].split(","),
        "points": res.stats["points"], "wall_time_s": res.stats["wall_time_s"],
        "executor": "dask" if execution.dask else ("processes" if execution.workers > 1 else "in-process"),
        "engine": res.stats["engine"], "threads": res.stats["threads"],
        "stable_fraction": float(stable.mean()),
        "stability_criteria_agree_fraction": float((data["stable_eigenvalues"] == data["stable_routh_hurwitz"]).mean()),
        "noise_physical_fraction": float(data["noise_physical"].mean()),
        "bona_fide_fraction_of_stable": float((data["bona_fide"] == 1).sum() / max(1, int(stable.sum()))),
        "max_E_N": float(np.nanmax(en)) if finite.any() else None,
    }
    if finite.any():  # where the largest E_N is (first pair where there are several)
        first = en if len(pairs) == 1 else en[..., 0]
        if np.isfinite(first).any() and np.nanmax(first) > 0:  # (E_N = 0 everywhere has no "where")
            at = np.unravel_index(int(np.nanargmax(first)), first.shape)
            summary["max_E_N_at"] = {a.name: float(a.values[i]) for a, i in zip(axes, at)}
    if len(pairs) > 1:
        summary["max_E_N_by_pair"] = {str(lab): (float(np.nanmax(v)) if np.isfinite(v).any() else None)
                                      for lab, v in zip(res.coords["pair"], np.moveaxis(en, -1, 0))}
    # the warnings cascom steady gives, for the whole grid (in the JSON too, as `cascom steady --json` has them)
    said = []
    if summary["stable_fraction"] == 0:
        said.append(("warning", "no point of the grid is stable — there is no steady state anywhere here"))
    if summary["noise_physical_fraction"] < 1:
        said.append(("warning", f"the noise is unphysical (not of Lindblad form) at "
                                f"{100 * (1 - summary['noise_physical_fraction']):.0f} % of the points"
                                + (" — every point" if summary["noise_physical_fraction"] == 0 else "")))
    if summary["max_E_N"] is None:
        said.append(("note", "E_N is defined nowhere (it needs a stable point with a bona fide covariance)"))
    summary["warnings"] = [text for _, text in said]
    if args.json:
        print(dumps(summary))
    else:
        what = (f"network {args.model_file} ({net.n_nodes} nodes, channels {net.channels}, coupling {net.coupling})"
                if net else f"model {options.model}, units reading {options.units}, coupling {options.coupling}, "
                            f"bath {options.bath}")
        print(f"cascom sweep — {what}, pair {' '.join(','.join(p) for p in pairs)}")
        for k in ("points", "points_not_built", "wall_time_s", "stable_fraction", "stability_criteria_agree_fraction",
                  "noise_physical_fraction", "bona_fide_fraction_of_stable", "max_E_N", "max_E_N_at",
                  "max_E_N_by_pair", "out", "plot"):
            if k in summary:
                print(f"  {k}: {_text(summary[k])}")
        for kind, text in said:
            print(f"  {kind}: {text}")
    return 0


def _text(v) -> str:
    """A summary value for the text table: '—' for none, floats to six digits, dicts as NAME = VALUE."""
    if v is None:
        return "—"
    if isinstance(v, float):
        return format(v, ".6g")
    if isinstance(v, dict):
        return ", ".join(f"{k} = {_text(x)}" for k, x in v.items())
    return str(v)


def register(sub, common) -> None:
    p = sub.add_parser("sweep", parents=[common],
                       help="E_N (and other measures), stability and physicality over a grid of any dimension")
    p.add_argument("--axis", action="append", default=[], metavar="NAME=START:STOP:NUM",
                   help="a swept parameter (repeatable: the grid is the outer product, first slowest); with "
                        "--model-file also nodeK.NAME (one node), linkK.eta / linkK.phi_pi (one link), NAME (every "
                        "node, or every link for eta, phi_pi)")
    p.add_argument("--x", metavar="NAME=START:STOP:NUM", help="first axis (same as the first --axis)")
    p.add_argument("--y", metavar="NAME=START:STOP:NUM", help="second axis")
    p.add_argument("--measure", action="append", default=[], metavar="NAME",
                   help="measures beside E_N (repeatable or comma list): " + ", ".join(MEASURES))
    p.add_argument("--out", required=True, metavar="FILE.nc", help="NetCDF output (written atomically)")
    p.add_argument("--plot", metavar="FILE.png",
                   help="figure of E_N over the line or plane, for one or two axes and one pair; where E_N is "
                        "nowhere positive, ν̃₋ if --measure pt_nu was given, else the growth rate (.png, .pdf, .svg, …)")
    p.add_argument("--engine", choices=ENGINES, default="compiled",
                   help="per-point evaluation: compiled kernel (default) or the NumPy reference")
    p.add_argument("--max-points", type=float, default=MAX_NETWORK_POINTS, metavar="N",
                   help="with --model-file: refuse sweeps of more points than this (each builds its network, "
                        f"~{NETWORK_BUILD_SECONDS * 1e6:.0f} µs; default {MAX_NETWORK_POINTS:.0e}, about "
                        f"{format_duration(MAX_NETWORK_POINTS * NETWORK_BUILD_SECONDS)})")
    add_execution_arguments(p)
    p.set_defaults(func=cmd_sweep)
