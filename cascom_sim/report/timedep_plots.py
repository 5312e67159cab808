"""Figures of driven evolutions and periodic steady states: E_N(t) above, the drive beneath it."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .plotting import STYLE, _save, _time_unit, add_footer, changed_parameters, conventions_line, legend, plt


def _footer(fig, options, pair, params, extra=""):
    attrs = {"pair": ",".join(pair)}
    if options is not None:
        attrs.update(model=options.model, units_reading=options.units, coupling=options.coupling, bath=options.bath)
    text = conventions_line(attrs)
    if params is not None:
        changed = changed_parameters(params.as_dict())
        if changed:
            text += "\ndiffers from the paper's defaults: " + changed
    if extra:
        text += "\n" + extra
    add_footer(fig, text)


def plot_driven(ev, path: str | Path, options=None, params=None, title: str | None = None) -> Path:
    """E_N(t) (with its ensemble interval, the Lyapunov value at the final drift and the interpolated birth,
    maximum and settling time) above; the pumps' power envelopes P_j(t)/P and the cavity photon numbers
    relative to their steady values beneath."""
    with plt.style.context(STYLE):
        scale, unit = _time_unit(float(ev.times[-1]))
        t = ev.times * scale
        fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(6.0, 5.4), sharex=True, height_ratios=(3, 2))
        ax1.plot(t, ev.E_N, color="C0", label=rf"$E_N$ ({ev.method})")
        if ev.E_N_ci is not None:
            ax1.fill_between(t, np.clip(ev.E_N_ci[:, 0], 0, None), ev.E_N_ci[:, 1], color="C0", alpha=0.25, lw=0,
                             label=f"95 % interval, {ev.n_trajectories} trajectories")
        if ev.final_lyapunov_E_N is not None:
            ax1.axhline(ev.final_lyapunov_E_N, color="k", ls="--", lw=1,
                        label=f"Lyapunov at the final drift: {ev.final_lyapunov_E_N:.4g}")
        m = ev.metrics
        if m is not None:
            if m.birth_time.value is not None:
                ax1.axvline(m.birth_time.value * scale, color="C2", lw=1, ls=":",
                            label=f"birth {m.birth_time.value * scale:.3g} {unit}")
            # a maximum worth marking is an overshoot above the final value, not the top of a plateau
            final = float(ev.E_N[-1]) if np.isfinite(ev.E_N[-1]) else -np.inf
            if m.max_E_N.value is not None and m.time_of_max.value is not None \
                    and m.max_E_N.value > final + m.tolerance:
                ax1.plot([m.time_of_max.value * scale], [m.max_E_N.value], "v", color="C3", ms=6,
                         label=f"max {m.max_E_N.value:.4g}")
            if m.settling_time.value is not None:
                ax1.axvline(m.settling_time.value * scale, color="C4", lw=1, ls="-.",
                            label=f"settled (±{m.tolerance:g}) {m.settling_time.value * scale:.3g} {unit}")
        ax1.set_ylabel(rf"$E_N$({ev.pair[0]}, {ev.pair[1]})")
        legend(ax1, loc="best")
        if ev.power is not None:
            for j in range(ev.power.shape[1]):
                ax2.plot(t, ev.power[:, j], color=f"C{j}", label=f"pump {j + 1}: $P_{j + 1}(t)/P$")
        if ev.alpha is not None and ev.detuning is not None:
            n = np.abs(ev.alpha) ** 2
            ref = np.max(n[-max(2, n.shape[0] // 10):], axis=0)
            for j in range(n.shape[1]):
                if ref[j] > 0:
                    ax2.plot(t, n[:, j] / ref[j], color=f"C{j}", ls="--", lw=1,
                             label=rf"cavity {j + 1}: $|\alpha_{j + 1}|^2$ / late max")
        ax2.set_xlabel(f"time $t$ ({unit})")
        ax2.set_ylabel("drive and photon number")
        legend(ax2, loc="best", ncol=2)
        note = "" if m is None or m.resolved else " — output grid coarser than the fastest time scale"
        ax1.set_title((title or "Entanglement under a time-dependent drive") + note)
        _footer(fig, options, ev.pair, params, f"solve_ivp rtol {ev.rtol:g}" if ev.rtol else "")
        return _save(fig, path)


def plot_floquet(fl, path: str | Path, system=None, options=None, params=None, title: str | None = None) -> Path:
    """Periodic steady state over one period: E_N(t) against the unmodulated value above, the drive beneath."""
    with plt.style.context(STYLE):
        scale, unit = _time_unit(float(fl.times[-1]))
        t = fl.times * scale
        fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(6.0, 5.0), sharex=True, height_ratios=(3, 2))
        if fl.E_N is not None:
            ax1.plot(t, fl.E_N, color="C0", label=f"periodic state: mean {fl.E_N_mean:.4g}, max {fl.E_N_max:.4g}")
        if fl.unmodulated_E_N is not None:
            ax1.axhline(fl.unmodulated_E_N, color="k", ls="--", lw=1, label=f"unmodulated: {fl.unmodulated_E_N:.4g}")
        ax1.set_ylabel(rf"$E_N$({fl.pair[0]}, {fl.pair[1]})" if fl.pair else "")
        legend(ax1, loc="best")
        if system is not None:
            drive = system.drive
            n_p = getattr(system, "n_pumps", 0)
            for j in range(n_p):
                ax2.plot(t, drive.power_factors(fl.times, n_p)[:, j], color=f"C{j}", label=f"pump {j + 1}: $P(t)/P$")
            for k, mod in enumerate(drive.modulations):
                ax2.plot(t, 1 + mod(fl.times), color=f"C{k + 3}", ls="--", label=f"1 + {mod.name} modulation")
        ax2.set_xlabel(f"time within one period $t$ ({unit})")
        ax2.set_ylabel("drive")
        legend(ax2, loc="best")
        status = "stable" if fl.stable else "unstable"
        ax1.set_title((title or "Periodic steady state") + f"\n{status}, max |Floquet multiplier| "
                      f"{fl.max_multiplier:.4g}, period {fl.period * scale:.4g} {unit}")
        _footer(fig, options, fl.pair or ("", ""), params)
        return _save(fig, path)
