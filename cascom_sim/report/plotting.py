"""Matplotlib figures.  Imports only the public API; physics never imports this module."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.colors import ListedColormap  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

from ..parameters import SPECS  # noqa: E402

_LABELS = {
    "detuning": r"$\Delta/\omega_m$",
    "dtheta_pi": r"$\Delta\theta/\pi$",
    "phi_pi": r"$\varphi/\pi$",
    "omega_m": r"$\omega_m/2\pi$ (Hz)",
    "power": r"$P$ (W)",
    "temperature": r"$T$ (K)",
    "eta": r"$\eta$",
    "kappa": r"$\kappa/2\pi$ (Hz)",
}


def axis_label(name: str) -> str:
    return _LABELS.get(name, f"{name} ({SPECS[name].unit})" if name in SPECS else name)


def conventions_line(attrs: dict) -> str:
    return (f"model={attrs.get('model')}, units={attrs.get('units_reading')}, "
            f"coupling={attrs.get('coupling')}, bath={attrs.get('bath')}, pair={attrs.get('pair')}")


def plot_sweep(ds, path: str | Path, title: str | None = None) -> Path:
    """Density plot (2-D, in the manner of Fig. 2(b)) or line plot (1-D) of E_N.

    Unstable points are grey, stable points whose covariance is not bona fide are red
    (their E_N is withheld); a dashed contour encloses points whose noise is unphysical.
    """
    dims = list(ds["E_N"].dims)
    attrs = dict(ds.attrs)
    fig, ax = plt.subplots(figsize=(6.4, 4.8), dpi=110)
    noise = ds["noise_physical"].values.astype(bool)
    handles = []
    if len(dims) == 2:
        density_panel(ax, ds)
        if noise.any() and (~noise).any():
            x, y = ds[dims[0]].values, ds[dims[1]].values
            ax.contour(x, y, noise.T.astype(float), levels=[0.5], colors="k", linestyles="--", linewidths=1)
    else:
        line_panel(ax, ds, label=r"$E_N$ (stable, bona fide)")
        handles += ax.get_legend_handles_labels()[0]
    handles += [Patch(color="0.75", label="unstable: no steady state"),
                Patch(color="tab:red", alpha=0.3 if len(dims) == 1 else 1.0, label="stable, V not bona fide")]
    note = []
    if not noise.any():
        note.append("noise unphysical at every point")
    elif not noise.all():
        note.append("dashed: boundary of physical noise")
    fixed = ", ".join(f"{k[6:]}={attrs[k]:g}" for k in sorted(attrs)
                      if k.startswith("param_") and not k.endswith("_units")
                      and k[6:] in ("phi_pi", "dtheta_pi", "eta", "detuning", "power", "temperature"))
    ax.set_title((title or "Steady-state entanglement") + "\n" + conventions_line(attrs), fontsize=9)
    fig.text(0.01, 0.01, fixed + ("; " + "; ".join(note) if note else ""), fontsize=7)
    ax.legend(handles=handles, loc="upper right", fontsize=7, framealpha=0.8)
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path


def _time_unit(t_end: float) -> tuple[float, str]:
    """Scale and name of a readable time unit for an axis ending at ``t_end`` seconds."""
    for scale, unit in ((1e9, "ns"), (1e6, r"$\mu$s"), (1e3, "ms")):
        if t_end * scale < 2000:
            return scale, unit
    return 1.0, "s"


def plot_evolution(ev, path: str | Path, title: str | None = None) -> Path:
    """E_N(t) with its confidence band against the stationary value, and occupations n(t)."""
    scale, unit = _time_unit(float(ev.times[-1]))
    t_axis = ev.times * scale
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(6.4, 6.4), dpi=110, sharex=True)
    ax1.plot(t_axis, ev.E_N, color="tab:blue", lw=2, label=f"$E_N$ ({ev.method})")
    if ev.E_N_ci is not None:
        ax1.fill_between(t_axis, np.clip(ev.E_N_ci[:, 0], 0, None), ev.E_N_ci[:, 1], color="tab:blue", alpha=0.25,
                         label=f"95 % interval, {ev.n_trajectories} trajectories")
    if ev.stationary_E_N is not None:
        ax1.axhline(ev.stationary_E_N, color="k", ls="--", lw=1, label=f"Lyapunov $E_N$ = {ev.stationary_E_N:.4g}")
    if ev.metrics.bona_fide_until is not None:
        ax1.axvline(ev.metrics.bona_fide_until * scale, color="tab:red", lw=1,
                    label=r"first violation of $V+i\Omega/2\geq0$")
    ax1.set_ylabel(rf"$E_N$({ev.pair[0]}, {ev.pair[1]})")
    ax1.legend(fontsize=7)
    modes = ev.model.modes
    for k, name in enumerate(modes):
        ax2.plot(t_axis, np.clip(ev.occupations[:, k], 1e-6, None), label=rf"$n$ {name}")
    ax2.set_yscale("log")
    ax2.set_xlabel(f"time ({unit})")
    ax2.set_ylabel("mean occupation")
    ax2.legend(fontsize=7, ncol=min(4, len(modes)))
    o = ev.model.options
    status = f"stable={ev.stable}, noise physical={ev.noise_physical}"
    readings = "" if o is None else f", units={o.units}, coupling={o.coupling}, bath={o.bath}"
    ax1.set_title((title or "Transient build-up of entanglement") + "\n"
                  + f"model={ev.model.label}{readings}\n{status}", fontsize=9)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path


def new_panels(n: int):
    """A row of n panels for side-by-side models."""
    fig, axes = plt.subplots(1, n, figsize=(4.2 * n, 3.6), dpi=100, squeeze=False)
    return fig, list(axes[0])


def density_panel(ax, ds) -> None:
    """E_N density on one axis; grey unstable, red not bona fide (E_N withheld)."""
    dims = list(ds["E_N"].dims)
    x, y = ds[dims[0]].values, ds[dims[1]].values
    en = ds["E_N"].values
    stable = ds["stable"].values.astype(bool)
    bona = ds["bona_fide"].values
    top = float(np.nanmax(en)) if np.isfinite(en).any() else 0.0
    im = ax.pcolormesh(x, y, en.T, shading="auto", cmap="viridis", vmin=0.0, vmax=max(top, 1e-3))
    status = np.where(~stable, 1.0, np.where(bona == 0, 2.0, np.nan))
    ax.pcolormesh(x, y, status.T, shading="auto", cmap=ListedColormap(["0.75", "tab:red"]), vmin=1, vmax=2)
    ax.figure.colorbar(im, ax=ax, label=r"$E_N$")
    ax.set_xlabel(axis_label(dims[0]))
    ax.set_ylabel(axis_label(dims[1]))


def line_panel(ax, ds, label: str) -> None:
    """E_N along one axis; unstable stretches shaded grey, not-bona-fide red."""
    dim = ds["E_N"].dims[0]
    x = ds[dim].values
    en = ds["E_N"].values
    stable = ds["stable"].values.astype(bool)
    bona = ds["bona_fide"].values
    ax.plot(x, np.where(np.isfinite(en), en, np.nan), lw=2, label=label)
    ax.fill_between(x, 0, 1, where=~stable, color="0.85", alpha=0.5, transform=ax.get_xaxis_transform(), step="mid")
    ax.fill_between(x, 0, 1, where=stable & (bona == 0), color="tab:red", alpha=0.15,
                    transform=ax.get_xaxis_transform(), step="mid")
    ax.set_ylim(bottom=0)
    ax.set_xlabel(axis_label(dim))
    ax.set_ylabel(r"$E_N$")
    ax.legend(fontsize=7)
