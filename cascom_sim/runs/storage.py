"""Atomic writes of result files (a crash never leaves a half-written file under the final name), and the
CF metadata (CF-1.10) every saved NetCDF file carries.

Every variable and coordinate gets a ``long_name`` and ``units`` that UDUNITS parses ("Hz", "W", "s-1",
"pi rad", "1"); 0/1 and −1/0/1 variables become flag variables (``flag_values``, ``flag_meanings``, no
units); the file gets ``Conventions = "CF-1.10"``, ``source`` (package and version), ``references`` and a
``history`` line with the date, the command and the version.  Only attributes change: data and names stay.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime
import os
import shlex
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np


def atomic_write(path: str | Path, write) -> Path:
    """Call ``write(tmp_path)`` then rename the temporary file onto ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix="." + path.name + ".", suffix=".tmp")
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return path


def check_output_path(path: str | Path, option: str = "out", suffixes: tuple[str, ...] = ()) -> Path:
    """Refuse, before any computation, an output path the final write would fail on.

    The path must not be a directory or another non-regular file, an existing file must be writable,
    and its nearest existing parent must be a writable directory (missing folders are created on
    writing).  ``suffixes`` (lower case, with the dot) restricts the extension.

    Raises
    ------
    ParameterError
        Naming ``option`` and what is wrong.
    """
    from ..errors import ParameterError

    text = str(path)
    try:
        p = Path(text)
        if not text.strip() or text.endswith(("/", os.sep)):
            raise ParameterError(option, text, "a file name")
        if p.is_dir():
            raise ParameterError(option, text, "a file path, not a directory")
        if p.exists() and not p.is_file():
            raise ParameterError(option, text, "a regular file")
        if p.exists() and not os.access(p, os.W_OK):
            raise ParameterError(option, text, "a writable file")
        parent = p.absolute().parent
        while not parent.exists() and parent != parent.parent:
            parent = parent.parent
        if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
            raise ParameterError(option, text, f"a path in a writable directory ({parent} is not one)")
        try:  # os.access trusts permission bits; some file systems (e.g. /proc, even as root) refuse anyway
            fd, probe = tempfile.mkstemp(dir=parent, prefix=".cascom-probe-")
        except OSError as exc:
            raise ParameterError(option, text, f"a path in a writable directory ({parent}: {exc.strerror})") from None
        os.close(fd)
        os.unlink(probe)
        if len(p.name.encode()) > 255 - 32:  # room for the temporary file's prefix and suffix
            raise ParameterError(option, text, "a file name shorter than 220 bytes")
    except (OSError, ValueError) as exc:
        if isinstance(exc, ParameterError):
            raise
        raise ParameterError(option, text, f"a usable file path ({exc})") from None
    if suffixes and p.suffix.lower() not in suffixes:
        raise ParameterError(option, text, "a file ending in " + " or ".join(suffixes))
    return p


@dataclass(frozen=True)
class Variable:
    """What one variable the package writes is: the one description behind both the attributes of an
    in-memory dataset (``units`` in the package's spelling, ``description``) and the CF attributes of a
    saved file (``long_name``, UDUNITS ``units`` or ``flag_values``/``flag_meanings``, ``comment``).

    Attributes
    ----------
    long_name : str
        What the variable is (CF ``long_name``).
    unit : str
        Units as the package states them ("1", "1/s", "s"); ``"bool"`` or ``"flag"`` for flag variables.
    comment : str
        Where it is defined and where it is NaN ("" if nothing to add).
    flag_values, flag_meanings : tuple of int, str
        For flag variables (CF section 3.5), else empty.
    """

    long_name: str
    unit: str = "1"
    comment: str = ""
    flag_values: tuple = ()
    flag_meanings: str = ""

    @property
    def description(self) -> str:
        """One line for in-memory datasets: long_name, the flag meanings and the comment."""
        text = self.long_name
        if self.flag_values:
            text += " (" + ", ".join(f"{v}: {m}" for v, m in zip(self.flag_values, self.flag_meanings.split())) + ")"
        return text + (f"; {self.comment}" if self.comment else "")


_STABILITY = {"flag_values": (0, 1), "flag_meanings": "unstable stable", "unit": "bool"}

