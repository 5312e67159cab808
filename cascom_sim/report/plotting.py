"""Matplotlib figures for the report, the command line and the tutorials, in one style (:data:`STYLE`).

Imports only the public API; physics never imports this module.  Rules every figure here follows:
axes in the units a lab reads (MHz, mW, mK, µs), 200 dpi, legends only for what is drawn, a footer with
the model, the readings and every parameter that differs from the paper's defaults, and no empty panels:
where no point of a plane has a defined, non-zero E_N the panel shows the growth rate max Re λ instead.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.colors import ListedColormap  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

from ..parameters import SPECS  # noqa: E402

#: The one matplotlib style of the project (report, command line, tutorials).
STYLE = Path(__file__).with_name("cascom.mplstyle")

#: How each parameter is shown on an axis: (factor from the stored unit, label).
DISPLAY = {
    "detuning": (1.0, r"effective detuning $\Delta/\omega_m$"),
    "dtheta_pi": (1.0, r"pump phase difference $\Delta\theta/\pi$"),
    "phi_pi": (1.0, r"fibre phase $\varphi/\pi$"),
    "eta": (1.0, r"fibre transmission $\eta$"),
    "omega_m": (1e-6, r"$\omega_m/2\pi$ (MHz)"),
    "kappa": (1e-6, r"$\kappa/2\pi$ (MHz)"),
    "gamma_m": (1e-3, r"$\gamma_m/2\pi$ (kHz)"),
    "power": (1e3, r"pump power $P$ (mW)"),
    "temperature": (1e3, r"temperature $T$ (mK)"),
    "wavelength": (1e9, r"wavelength $\lambda$ (nm)"),
    "length": (1e3, r"cavity length $l$ (mm)"),
    "mass": (1e12, r"mirror mass $m$ (ng)"),
    "kappa_r_fraction": (1.0, r"$\kappa_R/\kappa$"),
    "kappa_l_fraction": (1.0, r"$\kappa_L/\kappa$"),
}
# footer: short symbol and unit for each parameter
# footers are plain text (no mathtext): "ₘ" (U+2098, in DejaVu Sans) rather than a TeX-style "_m"
_SHORT = {"detuning": ("Δ/ωₘ", ""), "dtheta_pi": ("Δθ", "π"), "phi_pi": ("φ", "π"), "eta": ("η", ""),
          "omega_m": ("ωₘ/2π", " MHz"), "kappa": ("κ/2π", " MHz"), "gamma_m": ("γₘ/2π", " kHz"),
          "power": ("P", " mW"), "temperature": ("T", " mK"), "wavelength": ("λ", " nm"), "length": ("l", " mm"),
          "mass": ("m", " ng"), "kappa_r_fraction": ("κ_R/κ", ""), "kappa_l_fraction": ("κ_L/κ", "")}

UNSTABLE_COLOUR = "0.80"
NOT_BONA_FIDE_COLOUR = "#D55E00"


def use_style() -> None:
    """Make :data:`STYLE` the style of every figure drawn from now on in this process."""
    plt.style.use(STYLE)


def axis_label(name: str) -> str:
    """Axis label of a parameter, in the units it is displayed in (see :data:`DISPLAY`)."""
    if name in DISPLAY:
        return DISPLAY[name][1]
    where, _, field = name.rpartition(".")  # a network's node2.detuning: detuning's label, of node 2
    kind = where.rstrip("0123456789")
    if where and kind in ("node", "link") and field in DISPLAY:
        return f"{DISPLAY[field][1]}, {kind} {where[len(kind):]}"
    return f"{name} ({SPECS[field].unit})" if field in SPECS else name


def axis_values(ds, name: str) -> np.ndarray:
    """Coordinate values of ``name`` scaled for display (Hz → MHz, W → mW, K → mK, ...)."""
    return ds[name].values * DISPLAY.get(name, DISPLAY.get(name.rpartition(".")[2], (1.0, "")))[0]


def conventions_line(attrs: dict) -> str:
    """'model paper · units consistent · coupling paper · bath paper · pair b1,b2' from a dataset's attributes."""
    keys = (("model", "model"), ("units", "units_reading"), ("coupling", "coupling"), ("bath", "bath"),
            ("pair", "pair"))
    return " · ".join(f"{k} {attrs[a]}" for k, a in keys if a in attrs)


