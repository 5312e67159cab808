"""Saved NetCDF files follow the CF conventions (CF-1.10): checked with cf-units (UDUNITS) and cf-xarray."""

import inspect
import re

import numpy as np
import pytest
import xarray as xr

import cascom_sim as cs
from cascom_sim.runs.sweep import Axis, run_sweep

cf_units = pytest.importorskip("cf_units")
cf_xarray = pytest.importorskip("cf_xarray")


@pytest.fixture(scope="module")
def sweep_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("cf") / "plane.nc"
    kwargs = {}
    if "measures" in inspect.signature(run_sweep).parameters:  # every measure, so their units are checked too
        from cascom_sim.gaussian.measures import MEASURES

        kwargs["measures"] = tuple(MEASURES)
    res = run_sweep([Axis("phi_pi", 0.4, 0.8, 5), Axis("power", 5e-3, 25e-3, 3)],
                    base=cs.Parameters(eta=0.5), options=cs.ModelOptions(units="literal"), **kwargs)
    res.save(path)
    return res, path


def test_sweep_file_round_trips_with_the_same_data(sweep_file):
    res, path = sweep_file
    back = xr.open_dataset(path)
    for name in res.dataset.data_vars:
        np.testing.assert_array_equal(back[name].values, res.dataset[name].values)
    np.testing.assert_array_equal(back["power"].values, res.dataset["power"].values)


def test_every_variable_has_a_long_name_and_udunits_units_or_is_a_flag(sweep_file):
    back = xr.open_dataset(sweep_file[1])
    for name, var in back.variables.items():
        assert var.attrs.get("long_name"), name
        if "flag_values" in var.attrs:
            assert "units" not in var.attrs, name
            meanings = var.attrs["flag_meanings"].split()
            assert len(meanings) == len(np.atleast_1d(var.attrs["flag_values"])), name
            assert all(re.fullmatch(r"[A-Za-z0-9_]+", m) for m in meanings), name
        else:
            cf_units.Unit(var.attrs["units"])  # raises if UDUNITS cannot parse it
    assert cf_units.Unit(back["max_re_eigenvalue"].attrs["units"]).is_convertible(cf_units.Unit("Hz"))
    assert cf_units.Unit(back["phi_pi"].attrs["units"]).is_convertible(cf_units.Unit("rad"))
    np.testing.assert_allclose(cf_units.Unit(back["power"].attrs["units"]).convert(1.0, "mW"), 1e3)


def test_global_attributes_name_conventions_source_and_history(sweep_file):
    back = xr.open_dataset(sweep_file[1])
    assert back.attrs["Conventions"] == "CF-1.10"
    assert back.attrs["source"] == f"cascom_sim {cs.__version__}"
    last = back.attrs["history"].splitlines()[-1]
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ: .+ \(cascom_sim " + re.escape(cs.__version__) + r"\)$", last)
    assert "Liu" in back.attrs["references"]


def test_cf_xarray_reads_the_flags(sweep_file):
    res, path = sweep_file
    back = xr.open_dataset(path)
    bona = back["bona_fide"]
    np.testing.assert_array_equal((bona.cf == "no_steady_state").values, res.dataset["bona_fide"].values == -1)
    np.testing.assert_array_equal((back["stable"].cf == "stable").values, res.dataset["stable"].values == 1)


def test_cli_history_records_the_command(tmp_path, capsys):
    from cascom_sim.cli import main

    out = tmp_path / "s.nc"
    assert main(["sweep", "--x", "detuning=1:2:3", "--out", str(out)]) == 0
    capsys.readouterr()
    hist = xr.open_dataset(out).attrs["history"]
    assert "detuning=1:2:3" in hist and cs.__version__ in hist


def test_evolution_file_is_cf_too(tmp_path, capsys):
    from cascom_sim.cli import main

    out = tmp_path / "e.nc"
    assert main(["evolve", "--set", "eta=0", "--set", "detuning=1", "--set", "mass=2e-17", "--set", "power=0.2",
                 "--pair", "a1,b1", "--t-end", "1e-7", "--points", "11", "--out", str(out)]) == 0
    capsys.readouterr()
    back = xr.open_dataset(out)
    assert back.attrs["Conventions"] == "CF-1.10" and "cascom evolve" in back.attrs["history"]
    for name, var in back.variables.items():
        assert var.attrs.get("long_name"), name
        if var.dtype.kind == "O":
            assert var.attrs["long_name"] != name, name
        if var.dtype.kind == "f":
            cf_units.Unit(var.attrs["units"])
    assert cf_units.Unit(back["time"].attrs["units"]).is_convertible(cf_units.Unit("ms"))


def test_in_memory_and_saved_attributes_come_from_one_table(sweep_file):
    """The sweep's in-memory units/description and the saved CF attributes are views of storage.VARIABLES."""
    from cascom_sim.runs.storage import CF_FLAGS, CF_VARIABLES, VARIABLES, udunits

    res, path = sweep_file
    back = xr.open_dataset(path)
    own = [n for n in res.dataset.data_vars if n in VARIABLES]
    assert {"E_N", "E_N_formal", "stable", "bona_fide", "noise_physical", "max_re_eigenvalue"} <= set(own)
    for name in own:
        v, mem, saved = VARIABLES[name], res.dataset[name].attrs, back[name].attrs
        assert mem["units"] == v.unit and mem["description"].startswith(v.long_name), name
        assert saved["long_name"] == v.long_name and saved.get("comment", "") == v.comment, name
        if v.flag_values:
            assert CF_FLAGS[name] == (v.long_name, v.flag_values, v.flag_meanings)
            np.testing.assert_array_equal(saved["flag_values"], v.flag_values)
        else:
            assert CF_VARIABLES[name] == (v.long_name, udunits(v.unit)) and saved["units"] == udunits(v.unit)
    assert res.dataset["bona_fide"].attrs["description"].startswith(
        "physicality of the covariance matrix, V + i Omega/2 >= 0 (-1: no_steady_state, 0: not_bona_fide, 1: bona_fide)")