#: Every variable the package writes, by name: the one source of the sweep's in-memory attributes and of the
#: CF attributes of saved files (:data:`CF_VARIABLES` and :data:`CF_FLAGS` are views of it).
VARIABLES = {
    "E_N": Variable("logarithmic negativity of the mode pair", "1",
                    "Eqs. 30-32 of the paper; NaN where unstable, not bona fide or not determined"),
    "E_N_formal": Variable("logarithmic negativity computed from V even where V is not bona fide", "1",
                           "NaN where unstable"),
    "E_N_ci_low": Variable("lower end of the 95 % interval of the logarithmic negativity"),
    "E_N_ci_high": Variable("upper end of the 95 % interval of the logarithmic negativity"),
    "max_re_eigenvalue": Variable("largest real part of the eigenvalues of the drift matrix (growth rate if positive)",
                                  "1/s"),
    "photon_number_1": Variable("mean intracavity photon number of cavity 1", "1", "|alpha_1|^2"),
    "photon_number_2": Variable("mean intracavity photon number of cavity 2", "1", "|alpha_2|^2"),
    "covariance": Variable("covariance matrix of the quadratures (vacuum variance 1/2)"),
    "occupation": Variable("mean occupation of each mode"),
    "time": Variable("time", "s"),
    "stable": Variable("stability: both the eigenvalue and the Routh-Hurwitz criteria", **_STABILITY),
    "stable_eigenvalues": Variable("stability by the eigenvalues of the drift matrix", comment="max Re(eig A) < 0",
                                   **_STABILITY),
    "stable_routh_hurwitz": Variable("stability by the Routh-Hurwitz criterion",
                                     comment="the Routh table's first column is positive", **_STABILITY),
    "noise_physical": Variable("physicality of the noise, D + (i/2)(A Omega + Omega A^T) >= 0", "bool",
                               flag_values=(0, 1), flag_meanings="unphysical physical"),
    "network_built": Variable("whether the network could be built at this point", "bool",
                              "0 where its parameters are invalid there (e.g. kappa fractions summing above 1): "
                              "every other variable is then 0, -1 or NaN", flag_values=(0, 1),
                              flag_meanings="not_built built"),
    "bona_fide": Variable("physicality of the covariance matrix, V + i Omega/2 >= 0", "flag",
                          flag_values=(-1, 0, 1), flag_meanings="no_steady_state not_bona_fide bona_fide"),
}

# parameters whose stored value is a ratio: the long_name names the quantity the units complete
_PARAMETER_NAMES = {
    "phi_pi": "fibre phase φ",
    "dtheta_pi": "pump phase difference Δθ = θ1 − θ2 (θ2 = 0)",
    "detuning": "effective detuning Δ in units of the mechanical angular frequency ω_m",
}

#: long_name of label coordinates (strings, no units).
CF_LABELS = {
    "row": "quadrature labelling the rows of the covariance matrix",
    "col": "quadrature labelling the columns of the covariance matrix",
    "mode": "mode name",
    "quadrature": "quadrature name",
}

# parameter units as the package states them -> UDUNITS strings
_UDUNITS = {"π rad": "pi rad", "ω_m": "1", "bool": "1", "flag": "1", "1/s": "s-1", "rad/s": "rad s-1", "": "1"}
_REFERENCE = ("J.-X. Liu, J.-Y. Yang, T.-X. Lu, Y.-F. Jiao and H. Jing, Phys. Rev. A 109, 023519 (2024), "
              "doi:10.1103/PhysRevA.109.023519")


def udunits(unit: str) -> str:
    """The UDUNITS spelling of a unit as the package states it ("π rad" → "pi rad", "1/s" → "s-1")."""
    return _UDUNITS.get(unit, unit)


#: long_name, UDUNITS units of the variables that are not flags (a view of :data:`VARIABLES`).
CF_VARIABLES = {name: (v.long_name, udunits(v.unit)) for name, v in VARIABLES.items() if not v.flag_values}

#: flag variables: long_name, flag_values, flag_meanings (CF section 3.5; a view of :data:`VARIABLES`).
CF_FLAGS = {name: (v.long_name, v.flag_values, v.flag_meanings) for name, v in VARIABLES.items() if v.flag_values}


_COMMAND: contextvars.ContextVar[str | None] = contextvars.ContextVar("cascom_command", default=None)


@contextlib.contextmanager
def recorded_command(command: str):
    """Within this block, files written record ``command`` in their ``history`` (the CLI sets it)."""
    token = _COMMAND.set(command)
    try:
        yield
    finally:
        _COMMAND.reset(token)


def history_line(command: str | None = None) -> str:
    """'2026-11-25T21:40:00Z: cascom sweep ... (cascom_sim 0.2.0)': date, command and version.

    The command is, in order: ``command``, the one set by :func:`recorded_command`, this process's argv."""
    from .._version import __version__

    command = command or _COMMAND.get()
    if command is None:
        argv = list(sys.argv)
        argv[0] = "cascom" if argv and Path(argv[0]).name in ("cascom", "__main__.py") else Path(argv[0] or "python").name
        command = shlex.join(argv)
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"{now}: {command} (cascom_sim {__version__})"