def changed_parameters(values: dict, exclude=()) -> str:
    """Every parameter in ``values`` ({name: value in stored units}) that differs from the default, formatted."""
    return format_parameters({k: v for k, v in values.items()
                              if k in SPECS and not np.isclose(float(v), SPECS[k].default, rtol=1e-9, atol=0.0)},
                             exclude=exclude)


def format_parameters(values: dict, exclude=(), digits: int = 4) -> str:
    """'P = 95.67 mW, m = 46.86 pg, ...': parameters by their symbols, in units a lab reads."""
    out = []
    for name, value in values.items():
        if name in exclude or name not in SPECS:
            continue
        value = float(value)
        sym, unit = _SHORT.get(name, (name, " " + SPECS[name].unit))
        base = {"Hz": "Hz", "W": "W", "K": "K", "m": "m", "kg": "g"}.get(SPECS[name].unit)
        if base is not None:  # an SI prefix that keeps the number between 1 and 1000
            out.append(f"{sym} = {_si(value * (1e3 if base == 'g' else 1.0), base, digits)}")
        else:
            out.append(f"{sym} = {value * DISPLAY.get(name, (1.0, ''))[0]:.{digits}g}{unit}")
    return ", ".join(out)


def _si(value: float, unit: str, digits: int = 4) -> str:
    """'0.3 µW' for (3e-7, 'W'): the SI prefix that puts the number in [1, 1000)."""
    if value == 0:
        return f"0 {unit}"
    for factor, prefix in ((1e9, "G"), (1e6, "M"), (1e3, "k"), (1.0, ""), (1e-3, "m"), (1e-6, "µ"), (1e-9, "n"),
                           (1e-12, "p"), (1e-15, "f")):
        if abs(value) >= factor * 0.9995:
            return f"{value / factor:.{digits}g} {prefix}{unit}"
    return f"{value:.3g} {unit}"


def footer_text(attrs: dict, swept=()) -> str:
    """Model and readings, then every fixed parameter that differs from the paper's defaults."""
    if attrs.get("model") == "network":  # its parameters are per node and per link, not the paper's set
        return (conventions_line(attrs) + f"\nnetwork of {attrs.get('n_nodes')} nodes, channels "
                f"{attrs.get('channels')}; node and link parameters in the file's network_nodes, network_links")
    fixed = {k[6:]: v for k, v in attrs.items() if k.startswith("param_") and not k.endswith("_units")}
    changed = changed_parameters(fixed, exclude=swept)
    return (conventions_line(attrs) + "\n"
            + (f"differs from the paper's defaults: {changed}" if changed
               else "all other parameters: the paper's defaults (Fig. 1(d))"))


def add_footer(fig, text: str) -> None:
    """Footer under the axes (drawn as a figure-level annotation so a tight bounding box keeps it)."""
    fig.text(0.5, -0.01, text, ha="center", va="top", fontsize=8, color="0.25", wrap=True)


