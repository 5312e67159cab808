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
    assert "Δθ" not in text and "Δ/ω_m" not in text  # Δθ = 0.25π is the default; detuning is swept
    assert "all other parameters" in footer_text(dict(run_sweep([Axis("eta", 0, 1, 2)]).dataset.attrs), ("eta",))
