"""Atomic writes of result files (a crash never leaves a half-written file under the final name)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


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


def save_dataset(ds, path: str | Path) -> Path:
    """Write an xarray Dataset as NetCDF (scipy engine, no extra dependency), atomically."""
    return atomic_write(path, lambda tmp: ds.to_netcdf(tmp, engine="scipy"))


def parameter_attributes(params, exclude=()) -> dict:
    """``param_NAME`` and ``param_NAME_units`` attributes for every scalar parameter not in ``exclude``."""
    from ..parameters import SPECS

    attrs = {}
    for name in params.names():
        if name not in exclude:
            attrs[f"param_{name}"] = float(getattr(params, name))
            attrs[f"param_{name}_units"] = SPECS[name].unit
    return attrs