def cf_variable_attributes(name: str, attrs: dict, dtype) -> dict:
    """The CF-1.10 attributes of the variable ``name`` (see the module docstring), from its in-memory
    attributes (``units`` in the package's spelling, ``description``) and its ``dtype``.

    The one rule behind both :func:`cf_dataset` (xarray datasets) and :func:`write_netcdf` (plain arrays)."""
    from ..parameters import SPECS

    dtype = np.dtype(dtype)
    attrs = dict(attrs)
    description = attrs.pop("description", None)
    if name in VARIABLES:
        description = VARIABLES[name].comment or None  # the table says the rest in CF's own attributes
    if name in CF_FLAGS:
        long_name, values, meanings = CF_FLAGS[name]
        attrs.pop("units", None)
        attrs.update(long_name=long_name, flag_values=np.array(values, dtype=dtype), flag_meanings=meanings)
    elif name in CF_VARIABLES:
        attrs["long_name"], attrs["units"] = CF_VARIABLES[name]
    elif name in CF_LABELS and dtype.kind in "OUS":
        attrs["long_name"] = CF_LABELS[name]
    elif name in SPECS:
        attrs["long_name"] = _PARAMETER_NAMES.get(name, SPECS[name].description)
        attrs["units"] = udunits(SPECS[name].unit)
    else:
        attrs.setdefault("long_name", description or name.replace("_", " "))
        if attrs.get("units") == "dB":  # UDUNITS has no logarithmic units: a ratio, named in the long_name
            attrs["units"] = "1"
            attrs["long_name"] += " (in decibels)"
        elif dtype.kind in "fiu" and "units" in attrs:
            attrs["units"] = udunits(str(attrs["units"]))
    if description and description != attrs.get("long_name"):
        attrs["comment"] = description
    return attrs


def cf_global_attributes(attrs: dict, command: str | None = None) -> dict:
    """The CF-1.10 global attributes of a file whose dataset has the attributes ``attrs``: ``Conventions``,
    ``source``, ``references``, a ``history`` line appended (:func:`history_line`), parameter units as
    UDUNITS strings."""
    from .._version import __version__

    g = dict(attrs)
    for key in list(g):  # parameter units as UDUNITS strings too
        if key.startswith("param_") and key.endswith("_units"):
            g[key] = udunits(str(g[key]))
    if "conventions" in g:  # the package's own conventions; "Conventions" is CF's attribute
        g["quadrature_conventions"] = g.pop("conventions")
    g["Conventions"] = "CF-1.10"
    g.setdefault("title", "cascom_sim result")
    g["source"] = f"cascom_sim {__version__}"
    g.setdefault("references", _REFERENCE)
    previous = g.get("history", "")
    g["history"] = (previous + "\n" if previous else "") + history_line(command)
    return g


def cf_dataset(ds, command: str | None = None):
    """A copy of ``ds`` with CF-1.10 attributes (see the module docstring); the data are unchanged."""
    ds = ds.copy()
    for name, var in ds.variables.items():
        var.attrs = cf_variable_attributes(name, var.attrs, var.dtype)
    ds.attrs = cf_global_attributes(ds.attrs, command)
    return ds


def save_dataset(ds, path: str | Path, command: str | None = None) -> Path:
    """Write an xarray Dataset as NetCDF (scipy engine, no extra dependency), atomically, with CF-1.10
    attributes (:func:`cf_dataset`); ``command`` goes into ``history`` (default: this process's command line)."""
    ds = cf_dataset(ds, command)
    with _without_distributed():
        return atomic_write(path, lambda tmp: ds.to_netcdf(tmp, engine="scipy"))


@dataclass(frozen=True)
class DatasetParts:
    """A dataset as plain NumPy arrays, without xarray: the variables (``name -> (dims, values, attrs)``, data
    variables and coordinates each in order) and the global attributes.

    :meth:`to_xarray` makes the :class:`xarray.Dataset`; :meth:`save` writes the NetCDF file that
    :func:`save_dataset` writes of that dataset, without importing xarray (~0.5 s of a command's start-up).
    """

    data_vars: dict
    coords: dict
    attrs: dict

    def to_xarray(self):
        """The :class:`xarray.Dataset` holding these variables (the arrays are shared, not copied)."""
        import xarray as xr

        return xr.Dataset(data_vars=self.data_vars, coords=self.coords, attrs=self.attrs)

    def save(self, path: str | Path, command: str | None = None) -> Path:
        """:func:`write_netcdf` of these variables: the file ``save_dataset(self.to_xarray(), path)`` writes."""
        return write_netcdf(path, {**self.data_vars, **self.coords}, self.attrs, command)