def _save(fig, path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path


def _growth_scale(attrs: dict) -> tuple[float, str]:
    """Rates shown relative to κ when κ is fixed (label, e.g. 'max Re λ / κ'), else in 1/µs."""
    if "param_kappa" in attrs:
        return 2 * np.pi * float(attrs["param_kappa"]), r"$\max\,\mathrm{Re}\,\lambda\,/\,\kappa$"
    return 1e6, r"$\max\,\mathrm{Re}\,\lambda$ ($\mu$s$^{-1}$)"


def _uniform(values: np.ndarray) -> bool:
    """True when the values vary by less than 1e-4 of their size: a colour scale would only show rounding."""
    lo, hi = float(np.min(values)), float(np.max(values))
    return hi - lo <= 1e-4 * max(abs(hi), abs(lo), 1e-300)


def _note(ax, text: str) -> None:
    ax.text(0.02, 0.98, text, transform=ax.transAxes, va="top", ha="left", fontsize=8,
            bbox=dict(boxstyle="round,pad=0.3", fc="white", ec="0.7", alpha=0.9))


def has_entanglement(ds) -> bool:
    """True if E_N is defined and positive somewhere in the dataset."""
    en = ds["E_N"].values
    return bool(np.any(np.nan_to_num(en, nan=0.0) > 0))


def growth_panel(ax, ds, colorbar: bool = True) -> list:
    """max Re λ over a plane: unstable points on a red scale of their growth rate (from its smallest to its
    largest value, so structure shows), stable points blue, and the stability boundary drawn.  A growth
    rate that is uniform over the plane is stated in a note instead of a flat colour bar.  Returns legend
    handles for what was drawn."""
    dims = list(ds["max_re_eigenvalue"].dims)
    x, y = axis_values(ds, dims[0]), axis_values(ds, dims[1])
    scale, label = _growth_scale(ds.attrs)
    g = ds["max_re_eigenvalue"].values.T / scale
    stable = ds["stable"].values.astype(bool).T
    handles = []
    if stable.any():
        ax.pcolormesh(x, y, np.where(stable, 1.0, np.nan), cmap=ListedColormap(["#9ecae1"]), vmin=0, vmax=1)
        handles.append(Patch(color="#9ecae1", label="stable"))
    if (~stable).any():
        gu = g[~stable]
        if float(gu.max()) <= 0:  # not growing: marginal points the strict stability test does not accept
            ax.pcolormesh(x, y, np.where(stable, np.nan, 1.0), cmap=ListedColormap(["#756bb1"]), vmin=0, vmax=1)
            handles.append(Patch(color="#756bb1", label=f"marginal, {label} ≥ {float(gu.min()):.1g}"))
        elif _uniform(gu):
            ax.pcolormesh(x, y, np.where(stable, np.nan, 1.0), cmap=ListedColormap(["#de2d26"]), vmin=0, vmax=1)
            handles.append(Patch(color="#de2d26", label=f"unstable, {label} = {float(np.mean(gu)):.4g}"))
        else:
            im = ax.pcolormesh(x, y, np.where(stable, np.nan, g), cmap="Reds", vmin=float(gu.min()),
                               vmax=float(gu.max()))
            if colorbar:
                ax.figure.colorbar(im, ax=ax, label="growth rate " + label, format="%.3g")
    if stable.any() and (~stable).any():
        ax.contour(x, y, stable.astype(float), levels=[0.5], colors="k", linewidths=1.0)
    ax.grid(False)
    ax.set_xlabel(axis_label(dims[0]))
    ax.set_ylabel(axis_label(dims[1]))
    return handles


def density_panel(ax, ds, colorbar: bool = True) -> list:
    """E_N over a plane (viridis from 0 to its maximum); unstable points grey, stable points whose V is
    not bona fide orange (E_N withheld).  If E_N is nowhere positive, the panel shows the growth rate
    instead (:func:`growth_panel`) and says why.  Returns legend handles for what was drawn."""
    if not has_entanglement(ds) and "pt_nu" in ds and ds["pt_nu"].dims == ds["E_N"].dims \
            and np.isfinite(ds["pt_nu"].values).any():
        return _distance_panel(ax, ds, colorbar)
    if not has_entanglement(ds):
        handles = growth_panel(ax, ds, colorbar=colorbar)
        stable = ds["stable"].values.astype(bool)
        if not stable.any():
            _note(ax, "unstable at every point: no steady state,\nno $E_N$; shown: the growth rate")
        else:
            bad = stable & (ds["bona_fide"].values == 0)
            if bad.any():
                dims = list(ds["E_N"].dims)
                ax.pcolormesh(axis_values(ds, dims[0]), axis_values(ds, dims[1]), np.where(bad, 1.0, np.nan).T,
                              cmap=ListedColormap([NOT_BONA_FIDE_COLOUR]), vmin=0, vmax=1)
                handles.append(Patch(color=NOT_BONA_FIDE_COLOUR, label=r"stable, $V$ not bona fide ($E_N$ withheld)"))
                handles[0].set_label(r"stable, bona fide, $E_N = 0$")
            _note(ax, "$E_N = 0$ wherever it is defined;\nshown: stability, and the growth rate where unstable")
        return handles
    dims = list(ds["E_N"].dims)
    x, y = axis_values(ds, dims[0]), axis_values(ds, dims[1])
    en = ds["E_N"].values.T
    stable = ds["stable"].values.astype(bool).T
    bona = ds["bona_fide"].values.T
    im = ax.pcolormesh(x, y, en, cmap="viridis", vmin=0.0, vmax=float(np.nanmax(en)))
    if colorbar:
        ax.figure.colorbar(im, ax=ax, label=rf"$E_N$({ds.attrs.get('pair', 'b1,b2').replace(',', ', ')})", format="%.3g")
    handles = _plane_frame(ax, x, y, stable, dims)
    bad = stable & (bona == 0)
    if bad.any():
        ax.pcolormesh(x, y, np.where(bad, 1.0, np.nan), cmap=ListedColormap([NOT_BONA_FIDE_COLOUR]), vmin=0, vmax=1)
        handles.append(Patch(color=NOT_BONA_FIDE_COLOUR, label=r"stable, $V$ not bona fide ($E_N$ withheld)"))
    return handles


def _plane_frame(ax, x, y, stable, dims) -> list:
    """Unstable points grey over a parameter-plane map, its axis labels; returns the legend handles."""
    handles = []
    if (~stable).any():
        ax.pcolormesh(x, y, np.where(~stable, 1.0, np.nan), cmap=ListedColormap([UNSTABLE_COLOUR]), vmin=0, vmax=1)
        handles.append(Patch(color=UNSTABLE_COLOUR, label="unstable: no steady state"))
    ax.grid(False)
    ax.set_xlabel(axis_label(dims[0]))
    ax.set_ylabel(axis_label(dims[1]))
    return handles


def _distance_panel(ax, ds, colorbar: bool = True) -> list:
    """Where E_N is 0 everywhere but the sweep computed ν̃₋ (``--measure pt_nu``): how far from entanglement
    each point is (entangled exactly where ν̃₋ < 1); unstable points grey."""
    dims = list(ds["E_N"].dims)
    x, y = axis_values(ds, dims[0]), axis_values(ds, dims[1])
    nu = ds["pt_nu"].values.T
    stable = ds["stable"].values.astype(bool).T
    lo, hi = float(np.nanmin(nu)), float(np.nanmax(nu))
    im = ax.pcolormesh(x, y, nu, cmap="viridis_r", vmin=lo, vmax=hi if hi > lo else lo * (1 + 1e-9) + 1e-12)
    if colorbar:
        ax.figure.colorbar(im, ax=ax, label=r"$\tilde\nu_-$ (entangled where $< 1$)", format="%.6g")
    _note(ax, f"$E_N = 0$ wherever it is defined; shown: $\\tilde\\nu_-$,\n{lo:.4g} … {hi:.4g} (entangled needs $< 1$)")
    return _plane_frame(ax, x, y, stable, dims)


def line_panel(ax, ds, label: str) -> list:
    """E_N along one axis, unstable stretches shaded grey and not-bona-fide ones orange.  Where E_N is
    undefined at every point (unstable everywhere) the growth rate is drawn instead, on the same axis.
    Returns legend handles for the shading that was drawn (the line carries ``label``)."""
    dim = ds["E_N"].dims[0]
    x = axis_values(ds, dim)
    en = ds["E_N"].values
    stable = ds["stable"].values.astype(bool)
    bona = ds["bona_fide"].values
    handles = []
    if not stable.any():
        scale, glabel = _growth_scale(ds.attrs)
        g = ds["max_re_eigenvalue"].values / scale
        ax.plot(x, g, label=label)
        ax.set_ylabel("growth rate " + glabel)
        ax.set_ylim(0, 1.25 * max(float(np.max(g)), float(np.max(ax.get_ylim()) / 1.25)))
        _note(ax, "unstable at every point: no steady state,\nno $E_N$; shown: the growth rate")
    else:
        ax.plot(x, en, label=label)
        ax.set_ylabel(rf"$E_N$({ds.attrs.get('pair', 'b1,b2').replace(',', ', ')})")
        if (~stable).any():
            ax.fill_between(x, 0, 1, where=~stable, color=UNSTABLE_COLOUR, alpha=0.6,
                            transform=ax.get_xaxis_transform(), step="mid", lw=0)
            handles.append(Patch(color=UNSTABLE_COLOUR, alpha=0.6, label="unstable"))
        bad = stable & (bona == 0)
        if bad.any():
            ax.fill_between(x, 0, 1, where=bad, color=NOT_BONA_FIDE_COLOUR, alpha=0.25,
                            transform=ax.get_xaxis_transform(), step="mid", lw=0)
            handles.append(Patch(color=NOT_BONA_FIDE_COLOUR, alpha=0.25, label=r"$V$ not bona fide"))
        if not has_entanglement(ds):
            ax.set_ylim(-0.05, 1.0)
            _note(ax, "$E_N = 0$ wherever it is defined")
        else:
            ax.set_ylim(bottom=0)
    ax.set_xlabel(axis_label(dim))
    return handles


#: dash patterns for curves drawn on top of an earlier one (the earlier stays solid and shows in the gaps)
COINCIDENT_DASHES = ((0, (5, 4)), (0, (1.5, 3)), (0, (8, 3, 2, 3)))
COINCIDENT_MARKERS = ("o", "s", "^")


def mark_coincident(ax, rtol: float = 2e-3, overlap: float = 0.2) -> int:
    """Make curves that lie on top of earlier ones visible: each such curve is redrawn dashed (its own dash
    pattern, above the earlier curve, whose colour shows in the gaps) with hollow markers at staggered samples.  Two curves coincide at a sample where
    they differ by less than ``rtol`` of the panel's y-range; a curve equal to an earlier one at every sample
    gets ", same as <earlier label>" in its legend label, one that coincides over more than ``overlap`` of its
    samples is dashed only.  Returns the number of curves restyled.
    """
    lines = [ln for ln in ax.get_lines() if not str(ln.get_label()).startswith("_")]
    ys = [np.asarray(ln.get_ydata(), float) for ln in lines]
    finite = np.concatenate([y[np.isfinite(y)] for y in ys]) if ys else np.array([])
    if finite.size == 0:
        return 0
    span = max(float(np.ptp(finite)), float(np.max(np.abs(finite))), 1e-300)
    dashed = 0
    for i, (ln, y) in enumerate(zip(lines, ys)):
        x = np.asarray(ln.get_xdata(), float)
        for earlier, ye in zip(lines[:i], ys[:i]):
            xe = np.asarray(earlier.get_xdata(), float)
            if xe.shape != x.shape or not np.array_equal(xe, x):
                continue
            close = np.isclose(y, ye, rtol=0.0, atol=rtol * span) | (np.isnan(y) & np.isnan(ye))
            if close.mean() <= overlap:
                continue
            ln.set_linestyle(COINCIDENT_DASHES[dashed % len(COINCIDENT_DASHES)])
            ln.set_zorder(earlier.get_zorder() + 1 + dashed)
            # hollow markers at staggered samples: each coincident curve shows where the others cannot
            step = max(1, x.size // 8)
            ln.set_marker(COINCIDENT_MARKERS[dashed % len(COINCIDENT_MARKERS)])
            ln.set_markevery((step * (dashed + 1) // 3 % step, step))
            ln.set_markerfacecolor("none")
            ln.set_markersize(6)
            if close.all():
                ln.set_label(f"{ln.get_label()}, same as {earlier.get_label()}")
            dashed += 1
            break
    return dashed


def legend(ax, extra=(), **kwargs) -> None:
    """A legend of the labelled artists plus ``extra`` handles, only if there is something to list."""
    handles, labels = ax.get_legend_handles_labels()
    seen = set(labels)
    for h in extra:
        if h.get_label() not in seen:
            handles.append(h)
            seen.add(h.get_label())
    if handles:
        ax.legend(handles=handles, **kwargs)


def plot_sweep(ds, path: str | Path, title: str | None = None) -> Path:
    """Density plot (2-D, in the manner of the paper's Fig. 2(b)) or line plot (1-D) of E_N, with the
    growth rate instead where E_N is nowhere positive; a dashed contour encloses physical noise."""
    with plt.style.context(STYLE):
        dims = list(ds["E_N"].dims)
        fig, ax = plt.subplots(figsize=(6.0, 4.4))
        noise = ds["noise_physical"].values.astype(bool)
        if len(dims) == 2:
            extra = density_panel(ax, ds)
            if noise.any() and (~noise).any():
                ax.contour(axis_values(ds, dims[0]), axis_values(ds, dims[1]), noise.T.astype(float), levels=[0.5],
                           colors="k", linestyles="--", linewidths=1)
                extra.append(matplotlib.lines.Line2D([], [], color="k", ls="--", lw=1,
                                                     label="boundary of physical noise"))
        else:
            extra = line_panel(ax, ds, label=r"$E_N$" if ds["stable"].values.any() else "growth rate")
        note = "" if noise.any() else "\nnoise unphysical at every point (no master equation exists)"
        ax.set_title((title or "Steady state") + note)
        legend(ax, extra, loc="lower right")
        add_footer(fig, footer_text(dict(ds.attrs), swept=dims))
        return _save(fig, path)


def _time_unit(t_end: float) -> tuple[float, str]:
    """Scale and name of a readable time unit for an axis ending at ``t_end`` seconds."""
    for scale, unit in ((1e9, "ns"), (1e6, r"$\mu$s"), (1e3, "ms")):
        if t_end * scale < 2000:
            return scale, unit
    return 1.0, "s"


def plot_evolution(ev, path: str | Path, title: str | None = None, params=None) -> Path:
    """E_N(t) with its confidence band against the stationary value, and the occupations n(t) of every mode.

    ``params`` (the :class:`~cascom_sim.parameters.Parameters` of the run) adds the footer's list of
    parameters that differ from the defaults."""
    with plt.style.context(STYLE):
        scale, unit = _time_unit(float(ev.times[-1]))
        t_axis = ev.times * scale
        fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(6.0, 5.6), sharex=True)
        ax1.plot(t_axis, ev.E_N, color="C0", label=rf"$E_N$ ({ev.method})")
        if ev.E_N_ci is not None:
            ax1.fill_between(t_axis, np.clip(ev.E_N_ci[:, 0], 0, None), ev.E_N_ci[:, 1], color="C0", alpha=0.25,
                             lw=0, label=f"95 % interval, {ev.n_trajectories} trajectories")
        if ev.stationary_E_N is not None:
            ax1.axhline(ev.stationary_E_N, color="k", ls="--", lw=1, label=f"Lyapunov $E_N$ = {ev.stationary_E_N:.4g}")
        if ev.metrics.bona_fide_until is not None:
            ax1.axvline(ev.metrics.bona_fide_until * scale, color=NOT_BONA_FIDE_COLOUR, lw=1,
                        label=r"first violation of $V+i\Omega/2\geq0$")
        ax1.set_ylabel(rf"$E_N$({ev.pair[0]}, {ev.pair[1]})")
        legend(ax1, loc="best")
        modes = tuple(ev.model.modes)
        for k, name in enumerate(modes):  # a dash pattern per mode, later ones drawn thinner on top, so that
            # coinciding curves (a1 ≡ a2 and b1 ≡ b2 for identical nodes) each stay visible
            ax2.plot(t_axis, np.clip(ev.occupations[:, k], 1e-6, None), label=rf"$n$ {name}",
                     ls=("-", "--", "-", "--")[k % 4], lw=(2.6, 1.6, 2.6, 1.6)[k % 4])
        ax2.set_yscale("log")
        positive = ev.occupations[ev.occupations > 0]
        if positive.size:  # ensemble estimates of near-vacuum modes scatter around 0: keep the axis on the signal
            ax2.set_ylim(bottom=max(1e-6, 0.3 * float(np.percentile(positive, 5))))
        ax2.set_xlabel(f"time $t$ ({unit})")
        ax2.set_ylabel("mean occupation")
        legend(ax2, ncol=min(4, len(modes)), loc="best")
        status = ("stable" if ev.stable else f"unstable (growth {ev.max_re_eigenvalue:.3g} 1/s)") + ", " + (
            "noise physical" if ev.noise_physical else "noise unphysical")
        ax1.set_title((title or "Transient build-up of entanglement") + f"\n{status}")
        o = ev.model.options
        attrs = {"model": ev.model.label, "pair": ",".join(ev.pair)}
        if o is not None:
            attrs.update(units_reading=o.units, coupling=o.coupling, bath=o.bath)
        text = conventions_line(attrs)
        if params is not None:
            changed = changed_parameters({n: getattr(params, n) for n in params.names()})
            text += "\n" + (f"differs from the paper's defaults: {changed}" if changed
                            else "all parameters: the paper's defaults (Fig. 1(d))")
        if ev.n_trajectories and np.any(ev.occupations < 0):
            text += "\noccupations: ensemble estimates of near-vacuum modes scatter around 0; those below the axis " \
                    "(some negative) are sampling noise"
        add_footer(fig, text)
        return _save(fig, path)


def plot_master_convergence(results, steady, path: str | Path) -> Path:
    """Truncation convergence of the master-equation check: the relative difference to the Lyapunov covariance
    and the population of the top Fock level against the Hilbert-space dimension, one point per cutoff set."""
    with plt.style.context(STYLE):
        dims = [r.stats["hilbert_dim"] for r in results]
        fig, ax = plt.subplots(figsize=(5.6, 4.0))
        ax.semilogy(dims, [r.relative_difference for r in results], "o-",
                  label=r"$\|V_\mathrm{ME}-V_\mathrm{Lyap}\|_F\,/\,\|V_\mathrm{Lyap}\|_F$")
        ax.semilogy(dims, [max(r.top_level_population, 1e-16) for r in results], "s--", label="top Fock level population")
        for r, d in zip(results, dims):
            ax.annotate("(" + ", ".join(map(str, r.cutoffs)) + ")", (d, r.relative_difference), fontsize=8,
                        textcoords="offset points", xytext=(4, 4))
        ax.set_xlabel("Hilbert-space dimension")
        ax.set_title("Master equation against the Lyapunov steady state\n(labels: Fock cutoff of each mode)")
        legend(ax, loc="best")
        o = steady.options
        attrs = {"model": getattr(steady.model, "label", None) or (o.model if o else "user")}
        if o is not None:
            attrs.update(units_reading=o.units, coupling=o.coupling, bath=o.bath)
        pair = getattr(steady, "pair", None)
        if pair is not None:
            attrs["pair"] = ",".join(pair)
        text = conventions_line(attrs)
        last = results[-1] if results else None
        if last is not None and pair is not None and steady.E_N is not None and set(pair) <= set(last.modes):
            # E_N of the pair at the largest cutoffs against Lyapunov's
            text += (f" · E_N: master {last.log_negativity(tuple(pair)):.4g} "
                     f"(cutoffs {', '.join(map(str, last.cutoffs))}), Lyapunov {steady.E_N:.4g}")
        params = getattr(steady, "parameters", None)
        if params is not None and hasattr(params, "names"):
            changed = changed_parameters({n: getattr(params, n) for n in params.names()})
            text += "\n" + (f"differs from the paper's defaults: {changed}" if changed
                            else "all parameters: the paper's defaults (Fig. 1(d))")
        add_footer(fig, text)
        return _save(fig, path)


def new_panels(n: int):
    """A row of n panels for side-by-side models, in the project's style."""
    with plt.style.context(STYLE):
        fig, axes = plt.subplots(1, n, figsize=(4.4 * n, 3.8), squeeze=False)
    return fig, list(axes[0])
