"""Figures: print resolution, units scaled for reading, footers that list what differs from the defaults."""

import numpy as np
from PIL import Image

import cascom_sim as cs
from cascom_sim.report.plotting import axis_label, axis_values, changed_parameters, footer_text, plot_sweep
from cascom_sim.runs.sweep import Axis, run_sweep


def test_sweep_figure_is_200_dpi_and_draws_the_growth_rate_where_everything_is_unstable(tmp_path):
    res = run_sweep([Axis("detuning", 0.5, 2.5, 6), Axis("omega_m", 80e6, 110e6, 5)],
                    base=cs.Parameters(dtheta_pi=0.2, power=20e-3))
    assert not res.dataset["stable"].values.any()  # the paper's model at φ = 0.8π
    path = plot_sweep(res.dataset, tmp_path / "s.png")
    dpi = Image.open(path).info["dpi"]
    np.testing.assert_allclose(dpi, (200, 200), atol=0.5)
    # 1-D too
    res1 = run_sweep([Axis("power", 5e-3, 25e-3, 4)], base=cs.Parameters(eta=0.0, phi_pi=0.5))
    assert Image.open(plot_sweep(res1.dataset, tmp_path / "l.png")).size[0] > 1000


def test_axes_are_scaled_for_reading():
    res = run_sweep([Axis("omega_m", 80e6, 110e6, 3), Axis("power", 5e-3, 25e-3, 2)])
    np.testing.assert_allclose(axis_values(res.dataset, "omega_m"), [80, 95, 110])
    np.testing.assert_allclose(axis_values(res.dataset, "power"), [5, 25])
    assert "MHz" in axis_label("omega_m") and "mW" in axis_label("power") and "mK" in axis_label("temperature")


def test_footer_lists_exactly_the_parameters_that_differ_from_the_defaults():
    res = run_sweep([Axis("detuning", 1.0, 2.0, 2)], base=cs.Parameters(power=20e-3, dtheta_pi=0.25, eta=0.5),
                    options=cs.ModelOptions(units="literal"))
    text = footer_text(dict(res.dataset.attrs), swept=("detuning",))
    assert "units literal" in text and "model paper" in text
    assert "P = 20 mW" in text and "η = 0.5" in text
    assert "m = 2 fg" in changed_parameters({"mass": 2e-18}) and "T = 22 µK" in changed_parameters({"temperature": 22e-6})
    assert "Δθ" not in text and "Δ/ωₘ" not in text  # Δθ = 0.25π is the default; detuning is swept
    # plain-text footers write subscripts as characters, not as TeX's "_m"
    assert changed_parameters({"detuning": 1.0, "omega_m": 1e6, "gamma_m": 1e3}) == "Δ/ωₘ = 1, ωₘ/2π = 1 MHz, γₘ/2π = 1 kHz"
    assert "all other parameters" in footer_text(dict(run_sweep([Axis("eta", 0, 1, 2)]).dataset.attrs), ("eta",))


def test_coincident_curves_are_restyled_so_each_shows():
    """Fig. 2(a)/4: curves on top of each other hid all but the last; now each later one is dashed with hollow
    markers, and a curve equal everywhere says which one it equals."""
    import matplotlib.pyplot as plt

    from cascom_sim.report.plotting import mark_coincident

    x = np.linspace(0, 1, 50)
    fig, ax = plt.subplots()
    a, = ax.plot(x, np.full_like(x, 0.618), label="A")
    b, = ax.plot(x, np.full_like(x, 0.618) + 1e-6, label="B")  # equal to A within rounding
    c, = ax.plot(x, np.where(x > 0.3, 0.618, 2.0 - x), label="C")  # on A over 70 % of the samples
    d, = ax.plot(x, 0.1 + x, label="D")  # distinct
    assert mark_coincident(ax) == 2
    assert a.get_linestyle() == "-" and d.get_linestyle() == "-" and d.get_marker() in ("None", None, "")
    assert b.get_linestyle() != "-" and c.get_linestyle() != "-"
    assert b.get_marker() != c.get_marker() and b.get_zorder() > a.get_zorder()
    assert b.get_label() == "B, same as A" and c.get_label() == "C" and d.get_label() == "D"
    plt.close(fig)


def test_sweep_without_entanglement_plots_the_distance_to_it(tmp_path):
    """A plane where E_N = 0 everywhere, swept with --measure pt_nu: the plot shows ν̃₋ (how far from
    entanglement) instead of a flat E_N map."""
    import matplotlib.pyplot as plt

    from cascom_sim.models.network import load_network
    from cascom_sim.report import plotting
    from cascom_sim.runs.sweep import Axis, run_sweep

    net, _ = load_network("examples/chain3.toml")
    ds = run_sweep([Axis("node2.detuning", 0.5, 1.5, 4), Axis("link1.phi_pi", 0.0, 2.0, 3)], network=net,
                   pair="b1,b2", measures=("pt_nu",)).dataset
    assert float(np.nanmax(ds["E_N"].values)) == 0.0 and float(np.nanmin(ds["pt_nu"].values)) > 1.0
    fig, ax = plt.subplots()
    plotting.density_panel(ax, ds, colorbar=False)
    shown = np.asarray(ax.collections[0].get_array(), float)
    plt.close(fig)
    # the map drawn is ν̃₋ itself (E_N would be all zeros)
    np.testing.assert_allclose(np.sort(shown.ravel()), np.sort(ds["pt_nu"].values.ravel()), rtol=1e-12)
    path = plotting.plot_sweep(ds, tmp_path / "nu.png")
    assert path.exists() and path.stat().st_size > 10_000


def test_evolution_figure_keeps_coinciding_occupations_visible(tmp_path, monkeypatch):
    """At η = 0 the two nodes are identical (n_a1 = n_a2, n_b1 = n_b2): drawn with one line style, the second
    curve of each pair hid the first and the legend named four curves where two could be seen."""
    import matplotlib.figure

    from cascom_sim.presets import SINGLE_CAVITY_ENTANGLED as CASE
    from cascom_sim.report.plotting import plot_evolution
    from cascom_sim.solvers.dynamics import evolve_covariance, initial_covariance

    ev = evolve_covariance(cs.build_model(CASE), np.linspace(0, 2e-7, 21), initial_covariance(CASE), pair=("a1", "b1"))
    np.testing.assert_allclose(ev.occupations[:, 0], ev.occupations[:, 1], rtol=1e-9)
    saved = []
    real = matplotlib.figure.Figure.savefig
    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", lambda fig, *a, **k: (saved.append(fig), real(fig, *a, **k)))
    plot_evolution(ev, tmp_path / "e.png", params=CASE)
    lines = [ln for ln in saved[0].axes[1].get_lines() if ln.get_label().startswith("$n$")]
    # each mode differs from the one before it (the identical partner) in dash pattern and width
    assert all((a.get_linestyle(), a.get_linewidth()) != (b.get_linestyle(), b.get_linewidth())
               for a, b in zip(lines, lines[1:]))
