"""Sweeps are saved without xarray (storage.write_netcdf): the file is the one xarray's writer makes of the
same result (save_dataset of res.dataset), checked through xarray, through scipy's raw reader and byte for byte;
`cascom sweep` imports neither xarray nor pandas nor dask."""

import re
import subprocess
import sys

import numpy as np
import pytest
import xarray as xr
from scipy.io import netcdf_file

from cascom_sim import ModelOptions
from cascom_sim.gaussian.measures import MEASURES
from cascom_sim.models.network import Link, Network, Node
from cascom_sim.presets import SINGLE_CAVITY_ENTANGLED
from cascom_sim.runs import storage
from cascom_sim.runs.storage import save_dataset, write_netcdf
from cascom_sim.runs.sweep import Axis, run_sweep

BASE = SINGLE_CAVITY_ENTANGLED.replace(eta=0.8, phi_pi=0.3, dtheta_pi=0.0)  # stable and unstable points, E_N > 0
TWO = ModelOptions(model="two-channel")
NODE = BASE.replace(kappa_r_fraction=0.5, kappa_l_fraction=0.3)  # pump fractions above 0.2: not buildable
NETWORK = Network(nodes=(Node(params=NODE), Node(params=NODE)), links=(Link(eta=0.8, phi_pi=0.3),))

SWEEPS = {
    "1-axis": lambda: run_sweep([Axis("detuning", 0.5, 2.5, 7)], threads=1),
    "2-axis, steering": lambda: run_sweep([Axis("detuning", -1.2, 1.5, 6), Axis("phi_pi", 0.0, 2.0, 4)], base=BASE,
                                          options=TWO, measures=("steering",), threads=1),
    "pairs, every measure": lambda: run_sweep([Axis("detuning", -1.2, 1.5, 5), Axis("power", 0.05, 0.2, 3)],
                                              base=BASE, options=TWO, pair="b1,b2 a1,b1 a1,a2",
                                              measures=tuple(MEASURES), threads=1),
    "network, pairs": lambda: run_sweep([Axis("detuning", -1.2, 1.5, 5), Axis("link1.phi_pi", 0.0, 2.0, 3),
                                         Axis("node1.kappa_pump_fraction", 0.1, 0.9, 2)], network=NETWORK,
                                        pair="a1,b1 b1,b2", measures=("steering",), threads=1),
}


@pytest.fixture(scope="module", params=list(SWEEPS))
def both_files(request, tmp_path_factory):
    """One sweep's result written by xarray (save_dataset of res.dataset) and directly (res.save before
    res.dataset is used), the same command recorded."""
    res = SWEEPS[request.param]()
    folder = tmp_path_factory.mktemp("nc")
    direct = res.save(folder / "direct.nc")  # first: the result has not built its dataset yet
    assert "dataset" not in res.__dict__
    via_xarray = save_dataset(res.dataset, folder / "xarray.nc")
    return res, direct, via_xarray


