"""Sweeps of any number of axes, several pairs and measures: one labelled dataset, resumable."""

import numpy as np
import pytest
import xarray as xr
from test_executor import Interrupt

from cascom_sim import ModelOptions, Parameters, steady_state
from cascom_sim.gaussian import measures as M
from cascom_sim.runs.executor import Execution, run_chunks
from cascom_sim.runs.sweep import Axis, normalize_pairs, run_sweep

TWO = ModelOptions(model="two-channel", coupling="standard")
AXES4 = [Axis("detuning", 0.6, 1.6, 4), Axis("dtheta_pi", 0.0, 1.0, 3), Axis("eta", 0.3, 0.9, 3),
         Axis("power", 5e-3, 20e-3, 2)]
PAIRS = "b1,b2 a1,b1 a2,b2"


def test_pairs_are_parsed_in_every_spelling():
    assert normalize_pairs(("b1", "b2")) == (("b1", "b2"),)
    assert normalize_pairs("b1,b2") == (("b1", "b2"),)
    assert normalize_pairs("b1,b2 a1,b1") == (("b1", "b2"), ("a1", "b1"))
    assert normalize_pairs(["b1,b2", ("a1", "b1")]) == (("b1", "b2"), ("a1", "b1"))


def test_four_axes_three_pairs_match_pointwise_steady_state():
    # strong coupling (SINGLE_CAVITY_ENTANGLED's mass and temperature) so that some pairs are entangled
    base = Parameters(mass=2e-17, temperature=0.01)
    ds = run_sweep(AXES4, base=base, options=TWO, pair=PAIRS, measures=("steering", "discord")).dataset
    assert ds["E_N"].dims == ("detuning", "dtheta_pi", "eta", "power", "pair")
    assert list(ds["pair"].values) == ["b1,b2", "a1,b1", "a2,b2"]
    assert ds["stable"].dims == ("detuning", "dtheta_pi", "eta", "power")
    assert float(ds["E_N"].max()) > 1e-3 and float(ds["discord_2"].max()) > 1e-3
    rng = np.random.default_rng(3)
    checked = 0
    for _ in range(12):
        i = tuple(int(rng.integers(a.num)) for a in AXES4)
        p = base.replace(**{a.name: a.values[k] for a, k in zip(AXES4, i)})
        s = steady_state(p, TWO)
        assert bool(ds["stable"][i]) == s.stable
        if not (s.stable and s.bona_fide):
            continue
        checked += 1
        for k, pair in enumerate(normalize_pairs(PAIRS)):
            V2 = s.covariance[np.ix_(*(2 * [sum(([2 * s.modes.index(m), 2 * s.modes.index(m) + 1]
                                                  for m in pair), [])]))]
            np.testing.assert_allclose(float(ds["E_N"][i + (k,)]), M.log_negativity(V2), rtol=1e-8, atol=1e-10)
            g12, g21 = M.steering(V2)
            np.testing.assert_allclose(float(ds["steering_12"][i + (k,)]), g12, rtol=1e-7, atol=1e-9)
            np.testing.assert_allclose(float(ds["steering_21"][i + (k,)]), g21, rtol=1e-7, atol=1e-9)
            np.testing.assert_allclose(float(ds["discord_2"][i + (k,)]), M.gaussian_discord(V2)[0],
                                       rtol=1e-6, atol=1e-9)
    assert checked >= 3


def test_numpy_and_compiled_engines_agree_on_measures():
    axes = AXES4[:2]
    kw = dict(base=Parameters(eta=0.6), options=TWO, pair=PAIRS, measures=tuple(M.MEASURES))
    a = run_sweep(axes, engine="numpy", **kw).dataset
    b = run_sweep(axes, engine="compiled", threads=1, **kw).dataset
    for name in M.measure_outputs(M.MEASURES):
        np.testing.assert_allclose(a[name].values, b[name].values, rtol=1e-7, atol=1e-9, equal_nan=True)


def test_four_axis_sweep_resumes_and_loads_in_xarray(tmp_path):
    """The issue's done-when at test size: 4 axes × 3 pairs, interrupted, resumed, saved, loaded."""
    kw = dict(base=Parameters(), options=TWO, pair=PAIRS, measures=("steering",), chunk=12)
    ref = run_sweep(AXES4, **kw).dataset
    ck = Execution(checkpoint=tmp_path / "ck")
    with pytest.raises(KeyboardInterrupt):
        run_sweep(AXES4, execution=ck, progress=Interrupt(2), **kw)
    res = run_sweep(AXES4, execution=ck, **kw)
    assert run_chunks.last_stats["loaded"] == 2 and run_chunks.last_stats["computed"] == 4
    path = res.save(tmp_path / "nd.nc")
    back = xr.load_dataset(path)
    assert back["E_N"].shape == (4, 3, 3, 2, 3)
    for k in ("E_N", "E_N_formal", "steering_12", "stable"):
        np.testing.assert_array_equal(back[k].values, ref[k].values)
    assert [str(v) for v in back["pair"].values] == ["b1,b2", "a1,b1", "a2,b2"]


def test_single_pair_keeps_the_two_axis_layout():
    ds = run_sweep(AXES4[:2], pair=("a1", "b1"), measures=("squeezing",)).dataset
    assert ds["E_N"].dims == ("detuning", "dtheta_pi") and "pair" not in ds.dims
    assert ds["squeezing_1"].attrs["units"] == "dB"