def write_netcdf(path: str | Path, variables: dict, attrs: dict, command: str | None = None) -> Path:
    """Write plain arrays as the NetCDF-3 file :func:`save_dataset` writes of the equivalent dataset, atomically.

    Written through :class:`scipy.io.netcdf_file` (64-bit offset format) with the encoding xarray's scipy
    engine applies: CF-1.10 attributes (:func:`cf_variable_attributes`, :func:`cf_global_attributes`),
    ``_FillValue`` NaN on floating-point variables, strings as UTF-8 character arrays along a ``stringN``
    dimension with ``_Encoding``, 64-bit integers stored as 32-bit ones.

    Parameters
    ----------
    path : str or Path
    variables : dict
        ``name -> (dims, values, attrs)`` in file order (data variables, then coordinates); ``values`` are
        NumPy arrays of floats, integers or strings, ``attrs`` the in-memory attributes.
    attrs : dict
        The dataset's global attributes.
    command : str, optional
        Goes into ``history`` (default as :func:`history_line`).

    Raises
    ------
    TypeError
        For values of another kind (booleans, objects, dates): use :func:`save_dataset`.
    """
    encoded = {name: _nc3_variable(name, *var) for name, var in variables.items()}
    g = {key: _nc3_attribute(value) for key, value in cf_global_attributes(attrs, command).items()}

    def write(tmp):
        from scipy.io import netcdf_file

        with netcdf_file(tmp, "w", version=2) as f:
            for key, value in g.items():
                setattr(f, key, value)
            for dims, values, _ in encoded.values():  # dimensions in order of first use, as xarray does
                for dim, size in zip(dims, values.shape):
                    if dim not in f.dimensions:
                        f.createDimension(dim, size)
            for name, (dims, values, var_attrs) in encoded.items():
                var = f.createVariable(name, values.dtype, dims)
                for key, value in var_attrs.items():
                    setattr(var, key, value)
                var[...] = values

    return atomic_write(path, write)


# NetCDF-3 has no unsigned or 64-bit integers and no booleans: the types xarray stores them as (its netcdf3
# module; boolean *variables* are refused by _nc3_variable, xarray's CF encoder marks them with dtype='bool')
_NC3_INTEGERS = {"int64": "int32", "uint64": "int32", "uint32": "int32", "uint16": "int16", "uint8": "int8",
                 "bool": "int8"}


def _nc3_array(values: np.ndarray) -> np.ndarray:
    if values.dtype.name in _NC3_INTEGERS:
        cast = values.astype(_NC3_INTEGERS[values.dtype.name])
        if not np.array_equal(cast, values):
            raise ValueError(f"{values.dtype} values do not fit in {cast.dtype} (NetCDF-3)")
        return cast
    return values


def _nc3_attribute(value):
    """An attribute as xarray's scipy engine stores it: text as UTF-8 bytes, numbers as 1-d arrays."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    value = _nc3_array(np.atleast_1d(value))
    if value.ndim > 1:
        raise ValueError("NetCDF attributes must be one-dimensional")
    return value


def _nc3_variable(name: str, dims, values, attrs) -> tuple[tuple, np.ndarray, dict]:
    """(dims, values, attributes) of one variable as stored (see :func:`write_netcdf`)."""
    values = np.asarray(values)
    dims = (dims,) if isinstance(dims, str) else tuple(dims)
    attrs = cf_variable_attributes(name, attrs, values.dtype)
    if values.dtype.kind == "U":  # UTF-8 bytes, then one character per element along stringN
        attrs["_Encoding"] = "utf-8"
        values = np.array([s.encode("utf-8") for s in values.ravel()], dtype=bytes).reshape(values.shape)
        values = values.reshape(values.shape + (1,)).view("S1")
        dims += (f"string{values.shape[-1]}",)
    elif values.dtype.kind == "f":
        attrs["_FillValue"] = values.dtype.type(np.nan)
    elif values.dtype.kind not in "iu":
        raise TypeError(f"write_netcdf stores floats, integers and strings, not {values.dtype} ({name}); "
                        "use save_dataset")
    return dims, _nc3_array(values), {key: _nc3_attribute(value) for key, value in attrs.items()}


@contextlib.contextmanager
def _without_distributed():
    """Our datasets hold NumPy arrays, never Dask chunks.  To learn that, xarray's writer imports
    ``distributed`` (~0.5 s, a sixth of a 10⁶-point sweep) unless it is absent; while writing, it is
    marked absent (``None`` in ``sys.modules``, Python's documented way) unless a Dask cluster is in use."""
    names = ("distributed", "dask.distributed")
    if any(sys.modules.get(name) is not None for name in names):
        yield
        return
    for name in names:
        sys.modules[name] = None
    try:
        yield
    finally:
        for name in names:
            if name in sys.modules and sys.modules[name] is None:
                del sys.modules[name]


def parameter_attributes(params, exclude=()) -> dict:
    """``param_NAME`` and ``param_NAME_units`` attributes for every scalar parameter not in ``exclude``."""
    from ..parameters import SPECS

    attrs = {}
    for name in params.names():
        if name not in exclude:
            attrs[f"param_{name}"] = float(getattr(params, name))
            attrs[f"param_{name}_units"] = SPECS[name].unit
    return attrs