def _without_timestamp(history: str) -> str:
    return re.sub(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ: ", "", history, flags=re.M)


def test_the_sweeps_have_what_the_comparison_is_about(both_files):
    """NaNs and numbers, flags of each value, string labels where there are several pairs."""
    res = both_files[0]
    en = res.arrays["E_N"]
    if len(res.axes) > 1:
        assert np.isnan(en).any() and np.isfinite(en).any() and 0 < res.arrays["stable"].mean() < 1
    if res.network is not None:
        assert 0 < res.arrays["network_built"].mean() < 1
    if not isinstance(res.pair[0], str):
        assert res.coords["pair"].dtype.kind == "U" and res.arrays["E_N"].shape[-1] == len(res.pair)


def test_xarray_reads_the_same_dataset_from_both_files(both_files):
    _, direct, via_xarray = both_files
    with xr.open_dataset(direct) as a, xr.open_dataset(via_xarray) as b:
        a.load()
        b.load()
    assert a.attrs["history"] != "" and _without_timestamp(a.attrs["history"]) == _without_timestamp(b.attrs["history"])
    a.attrs["history"] = b.attrs["history"]
    xr.testing.assert_identical(a, b)
    for name in a.variables:  # assert_identical does not compare encodings: fill values, dtypes on disk
        assert str(a[name].encoding.get("_FillValue")) == str(b[name].encoding.get("_FillValue")), name
        assert a[name].encoding.get("dtype") == b[name].encoding.get("dtype"), name


def _same_attribute(x, y) -> bool:
    if isinstance(x, np.ndarray) or isinstance(y, np.ndarray) or isinstance(x, np.generic):
        x, y = np.asarray(x), np.asarray(y)
        return x.dtype == y.dtype and x.shape == y.shape and np.array_equal(x, y, equal_nan=x.dtype.kind == "f")
    return type(x) is type(y) and x == y


def test_the_raw_files_hold_the_same_variables_dimensions_dtypes_and_attributes(both_files):
    """Read by scipy without any decoding: every variable's values (NaN included), dtype, dimensions and
    attributes in order, the dimensions in order, the global attributes (the timestamp of history aside)."""
    _, direct, via_xarray = both_files
    with netcdf_file(direct, "r", mmap=False) as a, netcdf_file(via_xarray, "r", mmap=False) as b:
        assert a.version_byte == b.version_byte == 2
        assert list(a.dimensions.items()) == list(b.dimensions.items())
        assert list(a.variables) == list(b.variables)
        for name, va in a.variables.items():
            vb = b.variables[name]
            assert va.data.dtype == vb.data.dtype and va.dimensions == vb.dimensions, name
            np.testing.assert_array_equal(va.data, vb.data, err_msg=name)
            assert list(va._attributes) == list(vb._attributes), name
            for key, value in va._attributes.items():
                assert _same_attribute(value, vb._attributes[key]), (name, key, value, vb._attributes[key])
        assert list(a._attributes) == list(b._attributes)
        for key, value in a._attributes.items():
            if key == "history":
                assert _without_timestamp(value.decode()) == _without_timestamp(b._attributes[key].decode())
            else:
                assert _same_attribute(value, b._attributes[key]), key


def test_the_files_are_byte_identical_when_written_in_the_same_second(both_files, tmp_path, monkeypatch):
    res = both_files[0]
    monkeypatch.setattr(storage, "history_line", lambda command=None: f"2026-01-01T00:00:00Z: {command}")
    direct = write_netcdf(tmp_path / "d.nc", {**res.parts.data_vars, **res.parts.coords}, res.attrs, "cascom x")
    via_xarray = save_dataset(res.dataset, tmp_path / "x.nc", "cascom x")
    assert direct.read_bytes() == via_xarray.read_bytes()


def test_the_dataset_is_built_once_and_what_is_changed_in_it_is_saved(tmp_path):
    res = run_sweep([Axis("detuning", 0.5, 2.5, 3)], threads=1)
    assert "SweepResult(axes=['detuning'], shape=(3,)" in repr(res)
    ds = res.dataset
    assert res.dataset is ds and ds["E_N"].values is res.arrays["E_N"]
    np.testing.assert_array_equal(ds["detuning"].values, res.coords["detuning"])
    ds.attrs["note"] = "changed after the sweep"
    with xr.open_dataset(res.save(tmp_path / "s.nc")) as back:
        assert back.attrs["note"] == "changed after the sweep"


def test_write_netcdf_refuses_what_it_does_not_encode_like_xarray(tmp_path):
    with pytest.raises(TypeError, match="save_dataset"):
        write_netcdf(tmp_path / "b.nc", {"flag": (("x",), np.array([True, False]), {})}, {})
    assert not (tmp_path / "b.nc").exists()


def test_cascom_sweep_and_the_api_import_neither_xarray_nor_pandas_nor_dask(tmp_path):
    """In a fresh process (with dask installed, as the test extra installs it): the command, then a sweep's
    repr and save through the API."""
    out, out2 = tmp_path / "s.nc", tmp_path / "api.nc"
    code = f"""
import sys
from cascom_sim.cli import main
assert main(["sweep", "--x", "detuning=0.5:2.5:5", "--out", {str(out)!r}, "--json"]) == 0
from cascom_sim.runs.sweep import Axis, run_sweep
res = run_sweep([Axis("detuning", 0.5, 2.5, 4)], pair="b1,b2 a1,b1")
repr(res); res.save({str(out2)!r})
print([m for m in ("xarray", "pandas", "dask") if m in sys.modules])
"""
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().splitlines()[-1] == "[]", r.stdout
    with xr.open_dataset(out) as ds:
        assert ds["E_N"].shape == (5,) and ds.attrs["Conventions"] == "CF-1.10"
        assert "cascom sweep --x detuning=0.5:2.5:5" in ds.attrs["history"]


def test_boolean_attributes_are_written_as_xarray_writes_them(tmp_path, monkeypatch):
    """A flag added to a result's attributes (``res.attrs['checked'] = True``) before ``res.save``: xarray's
    NetCDF-3 writer stores booleans as int8; the direct writer must too (scipy alone fails with a bare KeyError)."""
    monkeypatch.setattr(storage, "history_line", lambda command=None: f"2026-01-01T00:00:00Z: {command}")
    res = run_sweep([Axis("detuning", 0.5, 2.5, 3)], threads=1)
    res.attrs.update(checked=True, flags=[True, False], n_checked=np.int64(2))
    variables = {**res.parts.data_vars, **res.parts.coords}
    direct = write_netcdf(tmp_path / "d.nc", variables, res.attrs, "cascom x")
    via_xarray = save_dataset(res.dataset, tmp_path / "x.nc", "cascom x")
    assert direct.read_bytes() == via_xarray.read_bytes()
    with netcdf_file(direct, "r", mmap=False) as f:
        assert f._attributes["checked"] == 1 and f._attributes["checked"].dtype == np.int8


def test_attributes_set_after_the_dataset_was_built_are_saved(tmp_path):
    """``res.attrs`` edited after ``res.dataset`` was used (say, to plot): ``save`` then writes the dataset,
    whose attributes xarray copied when it was built, so the edit must land there, not be dropped silently."""
    res = run_sweep([Axis("detuning", 0.5, 2.5, 3)], threads=1)
    res.dataset  # noqa: B018 (built, as plotting it would)
    res.attrs["note"] = "set after plotting"
    with xr.open_dataset(res.save(tmp_path / "s.nc")) as back:
        assert back.attrs.get("note") == "set after plotting"
